"""Operator commands over the real nats-server: pause, resume, cancel, instruct; junk ignored."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from conftest import make_pod_env

from flightdeck_agent import context
from flightdeck_agent.commands import CommandListener, parse_command
from flightdeck_agent.publisher import TracePublisher


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_pause_resume_instruct_cancel_and_junk(nats_server: str, tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path, NATS_URL=nats_server))
    err = io.StringIO()

    async def scenario() -> CommandListener:
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=io.StringIO())
        await publisher.start()
        listener = CommandListener(ctx, publisher, stderr=err)
        await listener.start(publisher.nc)
        operator = await nats.connect(nats_server)

        async def send(data: bytes) -> None:
            await operator.publish(ctx.subject_commands, data)
            await operator.flush()

        await listener.wait_while_paused()  # not paused: returns at once
        await send(b'{"type":"pause"}')
        await _until(lambda: listener.paused)
        waiter = asyncio.create_task(listener.wait_while_paused())
        await asyncio.sleep(0.1)
        assert not waiter.done(), "paused: the runner waits"
        await send(b'{"type":"RESUME"}')
        await asyncio.wait_for(waiter, 5)
        assert not listener.paused

        for junk in (b"not json", b"[1,2]", b'{"type":"reboot"}', b'{"type":"instruct"}',
                     b'{"type":"instruct","text":42}', b"\xff\xfe", b'{"type":"instruct","text":"' + b"x" * 300_000 + b'"}'):
            await send(junk)
        await send(json.dumps({"type": "instruct", "text": "use the staging database"}).encode())
        await send(json.dumps({"type": "instruct", "text": "then run the linter"}).encode())
        await _until(lambda: listener.has_instructions and listener.received >= 4)
        assert listener.take_instructions() == ["use the staging database", "then run the linter"]
        assert listener.take_instructions() == []

        await send(b'{"type":"pause"}')
        await _until(lambda: listener.paused)
        waiter = asyncio.create_task(listener.wait_while_paused())
        await send(b'{"type":"cancel"}')
        await asyncio.wait_for(waiter, 5)  # a cancel ends a pause too
        assert listener.cancel_requested and listener.cancel_reason == "cancelled by the operator"
        await operator.close()
        await listener.stop()
        await publisher.close()
        return listener

    listener = asyncio.run(scenario())
    lines = err.getvalue().splitlines()
    # the session's server has no FLIGHTDECK_COMMANDS stream (an older Flightdeck): core NATS, said once
    assert lines.pop(0).startswith("flightdeck-agent: no JetStream stream FLIGHTDECK_COMMANDS for commands")
    assert len(lines) == 7, lines
    assert all(line.startswith("flightdeck-agent: ignored a command: ") and line.endswith(f"({ctx.subject_commands})")
               for line in lines)
    assert "unknown type 'reboot'" in lines[2]
    assert "instruct without text" in lines[3]
    assert "larger than" in lines[6]
    assert listener.received == 6


def test_commands_work_when_nats_comes_late(nats_factory: Any, tmp_path: Path) -> None:
    server = nats_factory(start=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        server.port = probe.getsockname()[1]
    ctx = context(make_pod_env(tmp_path, NATS_URL=f"nats://127.0.0.1:{server.port}"))

    async def scenario() -> CommandListener:
        publisher = TracePublisher(ctx, connect_timeout=0.2, reconnect_wait=0.1, stdout=io.StringIO(),
                                   stderr=io.StringIO())
        await publisher.start()
        assert publisher.nc is None
        listener = CommandListener(ctx, publisher)
        await listener.start(publisher.nc)  # no connection yet: subscribes once there is one
        await asyncio.to_thread(server.start)
        await _until(lambda: publisher.connected, 10)
        operator = await nats.connect(server.url)
        while not listener.paused:  # the subscription may trail the connection by a moment
            await operator.publish(ctx.subject_commands, b'{"type":"pause"}')
            await asyncio.sleep(0.05)
        await operator.close()
        await publisher.close()
        return listener

    assert asyncio.run(scenario()).paused


def test_without_nats_commands_are_off(tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path))

    async def scenario() -> None:
        listener = CommandListener(ctx, TracePublisher(ctx, stdout=io.StringIO()))
        await listener.start(None)
        await listener.wait_while_paused()
        listener.request_cancel("SIGTERM")
        listener.request_cancel("later reason")
        assert listener.cancel_requested and listener.cancel_reason == "SIGTERM"

    asyncio.run(scenario())


@pytest.mark.parametrize("data,expected", [
    (b'{"type":"pause"}', ({"type": "pause"}, None)),
    (b'{"type":"Cancel","text":"wrong repo"}', ({"type": "cancel", "text": "wrong repo"}, None)),
    (b'{"type":"instruct","text":"  "}', (None, "instruct without text")),
    (b'{"kind":"pause"}', (None, "unknown type '?'")),
    (b'{"type":"\\u001b[31m"}', (None, "unknown type '?'")),
    (b"null", (None, "not a JSON object")),
])
def test_parse_command(data: bytes, expected: tuple[Any, Any]) -> None:
    assert parse_command(data) == expected


def test_a_flood_of_instructions_is_bounded(tmp_path: Path) -> None:
    from flightdeck_agent.commands import MAX_PENDING_INSTRUCTIONS

    ctx = context(make_pod_env(tmp_path))
    err = io.StringIO()
    listener = CommandListener(ctx, stderr=err)
    for n in range(MAX_PENDING_INSTRUCTIONS + 10):
        listener.handle(json.dumps({"type": "instruct", "text": f"do {n}"}).encode())
    assert listener.take_instructions() == [f"do {n}" for n in range(MAX_PENDING_INSTRUCTIONS)]
    assert err.getvalue().count("instruction refused") == 10
    # Once taken, there is room again.
    assert listener.handle(b'{"type":"instruct","text":"again"}') == "instruct"
    assert listener.take_instructions() == ["again"]
