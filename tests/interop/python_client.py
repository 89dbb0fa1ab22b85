#!/usr/bin/env python3
"""Interop test: drive an MCP calculator server with the official Python client.

Usage:
    python tests/interop/python_client.py target/debug/calculator [server args...]

Needs the `mcp` package (tested against mcp==2.3.0; see run-python.sh).

For each connection mode of `mcp.Client` (`legacy`, `auto`, `2026-07-28`) the
server is spawned over stdio and a fixed list of named checks runs against it.
One line is printed per check (`ok   <mode> <check>` or
`FAIL <mode> <check>: reason`), then a closing `N passed, M failed` line; the
exit code is non-zero when anything failed.

Set INTEROP_VERBOSE=1 for tracebacks of failed checks; RUST_LOG is passed on
to the server (its log goes to stderr).
"""

from __future__ import annotations

import asyncio
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
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, mode: str, check: str) -> None:
        self.passed += 1
        print(f"ok   {mode} {check}", flush=True)

    def fail(self, mode: str, check: str, reason: str) -> None:
        self.failed += 1
        reason = " ".join(str(reason).split())  # one line per check
        if len(reason) > 600:
            reason = reason[:600] + "..."
        print(f"FAIL {mode} {check}: {reason}", flush=True)


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


async def check_concurrent_calls(client: Client, mode: str) -> None:
    cases: list[tuple[str, dict[str, Any], float]] = []
    for i in range(10):
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
    results = await asyncio.gather(
        *(client.call_tool(name, args) for name, args, _ in cases), return_exceptions=True
    )
    wrong = []
    for (name, args, want), result in zip(cases, results):
        if isinstance(result, BaseException):
            wrong.append(f"{name}{args} raised {type(result).__name__}: {result}")
        elif result.is_error:
            wrong.append(f"{name}{args} isError: {texts(result)}")
        else:
            got = " ".join(texts(result))
            if not number_text_equals(got, want):
                wrong.append(f"{name}{args} = {got!r}, want {want}")
    expect(not wrong, f"{len(wrong)}/10 wrong: " + "; ".join(wrong))


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


async def run_mode(mode: str, params: StdioServerParameters, report: Report) -> None:
    done: set[str] = set()

    def record_ok(check: str) -> None:
        done.add(check)
        report.ok(mode, check)

    def record_fail(check: str, reason: str) -> None:
        done.add(check)
        report.fail(mode, check, reason)

    try:
        with anyio.fail_after(MODE_TIMEOUT_S):
            client = Client(params, mode=mode, read_timeout_seconds=REQUEST_TIMEOUT_S)
            try:
                async with client:
                    record_ok("connect")
                    for check, step in STEPS:
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
                else:
                    print(f"note: {mode}: error while closing the client: {describe(error)}", flush=True)
    except TimeoutError:
        for check in CHECKS:
            if check not in done:
                record_fail(check, f"mode timed out after {MODE_TIMEOUT_S:.0f} s")
    for check in CHECKS:
        if check not in done:
            record_fail(check, "not run: could not connect")


async def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(f"usage: {argv[0]} SERVER_COMMAND [ARGS...]", file=sys.stderr)
        return 2
    command, args = argv[1], argv[2:]
    if os.sep in command and not os.path.isabs(command):
        command = os.path.abspath(command)
    # The client passes the server only a few safe variables (PATH, HOME, ...); forward RUST_LOG.
    env = {"RUST_LOG": os.environ["RUST_LOG"]} if "RUST_LOG" in os.environ else None
    params = StdioServerParameters(command=command, args=args, env=env)
    report = Report()
    started = time.monotonic()
    for mode in MODES:
        await run_mode(mode, params, report)
    elapsed = time.monotonic() - started
    print(f"# {len(MODES)} modes against {' '.join([command, *args])} in {elapsed:.1f} s", flush=True)
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
