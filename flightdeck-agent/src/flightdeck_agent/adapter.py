"""Pure mapping from LangGraph stream parts to Flightdeck trace records and control events.

Kept free of I/O so that every rule (which record a part becomes, which phase a node is in,
which id a record gets) is tested on real stream parts without a server. The runner feeds
the parts of ``graph.astream(stream_mode=["updates", "tasks", "checkpoints", "custom"])``
through :func:`map_part` and publishes what comes out.

Message ids are deterministic: a record's id is made of the LangGraph task id (itself a
hash of the checkpoint, the step and the node), the record's index in the task, and a short
hash of its content. A task that runs again after a crash, from the same checkpoint, with
the same answer, republishes under the same ids and JetStream drops the copies; a re-run
that answers differently gets new ids, so the trace shows both runs instead of hiding the
second behind the first's ids.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    convert_to_messages,
)

STRATEGIC = "STRATEGIC"
TACTICAL = "TACTICAL"

#: The stream modes the runner asks LangGraph for; map_part understands exactly these.
STREAM_MODES = ("updates", "tasks", "checkpoints", "custom")

_STRATEGIC_WORDS = ("plan", "reason", "think", "strateg", "supervis", "critic", "reflect")
_TACTICAL_WORDS = ("tool", "exec", "act", "code", "run")
_INTERNAL = re.compile(r"^(__.*__|branch:.*|ChannelWrite.*|RunnableSequence)$")

#: Longest text a single record field carries. NATS' default max_payload is 1 MiB and
#: Flightdeck cuts strings at 1 MiB: a bounded text keeps one record publishable.
MAX_TEXT = 128 * 1024
_ACTION_TEXT = 200

#: Redacts a text (the runner's SecretScrubber.scrub): applied before a text is cut, so that
#: a secret across the cut is replaced whole rather than half published.
Scrub = Callable[[str], str] | None


class PhaseMap:
    """Which reasoning phase a graph node belongs to.

    The explicit mapping wins; otherwise the node's name decides (planner-like names are
    STRATEGIC, executor/tool-like names TACTICAL), then ``default``. LangGraph's own nodes
    (``__start__``, ``__end__``, branch writers) have no phase.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None, default: str = TACTICAL):
        self._mapping = dict(mapping or {})
        self._default = default
        self._cache: dict[str, str | None] = {}

    def phase_of(self, node: str) -> str | None:
        if node in self._mapping:
            return self._mapping[node]
        try:
            return self._cache[node]
        except KeyError:
            pass
        phase = self._guess(node)
        self._cache[node] = phase
        return phase

    def _guess(self, node: str) -> str | None:
        if not node or _INTERNAL.match(node):
            return None
        low = node.lower()
        if any(w in low for w in _STRATEGIC_WORDS):
            return STRATEGIC
        if any(w in low for w in _TACTICAL_WORDS):
            return TACTICAL
        return self._default

    def is_strategic(self, node: str) -> bool:
        return self.phase_of(node) == STRATEGIC


@dataclass(frozen=True, slots=True)
class Out:
    """One thing to publish: a trace record (``logs``) or a control event (``events``).

    ``msg_id_suffix`` is unique within the job; the runner prefixes the job id. ``body``
    holds ``kind``/``text``/``phase``/... for a record and ``type`` plus fields for an event.
    """

    subject: Literal["logs", "events"]
    body: dict
    msg_id_suffix: str


@dataclass
class MapperState:
    """What the mapper remembers between parts: the running step and the current phase.

    Records of a finished task are held in ``pending`` until the next ``checkpoints`` part:
    with ``durability="sync"`` that part is emitted only once the checkpoint holding the
    task's writes is on disk, so a record on the stream always describes a step that a
    restart will not run again.
    """

    max_text: int = MAX_TEXT
    scrub: Scrub = None
    state_records: bool = True
    phase: str | None = None
    step: int = -1
    checkpoint_id: str | None = None
    tasks: dict[str, str] = field(default_factory=dict)  # task id -> node, this step
    running: dict[str, str] = field(default_factory=dict)  # started, no result yet
    pending: list[Out] = field(default_factory=list)
    custom_seen: Counter = field(default_factory=Counter)
    ticks: int = 0

    @property
    def step_key(self) -> str:
        return self.checkpoint_id or f"tick{self.ticks}"


