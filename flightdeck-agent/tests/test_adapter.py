"""The pure mapping from LangGraph stream parts to records, on real parts and hand-built ones."""

from __future__ import annotations

import asyncio
from typing import Annotated

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from typing_extensions import TypedDict

from flightdeck_agent.adapter import (
    MAX_TEXT,
    STRATEGIC,
    STREAM_MODES,
    TACTICAL,
    MapperState,
    Out,
    PhaseMap,
    flush_pending,
    map_part,
    records_for_finished_tasks,
)
from flightdeck_agent.scripted import ScriptedChatModel


class State(TypedDict):
    messages: Annotated[list, add_messages]


@tool(response_format="content_and_artifact")
def execute(command: str):
    """Run a command (a stand-in with the execute tool's artifact)."""
    return f"ran {command}", {"exit_code": 3, "duration_ms": 12}


SCRIPT = {
    "name": "adapter",
    "model": "m-1",
    "steps": [
        {"content": "Plan: list the files.", "usage": {"input_tokens": 11, "output_tokens": 7}},
        {"content": "", "tool_calls": [{"name": "execute", "args": {"command": "ls -a"}},
                                        {"name": "execute", "args": {"command": "ls -a"}}]},
        {"content": "Two listings, same output."},
        {"content": "Done."},
    ],
}


def small_graph(checkpointer):
    """planner (STRATEGIC) -> executor <-> tools, the planner writing a custom record."""
    model = ScriptedChatModel(script=SCRIPT)

    async def planner(state):
        get_stream_writer()({"kind": "message", "text": "planning", "extra": 1})
        return {"messages": [await model.ainvoke(state["messages"])]}

    async def executor(state):
        return {"messages": [await model.ainvoke(state["messages"])]}

    def after_planner(state):
        n = sum(isinstance(m, AIMessage) for m in state["messages"])
        return END if n >= 4 else "executor"

    g = StateGraph(State)
    g.add_node("planner", planner)
    g.add_node("executor", executor)
    g.add_node("tools", ToolNode([execute]))
    g.add_edge(START, "planner")
    g.add_conditional_edges("planner", after_planner, ["executor", END])
    g.add_conditional_edges("executor", lambda s: "tools" if s["messages"][-1].tool_calls else "planner",
                            ["tools", "planner"])
    g.add_edge("tools", "executor")
    return g.compile(checkpointer=checkpointer)


async def collect(graph, inp, config, **kw):
    parts = []
    async for part in graph.astream(inp, config, stream_mode=list(STREAM_MODES), durability="sync", **kw):
        parts.append(part)
    return parts


def run(coro):
    return asyncio.run(coro)


def map_all(parts, phases=None, state=None):
    phases = phases or PhaseMap()
    state = state or MapperState()
    outs: list[Out] = []
    for part in parts:
        outs.extend(map_part(part, phases=phases, state=state))
    outs.extend(flush_pending(state))
    return outs


# --- PhaseMap -------------------------------------------------------------------------


def test_phase_map_explicit_then_names_then_default():
    phases = PhaseMap({"tools": STRATEGIC, "weird": "REVIEW"}, default="OTHER")
    assert phases.phase_of("tools") == STRATEGIC  # explicit wins over the name
    assert phases.phase_of("weird") == "REVIEW"
    for node in ("planner", "Reasoner", "think_more", "strategist", "supervisor", "critic", "reflect"):
        assert phases.phase_of(node) == STRATEGIC, node
    for node in ("executor", "tool_node", "act", "action", "write_code", "runner"):
        assert phases.phase_of(node) == TACTICAL, node
    for node in ("__start__", "__end__", "branch:to:x", ""):
        assert phases.phase_of(node) is None, node
    assert phases.phase_of("summarise") == "OTHER"
    assert PhaseMap().phase_of("summarise") == TACTICAL
    assert phases.is_strategic("planner") and not phases.is_strategic("executor")


# --- real parts -------------------------------------------------------------------------


