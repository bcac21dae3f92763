"""The scripted chat model: deterministic from the conversation, a believable demo, clear errors."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from flightdeck_agent.scripted import (
    RAISABLE,
    ScriptedChatModel,
    ScriptError,
    ScriptExhausted,
    load_script,
    make_error,
)

SCRIPT = {
    "name": "t",
    "model": "scripted-t",
    "steps": [
        {"content": "first", "usage": {"input_tokens": 3, "output_tokens": 4}},
        {"content": "call", "tool_calls": [{"name": "execute", "args": {"command": "ls"}},
                                           {"name": "read_file", "args": {"path": "a"}, "id": "given"}]},
        {"content": "you said: {{last_human}} / saw: {{last_observation}}"},
        {"raise": "RateLimitError", "message": "slow down"},
    ],
}


def ask(model, messages):
    return asyncio.run(model.ainvoke(messages))


def test_the_answer_depends_only_on_the_conversation():
    model = ScriptedChatModel(script=SCRIPT)
    convo = [SystemMessage("sys"), HumanMessage("go")]
    first = ask(model, convo)
    again = ask(model, convo)  # asked twice (a re-run after a crash): the same answer
    assert first.content == again.content == "first"
    assert first.usage_metadata == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}
    assert first.response_metadata["model_name"] == "scripted-t"
    # a fresh model object, same conversation: same answer
    assert ask(ScriptedChatModel(script=SCRIPT), convo).content == "first"
    second = ask(model, [*convo, first])
    assert second.content == "call"
    assert [(c["name"], c["args"], c["id"]) for c in second.tool_calls] == [
        ("execute", {"command": "ls"}, "call_1_0"), ("read_file", {"path": "a"}, "given")]
    assert second.response_metadata["finish_reason"] == "tool_calls"
    # computed usage is stable
    assert second.usage_metadata == ask(model, [*convo, first]).usage_metadata
    assert second.usage_metadata["input_tokens"] > 0


def test_templates_echo_the_conversation():
    model = ScriptedChatModel(script=SCRIPT)
    convo = [HumanMessage("task"), AIMessage("a"), AIMessage("b"), ToolMessage("out 1", tool_call_id="x"),
             HumanMessage("Operator instruction: use tabs")]
    assert ask(model, convo).content == "you said: Operator instruction: use tabs / saw: out 1"


def test_bound_tools_still_answer_from_the_script():
    @tool
    def execute(command: str) -> str:
        """run"""
        return command

    bound = ScriptedChatModel(script=SCRIPT).bind_tools([execute, {"name": "finish"}])
    assert bound.bound_tools == ["execute", "finish"]
    assert ask(bound, [HumanMessage("go")]).content == "first"


def test_a_step_raises_the_error_class_it_names():
    model = ScriptedChatModel(script=SCRIPT)
    convo = [HumanMessage("go"), AIMessage("1"), AIMessage("2"), AIMessage("3")]
    with pytest.raises(openai.RateLimitError) as info:
        ask(model, convo)
    assert info.value.status_code == 429 and "slow down" in str(info.value)


@pytest.mark.parametrize("name", RAISABLE)
def test_every_raisable_error_is_the_real_class(name):
    exc = make_error(name, "boom")
    assert type(exc).__name__ == name
    if hasattr(openai, name):
        assert isinstance(exc, getattr(openai, name))


def test_past_the_end_of_the_script_is_an_error():
    model = ScriptedChatModel(script={"steps": [{"content": "only"}]})
    with pytest.raises(ScriptExhausted, match="has 1 steps, the conversation asks for step 2"):
        ask(model, [HumanMessage("go"), AIMessage("only")])


def test_the_call_log_records_each_answered_index(tmp_path):
    log = tmp_path / "calls"
    model = ScriptedChatModel(script=SCRIPT, call_log=str(log))
    ask(model, [HumanMessage("go")])
    ask(model, [HumanMessage("go"), AIMessage("x")])
    assert log.read_text() == "0\n1\n"


def test_step_delay_comes_from_the_step_or_the_model():
    model = ScriptedChatModel(script={"steps": [{"content": "a", "delay": 0.25}, {"content": "b"}]}, step_delay=2.0)
    assert model._delay([HumanMessage("x")]) == 0.25
    assert model._delay([HumanMessage("x"), AIMessage("a")]) == 2.0


@pytest.mark.parametrize("script, message", [
    (b"{not json", "not valid UTF-8 JSON"),
    (b"\xff\xfe", "not valid UTF-8 JSON"),
    (b"[]", 'a JSON object with a "steps" list'),
    (b'{"steps": [1]}', "a step is a JSON object (%s, step 0)"),
    (b'{"steps": [{"content": "a", "colour": 1}]}', "unknown step field 'colour'"),
    (b'{"steps": [{"raise": "KeyboardInterrupt"}]}', '"raise" must be one of'),
    (b'{"steps": [{"tool_calls": [{"args": {}}]}]}', '"tool_calls" is a list'),
    (b'{"steps": [{"usage": {"input_tokens": "3"}, "content": ""}]}', '"usage" is'),
    (b'{"steps": [{}]}', 'a step needs "content", "tool_calls" or "raise"'),
    (b'{"steps": [{"content": "a", "delay": -1}]}', '"delay" is a number'),
])
def test_bad_scripts_are_refused_with_the_place(tmp_path, script, message):
    path = tmp_path / "s.json"
    path.write_bytes(script)
    with pytest.raises(ScriptError) as info:
        load_script(str(path))
    text = str(info.value)
    assert (message % path if "%s" in message else message) in text
    assert str(path) in text and "\n" not in text


def test_missing_scripts():
    with pytest.raises(ScriptError, match="no built-in script named 'nope'"):
        load_script("nope")
    with pytest.raises(ScriptError, match="cannot read script"):
        load_script("/nonexistent/dir/s.json")


def test_the_demo_is_a_plan_act_observe_story():
    demo = load_script("demo")
    steps = demo["steps"]
    nodes = [s["node"] for s in steps]
    # several STRATEGIC/TACTICAL alternations, ending with the planner's finish
    switches = sum(1 for a, b in zip(nodes, nodes[1:]) if a != b)
    assert nodes[0] == "planner" and switches >= 6
    assert steps[-1]["tool_calls"][0]["name"] == "finish"
    tools = [c["name"] for s in steps for c in s.get("tool_calls", [])]
    assert {"execute", "write_file", "read_file"} <= set(tools)
    # its routing follows the reference graph: the executor reports in plain text, the
    # planner never calls a tool but finish
    for step in steps:
        if step["node"] == "planner":
            assert all(c["name"] == "finish" for c in step.get("tool_calls", []))
    commands = [c["args"]["command"] for s in steps for c in s.get("tool_calls", []) if c["name"] == "execute"]
    assert commands.count("python3 test_wordfreq.py") == 2
    json.dumps(demo)  # plain JSON


def test_raise_once_refuses_the_first_time_only_and_remembers_it_across_processes(tmp_path):
    script = {"name": "once", "steps": [{"content": "plan"}, {"raise_once": "RateLimitError", "message": "busy", "content": "ok"}]}
    convo = [HumanMessage("go"), AIMessage("plan")]
    first = ScriptedChatModel(script=script, state_dir=str(tmp_path / "state"))
    with pytest.raises(openai.RateLimitError):
        ask(first, convo)
    assert ask(first, convo).content == "ok"
    # A new model (a restarted pod) with the same state directory answers at once.
    again = ScriptedChatModel(script=script, state_dir=str(tmp_path / "state"))
    assert ask(again, convo).content == "ok"
    # Without a state directory it is once per model instance.
    memory = ScriptedChatModel(script=script)
    with pytest.raises(openai.RateLimitError):
        ask(memory, convo)
    assert ask(memory, convo).content == "ok"


@pytest.mark.parametrize("name", ["demo-crash", "demo-ratelimit", "demo-fatal"])
def test_the_demo_variants_are_the_demo_with_one_fault(name):
    demo, variant = load_script("demo")["steps"], load_script(name)["steps"]
    assert len(variant) == len(demo)
    changed = [i for i, (a, b) in enumerate(zip(demo, variant)) if a != b]
    assert len(changed) == 1
