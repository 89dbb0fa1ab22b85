#!/usr/bin/env python3
"""Three replicas of the conformance fixture server behind nginx, one Redis: scenarios.

Usage (tests/scale/run.sh starts everything and passes these):
    python tests/scale/replicas.py --nginx http://127.0.0.1:PORT/mcp --access-log FILE \
        --replicas PORT1,PORT2,PORT3 --pids PID1,PID2,PID3 \
        --redis-port PORT --redis-dir DIR

Needs the `mcp` package (mcp==2.3.0; see tests/interop/venv.sh). nginx runs
deploy/nginx.conf, round robin without stickiness; its access log records the replica
(`upstream=`) of every request, which is how the checks see where requests landed.

In order:
  1. legacy (2025-11-25): one whole session through nginx -- 50 tool calls, a resource
     read, a prompt -- whose requests landed on all three replicas;
  2. 2026-07-28: a multi round-trip elicitation answered by the client's callback, its two
     legs on different replicas;
  3. 2026-07-28: a `subscriptions/listen` stream held on one replica hears the tool list
     change made through another;
  4. a replica killed with SIGKILL mid-session: the session's next calls succeed through
     the others, and its GET stream, resumed through nginx with `Last-Event-ID`, carries
     every change made while it was disconnected;
  5. Redis stopped for 5 s: session requests get 503 with `Retry-After` at once, succeed
     again once Redis is back; no replica exits.

One line per check (`ok   <check>` or `FAIL <check>: reason`), then `N passed, M failed`;
the exit code is non-zero when anything failed. SCALE_VERBOSE=1 adds tracebacks.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from mcp import Client, MCPError
from mcp import types

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
REQUEST_TIMEOUT_S = 5.0
CHECK_TIMEOUT_S = 60.0
# How soon a change made on one replica must reach a stream held on another.
FAN_OUT_S = 5.0
# How long Redis stays down, and how soon a request must be answered meanwhile.
OUTAGE_S = 5.0
OUTAGE_ANSWER_S = 3.0
# How long, once Redis is back, until the session must be served again.
RECOVERY_S = 10.0
SIMPLE_TEXT = "This is a simple text response for testing."

VERBOSE = bool(os.environ.get("SCALE_VERBOSE"))


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def describe(error: BaseException) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    if isinstance(error, MCPError):
        return f"MCPError {error.code}: {error.message}"
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(e) for e in error.exceptions)
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__}: {error}"


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, check: str) -> None:
        self.passed += 1
        print(f"ok   {check}", flush=True)

    def fail(self, check: str, reason: str) -> None:
        self.failed += 1
        reason = " ".join(str(reason).split())[:600]
        print(f"FAIL {check}: {reason}", flush=True)

    async def run(self, check: str, step: Callable[[], Awaitable[str | None]]) -> bool:
        """Runs one check; `step` returns what the ok line adds, or raises."""
        try:
            with anyio.fail_after(CHECK_TIMEOUT_S):
                detail = await step()
        except Exception as error:  # noqa: BLE001 -- every failure is one check's
            if VERBOSE:
                traceback.print_exc()
            self.fail(check, describe(error))
            return False
        self.ok(f"{check}: {detail}" if detail else check)
        return True


# --- nginx's access log ----------------------------------------------------------------

# deploy/nginx.conf's `mcp` format; $upstream_addr lists every replica tried, the last answered.
LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ upstream=(?P<upstream>.*?) '
    r'upstream_status=(?P<upstream_status>.*?) method="(?P<method>[^"]*)" '
    r'name="(?P<name>[^"]*)" session="(?P<session>[^"]*)" last_event="(?P<last_event>[^"]*)"'
)


class AccessLog:
    def __init__(self, path: Path, replicas: dict[str, int]) -> None:
        self.path = path
        self.replicas = replicas  # "127.0.0.1:PORT" -> replica number

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int) -> list[dict[str, str]]:
        with open(self.path, "rb") as log:
            log.seek(mark)
            lines = log.read().decode(errors="replace").splitlines()
        found = []
        for line in lines:
            match = LOG_LINE.search(line)
            if match:
                # nginx logs a missing header as "-".
                entry = {key: "" if value == "-" else value for key, value in match.groupdict().items()}
                entry["replica"] = self.replica(entry["upstream"].split(",")[-1].strip())
                found.append(entry)
        return found

    async def wait_for(self, mark: int, want: Callable[[list[dict[str, str]]], bool]) -> list[dict[str, str]]:
        """The lines since `mark` once `want` holds of them (nginx writes a line when a request
        ends, which may be just after the client read the answer), or after a second."""
        deadline = time.monotonic() + 1.0
        while True:
            lines = self.since(mark)
            if want(lines) or time.monotonic() > deadline:
                return lines
            await anyio.sleep(0.05)

    def replica(self, address: str) -> str:
        number = self.replicas.get(address)
        return f"replica {number}" if number else address or "none"


# --- raw HTTP, for what the client does not show (status codes, headers, event ids) ------


class Answer:
    def __init__(self, status: int, headers: dict[str, str], messages: list[dict[str, Any]]) -> None:
        self.status = status
        self.headers = headers
        self.messages = messages

    def result(self) -> dict[str, Any]:
        for message in self.messages:
            if "result" in message or "error" in message:
                expect("result" in message, f"error {message.get('error')}")
                return message["result"]
        raise CheckFailed(f"HTTP {self.status} without an answer: {self.messages}")

    def __str__(self) -> str:
        return f"HTTP {self.status} {json.dumps(self.messages)[:300]}"


def sse_events(lines: Any) -> Any:
    """(id, data) of each server-sent event read from `lines`, a text line iterator."""
    event_id, data = None, []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                yield event_id, "\n".join(data)
            event_id, data = None, []
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def response_lines(response: http.client.HTTPResponse) -> Any:
    while True:
        line = response.readline()
        if not line:
            return
        yield line.decode()


class Http:
    """One MCP endpoint over plain HTTP/1.1."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path

    def connect(self, timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, message: dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
        connection = self.connect(REQUEST_TIMEOUT_S)
        try:
            connection.request(
                "POST",
                self.path,
                body=json.dumps(message),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                    **(headers or {}),
                },
            )
            response = connection.getresponse()
            kind = response.getheader("Content-Type", "")
            if kind.startswith("text/event-stream"):
                texts = [data for _, data in sse_events(response_lines(response))]
            else:
                texts = [response.read().decode(errors="replace")]
            messages = []
            for text in texts:
                try:
                    messages.append(json.loads(text))
                except ValueError:
                    if text.strip():  # not JSON (nginx's own error page, say): kept as text
                        messages.append({"body": " ".join(text.split())[:200]})
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, messages)
        finally:
            connection.close()


