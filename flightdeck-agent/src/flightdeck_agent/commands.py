"""Operator commands from Flightdeck: pause, resume, cancel, instruct.

Where they come from. Flightdeck publishes a command on `cmd.agent.<id>`; the JetStream stream
`FLIGHTDECK_COMMANDS` (work queue) keeps it until the job's durable pull consumer `cmd-<id>`
acknowledges it, so a command sent while the agent restarts is delivered when it is back. The
listener pulls from that consumer for as long as it runs (batches of `PULL_BATCH`, requests that
expire after `PULL_EXPIRES` seconds, so a lost request or connection is noticed promptly). The job's
NATS user may call nothing else of the JetStream API than CONSUMER.INFO and CONSUMER.MSG.NEXT on that
consumer and the acks of its messages: no stream lookup, no consumer creation (nats-py's helpers
do both), hence the low-level requests here. When the consumer does not exist yet (Flightdeck could
not reach NATS at submit), the listener asks again every `retry_interval` seconds; when the stream
does not exist (an older Flightdeck), it subscribes to `cmd.agent.<id>` on core NATS as before.

At least once, applied once. Delivery is at least once: a command is applied, its `id` recorded in
the state file beside the checkpoint (written atomically), and only then acknowledged. A command
whose id is already recorded (a redelivery after a crash before the ack, the operator's publish
retried) is acknowledged and ignored. An instruction stays in the state file until the runner has
taken it into a strategic step and checkpointed it, so one received just before a crash is still
given to the graph after the restart, once. A command without an id (an older Flightdeck) is
applied without de-duplication.

The listener only records what was asked; the runner acts on it between graph steps (a step is
never interrupted halfway, so the checkpoint stays consistent). Commands come over the network, and
the state file lies on the workspace the agent's own tools write to: anything that is not one of
the four JSON shapes is ignored with a line on stderr, and every list is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .context import PodContext

if TYPE_CHECKING:
    from .publisher import TracePublisher

MAX_COMMAND_BYTES = 256 * 1024
#: Instructions held until they are taken into a strategic step; more than this are refused (said
#: on stderr), so a flood on the commands subject cannot grow the agent's memory, its state file or
#: its next prompt.
MAX_PENDING_INSTRUCTIONS = 32
#: Applied command ids remembered (the newest), in memory and in the state file.
MAX_APPLIED_IDS = 1000
#: The state file is read only up to this size (a larger one is not ours: it is ignored).
MAX_STATE_BYTES = MAX_PENDING_INSTRUCTIONS * MAX_COMMAND_BYTES * 2 + MAX_APPLIED_IDS * 256
#: Messages asked for per pull request, and the request's expiry (seconds).
PULL_BATCH = 16
PULL_EXPIRES = 5.0
#: Seconds between CONSUMER.INFO requests while the consumer does not exist yet.
RETRY_INTERVAL = 3.0
#: Seconds a JetStream API request waits for its answer.
REQUEST_TIMEOUT = 2.0
COMMANDS = ("pause", "resume", "cancel", "instruct")
STATE_VERSION = 1

_COMMAND_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MAX_REASON = 2000


@dataclass(frozen=True)
class Instruction:
    """An operator instruction: its text, and the command id it came with (None from an older
    Flightdeck). The runner gives the id to the message it injects, so that a replay of the same
    instruction after a crash replaces that message instead of adding a second one."""

    id: str | None
    text: str


class CommandState:
    """What the state file holds: the newest applied command ids, the instructions not yet taken
    into a checkpointed step, and the operator's pause and cancel. Pure (no I/O but `load` and
    `write`), bounded whatever it is fed."""

    def __init__(self) -> None:
        self.applied: OrderedDict[str, None] = OrderedDict()
        self.instructions: list[Instruction] = []
        self.paused = False
        self.cancel: str | None = None

    def seen(self, command_id: str) -> bool:
        return command_id in self.applied

    def remember(self, command_id: str) -> None:
        """Records an applied id; the oldest is forgotten beyond MAX_APPLIED_IDS."""
        self.applied[command_id] = None
        self.applied.move_to_end(command_id)
        while len(self.applied) > MAX_APPLIED_IDS:
            self.applied.popitem(last=False)

    def dumps(self) -> bytes:
        return json.dumps({
            "version": STATE_VERSION,
            "applied": list(self.applied),
            "instructions": [{"id": i.id, "text": i.text} for i in self.instructions],
            "paused": self.paused,
            "cancel": self.cancel,
        }, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")

    @classmethod
    def loads(cls, data: bytes) -> tuple[CommandState, list[str]]:
        """The state in `data`, and what was wrong with it (each entry one reason). Entries that are
        not what this module writes are dropped; the bounds hold whatever the file says."""
        state = cls()
        problems: list[str] = []
        if len(data) > MAX_STATE_BYTES:
            return state, [f"larger than {MAX_STATE_BYTES} bytes"]
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return state, ["not JSON"]
        if not isinstance(value, dict):
            return state, ["not a JSON object"]
        applied = value.get("applied")
        if isinstance(applied, list):
            bad = 0
            for item in applied[-MAX_APPLIED_IDS:]:
                if isinstance(item, str) and _COMMAND_ID.fullmatch(item):
                    state.remember(item)
                else:
                    bad += 1
            if bad:
                problems.append(f"{bad} malformed applied id(s) dropped")
        elif applied is not None:
            problems.append("'applied' is not a list")
        instructions = value.get("instructions")
        if isinstance(instructions, list):
            bad = 0
            for item in instructions:
                text = item.get("text") if isinstance(item, dict) else None
                command_id = item.get("id") if isinstance(item, dict) else None
                if (not isinstance(text, str) or not text.strip() or len(text.encode("utf-8", "replace")) > MAX_COMMAND_BYTES
                        or not (command_id is None or (isinstance(command_id, str) and _COMMAND_ID.fullmatch(command_id)))
                        or len(state.instructions) >= MAX_PENDING_INSTRUCTIONS):
                    bad += 1
                    continue
                state.instructions.append(Instruction(command_id, text))
            if bad:
                problems.append(f"{bad} malformed or surplus instruction(s) dropped")
        elif instructions is not None:
            problems.append("'instructions' is not a list")
        state.paused = value.get("paused") is True
        cancel = value.get("cancel")
        if isinstance(cancel, str) and cancel:
            state.cancel = cancel[:_MAX_REASON]
        return state, problems

    @classmethod
    def load(cls, path: Path) -> tuple[CommandState, list[str]]:
        """The state in the file at `path` (empty when there is none), and what was wrong with it."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return cls(), []
        except OSError as exc:
            return cls(), [f"cannot be read: {exc.strerror or exc}"]
        return cls.loads(data)


