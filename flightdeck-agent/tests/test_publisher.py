"""The trace publisher against a real nats-server with JetStream."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import socket
import time
from pathlib import Path
from typing import Any

from conftest import SECRET_VALUES, create_trace_stream, make_pod_env, read_subject

from flightdeck_agent import context
from flightdeck_agent.publisher import TracePublisher


def _bodies(messages: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(message.data) for message in messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _no_secrets(*texts: str) -> None:
    for text in texts:
        for value in SECRET_VALUES.values():
            assert value not in text
            assert value[:20] not in text


def test_records_arrive_in_order_with_headers_and_body(nats_server: str, tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path, NATS_URL=nats_server))
    key, token = SECRET_VALUES["openai-api-key"], SECRET_VALUES["git-token"]
    err = io.StringIO()

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, max_in_flight=16, stdout=io.StringIO(), stderr=err)
        await publisher.start()
        assert publisher.connected and publisher.nc is not None
        await publisher.event("phase", phase="STRATEGIC", msg_id=f"{ctx.job_id}-phase-1")
        for step in range(1, 301):
            await publisher.record("thought", f"step {step} uses {key}", phase="STRATEGIC", exit_code=None,
                                   args={"token": token, token: step})
        await publisher.record("observation", "done", phase="TACTICAL", tool="execute", exit_code=0,
                               duration_ms=12, msg_id=f"{ctx.job_id}-task-7-0")
        await publisher.event("status", state="done", summary="all green")
        assert await publisher.flush(10)
        await publisher.close()
        return publisher

    publisher = asyncio.run(scenario())
    logs = asyncio.run(read_subject(nats_server, ctx.subject_logs))
    events = asyncio.run(read_subject(nats_server, ctx.subject_events))
    bodies = _bodies(logs)
    assert [body["seq"] for body in bodies] == list(range(1, 302)), "every record once, in order"
    assert [message.headers["Nats-Msg-Id"] for message in logs[:3]] == [f"{ctx.job_id}-{n}" for n in (1, 2, 3)]
    assert logs[-1].headers["Nats-Msg-Id"] == f"{ctx.job_id}-task-7-0"
    first = bodies[0]
    assert first["kind"] == "thought" and first["phase"] == "STRATEGIC"
    assert first["text"] == "step 1 uses [redacted:openai-api-key]"
    assert first["args"] == {"token": "[redacted:git-token]", "[redacted:git-token]": 1}
    assert "exit_code" not in first, "None fields are dropped"
    assert first["ts"].endswith("Z") and first["ts"][10] == "T"
    assert bodies[-1] == {**bodies[-1], "kind": "observation", "tool": "execute", "exit_code": 0, "duration_ms": 12}
    event_bodies = _bodies(events)
    assert [body["type"] for body in event_bodies] == ["phase", "status"]
    assert events[0].headers["Nats-Msg-Id"] == f"{ctx.job_id}-phase-1"
    assert event_bodies[1]["summary"] == "all green"
    _no_secrets(*(message.data.decode() for message in logs + events), err.getvalue())
    # Pipelined: many publishes awaited their acks at once, never more than the bound.
    assert 1 < publisher.stats["max_in_flight_seen"] <= 16
    assert publisher.stats["acked"] == publisher.stats["accepted"] == 303


def test_a_republished_message_id_is_stored_once(nats_server: str, tmp_path: Path) -> None:
    """A resumed run republishes an unfinished step under the same ids: the stream keeps one copy."""
    ctx = context(make_pod_env(tmp_path, NATS_URL=nats_server))

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=io.StringIO())
        await publisher.start()
        for _ in range(2):
            publisher.set_seq(0)
            for step in range(5):
                await publisher.record("action", f"step {step}")
        assert await publisher.flush(10)
        await publisher.close()
        return publisher

    publisher = asyncio.run(scenario())
    assert publisher.seq == 5
    assert publisher.stats["duplicates"] == 5
    logs = asyncio.run(read_subject(nats_server, ctx.subject_logs))
    assert [body["text"] for body in _bodies(logs)] == [f"step {n}" for n in range(5)]


def test_a_server_restart_mid_run_loses_nothing_and_duplicates_nothing(nats_factory: Any, tmp_path: Path) -> None:
    server = nats_factory()
    asyncio.run(create_trace_stream(server.url))
    ctx = context(make_pod_env(tmp_path, NATS_URL=server.url))
    err = io.StringIO()
    total = 800

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, max_in_flight=64, stdout=io.StringIO(), stderr=err, ack_timeout=2.0)
        await publisher.start()

        async def produce() -> None:
            for step in range(1, total + 1):
                await publisher.record("thought", f"step {step}")
                if step % 4 == 0:
                    await asyncio.sleep(0.002)

        producer = asyncio.create_task(produce())
        while publisher.stats["acked"] < 150:
            await asyncio.sleep(0.005)
        # Stopped and restarted (same port, same store) while the agent keeps publishing.
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.start)
        await producer
        assert await publisher.flush(20), publisher.stats
        await publisher.close()
        return publisher

    publisher = asyncio.run(scenario())
    assert "lost the NATS connection" in err.getvalue()
    assert "reconnected to NATS" in err.getvalue()
    logs = asyncio.run(read_subject(server.url, ctx.subject_logs))
    assert [body["seq"] for body in _bodies(logs)] == list(range(1, total + 1))
    assert publisher.stats["stdout_lines"] == 0
    assert publisher.stats["acked"] == total


def test_an_ack_that_never_comes_is_resent_and_stored_once(nats_factory: Any, tmp_path: Path) -> None:
    """A frozen server (SIGSTOP) answers nothing: the publisher resends under the same ids, and once
    the server runs again the stream keeps one copy of each."""
    server = nats_factory()
    asyncio.run(create_trace_stream(server.url))
    ctx = context(make_pod_env(tmp_path, NATS_URL=server.url))
    err = io.StringIO()

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, max_in_flight=32, ack_timeout=0.3, stdout=io.StringIO(), stderr=err)
        await publisher.start()
        await publisher.record("thought", "before")
        assert await publisher.flush(5)
        server.process.send_signal(signal.SIGSTOP)
        try:
            for step in range(50):
                await publisher.record("thought", f"frozen {step}")
            while publisher.stats["resent"] < 50:
                await asyncio.sleep(0.05)
        finally:
            server.process.send_signal(signal.SIGCONT)
        assert await publisher.flush(15), publisher.stats
        await publisher.close()
        return publisher

    publisher = asyncio.run(scenario())
    logs = asyncio.run(read_subject(server.url, ctx.subject_logs))
    assert [body["seq"] for body in _bodies(logs)] == list(range(1, 52))
    # Published twice or more, stored once: the stream de-duplicated on Nats-Msg-Id.
    assert publisher.stats["published"] >= 101, publisher.stats
    assert "no JetStream ack within 0.3 s; resending" in err.getvalue()


def test_without_nats_every_record_is_a_stdout_line(tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path))
    out, err = io.StringIO(), io.StringIO()

    async def scenario() -> None:
        publisher = TracePublisher(ctx, stdout=out, stderr=err)
        await publisher.start()
        await publisher.event("phase", phase="TACTICAL")
        await publisher.record("action", "run it", phase="TACTICAL", tool="execute",
                               args={"command": f"curl -H 'Authorization: {SECRET_VALUES['git-token']}'"})
        await publisher.event("heartbeat")
        await publisher.record("observation", "bad bytes \udcff here", exit_code=1)
        await publisher.event("status", state="failed", summary="tests red")
        assert await publisher.flush(1)
        await publisher.close()

    asyncio.run(scenario())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line.get("kind") for line in lines] == ["action", "observation", "error"]
    assert lines[0]["args"]["command"] == "curl -H 'Authorization: [redacted:git-token]'"
    assert lines[0]["seq"] == 1 and lines[1]["seq"] == 2
    assert lines[1]["text"] == "bad bytes \ufffd here"
    assert lines[2]["text"] == "agent status: failed — tests red"
    assert err.getvalue() == ""
    _no_secrets(out.getvalue())


def test_a_server_that_never_comes_spills_to_stdout_and_says_so(tmp_path: Path) -> None:
    url = f"nats://127.0.0.1:{_free_port()}"
    ctx = context(make_pod_env(tmp_path, NATS_URL=url))
    out, err = io.StringIO(), io.StringIO()
    block_bound = 0.2
    durations: list[float] = []

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, buffer_limit=20, block_bound=block_bound, connect_timeout=0.2,
                                   stdout=out, stderr=err)
        await publisher.start()
        assert not publisher.connected
        for step in range(1, 51):
            started = time.monotonic()
            await publisher.record("thought", f"step {step} {SECRET_VALUES['openai-api-key']}")
            durations.append(time.monotonic() - started)
        await publisher.event("heartbeat")
        assert publisher.pending == 20
        assert not await publisher.flush(0.2)
        await publisher.close(timeout=0.2)
        return publisher

    publisher = asyncio.run(scenario())
    assert max(durations) < 5 * block_bound, "record() never blocks past its bound"
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    # The 30 that did not fit went out at once; the 20 buffered ones at close: nothing lost.
    assert sorted(line["seq"] for line in lines) == list(range(1, 51))
    assert [line["seq"] for line in lines[:30]] == list(range(21, 51))
    assert publisher.stats["spilled_stdout"] == 30 and publisher.stats["unacked_stdout"] == 20
    assert publisher.stats["heartbeats_dropped"] == 1
    stderr = err.getvalue()
    assert "NATS is not reachable yet" in stderr
    assert "the trace buffer is full" in stderr
    assert "20 trace message(s) were not confirmed by NATS before exit and were written to stdout" in stderr
    assert all(line.startswith("flightdeck-agent: ") for line in stderr.splitlines())
    _no_secrets(out.getvalue(), stderr)


def test_records_wait_for_the_stream_and_are_bounded_meanwhile(nats_factory: Any, tmp_path: Path) -> None:
    """Connected but no stream yet (Flightdeck creates it): records wait, in order, for it."""
    server = nats_factory()
    ctx = context(make_pod_env(tmp_path, NATS_URL=server.url))
    out, err = io.StringIO(), io.StringIO()
    block_bound = 0.1
    durations: list[float] = []

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, buffer_limit=10, block_bound=block_bound, stdout=out, stderr=err)
        await publisher.start()
        assert publisher.connected
        for step in range(1, 14):
            started = time.monotonic()
            await publisher.record("thought", f"step {step}")
            durations.append(time.monotonic() - started)
        await create_trace_stream(server.url)
        assert await publisher.flush(15), publisher.stats
        await publisher.close()
        return publisher

    publisher = asyncio.run(scenario())
    assert max(durations) < 5 * block_bound
    assert [json.loads(line)["seq"] for line in out.getvalue().splitlines()] == [11, 12, 13]
    logs = asyncio.run(read_subject(server.url, ctx.subject_logs))
    assert [body["seq"] for body in _bodies(logs)] == list(range(1, 11))
    assert "JetStream did not store a trace message (no stream takes the subject); retrying" in err.getvalue()
    assert publisher.stats["acked"] == 10


def test_an_oversized_record_is_cut_to_fit(nats_server: str, tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path, NATS_URL=nats_server))

    async def scenario() -> None:
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=io.StringIO())
        await publisher.start()
        await publisher.record("observation", "é" * 2_000_000, tool="execute")
        assert await publisher.flush(10)
        await publisher.close()

    asyncio.run(scenario())
    (message,) = asyncio.run(read_subject(nats_server, ctx.subject_logs))
    body = json.loads(message.data)
    assert len(message.data) <= 1024 * 1024
    assert body["truncated"] is True and body["tool"] == "execute"
    assert body["text"].startswith("éé") and body["text"].endswith("bytes truncated …]")


def test_close_ends_a_connect_loop_that_swallows_cancellation(tmp_path: Path) -> None:
    """Refused connections fail at once; Python 3.11's wait_for then often swallows the cancel of the
    client's connect loop. close() must still end (this hung once)."""
    ctx = context(make_pod_env(tmp_path, NATS_URL=f"nats://127.0.0.1:{_free_port()}"))

    async def scenario() -> None:
        for attempt in range(6):
            publisher = TracePublisher(ctx, connect_timeout=0.01, reconnect_wait=0.0, stdout=io.StringIO(),
                                       stderr=io.StringIO())
            await publisher.start()
            await asyncio.sleep(0.005 * (attempt % 5))
            await asyncio.wait_for(publisher.close(0.0), 10)
            assert publisher._connect_task is not None and publisher._connect_task.done()

    asyncio.run(scenario())


