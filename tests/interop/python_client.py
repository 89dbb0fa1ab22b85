#!/usr/bin/env python3
"""Interop test: drive an MCP calculator server with the official Python client.

Usage:
    python tests/interop/python_client.py [--stdio] target/debug/calculator [server args...]
    python tests/interop/python_client.py --http http://127.0.0.1:PORT/mcp

Needs the `mcp` package (tested against mcp==2.3.0; see run-python.sh).

For each connection mode of `mcp.Client` (`legacy`, `auto`, `2026-07-28`) the
client connects to the server -- over stdio (the server is spawned once per
mode) or over Streamable HTTP (to a server already listening at URL) -- and a
fixed list of named checks runs against it. Over HTTP one more check runs,
`concurrent-clients`: several clients in the same mode at once, each with calls
in flight concurrently.

One line is printed per check (`ok   <transport> <mode> <check>` or
`FAIL <transport> <mode> <check>: reason`), then a closing `N passed, M failed`
line; the exit code is non-zero when anything failed.

Set INTEROP_VERBOSE=1 for tracebacks of failed checks and the client's HTTP
log (to stderr); RUST_LOG is passed on to a stdio server (its log goes to
stderr).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp import Client, MCPError, StdioServerParameters

MODES: dict[str, str] = {
    # mode= value -> the protocol version the connection must settle on
    "legacy": "2025-11-25",
    "auto": "2026-07-28",
    "2026-07-28": "2026-07-28",
}

MODE_TIMEOUT_S = 12.0  # whole mode: spawn, connect, every check, shutdown
REQUEST_TIMEOUT_S = 5.0  # one request

# concurrent-clients (HTTP only): this many extra clients, each with this many calls in flight.
EXTRA_CLIENTS = 4
CALLS_PER_CLIENT = 8

INVALID_PARAMS = -32602

EXPECTED_REQUIRED: dict[str, list[str]] = {
    "add": ["a", "b"],
    "subtract": ["a", "b"],
    "multiply": ["a", "b"],
    "divide": ["dividend", "divisor"],
    "statistics": ["numbers"],
    "power": ["base"],
}

# The field named as `a`, 'a', "a" or "field a" -- not just any word "a" ("expected a number").
FIELD_A = re.compile(r"[`'\"]a[`'\"]|\bfield a\b")

PERMISSION_KEY = "mcp-runtime/permission"
EXPECTED_PERMISSION = {"risk": "low"}

# Every check, in order; a mode that cannot connect or times out fails the rest.
# Over HTTP, HTTP_CHECKS run after these.
CHECKS = [
    "connect",
    "protocol-version",
    "tools-list",
    "tool-annotations",
    "add",
    "divide-by-zero",
    "statistics",
    "wrong-argument-type",
    "unknown-tool",
    "concurrent-calls",
]
HTTP_CHECKS = ["concurrent-clients"]

# What the client connects to: a command to spawn (stdio) or an endpoint URL (Streamable HTTP).
Target = StdioServerParameters | str


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def texts(result: Any) -> list[str]:
    return [block.text for block in result.content if getattr(block, "type", None) == "text"]


def only_text(result: Any) -> str:
    found = texts(result)
    expect(len(found) == 1, f"expected one text block, got content={dump(result.content)}")
    return found[0]


def dump(value: Any) -> Any:
    if isinstance(value, list):
        return [dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, exclude_none=True, mode="json")
    return value


def number_text_equals(text: str, expected: float) -> bool:
    try:
        return math.isclose(float(text), expected, rel_tol=0, abs_tol=1e-9)
    except ValueError:
        return False


class Report:
    def __init__(self, transport: str) -> None:
        self.transport = transport
        self.passed = 0
        self.failed = 0

    def ok(self, mode: str, check: str) -> None:
        self.passed += 1
        print(f"ok   {self.transport} {mode} {check}", flush=True)

    def fail(self, mode: str, check: str, reason: str) -> None:
        self.failed += 1
        reason = " ".join(str(reason).split())  # one line per check
        if len(reason) > 600:
            reason = reason[:600] + "..."
        print(f"FAIL {self.transport} {mode} {check}: {reason}", flush=True)


# --- the checks ---------------------------------------------------------------


async def check_protocol_version(client: Client, mode: str) -> None:
    want = MODES[mode]
    expect(client.protocol_version == want, f"negotiated {client.protocol_version!r}, want {want!r}")


async def check_tools_list(client: Client, mode: str) -> None:
    listing = await client.list_tools()
    tools = {tool.name: tool for tool in listing.tools}
    expect(
        sorted(tools) == sorted(EXPECTED_REQUIRED),
        f"tools {sorted(tools)}, want {sorted(EXPECTED_REQUIRED)}",
    )
    expect(listing.next_cursor is None, f"unexpected nextCursor {listing.next_cursor!r}")
    for name, required in EXPECTED_REQUIRED.items():
        schema = tools[name].input_schema
        expect(schema.get("type") == "object", f"{name}: inputSchema root type {schema.get('type')!r}")
        got = schema.get("required", [])
        expect(
            sorted(got) == sorted(required),
            f"{name}: required {got!r}, want {required!r}",
        )
        props = schema.get("properties", {})
        missing = [p for p in required if p not in props]
        expect(not missing, f"{name}: required {missing} not in properties {sorted(props)}")
    expect("exponent" in tools["power"].input_schema.get("properties", {}), "power: no `exponent` property")
    stats_out = tools["statistics"].output_schema
    expect(stats_out is not None, "statistics: no outputSchema")


async def check_tool_annotations(client: Client, mode: str) -> None:
    listing = await client.list_tools()
    for tool in listing.tools:
        annotations = tool.annotations
        expect(annotations is not None, f"{tool.name}: no annotations")
        expect(
            annotations.read_only_hint is True,
            f"{tool.name}: readOnlyHint {annotations.read_only_hint!r}",
        )
        meta = tool.meta or {}
        expect(
            meta.get(PERMISSION_KEY) == EXPECTED_PERMISSION,
            f"{tool.name}: _meta[{PERMISSION_KEY!r}] = {meta.get(PERMISSION_KEY)!r}, "
            f"want {EXPECTED_PERMISSION!r} (whole _meta: {meta!r})",
        )


async def check_add(client: Client, mode: str) -> None:
    result = await client.call_tool("add", {"a": 2, "b": 3.5})
    expect(not result.is_error, f"isError true: {dump(result.content)}")
    text = only_text(result)
    expect(text == "5.5", f"text {text!r}, want '5.5'")


async def check_divide_by_zero(client: Client, mode: str) -> None:
    result = await client.call_tool("divide", {"dividend": 1, "divisor": 0})
    expect(result.is_error is True, f"isError {result.is_error!r}, content {dump(result.content)}")
    text = only_text(result)
    expect(text == "cannot divide by zero", f"text {text!r}, want 'cannot divide by zero'")


async def check_statistics(client: Client, mode: str) -> None:
    result = await client.call_tool("statistics", {"numbers": [4, 1, 3, 2]})
    expect(not result.is_error, f"isError true: {dump(result.content)}")
    sc = result.structured_content
    expect(isinstance(sc, dict), f"structuredContent {sc!r}")
    assert isinstance(sc, dict)
    expect(sc.get("count") == 4, f"count {sc.get('count')!r}, want 4")
    expect(sc.get("median") == 2.5, f"median {sc.get('median')!r}, want 2.5")
    want = {"sum": 10, "mean": 2.5, "min": 1, "max": 4}
    for key, value in want.items():
        expect(sc.get(key) == value, f"{key} {sc.get(key)!r}, want {value}")


async def check_wrong_argument_type(client: Client, mode: str) -> None:
    result = await client.call_tool("add", {"a": "x", "b": 1})
    expect(result.is_error is True, f"isError {result.is_error!r}, content {dump(result.content)}")
    text = " ".join(texts(result))
    expect(FIELD_A.search(text) is not None, f"error text does not name the field `a`: {text!r}")


async def check_unknown_tool(client: Client, mode: str) -> None:
    try:
        result = await client.call_tool("no_such_tool", {"a": 1})
    except MCPError as error:
        expect(
            error.code == INVALID_PARAMS,
            f"MCPError code {error.code} ({error.message!r}), want {INVALID_PARAMS}",
        )
        return
    raise CheckFailed(f"no MCP error; got a result isError={result.is_error!r} content={dump(result.content)}")


Case = tuple[str, dict[str, Any], float]  # tool, arguments, expected number


def mixed_cases(count: int, offset: int = 0) -> list[Case]:
    """`count` calls over five tools; `offset` makes every answer distinct from other batches'."""
    cases: list[Case] = []
    for i in range(offset, offset + count):
        kind = i % 5
        if kind == 0:
            cases.append(("add", {"a": i, "b": 0.5}, i + 0.5))
        elif kind == 1:
            cases.append(("subtract", {"a": 100, "b": i}, 100 - i))
        elif kind == 2:
            cases.append(("multiply", {"a": i, "b": 3}, i * 3))
        elif kind == 3:
            cases.append(("divide", {"dividend": i, "divisor": 4}, i / 4))
        else:
            cases.append(("power", {"base": i, "exponent": 3}, float(i**3)))
    return cases


