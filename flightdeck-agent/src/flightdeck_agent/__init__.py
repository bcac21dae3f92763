"""flightdeck-agent: the runtime real LangGraph agents run in under Flightdeck.

`context()` reads the pod contract; `run_graph()` runs a compiled graph with the trace, checkpoints,
liveness, commands and exit codes Flightdeck expects. Everything but the pod contract is imported
on first use (so `python -m flightdeck_agent.reference --help`-style paths and a bad environment
fail fast, before langgraph is loaded).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .context import ContractError, PodContext, context, exit_on_contract_error

__version__ = "0.1.0"

_LAZY = {
    "run_graph": "runner",
    "RunOptions": "runner",
    "main": "runner",
    "PhaseMap": "adapter",
    "TracePublisher": "publisher",
    "SecretScrubber": "redact",
    "Heartbeat": "heartbeat",
    "CommandListener": "commands",
    "Executor": "execute",
    "ExecuteResult": "execute",
    "make_tools": "execute",
    "WorkspaceLister": "workspace",
    "classify": "exitcodes",
}

__all__ = ["ContractError", "PodContext", "context", "exit_on_contract_error", *_LAZY]

if TYPE_CHECKING:
    from .adapter import PhaseMap
    from .commands import CommandListener
    from .execute import ExecuteResult, Executor, make_tools
    from .exitcodes import classify
    from .heartbeat import Heartbeat
    from .publisher import TracePublisher
    from .redact import SecretScrubber
    from .runner import RunOptions, main, run_graph
    from .workspace import WorkspaceLister


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flightdeck_agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