def _strict(line: str) -> Any:
    """JSON as Flightdeck reads it: NaN and Infinity are not JSON."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")
    return json.loads(line, parse_constant=refuse)


def test_non_finite_numbers_and_odd_field_names_still_make_valid_json(tmp_path: Path) -> None:
    ctx = context(make_pod_env(tmp_path))
    out, err = io.StringIO(), io.StringIO()

    async def scenario() -> None:
        publisher = TracePublisher(ctx, stdout=out, stderr=err)
        await publisher.start()
        await publisher.record("message", "odd numbers", score=float("nan"),
                               extra={"nested": {"a": [float("inf"), -float("inf"), 1.5]}, 7: "an int key",
                                      "msg_id": "from-the-graph", "self": "me", "seq": 99, "kind": "forged"})
        await publisher.event("status", state="failed", summary="x", extra={"type": "forged", "n": float("nan")})
        await publisher.close()

    asyncio.run(scenario())
    lines = [_strict(line) for line in out.getvalue().splitlines()]
    record = lines[0]
    assert record["score"] == "NaN" and record["nested"] == {"a": ["Infinity", "-Infinity", 1.5]}
    assert record["7"] == "an int key" and record["msg_id"] == "from-the-graph" and record["self"] == "me"
    assert record["seq"] == 1 and record["kind"] == "message", "the publisher's own fields are not overridden"
    assert lines[1]["text"] == "agent status: failed — x"
    assert err.getvalue() == ""


def test_the_buffer_is_bounded_in_bytes_too(tmp_path: Path) -> None:
    """10,000 records of a megabyte each would be 10 GB of memory: beyond `buffer_bytes`, records
    spill to stdout like beyond `buffer_limit`, and stderr says so."""
    url = f"nats://127.0.0.1:{_free_port()}"
    ctx = context(make_pod_env(tmp_path, NATS_URL=url))
    out, err = io.StringIO(), io.StringIO()

    async def scenario() -> TracePublisher:
        publisher = TracePublisher(ctx, buffer_limit=10_000, buffer_bytes=10_000, block_bound=0.1,
                                   connect_timeout=0.2, stdout=out, stderr=err)
        await publisher.start()
        for step in range(1, 21):
            await publisher.record("observation", f"{step} " + "x" * 3000)
        assert publisher.pending == 3
        await publisher.close(timeout=0.1)
        return publisher

    publisher = asyncio.run(scenario())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines[:17]] == list(range(4, 21))
    assert sorted(line["seq"] for line in lines) == list(range(1, 21)), "nothing lost"
    assert publisher.stats["spilled_stdout"] == 17 and publisher.stats["unacked_stdout"] == 3
    assert "the trace buffer is full (" in err.getvalue() and "the bound is 10000" in err.getvalue()