class LegacySession:
    """A 2025-11-25 session spoken over raw HTTP."""

    def __init__(self, endpoint: Http) -> None:
        self.endpoint = endpoint
        self.id = ""
        self.next_id = 1

    def headers(self) -> dict[str, str]:
        return {"Mcp-Session-Id": self.id, "MCP-Protocol-Version": LEGACY}

    def open(self) -> None:
        answer = self.endpoint.post(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": LEGACY,
                    "capabilities": {},
                    "clientInfo": {"name": "scale", "version": "1"},
                },
            }
        )
        answer.result()
        self.id = answer.headers.get("mcp-session-id", "")
        expect(bool(self.id), f"initialize answered without Mcp-Session-Id: {answer}")
        sent = self.endpoint.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, self.headers())
        expect(sent.status == 202, f"notifications/initialized: {sent}")

    def request(self, method: str, params: dict[str, Any], endpoint: Http | None = None) -> Answer:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        return (endpoint or self.endpoint).post(message, self.headers())

    def call(self, tool: str) -> Answer:
        return self.request("tools/call", {"name": tool, "arguments": {}})


class Stream:
    """A session's GET stream, read by a thread into a queue of (id, message)."""

    def __init__(self, endpoint: Http, session: LegacySession, last_event_id: str | None = None) -> None:
        self.connection = endpoint.connect(timeout=60)
        headers = {"Accept": "text/event-stream", **session.headers()}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", endpoint.path, headers=headers)
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            raise CheckFailed(f"GET stream: HTTP {self.response.status} {self.response.read()[:300]!r}")
        self.events: queue.Queue[tuple[str | None, dict[str, Any]] | None] = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        try:
            for event_id, data in sse_events(response_lines(self.response)):
                self.events.put((event_id, json.loads(data)))
        # A stream closed while it is read (by `close`, or by a replica going away) ends it,
        # whichever of these http.client raises.
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        self.events.put(None)  # the stream ended

    def list_changes(self, count: int, within: float) -> list[str]:
        """The event ids of the next `count` tools/list_changed notifications; fewer when the
        time is up or the stream ends."""
        found: list[str] = []
        deadline = time.monotonic() + within
        while len(found) < count:
            try:
                item = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                break
            event_id, message = item
            if message.get("method") == "notifications/tools/list_changed":
                found.append(event_id or "")
        return found

    def close(self) -> None:
        try:
            self.connection.sock and self.connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()


