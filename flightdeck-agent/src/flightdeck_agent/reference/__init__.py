"""The reference agent: ``python -m flightdeck_agent.reference``.

A planner/executor graph (see ``graph.py``) with the hardened execute tool and the file
tools, the model chosen by AGENT_MODEL (``model.py``), run by the runtime's ``main``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.messages import HumanMessage

from ..context import PodContext
from ..runner import RunOptions, main as run_main
from .graph import PHASES, build_graph, finish_summary
from .model import make_model

__all__ = ["build", "make_input", "options", "main", "build_graph"]


def build(ctx: PodContext, checkpointer: Any):
    """The compiled reference graph for this pod."""
    from ..execute import Executor, make_tools
    from ..redact import SecretScrubber

    model = make_model(ctx)
    executor = Executor(ctx, scrubber=SecretScrubber.from_context(ctx))
    return build_graph(model, make_tools(ctx, executor), checkpointer)


def make_input(ctx: PodContext) -> dict:
    """The task; with REPO_URL (a task that names a repository) the agent is told where the
    code is: it clones it with its shell (through the egress proxy) unless it is there."""
    task = ctx.prompt
    repo = (ctx.environ.get("REPO_URL") or "").strip()
    if repo:
        task += f"\n\nThe code is in the repository {repo}: clone it into the workspace first unless it is already there."
    return {"messages": [HumanMessage(task)]}


def _with_key_file(ctx: PodContext) -> PodContext:
    """An API key file outside SECRETS_DIR is a secret too: redact it like the others."""
    from .model import _api_key

    named = (ctx.environ.get("OPENAI_API_KEY_FILE") or "").strip()
    if not named or (ctx.environ.get("AGENT_MODEL") or "").startswith("scripted:"):
        return ctx
    key = _api_key(ctx)
    if key is None or key in ctx.secrets.values():
        return ctx
    return replace(ctx, secrets={**ctx.secrets, "OPENAI_API_KEY_FILE": key})


def options() -> RunOptions:
    return RunOptions(phases=PHASES, summarize=finish_summary, prepare_context=_with_key_file)


def main() -> None:
    run_main(build, make_input, options())
