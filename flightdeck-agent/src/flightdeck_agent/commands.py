"""Operator commands from Flightdeck on `cmd.agent.<id>`: pause, resume, cancel, instruct.

The listener only records what was asked; the runner acts on it between graph steps (a step is
never interrupted halfway, so the checkpoint stays consistent). Commands come over the network:
anything that is not one of the four JSON shapes is ignored with a line on stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .context import PodContext

if TYPE_CHECKING:
    from .publisher import TracePublisher

MAX_COMMAND_BYTES = 256 * 1024
#: Instructions held until the next strategic step; more than this are refused (said on stderr),
#: so a flood on the commands subject cannot grow the agent's memory or its next prompt.
MAX_PENDING_INSTRUCTIONS = 32
COMMANDS = ("pause", "resume", "cancel", "instruct")


class CommandListener:
    """Subscribes to the commands subject and keeps the operator's requests for the runner."""

    def __init__(self, ctx: PodContext, publisher: TracePublisher | None = None, *,
                 stderr: TextIO | None = None) -> None:
        self.ctx = ctx
        self.publisher = publisher
        self.paused = False
        self.cancel_requested = False
        self.cancel_reason: str | None = None
        self.received = 0
        self._stderr = stderr if stderr is not None else sys.stderr
        self._instructions: list[str] = []
        self._changed = asyncio.Event()
        self._subscription: Any = None

    async def start(self, nc: Any) -> None:
        """Core-subscribes to ctx.subject_commands on `nc`. With nc None: when the listener has a
        publisher, it subscribes once the publisher connects; else commands are off (no NATS)."""
        if self._subscription is not None:
            return
        if nc is None:
            if self.publisher is not None and self.publisher.ctx.nats_url is not None:
                self.publisher.when_connected(self.start)
            return
        self._subscription = await nc.subscribe(self.ctx.subject_commands, cb=self._on_message)

    async def stop(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            try:
                await subscription.unsubscribe()
            except Exception:
                pass

    async def wait_while_paused(self) -> None:
        """Returns at once unless paused; else on resume or cancel."""
        while self.paused and not self.cancel_requested:
            self._changed.clear()
            await self._changed.wait()

    def take_instructions(self) -> list[str]:
        """The instruct texts received since the last call, oldest first."""
        taken, self._instructions = self._instructions, []
        return taken

    @property
    def has_instructions(self) -> bool:
        return bool(self._instructions)

    def request_cancel(self, reason: str) -> None:
        """Asks the runner to stop after the current step (a cancel command, SIGTERM)."""
        if not self.cancel_requested:
            self.cancel_requested = True
            self.cancel_reason = reason
        self._changed.set()

    def handle(self, data: bytes) -> str | None:
        """Applies one raw command; returns its type, or None when it was ignored (said on stderr)."""
        command, problem = parse_command(data)
        if command is None:
            self._ignore(problem or "unreadable command")
            return None
        kind = command["type"]
        self.received += 1
        if kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "cancel":
            self.request_cancel(command.get("text") or "cancelled by the operator")
        elif kind == "instruct":
            if len(self._instructions) >= MAX_PENDING_INSTRUCTIONS:
                self._ignore(f"instruction refused: {MAX_PENDING_INSTRUCTIONS} are already waiting for the next step")
                return None
            self._instructions.append(command["text"])
        self._changed.set()
        return kind

    async def _on_message(self, msg: Any) -> None:
        try:
            self.handle(msg.data)
        except Exception as exc:  # a command must never take the agent down
            self._ignore(f"{type(exc).__name__} while handling a command")

    def _ignore(self, why: str) -> None:
        line = f"flightdeck-agent: ignored a command: {why} ({self.ctx.subject_commands})"
        if self.publisher is not None:
            line = self.publisher.scrubber.scrub(line)
        try:
            self._stderr.write(line + "\n")
            self._stderr.flush()
        except (OSError, ValueError):
            pass


def parse_command(data: bytes) -> tuple[dict[str, str] | None, str | None]:
    """(command, None) for a valid command, else (None, why): pure, for the listener and tests.

    A command is a JSON object whose `type` (case-insensitive) is pause, resume, cancel or instruct;
    instruct needs a non-empty `text`.
    """
    if len(data) > MAX_COMMAND_BYTES:
        return None, f"larger than {MAX_COMMAND_BYTES} bytes"
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "not JSON"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    kind = value.get("type")
    if not isinstance(kind, str) or kind.lower() not in COMMANDS:
        shown = kind if isinstance(kind, str) and len(kind) <= 40 and kind.isprintable() else "?"
        return None, f"unknown type {shown!r}"
    kind = kind.lower()
    text = value.get("text")
    if text is not None and not isinstance(text, str):
        return None, f"{kind} text is not a string"
    if kind == "instruct" and not (text and text.strip()):
        return None, "instruct without text"
    command = {"type": kind}
    if text:
        command["text"] = text
    return command, None
