#!/usr/bin/env python3
"""Interop test: drive the `accounts` and `files` examples with the official Python client.

Usage:
    python tests/interop/examples.py target/debug/accounts target/debug/files

Needs the `mcp` package (tested against mcp==2.3.0; see run-examples.sh).

Every scenario runs over stdio (the client spawns the server) and over Streamable HTTP
(the server started here with `--transport http` on a free loopback port), in the
client's `legacy` (2025-11-25) and `2026-07-28` modes, each time against a fresh
database or file tree. Calls that need the user's confirmation are answered by an
elicitation callback that accepts or declines. After each scenario the database (read
with sqlite3) or the file tree is compared with what it must hold: refused calls changed
nothing, and nothing was lost.

One line per check (`ok   <example> <transport> <mode> <check>` or `FAIL ...: reason`),
then `N passed, M failed`; the exit code is non-zero when anything failed.
INTEROP_VERBOSE=1 adds tracebacks and the servers' logs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, MCPError, StdioServerParameters
from mcp import types

MODES = {"legacy": "2025-11-25", "2026-07-28": "2026-07-28"}
TRANSPORTS = ["stdio", "http"]
SCENARIO_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 5.0
SERVER_START_TIMEOUT_S = 10.0
PERMISSION_KEY = "mcp-runtime/permission"

SEED = {1: 125_000, 2: 4_200, 3: 980_050, 4: 0}
SEED_TOTAL = sum(SEED.values())

VERBOSE = bool(os.environ.get("INTEROP_VERBOSE"))
# The servers' audit lines go to their log; only warnings unless RUST_LOG says otherwise.
SERVER_LOG_FILTER = os.environ.get("RUST_LOG", "info" if VERBOSE else "warn")


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def text_of(result: Any) -> str:
    return " ".join(b.text for b in result.content if getattr(b, "type", None) == "text")


def describe(error: BaseException) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    if isinstance(error, MCPError):
        return f"MCPError {error.code}: {error.message}"
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, label: str, check: str) -> None:
        self.passed += 1
        print(f"ok   {label} {check}", flush=True)

    def fail(self, label: str, check: str, reason: str) -> None:
        self.failed += 1
        reason = " ".join(str(reason).split())[:600]
        print(f"FAIL {label} {check}: {reason}", flush=True)


class Confirmer:
    """The user, as an elicitation callback: accepts or declines, and counts the questions."""

    def __init__(self) -> None:
        self.accept = True
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.asked.append(getattr(params, "message", ""))
        if self.accept:
            return types.ElicitResult(action="accept", content={"confirm": True})
        return types.ElicitResult(action="decline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(transport: str, command: list[str], log: Path) -> Iterator[StdioServerParameters | str]:
    """What the client connects to: a command to spawn, or the URL of a server started here."""
    if transport == "stdio":
        yield StdioServerParameters(command=command[0], args=command[1:], env={"RUST_LOG": SERVER_LOG_FILTER})
        return
    port = free_port()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command + ["--transport", "http", "--bind", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            env={**os.environ, "RUST_LOG": SERVER_LOG_FILTER},
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise CheckFailed(f"the server exited with {process.returncode}: {log.read_text()[-400:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise CheckFailed("the server did not accept connections in time")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


Check = Callable[[Client, Confirmer], Awaitable[None]]


async def run_scenario(
    report: Report,
    label: str,
    target: StdioServerParameters | str,
    mode: str,
    checks: list[tuple[str, Check]],
) -> None:
    confirmer = Confirmer()
    done: set[str] = set()
    try:
        with anyio.fail_after(SCENARIO_TIMEOUT_S):
            client = Client(
                target,
                mode=mode,
                read_timeout_seconds=REQUEST_TIMEOUT_S,
                elicitation_callback=confirmer,
            )
            async with client:
                expect(
                    client.protocol_version == MODES[mode],
                    f"negotiated {client.protocol_version!r}, want {MODES[mode]!r}",
                )
                for name, check in checks:
                    confirmer.accept = True
                    confirmer.asked = []
                    try:
                        await check(client, confirmer)
                    except Exception as error:  # noqa: BLE001 -- every failure is one check's
                        if VERBOSE:
                            traceback.print_exc()
                        report.fail(label, name, describe(error))
                    else:
                        report.ok(label, name)
                    done.add(name)
    except Exception as error:  # noqa: BLE001
        if VERBOSE:
            traceback.print_exc()
        for name, _ in checks:
            if name not in done:
                report.fail(label, name, f"not run: {describe(error)}")
                done.add(name)


def after(report: Report, label: str, name: str, check: Callable[[], None]) -> None:
    try:
        check()
    except Exception as error:  # noqa: BLE001
        report.fail(label, name, describe(error))
    else:
        report.ok(label, name)


# --- accounts ------------------------------------------------------------------------


async def call(client: Client, tool: str, args: dict[str, Any]) -> Any:
    return await client.call_tool(tool, args)


async def accounts_risks(client: Client, confirmer: Confirmer) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    want = {
        "query_accounts": "low",
        "get_account": "low",
        "transfer_history": "low",
        "update_account_email": "medium",
        "transfer_funds": "high",
        "close_account": "critical",
    }
    expect(sorted(tools) == sorted(want), f"tools {sorted(tools)}")
    for name, risk in want.items():
        got = (tools[name].meta or {}).get(PERMISSION_KEY, {}).get("risk")
        expect(got == risk, f"{name}: risk {got!r}, want {risk!r}")
    expect(tools["close_account"].annotations.destructive_hint is True, "close_account: not destructive")
    expect(tools["query_accounts"].output_schema is not None, "query_accounts: no outputSchema")


async def accounts_query(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "query_accounts", {"owner_contains": "ho"})
    expect(not result.is_error, text_of(result))
    found = result.structured_content
    expect(found["count"] == 1 and found["accounts"][0]["id"] == 3, f"structuredContent {found!r}")
    expect(not confirmer.asked, "a read-only query asked the user")


async def accounts_update_email(client: Client, confirmer: Confirmer) -> None:
    for _ in range(2):  # idempotent: the same call twice ends the same
        result = await call(client, "update_account_email", {"id": 1, "email": "ada@analytical.org"})
        expect(not result.is_error, text_of(result))
    expect(result.structured_content["email"] == "ada@analytical.org", f"{result.structured_content!r}")
    bad = await call(client, "update_account_email", {"id": 2, "email": "not an address"})
    expect(bad.is_error, "a malformed address was accepted")
    expect(not confirmer.asked, "a medium-risk tool asked the user under the default policy")


async def accounts_transfer(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "transfer_funds", {"from_id": 3, "to_id": 2, "amount_cents": 50_000})
    expect(not result.is_error, text_of(result))
    expect(len(confirmer.asked) == 1, f"asked {len(confirmer.asked)} times, want once")
    got = result.structured_content
    expect(got["from_balance_cents"] == 930_050 and got["to_balance_cents"] == 54_200, f"{got!r}")


async def accounts_overdraft(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "transfer_funds", {"from_id": 4, "to_id": 1, "amount_cents": 1})
    expect(result.is_error, "an overdraft was accepted")
    expect(text_of(result).startswith("insufficient funds: account 4 holds 0.00"), text_of(result))


async def accounts_declined(client: Client, confirmer: Confirmer) -> None:
    confirmer.accept = False
    result = await call(client, "transfer_funds", {"from_id": 1, "to_id": 2, "amount_cents": 100})
    expect(result.is_error, "a declined transfer ran")
    expect("declined" in text_of(result), text_of(result))
    expect(len(confirmer.asked) == 1, f"asked {len(confirmer.asked)} times, want once")


async def accounts_close_confirmed(client: Client, confirmer: Confirmer) -> None:
    full = await call(client, "close_account", {"id": 1})
    expect(full.is_error and "still holds" in text_of(full), text_of(full))
    result = await call(client, "close_account", {"id": 4})
    expect(not result.is_error, text_of(result))
    expect(text_of(result) == "Closed account 4 of Alan Turing.", text_of(result))


async def accounts_resource_and_prompt(client: Client, confirmer: Confirmer) -> None:
    read = await client.read_resource("accounts://2")
    account = json.loads(read.contents[0].text)
    expect(account["owner"] == "Charles Babbage", f"{read.contents[0]!r}")
    try:
        await client.read_resource("accounts://99")
    except MCPError:
        pass
    else:
        raise CheckFailed("reading a missing account succeeded")
    prompt = await client.get_prompt("summarize_account", {"id": "3"})
    text = prompt.messages[0].content.text
    expect("Grace Hopper" in text and "paid 500.00 to account 2" in text, text)


async def accounts_no_sql(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "query_accounts", {"owner_contains": "'; DROP TABLE accounts; --"})
    expect(not result.is_error and result.structured_content["count"] == 0, text_of(result))


ACCOUNTS_DEFAULT = [
    ("risk-levels", accounts_risks),
    ("query-structured", accounts_query),
    ("update-email-idempotent", accounts_update_email),
    ("transfer-confirmed", accounts_transfer),
    ("overdraft-refused", accounts_overdraft),
    ("transfer-declined", accounts_declined),
    ("close-confirmed", accounts_close_confirmed),
    ("resource-and-prompt", accounts_resource_and_prompt),
    ("no-sql-injection", accounts_no_sql),
]


async def denied_hidden(client: Client, confirmer: Confirmer) -> None:
    tools = {t.name for t in (await client.list_tools()).tools}
    expect("close_account" not in tools, f"close_account is listed: {sorted(tools)}")
    expect("transfer_funds" in tools, f"transfer_funds is not listed: {sorted(tools)}")


async def denied_refused(client: Client, confirmer: Confirmer) -> None:
    try:
        result = await call(client, "close_account", {"id": 4})
    except MCPError:
        pass
    else:
        expect(result.is_error, f"close_account ran: {text_of(result)}")
    expect(not confirmer.asked, "a denied tool asked the user")


ACCOUNTS_DENY_CRITICAL = [
    ("critical-hidden", denied_hidden),
    ("critical-refused", denied_refused),
]


def balances(db: Path) -> dict[int, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT id, balance_cents FROM accounts ORDER BY id"))


def emails(db: Path) -> dict[int, str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT id, email FROM accounts ORDER BY id"))


def transfers(db: Path) -> list[tuple[int, int, int]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT from_id, to_id, amount_cents FROM transfers ORDER BY id"))


async def accounts(binary: str, transport: str, mode: str, work: Path, report: Report) -> None:
    label = f"accounts {transport} {mode}"
    db = work / "data" / "accounts.db"
    with server(transport, [binary, "--db", str(db)], work / "accounts.log") as target:
        await run_scenario(report, label, target, mode, ACCOUNTS_DEFAULT)

    def database_after() -> None:
        got = balances(db)
        want = {1: 125_000, 2: 54_200, 3: 930_050}
        expect(got == want, f"balances {got}, want {want}")
        expect(sum(got.values()) == SEED_TOTAL, f"money was created or lost: {sum(got.values())}")
        expect(transfers(db) == [(3, 2, 50_000)], f"transfers {transfers(db)}")
        expect(emails(db)[1] == "ada@analytical.org", f"emails {emails(db)}")
        expect(emails(db)[2] == "charles@example.com", f"emails {emails(db)}")

    after(report, label, "database-after", database_after)

    # The same database, a policy that denies critical tools.
    label = f"accounts {transport} {mode} deny-critical"
    policy = work / "policy.toml"
    policy.write_text('[risk]\nconfirm_up_to = "high"\n')
    seeded_db = work / "seeded.db"
    command = [binary, "--db", str(seeded_db), "--policy", str(policy)]
    with server(transport, command, work / "accounts-policy.log") as target:
        await run_scenario(report, label, target, mode, ACCOUNTS_DENY_CRITICAL)

    def nothing_closed() -> None:
        expect(balances(seeded_db) == SEED, f"balances {balances(seeded_db)}, want {SEED}")

    after(report, label, "database-after", nothing_closed)


# --- files ---------------------------------------------------------------------------

PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])


def make_tree(work: Path) -> tuple[Path, Path]:
    root = work / "served"
    outside = work / "outside"
    (root / "notes").mkdir(parents=True)
    outside.mkdir()
    (root / "notes" / "todo.md").write_text("# To do\n- buy milk\n- call Ada\n")
    (root / "notes" / "old.txt").write_text("old\n")
    (root / "logo.png").write_bytes(PNG)
    (outside / "secret.txt").write_text("secret\n")
    (root / "escape").symlink_to(outside)
    (root / "notes" / "secret-link.txt").symlink_to(outside / "secret.txt")
    return root, outside


def snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry under `directory`: file contents, or where a link points."""
    found: dict[str, bytes | str] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_symlink():
            found[relative] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[relative] = path.read_bytes()
        else:
            found[relative] = "<dir>"
    return found


