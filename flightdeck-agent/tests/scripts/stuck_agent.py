"""A test agent whose only node is synchronous and blocks while the file ``hold`` exists in
the workspace, run by the runtime's ``main`` with a short ``step_bound``. LangGraph runs a
synchronous node in the event loop's default executor: when step_bound cuts the step off, its
thread goes on, and the process must exit all the same (exit 75)."""

from __future__ import annotations

import time
from typing import Annotated

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from flightdeck_agent import PhaseMap
from flightdeck_agent.runner import RunOptions, main


class State(TypedDict):
    messages: Annotated[list, add_messages]


def build(ctx, saver):
    def stuck(state):
        (ctx.workspace / "stuck-started").touch()
        while (ctx.workspace / "hold").exists():
            time.sleep(0.05)
        return {"messages": [AIMessage("released")]}

    g = StateGraph(State)
    g.add_node("stuck", stuck)
    g.add_edge(START, "stuck")
    return g.compile(checkpointer=saver)


if __name__ == "__main__":
    main(build, lambda ctx: {"messages": [HumanMessage(ctx.prompt)]},
         RunOptions(phases=PhaseMap({"stuck": "TACTICAL"}), step_bound=0.5))