def test_real_parts_map_to_the_react_records():
    async def go():
        graph = small_graph(InMemorySaver())
        return await collect(graph, {"messages": [HumanMessage("list the files")]}, {"configurable": {"thread_id": "t"}})

    parts = run(go())
    modes = {p[0] for p in parts}
    assert modes == {"updates", "tasks", "checkpoints", "custom"}
    outs = map_all(parts)
    logs = [o.body for o in outs if o.subject == "logs"]
    events = [o.body for o in outs if o.subject == "events"]

    # the ReAct loop, in order
    assert [(b["kind"], b.get("phase")) for b in logs] == [
        ("message", STRATEGIC),      # the planner's custom record
        ("thought", STRATEGIC),      # its answer
        ("action", TACTICAL), ("action", TACTICAL),
        ("observation", TACTICAL), ("observation", TACTICAL),
        ("thought", TACTICAL),
        ("message", STRATEGIC),
        ("thought", STRATEGIC),
    ]
    custom, plan, act1, act2, obs1, obs2 = logs[:6]
    assert custom == {"kind": "message", "text": "planning", "phase": STRATEGIC, "extra": 1}
    assert plan["text"] == "Plan: list the files."
    assert plan["usage"] == {"input_tokens": 11, "output_tokens": 7, "model": "m-1"}
    # usage goes on the first record of a message: here its first action (no text)
    assert act1 == {"kind": "action", "text": "ls -a", "phase": TACTICAL, "tool": "execute",
                    "args": {"command": "ls -a"}, "usage": act1["usage"]}
    assert act1["usage"]["model"] == "m-1" and act1["usage"]["output_tokens"] > 0
    assert "usage" not in act2
    assert obs1 == {"kind": "observation", "text": "ran ls -a", "phase": TACTICAL, "tool": "execute",
                    "exit_code": 3, "duration_ms": 12}
    assert obs2 == obs1

    # a phase event each time control moves, before the node's records
    kinds = [(o.subject, o.body.get("type") or o.body.get("kind")) for o in outs]
    phase_events = [e["phase"] for e in events if e["type"] == "phase"]
    assert phase_events == [STRATEGIC, TACTICAL, STRATEGIC]
    first_phase = kinds.index(("events", "phase"))
    assert first_phase < kinds.index(("logs", "message"))
    # one checkpoint event per step (the input checkpoint, step -1, is not one)
    steps = [e["step"] for e in events if e["type"] == "checkpoint"]
    assert steps == [0, 1, 2, 3, 4, 5]  # input, then one per node run
    assert all(e["path"] for e in events if e["type"] == "checkpoint")

    # ids: unique, and the same parts give the same ids
    ids = [o.msg_id_suffix for o in outs]
    assert len(ids) == len(set(ids))
    assert [o.msg_id_suffix for o in map_all(parts)] == ids
    # identical actions in one message still get distinct ids
    assert outs[[o.body for o in outs].index(act1)].msg_id_suffix != outs[[o.body for o in outs].index(act2)].msg_id_suffix


def test_task_records_wait_for_the_next_checkpoint():
    """A finished task's records come out with the checkpoint that stores its writes."""
    async def go():
        graph = small_graph(InMemorySaver())
        return await collect(graph, {"messages": [HumanMessage("x")]}, {"configurable": {"thread_id": "t"}})

    parts = run(go())
    state = MapperState()
    phases = PhaseMap()
    for i, part in enumerate(parts):
        outs = map_part(part, phases=phases, state=state)
        if part[0] == "tasks" and "result" in part[1] and not part[1]["error"]:
            assert outs == [] and state.pending, "held until the checkpoint"
        if part[0] == "checkpoints":
            assert state.pending == []
            if any(o.subject == "logs" for o in outs):
                # the records come first, the checkpoint event last
                assert outs[-1].body["type"] == "checkpoint"


def test_a_rerun_of_an_unfinished_step_republishes_under_the_same_ids():
    """Two parallel tasks: one finishes, one fails. On the second attempt LangGraph replays
    the finished one from its saved writes (an `updates` part marked cached, no task result)
    and runs the failed one again with the same task id: every record keeps its id."""
    attempts = {"n": 0}

    async def fan(state):
        return {"messages": [AIMessage("fan-out")]}

    async def good(state):
        return {"messages": [AIMessage("good result", tool_calls=[{"name": "execute", "args": {"command": "true"}, "id": "c1"}])]}

    async def flaky(state):
        get_stream_writer()({"text": "flaky starts"})
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ConnectionError("upstream went away\nsecond line")
        return {"messages": [AIMessage("flaky result")]}

    g = StateGraph(State)
    g.add_node("fan", fan)
    g.add_node("good", good)
    g.add_node("flaky", flaky)
    g.add_edge(START, "fan")
    g.add_edge("fan", "good")
    g.add_edge("fan", "flaky")
    g.add_edge("good", END)
    g.add_edge("flaky", END)

    async def go():
        graph = g.compile(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "t"}}
        first: list = []
        with pytest.raises(ConnectionError):
            async for part in graph.astream({"messages": [HumanMessage("x")]}, config,
                                            stream_mode=list(STREAM_MODES), durability="sync"):
                first.append(part)
        second = await collect(graph, None, config)
        return first, second

    first, second = run(go())
    assert any(p[0] == "updates" and "__metadata__" in p[1] for p in second), "the good task is replayed"
    outs1 = map_all(first)
    outs2 = map_all(second)

    err = [o for o in outs1 if o.body.get("kind") == "error"]
    assert len(err) == 1 and err[0].body["text"] == "flaky failed: ConnectionError: upstream went away"
    by_text1 = {(o.body.get("kind"), o.body.get("text")): o.msg_id_suffix for o in outs1 if o.subject == "logs"}
    by_text2 = {(o.body.get("kind"), o.body.get("text")): o.msg_id_suffix for o in outs2 if o.subject == "logs"}
    # the finished task's records: same ids from its result part and from the replay
    assert by_text1[("thought", "good result")] == by_text2[("thought", "good result")]
    assert by_text1[("action", "true")] == by_text2[("action", "true")]
    # the re-run task's custom record: same id in both attempts
    assert by_text1[("message", "flaky starts")] == by_text2[("message", "flaky starts")]
    assert ("thought", "flaky result") in by_text2
    # the re-run task has the same task id, which its records' ids start with
    flaky_task = next(p[1]["id"] for p in first if p[0] == "tasks" and p[1].get("name") == "flaky")
    assert any(p[0] == "tasks" and p[1].get("id") == flaky_task and "result" in p[1] and not p[1]["error"]
               for p in second)
    assert by_text2[("thought", "flaky result")].startswith(flaky_task)


