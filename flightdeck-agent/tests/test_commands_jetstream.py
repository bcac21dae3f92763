"""Operator commands over JetStream, with a job's restricted credentials on a nats-server in JWT mode
(tests/natsjwt.py): the runtime needs nothing beyond the subjects issue 15 allows; a cancel sent
while the agent is down is executed when it starts; an instruction is executed once however often it
is delivered; a consumer created late; no stream at all (core NATS); the state file's pure parts."""

from __future__ import annotations

import asyncio
import io
import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_pod_env
from flightdeck_agent.commands import (MAX_APPLIED_IDS, MAX_PENDING_INSTRUCTIONS, CommandListener, CommandState,
                                       Instruction, parse_command, write_atomically)
from flightdeck_agent.context import ContractError, context
from flightdeck_agent.publisher import TracePublisher
from helpers import SCRIPTS, Agent, agent_env, final_messages, lines, until_file
from natsjwt import (JwtNats, connect, consumer_info, create_commands_stream, create_job_consumer, create_trace_stream,
                     send_command, stored)

COMMANDS = str(SCRIPTS / "commands.json")


@pytest.fixture
def jwt_nats(tmp_path: Path):
    """A JWT-mode nats-server of its own (FLIGHTDECK_TRACE on it, no commands stream yet)."""
    server = JwtNats(tmp_path / "nats")
    server.start()

    async def trace_stream() -> None:
        nc = await connect(server.url, server.operator_creds())
        await create_trace_stream(nc)
        await nc.close()

    asyncio.run(trace_stream())
    yield server
    server.stop()


def job_env(tmp_path: Path, server: JwtNats, *, ack: bool = True, hold: bool = True) -> dict[str, str]:
    """The reference agent on the commands script, connecting with the job's own .creds."""
    env = make_pod_env(tmp_path / "pod")
    env = agent_env(env, server.url, COMMANDS, NATS_CREDS_FILE=str(server.job_creds(env["JOB_ID"], ack=ack)))
    if hold:
        (Path(env["WORKSPACE_PATH"]) / "hold").touch()
    return env


async def _until(condition: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


def _instructions_in(messages: list[tuple], text: str) -> int:
    return sum(1 for m in messages if m[0] == "human" and m[1] == f"Operator instruction: {text}")


# --- 1. the runtime within the job's permissions --------------------------------------------


def test_a_job_publishes_its_trace_and_takes_commands_within_its_permissions(tmp_path, jwt_nats):
    env = job_env(tmp_path, jwt_nats)
    job, workspace = env["JOB_ID"], Path(env["WORKSPACE_PATH"])

    async def scenario():
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await create_commands_stream(flightdeck)
        await create_job_consumer(flightdeck, job)  # at submit
        agent = Agent(env)
        await agent.start()
        await until_file(workspace / "ran.log", "start-2")
        await create_job_consumer(flightdeck, job)  # again before each command: idempotent
        await send_command(flightdeck, job, type="pause", id="c-pause")
        await send_command(flightdeck, job, type="instruct", id="c-tabs", text="use tabs")
        # the operator's publish retried under another Nats-Msg-Id: the stream keeps both copies
        await send_command(flightdeck, job, "retry-of-c-tabs", type="instruct", id="c-tabs", text="use tabs")
        await _until(lambda: '"c-tabs"' in _read(env) and '"paused":true' in _read(env), what="the commands recorded")
        (workspace / "hold").unlink()  # the step finishes, then the agent pauses
        for _ in range(300):
            if any(e.get("state") == "paused" for e in await stored(flightdeck, f"events.agent.{job}")):
                break
            await asyncio.sleep(0.05)
        await send_command(flightdeck, job, type="resume", id="c-resume")
        code = await agent.wait()
        info = await consumer_info(flightdeck, job)
        logs = await stored(flightdeck, f"logs.agent.{job}")
        events = await stored(flightdeck, f"events.agent.{job}")
        await flightdeck.close()
        return code, agent.stderr.decode(), info, logs, events

    code, stderr, info, logs, events = asyncio.run(scenario())
    assert code == 0, stderr
    # no permission violation: neither the server's log nor nats-py's error callback (the
    # publisher says what it gets on stderr, "NATS: ...") has one; no fallback was needed
    assert jwt_nats.violations() == []
    assert stderr == "", stderr
    # the trace and events landed in the stream with the job's credentials
    assert [e["state"] for e in events if e["type"] == "status"] == ["paused", "running", "done"]
    texts = [r["text"] for r in logs]
    assert texts.count("operator instruction: use tabs") == 1 and "Heard: Operator instruction: use tabs" in texts
    # every command (4 messages, one a copy) was acknowledged: nothing left for a redelivery
    assert (info.num_pending, info.num_ack_pending, info.delivered.consumer_seq) == (0, 0, 4)
    msgs = final_messages(Path(env["CHECKPOINT_PATH"]), job)
    assert _instructions_in(msgs, "use tabs") == 1
    state = json.loads(_read(env))
    assert state["applied"] == ["c-pause", "c-tabs", "c-resume"] and state["instructions"] == []


def test_the_violation_checks_see_a_subject_the_job_may_not_use(tmp_path, jwt_nats):
    """The checks above can fail: with nats-py's default inbox prefix the job's user is refused
    its subscription, and both the server log and the error callback say so."""
    env = make_pod_env(tmp_path / "pod", NATS_URL=jwt_nats.url)
    env["NATS_CREDS_FILE"] = str(jwt_nats.job_creds(env["JOB_ID"]))
    env["NATS_INBOX_PREFIX"] = "_INBOX"
    ctx = context(env)
    err = io.StringIO()

    async def scenario() -> None:
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=err)
        await publisher.start()
        await _until(lambda: jwt_nats.violations() and "permissions violation" in err.getvalue().lower(),
                     what="the violation reported")
        await publisher.close(0.1)

    asyncio.run(scenario())
    assert "Subscription Violation" in jwt_nats.violations()[0] and "_INBOX." in jwt_nats.violations()[0]


# --- 2. a cancel sent while the agent is down ------------------------------------------------


def test_a_cancel_sent_while_the_agent_is_down_is_executed_when_it_starts(tmp_path, jwt_nats):
    """The agent is killed during its second step; the operator cancels while it is down; the
    restarted agent takes the cancel before it runs anything again, and ends cancelled (exit 0)."""
    env = job_env(tmp_path, jwt_nats)
    job, workspace = env["JOB_ID"], Path(env["WORKSPACE_PATH"])

    async def scenario():
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await create_commands_stream(flightdeck)
        await create_job_consumer(flightdeck, job)
        first = Agent(env)
        await first.start()
        await until_file(workspace / "ran.log", "start-2")
        first.kill_tree()
        await first.wait()
        await send_command(flightdeck, job, type="cancel", id="c-cancel", text="wrong repository")
        assert (await consumer_info(flightdeck, job)).num_pending == 1  # held for the agent
        again = Agent(env)
        await again.start()
        code = await again.wait(30)  # without the cancel it would wait on `hold` for ever
        info = await consumer_info(flightdeck, job)
        events = await stored(flightdeck, f"events.agent.{job}")
        await flightdeck.close()
        return code, again.stderr.decode(), info, events

    code, stderr, info, events = asyncio.run(scenario())
    assert code == 0, stderr
    assert stderr == "" and jwt_nats.violations() == []
    status = [e for e in events if e["type"] == "status"]
    assert [e["state"] for e in status] == ["cancelled"]
    assert status[0]["summary"].startswith("cancelled by the operator after step")
    assert lines(workspace / "ran.log") == ["one", "start-2"]  # the killed step did not run again
    # the checkpoint is the first run's: its finished steps are there
    msgs = final_messages(Path(env["CHECKPOINT_PATH"]), job)
    assert [m[1] for m in msgs if m[0] == "ai"][-1].startswith("Two")
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert '"c-cancel"' in _read(env)


# --- 3. an instruction executed once, however often it comes -----------------------------------


