"""run_graph in-process against the real nats-server: the trace, the exit codes, resume,
instructions, with real graphs, the real publisher and a real SQLite checkpoint."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Annotated

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from flightdeck_agent.adapter import STRATEGIC, TACTICAL, PhaseMap
from flightdeck_agent.context import context
from flightdeck_agent.runner import RunOptions, run_graph
from flightdeck_agent.scripted import ScriptedChatModel
from conftest import SECRET_VALUES, make_pod_env
from helpers import (SCRIPTS, Agent, Watch, agent_env, checkpoint_steps, final_messages, lines, story,
                     stream_records, until_file, without_core_fallback_note)


class State(TypedDict):
    messages: Annotated[list, add_messages]


def two_node_graph(script, calls=None):
    """planner <-> executor on a scripted model; the planner ends the run when it says DONE."""
    model = ScriptedChatModel(script=script)

    async def planner(state):
        if calls is not None:
            calls.append(("planner", len(state["messages"])))
        return {"messages": [await model.ainvoke(state["messages"])]}

    async def executor(state):
        if calls is not None:
            calls.append(("executor", len(state["messages"])))
        return {"messages": [await model.ainvoke(state["messages"])]}

    g = StateGraph(State)
    g.add_node("planner", planner)
    g.add_node("executor", executor)
    g.add_edge(START, "planner")
    g.add_conditional_edges("planner", lambda s: END if "DONE" in s["messages"][-1].content else "executor",
                            ["executor", END])
    g.add_edge("executor", "planner")
    return g


STORY = {"name": "story", "model": "m", "steps": [
    {"content": "plan A"}, {"content": "did A"}, {"content": "plan B"}, {"content": "did B"},
    {"content": "DONE: A and B"}]}


def pod(pod_env, nats_server, **extra):
    return context({**pod_env, "NATS_URL": nats_server, **extra})


def run(graph, ctx, inputs=None, **options):
    inputs = inputs if inputs is not None else {"messages": [HumanMessage("do A then B")]}
    return asyncio.run(run_graph(graph, ctx, inputs, RunOptions(**options)))


def trace(ctx):
    async def both():
        return (await stream_records(ctx.nats_url, ctx.subject_logs),
                await stream_records(ctx.nats_url, ctx.subject_events))
    return asyncio.run(both())


def test_a_run_publishes_its_trace_and_ends_done(pod_env, nats_server):
    ctx = pod(pod_env, nats_server)
    assert run(two_node_graph(STORY), ctx) == 0
    logs, events = trace(ctx)
    assert story([r for _, r in logs]) == [
        ("thought", STRATEGIC, "plan A", None, None, None),
        ("thought", TACTICAL, "did A", None, None, None),
        ("thought", STRATEGIC, "plan B", None, None, None),
        ("thought", TACTICAL, "did B", None, None, None),
        ("thought", STRATEGIC, "DONE: A and B", None, None, None),
    ]
    assert all(r["usage"]["model"] == "m" for _, r in logs)
    assert all(mid.startswith(ctx.job_id + "-") for mid, _ in logs + events)
    types = [e["type"] for _, e in events]
    assert [e["phase"] for _, e in events if e["type"] == "phase"] == [STRATEGIC, TACTICAL, STRATEGIC, TACTICAL, STRATEGIC]
    assert [e["step"] for _, e in events if e["type"] == "checkpoint"] == [0, 1, 2, 3, 4, 5]
    assert types[-1] == "status" and events[-1][1]["state"] == "done"
    assert events[-1][1]["summary"] == "DONE: A and B"
    assert "files" in types
    # the checkpoint is where the contract says, under the job id
    assert Path(pod_env["CHECKPOINT_PATH"]).exists()
    assert final_messages(Path(pod_env["CHECKPOINT_PATH"]), ctx.job_id)[-1][1] == "DONE: A and B"
    assert Path(pod_env["HEARTBEAT_PATH"]).exists()


@pytest.mark.parametrize("raised, expected", [
    ("RateLimitError", 75),
    ("InternalServerError", 75),
    ("APIConnectionError", 75),
    ("AuthenticationError", 7),
    ("BadRequestError", 7),
    ("BadPromptError", 7),
    ("RuntimeError", 1),
])
def test_errors_end_with_an_error_record_a_failed_status_and_the_exit_code(pod_env, nats_server, capsys, raised, expected):
    ctx = pod(pod_env, nats_server, FATAL_EXIT_CODE="7")
    script = {"steps": [{"content": "plan"}, {"raise": raised, "message": "upstream says no\nline two"}]}
    assert run(two_node_graph(script), ctx) == expected
    logs, events = trace(ctx)
    assert [r["kind"] for _, r in logs][-2:] == ["error", "error"]
    # the node's failure, then the run's reason
    assert logs[-2][1]["text"].startswith(f"executor failed: {raised}")
    assert logs[-1][1]["text"].startswith(raised)
    assert events[-1][1]["type"] == "status" and events[-1][1]["state"] == "failed"
    assert events[-1][1]["summary"] == logs[-1][1]["text"]
    err = without_core_fallback_note(capsys.readouterr().err)
    assert err.count("\n") == 1 and err.startswith(f"flightdeck-agent: {raised}") and "Traceback" not in err


def test_a_script_that_runs_out_and_a_recursion_limit_are_fatal(pod_env, nats_server, tmp_path):
    ctx = pod(pod_env, nats_server)
    assert run(two_node_graph({"steps": [{"content": "plan"}]}), ctx) == 42
    logs, _ = trace(ctx)
    assert "ScriptExhausted" in logs[-1][1]["text"]

    loop = {"steps": [{"content": "again"}] * 50}
    ctx2 = context({**make_pod_env(tmp_path / "p2"), "NATS_URL": nats_server})
    assert run(two_node_graph(loop), ctx2, recursion_limit=4) == 42
    logs, _ = trace(ctx2)
    assert logs[-1][1]["text"].startswith("GraphRecursionError")


def test_a_step_longer_than_step_bound_is_transient(pod_env, nats_server):
    ctx = pod(pod_env, nats_server)

    async def stuck(state):
        await asyncio.sleep(3600)

    g = StateGraph(State)
    g.add_node("executor", stuck)
    g.add_edge(START, "executor")
    assert run(g, ctx, step_bound=0.3) == 75
    logs, events = trace(ctx)
    assert "step_bound" in logs[-1][1]["text"] and events[-1][1]["state"] == "failed"


def test_a_failed_run_resumes_without_running_finished_steps_again(pod_env, nats_server):
    """The Job's retry after a transient failure: same job id, same checkpoint file."""
    ctx = pod(pod_env, nats_server)
    script = {"name": "s", "steps": [{"content": "plan A"}, {"content": "did A"}, {"content": "plan B"},
                                     {"raise": "RateLimitError"}]}
    calls: list = []
    assert run(two_node_graph(script, calls), ctx) == 75
    assert calls == [("planner", 1), ("executor", 2), ("planner", 3), ("executor", 4)]
    script["steps"][3] = {"content": "did B"}
    script["steps"].append({"content": "DONE"})
    calls.clear()
    assert run(two_node_graph(script, calls), ctx, inputs={"messages": [HumanMessage("ignored on resume")]}) == 0
    assert calls == [("executor", 4), ("planner", 5)]  # only the failed step and what follows
    logs, events = trace(ctx)
    texts = [r["text"] for _, r in logs]
    assert texts.count("plan A") == 1 and texts.count("plan B") == 1
    assert "resumed from checkpoint step 3" in texts
    resumed = next(r for _, r in logs if r["text"] == "resumed from checkpoint step 3")
    assert resumed["phase"] == TACTICAL, "the phase of the node that runs next (the executor)"
    assert texts[-2:] == ["did B", "DONE"]
    msgs = final_messages(Path(pod_env["CHECKPOINT_PATH"]), ctx.job_id)
    assert [m[1] for m in msgs] == ["do A then B", "plan A", "did A", "plan B", "did B", "DONE"]


