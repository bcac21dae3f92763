"""A test agent whose failures carry the pod's secret, run by the runtime's ``main``:
``LEAKY=handler`` reports an error to the event loop's exception handler (as a forgotten
task's failure would), ``LEAKY=prepare`` fails in ``prepare_context`` (an internal error).
Both stderr lines must come out redacted."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from flightdeck_agent import PhaseMap
from flightdeck_agent.runner import RunOptions, main

MODE = os.environ.get("LEAKY", "")


class State(TypedDict):
    messages: Annotated[list, add_messages]


def build(ctx, saver):
    secret = ctx.secrets["openai-api-key"]

    async def act(state):
        asyncio.get_running_loop().call_exception_handler(
            {"message": "a background task failed", "exception": RuntimeError(f"it held {secret}\nline two")})
        return {"messages": [AIMessage("acted")]}

    g = StateGraph(State)
    g.add_node("act", act)
    g.add_edge(START, "act")
    return g.compile(checkpointer=saver)


def prepare(ctx):
    if MODE == "prepare":
        raise RuntimeError(f"cannot use {'x' * 290}{ctx.secrets['openai-api-key']}")
    return ctx


if __name__ == "__main__":
    main(build, lambda ctx: {"messages": [HumanMessage(ctx.prompt)]},
         RunOptions(phases=PhaseMap({"act": "TACTICAL"}), prepare_context=prepare))
