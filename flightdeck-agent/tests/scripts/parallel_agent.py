"""A test agent with two parallel nodes, run by the runtime's ``main`` as a real process.

``fast`` finishes at once; ``slow`` writes a custom record, then waits while the file
``hold`` exists in the workspace. Killing the process while ``slow`` waits leaves the fast
task's writes saved but the step unfinished: on restart LangGraph does not run ``fast``
again, and the runtime must still publish its records.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from flightdeck_agent import PhaseMap
from flightdeck_agent.runner import RunOptions, main


class State(TypedDict):
    messages: Annotated[list, add_messages]


def build(ctx, saver):
    log = ctx.workspace / "ran.log"

    def mark(text: str) -> None:
        with open(log, "a") as f:
            f.write(text + "\n")

    async def plan(state):
        mark("plan")
        return {"messages": [AIMessage("plan: fast and slow at once")]}

    async def fast(state):
        mark("fast")
        return {"messages": [AIMessage("fast done")]}

    async def slow(state):
        mark("slow-start")
        get_stream_writer()({"kind": "message", "text": "slow is waiting"})
        while (ctx.workspace / "hold").exists():
            await asyncio.sleep(0.02)
        mark("slow-done")
        return {"messages": [AIMessage("slow done")]}

    async def review(state):
        mark("review")
        return {"messages": [AIMessage("reviewed both")]}

    g = StateGraph(State)
    for name, fn in (("plan", plan), ("fast", fast), ("slow", slow), ("review", review)):
        g.add_node(name, fn)
    g.add_edge(START, "plan")
    g.add_edge("plan", "fast")
    g.add_edge("plan", "slow")
    g.add_edge(["fast", "slow"], "review")
    g.add_edge("review", END)
    return g.compile(checkpointer=saver)


if __name__ == "__main__":
    main(build, lambda ctx: {"messages": [HumanMessage(ctx.prompt)]},
         RunOptions(phases=PhaseMap({"plan": "STRATEGIC", "review": "STRATEGIC", "fast": "TACTICAL", "slow": "TACTICAL"})))