async def files_list_and_read(client: Client, confirmer: Confirmer) -> None:
    listed = await call(client, "list_directory", {"path": "notes"})
    expect(not listed.is_error, text_of(listed))
    names = [e["path"] for e in listed.structured_content["entries"]]
    expect(names == ["notes/old.txt", "notes/secret-link.txt", "notes/todo.md"], f"{names}")
    read = await call(client, "read_file", {"path": "notes/todo.md"})
    expect(text_of(read) == "# To do\n- buy milk\n- call Ada\n", repr(text_of(read)))


async def files_resources(client: Client, confirmer: Confirmer) -> None:
    binary = await client.read_resource("file:///logo.png")
    blob = binary.contents[0]
    expect(getattr(blob, "blob", None) is not None, f"not a blob: {blob!r}")
    expect(base64.b64decode(blob.blob) == PNG, f"blob {blob.blob!r}")
    expect(blob.mime_type == "image/png", f"mimeType {blob.mime_type!r}")
    text = await client.read_resource("file:///notes%2Ftodo.md")
    expect(text.contents[0].text.startswith("# To do"), f"{text.contents[0]!r}")
    link = await call(client, "read_file", {"path": "logo.png"})
    expect(link.content[0].type == "resource_link", f"{link.content!r}")


async def files_search(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "search_files", {"query": "ADA"})
    hits = result.structured_content["hits"]
    expect(hits == [{"path": "notes/todo.md", "line": 3, "text": "- call Ada"}], f"{hits}")