def test_records_read_back_from_a_checkpoint_have_the_live_ids():
    async def go():
        graph = small_graph(InMemorySaver())
        config = {"configurable": {"thread_id": "t"}}
        parts = await collect(graph, {"messages": [HumanMessage("x")]}, config)
        history = [s async for s in graph.aget_state_history(config)]
        return parts, history

    parts, history = run(go())
    live = {o.msg_id_suffix: o.body for o in map_all(parts) if o.subject == "logs" and not o.msg_id_suffix.startswith("c-")}
    read_back: dict = {}
    for snap in history:
        for o in records_for_finished_tasks(snap.tasks, phases=PhaseMap(), state=MapperState()):
            read_back[o.msg_id_suffix] = o.body
    assert read_back == live


# --- hand-built parts -------------------------------------------------------------------


def result_part(name, result, task_id="t1", error=None, interrupts=()):
    return ("tasks", {"id": task_id, "name": name, "error": error, "result": result, "interrupts": list(interrupts)})


def records_of(result, name="agent", **kw):
    state = MapperState(**kw)
    map_part(("tasks", {"id": "t1", "name": name, "input": {}, "triggers": ()}), phases=PhaseMap(), state=state)
    outs = map_part(result_part(name, result), phases=PhaseMap(), state=state)
    return [o.body for o in outs + flush_pending(state)]


def test_content_blocks_reasoning_and_invalid_tool_calls():
    msg = AIMessage(
        content=[{"type": "reasoning", "reasoning": "Think first."}, {"type": "text", "text": "Then say."},
                 {"type": "image_url", "image_url": {"url": "data:"}}],
        invalid_tool_calls=[{"name": "execute", "args": "{not json", "id": "x", "error": "bad JSON", "type": "invalid_tool_call"}],
        usage_metadata={"input_tokens": 5, "output_tokens": 6, "total_tokens": 11},
        response_metadata={"model": "llama3"},
    )
    bodies = records_of({"messages": [msg]}, name="planner")
    assert bodies[0] == {"kind": "thought", "text": "Think first.\nThen say.", "phase": STRATEGIC,
                         "usage": {"input_tokens": 5, "output_tokens": 6, "model": "llama3"}}
    assert bodies[1]["kind"] == "error" and "invalid tool call execute: bad JSON: {not json" == bodies[1]["text"]


def test_tool_errors_human_messages_and_message_dicts():
    bodies = records_of({"messages": [
        ToolMessage("Error: no such tool", tool_call_id="c", name="nope", status="error"),
        HumanMessage("please hurry"),
        ("ai", "a tuple message"),
    ]}, name="tools")
    assert bodies[0] == {"kind": "observation", "text": "Error: no such tool", "phase": TACTICAL,
                         "tool": "nope", "status": "error"}
    assert bodies[1] == {"kind": "message", "text": "operator: please hurry", "phase": TACTICAL}
    assert bodies[2]["kind"] == "thought" and bodies[2]["text"] == "a tuple message"


def test_usage_without_a_model_name_and_an_empty_answer():
    msg = AIMessage("", usage_metadata={"input_tokens": 1, "output_tokens": 0, "total_tokens": 1})
    assert records_of({"messages": msg}) == [
        {"kind": "thought", "text": "", "phase": TACTICAL, "usage": {"input_tokens": 1, "output_tokens": 0}}]


