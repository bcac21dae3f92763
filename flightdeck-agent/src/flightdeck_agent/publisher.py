"""The trace publisher: records and control events to Flightdeck, as docs/trace-protocol.md says.

Why it is more than `js.publish` in a loop:
- one round trip per record would make the trace the agent's bottleneck, so JetStream publishes are
  pipelined: up to `max_in_flight` wait for their acks at once;
- NATS may be down when the pod starts or restart under it, and the agent must not stall or lose
  its trace: accepted records wait in a bounded in-memory buffer and go out, in order, once the
  server is back; a retry carries the same `Nats-Msg-Id`, so the stream stores it once;
- the agent must never wait on its trace for long: when the buffer is full (`buffer_limit` messages
  or `buffer_bytes` bytes not yet acknowledged), `record()` waits at most `block_bound`, then writes
  the record to stdout instead and says so on stderr;
- nothing secret leaves the pod: every string is redacted before it is serialized.

Order: records are published in the order they were accepted. After a lost connection, every
record not yet acknowledged is sent again, in order, before any newer one; the client's own
reconnect buffer is disabled (`pending_size=0`) and the publishes it still held are dropped, so a
newer record can never overtake an older one that the server lost.

Without NATS_URL, every record is one JSON line on stdout (Flightdeck then follows the pod log).
All methods must be called from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import json
import secrets as _secrets
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TextIO

import nats
import nats.errors
from nats.aio.client import Client as NATS

from .context import PodContext
from .redact import SecretScrubber

# nats-server's default max_payload, used until the server says otherwise.
DEFAULT_MAX_PAYLOAD = 1024 * 1024
# How often a repeated stderr note is said again (as a count).
NOTE_INTERVAL = 5.0
_FAILED_STATES = {"failed", "error", "errored", "crashed"}
# The fields a record's or an event's caller cannot set through its other fields.
_RECORD_KEYS = frozenset({"ts", "seq", "kind", "text"})
_EVENT_KEYS = frozenset({"ts", "type"})


class _Entry:
    """One accepted message: kept until JetStream acknowledges it."""

    __slots__ = ("n", "subject", "data", "msg_id", "acked", "sent_at", "failures")

    def __init__(self, n: int, subject: str, data: bytes, msg_id: str) -> None:
        self.n = n
        self.subject = subject
        self.data = data
        self.msg_id = msg_id
        self.acked = False
        self.sent_at = 0.0
        self.failures = 0


class TracePublisher:
    """Publishes the agent's trace records and control events; never raises, never stalls the agent."""

    def __init__(self, ctx: PodContext, *, scrubber: SecretScrubber | None = None,
                 max_in_flight: int = 256, buffer_limit: int = 10_000, block_bound: float = 0.5,
                 buffer_bytes: int = 64 * 1024 * 1024, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 connect_timeout: float = 2.0, ack_timeout: float = 5.0,
                 reconnect_wait: float = 0.25) -> None:
        self.ctx = ctx
        self._stdout = stdout if stdout is not None else sys.stdout
        self._stderr = stderr if stderr is not None else sys.stderr
        self.scrubber = scrubber if scrubber is not None else SecretScrubber.from_context(ctx, stderr=self._stderr)
        self.max_in_flight = max(1, max_in_flight)
        self.buffer_limit = max(1, buffer_limit)
        self.buffer_bytes = max(1, buffer_bytes)
        self.block_bound = max(0.0, block_bound)
        self.connect_timeout = connect_timeout
        self.ack_timeout = ack_timeout
        self.reconnect_wait = reconnect_wait
        self.nc: NATS | None = None
        self.stats: dict[str, int] = {
            "accepted": 0, "published": 0, "acked": 0, "duplicates": 0, "resent": 0, "refused": 0,
            "spilled_stdout": 0, "unacked_stdout": 0, "stdout_lines": 0, "heartbeats_dropped": 0,
            "max_in_flight_seen": 0,
        }
        self._seq = 0
        self._events = 0
        self._n = 0
        self._run = _secrets.token_hex(4)
        self._stdout_mode = ctx.nats_url is None
        self._started = False
        self._closed = False
        self._closing = False
        self._hurried = asyncio.Event()
        self._connected = False
        self._epoch = 0
        self._client: NATS | None = None
        self._inbox = ""
        self._max_payload = DEFAULT_MAX_PAYLOAD
        self._pending: dict[int, _Entry] = {}      # accepted, not acknowledged, in order
        self._pending_bytes = 0                     # their size
        self._unsent: deque[_Entry] = deque()       # to (re)send, in order
        self._inflight: dict[int, _Entry] = {}      # sent, awaiting the ack, in order
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._drained = asyncio.Event()
        self._drained.set()
        self._backoff_until = 0.0
        self._backoff = 0.0
        self._tasks: list[asyncio.Task[Any]] = []
        self._connect_task: asyncio.Task[Any] | None = None
        self._on_connect: list[Callable[[NATS], Awaitable[None]]] = []
        self._notes: dict[str, list[Any]] = {}
        self._stdout_broken = False
        self._second = -1
        self._second_text = ""

    # MARK: - Public

    @property
    def seq(self) -> int:
        """The last record's `seq`."""
        return self._seq

    def set_seq(self, n: int) -> None:
        """The next record gets `n + 1` (the runner restores the counter after a resume, so default
        message ids `<job>-<seq>` do not collide with the previous run's)."""
        self._seq = int(n)

    def _now(self) -> str:
        """The current time as `ts` (RFC 3339, UTC, ms), the second's text cached."""
        t = time.time()
        seconds = int(t)
        if seconds != self._second:
            self._second, self._second_text = seconds, _timestamp(seconds)[:-5]
        return f"{self._second_text}.{int((t - seconds) * 1000):03d}Z"

    @property
    def connected(self) -> bool:
        """Whether the publisher currently has a NATS connection."""
        return self._connected

    @property
    def closing(self) -> bool:
        """Whether close() has begun."""
        return self._closing

    def hurry(self) -> None:
        """Stop waiting for acknowledgements: a flush in progress, or any later one, returns at
        once (close() then writes what is unacknowledged to stdout, saying so on stderr). For a
        second SIGTERM: the process is to end now."""
        self._hurried.set()

    @property
    def pending(self) -> int:
        """Accepted records not yet acknowledged by JetStream."""
        return len(self._pending)

    async def start(self) -> None:
        """Connects to ctx.nats_url, waiting at most `connect_timeout`. Never raises: when NATS is
        down the connection keeps being retried in the background while records wait in the buffer."""
        if self._started or self._closed:
            return
        self._started = True
        if self._stdout_mode:
            return
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._sender(), name="trace-sender"))
        self._tasks.append(loop.create_task(self._maintenance(), name="trace-maintenance"))
        self._connect_task = loop.create_task(self._connect(), name="trace-connect")
        self._connect_task.add_done_callback(self._connect_done)
        done, _ = await asyncio.wait({self._connect_task}, timeout=self.connect_timeout + 0.5)
        if not done:
            self._note("connect", "NATS is not reachable yet; records are kept in memory until it is", "NATS_URL")

    def _connect_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        self._say(f"cannot connect to NATS ({type(exc).__name__}: {exc}); records go to stdout once the "
                  f"buffer is full", "NATS_URL")

    def when_connected(self, callback: Callable[[NATS], Awaitable[None]]) -> None:
        """Runs `callback(nc)` once the first connection is made (at once if it already is).

        For the command listener: its subscription needs the connection, which may come late.
        """
        if self.nc is not None:
            asyncio.get_running_loop().create_task(self._run_callback(callback, self.nc))
        else:
            self._on_connect.append(callback)

    async def record(self, kind: str, text: str = "", *, phase: str | None = None,
                     msg_id: str | None = None, extra: Mapping[str, Any] | None = None, **fields: Any) -> None:
        """Publishes one trace record on the logs subject. Returns once it is accepted (not acked).

        `extra`: more fields as one mapping, for fields whose names come from elsewhere (a graph's
        custom record may hold `msg_id` or `self`); `ts`, `seq`, `kind` and `text` stay the
        publisher's."""
        try:
            self._seq += 1
            body: dict[str, Any] = {"ts": self._now(), "seq": self._seq, "kind": str(kind),
                                    "text": text if isinstance(text, str) else str(text)}
            if phase is not None:
                body["phase"] = phase
            _merge(body, fields, _RECORD_KEYS)
            if extra:
                _merge(body, extra, _RECORD_KEYS)
            await self._submit(self.ctx.subject_logs, body, msg_id or f"{self.ctx.job_id}-{self._seq}", event=None)
        except Exception as exc:  # never let the trace take the agent down
            self._note("internal", f"a trace record could not be published: {type(exc).__name__}: {exc}",
                       self.ctx.subject_logs)

    async def event(self, type_: str, *, msg_id: str | None = None, extra: Mapping[str, Any] | None = None,
                    **fields: Any) -> None:
        """Publishes a control event on the events subject. Heartbeats are never buffered or spilled:
        a stale one is worthless. `extra` as for `record`."""
        try:
            body: dict[str, Any] = {"type": str(type_), "ts": self._now()}
            _merge(body, fields, _EVENT_KEYS)
            if extra:
                _merge(body, extra, _EVENT_KEYS)
            if type_ == "heartbeat":
                await self._heartbeat(body)
                return
            self._events += 1
            await self._submit(self.ctx.subject_events, body,
                               msg_id or f"{self.ctx.job_id}-ev-{self._run}-{self._events}", event=type_)
        except Exception as exc:
            self._note("internal", f"a control event could not be published: {type(exc).__name__}: {exc}",
                       self.ctx.subject_events)

    async def flush(self, timeout: float) -> bool:
        """Waits until every accepted record is acknowledged (True) or `timeout` passed, or
        `hurry()` was called (False)."""
        if self._stdout_mode or not self._pending:
            self._flush_stdout()
            return not self._pending
        if self._hurried.is_set():
            return False
        self._wake.set()
        waits = {asyncio.ensure_future(self._drained.wait()), asyncio.ensure_future(self._hurried.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return not self._pending

    async def close(self, timeout: float = 5.0) -> None:
        """Flushes, then writes anything still unacknowledged to stdout (saying so on stderr), and
        closes the connection. Records after close go to stdout. Cancelled while it flushes, it
        stops waiting, writes the rest out all the same, and then lets the cancellation go on."""
        if self._closed or self._closing:
            return
        self._closing = True
        cancelled: asyncio.CancelledError | None = None
        if self._started and not self._stdout_mode:
            try:
                await self.flush(timeout)
            except asyncio.CancelledError as exc:
                cancelled = exc
        self._closed = True
        leftovers = list(self._pending.values())
        self._pending.clear()
        self._pending_bytes = 0
        self._unsent.clear()
        self._inflight.clear()
        self._drained.set()
        if leftovers:
            for entry in leftovers:
                self._write_stdout(entry.data.decode("utf-8", "replace"))
            self.stats["unacked_stdout"] += len(leftovers)
            self._say(f"{len(leftovers)} trace message(s) were not confirmed by NATS before exit and were "
                      f"written to stdout instead", self.ctx.subject_logs)
        self._flush_notes(time.monotonic(), force=True)
        self._flush_stdout()
        try:
            await _cancel_all(self._tasks + ([self._connect_task] if self._connect_task else []))
            self._tasks.clear()
            client = self._client
            self._connected = False
            if client is not None and not client.is_closed:
                try:
                    await asyncio.wait_for(client.close(), 2.0)
                except Exception:
                    pass
        except asyncio.CancelledError as exc:
            cancelled = cancelled or exc
        if cancelled is not None:
            raise cancelled

    # MARK: - Accepting

    async def _submit(self, subject: str, body: dict[str, Any], msg_id: str, event: str | None) -> None:
        text = _dumps(body)
        scrubber = self.scrubber
        if scrubber.active and (not scrubber.json_safe or scrubber.contains(text)):
            body = scrubber.scrub_json(body)
            text = _dumps(body)
        if self._stdout_mode or self._closed:
            if event is None:
                self._write_stdout(_utf8(text).decode("utf-8"))
            elif (line := _event_as_record(body)) is not None:
                self._write_stdout(_encode(line).decode("utf-8"))
            return
        data = _utf8(text)
        if len(data) > self._max_payload - 512:
            data = _fit(body, self._max_payload - 512)
        if self._full(len(data)):
            await self._wait_for_space(len(data))
            if self._full(len(data)):
                self.stats["spilled_stdout"] += 1
                self._write_stdout(data.decode("utf-8", "replace"))
                if len(self._pending) >= self.buffer_limit:
                    held = f"{self.buffer_limit} messages"
                else:
                    held = f"{self._pending_bytes} bytes in {len(self._pending)} messages, the bound is {self.buffer_bytes}"
                self._note("spill", f"the trace buffer is full ({held} not yet stored by NATS): newer messages "
                           f"are written to stdout instead", subject)
                return
        self._n += 1
        entry = _Entry(self._n, subject, data, msg_id)
        self._pending[entry.n] = entry
        self._pending_bytes += len(data)
        self._unsent.append(entry)
        self.stats["accepted"] += 1
        self._drained.clear()
        self._wake.set()

    def _full(self, size: int) -> bool:
        """Whether a message of `size` bytes does not fit in the buffer (one always fits an empty one)."""
        return len(self._pending) >= self.buffer_limit or (
            bool(self._pending) and self._pending_bytes + size > self.buffer_bytes)

    async def _wait_for_space(self, size: int) -> None:
        # Waiting only helps while NATS drains the buffer; while it is down, spill at once.
        if not self._connected or self.block_bound <= 0:
            return
        deadline = time.monotonic() + self.block_bound
        while self._full(size) and self._connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._space.clear()
            try:
                await asyncio.wait_for(self._space.wait(), remaining)
            except (asyncio.TimeoutError, TimeoutError):
                return

    async def _heartbeat(self, body: dict[str, Any]) -> None:
        client = self._client
        if self._stdout_mode or self._closed or not self._connected or client is None:
            self.stats["heartbeats_dropped"] += 1
            return
        try:
            await client.publish(self.ctx.subject_events, _encode(body))
        except Exception:
            self.stats["heartbeats_dropped"] += 1

    # MARK: - Connection

    async def _connect(self) -> None:
        assert self.ctx.nats_url is not None
        client = NATS()
        self._client = client
        options: dict[str, Any] = {
            "servers": [server.strip() for server in self.ctx.nats_url.split(",") if server.strip()],
            "name": f"flightdeck-agent {self.ctx.job_id}",
            # The job's NATS user may subscribe to its own inboxes only (_INBOX.<JOB_ID>.>).
            "inbox_prefix": self.ctx.nats_inbox_prefix,
            "connect_timeout": self.connect_timeout,
            "allow_reconnect": True,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": self.reconnect_wait,
            "ping_interval": 10,
            "max_outstanding_pings": 3,
            # No client-side reconnect buffer: a publish made while disconnected must fail, so the
            # publisher resends it itself, in order (see the module docstring).
            "pending_size": 0,
            "error_cb": self._on_error,
            "disconnected_cb": self._on_disconnected,
            "reconnected_cb": self._on_reconnected,
            "closed_cb": self._on_closed,
        }
        if self.ctx.nats_creds is not None:
            options["user_credentials"] = str(self.ctx.nats_creds)
        await client.connect(**options)  # retries forever (max_reconnect_attempts=-1)
        self._inbox = client.new_inbox() + "."
        await client.subscribe(self._inbox + "*", cb=self._on_ack)
        self._max_payload = client.max_payload or DEFAULT_MAX_PAYLOAD
        self.nc = client
        self._connected = True
        self._backoff = 0.0
        self._back_online("connected to NATS")
        self._wake.set()
        callbacks, self._on_connect = self._on_connect, []
        for callback in callbacks:
            await self._run_callback(callback, client)

    async def _run_callback(self, callback: Callable[[NATS], Awaitable[None]], client: NATS) -> None:
        try:
            await callback(client)
        except Exception as exc:
            self._note("callback", f"a connection callback failed: {type(exc).__name__}: {exc}", "NATS")

    async def _on_error(self, exc: Exception) -> None:
        if self._closed:
            return
        reason = str(exc) or type(exc).__name__
        self._note("nats-error", f"NATS: {reason}", "NATS_URL")

    async def _on_disconnected(self) -> None:
        if not self._connected:
            return
        self._connected = False
        self._epoch += 1
        self._drop_client_buffer()
        self._rewind()
        if not self._closed:
            self._note("disconnect", "lost the NATS connection; reconnecting, records are kept in memory",
                       "NATS_URL")

    async def _on_reconnected(self) -> None:
        client = self._client
        if client is not None:
            self._max_payload = client.max_payload or self._max_payload
        self._connected = True
        self._backoff = 0.0
        self._wake.set()
        if not self._closed:
            self._back_online("reconnected to NATS")

    async def _on_closed(self) -> None:
        self._connected = False

    def _drop_client_buffer(self) -> None:
        """Drops this publisher's publishes still queued in the client (they would reach the server
        after the reconnect, ahead of older records it lost; they are resent in order instead)."""
        client = self._client
        pending = getattr(client, "_pending", None)
        if not isinstance(pending, list) or not self._inbox:
            return
        marker = self._inbox.encode()
        keep = [cmd for cmd in pending if not (cmd.startswith(b"HPUB ") and marker in cmd[:512])]
        if len(keep) != len(pending):
            client._pending = keep  # type: ignore[union-attr]
            client._pending_data_size = sum(len(cmd) for cmd in keep)  # type: ignore[union-attr]

    # MARK: - Sending

    async def _sender(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            client = self._client
            while (self._unsent and self._connected and client is not None
                   and len(self._inflight) < self.max_in_flight
                   and time.monotonic() >= self._backoff_until):
                entry = self._unsent.popleft()
                if entry.acked:
                    continue
                epoch = self._epoch
                try:
                    await client.publish(entry.subject, entry.data, reply=self._inbox + str(entry.n),
                                         headers={"Nats-Msg-Id": entry.msg_id})
                except nats.errors.MaxPayloadError:
                    self._refuse(entry, "larger than the server's max_payload")
                    continue
                except Exception:
                    # Disconnected meanwhile: it goes back, in order; the reconnect wakes us.
                    self._requeue(entry)
                    break
                if epoch != self._epoch:
                    self._requeue(entry)
                    break
                entry.sent_at = time.monotonic()
                self._inflight[entry.n] = entry
                self.stats["published"] += 1
                if len(self._inflight) > self.stats["max_in_flight_seen"]:
                    self.stats["max_in_flight_seen"] = len(self._inflight)

    def _requeue(self, entry: _Entry) -> None:
        if self._unsent and self._unsent[0].n < entry.n:
            self._unsent = deque(sorted([*self._unsent, entry], key=lambda item: item.n))
        else:
            self._unsent.appendleft(entry)

    def _rewind(self) -> None:
        """Every message in flight is sent again, in order, ahead of the unsent ones."""
        if not self._inflight:
            return
        entries = [entry for entry in self._inflight.values() if not entry.acked]
        self._inflight.clear()
        self.stats["resent"] += len(entries)
        if self._unsent and entries and self._unsent[0].n < entries[-1].n:
            self._unsent = deque(sorted([*self._unsent, *entries], key=lambda item: item.n))
        else:
            self._unsent.extendleft(reversed(entries))
        self._wake.set()

    async def _on_ack(self, msg: Any) -> None:
        try:
            n = int(msg.subject[len(self._inbox):])
        except ValueError:
            return
        entry = self._pending.get(n)
        if entry is None:
            return  # a late ack for a message already acknowledged
        data: bytes = msg.data
        if data.startswith(b'{"stream"') and b'"error"' not in data:
            if b'"duplicate"' in data:
                self.stats["duplicates"] += 1
            self._acked(entry)
            return
        reason, permanent = _ack_error(msg)
        if reason is None:
            self._acked(entry)
            return
        if n not in self._inflight:
            return  # an answer to an earlier send of a message already being resent
        entry.failures += 1
        if permanent and entry.failures >= 5:
            self._refuse(entry, reason)
            return
        self._backoff = min(2.0, max(0.1, self._backoff * 2))
        self._backoff_until = time.monotonic() + self._backoff
        self._note("nack", f"JetStream did not store a trace message ({reason}); retrying", entry.subject)
        self._rewind()

    def _acked(self, entry: _Entry) -> None:
        entry.acked = True
        del self._pending[entry.n]
        self._pending_bytes -= len(entry.data)
        self._inflight.pop(entry.n, None)
        self.stats["acked"] += 1
        self._backoff = 0.0
        self._space.set()  # a waiter checks both bounds again
        if not self._pending:
            self._drained.set()
        if self._unsent and len(self._inflight) <= self.max_in_flight // 2:
            self._wake.set()  # in batches: half the window at a time

    def _refuse(self, entry: _Entry, reason: str) -> None:
        """A message the server will never take: out of the queue, onto stdout, said on stderr."""
        entry.acked = True
        if self._pending.pop(entry.n, None) is not None:
            self._pending_bytes -= len(entry.data)
        self._inflight.pop(entry.n, None)
        self.stats["refused"] += 1
        self._write_stdout(entry.data.decode("utf-8", "replace"))
        self._note("refused", f"NATS refused a trace message ({reason}); it was written to stdout instead",
                   entry.subject)
        self._space.set()
        if not self._pending:
            self._drained.set()
        self._wake.set()

    async def _maintenance(self) -> None:
        """Ack timeouts, the end of a retry back-off, and repeated notes' summaries."""
        tick = max(0.02, min(0.1, self.ack_timeout / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if self._inflight and self._connected:
                oldest = next(iter(self._inflight.values()))
                if now - oldest.sent_at > self.ack_timeout:
                    self._note("ack-timeout", f"no JetStream ack within {self.ack_timeout:g} s; resending",
                               oldest.subject)
                    self._rewind()
            if self._backoff_until and now >= self._backoff_until:
                self._backoff_until = 0.0
                self._wake.set()
            self._flush_notes(now)

    # MARK: - Output

    def _write_stdout(self, line: str) -> None:
        if self._stdout_broken:
            return
        try:
            try:
                self._stdout.write(line + "\n")
            except UnicodeEncodeError:  # a non-UTF-8 stdout: the same JSON with \u escapes
                self._stdout.write(_ascii_json(line) + "\n")
            self._stdout.flush()
            self.stats["stdout_lines"] += 1
        except (OSError, ValueError) as exc:
            self._stdout_broken = True
            self._say(f"stdout is not writable ({exc}); trace lines meant for it are lost", "stdout")

    def _flush_stdout(self) -> None:
        try:
            self._stdout.flush()
        except (OSError, ValueError):
            pass

    def _say(self, what: str, where: str | None) -> None:
        text = self.scrubber.scrub(f"flightdeck-agent: {what}" + (f" ({where})" if where else ""))
        try:
            self._stderr.write(text.replace("\n", " ") + "\n")
            self._stderr.flush()
        except (OSError, ValueError):
            pass

    def _note(self, key: str, what: str, where: str | None) -> None:
        """Says `what` on stderr; the same note again within NOTE_INTERVAL is only counted."""
        now = time.monotonic()
        state = self._notes.get(key)
        if state is None or now - state[0] >= NOTE_INTERVAL:
            repeats = state[1] if state else 0
            self._say(what + (f" [{repeats} more since the last note]" if repeats else ""), where)
            self._notes[key] = [now, 0, what, where]
        else:
            state[1] += 1
            state[2], state[3] = what, where

    def _back_online(self, what: str) -> None:
        """Ends the outage notes; says so when an outage was said."""
        said = [self._notes.pop(key, None) for key in ("connect", "disconnect", "nats-error")]
        if any(said):
            self._say(f"{what}; {len(self._pending)} trace message(s) kept meanwhile are being sent", "NATS_URL")

    def _flush_notes(self, now: float, force: bool = False) -> None:
        for state in self._notes.values():
            if state[1] and (force or now - state[0] >= NOTE_INTERVAL):
                self._say(f"{state[2]} [{state[1]} more since the last note]", state[3])
                state[0], state[1] = now, 0


async def _cancel_all(tasks: list[asyncio.Task[Any]], limit: float = 3.0) -> None:
    """Cancels the tasks and waits for them, at most `limit` seconds. Cancelled again until they end:
    Python 3.11's wait_for can swallow a cancellation (a client's connect loop then goes on)."""
    deadline = time.monotonic() + limit
    pending = {task for task in tasks if not task.done()}
    while pending and time.monotonic() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.02)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning


# MARK: - Pure helpers


def _merge(body: dict[str, Any], fields: Mapping[Any, Any], reserved: frozenset[str]) -> None:
    """`fields` into `body`: keys as strings, None values dropped, `reserved` keys left alone."""
    for key, value in fields.items():
        if value is None:
            continue
        name = key if isinstance(key, str) else _flat(key)
        if name not in reserved:
            body[name] = value


def _timestamp(t: float) -> str:
    """RFC 3339, UTC, milliseconds."""
    seconds = int(t)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((t - seconds) * 1000):03d}Z"


def _dumps(body: Any) -> str:
    """Compact JSON (one line, strict: NaN and Infinity are not JSON, and Flightdeck's reader
    refuses them); anything not JSON becomes its str(), a non-finite float the string "NaN",
    "Infinity" or "-Infinity"."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
    except Exception:  # a circular or odd value, a str() that raises
        pass
    try:
        return json.dumps(_finite(body, 0), ensure_ascii=False, separators=(",", ":"), default=str,
                          allow_nan=False)
    except Exception:  # a circular or odd value, a str() that raises
        return json.dumps({str(key): _flat(value) for key, value in body.items()} if isinstance(body, dict)
                          else _flat(body), ensure_ascii=False, separators=(",", ":"))


def _finite(value: Any, depth: int) -> Any:
    """`value` with every non-finite float as a string and every dict key as a string (pure)."""
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if depth > 64:
        return _flat(value)
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): _finite(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item, depth + 1) for item in value]
    return value


def _flat(value: Any) -> str:
    try:
        return value if isinstance(value, str) else str(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _utf8(text: str) -> bytes:
    """UTF-8; lone surrogates (from hostile input) become U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def _encode(body: Any) -> bytes:
    return _utf8(_dumps(body))


def _ascii_json(line: str) -> str:
    try:
        return json.dumps(json.loads(line), ensure_ascii=True, separators=(",", ":"))
    except ValueError:
        return line.encode("ascii", "replace").decode("ascii")


def _fit(body: dict[str, Any], limit: int) -> bytes:
    """`body` encoded in at most `limit` bytes: its largest fields cut (from their original value),
    with a note and `"truncated": true`."""
    body = dict(body)
    originals: dict[str, bytes] = {}
    for attempt in range(32):
        data = _encode(body)
        if len(data) <= limit:
            return data
        sizes = {key: len(_encode(value)) for key, value in body.items()}
        key = max(sizes, key=sizes.__getitem__)
        if key not in originals:
            value = body[key]
            originals[key] = _utf8(value if isinstance(value, str) else _dumps(value))
        raw = originals[key]
        # First by the excess (plus room for the note); then by halves (escapes make JSON longer).
        target = max(0, sizes[key] - (len(data) - limit) - 256)
        if attempt:
            target = min(target, sizes[key] // 2)
        kept = raw[:min(len(raw), target)].decode("utf-8", "ignore")
        body[key] = kept + f"[… {len(raw) - len(kept.encode('utf-8'))} bytes truncated …]"
        body["truncated"] = True
    return _encode({"ts": body.get("ts"), "kind": "error", "text": "a trace record too large to publish was dropped"})


def _ack_error(msg: Any) -> tuple[str | None, bool]:
    """(reason, permanent) for a JetStream publish answer that is not a plain ack; (None, _) for an ack."""
    headers = getattr(msg, "headers", None) or {}
    status = headers.get("Status")
    if status == "503" or (not msg.data and status):
        return "no stream takes the subject", False
    try:
        answer = json.loads(msg.data)
    except ValueError:
        return "an unreadable answer", False
    if not isinstance(answer, dict):
        return "an unreadable answer", False
    error = answer.get("error")
    if error is None:
        return None, False
    if isinstance(error, dict):
        code = error.get("code")
        description = str(error.get("description") or code)
        return description, code not in (503, 408, 500)
    return str(error), True


def _event_as_record(body: dict[str, Any]) -> dict[str, Any] | None:
    """A control event as a stdout line for Flightdeck's pod-log reader (which reads records): a
    status becomes the record Flightdeck would make of it; the others are not shown there
    (phases ride on the records' `phase` field)."""
    if body.get("type") != "status":
        return None
    state = str(body.get("state") or "")
    summary = body.get("summary")
    text = f"agent status: {state}" + (f" — {summary}" if summary else "")
    return {"ts": body.get("ts"), "kind": "error" if state.lower() in _FAILED_STATES else "message", "text": text}