def map_part(part: Any, *, phases: PhaseMap, state: MapperState) -> list[Out]:
    """Map one ``astream`` part (``(mode, data)``, or ``(namespace, mode, data)``)."""
    if isinstance(part, tuple) and len(part) == 3:
        ns, mode, data = part
        if ns:  # a subgraph's inner part: its parent task reports the outcome
            return []
    elif isinstance(part, tuple) and len(part) == 2:
        mode, data = part
    else:
        return []
    if mode == "checkpoints":
        return _on_checkpoint(data, state)
    if mode == "tasks":
        if not isinstance(data, dict):
            return []
        if "input" in data or ("result" not in data and "error" not in data):
            return _on_task_start(data, phases, state)
        return _on_task_result(data, phases, state)
    if mode == "updates":
        return _on_updates(data, phases, state)
    if mode == "custom":
        return [_on_custom(data, phases, state)]
    return []


def flush_pending(state: MapperState) -> list[Out]:
    """Records still held back (the stream ended, or failed, before the next checkpoint)."""
    out, state.pending = state.pending, []
    return out


def records_for_finished_tasks(
    tasks: Iterable[Any], *, phases: PhaseMap, state: MapperState
) -> list[Out]:
    """Records of tasks read back from a checkpoint (``StateSnapshot.tasks``).

    The runner calls it on resume for the step that produced the last checkpoint: the same
    records, under the same ids, as the stream gave when the step finished. Tasks of nodes
    without a phase (``__start__``, which carries the input) give none, as in the stream.
    """
    out: list[Out] = []
    for task in tasks:
        name = getattr(task, "name", "")
        task_id = getattr(task, "id", "")
        result = getattr(task, "result", None)
        phase = phases.phase_of(name)
        if result is None or getattr(task, "error", None) or phase is None:
            continue  # LangGraph's own tasks (__start__: the input) are not steps of the agent
        out.extend(_records_of_update(name, task_id, result, phase, state))
    return out


# --- parts ---------------------------------------------------------------------------


def _on_checkpoint(data: Any, state: MapperState) -> list[Out]:
    if not isinstance(data, dict):
        return []
    conf = (data.get("config") or {}).get("configurable") or {}
    checkpoint_id = conf.get("checkpoint_id")
    step = (data.get("metadata") or {}).get("step")
    out = flush_pending(state)
    repeat = checkpoint_id is not None and checkpoint_id == state.checkpoint_id
    state.ticks += 1
    state.checkpoint_id = checkpoint_id
    if isinstance(step, int):
        state.step = step
    state.tasks = {
        t["id"]: t["name"]
        for t in data.get("tasks") or ()
        if isinstance(t, dict) and "id" in t and "name" in t
    }
    state.running = {}
    if not repeat and isinstance(step, int) and step >= 0 and checkpoint_id:
        out.append(
            Out(
                "events",
                {"type": "checkpoint", "path": checkpoint_id, "step": step},
                f"ckpt-{checkpoint_id}",
            )
        )
    return out


def _on_task_start(data: dict, phases: PhaseMap, state: MapperState) -> list[Out]:
    task_id = str(data.get("id", ""))
    name = str(data.get("name", ""))
    state.tasks[task_id] = name
    state.running[task_id] = name
    phase = phases.phase_of(name)
    if phase is None or phase == state.phase:
        return []
    state.phase = phase
    return [Out("events", {"type": "phase", "phase": phase}, f"phase-{task_id}")]


def _on_task_result(data: dict, phases: PhaseMap, state: MapperState) -> list[Out]:
    task_id = str(data.get("id", ""))
    name = str(data.get("name", ""))
    state.running.pop(task_id, None)
    phase = phases.phase_of(name)
    error = data.get("error")
    out: list[Out] = []
    if error is not None:
        text = _cap(f"{name} failed: {_describe_error(error)}", state.max_text, state.scrub)
        body = _record("error", text, phase)
        out.append(Out("logs", body, f"{task_id}-err-{_digest(body)}"))
    for interrupt in data.get("interrupts") or ():
        value = interrupt.get("value") if isinstance(interrupt, dict) else interrupt
        body = _record("message", _cap(f"{name} interrupted: {_render(value)}", state.max_text, state.scrub), phase)
        out.append(Out("logs", body, f"{task_id}-int-{_digest(body)}"))
    result = data.get("result")
    if error is None and result:
        state.pending.extend(_records_of_update(name, task_id, result, phase, state))
    return out


def _on_updates(data: Any, phases: PhaseMap, state: MapperState) -> list[Out]:
    """Only replayed updates matter: a task LangGraph finished before a crash.

    Live updates are mapped from the ``tasks`` result part, which carries the task id;
    a task whose writes were saved before the crash is not run again and gets no result
    part, only an ``updates`` part marked ``cached``.
    """
    if not isinstance(data, dict):
        return []
    meta = data.get("__metadata__")
    if not (isinstance(meta, dict) and meta.get("cached")):
        return []
    for node, update in data.items():
        if node == "__metadata__" or update is None:
            continue
        ids = [tid for tid, n in state.tasks.items() if n == node]
        task_id = ids[0] if len(ids) == 1 else f"{state.step_key}-{node}"
        state.pending.extend(
            _records_of_update(node, task_id, update, phases.phase_of(node), state)
        )
    return []