async def call_all(client: Client, cases: list[Case], who: str = "") -> list[str]:
    """Issue every call at once; describe each wrong answer."""
    results = await asyncio.gather(
        *(client.call_tool(name, args) for name, args, _ in cases), return_exceptions=True
    )
    wrong = []
    for (name, args, want), result in zip(cases, results):
        if isinstance(result, BaseException):
            wrong.append(f"{who}{name}{args} raised {describe(result)}")
        elif result.is_error:
            wrong.append(f"{who}{name}{args} isError: {texts(result)}")
        else:
            got = " ".join(texts(result))
            if not number_text_equals(got, want):
                wrong.append(f"{who}{name}{args} = {got!r}, want {want}")
    return wrong


async def check_concurrent_calls(client: Client, mode: str) -> None:
    wrong = await call_all(client, mixed_cases(10))
    expect(not wrong, f"{len(wrong)}/10 wrong: " + "; ".join(wrong))


async def check_concurrent_clients(url: str, client: Client, mode: str) -> None:
    """HTTP only: EXTRA_CLIENTS more clients connect in `mode` at once (in legacy mode, one
    session each) and, with the first client, keep CALLS_PER_CLIENT calls each in flight.
    Every call's answer is distinct, so a reply delivered to the wrong request shows."""

    async def extra(k: int) -> list[str]:
        who = f"client {k}: "
        try:
            other = Client(url, mode=mode, read_timeout_seconds=REQUEST_TIMEOUT_S)
            async with other:
                if other.protocol_version != MODES[mode]:
                    return [f"{who}negotiated {other.protocol_version!r}, want {MODES[mode]!r}"]
                return await call_all(other, mixed_cases(CALLS_PER_CLIENT, offset=1000 * k), who)
        except Exception as error:  # noqa: BLE001
            return [f"{who}{describe(error)}"]

    batches = await asyncio.gather(
        call_all(client, mixed_cases(CALLS_PER_CLIENT), "client 0: "),
        *(extra(k) for k in range(1, EXTRA_CLIENTS + 1)),
    )
    wrong = [w for batch in batches for w in batch]
    total = (EXTRA_CLIENTS + 1) * CALLS_PER_CLIENT
    expect(not wrong, f"{len(wrong)}/{total} wrong: " + "; ".join(wrong))


STEPS: list[tuple[str, Callable[[Client, str], Awaitable[None]]]] = [
    ("protocol-version", check_protocol_version),
    ("tools-list", check_tools_list),
    ("tool-annotations", check_tool_annotations),
    ("add", check_add),
    ("divide-by-zero", check_divide_by_zero),
    ("statistics", check_statistics),
    ("wrong-argument-type", check_wrong_argument_type),
    ("unknown-tool", check_unknown_tool),
    ("concurrent-calls", check_concurrent_calls),
]
assert ["connect"] + [name for name, _ in STEPS] == CHECKS


def steps_for(target: Target) -> list[tuple[str, Callable[[Client, str], Awaitable[None]]]]:
    if not isinstance(target, str):
        return STEPS
    http_steps = [("concurrent-clients", functools.partial(check_concurrent_clients, target))]
    assert [name for name, _ in http_steps] == HTTP_CHECKS
    return STEPS + http_steps


def describe(error: BaseException) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    if isinstance(error, MCPError):
        return f"MCPError {error.code}: {error.message}" + (f" data={error.data!r}" if error.data else "")
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(e) for e in error.exceptions)
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- running one mode --------------------------------------------------------


async def run_mode(mode: str, target: Target, report: Report) -> None:
    steps = steps_for(target)
    checks = ["connect"] + [name for name, _ in steps]
    done: set[str] = set()
    lost = False

    def record_ok(check: str) -> None:
        done.add(check)
        report.ok(mode, check)

    def record_fail(check: str, reason: str) -> None:
        done.add(check)
        report.fail(mode, check, reason)

    try:
        with anyio.fail_after(MODE_TIMEOUT_S):
            client = Client(target, mode=mode, read_timeout_seconds=REQUEST_TIMEOUT_S)
            try:
                async with client:
                    record_ok("connect")
                    for check, step in steps:
                        try:
                            await step(client, mode)
                        except Exception as error:  # noqa: BLE001 — every failure is one check's
                            if os.environ.get("INTEROP_VERBOSE"):
                                traceback.print_exc()
                            record_fail(check, describe(error))
                        else:
                            record_ok(check)
            except Exception as error:  # noqa: BLE001
                if "connect" not in done:
                    record_fail("connect", describe(error))
                elif all(check in done for check in checks):
                    print(f"note: {report.transport} {mode}: error while closing the client: {describe(error)}", flush=True)
                else:
                    # The transport failed mid-check (e.g. over HTTP in 2026-07-28 mode, where
                    # "connect" sends nothing): blame the check it interrupted.
                    interrupted = next(check for check in checks if check not in done)
                    record_fail(interrupted, f"the client's connection failed: {describe(error)}")
                    lost = True
    except TimeoutError:
        for check in checks:
            if check not in done:
                record_fail(check, f"mode timed out after {MODE_TIMEOUT_S:.0f} s")
    for check in checks:
        if check not in done:
            record_fail(check, "not run: the connection failed" if lost else "not run: could not connect")