def test_an_instruction_is_executed_once_when_redelivered_after_a_kill(tmp_path, jwt_nats):
    """The first process applies the instruction and records it, but its ack never reaches the
    server (its user lacks the ack subject); it is SIGKILLed. The second process gets the
    instruction from the state file, and both copies again from the consumer (the operator's
    publish had been retried): the model hears it once."""
    env = job_env(tmp_path, jwt_nats, ack=False)
    job, workspace = env["JOB_ID"], Path(env["WORKSPACE_PATH"])
    full_creds = str(jwt_nats.job_creds(job))

    async def scenario():
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await create_commands_stream(flightdeck)
        await create_job_consumer(flightdeck, job, ack_wait=1.0)
        first = Agent(env)
        await first.start()
        await until_file(workspace / "ran.log", "start-2")
        await send_command(flightdeck, job, type="instruct", id="c-docs", text="write the docs too")
        await send_command(flightdeck, job, "c-docs-again", type="instruct", id="c-docs", text="write the docs too")
        await _until(lambda: '"c-docs"' in _read(env), what="the instruction recorded")
        await _until(lambda: any("$JS.ACK" in v for v in jwt_nats.violations()), what="the refused ack")
        first.kill_tree()
        await first.wait()
        before = await consumer_info(flightdeck, job)
        second = Agent({**env, "NATS_CREDS_FILE": full_creds})
        await second.start()
        # the held step runs again; meanwhile both copies are redelivered, acked and ignored
        await _until(lambda: lines(workspace / "ran.log").count("start-2") == 2, what="the step again")

        async def settled() -> bool:
            info = await consumer_info(flightdeck, job)
            return info.num_ack_pending == 0 and info.num_redelivered == 0 and info.delivered.consumer_seq >= 4

        for _ in range(200):
            if await settled():
                break
            await asyncio.sleep(0.05)
        after = await consumer_info(flightdeck, job)
        (workspace / "hold").unlink()
        code = await second.wait()
        logs = await stored(flightdeck, f"logs.agent.{job}")
        await flightdeck.close()
        return code, second.stderr.decode(), before, after, logs

    code, stderr, before, after, logs = asyncio.run(scenario())
    assert code == 0, stderr
    assert before.num_ack_pending == 2  # neither copy was acknowledged by the first process
    assert (after.num_pending, after.num_ack_pending) == (0, 0) and after.delivered.consumer_seq >= 4, after
    # only the first process's acks were refused
    assert jwt_nats.violations() and all("$JS.ACK" in v for v in jwt_nats.violations())
    assert "violation" not in stderr.lower()
    msgs = final_messages(Path(env["CHECKPOINT_PATH"]), job)
    assert _instructions_in(msgs, "write the docs too") == 1
    # the model's own echo of what it heard, once
    texts = [r["text"] for r in logs]
    assert texts.count("Heard: Operator instruction: write the docs too") == 1
    state = json.loads(_read(env))
    assert state["applied"] == ["c-docs"] and state["instructions"] == []


# --- 4. a consumer created late; no stream at all ----------------------------------------------


def _listener_pod(tmp_path: Path, server: JwtNats, **extra: str):
    env = make_pod_env(tmp_path / "pod", NATS_URL=server.url, **extra)
    env["NATS_CREDS_FILE"] = str(server.job_creds(env["JOB_ID"]))
    return context(env)


def test_commands_flow_once_the_consumer_is_created_late(tmp_path, jwt_nats):
    ctx = _listener_pod(tmp_path, jwt_nats)
    err, nats_err = io.StringIO(), io.StringIO()

    async def scenario() -> CommandListener:
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await create_commands_stream(flightdeck)
        # sent before the consumer exists (Flightdeck could not create it at submit): the stream keeps it
        await send_command(flightdeck, ctx.job_id, type="pause", id="c-1")
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=nats_err)
        await publisher.start()
        listener = CommandListener(ctx, publisher, stderr=err, retry_interval=0.2)
        await listener.start(publisher.nc)
        assert listener.mode is None and not listener.paused
        await asyncio.sleep(0.5)  # it asks again, and says so once
        await create_job_consumer(flightdeck, ctx.job_id)
        await _until(lambda: listener.paused, what="the pause")
        assert listener.mode == "jetstream"
        await send_command(flightdeck, ctx.job_id, type="resume", id="c-2")
        await _until(lambda: not listener.paused, what="the resume")
        await listener.stop()
        await publisher.close()
        await flightdeck.close()
        return listener

    listener = asyncio.run(scenario())
    assert err.getvalue() == (f"flightdeck-agent: the JetStream consumer cmd-{ctx.job_id} does not exist yet; "
                              f"asking again every 0.2 s (NATS_COMMANDS_CONSUMER)\n")
    assert nats_err.getvalue() == "" and jwt_nats.violations() == []
    assert listener.received == 2


def test_commands_keep_flowing_across_a_server_restart(tmp_path, jwt_nats):
    ctx = _listener_pod(tmp_path, jwt_nats)

    async def scenario() -> CommandListener:
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await create_commands_stream(flightdeck)
        await create_job_consumer(flightdeck, ctx.job_id)
        await flightdeck.close()
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=io.StringIO(), reconnect_wait=0.1)
        await publisher.start()
        listener = CommandListener(ctx, publisher, stderr=io.StringIO(), pull_expires=1.0)
        await listener.start(publisher.nc)
        assert listener.mode == "jetstream"
        await asyncio.to_thread(jwt_nats.restart)  # same port, same store: the consumer is still there
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await send_command(flightdeck, ctx.job_id, type="instruct", id="c-after", text="after the restart")
        await _until(lambda: listener.has_instructions, 20, "the instruction after the restart")
        await listener.stop()
        await publisher.close()
        await flightdeck.close()
        return listener

    assert [i.text for i in asyncio.run(scenario()).take_pending()] == ["after the restart"]


