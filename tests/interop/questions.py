#!/usr/bin/env python3
"""Interop test: servers asking the official Python client questions, and telling it of
changes (`subscriptions/listen`, 2026-07-28 mode).

Usage:
    python tests/interop/questions.py [--stdio] target/debug/everything [server args...]
    python tests/interop/questions.py --http http://127.0.0.1:PORT/mcp

Drives the conformance fixture (`examples/everything`) with `mcp.Client` (mcp==2.3.0)
in its `legacy` mode (2025-11-25: the server sends `elicitation/create`,
`sampling/createMessage` and `roots/list` requests of its own) and its `2026-07-28`
mode (the server answers `input_required` and the client retries with the answers).
The same tools answer the same way in both.

One line is printed per check (`ok   <transport> <mode> <check>` or
`FAIL <transport> <mode> <check>: reason`), then `N passed, M failed`; the exit code
is non-zero when anything failed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp import Client, StdioServerParameters

MODES = ["legacy", "2026-07-28"]
MODE_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 5.0


class Asked:
    """The client's side of the conversation: canned answers, and what was asked."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    async def elicit(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.questions.append(f"elicit:{params.message}")
        schema = getattr(params, "requested_schema", None) or {}
        fields = list((schema.get("properties") or {}).keys()) if isinstance(schema, dict) else []
        content = {field: ("Ada" if field == "name" else "blue" if field == "color" else "yes") for field in fields}
        return types.ElicitResult(action="accept", content=content)

    async def sample(self, context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.questions.append("sample")
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text="Paris"),
            model="interop-model",
            stop_reason="endTurn",
        )

    async def roots(self, context: Any) -> types.ListRootsResult:
        self.questions.append("roots")
        return types.ListRootsResult(roots=[types.Root(uri="file:///interop", name="interop")])


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def text_of(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def check_elicitation(client: Client, asked: Asked) -> None:
    result = await client.call_tool("test_input_required_result_elicitation", {})
    expect(not result.is_error, f"error result: {text_of(result)}")
    expect(text_of(result) == "Hello, Ada!", f"unexpected text {text_of(result)!r}")
    expect(asked.questions == ["elicit:What is your name?"], f"asked {asked.questions}")


async def check_sampling(client: Client, asked: Asked) -> None:
    result = await client.call_tool("test_input_required_result_sampling", {})
    expect(text_of(result) == "The model said: Paris", f"unexpected text {text_of(result)!r}")
    expect(asked.questions == ["sample"], f"asked {asked.questions}")


async def check_roots(client: Client, asked: Asked) -> None:
    result = await client.call_tool("test_input_required_result_list_roots", {})
    expect(text_of(result) == "Roots: file:///interop", f"unexpected text {text_of(result)!r}")


async def check_three_at_once(client: Client, asked: Asked) -> None:
    result = await client.call_tool("test_input_required_result_multiple_inputs", {})
    expect(
        text_of(result) == "name=Ada, greeting=Paris, roots=1",
        f"unexpected text {text_of(result)!r}",
    )
    expect(sorted(asked.questions) == ["elicit:What is your name?", "roots", "sample"], f"asked {asked.questions}")


async def check_two_rounds(client: Client, asked: Asked) -> None:
    result = await client.call_tool("test_input_required_result_multi_round", {})
    expect(text_of(result) == "Ada likes blue", f"unexpected text {text_of(result)!r}")
    expect(len(asked.questions) == 2, f"asked {asked.questions}")


async def check_prompt(client: Client, asked: Asked) -> None:
    result = await client.get_prompt("test_input_required_result_prompt", {})
    text = result.messages[0].content.text
    expect(text == "Prompt with context: yes", f"unexpected prompt text {text!r}")


async def check_listen(client: Client, asked: Asked) -> None:
    """2026-07-28: a subscriptions/listen stream hears of a tool list change."""
    async with client.listen(tools_list_changed=True) as subscription:
        await client.call_tool("test_trigger_tool_change", {})
        with anyio.fail_after(REQUEST_TIMEOUT_S):
            event = await subscription.__anext__()
        expect(type(event).__name__ == "ToolsListChanged", f"unexpected event {event!r}")
    names = [tool.name for tool in (await client.list_tools()).tools]
    expect("test_dynamic_tool" in names, "the switched-on tool is not listed")
    # Switch it off again: the HTTP server is shared between runs.
    await client.call_tool("test_trigger_tool_change", {})


CHECKS: list[tuple[str, Callable[[Client, Asked], Awaitable[None]]]] = [
    ("elicitation", check_elicitation),
    ("sampling", check_sampling),
    ("roots", check_roots),
    ("three-questions-at-once", check_three_at_once),
    ("two-rounds", check_two_rounds),
    ("prompt-asks", check_prompt),
    ("listen-hears-list-changes", check_listen),
]
# Checks of what only the 2026-07-28 revision has.
MODERN_ONLY = {"listen-hears-list-changes"}


async def run_mode(mode: str, target: Any, transport: str) -> tuple[int, int]:
    passed = failed = 0
    asked = Asked()

    def report(check: str, error: str | None) -> None:
        nonlocal passed, failed
        if error is None:
            passed += 1
            print(f"ok   {transport} {mode} {check}", flush=True)
        else:
            failed += 1
            print(f"FAIL {transport} {mode} {check}: {error}", flush=True)

    done: set[str] = set()
    try:
        with anyio.fail_after(MODE_TIMEOUT_S):
            client = Client(
                target,
                mode=mode,
                read_timeout_seconds=REQUEST_TIMEOUT_S,
                elicitation_callback=asked.elicit,
                sampling_callback=asked.sample,
                list_roots_callback=asked.roots,
            )
            async with client:
                for check, step in CHECKS:
                    if mode == "legacy" and check in MODERN_ONLY:
                        done.add(check)
                        continue
                    asked.questions.clear()
                    try:
                        await step(client, asked)
                    except Exception as error:  # noqa: BLE001 -- every failure is one check's
                        if os.environ.get("INTEROP_VERBOSE"):
                            traceback.print_exc()
                        report(check, f"{type(error).__name__}: {error}")
                    else:
                        report(check, None)
                    done.add(check)
    except Exception as error:  # noqa: BLE001
        if os.environ.get("INTEROP_VERBOSE"):
            traceback.print_exc()
        for check, _ in CHECKS:
            if check not in done:
                report(check, f"not run: {type(error).__name__}: {error}")
    return passed, failed


def parse_target(args: list[str]) -> tuple[str, Any] | None:
    if args[:1] == ["--http"] and len(args) == 2:
        return "http", args[1]
    if args[:1] == ["--stdio"]:
        args = args[1:]
    if not args:
        return None
    command = os.path.abspath(args[0]) if os.sep in args[0] else args[0]
    env = {"RUST_LOG": os.environ["RUST_LOG"]} if "RUST_LOG" in os.environ else None
    return "stdio", StdioServerParameters(command=command, args=args[1:], env=env)


async def main(argv: list[str]) -> int:
    parsed = parse_target(argv[1:])
    if parsed is None:
        print(__doc__, file=sys.stderr)
        return 2
    transport, target = parsed
    passed = failed = 0
    for mode in MODES:
        p, f = await run_mode(mode, target, transport)
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