USAGE = """usage: python_client.py [--stdio] SERVER_COMMAND [ARGS...]
       python_client.py --http URL"""


def parse_target(args: list[str]) -> tuple[str, Target, str] | None:
    """(transport, target, description) from the command line, or None if it is malformed."""
    if args[:1] == ["--http"]:
        if len(args) != 2 or not args[1].startswith(("http://", "https://")):
            return None
        return "http", args[1], args[1]
    if args[:1] == ["--stdio"]:
        args = args[1:]
    if not args or args[0].startswith("-"):
        return None
    command, server_args = args[0], args[1:]
    if os.sep in command and not os.path.isabs(command):
        command = os.path.abspath(command)
    # The client passes the server only a few safe variables (PATH, HOME, ...); forward RUST_LOG.
    env = {"RUST_LOG": os.environ["RUST_LOG"]} if "RUST_LOG" in os.environ else None
    params = StdioServerParameters(command=command, args=server_args, env=env)
    return "stdio", params, " ".join([command, *server_args])


async def main(argv: list[str]) -> int:
    parsed = parse_target(argv[1:])
    if parsed is None:
        print(USAGE, file=sys.stderr)
        return 2
    transport, target, description = parsed
    if transport == "http" and os.environ.get("INTEROP_VERBOSE"):
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        for name in ("httpx2", "mcp.client.streamable_http"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    report = Report(transport)
    started = time.monotonic()
    for mode in MODES:
        await run_mode(mode, target, report)
    elapsed = time.monotonic() - started
    print(f"# {transport}: {len(MODES)} modes against {description} in {elapsed:.1f} s", flush=True)
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
