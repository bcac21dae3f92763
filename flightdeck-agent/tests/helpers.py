"""Helpers for the runner, resume and reference tests: agent subprocesses, the stream, the
checkpoint database. Real parts only: a real `python -m flightdeck_agent.reference`, the
real nats-server, the real SQLite file the agent wrote.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from conftest import read_subject

SRC = Path(__file__).resolve().parents[1] / "src"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
PYTHON = sys.executable
RUNTIME_MESSAGES = ("resumed from checkpoint",)


CORE_FALLBACK_NOTE = "flightdeck-agent: no JetStream stream FLIGHTDECK_COMMANDS for commands"


def without_core_fallback_note(stderr: Any) -> Any:
    """`stderr` (bytes or str) of an agent run against the session's server, which has no commands
    stream (as an older Flightdeck's), checked to say the core-NATS fallback once; without that line."""
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    lines = text.splitlines(keepends=True)
    notes = [line for line in lines if line.startswith(CORE_FALLBACK_NOTE)]
    assert len(notes) == 1, text
    rest = "".join(line for line in lines if not line.startswith(CORE_FALLBACK_NOTE))
    return rest.encode() if isinstance(stderr, bytes) else rest


def agent_env(pod_env: dict[str, str], nats_url: str | None, script: str, **extra: str) -> dict[str, str]:
    """The pod environment plus what the tests add: NATS, the scripted model, the source path."""
    env = dict(pod_env)
    if nats_url:
        env["NATS_URL"] = nats_url
    env["AGENT_MODEL"] = f"scripted:{script}"
    env["PYTHONPATH"] = str(SRC)
    env["SCRIPTED_CALL_LOG"] = str(Path(pod_env["WORKSPACE_PATH"]).parent / "calls.log")
    env["AGENT_HEARTBEAT_INTERVAL"] = "0.2"
    env.update(extra)
    return env


@dataclass
class Agent:
    """One agent process: started, watched over NATS, stopped or killed with its children."""

    env: dict[str, str]
    args: list[str] = field(default_factory=lambda: ["-m", "flightdeck_agent.reference"])
    proc: asyncio.subprocess.Process | None = None
    stdout: bytes = b""
    stderr: bytes = b""

    async def start(self) -> None:
        root = Path(self.env["WORKSPACE_PATH"]).parent
        self._out = open(root / f"stdout.{time.monotonic_ns()}", "w+b")
        self._err = open(root / f"stderr.{time.monotonic_ns()}", "w+b")
        self.proc = await asyncio.create_subprocess_exec(
            PYTHON, *self.args, env=self.env, cwd=str(root), stdout=self._out, stderr=self._err,
            stdin=asyncio.subprocess.DEVNULL)

    async def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.kill_tree()
            await self.proc.wait()
            raise AssertionError(f"the agent did not exit within {timeout} s; stderr: {self._read(self._err)!r}")
        self.stdout = self._read(self._out)
        self.stderr = self._read(self._err)
        return code

    def kill_tree(self) -> list[int]:
        """SIGKILL the agent and every process under it, as a container's end does (the execute
        tool starts commands in their own process group, so a group kill would miss them)."""
        assert self.proc is not None
        pids = [self.proc.pid, *descendants(self.proc.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    @staticmethod
    def _read(handle) -> bytes:
        handle.flush()
        handle.seek(0)
        data = handle.read()
        handle.close()
        return data


def descendants(pid: int) -> list[int]:
    """Every process whose parent chain leads to `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class Watch:
    """A core-NATS subscription on a job's logs and events subjects: what the agent published,
    live, so a test can act when the k-th record or a given event shows up."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.logs_subject = env["NATS_SUBJECT_LOGS"]
        self.events_subject = env["NATS_SUBJECT_EVENTS"]
        self.commands_subject = env["NATS_SUBJECT_COMMANDS"]
        self.records: list[dict] = []
        self.record_ids: list[str] = []
        self.events: list[dict] = []
        self._changed = asyncio.Event()

    async def __aenter__(self) -> "Watch":
        import nats

        self.nc = await nats.connect(self.url, connect_timeout=5)
        await self.nc.subscribe(self.logs_subject, cb=self._on_record)
        await self.nc.subscribe(self.events_subject, cb=self._on_event)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.nc.close()

    async def _on_record(self, msg: Any) -> None:
        self.records.append(json.loads(msg.data))
        self.record_ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
        self._changed.set()

    @property
    def distinct(self) -> int:
        """Records seen, a republished copy (same id) counted once."""
        return len(set(self.record_ids))

    async def _on_event(self, msg: Any) -> None:
        body = json.loads(msg.data)
        if body.get("type") != "heartbeat":
            self.events.append(body)
            self._changed.set()

    async def until(self, predicate: Callable[["Watch"], bool], timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what or predicate}; records: "
                                     f"{[r.get('text', '')[:40] for r in self.records]}, events: {self.events}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))
            except asyncio.TimeoutError:
                pass

    async def command(self, **body: Any) -> None:
        await self.nc.publish(self.commands_subject, json.dumps(body).encode())
        await self.nc.flush()

    def status(self, state: str) -> list[dict]:
        return [e for e in self.events if e.get("type") == "status" and e.get("state") == state]


async def until_file(path: Path, text: str, timeout: float = 30.0) -> None:
    """Waits until `path` exists and contains `text` (the tests' commands write such markers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if text in path.read_text(errors="replace"):
                return
        except FileNotFoundError:
            pass
        await asyncio.sleep(0.02)
    raise AssertionError(f"{text!r} never appeared in {path}")


async def stream_records(url: str, subject: str) -> list[tuple[str, dict]]:
    """(Nats-Msg-Id, record) for every message the stream stored on `subject`, in order."""
    msgs = await read_subject(url, subject)
    return [((m.headers or {}).get("Nats-Msg-Id", ""), json.loads(m.data)) for m in msgs]


def story(records: list[dict]) -> list[tuple]:
    """What a trace says, without when and how long: comparable between runs."""
    out = []
    for r in records:
        if r.get("kind") == "message" and str(r.get("text", "")).startswith(RUNTIME_MESSAGES):
            continue
        out.append((r.get("kind"), r.get("phase"), r.get("text"), r.get("tool"),
                    json.dumps(r.get("args"), sort_keys=True) if "args" in r else None, r.get("exit_code")))
    return out


def final_messages(db: Path, thread_id: str) -> list[tuple]:
    """The conversation in the thread's last checkpoint, read from the SQLite file, normalised
    (message ids are random per run; everything the agent said and saw is compared)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(str(db), check_same_thread=False)
    try:
        saver = SqliteSaver(conn)
        tup = saver.get_tuple({"configurable": {"thread_id": thread_id}})
        assert tup is not None, f"no checkpoint for {thread_id} in {db}"
        messages = tup.checkpoint["channel_values"].get("messages", [])
        return [normalise(m) for m in messages]
    finally:
        conn.close()


def checkpoint_steps(db: Path, thread_id: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("select count(*) from checkpoints where thread_id = ?", (thread_id,)).fetchone()[0]
    finally:
        conn.close()


def normalise(msg: BaseMessage) -> tuple:
    calls = tuple((c["name"], json.dumps(c["args"], sort_keys=True), c["id"]) for c in getattr(msg, "tool_calls", []) or [])
    extra: Any = None
    if isinstance(msg, ToolMessage):
        artifact = msg.artifact if isinstance(msg.artifact, dict) else {}
        extra = (msg.tool_call_id, msg.name, artifact.get("exit_code"))
    elif isinstance(msg, AIMessage):
        extra = (msg.name, (msg.usage_metadata or {}).get("output_tokens"))
    return (msg.type, msg.content if isinstance(msg.content, str) else json.dumps(msg.content), calls, extra)


def lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []
