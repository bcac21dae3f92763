"""A chat model that answers from a script: the one stand-in for an LLM the tests allow.

The answer depends only on the conversation it is given (its index is the number of
assistant messages so far), never on how often it was called: a process killed and
restarted from a checkpoint asks the same question and gets the same answer, which is what
lets the resume tests compare a killed run with an uninterrupted one. The demo uses it too,
so Flightdeck can show a real LangGraph agent without a network.

Script format (JSON; documented in docs/agent-runtime.md)::

    {"name": "demo", "model": "scripted-demo",
     "steps": [
       {"content": "text", "tool_calls": [{"name": "execute", "args": {"command": "ls"}}],
        "usage": {"input_tokens": 10, "output_tokens": 5}, "delay": 0.5},
       {"raise": "RateLimitError", "message": "slow down"},
       {"raise_once": "RateLimitError", "content": "answered after one refusal"}
     ]}

``raise_once`` raises before the step's answer the first time that step is asked for, and
answers from then on: once per workspace when the model has a ``state_dir`` (the demo's
rate limit, retried by the Job, then passing), once per process otherwise.
"""

from __future__ import annotations

import asyncio
import json
import time
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from .adapter import content_text
from .exitcodes import BadPromptError

_STEP_KEYS = {"content", "tool_calls", "usage", "raise", "raise_once", "message", "delay", "note", "node"}
_OPENAI_ERRORS = {
    "RateLimitError": 429,
    "AuthenticationError": 401,
    "PermissionDeniedError": 403,
    "BadRequestError": 400,
    "NotFoundError": 404,
    "InternalServerError": 500,
}
_BUILTIN_ERRORS = {
    "ValueError": ValueError,
    "RuntimeError": RuntimeError,
    "TimeoutError": TimeoutError,
    "ConnectionError": ConnectionError,
    "BadPromptError": BadPromptError,
}
RAISABLE = sorted([*_OPENAI_ERRORS, "APIConnectionError", "APITimeoutError", *_BUILTIN_ERRORS])


class ScriptError(ValueError):
    """The script cannot be used; the message names the file and the step."""


class ScriptExhausted(BadPromptError):
    """The conversation went past the script's last step: a logic error a retry would repeat,
    so it is classified fatal."""


def load_script(spec: str) -> dict:
    """Load and check a script: a built-in name (``demo``) or a path to a JSON file."""
    if "/" not in spec and not spec.endswith(".json"):
        where = f"built-in script {spec!r}"
        try:
            raw = resources.files("flightdeck_agent.reference").joinpath("scripts", f"{spec}.json").read_bytes()
        except (FileNotFoundError, OSError):
            raise ScriptError(f"no built-in script named {spec!r}") from None
    else:
        where = spec
        try:
            raw = Path(spec).read_bytes()
        except OSError as exc:
            raise ScriptError(f"cannot read script: {exc.strerror or exc} ({spec})") from None
    try:
        script = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScriptError(f"script is not valid UTF-8 JSON: {exc} ({where})") from None
    check_script(script, where)
    return script


def check_script(script: Any, where: str = "script") -> None:
    if not isinstance(script, dict) or not isinstance(script.get("steps"), list):
        raise ScriptError(f"a script is a JSON object with a \"steps\" list ({where})")
    for key in ("name", "model"):
        if key in script and not isinstance(script[key], str):
            raise ScriptError(f"\"{key}\" must be a string ({where})")
    for i, step in enumerate(script["steps"]):
        at = f"{where}, step {i}"
        if not isinstance(step, dict):
            raise ScriptError(f"a step is a JSON object ({at})")
        unknown = set(step) - _STEP_KEYS
        if unknown:
            raise ScriptError(f"unknown step field {sorted(unknown)[0]!r} ({at})")
        if "raise" in step:
            if step["raise"] not in RAISABLE:
                raise ScriptError(f"\"raise\" must be one of {', '.join(RAISABLE)} ({at})")
            continue
        if "raise_once" in step and step["raise_once"] not in RAISABLE:
            raise ScriptError(f"\"raise_once\" must be one of {', '.join(RAISABLE)} ({at})")
        if not isinstance(step.get("content", ""), str):
            raise ScriptError(f"\"content\" must be a string ({at})")
        calls = step.get("tool_calls", [])
        if not isinstance(calls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("args", {}), dict)
            for c in calls
        ):
            raise ScriptError(f"\"tool_calls\" is a list of {{\"name\": str, \"args\": object}} ({at})")
        if "content" not in step and not calls:
            raise ScriptError(f"a step needs \"content\", \"tool_calls\" or \"raise\" ({at})")
        usage = step.get("usage", {})
        if not isinstance(usage, dict) or not all(
            isinstance(usage.get(k, 0), int) for k in ("input_tokens", "output_tokens")
        ):
            raise ScriptError(f"\"usage\" is {{\"input_tokens\": int, \"output_tokens\": int}} ({at})")
        if not isinstance(step.get("delay", 0), (int, float)) or step.get("delay", 0) < 0:
            raise ScriptError(f"\"delay\" is a number of seconds ≥ 0 ({at})")