def test_a_graph_without_messages_and_a_builder(pod_env, nats_server):
    """Any state: updates become message records; a builder gets the context and the saver."""
    class Counter(TypedDict):
        n: int

    seen = {}

    def build(ctx, saver):
        seen["saver"] = type(saver).__name__
        g = StateGraph(Counter)
        g.add_node("think", lambda s: {"n": s["n"] + 1})
        g.add_node("act", lambda s: {"n": s["n"] * 10})
        g.add_edge(START, "think")
        g.add_edge("think", "act")
        g.add_edge("act", END)
        return g.compile(checkpointer=saver)

    ctx = pod(pod_env, nats_server)
    assert run(build, ctx, inputs={"n": 1}, summarize=lambda v: f"n is {v['n']}") == 0
    assert seen["saver"] == "AsyncSqliteSaver"
    logs, events = trace(ctx)
    assert [(r["kind"], r["phase"], r["text"]) for _, r in logs] == [
        ("message", STRATEGIC, "think updated n: 2"), ("message", TACTICAL, "act updated n: 20")]
    assert events[-1][1]["summary"] == "n is 20"


def test_secrets_never_reach_the_stream(pod_env, nats_server):
    secret = SECRET_VALUES["openai-api-key"]
    script = {"steps": [{"content": f"the key is {secret}"},
                        {"content": "", "tool_calls": [{"name": "execute", "args": {"command": f"echo {secret}"}}]},
                        {"content": "DONE"}]}
    ctx = pod(pod_env, nats_server)
    assert run(two_node_graph(script), ctx) == 0
    logs, events = trace(ctx)
    raw = json.dumps([r for _, r in logs + events])
    assert secret not in raw and "[redacted:openai-api-key]" in raw