def _on_custom(data: Any, phases: PhaseMap, state: MapperState) -> Out:
    if len(state.running) == 1:
        phase = phases.phase_of(next(iter(state.running.values())))
    else:
        phase = state.phase
    if isinstance(data, Mapping):
        body = {_name(k): v for k, v in data.items() if v is not None}
        kind = body.pop("kind", None)
        text = body.pop("text", None)
        if text is None:
            text = body.pop("message", None)
        if text is None:
            text = body.pop("content", None)
        body = {
            "kind": str(kind) if kind else "message",
            "text": _cap(text if isinstance(text, str) else _render(text) if text is not None else "", state.max_text,
                         state.scrub),
            **({"phase": phase} if phase and "phase" not in body else {}),
            **body,
        }
    else:
        body = _record("message", _cap(_render(data), state.max_text, state.scrub), phase)
    digest = _digest(body)
    key = (state.step_key, digest)
    n = state.custom_seen[key]
    state.custom_seen[key] = n + 1
    return Out("logs", body, f"c-{state.step_key}-{digest}-{n}")


# --- records of one node's update ------------------------------------------------------


def _records_of_update(
    node: str, task_id: str, update: Any, phase: str | None, state: MapperState
) -> list[Out]:
    bodies: list[dict] = []
    other: dict[str, Any] = {}
    for value in _updates(update):
        if isinstance(value, Mapping):
            for key, val in value.items():
                messages = _messages(key, val)
                if messages is not None:
                    for msg in messages:
                        bodies.extend(_message_records(msg, phase, state.max_text, state.scrub))
                elif not str(key).startswith("__"):
                    other[str(key)] = val
        else:
            messages = _messages("messages", value)
            if messages is not None:
                for msg in messages:
                    bodies.extend(_message_records(msg, phase, state.max_text, state.scrub))
            elif value is not None:
                other["result"] = value
    if other and state.state_records:
        text = f"{node} updated " + "; ".join(f"{k}: {_render(v)}" for k, v in other.items())
        bodies.append(_record("message", _cap(text, min(state.max_text, 4000), state.scrub), phase))
    return [Out("logs", b, f"{task_id}-{i}-{_digest(b)}") for i, b in enumerate(bodies)]


def _updates(update: Any) -> list[Any]:
    """A node's update: a dict, a list of dicts (several writes), or a bare value."""
    if isinstance(update, list) and update and all(isinstance(u, Mapping) for u in update):
        return update
    if isinstance(update, Mapping):
        # {"channel": {"$writes": [...]}} -> one dict per write
        if any(_is_multi(v) for v in update.values()):
            out: list[Any] = []
            for key, val in update.items():
                for w in val["$writes"] if _is_multi(val) else [val]:
                    out.append({key: w})
            return out
        return [update]
    return [update]


def _is_multi(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("$writes"), list)


def _messages(key: Any, value: Any) -> list[BaseMessage] | None:
    """The messages in a channel write, or None when it does not hold messages."""
    if isinstance(value, BaseMessage):
        return [value]
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, BaseMessage) for v in value):
            return list(value)
        if key == "messages":
            try:
                return convert_to_messages(value)
            except Exception:  # not message-like after all: shown as state
                return None
    return None


def _message_records(msg: BaseMessage, phase: str | None, max_text: int, scrub: Scrub = None) -> list[dict]:
    if isinstance(msg, RemoveMessage):
        return []
    if isinstance(msg, AIMessage):
        return _ai_records(msg, phase, max_text, scrub)
    if isinstance(msg, ToolMessage):
        body = _record("observation", _cap(content_text(msg.content), max_text, scrub), phase)
        if msg.name:
            body["tool"] = msg.name
        artifact = msg.artifact if isinstance(msg.artifact, Mapping) else {}
        for key in ("exit_code", "duration_ms"):
            val = artifact.get(key)
            if isinstance(val, (int, float)) and not isinstance(val, bool):
                body[key] = val
        if getattr(msg, "status", None) == "error":
            body["status"] = "error"
        return [body]
    who = "operator" if isinstance(msg, HumanMessage) else "system" if isinstance(msg, SystemMessage) else msg.type
    return [_record("message", _cap(f"{who}: {content_text(msg.content)}", max_text, scrub), phase)]