def make_error(name: str, message: str) -> BaseException:
    """An instance of the error class a step names, built as the real client would raise it."""
    if name in _BUILTIN_ERRORS:
        return _BUILTIN_ERRORS[name](message)
    import openai

    try:
        import httpx2 as httpx  # the HTTP client openai 3.x is built on
    except ImportError:  # pragma: no cover - older openai
        import httpx
    request = httpx.Request("POST", "https://scripted.invalid/v1/chat/completions")
    if name == "APIConnectionError":
        return openai.APIConnectionError(message=message, request=request)
    if name == "APITimeoutError":
        return openai.APITimeoutError(request=request)
    response = httpx.Response(_OPENAI_ERRORS[name], request=request)
    return getattr(openai, name)(message, response=response, body={"error": {"message": message}})


class ScriptedChatModel(BaseChatModel):
    """Deterministic chat model driven by a JSON script (see the module docstring)."""

    script: dict
    step_delay: float = 0.0
    call_log: str | None = None
    bound_tools: list[str] = []
    # Where ``raise_once`` remembers what it raised (survives a restart); None: in memory.
    state_dir: str | None = None
    raised: set[int] = set()

    @property
    def _llm_type(self) -> str:
        return "flightdeck-scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"script": self.script.get("name", "script")}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        names = [getattr(t, "name", None) or (t.get("name") if isinstance(t, dict) else getattr(t, "__name__", "")) for t in tools]
        return self.model_copy(update={"bound_tools": [str(n) for n in names]})

    def answer(self, messages: list[BaseMessage]) -> AIMessage:
        """The scripted answer to this conversation (raises the step's error if it says so)."""
        index = sum(1 for m in messages if isinstance(m, AIMessage))
        steps = self.script["steps"]
        name = self.script.get("name", "script")
        if self.call_log:
            with open(self.call_log, "a", encoding="utf-8") as log:
                log.write(f"{index}\n")
        if index >= len(steps):
            raise ScriptExhausted(
                f"scripted model: script {name!r} has {len(steps)} steps, the conversation asks for step {index + 1}"
            )
        step = steps[index]
        if "raise" in step:
            raise make_error(step["raise"], step.get("message") or f"scripted {step['raise']}")
        if "raise_once" in step and self._first_time(index):
            raise make_error(step["raise_once"], step.get("message") or f"scripted {step['raise_once']}")
        content = _fill(step.get("content", ""), messages)
        calls = [
            {"name": c["name"], "args": c.get("args", {}), "id": c.get("id") or f"call_{index}_{j}", "type": "tool_call"}
            for j, c in enumerate(step.get("tool_calls", []))
        ]
        usage = step.get("usage") or {}
        input_tokens = usage.get("input_tokens", _tokens(" ".join(content_text(m.content) for m in messages)))
        output_tokens = usage.get("output_tokens", _tokens(content + json.dumps([c["args"] for c in calls])))
        return AIMessage(
            content=content,
            tool_calls=calls,
            usage_metadata={
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
            response_metadata={
                "model_name": self.script.get("model", f"scripted-{name}"),
                "finish_reason": "tool_calls" if calls else "stop",
            },
        )

    def _first_time(self, index: int) -> bool:
        """True once per step: noted in ``state_dir`` (or in memory) before the raise."""
        if self.state_dir is None:
            if index in self.raised:
                return False
            self.raised.add(index)
            return True
        marker = Path(self.state_dir) / f"raised-{index}"
        if marker.exists():
            return False
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        return True

    def _delay(self, messages: list[BaseMessage]) -> float:
        index = sum(1 for m in messages if isinstance(m, AIMessage))
        steps = self.script["steps"]
        if index < len(steps) and "delay" in steps[index]:
            return float(steps[index]["delay"])
        return self.step_delay

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        delay = self._delay(messages)
        if delay:
            time.sleep(delay)
        return ChatResult(generations=[ChatGeneration(message=self.answer(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        delay = self._delay(messages)
        if delay:
            await asyncio.sleep(delay)
        return ChatResult(generations=[ChatGeneration(message=self.answer(messages))])


def _fill(content: str, messages: list[BaseMessage]) -> str:
    """``{{last_human}}`` / ``{{last_observation}}``: echo the conversation (tests use it to
    show what reached the model's input)."""
    if "{{" not in content:
        return content
    last_human = next((content_text(m.content) for m in reversed(messages) if isinstance(m, HumanMessage)), "")
    last_obs = next((content_text(m.content) for m in reversed(messages) if isinstance(m, ToolMessage)), "")
    return content.replace("{{last_human}}", last_human).replace("{{last_observation}}", last_obs)


def _tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about four characters a token."""
    return len(text) // 4 + 1