def test_an_instruction_waits_for_the_next_strategic_step(pod_env, nats_server):
    """Sent while the executor runs, it is not slipped in before another executor step (that
    would split a tool call from its result) but just before the planner's next turn."""
    ctx = pod(pod_env, nats_server)
    script = {"steps": [{"content": "plan"}, {"content": "step 1", "delay": 0.5}, {"content": "step 2"},
                        {"content": "DONE after: {{last_human}}"}]}
    model = ScriptedChatModel(script=script)
    sent = {}

    async def planner(state):
        return {"messages": [await model.ainvoke(state["messages"])]}

    async def executor(state):
        if "sent" not in sent:
            sent["sent"] = True
            import nats
            nc = await nats.connect(ctx.nats_url)
            await nc.publish(ctx.subject_commands, json.dumps({"type": "instruct", "text": "prefer tabs"}).encode())
            await nc.flush()
            await nc.close()
        return {"messages": [await model.ainvoke(state["messages"])]}

    g = StateGraph(State)
    g.add_node("planner", planner)
    g.add_node("executor", executor)
    g.add_edge(START, "planner")
    g.add_conditional_edges("planner", lambda s: END if "DONE" in s["messages"][-1].content else "executor",
                            ["executor", END])
    g.add_conditional_edges("executor", lambda s: "executor" if s["messages"][-1].content == "step 1" else "planner",
                            ["executor", "planner"])
    assert run(g, ctx, phases=PhaseMap({"planner": STRATEGIC, "executor": TACTICAL})) == 0
    msgs = final_messages(Path(pod_env["CHECKPOINT_PATH"]), ctx.job_id)
    assert [m[1] for m in msgs] == ["do A then B", "plan", "step 1", "step 2",
                                    "Operator instruction: prefer tabs", "DONE after: Operator instruction: prefer tabs"]
    logs, _ = trace(ctx)
    texts = [r["text"] for _, r in logs]
    assert texts.index("operator instruction: prefer tabs") == texts.index("step 2") + 1