def _ai_records(msg: AIMessage, phase: str | None, max_text: int, scrub: Scrub = None) -> list[dict]:
    bodies: list[dict] = []
    text = content_text(msg.content)
    calls = list(msg.tool_calls or ())
    if text.strip() or not calls:
        bodies.append(_record("thought", _cap(text, max_text, scrub), phase))
    for call in calls:
        name = str(call.get("name") or "")
        args = call.get("args") or {}
        body = _record("action", _action_text(name, args, scrub), phase)
        body["tool"] = name
        body["args"] = _cap_json(args, max_text, scrub)
        bodies.append(body)
    for bad in msg.invalid_tool_calls or ():
        reason = bad.get("error") or "arguments are not valid JSON"
        raw = bad.get("args") or ""
        body = _record("error", _cap(f"invalid tool call {bad.get('name')}: {reason}: {raw}", max_text, scrub), phase)
        bodies.append(body)
    usage = _usage(msg)
    if usage and bodies:
        bodies[0]["usage"] = usage
    return bodies


def _usage(msg: AIMessage) -> dict | None:
    meta = msg.usage_metadata
    if not meta:
        return None
    rmeta = msg.response_metadata or {}
    model = rmeta.get("model_name") or rmeta.get("model")
    out: dict[str, Any] = {
        "input_tokens": int(meta.get("input_tokens") or 0),
        "output_tokens": int(meta.get("output_tokens") or 0),
    }
    if model:
        out["model"] = str(model)
    return out


def _action_text(name: str, args: Any, scrub: Scrub = None) -> str:
    if isinstance(args, Mapping):
        for key in ("command", "cmd", "path", "query"):
            val = args.get(key)
            if isinstance(val, str) and val.strip():
                text = val if key in ("command", "cmd") else f"{name} {val}"
                return _cap(text, _ACTION_TEXT, scrub)
        if len(args) == 1 and isinstance(next(iter(args.values())), str):
            return _cap(f"{name}: {next(iter(args.values()))}", _ACTION_TEXT, scrub)
    return _cap(f"{name} {_render(args)}", _ACTION_TEXT, scrub)


# --- helpers ------------------------------------------------------------------------


def _record(kind: str, text: str, phase: str | None) -> dict:
    body: dict[str, Any] = {"kind": kind, "text": text}
    if phase:
        body["phase"] = phase
    return body


def content_text(content: Any) -> str:
    """Text of a message's content: a string, or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts: list[str] = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping):
                kind = block.get("type")
                if kind in ("text", "output_text") and isinstance(block.get("text"), str):
                    parts.append(block["text"])
                elif kind in ("reasoning", "thinking"):
                    val = block.get("reasoning") or block.get("thinking") or block.get("text")
                    if isinstance(val, str):
                        parts.append(val)
                    elif isinstance(block.get("summary"), list):
                        parts.extend(
                            s.get("text", "") for s in block["summary"] if isinstance(s, Mapping)
                        )
        return "\n".join(p for p in parts if p)
    return _render(content)


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    except Exception:  # an object whose repr raises: still a record
        try:
            return repr(value)
        except Exception:
            return f"<{type(value).__name__}>"


def _cap(text: str, limit: int, scrub: Scrub = None) -> str:
    """At most ``limit`` characters: head and tail kept, the cut said in the middle. A text to
    cut is redacted first (``scrub``); one that fits is redacted by the publisher."""
    if len(text) <= limit:
        return text
    if scrub is not None:
        text = scrub(text)
        if len(text) <= limit:
            return text
    keep = max(limit - 60, 2)
    head, tail = text[: keep // 2], text[len(text) - keep // 2 :]
    return f"{head}\n[… {len(text) - 2 * (keep // 2)} characters truncated …]\n{tail}"


def _cap_json(value: Any, limit: int, scrub: Scrub = None) -> Any:
    rendered = _render(value)
    if len(rendered) <= limit:
        return value
    return _cap(rendered, limit, scrub)


def _describe_error(error: Any) -> str:
    if isinstance(error, BaseException):
        msg = str(error).strip().splitlines()
        return f"{type(error).__name__}: {msg[0]}" if msg else type(error).__name__
    return str(error)


def _digest(body: Mapping[str, Any]) -> str:
    """Short content hash of what a record says (not when, not how long). Keys that cannot be
    sorted (mixed types, from a custom record) are hashed in their given order."""
    key = [body.get("kind"), body.get("text"), body.get("tool"), body.get("args")]
    try:
        text = json.dumps(key, ensure_ascii=False, sort_keys=True, default=str)
    except Exception:
        try:
            text = json.dumps(key, ensure_ascii=False, default=str)
        except Exception:
            text = _render(key)
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=6).hexdigest()


def _name(key: Any) -> str:
    """A custom record's field name as a string, whatever the key is."""
    if isinstance(key, str):
        return key
    try:
        return str(key)
    except Exception:
        return f"<{type(key).__name__}>"