def test_state_updates_that_are_not_messages():
    bodies = records_of({"plan": ["a", "b"], "count": 2, "__private__": 1}, name="planner")
    assert bodies == [{"kind": "message", "text": 'planner updated plan: ["a","b"]; count: 2', "phase": STRATEGIC}]
    assert records_of({"plan": ["a"]}, state_records=False) == []
    # several writes to one channel
    bodies = records_of({"messages": {"$writes": [AIMessage("one"), AIMessage("two")]}})
    assert [b["text"] for b in bodies] == ["one", "two"]


def test_long_texts_are_cut_in_the_middle():
    big = "A" * (MAX_TEXT * 2) + "END"
    body = records_of({"messages": [AIMessage(big)]})[0]
    assert len(body["text"]) <= MAX_TEXT
    assert body["text"].startswith("AAAA") and body["text"].endswith("END")
    assert "characters truncated" in body["text"]


def test_errors_and_interrupts_are_published_at_once():
    state = MapperState()
    outs = map_part(result_part("executor", {}, error=PermissionError("denied")), phases=PhaseMap(), state=state)
    assert [o.body for o in outs] == [{"kind": "error", "text": "executor failed: PermissionError: denied", "phase": TACTICAL}]
    outs = map_part(result_part("planner", {}, interrupts=[{"value": {"ask": "ok?"}, "id": "i"}]), phases=PhaseMap(), state=state)
    assert [o.body["text"] for o in outs] == ['planner interrupted: {"ask":"ok?"}']


def test_custom_records_are_kept_as_given_and_numbered_per_step():
    state = MapperState()
    phases = PhaseMap()
    map_part(("checkpoints", {"config": {"configurable": {"checkpoint_id": "ck1"}}, "metadata": {"step": 3},
                              "tasks": [{"id": "a", "name": "planner"}]}), phases=phases, state=state)
    map_part(("tasks", {"id": "a", "name": "planner", "input": {}, "triggers": ()}), phases=phases, state=state)
    one = map_part(("custom", {"kind": "observation", "content": "50%", "phase": "REVIEW", "skip": None}), phases=phases, state=state)
    two = map_part(("custom", {"kind": "observation", "content": "50%", "phase": "REVIEW"}), phases=phases, state=state)
    three = map_part(("custom", "plain text"), phases=phases, state=state)
    assert one[0].body == {"kind": "observation", "text": "50%", "phase": "REVIEW"}
    assert one[0].msg_id_suffix != two[0].msg_id_suffix  # the same content twice is two records
    assert three[0].body == {"kind": "message", "text": "plain text", "phase": STRATEGIC}
    assert one[0].msg_id_suffix.startswith("c-ck1-")


def test_checkpoint_events_once_per_checkpoint_and_subgraph_parts_ignored():
    state = MapperState()
    phases = PhaseMap()
    part = ("checkpoints", {"config": {"configurable": {"checkpoint_id": "ck9"}}, "metadata": {"step": 9}, "tasks": []})
    assert [o.body for o in map_part(part, phases=phases, state=state)] == [{"type": "checkpoint", "path": "ck9", "step": 9}]
    assert map_part(part, phases=phases, state=state) == []  # seen again after a drain: not twice
    assert map_part(((), "custom", {"text": "root"}), phases=phases, state=state)[0].body["text"] == "root"
    assert map_part((("sub:1",), "custom", {"text": "inner"}), phases=phases, state=state) == []
    assert map_part(("values", {}), phases=phases, state=state) == []
    assert map_part("garbage", phases=phases, state=state) == []


def test_a_secret_across_a_cut_is_redacted_whole_before_the_cut():
    """The publisher redacts what it is given; a text cut first would give it half a secret,
    which no longer matches. The mapper redacts a text before cutting it."""
    from flightdeck_agent.redact import SecretScrubber

    secret = "sk-live-0123456789abcdefghijklmnop"
    scrub = SecretScrubber({"key": secret}).scrub
    head = (100 - 60) // 2  # the head _cap keeps of a 100-character limit
    thought = "a" * (head - 10) + secret + "b" * 300
    command = "c" * (70 - 10) + secret + "d" * 300  # an action's text: 200 characters, 70 kept at the head
    bodies = records_of({"messages": [AIMessage(thought, tool_calls=[
        {"name": "execute", "args": {"command": command}, "id": "c1"}])]}, max_text=100, scrub=scrub)
    texts = [bodies[0]["text"], bodies[1]["text"], bodies[1]["args"]]
    assert all("[redacted" in text for text in texts[:2])  # the label itself may be cut: never the secret
    for text in texts:
        assert "truncated" in text
        for start in range(len(secret) - 5):
            assert secret[start:start + 6] not in text, text