def test_without_the_stream_commands_come_over_core_nats(tmp_path, jwt_nats):
    """An older Flightdeck: no FLIGHTDECK_COMMANDS stream; commands on core NATS, as before."""
    ctx = _listener_pod(tmp_path, jwt_nats)
    err, nats_err = io.StringIO(), io.StringIO()

    async def scenario() -> CommandListener:
        publisher = TracePublisher(ctx, stdout=io.StringIO(), stderr=nats_err)
        await publisher.start()
        listener = CommandListener(ctx, publisher, stderr=err)
        await listener.start(publisher.nc)
        assert listener.mode == "core"
        flightdeck = await connect(jwt_nats.url, jwt_nats.operator_creds())
        await flightdeck.publish(ctx.subject_commands, b'{"type":"pause"}')  # no id: applied as is
        await flightdeck.publish(ctx.subject_commands, b'{"type":"instruct","text":"a","id":"c-a"}')
        await flightdeck.publish(ctx.subject_commands, b'{"type":"instruct","text":"a","id":"c-a"}')
        await flightdeck.flush()
        await _until(lambda: listener.paused and listener.duplicates == 1, what="the commands")
        await listener.stop()
        await publisher.close()
        await flightdeck.close()
        return listener

    listener = asyncio.run(scenario())
    assert err.getvalue() == ("flightdeck-agent: no JetStream stream FLIGHTDECK_COMMANDS for commands (an older "
                              "Flightdeck?): listening on core NATS instead; a command sent while the agent is "
                              "down is lost (NATS_COMMANDS_STREAM)\n")
    assert nats_err.getvalue() == "" and jwt_nats.violations() == []
    assert listener.take_instructions() == ["a"]


# --- 5. the pure parts ------------------------------------------------------------------------


def _read(env: dict[str, str]) -> str:
    path = Path(env["CHECKPOINT_PATH"]).with_name(f"job_{env['JOB_ID']}.commands.json")
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def test_the_state_file_round_trips_and_a_restarted_listener_resumes_from_it(tmp_path):
    ctx = context(make_pod_env(tmp_path))
    assert ctx.commands_state_path == ctx.checkpoint_path.with_name(f"job_{ctx.job_id}.commands.json")

    async def first() -> None:
        listener = CommandListener(ctx)
        for body in ({"type": "pause", "id": "p1"}, {"type": "instruct", "id": "i1", "text": "one"},
                     {"type": "instruct", "text": "no id"}, {"type": "instruct", "id": "i2", "text": "two"},
                     {"type": "cancel", "id": "c1", "text": "enough"}):
            listener.handle(json.dumps(body).encode())
        assert await listener.save()
        taken = listener.take_pending()  # given to a step that was never checkpointed
        await listener.delivered([i for i in taken if i.id == "i2"])  # this one was

    asyncio.run(first())
    again = CommandListener(ctx)
    assert again.paused and again.cancel_requested and again.cancel_reason == "enough"
    assert again.take_pending() == [Instruction("i1", "one"), Instruction(None, "no id")]
    assert again.handle(b'{"type":"instruct","id":"i1","text":"one"}') is None and again.duplicates == 1
    state, problems = CommandState.load(ctx.commands_state_path)
    assert problems == [] and list(state.applied) == ["p1", "i1", "i2", "c1"]
    # a signal's cancel is not the operator's: it does not survive a restart
    third = CommandListener(context(make_pod_env(tmp_path / "other")))
    third.request_cancel("SIGTERM")
    asyncio.run(third.save())
    assert not CommandListener(third.ctx).cancel_requested


def test_applied_ids_are_bounded_and_a_flood_of_copies_costs_nothing(tmp_path):
    state = CommandState()
    for n in range(MAX_APPLIED_IDS + 500):
        state.remember(f"id-{n}")
    assert len(state.applied) == MAX_APPLIED_IDS and next(iter(state.applied)) == "id-500"
    loaded, problems = CommandState.loads(state.dumps())
    assert problems == [] and list(loaded.applied) == list(state.applied)
    # a file claiming more ids and instructions than the bounds: only the bounds are kept
    big = {"applied": [f"x{n}" for n in range(5000)],
           "instructions": [{"id": f"i{n}", "text": "t"} for n in range(100)]}
    loaded, problems = CommandState.loads(json.dumps(big).encode())
    assert len(loaded.applied) == MAX_APPLIED_IDS and len(loaded.instructions) == MAX_PENDING_INSTRUCTIONS
    assert problems == [f"{100 - MAX_PENDING_INSTRUCTIONS} malformed or surplus instruction(s) dropped"]

    ctx = context(make_pod_env(tmp_path))
    listener = CommandListener(ctx, stderr=io.StringIO())
    listener.handle(b'{"type":"instruct","id":"same","text":"once"}')
    for _ in range(10_000):
        assert listener.handle(b'{"type":"instruct","id":"same","text":"once"}') is None
    assert listener.duplicates == 10_000 and listener.take_instructions() == ["once"]
    # new ids: the pending instructions stay bounded (refused beyond the cap, said on stderr)
    for n in range(MAX_PENDING_INSTRUCTIONS + 5):
        listener.handle(json.dumps({"type": "instruct", "id": f"n{n}", "text": f"t{n}"}).encode())
    assert len(listener.take_pending()) == MAX_PENDING_INSTRUCTIONS


