"""Resume after `kill -9`: the reference agent as a real process against the real nats-server,
killed (with its children, as a container's end kills them) at several points and restarted
on the same workspace, compared with an uninterrupted run.

What "no finished step runs twice" means here: a step whose records reached the stream before
a kill is finished (the runtime publishes a step's records only once its checkpoint is on
disk), so after that kill neither its model call nor its command may run again. A step cut
short by the kill legitimately runs again; its records still appear once (same ids).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from conftest import make_pod_env
from flightdeck_agent.context import context
from helpers import (
    SCRIPTS,
    Agent,
    Watch,
    agent_env,
    final_messages,
    lines,
    story,
    stream_records,
    until_file,
    without_core_fallback_note,
)

SCRIPT = SCRIPTS / "resume.json"
STEPS = json.loads(SCRIPT.read_text())["steps"]
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


def step_of(record: dict) -> int | None:
    """The script step (model call) a thought or action record comes from."""
    for i, step in enumerate(STEPS):
        if record.get("kind") == "thought" and record.get("text") == step.get("content"):
            return i
        if record.get("kind") == "action" and any(
                record.get("args") == c["args"] for c in step.get("tool_calls", [])):
            return i
    return None


def command_of(record: dict) -> int | None:
    """The command (1..4) an observation record reports."""
    if record.get("kind") != "observation":
        return None
    return WORDS.get(record.get("text", "").split("\n")[0])


@dataclass
class Kill:
    records: list[dict]   # seen on the stream before the kill
    calls: int            # model calls logged at the kill
    ran: int              # command lines logged at the kill
    killed: list[int]     # the processes killed


@dataclass
class Outcome:
    env: dict
    code: int
    kills: list[Kill]
    stderr: bytes = b""

    @property
    def workspace(self) -> Path:
        return Path(self.env["WORKSPACE_PATH"])

    @property
    def calls(self) -> list[str]:
        return lines(Path(self.env["SCRIPTED_CALL_LOG"]))

    @property
    def ran(self) -> list[str]:
        return lines(self.workspace / "ran.log")

    def messages(self):
        return final_messages(Path(self.env["CHECKPOINT_PATH"]), self.env["JOB_ID"])

    def stream(self):
        return asyncio.run(stream_records(self.env["NATS_URL"], self.env["NATS_SUBJECT_LOGS"]))


async def run_with_kills(env: dict, kill_when: list, setup=None) -> Outcome:
    """Starts the agent; for each entry of `kill_when` waits for it, kills the process tree,
    and starts the agent again; the last start runs to its end."""
    kills: list[Kill] = []
    calls = Path(env["SCRIPTED_CALL_LOG"])
    ran = Path(env["WORKSPACE_PATH"]) / "ran.log"
    async with Watch(env["NATS_URL"], env) as watch:
        for when in kill_when:
            agent = Agent(env)
            await agent.start()
            await when(watch)
            seen = list(watch.records)
            killed = agent.kill_tree()
            await agent.wait()
            kills.append(Kill(seen, len(lines(calls)), len(lines(ran)), killed))
            if setup is not None:
                setup(len(kills))
        agent = Agent(env)
        await agent.start()
        code = await agent.wait()
        await watch.until(lambda w: w.status("done") or code != 0, 10, "the done status")
    return Outcome(env, code, kills, agent.stderr)


def after_records(n: int):
    async def wait(watch: Watch) -> None:
        await watch.until(lambda w: w.distinct >= n, 30, f"{n} records")
    return wait


@pytest.fixture(scope="module")
def baseline(nats_server, tmp_path_factory):
    env = agent_env(make_pod_env(tmp_path_factory.mktemp("baseline")), nats_server, str(SCRIPT))
    outcome = asyncio.run(run_with_kills(env, []))
    assert outcome.code == 0, outcome.stderr
    return outcome


def check_resumed(outcome: Outcome, baseline: Outcome) -> None:
    assert outcome.code == 0, outcome.stderr
    assert without_core_fallback_note(outcome.stderr) == b""
    # the final graph state equals the uninterrupted run's
    assert outcome.messages() == baseline.messages()
    # the stream holds each record once (ids are stable, JetStream drops the copies)
    stream = outcome.stream()
    ids = [i for i, _ in stream]
    assert len(ids) == len(set(ids))
    assert story([r for _, r in stream]) == story([r for _, r in baseline.stream()])
    resumed = [r for _, r in stream if r["text"].startswith("resumed from checkpoint step")]
    assert len(resumed) == len(outcome.kills)
    # no finished step ran again after a kill
    calls, ran = outcome.calls, outcome.ran
    for kill in outcome.kills:
        finished_steps = {str(s) for r in kill.records if (s := step_of(r)) is not None}
        assert not finished_steps & set(calls[kill.calls:]), "a finished model call ran again"
        finished_cmds = {f"start-{c}" for r in kill.records if (c := command_of(r)) is not None}
        assert not finished_cmds & set(ran[kill.ran:]), "a finished command ran again"
    # every model call and command happened, none more than once per attempt
    assert set(calls) == {str(i) for i in range(len(STEPS))}
    assert {line for line in ran if line.startswith("cmd-")} == {"cmd-1", "cmd-2", "cmd-3", "cmd-4"}
    assert all(ran.count(f"cmd-{n}") <= 1 + len(outcome.kills) for n in range(1, 5))


def test_kill_during_a_command_reruns_only_that_command(nats_server, tmp_path, baseline):
    env = agent_env(make_pod_env(tmp_path), nats_server, str(SCRIPT))
    hold = Path(env["WORKSPACE_PATH"]) / "hold"
    hold.touch()

    async def mid_command(watch: Watch) -> None:
        await until_file(hold.parent / "ran.log", "start-2")

    outcome = asyncio.run(run_with_kills(env, [mid_command], setup=lambda n: hold.unlink()))
    (kill,) = outcome.kills
    assert len(kill.killed) >= 2, "the command's shell was running and was killed too"
    check_resumed(outcome, baseline)
    ran = outcome.ran
    # the interrupted command ran again (its start twice), and completed once
    assert ran.count("start-2") == 2 and ran.count("cmd-2") == 1
    assert ran.count("start-1") == ran.count("cmd-1") == 1


def test_killed_twice_at_different_points(nats_server, tmp_path, baseline):
    env = agent_env(make_pod_env(tmp_path), nats_server, str(SCRIPT))
    outcome = asyncio.run(run_with_kills(env, [after_records(1), after_records(13)]))
    check_resumed(outcome, baseline)
    assert len(outcome.kills[0].records) >= 1 and len(outcome.kills[1].records) >= 13


def test_steps_finished_but_never_published_are_published_on_resume(nats_server, tmp_path, baseline):
    """A process that checkpointed three steps and died before any record left it (here:
    the graph driven directly, publishing nothing): the restarted agent publishes them."""
    env = agent_env(make_pod_env(tmp_path), nats_server, str(SCRIPT))
    ctx = context(env)

    async def silent_steps() -> None:
        from flightdeck_agent.reference import build, make_input

        async with AsyncSqliteSaver.from_conn_string(str(ctx.checkpoint_path)) as saver:
            graph = build(ctx, saver)
            config = {"configurable": {"thread_id": ctx.job_id}}
            async for _ in graph.astream(make_input(ctx), config, durability="sync", interrupt_after=["tools"]):
                pass
            assert (await graph.aget_state(config)).next == ("executor",)

    asyncio.run(silent_steps())
    assert asyncio.run(stream_records(env["NATS_URL"], env["NATS_SUBJECT_LOGS"])) == []
    outcome = asyncio.run(run_with_kills(env, []))
    outcome.kills = []
    assert outcome.code == 0
    assert outcome.messages() == baseline.messages()
    stream = outcome.stream()
    assert story([r for _, r in stream]) == story([r for _, r in baseline.stream()])
    assert outcome.calls == baseline.calls  # the silent steps did not run again


def test_a_task_finished_before_the_kill_is_published_after_it(nats_server, tmp_path):
    """Two parallel tasks; the process dies while one still runs. LangGraph keeps the other's
    saved writes and does not run it again; its records (held back until the step's
    checkpoint, which never came) are published by the restarted process."""
    env = agent_env(make_pod_env(tmp_path), nats_server, "unused",
                    AGENT_MODEL="unused")
    agent_args = [str(SCRIPTS / "parallel_agent.py")]
    workspace = Path(env["WORKSPACE_PATH"])
    hold = workspace / "hold"
    hold.touch()
    db = Path(env["CHECKPOINT_PATH"])

    def fast_write_saved() -> bool:
        # fast's own write, found by its message: counting the channel's writes is not enough,
        # since the input's write and plan's already make two before fast's is saved.
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute("select count(*) from writes where thread_id = ? and channel = 'messages'"
                                " and instr(value, cast('fast done' as blob)) > 0",
                                (env["JOB_ID"],)).fetchone()[0] > 0
        finally:
            conn.close()

    async def scenario():
        async with Watch(env["NATS_URL"], env) as watch:
            agent = Agent(env, args=agent_args)
            await agent.start()
            await until_file(workspace / "ran.log", "slow-start")
            await until_file(workspace / "ran.log", "fast")
            await watch.until(lambda w: any(r["text"] == "slow is waiting" for r in w.records), 30, "the custom record")
            while not fast_write_saved():
                await asyncio.sleep(0.02)
            before = [r["text"] for r in watch.records]
            agent.kill_tree()
            await agent.wait()
            hold.unlink()
            agent = Agent(env, args=agent_args)
            await agent.start()
            code = await agent.wait()
            return before, code, agent.stderr

    before, code, stderr = asyncio.run(scenario())
    assert code == 0, stderr
    assert "fast done" not in before  # held back: its step never reached its checkpoint
    assert lines(workspace / "ran.log") == ["plan", "slow-start", "fast", "slow-start", "slow-done", "review"] or \
        lines(workspace / "ran.log") == ["plan", "fast", "slow-start", "slow-start", "slow-done", "review"]
    stream = asyncio.run(stream_records(env["NATS_URL"], env["NATS_SUBJECT_LOGS"]))
    texts = [r["text"] for _, r in stream]
    for text in ("plan: fast and slow at once", "fast done", "slow done", "reviewed both", "slow is waiting"):
        assert texts.count(text) == 1, text
    assert texts.index("fast done") < texts.index("reviewed both")
