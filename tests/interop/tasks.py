#!/usr/bin/env python3
"""Interop test: the official Python client drives tools that run as tasks (the
`io.modelcontextprotocol/tasks` extension of 2026-07-28).

Usage:
    python tests/interop/tasks.py [--stdio] target/debug/everything [server args...]
    python tests/interop/tasks.py --http http://127.0.0.1:PORT/mcp

`mcp.Client` (mcp==2.3.0) has no tasks support of its own, but it has the means to add an
extension: a `ClientExtension` advertised in every request's client capabilities, whose
`ResultClaim` takes over the `resultType: "task"` answer of `tools/call` and finishes it.
The extension here polls `tasks/get` (through the client's own session, which sets the
`Mcp-Name` routing header from `taskId`) until the task ends, and returns its result, so
that `client.call_tool` reads like any other call. The checks drive the conformance
fixture (`examples/everything`): a two-second task polled to completion, a task whose tool
error arrives as a completed result, a task that asks the user through the MRTR loop
before it starts, and a task cancelled with `tasks/cancel`.

One line is printed per check (`ok   <transport> <mode> <check>` or `FAIL ...: reason`),
then `N passed, M failed`; the exit code is non-zero when anything failed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import anyio
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from pydantic import ConfigDict, Field

EXTENSION = "io.modelcontextprotocol/tasks"
MODE = "2026-07-28"
MODE_TIMEOUT_S = 40.0


class CreatedTask(types.Result):
    """A `CreateTaskResult`: the task a `tools/call` became."""

    model_config = ConfigDict(extra="allow")
    result_type: Literal["task"] = "task"
    task_id: str
    status: str
    poll_interval_ms: int | None = None
    ttl_ms: int | None = None


class TaskParams(types.RequestParams):
    task_id: str


class GetTask(types.Request[TaskParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskParams
    name_param = "taskId"


class CancelTask(types.Request[TaskParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskParams
    name_param = "taskId"


class DetailedTask(types.Result):
    """What `tasks/get` answers."""

    model_config = ConfigDict(extra="allow")
    result_type: str | None = None
    task_id: str
    status: str
    status_message: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    input_requests: dict[str, Any] | None = Field(default=None)


class Ack(types.Result):
    model_config = ConfigDict(extra="allow")
    result_type: str | None = None


class TaskFailed(Exception):
    pass


class Tasks(ClientExtension):
    """The tasks extension, client side: poll until the task ends, return its result."""

    identifier = EXTENSION

    def __init__(self) -> None:
        self.created: list[CreatedTask] = []
        self.polls = 0
        self.cancel_after_first_poll = False
        self.seen_status: list[str] = []

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=CreatedTask, resolve=self.resolve)]

    async def resolve(self, created: CreatedTask, ctx: ClaimContext) -> types.CallToolResult:
        self.created.append(created)
        interval = max(0.05, (created.poll_interval_ms or 500) / 1000)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            task = await ctx.session.send_request(GetTask(params=TaskParams(task_id=created.task_id)), DetailedTask)
            self.polls += 1
            self.seen_status.append(task.status)
            if task.status == "completed" and task.result is not None:
                return types.CallToolResult.model_validate(task.result)
            if task.status == "failed":
                raise TaskFailed(f"task failed: {task.error}")
            if task.status == "cancelled":
                raise TaskFailed("task cancelled")
            if self.cancel_after_first_poll:
                ack = await ctx.session.send_request(
                    CancelTask(params=TaskParams(task_id=created.task_id)), Ack
                )
                if ack.result_type != "complete":
                    raise TaskFailed(f"cancel ack: {ack}")
            await anyio.sleep(interval)
        raise TaskFailed(f"task {created.task_id} did not end in 30 s")


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def text_of(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def check_two_second_task(client: Client, tasks: Tasks) -> None:
    started = time.monotonic()
    result = await client.call_tool("slow_compute", {"seconds": 2, "label": "interop"})
    elapsed = time.monotonic() - started
    expect(not result.is_error, f"error result: {text_of(result)}")
    expect(text_of(result) == "interop: computed for 2 s", f"got {text_of(result)!r}")
    expect(len(tasks.created) == 1, f"expected one task, got {len(tasks.created)}")
    expect(tasks.created[0].status == "working", f"created as {tasks.created[0].status}")
    expect("working" in tasks.seen_status, f"never seen working: {tasks.seen_status}")
    expect(elapsed >= 2.0, f"took {elapsed:.2f} s")


async def check_tool_error(client: Client, tasks: Tasks) -> None:
    result = await client.call_tool("failing_job", {})
    expect(result.is_error, "expected an error result")
    expect("corrupt" in text_of(result), f"got {text_of(result)!r}")


async def check_question_before_task(client: Client, tasks: Tasks) -> None:
    result = await client.call_tool("test_tool_with_task", {})
    expect(not result.is_error, f"error result: {text_of(result)}")
    expect(text_of(result) == "Hello, Ada!", f"got {text_of(result)!r}")
    expect(len(tasks.created) == 1, "the call became a task after the question")


async def check_cancel(client: Client, tasks: Tasks) -> None:
    tasks.cancel_after_first_poll = True
    try:
        await client.call_tool("slow_compute", {"seconds": 60, "label": "cancel"})
    except TaskFailed as error:
        expect("cancelled" in str(error), f"unexpected: {error}")
        return
    raise CheckFailed("a cancelled task produced a result")


CHECKS: list[tuple[str, Callable[[Client, Tasks], Awaitable[None]]]] = [
    ("two-second-task", check_two_second_task),
    ("tool-error-completed", check_tool_error),
    ("question-then-task", check_question_before_task),
    ("cancel", check_cancel),
]


async def run(transport: str, target: list[str]) -> tuple[int, int]:
    passed = failed = 0
    for name, check in CHECKS:
        tasks = Tasks()
        server: Any
        if transport == "stdio":
            server = StdioServerParameters(command=target[0], args=target[1:], env={**os.environ})
        else:
            server = target[0]
        try:
            with anyio.fail_after(MODE_TIMEOUT_S):
                async with Client(server, mode=MODE, extensions=[tasks], elicitation_callback=elicit) as client:
                    await check(client, tasks)
            print(f"ok   {transport} {MODE} {name}", flush=True)
            passed += 1
        except Exception as error:  # noqa: BLE001 -- every failure is reported the same way
            while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
                error = error.exceptions[0]
            print(f"FAIL {transport} {MODE} {name}: {type(error).__name__}: {error}", flush=True)
            if os.environ.get("INTEROP_VERBOSE"):
                traceback.print_exc()
            failed += 1
    return passed, failed


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] == "--http":
        transport, target = "http", args[1:]
    else:
        transport, target = "stdio", args[1:] if args and args[0] == "--stdio" else args
    if not target:
        print(__doc__, file=sys.stderr)
        return 2
    passed, failed = asyncio.run(run(transport, target))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
