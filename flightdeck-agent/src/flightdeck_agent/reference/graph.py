"""The reference agent's graph: a planner (STRATEGIC) and an executor (TACTICAL) with tools.

The planner reads the task and the executor's reports and decides the next objective, or
calls ``finish``; the executor works on the objective with the tools until it can report
back. Two nodes with their own system prompts on one conversation keep the graph small
enough to read in a minute, and give Flightdeck's timeline real phase changes.
"""

from __future__ import annotations

from typing import Annotated, Any, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, SystemMessage
from langchain_core.tools import BaseTool, tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolInvocationError
from typing_extensions import TypedDict

from ..adapter import STRATEGIC, TACTICAL, PhaseMap

PLANNER = "planner"
EXECUTOR = "executor"
TOOLS = "tools"
PHASES = PhaseMap({PLANNER: STRATEGIC, EXECUTOR: TACTICAL, TOOLS: TACTICAL})

PLANNER_PROMPT = """You are the planner of a coding agent working in a workspace directory.
Read the task and the executor's reports. Reply with a short analysis and the next concrete
objective for the executor (it has a shell and file tools; you do not). When the task is
done, or cannot be done, call the `finish` tool with a one-line summary instead.
Operator instructions arrive as user messages: follow them."""

EXECUTOR_PROMPT = """You are the executor of a coding agent. Work on the planner's latest
objective with your tools: `execute` runs a shell command in the workspace, `read_file`,
`write_file` and `list_files` work on files there. Keep commands short and non-interactive.
When the objective is reached, or you are stuck, reply without a tool call: a short report
of what you did and saw, for the planner."""


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


@tool
def finish(summary: str) -> str:
    """Finish the task with a one-line summary of the outcome."""
    return summary


def tool_failure_answer(error: Exception) -> str:
    """What the model reads when a tool raised: an observation, not the end of the run (a
    raising tool would end it, and the checkpointed call would raise again on every retry)."""
    if isinstance(error, ToolInvocationError):  # arguments that do not fit the schema
        return error.message
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return "error: the tool failed: " + (text if len(text) <= 500 else text[:500] + "…")


def build_graph(model: BaseChatModel, tools: Sequence[BaseTool], checkpointer: Any = None):
    """The compiled planner/executor graph (``checkpointer``: the runner's saver)."""
    planner_model = model.bind_tools([finish])
    executor_model = model.bind_tools(list(tools))

    async def planner(state: AgentState) -> dict:
        reply = await planner_model.ainvoke([SystemMessage(PLANNER_PROMPT), *state["messages"]])
        reply.name = PLANNER
        return {"messages": [reply]}

    async def executor(state: AgentState) -> dict:
        reply = await executor_model.ainvoke([SystemMessage(EXECUTOR_PROMPT), *state["messages"]])
        reply.name = EXECUTOR
        return {"messages": [reply]}

    def after_planner(state: AgentState) -> str:
        last = state["messages"][-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        if any(c["name"] == "finish" for c in calls):
            return END
        return TOOLS if calls else EXECUTOR

    def after_executor(state: AgentState) -> str:
        last = state["messages"][-1]
        return TOOLS if isinstance(last, AIMessage) and last.tool_calls else PLANNER

    graph = StateGraph(AgentState)
    graph.add_node(PLANNER, planner)
    graph.add_node(EXECUTOR, executor)
    graph.add_node(TOOLS, ToolNode(list(tools), handle_tool_errors=tool_failure_answer))
    graph.add_edge(START, PLANNER)
    graph.add_conditional_edges(PLANNER, after_planner, [EXECUTOR, TOOLS, END])
    graph.add_conditional_edges(EXECUTOR, after_executor, [TOOLS, PLANNER])
    graph.add_edge(TOOLS, EXECUTOR)
    return graph.compile(checkpointer=checkpointer)


def finish_summary(values: dict) -> str | None:
    """The summary the planner passed to ``finish``, if it did."""
    for msg in reversed(values.get("messages") or []):
        if isinstance(msg, AIMessage):
            for call in msg.tool_calls or ():
                if call["name"] == "finish":
                    return str(call["args"].get("summary") or "")
            return None
    return None