def test_an_instruction_in_a_graph_without_a_strategic_node_goes_to_the_next_step(pod_env, nats_server):
    ctx = pod(pod_env, nats_server)
    seen = []

    async def act(state):
        seen.append([m.content for m in state["messages"]])
        if len(seen) == 1:
            import nats
            nc = await nats.connect(ctx.nats_url)
            await nc.publish(ctx.subject_commands, json.dumps({"type": "instruct", "text": "stop early"}).encode())
            await nc.flush()
            await nc.close()
            await asyncio.sleep(0.3)  # the command arrives while the step runs
        return {"messages": [AIMessage(f"act {len(seen)}")]}

    g = StateGraph(State)
    g.add_node("act", act)
    g.add_edge(START, "act")
    g.add_conditional_edges("act", lambda s: END if len(seen) >= 3 else "act", ["act", END])
    assert run(g, ctx) == 0
    assert seen[1] == ["do A then B", "act 1", "Operator instruction: stop early"]

# --- operator commands and signals, through the reference agent as a real process ------

COMMANDS = str(SCRIPTS / "commands.json")


def held_agent_env(tmp_path, nats_server):
    """An agent whose second command waits while `hold` exists in its workspace."""
    env = agent_env(make_pod_env(tmp_path), nats_server, COMMANDS)
    workspace = Path(env["WORKSPACE_PATH"])
    (workspace / "hold").touch()
    return env, workspace


def test_pause_resume_and_instruct(tmp_path, nats_server):
    env, workspace = held_agent_env(tmp_path, nats_server)
    heartbeat = Path(env["HEARTBEAT_PATH"])
    db = Path(env["CHECKPOINT_PATH"])

    async def scenario():
        async with Watch(nats_server, env) as watch:
            agent = Agent(env)
            await agent.start()
            await until_file(workspace / "ran.log", "start-2")
            await watch.command(type="pause")
            await watch.command(type="instruct", text="use tabs, not spaces")
            (workspace / "hold").unlink()  # the running step finishes, then the agent pauses
            await watch.until(lambda w: w.status("paused"), 30, "the paused status")
            steps, records = checkpoint_steps(db, env["JOB_ID"]), len(watch.records)
            # paused: the heartbeat goes on (touched twice more), the graph does not
            for _ in range(2):
                before = heartbeat.stat().st_mtime_ns
                while heartbeat.stat().st_mtime_ns == before:
                    await asyncio.sleep(0.05)
            assert checkpoint_steps(db, env["JOB_ID"]) == steps
            assert len(watch.records) == records
            assert lines(workspace / "ran.log") == ["one", "start-2", "cmd-2"]
            await watch.command(type="resume")
            code = await agent.wait()
            return code, watch, agent.stderr

    code, watch, stderr = asyncio.run(scenario())
    assert code == 0, stderr
    assert [e["state"] for e in watch.events if e["type"] == "status"] == ["paused", "running", "done"]
    texts = [r["text"] for r in watch.records]
    # the instruction is recorded, and reached the planner's next input (the model echoes it)
    assert texts.index("operator instruction: use tabs, not spaces") < texts.index(
        "Heard: Operator instruction: use tabs, not spaces")
    msgs = final_messages(Path(env["CHECKPOINT_PATH"]), env["JOB_ID"])
    i = [m[1] for m in msgs].index("Operator instruction: use tabs, not spaces")
    assert msgs[i][0] == "human" and msgs[i - 1][1] == "Counted to two." and msgs[i + 1][1].startswith("Heard:")
    assert lines(workspace / "ran.log") == ["one", "start-2", "cmd-2", "three"]


def test_sigterm_finishes_the_step_and_a_restart_goes_on(tmp_path, nats_server):
    env, workspace = held_agent_env(tmp_path, nats_server)

    async def scenario():
        async with Watch(nats_server, env) as watch:
            agent = Agent(env)
            await agent.start()
            await until_file(workspace / "ran.log", "start-2")
            agent.signal(signal.SIGTERM)  # while the step is held: it has to finish first
            (workspace / "hold").unlink()
            first = await agent.wait()
            again = Agent(env)
            await again.start()
            second = await again.wait()
            return first, second, watch, (agent.stderr, again.stderr)

    first, second, watch, stderr = asyncio.run(scenario())
    assert first == 143 and second == 0, stderr
    assert [without_core_fallback_note(err) for err in stderr] == [b"", b""]
    states = [e["state"] for e in watch.events if e["type"] == "status"]
    assert states == ["terminated", "done"]
    # the held command finished in the first process and did not run again
    assert lines(workspace / "ran.log") == ["one", "start-2", "cmd-2", "three"]
    calls = lines(Path(env["SCRIPTED_CALL_LOG"]))
    assert calls == [str(i) for i in range(8)]


