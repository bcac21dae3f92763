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
                     stream_records, until_file)


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
    err = capsys.readouterr().err
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
            return first, second, watch, agent.stderr + again.stderr

    first, second, watch, stderr = asyncio.run(scenario())
    assert first == 143 and second == 0, stderr
    assert stderr == b""
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
    assert stderr.decode().strip().startswith("flightdeck-agent: ignored a command: unknown type 'bogus'")
    assert "Traceback" not in stderr.decode()
