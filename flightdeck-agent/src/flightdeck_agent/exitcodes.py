"""Exit codes the Job's podFailurePolicy acts on, and the classification of what ended a run.

- 0: done.
- FATAL_EXIT_CODE (42 by default): a retry would fail the same way (bad prompt, credentials
  rejected, a request the model endpoint refuses, the graph looping past its recursion limit):
  the Job fails at once instead of burning its retries.
- 75 (EX_TEMPFAIL): the upstream is busy or unreachable (rate limits, 5xx, timeouts, connection
  errors): the Job's retry resumes from the checkpoint later.
- 1: anything else (a bug; retried up to the Job's backoffLimit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .context import ContractError

SUCCESS = 0
FAILURE = 1
TRANSIENT = 75  # EX_TEMPFAIL
TERMINATED = 143  # 128 + SIGTERM: the pod was stopped; the Job's policy decides
DEFAULT_FATAL = 42

_TRANSIENT_STATUS = {408, 409, 425, 429}
_FATAL_STATUS = {400, 401, 402, 403, 404, 405, 406, 410, 413, 415, 422}
_HTTPX = ("httpx", "httpx2", "httpcore", "httpcore2")


class BadPromptError(ValueError):
    """The task's prompt cannot be worked on (raised by agent code; classified fatal)."""


def classify(exc: BaseException, fatal_exit_code: int = DEFAULT_FATAL,
             scrub: Callable[[str], str] | None = None) -> tuple[int, str]:
    """(exit code, one-line reason) for the exception that ended the run.

    The exception and its causes (`raise … from …`, the exception being handled) are looked at in
    turn; the first that is recognised decides, and the reason names it. Exception groups: fatal
    wins, then transient. `scrub` redacts the reason before it is cut (no half secret).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        kind = _kind(current, fatal_exit_code)
        if kind is not None:
            return kind, _reason(current, scrub)
        current = current.__cause__ or current.__context__
    return FAILURE, _reason(exc, scrub)


def _kind(exc: BaseException, fatal: int) -> int | None:
    if isinstance(exc, BaseExceptionGroup):
        kinds = {_kind(member, fatal) for member in exc.exceptions}
        for wanted in (fatal, TRANSIENT, FAILURE):
            if wanted in kinds:
                return wanted
        return None
    if isinstance(exc, (ContractError, BadPromptError)):
        return fatal
    if _is_graph_recursion(exc):
        return fatal
    openai_kind = _openai_kind(exc, fatal)
    if openai_kind is not None:
        return openai_kind
    if _named(exc, _HTTPX, "TransportError") or _named(exc, _HTTPX, "TimeoutException"):
        return TRANSIENT
    if _named(exc, ("httpcore", "httpcore2"), "NetworkError") or _named(exc, ("httpcore", "httpcore2"), "TimeoutException"):
        return TRANSIENT
    status = _status_code(exc)
    if status is not None:
        if status in _TRANSIENT_STATUS or 500 <= status <= 599:
            return TRANSIENT
        if status in _FATAL_STATUS:
            return fatal
        return None
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return TRANSIENT
    return None


def _openai_kind(exc: BaseException, fatal: int) -> int | None:
    try:
        import openai
    except ImportError:  # pragma: no cover - openai comes with langchain-openai
        return None
    if isinstance(exc, (openai.RateLimitError, openai.APIConnectionError, openai.InternalServerError)):
        return TRANSIENT  # APITimeoutError is an APIConnectionError
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError, openai.BadRequestError,
                        openai.NotFoundError, openai.UnprocessableEntityError)):
        return fatal
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in _TRANSIENT_STATUS or status >= 500:
            return TRANSIENT
        if status in _FATAL_STATUS:
            return fatal
    return None


def _is_graph_recursion(exc: BaseException) -> bool:
    try:
        from langgraph.errors import GraphRecursionError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, GraphRecursionError)


def _named(exc: BaseException, packages: tuple[str, ...], name: str) -> bool:
    """Whether a class named `name` from one of `packages` is among exc's classes (httpx and its
    fork httpx2 are both in use, and need not be importable)."""
    return any(cls.__name__ == name and cls.__module__.split(".")[0] in packages for cls in type(exc).__mro__)


def _status_code(exc: BaseException) -> int | None:
    for owner in (exc, getattr(exc, "response", None)):
        status = getattr(owner, "status_code", None)
        if isinstance(status, int) and 100 <= status <= 599:
            return status
    return None


def _reason(exc: BaseException, scrub: Callable[[str], str] | None = None) -> str:
    """`Type: first line of the message`, redacted, printable, at most 300 characters."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if scrub is not None:
        text = scrub(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= 300 else text[:299] + "…"