def test_cancel_finishes_the_step_checkpoints_and_exits_0(tmp_path, nats_server):
    env, workspace = held_agent_env(tmp_path, nats_server)

    async def scenario():
        async with Watch(nats_server, env) as watch:
            agent = Agent(env)
            await agent.start()
            await until_file(workspace / "ran.log", "start-2")
            await watch.command(type="cancel")
            await watch.command(type="bogus")  # ignored, said on stderr
            (workspace / "hold").unlink()
            code = await agent.wait()
            return code, watch, agent.stderr

    code, watch, stderr = asyncio.run(scenario())
    assert code == 0
    assert [e["state"] for e in watch.events if e["type"] == "status"] == ["cancelled"]
    assert lines(workspace / "ran.log") == ["one", "start-2", "cmd-2"]
    # the finished step is in the checkpoint, and nothing after it ran
    msgs = final_messages(Path(env["CHECKPOINT_PATH"]), env["JOB_ID"])
    assert msgs[-1][0] == "tool" and msgs[-1][1].endswith("[exit code 0]")
    assert lines(Path(env["SCRIPTED_CALL_LOG"])) == ["0", "1", "2"]
    assert watch.records[-1]["kind"] == "observation"
    assert without_core_fallback_note(stderr).decode().strip().startswith(
        "flightdeck-agent: ignored a command: unknown type 'bogus'")
    assert "Traceback" not in stderr.decode()


def test_custom_records_with_any_keys_never_crash_the_run(pod_env, nats_server):
    """A node's custom record is the graph's output: hostile. Keys named like the publisher's own
    parameters, keys of mixed types, a key whose str() raises, a mapping that cannot be read:
    records or an error record, and the run goes on."""
    from collections.abc import Mapping

    from langgraph.config import get_stream_writer

    class BadKey:
        def __str__(self):
            raise RuntimeError("no name")

    class Unreadable(Mapping):
        def __getitem__(self, key):
            raise KeyError(key)

        def __iter__(self):
            raise RuntimeError("no items")

        def __len__(self):
            return 1

    async def act(state):
        write = get_stream_writer()
        write({"text": "odd keys", "msg_id": "mine", "self": 1, 3: "three", "args": {1: "a", "b": 2}})
        write({BadKey(): "bad key"})
        write(Unreadable())
        write({"text": "odd number", "score": float("nan")})
        return {"messages": [AIMessage("acted")]}

    g = StateGraph(State)
    g.add_node("act", act)
    g.add_edge(START, "act")
    ctx = pod(pod_env, nats_server)
    assert run(g, ctx) == 0
    logs, events = trace(ctx)
    records = [r for _, r in logs]
    odd = next(r for r in records if r["text"] == "odd keys")
    assert odd["msg_id"] == "mine" and odd["self"] == 1 and odd["3"] == "three" and odd["args"] == {"1": "a", "b": 2}
    errors = [r for r in records if r["kind"] == "error"]
    assert len(errors) == 1 and errors[0]["text"] == (
        "a custom stream part could not be mapped to a record: RuntimeError: no items")
    assert any(r.get("<BadKey>") == "bad key" for r in records)
    assert next(r for r in records if r["text"] == "odd number")["score"] == "NaN"
    assert records[-1]["text"] == "acted" and events[-1][1]["state"] == "done"


def test_the_process_exits_after_step_bound_even_while_the_step_runs_on(tmp_path):
    """A synchronous step cut off by step_bound goes on in its thread: the exit (75) must not
    wait for it (Python 3.11's asyncio.run joins the default executor's threads)."""
    env = agent_env(make_pod_env(tmp_path), None, "demo")
    workspace = Path(env["WORKSPACE_PATH"])
    (workspace / "hold").touch()

    async def scenario():
        agent = Agent(env, args=[str(SCRIPTS / "stuck_agent.py")])
        await agent.start()
        try:
            return await agent.wait(60), agent.stderr
        finally:
            (workspace / "hold").unlink()  # what the step waits for: only now

    code, stderr = asyncio.run(scenario())
    assert (workspace / "stuck-started").exists()
    assert code == 75, stderr
    assert stderr.decode().startswith("flightdeck-agent: ") and "step_bound" in stderr.decode()
    assert stderr.decode().count("\n") == 1 and "Traceback" not in stderr.decode()


