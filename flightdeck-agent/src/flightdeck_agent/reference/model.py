"""The reference agent's chat model, chosen by AGENT_MODEL.

``scripted:<name|/path.json>`` is the scripted model (no network: the demo and the tests);
anything else is a model name on an OpenAI-compatible endpoint (OPENAI_BASE_URL: Ollama,
llama.cpp's server, vLLM, or a hosted API). The API key is read from a secret FILE, never
from an environment variable's value: environment variables leak into child processes,
crash reports and `kubectl describe`.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.language_models import BaseChatModel

from ..context import ContractError, PodContext
from ..scripted import ScriptedChatModel, ScriptError, load_script

DEFAULT_MODEL = "gpt-4o-mini"
API_KEY_SECRET = "openai-api-key"
DEFAULT_TIMEOUT = 300.0


def make_model(ctx: PodContext) -> BaseChatModel:
    env = ctx.environ
    spec = (env.get("AGENT_MODEL") or "").strip() or DEFAULT_MODEL
    delay = _step_delay(ctx)
    if spec.startswith("scripted:"):
        name = spec[len("scripted:"):].strip()
        try:
            script = load_script(name)
        except ScriptError as exc:
            raise ContractError(str(exc), "AGENT_MODEL", ctx.fatal_exit_code) from None
        call_log = (env.get("SCRIPTED_CALL_LOG") or "").strip() or None
        # What a `raise_once` step already raised is kept beside the checkpoint, so a retried
        # pod answers instead of raising again.
        state_dir = str(ctx.checkpoint_path.parent / "scripted-model")
        return ScriptedChatModel(script=script, step_delay=delay, call_log=call_log, state_dir=state_dir)
    return _openai_model(ctx, spec)


def _step_delay(ctx: PodContext) -> float:
    raw = (ctx.environ.get("AGENT_STEP_DELAY") or "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ContractError(f"AGENT_STEP_DELAY {raw[:20]!r} is not a number of seconds (0 to 3600)", "environment", ctx.fatal_exit_code)
    return value


def _timeout(ctx: PodContext) -> float:
    """OPENAI_TIMEOUT: seconds per model request, 1 to 86400 (default 300)."""
    raw = (ctx.environ.get("OPENAI_TIMEOUT") or "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 1 <= value <= 86400:  # NaN too
        raise ContractError(f"OPENAI_TIMEOUT {raw[:20]!r} is not a number of seconds (1 to 86400)", "environment",
                            ctx.fatal_exit_code)
    return value


def _openai_model(ctx: PodContext, model: str) -> BaseChatModel:
    env = ctx.environ
    base_url = (env.get("OPENAI_BASE_URL") or "").strip() or None
    timeout = _timeout(ctx)
    key = _api_key(ctx)
    if key is None and base_url is None:
        raise ContractError(
            f"no API key: put it in the secret file {API_KEY_SECRET} (or name a file in OPENAI_API_KEY_FILE), "
            "or set OPENAI_BASE_URL to a server that needs none",
            "SECRETS_DIR",
            ctx.fatal_exit_code,
        )
    from langchain_openai import ChatOpenAI  # heavy: only when a real model is used

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=key or "no-key",  # local servers (Ollama, llama.cpp) ignore it
        timeout=timeout,
        max_retries=2,
    )


def _api_key(ctx: PodContext) -> str | None:
    named = (ctx.environ.get("OPENAI_API_KEY_FILE") or "").strip()
    if named:
        try:
            text = Path(named).read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise ContractError(f"OPENAI_API_KEY_FILE cannot be read: {exc.strerror or exc}", named, ctx.fatal_exit_code) from None
        if not text:
            raise ContractError("OPENAI_API_KEY_FILE is empty", named, ctx.fatal_exit_code)
        return text
    key = ctx.secrets.get(API_KEY_SECRET, "").strip()
    return key or None
