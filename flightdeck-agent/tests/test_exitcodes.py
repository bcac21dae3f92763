"""Exit codes from what ended a run, with real openai, httpx and langgraph exception objects."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
from langgraph.errors import GraphRecursionError

from flightdeck_agent import ContractError
from flightdeck_agent.exitcodes import FAILURE, TRANSIENT, BadPromptError, classify

FATAL = 42
URL = "https://api.openai.com/v1/chat/completions"


def _response(status: int) -> httpx.Response:
    request = httpx.Request("POST", URL, headers={"Authorization": "Bearer sk-live-secret"})
    return httpx.Response(status, request=request, json={"error": {"message": "nope", "code": str(status)}})


def _status_error(cls: type[openai.APIStatusError], status: int) -> openai.APIStatusError:
    return cls(f"Error code: {status} - nope", response=_response(status), body={"message": "nope"})


CASES = [
    (_status_error(openai.RateLimitError, 429), TRANSIENT),
    (_status_error(openai.InternalServerError, 500), TRANSIENT),
    (_status_error(openai.InternalServerError, 503), TRANSIENT),
    (_status_error(openai.APIStatusError, 529), TRANSIENT),
    (_status_error(openai.APIStatusError, 408), TRANSIENT),
    (openai.APIConnectionError(request=httpx.Request("POST", URL)), TRANSIENT),
    (openai.APITimeoutError(request=httpx.Request("POST", URL)), TRANSIENT),
    (_status_error(openai.AuthenticationError, 401), FATAL),
    (_status_error(openai.PermissionDeniedError, 403), FATAL),
    (_status_error(openai.BadRequestError, 400), FATAL),
    (_status_error(openai.NotFoundError, 404), FATAL),
    (_status_error(openai.UnprocessableEntityError, 422), FATAL),
    (httpx.ConnectError("connection refused", request=httpx.Request("POST", URL)), TRANSIENT),
    (httpx.ReadTimeout("timed out", request=httpx.Request("POST", URL)), TRANSIENT),
    (httpx.HTTPStatusError("bad gateway", request=httpx.Request("POST", URL), response=_response(502)), TRANSIENT),
    (httpx.HTTPStatusError("unauthorized", request=httpx.Request("POST", URL), response=_response(401)), FATAL),
    (asyncio.TimeoutError(), TRANSIENT),
    (ConnectionResetError(104, "Connection reset by peer"), TRANSIENT),
    (ContractError("TASK_PROMPT_FILE is empty", "/var/run/flightdeck/task-prompt"), FATAL),
    (BadPromptError("the prompt asks for nothing"), FATAL),
    (GraphRecursionError("Recursion limit of 25 reached without hitting a stop condition."), FATAL),
    (ValueError("a tool call the model garbled"), FAILURE),
    (KeyError("state"), FAILURE),
    (RuntimeError("a bug"), FAILURE),
]


@pytest.mark.parametrize("exc,code", CASES, ids=[f"{type(exc).__name__}-{n}" for n, (exc, _) in enumerate(CASES)])
def test_classify(exc: BaseException, code: int) -> None:
    got, reason = classify(exc, FATAL)
    assert got == code
    assert reason.startswith(type(exc).__name__)
    assert "\n" not in reason and len(reason) <= 300


def test_the_fatal_code_is_the_pods() -> None:
    assert classify(_status_error(openai.AuthenticationError, 401), 7)[0] == 7


def test_causes_are_looked_at() -> None:
    try:
        try:
            raise _status_error(openai.RateLimitError, 429)
        except openai.RateLimitError as inner:
            raise RuntimeError("the model node failed") from inner
    except RuntimeError as outer:
        # The reason names the exception that decided.
        assert classify(outer, FATAL) == (TRANSIENT, "RateLimitError: Error code: 429 - nope")


def test_exception_groups_fatal_wins() -> None:
    group = ExceptionGroup("tasks", [asyncio.TimeoutError(), _status_error(openai.AuthenticationError, 401)])
    assert classify(group, FATAL)[0] == FATAL
    assert classify(ExceptionGroup("tasks", [ValueError("x"), asyncio.TimeoutError()]), FATAL)[0] == TRANSIENT


def test_reasons_are_one_printable_line() -> None:
    code, reason = classify(RuntimeError("first line\x1b[31m" + "x" * 400 + "\nsecond line"), FATAL)
    assert code == FAILURE
    assert reason.startswith("RuntimeError: first line [31mxxx")
    assert "second line" not in reason and len(reason) == 300 and reason.endswith("x…")


def test_a_reason_is_redacted_before_it_is_cut() -> None:
    """A secret across the 300-character cut must not be published in part."""
    from flightdeck_agent.redact import SecretScrubber

    secret = "sk-live-0123456789abcdefghijklmnop"
    scrub = SecretScrubber({"key": secret}).scrub
    code, reason = classify(RuntimeError("y" * 270 + secret), FATAL, scrub=scrub)
    assert code == FAILURE and len(reason) <= 300
    for start in range(len(secret) - 5):
        assert secret[start:start + 6] not in reason, reason
    assert reason == "RuntimeError: " + "y" * 270 + "[redacted:key]"