@pytest.mark.parametrize("mode, code, line", [
    ("handler", 0, "flightdeck-agent: background error: RuntimeError: it held [redacted:openai-api-key] line two\n"),
    ("prepare", 1, f"flightdeck-agent: internal error: RuntimeError: cannot use {'x' * 290}[redacted:openai-api-key]\n"),
])
def test_the_last_resort_stderr_lines_are_redacted(tmp_path, mode, code, line):
    env = agent_env(make_pod_env(tmp_path), None, "demo", LEAKY=mode)

    async def scenario():
        agent = Agent(env, args=[str(SCRIPTS / "leaky_agent.py")])
        await agent.start()
        return await agent.wait(60), agent.stderr

    assert asyncio.run(scenario()) == (code, line.encode())


def test_a_second_signal_during_the_final_flush_still_writes_out_what_nats_did_not_take(tmp_path, capsys):
    """NATS is down at exit: close() waits for acks that cannot come. A second signal cancels the
    run then; the close must not be abandoned (records lost without a word) but hurried: what
    NATS did not acknowledge goes to stdout, and stderr says so."""
    import socket

    from flightdeck_agent.runner import GraphRunner

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctx = context({**make_pod_env(tmp_path), "NATS_URL": f"nats://127.0.0.1:{port}"})

    async def act(state):
        return {"messages": [AIMessage("acted")]}

    g = StateGraph(State)
    g.add_node("act", act)
    g.add_edge(START, "act")

    async def scenario():
        runner = GraphRunner(g, ctx, {"messages": [HumanMessage("go")]}, RunOptions(close_timeout=600))
        task = asyncio.create_task(runner.run())
        while not (task.done() or getattr(runner.publisher, "closing", False)):
            await asyncio.sleep(0.01)
        task.cancel()  # what run_graph does on a second signal
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["text"] for line in lines if line.get("kind") == "thought"] == ["acted"]
    assert [line["state"] for line in lines if line.get("type") == "status"] == ["done"]
    assert "were not confirmed by NATS before exit and were written to stdout instead" in err


def test_an_instruction_the_run_never_delivered_is_said(pod_env, nats_server, capsys):
    """An instruction that arrives during the last step reaches no strategic step: the operator
    is told, on the trace and on stderr, rather than left believing it was followed."""
    import nats

    from flightdeck_agent.commands import CommandListener

    ctx = pod(pod_env, nats_server)

    async def scenario():
        nc = await nats.connect(ctx.nats_url)
        listener = CommandListener(ctx)
        await listener.start(nc)

        async def plan(state):
            return {"messages": [AIMessage("plan: act once")]}

        async def act(state):
            await nc.publish(ctx.subject_commands, json.dumps({"type": "instruct", "text": "also write docs"}).encode())
            while not listener.has_instructions:  # it has arrived before the step ends
                await asyncio.sleep(0.01)
            return {"messages": [AIMessage("acted")]}

        g = StateGraph(State)
        g.add_node("plan", plan)
        g.add_node("act", act)
        g.add_edge(START, "plan")
        g.add_edge("plan", "act")
        try:
            return await run_graph(g, ctx, {"messages": [HumanMessage("go")]}, RunOptions(), commands=listener)
        finally:
            await nc.close()

    assert asyncio.run(scenario()) == 0
    note = "operator instruction not delivered (the run ended before another step): also write docs"
    assert without_core_fallback_note(capsys.readouterr().err) == f"flightdeck-agent: {note}\n"
    logs, events = trace(ctx)
    assert [r["text"] for _, r in logs][-1] == note
    assert events[-1][1]["state"] == "done"