@pytest.mark.parametrize("data,why", [
    (b'{"type":"pause","id":""}', "pause with a malformed id ''"),
    (b'{"type":"pause","id":"a b"}', "pause with a malformed id 'a b'"),
    (b'{"type":"pause","id":"a.b"}', "pause with a malformed id 'a.b'"),
    (b'{"type":"pause","id":42}', "pause with a malformed id '?'"),
    (b'{"type":"pause","id":"' + b"x" * 129 + b'"}', "pause with a malformed id '?'"),
    (b'{"type":"pause","id":"\\u001b[2J"}', "pause with a malformed id '?'"),
])
def test_malformed_ids_are_ignored(data, why):
    command, problem = parse_command(data)
    assert command is None and problem.startswith(why)


def test_an_id_is_kept_and_an_id_of_128_is_fine():
    assert parse_command(b'{"type":"Pause","id":"A-1_b"}') == ({"type": "pause", "id": "A-1_b"}, None)
    assert parse_command(b'{"type":"pause","id":"' + b"x" * 128 + b'"}')[0] is not None


@pytest.mark.parametrize("content,problem", [
    (b"not json", "not JSON"),
    (b"[]", "not a JSON object"),
    (b'{"applied": ["ok", "not ok", 3], "instructions": [{"text": 1}, {"id": "x y", "text": "t"}]}',
     "2 malformed applied id(s) dropped"),
    (b"x" * 100, None),
])
def test_a_hostile_state_file_is_said_and_never_trusted(tmp_path, content, problem):
    ctx = context(make_pod_env(tmp_path))
    if problem is None:  # larger than the bound: not read at all
        import flightdeck_agent.commands as commands

        content = b" " * (commands.MAX_STATE_BYTES + 1)
        problem = "larger than"
    ctx.commands_state_path.write_bytes(content)
    err = io.StringIO()
    listener = CommandListener(ctx, stderr=err)
    assert problem in err.getvalue() and f"({ctx.commands_state_path})" in err.getvalue()
    assert listener.take_pending() == [] and not listener.paused


def test_the_state_file_is_replaced_whole(tmp_path):
    path = tmp_path / "state.json"
    write_atomically(path, b"first")
    write_atomically(path, b"second")
    assert path.read_bytes() == b"second" and [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("name,value,message", [
    ("NATS_INBOX_PREFIX", "_INBOX.>", "NATS_INBOX_PREFIX '_INBOX.>' is not a NATS subject"),
    ("NATS_COMMANDS_STREAM", "A.B", "NATS_COMMANDS_STREAM 'A.B' is not a JetStream name"),
    ("NATS_COMMANDS_CONSUMER", "cmd *", "NATS_COMMANDS_CONSUMER 'cmd *' is not a JetStream name"),
    ("NATS_COMMANDS_CONSUMER", "c" * 256, "NATS_COMMANDS_CONSUMER"),
])
def test_the_new_variables_are_checked(tmp_path, name, value, message):
    with pytest.raises(ContractError) as raised:
        context(make_pod_env(tmp_path, **{name: value}))
    assert str(raised.value).startswith(message) and str(raised.value).endswith("(environment)")


def test_the_new_variables_default_to_the_job(tmp_path):
    ctx = context(make_pod_env(tmp_path, JOB_ID="job-7"))
    assert (ctx.nats_inbox_prefix, ctx.commands_stream, ctx.commands_consumer) == (
        "_INBOX.job-7", "FLIGHTDECK_COMMANDS", "cmd-job-7")
    ctx = context(make_pod_env(tmp_path, JOB_ID="job-7", NATS_INBOX_PREFIX="_I.x", NATS_COMMANDS_STREAM="S",
                               NATS_COMMANDS_CONSUMER="C"))
    assert (ctx.nats_inbox_prefix, ctx.commands_stream, ctx.commands_consumer) == ("_I.x", "S", "C")