def write_atomically(path: Path, data: bytes) -> None:
    """`data` as the whole file at `path`, or the file left as it was: a temporary file beside it,
    fsynced, renamed over it, and the directory fsynced (the rename itself survives a crash)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class CommandListener:
    """Takes the operator's commands (JetStream consumer, or core NATS from an older Flightdeck) and
    keeps them for the runner; with a state file, durably (see the module docstring)."""

    def __init__(self, ctx: PodContext, publisher: TracePublisher | None = None, *,
                 stderr: TextIO | None = None, state_path: Path | None | bool = True,
                 retry_interval: float = RETRY_INTERVAL, pull_expires: float = PULL_EXPIRES) -> None:
        """`state_path`: True (the default) for ctx.commands_state_path, None or False for none
        (commands then live in memory only)."""
        self.ctx = ctx
        self.publisher = publisher
        self.cancel_requested = False
        self.cancel_reason: str | None = None
        self.received = 0
        self.duplicates = 0
        #: "jetstream", "core", or None (not listening, or waiting for the consumer).
        self.mode: str | None = None
        self.retry_interval = retry_interval
        self.pull_expires = pull_expires
        self._stderr = stderr if stderr is not None else sys.stderr
        self._path: Path | None = ctx.commands_state_path if state_path is True else (state_path or None)
        self._state = CommandState()
        self._taken: list[Instruction] = []   # given to the runner, not yet in a checkpointed step
        self._dirty = False
        self._save_lock = asyncio.Lock()
        self._said: set[str] = set()
        self._changed = asyncio.Event()
        self._subscription: Any = None
        self._task: asyncio.Task[Any] | None = None
        self._started = False
        if self._path is not None:
            self._state, problems = CommandState.load(self._path)
            for problem in problems:
                self._say(f"the command state file {problem}", str(self._path))
            if self._state.cancel:
                self.request_cancel(self._state.cancel)

    # MARK: - What the runner reads

    @property
    def paused(self) -> bool:
        return self._state.paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self._state.paused = bool(value)

    async def wait_while_paused(self) -> None:
        """Returns at once unless paused; else on resume or cancel."""
        while self.paused and not self.cancel_requested:
            self._changed.clear()
            await self._changed.wait()

    def take_pending(self) -> list[Instruction]:
        """The instructions received since the last call, oldest first. They stay in the state file
        until `delivered()` says they are in a checkpointed step."""
        taken, self._state.instructions = self._state.instructions, []
        self._taken.extend(taken)
        return taken

    async def delivered(self, instructions: list[Instruction]) -> None:
        """The runner checkpointed a step holding `instructions`: they leave the state file."""
        gone = {id(i) for i in instructions}
        before = len(self._taken)
        self._taken = [i for i in self._taken if id(i) not in gone]
        if len(self._taken) != before:
            self._dirty = True
            await self.save()

    def take_instructions(self) -> list[str]:
        """The instruct texts received since the last call, oldest first, counted as delivered
        (for a runner of its own; GraphRunner uses take_pending and delivered)."""
        taken = self.take_pending()
        gone = {id(i) for i in taken}
        self._taken = [i for i in self._taken if id(i) not in gone]
        if taken:
            self._dirty = True
            self._save_soon()
        return [i.text for i in taken]

    @property
    def durable(self) -> bool:
        """Whether applied ids and pending instructions are kept in a state file (survive a restart)."""
        return self._path is not None

    @property
    def has_instructions(self) -> bool:
        return bool(self._state.instructions)

    def request_cancel(self, reason: str) -> None:
        """Asks the runner to stop after the current step (a cancel command, SIGTERM)."""
        if not self.cancel_requested:
            self.cancel_requested = True
            self.cancel_reason = reason
        self._changed.set()

    # MARK: - Applying

    def handle(self, data: bytes) -> str | None:
        """Applies one raw command; returns its type, or None when it was ignored (said on stderr)
        or is a command already applied (counted in `duplicates`). Changes reach the state file
        with the next `save()`."""
        command, problem = parse_command(data)
        if command is None:
            self._ignore(problem or "unreadable command")
            return None
        command_id = command.get("id")
        if command_id is not None and self._state.seen(command_id):
            self.duplicates += 1
            return None
        kind = command["type"]
        if kind == "instruct" and len(self._state.instructions) + len(self._taken) >= MAX_PENDING_INSTRUCTIONS:
            self._ignore(f"instruction refused: {MAX_PENDING_INSTRUCTIONS} are already waiting for the next step")
            return None
        self.received += 1
        if kind == "pause":
            self._state.paused = True
        elif kind == "resume":
            self._state.paused = False
        elif kind == "cancel":
            reason = (command.get("text") or "cancelled by the operator")[:_MAX_REASON]
            self._state.cancel = reason
            self.request_cancel(reason)
        elif kind == "instruct":
            self._state.instructions.append(Instruction(command_id, command["text"]))
        if command_id is not None:
            self._state.remember(command_id)
        self._dirty = True
        self._changed.set()
        return kind

    async def save(self) -> bool:
        """Writes the state file when something changed (in a thread); False when it could not be
        written (said on stderr once): the caller then does not acknowledge what it applied."""
        if self._path is None:
            self._dirty = False
            return True
        async with self._save_lock:
            if not self._dirty:
                return True
            snapshot = CommandState()
            snapshot.applied = self._state.applied
            snapshot.instructions = self._taken + self._state.instructions
            snapshot.paused, snapshot.cancel = self._state.paused, self._state.cancel
            data = snapshot.dumps()
            self._dirty = False
            try:
                await asyncio.to_thread(write_atomically, self._path, data)
            except OSError as exc:
                self._dirty = True
                self._say_once("write", f"cannot write the command state file ({exc.strerror or exc}); commands "
                               f"are applied but not acknowledged until it can be", str(self._path))
                return False
            self._said.discard("write")
            return True

    def _save_soon(self) -> None:
        with contextlib.suppress(RuntimeError):  # no running loop: saved with the next command
            asyncio.get_running_loop().create_task(self.save())

    # MARK: - Listening

    async def start(self, nc: Any) -> None:
        """Starts taking commands on `nc`: from the JetStream consumer, else (no stream) core NATS.
        Returns once the first answer about the consumer came (at most REQUEST_TIMEOUT). With nc
        None: when the listener has a publisher, it starts once the publisher connects; else
        commands are off (no NATS)."""
        if self._started:
            return
        if nc is None:
            if self.publisher is not None and self.publisher.ctx.nats_url is not None:
                self.publisher.when_connected(self.start)
            return
        self._started = True
        first = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._serve(nc, first), name="commands")
        await asyncio.wait({first, self._task}, timeout=REQUEST_TIMEOUT + 0.5,
                           return_when=asyncio.FIRST_COMPLETED)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        with contextlib.suppress(Exception):
            await self.save()

    async def _serve(self, nc: Any, first: asyncio.Future[None]) -> None:
        """Pulls from the consumer while it exists; waits for it while only the stream does; falls
        back to core NATS when there is no stream. Never raises."""
        try:
            while True:
                found = await self._consumer_exists(nc)
                if found == "no-stream":
                    self._say_once("core", f"no JetStream stream {self.ctx.commands_stream} for commands (an older "
                                   f"Flightdeck?): listening on core NATS instead; a command sent while the agent "
                                   f"is down is lost", "NATS_COMMANDS_STREAM")
                    await self._subscribe_core(nc)
                    return
                if not first.done():
                    first.set_result(None)
                if found == "consumer":
                    self.mode = "jetstream"
                    self._said.discard("waiting")
                    await self._pull(nc)  # returns when the consumer went away
                    self.mode = None
                    continue
                if found == "no-consumer":
                    self._say_once("waiting", f"the JetStream consumer {self.ctx.commands_consumer} does not exist "
                                   f"yet; asking again every {self.retry_interval:g} s", "NATS_COMMANDS_CONSUMER")
                await asyncio.sleep(self.retry_interval)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a command must never take the agent down
            self._say(f"the command listener stopped: {type(exc).__name__}: {exc}", self.ctx.subject_commands)
        finally:
            if not first.done():
                first.set_result(None)

    async def _consumer_exists(self, nc: Any) -> str:
        """"consumer", "no-consumer", "no-stream" or "unknown" (no answer: asked again later), from
        $JS.API.CONSUMER.INFO (the one lookup the job's user may make)."""
        subject = f"$JS.API.CONSUMER.INFO.{self.ctx.commands_stream}.{self.ctx.commands_consumer}"
        try:
            reply = await nc.request(subject, b"", timeout=REQUEST_TIMEOUT)
        except Exception as exc:
            if type(exc).__name__ == "NoRespondersError":
                return "no-stream"  # JetStream is not enabled for the account at all
            return "unknown"
        try:
            answer = json.loads(reply.data)
        except ValueError:
            return "unknown"
        error = answer.get("error") if isinstance(answer, dict) else None
        if not isinstance(answer, dict):
            return "unknown"
        if error is None:
            return "consumer"
        code = error.get("err_code") if isinstance(error, dict) else None
        if code == 10059:  # JSStreamNotFoundErr
            return "no-stream"
        if code == 10014:  # JSConsumerNotFoundErr
            return "no-consumer"
        self._say_once("info", f"JetStream answered the consumer lookup with an error: "
                       f"{_show(error.get('description') if isinstance(error, dict) else error)}",
                       "NATS_COMMANDS_CONSUMER")
        return "unknown"

    async def _pull(self, nc: Any) -> None:
        """Pull requests for as long as the consumer exists: each message is applied, the state file
        written, and only then is the message acknowledged. Returns when the consumer is gone."""
        stream, consumer = self.ctx.commands_stream, self.ctx.commands_consumer
        next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        ack_prefix = f"$JS.ACK.{stream}.{consumer}."
        request = json.dumps({"batch": PULL_BATCH, "expires": int(self.pull_expires * 1e9)}).encode()
        inbox = nc.new_inbox()
        # At most a few requests' worth is buffered: a flood is dropped by the client, not kept.
        sub = await nc.subscribe(inbox, pending_msgs_limit=PULL_BATCH * 4,
                                 pending_bytes_limit=PULL_BATCH * 4 * (MAX_COMMAND_BYTES + 4096))
        try:
            while True:
                try:
                    await nc.publish(next_subject, request, reply=inbox)
                except Exception:  # disconnected: the client reconnects, the subscription with it
                    await asyncio.sleep(min(1.0, self.retry_interval))
                    continue
                deadline = time.monotonic() + self.pull_expires + 1.0
                received = 0
                answered = False
                while received < PULL_BATCH:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        msg = await sub.next_msg(timeout=remaining)
                    except Exception:
                        break
                    answered = True
                    batch = [msg]
                    while sub.pending_msgs and len(batch) < PULL_BATCH * 4:
                        with contextlib.suppress(Exception):
                            batch.append(await sub.next_msg(timeout=0.01))
                    commands, end = [], None
                    for item in batch:
                        status = (item.headers or {}).get("Status") if item.headers else None
                        if status is None and item.reply and item.reply.startswith(ack_prefix):
                            commands.append(item)
                        elif status is not None and status != "100":
                            end = status
                    received += len(commands)
                    if commands:
                        await self._apply_and_ack(nc, commands)
                    if end is not None and end not in ("404", "408"):
                        return  # 409 (consumer deleted, too many requests…), 503: ask again what exists
                    if end is not None:
                        break  # the request expired: the next one
                if not answered:
                    # Not even the expiry's 408: the request was lost (a reconnect), or the consumer
                    # is gone (nats-server leaves a request to a missing consumer unanswered).
                    return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _apply_and_ack(self, nc: Any, messages: list[Any]) -> None:
        for msg in messages:
            try:
                self.handle(msg.data)
            except Exception as exc:  # a command must never take the agent down
                self._ignore(f"{type(exc).__name__} while handling a command")
        if not await self.save():
            return  # not acknowledged: redelivered after the consumer's ack wait, applied once
        for msg in messages:
            with contextlib.suppress(Exception):
                await nc.publish(msg.reply, b"+ACK")

    async def _subscribe_core(self, nc: Any) -> None:
        self.mode = "core"
        self._subscription = await nc.subscribe(
            self.ctx.subject_commands, cb=self._on_message, pending_msgs_limit=PULL_BATCH * 16,
            pending_bytes_limit=PULL_BATCH * 4 * (MAX_COMMAND_BYTES + 4096))

    async def _on_message(self, msg: Any) -> None:
        try:
            self.handle(msg.data)
            await self.save()
        except Exception as exc:  # a command must never take the agent down
            self._ignore(f"{type(exc).__name__} while handling a command")

    # MARK: - Saying

    def _ignore(self, why: str) -> None:
        self._say(f"ignored a command: {why}", self.ctx.subject_commands)

    def _say_once(self, key: str, what: str, where: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self._say(what, where)

    def _say(self, what: str, where: str) -> None:
        line = f"flightdeck-agent: {what} ({where})"
        if self.publisher is not None:
            line = self.publisher.scrubber.scrub(line)
        try:
            self._stderr.write(line.replace("\n", " ") + "\n")
            self._stderr.flush()
        except (OSError, ValueError):
            pass


def parse_command(data: bytes) -> tuple[dict[str, str] | None, str | None]:
    """(command, None) for a valid command, else (None, why): pure, for the listener and tests.

    A command is a JSON object whose `type` (case-insensitive) is pause, resume, cancel or instruct;
    instruct needs a non-empty `text`. An `id`, when present, is 1 to 128 letters, digits, '-' or
    '_' (it is what redeliveries are recognised by).
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
        return None, f"unknown type {_show(kind)}"
    kind = kind.lower()
    command_id = value.get("id")
    if command_id is not None and not (isinstance(command_id, str) and _COMMAND_ID.fullmatch(command_id)):
        return None, f"{kind} with a malformed id {_show(command_id)} (1 to 128 letters, digits, '-' or '_')"
    text = value.get("text")
    if text is not None and not isinstance(text, str):
        return None, f"{kind} text is not a string"
    if kind == "instruct" and not (text and text.strip()):
        return None, "instruct without text"
    command = {"type": kind}
    if command_id is not None:
        command["id"] = command_id
    if text:
        command["text"] = text
    return command, None


def _show(value: Any) -> str:
    """A value from the bus quoted for a stderr line: printable and short, else '?'."""
    return repr(value) if isinstance(value, str) and len(value) <= 40 and value.isprintable() else "'?'"