async def files_escapes(client: Client, confirmer: Confirmer) -> None:
    for tool, args in [
        ("read_file", {"path": "../outside/secret.txt"}),
        ("read_file", {"path": "escape/secret.txt"}),
        ("read_file", {"path": "notes/secret-link.txt"}),
        ("list_directory", {"path": "escape"}),
        ("write_file", {"path": "escape/planted.txt", "content": "x"}),
        ("write_file", {"path": "notes/../../planted.txt", "content": "x"}),
        ("delete_file", {"path": "escape/secret.txt"}),
        ("search_files", {"query": "secret", "path": ".."}),
    ]:
        result = await call(client, tool, args)
        expect(result.is_error, f"{tool} {args} was not refused: {text_of(result)}")
        expect("outside the served directory" in text_of(result), f"{tool} {args}: {text_of(result)}")
    try:
        await client.read_resource("file:///..%2Foutside%2Fsecret.txt")
    except MCPError:
        pass
    else:
        raise CheckFailed("reading a resource outside the root succeeded")


async def files_write(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "write_file", {"path": "drafts/plan.md", "content": "step 1\n"})
    expect(not result.is_error, text_of(result))
    expect(not confirmer.asked, "a medium-risk write asked the user")


async def files_delete_declined(client: Client, confirmer: Confirmer) -> None:
    confirmer.accept = False
    result = await call(client, "delete_file", {"path": "notes/todo.md"})
    expect(result.is_error and "declined" in text_of(result), text_of(result))


async def files_delete_confirmed(client: Client, confirmer: Confirmer) -> None:
    result = await call(client, "delete_file", {"path": "notes/old.txt"})
    expect(not result.is_error, text_of(result))
    expect(len(confirmer.asked) == 1, f"asked {len(confirmer.asked)} times, want once")


FILES_CHECKS = [
    ("list-and-read", files_list_and_read),
    ("text-and-blob-resources", files_resources),
    ("search", files_search),
    ("path-escapes-refused", files_escapes),
    ("write", files_write),
    ("delete-declined", files_delete_declined),
    ("delete-confirmed", files_delete_confirmed),
]


async def files(binary: str, transport: str, mode: str, work: Path, report: Report) -> None:
    label = f"files {transport} {mode}"
    root, outside = make_tree(work)
    before_root, before_outside = snapshot(root), snapshot(outside)
    with server(transport, [binary, "--root", str(root)], work / "files.log") as target:
        await run_scenario(report, label, target, mode, FILES_CHECKS)

    def tree_after() -> None:
        want = dict(before_root)
        del want["notes/old.txt"]
        want["drafts"] = "<dir>"
        want["drafts/plan.md"] = b"step 1\n"
        got = snapshot(root)
        expect(got == want, f"tree {sorted(got)}, want {sorted(want)}")
        expect(snapshot(outside) == before_outside, f"outside changed: {snapshot(outside)}")
        expect(not (work / "planted.txt").exists(), "a file was planted outside")

    after(report, label, "tree-after", tree_after)


async def main(accounts_binary: str, files_binary: str) -> int:
    report = Report()
    for transport in TRANSPORTS:
        for mode in MODES:
            for example, binary in [(accounts, accounts_binary), (files, files_binary)]:
                work = Path(tempfile.mkdtemp(prefix="mcp-examples-"))
                try:
                    await example(binary, transport, mode, work, report)
                finally:
                    if (VERBOSE or report.failed) and transport == "http":
                        for log in work.glob("*.log"):
                            print(f"# {log.name}:", file=sys.stderr)
                            print(log.read_text()[-3000:], file=sys.stderr)
                    shutil.rmtree(work, ignore_errors=True)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(anyio.run(main, sys.argv[1], sys.argv[2]))