# --- the scenarios ----------------------------------------------------------------------


class Elicitor:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.asked.append(params.message)
        return types.ElicitResult(action="accept", content={"name": "Ada"})


def text_of(result: Any) -> str:
    return " ".join(b.text for b in result.content if getattr(b, "type", None) == "text")


def landed(lines: list[dict[str, str]]) -> str:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["replica"]] = counts.get(line["replica"], 0) + 1
    return ", ".join(f"{replica} {n}" for replica, n in sorted(counts.items()))


class Scenarios:
    def __init__(self, args: argparse.Namespace) -> None:
        self.nginx_url = args.nginx
        self.nginx = Http(args.nginx)
        self.ports = [int(p) for p in args.replicas.split(",")]
        self.pids = [int(p) for p in args.pids.split(",")]
        self.direct = [Http(f"http://127.0.0.1:{port}/mcp") for port in self.ports]
        self.log = AccessLog(
            Path(args.access_log), {f"127.0.0.1:{port}": i + 1 for i, port in enumerate(self.ports)}
        )
        self.redis_port = args.redis_port
        self.redis_dir = args.redis_dir
        self.report = Report()
        self.killed: int | None = None  # index of the replica killed

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}/mcp"

    # 1. legacy: one whole session over the three replicas
    async def legacy_session(self) -> None:
        mark = self.log.mark()

        async def session() -> str:
            async with Client(self.nginx_url, mode="legacy", read_timeout_seconds=REQUEST_TIMEOUT_S) as client:
                expect(client.protocol_version == LEGACY, f"negotiated {client.protocol_version!r}")
                for n in range(50):
                    result = await client.call_tool("test_simple_text", {})
                    expect(not result.is_error and text_of(result) == SIMPLE_TEXT, f"call {n + 1}: {text_of(result)!r}")
                read = await client.read_resource("test://static-text")
                text = read.contents[0].text
                expect(text == "This is the content of the static text resource.", f"resource: {text!r}")
                prompt = await client.get_prompt("test_simple_prompt")
                said = prompt.messages[0].content.text
                expect(said == "This is a simple prompt for testing.", f"prompt: {said!r}")
            return "50 tool calls, a resource read and a prompt through nginx"

        await self.report.run("legacy session through nginx", session)

        async def spread() -> str:
            lines = await self.log.wait_for(mark, lambda ls: len({l["replica"] for l in ls if l["session"]}) == 3)
            in_session = [line for line in lines if line["session"]]
            replicas = {line["replica"] for line in in_session}
            expect(len(in_session) >= 52, f"{len(in_session)} requests of the session in the access log")
            expect(len(replicas) == 3, f"its {len(in_session)} requests landed on {landed(in_session)}")
            return f"{len(in_session)} requests: {landed(in_session)}"

        await self.report.run("legacy session: its requests landed on all 3 replicas", spread)

    # 2. 2026-07-28: a multi round trip whose legs land on different replicas
    async def round_trip(self) -> None:
        mark = self.log.mark()
        elicitor = Elicitor()
        tool = "test_input_required_result_elicitation"

        async def step() -> str:
            async with Client(
                self.nginx_url, mode=MODERN, read_timeout_seconds=REQUEST_TIMEOUT_S, elicitation_callback=elicitor
            ) as client:
                result = await client.call_tool(tool, {})
            expect(elicitor.asked == ["What is your name?"], f"the client was asked {elicitor.asked}")
            expect(not result.is_error and text_of(result) == "Hello, Ada!", f"result {text_of(result)!r}")
            lines = await self.log.wait_for(mark, lambda ls: len([l for l in ls if l["name"] == tool]) >= 2)
            legs = [line for line in lines if line["name"] == tool]
            expect(len(legs) == 2, f"{len(legs)} requests naming {tool} in the access log, want 2")
            expect(
                legs[0]["replica"] != legs[1]["replica"],
                f"both legs landed on {legs[0]['replica']}",
            )
            return f"answered 'Hello, Ada!'; legs on {legs[0]['replica']} then {legs[1]['replica']}"

        await self.report.run("2026-07-28 elicitation round trip through nginx", step)

    # 3. 2026-07-28: a listen stream on one replica hears a change made on another
    async def listen(self) -> None:
        async def step() -> str:
            async with (
                Client(self.replica_url(0), mode=MODERN, read_timeout_seconds=REQUEST_TIMEOUT_S) as listener,
                Client(self.replica_url(1), mode=MODERN, read_timeout_seconds=REQUEST_TIMEOUT_S) as changer,
            ):
                async with listener.listen(tools_list_changed=True) as subscription:
                    await changer.call_tool("test_trigger_tool_change", {})
                    try:
                        with anyio.fail_after(FAN_OUT_S):
                            event = await subscription.__anext__()
                    except TimeoutError:
                        raise CheckFailed(
                            f"no event on replica 1's stream within {FAN_OUT_S:g} s of the change on replica 2"
                        ) from None
                    expect(type(event).__name__ == "ToolsListChanged", f"unexpected event {event!r}")
            return f"notifications/tools/list_changed within {FAN_OUT_S:g} s"

        await self.report.run("subscriptions/listen on replica 1 hears a tool list change made on replica 2", step)

    # 4. a replica killed mid-session
    async def kill(self) -> None:
        victim = 0
        stream_session = LegacySession(self.nginx)
        state: dict[str, Any] = {}

        async with Client(self.nginx_url, mode="legacy", read_timeout_seconds=REQUEST_TIMEOUT_S) as client:

            async def before() -> str:
                for n in range(6):
                    result = await client.call_tool("test_simple_text", {})
                    expect(text_of(result) == SIMPLE_TEXT, f"call {n + 1}: {text_of(result)!r}")
                await anyio.to_thread.run_sync(stream_session.open)
                stream = await anyio.to_thread.run_sync(Stream, self.direct[victim], stream_session)
                state["stream"] = stream
                changed = await anyio.to_thread.run_sync(stream_session.call, "test_trigger_tool_change")
                changed.result()
                ids = await anyio.to_thread.run_sync(stream.list_changes, 1, FAN_OUT_S)
                expect(ids, f"no tools/list_changed on the stream within {FAN_OUT_S:g} s of the change")
                expect(ids[0] != "", "the event has no id")
                state["last_event_id"] = ids[0]
                return f"a change made through nginx reaches it as event {ids[0]}"

            ready = await self.report.run(
                "legacy sessions through nginx, one holding its GET stream on replica 1", before
            )

            os.kill(self.pids[victim], signal.SIGKILL)
            self.killed = victim
            await anyio.to_thread.run_sync(wait_refused, self.ports[victim])
            if "stream" in state:
                state["stream"].close()

            async def after() -> str:
                for n in range(10):
                    result = await client.call_tool("test_simple_text", {})
                    expect(text_of(result) == SIMPLE_TEXT, f"call {n + 1} after the kill: {text_of(result)!r}")
                return "10 tool calls"

            await self.report.run("replica 1 killed with SIGKILL: the session's next calls succeed", after)

        async def stateless() -> str:
            mark = self.log.mark()
            async with Client(self.nginx_url, mode=MODERN, read_timeout_seconds=REQUEST_TIMEOUT_S) as modern:
                for n in range(12):
                    result = await modern.call_tool("test_simple_text", {})
                    expect(text_of(result) == SIMPLE_TEXT, f"call {n + 1}: {text_of(result)!r}")
            lines = await self.log.wait_for(mark, lambda ls: len(ls) >= 12)
            refused = [line for line in lines if "," in line["upstream"]]
            expect(all(line["status"] == "200" for line in lines), f"statuses {[l['status'] for l in lines]}")
            return f"12 tool calls, answered by {landed(lines)} ({len(refused)} passed on from replica 1)"

        await self.report.run("replica 1 dead: 2026-07-28 calls through nginx all succeed", stateless)

        async def resumed() -> str:
            expect(ready, "no stream to resume (see above)")
            for n in range(2):
                changed = await anyio.to_thread.run_sync(stream_session.call, "test_trigger_tool_change")
                expect(changed.status == 200, f"change {n + 1} while disconnected: {changed}")
                changed.result()
            mark = self.log.mark()
            stream = await anyio.to_thread.run_sync(
                lambda: Stream(self.nginx, stream_session, state["last_event_id"])
            )
            try:
                ids = await anyio.to_thread.run_sync(stream.list_changes, 2, FAN_OUT_S)
            finally:
                stream.close()
            expect(
                len(ids) == 2,
                f"resumed after event {state['last_event_id']}: {len(ids)} of the 2 list changes made "
                f"while disconnected ({ids})",
            )
            expect(state["last_event_id"] not in ids, f"event {state['last_event_id']} sent again")
            lines = await self.log.wait_for(mark, lambda ls: any(l["request"].startswith("GET") for l in ls))
            gets = [line for line in lines if line["request"].startswith("GET")]
            where = gets[-1]["replica"] if gets else "an unlogged replica"
            return f"events {', '.join(ids)} after {state['last_event_id']}, from {where}"

        await self.report.run(
            "the GET stream resumed with Last-Event-ID through nginx misses no event", resumed
        )

    # 5. Redis stopped for 5 s
    async def outage(self) -> None:
        session = LegacySession(self.nginx)
        alive = [pid for i, pid in enumerate(self.pids) if i != self.killed]

        async def opened() -> str:
            await anyio.to_thread.run_sync(session.open)
            answer = await anyio.to_thread.run_sync(session.call, "test_simple_text")
            answer.result()
            return f"session {session.id[:8]}…"

        have_session = await self.report.run("a legacy session opened through nginx before the outage", opened)

        # Saved first, so that the session is there again when Redis starts.
        self.redis_cli("save")
        self.redis_cli("shutdown", "nosave")
        stopped = time.monotonic()

        async def down() -> str:
            expect(have_session, "no session to send requests of (see above)")
            answers = []
            for _ in range(len(alive)):
                started = time.monotonic()
                answer = await anyio.to_thread.run_sync(session.call, "test_simple_text")
                took = time.monotonic() - started
                expect(answer.status == 503, f"with Redis down, after {took:.1f} s: {answer}")
                expect("retry-after" in answer.headers, f"503 without Retry-After: {answer.headers}")
                expect(took <= OUTAGE_ANSWER_S, f"503 after {took:.1f} s, want at most {OUTAGE_ANSWER_S:g} s")
                answers.append(f"{took:.1f} s")
            return f"503 with Retry-After in {', '.join(answers)}"

        await self.report.run("Redis stopped: session requests get 503 with Retry-After at once", down)

        await anyio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        await anyio.to_thread.run_sync(self.start_redis)

        async def back() -> str:
            expect(have_session, "no session to send requests of (see above)")
            deadline = time.monotonic() + RECOVERY_S
            answer = None
            served = 0
            while time.monotonic() < deadline and served < len(alive):
                answer = await anyio.to_thread.run_sync(session.call, "test_simple_text")
                if answer.status == 200 and any("result" in m for m in answer.messages):
                    served += 1
                else:
                    served = 0
                    await anyio.sleep(0.2)
            expect(served == len(alive), f"within {RECOVERY_S:g} s of Redis starting again: {answer}")
            return f"{served} calls in a row"

        await self.report.run("Redis back: the session's calls succeed again", back)

        async def survived() -> str:
            gone = [pid for pid in alive if not running(pid)]
            expect(not gone, f"replica processes {gone} exited")
            return f"pids {', '.join(map(str, alive))} still running"

        await self.report.run("no replica exited during the outage", survived)

    def redis_cli(self, *command: str) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def start_redis(self) -> None:
        """Starts Redis as tests/scale/run.sh does; its pid goes to redis.pid, for run.sh to stop."""
        directory = Path(self.redis_dir)
        with open(directory / "redis.log", "ab") as log:
            process = subprocess.Popen(
                ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(directory)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        (directory / "redis.pid").write_text(f"{process.pid}\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pong = subprocess.run(
                ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True, check=False
            )
            if "PONG" in pong.stdout:
                return
            time.sleep(0.1)
        raise CheckFailed("redis-server did not start again")


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited too.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def wait_refused(port: int) -> None:
    """Until the port refuses connections (the killed replica's sockets are gone)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return
        time.sleep(0.05)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nginx", required=True, help="nginx's MCP endpoint URL")
    parser.add_argument("--access-log", required=True, help="nginx's access log (deploy/nginx.conf's format)")
    parser.add_argument("--replicas", required=True, help="the replicas' loopback ports, comma-separated")
    parser.add_argument("--pids", required=True, help="the replicas' process ids, in the same order")
    parser.add_argument("--redis-port", required=True, type=int)
    parser.add_argument("--redis-dir", required=True, help="Redis's --dir (its dump and log)")
    scenarios = Scenarios(parser.parse_args())
    report = scenarios.report
    for scenario in (
        scenarios.legacy_session,
        scenarios.round_trip,
        scenarios.listen,
        scenarios.kill,
        scenarios.outage,
    ):
        try:
            await scenario()
        except Exception as error:  # noqa: BLE001 -- a scenario that could not go on
            if VERBOSE:
                traceback.print_exc()
            report.fail(f"the {scenario.__name__.replace('_', ' ')} scenario", describe(error))
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
