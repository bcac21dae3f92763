"""Runs a LangGraph graph as a Flightdeck agent: checkpoints, resume, trace, commands, exit codes.

One run is one Kubernetes Job attempt. The graph is checkpointed to SQLite at
CHECKPOINT_PATH with thread_id = JOB_ID, so the next attempt (after an OOM kill, an
eviction, a ``kill -9``) continues from the last finished step instead of starting over.

Between steps the runner drains the graph (LangGraph's ``RunControl``) when the operator
pauses, cancels or instructs, or when SIGTERM arrives: the running step always finishes and
is checkpointed first, and nothing runs while the graph is drained.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Mapping, NoReturn

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl
from langgraph.types import Command

from .adapter import (
    STREAM_MODES,
    MapperState,
    Out,
    PhaseMap,
    content_text,
    flush_pending,
    map_part,
    records_for_finished_tasks,
)
from .context import ContractError, PodContext, context

EXIT_SIGTERM = 143
EXIT_SIGINT = 130
#: At most this many finished steps are published again on resume.
MAX_REPUBLISH_STEPS = 100

Inject = Callable[[list[str]], Mapping[str, Any]]


@dataclass
class RunOptions:
    """How to run a graph. Every field has a default that suits a ReAct-style graph."""

    phases: PhaseMap = field(default_factory=PhaseMap)
    recursion_limit: int = 200
    #: A single step (an LLM call, a tool run) longer than this ends the run as transient (75).
    step_bound: float = 1800.0
    #: Turns pending operator instructions into a state update for the next STRATEGIC node.
    #: Default: a HumanMessage each, appended to the ``messages`` channel.
    inject: Inject | None = None
    #: The one-line summary of the status event on success. Default: the last AI message.
    summarize: Callable[[Any], str | None] | None = None
    #: Adjusts the pod context before anything starts (e.g. adds a secret read elsewhere, so
    #: that it is redacted too).
    prepare_context: Callable[[PodContext], PodContext] | None = None
    #: On resume, the records of the steps checkpointed less than this many seconds ago are
    #: published again (same ids: JetStream drops the copies). Older ones had time to be
    #: acked, and the stream's duplicate window (120 s) would no longer catch a copy.
    republish_window: float = 100.0
    #: Publish non-message state updates as ``message`` records.
    state_records: bool = True
    #: Seconds between heartbeat touches (env AGENT_HEARTBEAT_INTERVAL overrides).
    heartbeat_interval: float = 5.0
    close_timeout: float = 5.0


class StepTimeout(TimeoutError):
    """A step ran longer than RunOptions.step_bound."""


class _Control(RunControl):
    """Drains the graph at the next step boundary when the runner wants it to.

    LangGraph reads ``drain_requested`` once per step, after the previous step finished and
    was checkpointed and before the next step's tasks start: exactly "between nodes".
    """

    __slots__ = ("_wants",)

    def __init__(self, wants: Callable[[], str | None]) -> None:
        super().__init__()
        self._wants = wants

    @property
    def drain_requested(self) -> bool:
        return self._drain_reason is not None or self._wants() is not None

    @property
    def drain_reason(self) -> str | None:
        return self._drain_reason or self._wants()


class GraphRunner:
    """One run of one graph for one pod: owns the checkpointer, the publisher and the loop."""

    def __init__(self, graph: Any, ctx: PodContext, inputs: Any, options: RunOptions | None = None, *,
                 publisher: Any = None, heartbeat: Any = None, commands: Any = None,
                 workspace: Any = None) -> None:
        self.graph_source = graph
        self.ctx = ctx
        self.inputs = inputs
        self.options = options or RunOptions()
        self.publisher = publisher
        self.heartbeat = heartbeat
        self.commands = commands
        self.workspace = workspace
        self.mapper = MapperState(state_records=self.options.state_records)
        self.terminating: int | None = None  # exit code of the signal that asked us to stop
        self._instructions: list[Any] = []  # commands.Instruction: taken, not yet injected
        self._delivering: list[Any] = []    # injected into the stream that runs now
        self._armed = False
        self._owned: list[Callable[[], Awaitable[None] | None]] = []
        self._graph: Any = None
        self._scrubber: Any = None
        self._files_at = float("-inf")
        self._terminated_said = False

    # --- public ---------------------------------------------------------------------

    async def run(self) -> int:
        """Runs the graph to the end (or a drain, or an error); returns the exit code.

        Cancelled (a second signal), it ends the running step at once, publishes a
        ``terminated`` status when a signal asked for the stop, closes the services and lets
        the cancellation go on."""
        try:
            try:
                await self._start_services()
            except Exception as exc:  # a bad setting; the services themselves never raise
                return self._report_early(exc)
            try:
                async with AsyncSqliteSaver.from_conn_string(str(self.ctx.checkpoint_path)) as saver:
                    code = await self._run_with(saver)
            except Exception as exc:
                code = await self._fail(exc)
            await self._say_undelivered(code)
            return code
        except asyncio.CancelledError:
            if self.terminating is not None and not self._terminated_said:
                self._terminated_said = True
                with contextlib.suppress(Exception):
                    await self._event("status", f"status-term-{uuid.uuid4().hex[:12]}", state="terminated",
                                      summary="stopped at once by a second signal; the step that was running "
                                              "did not finish and runs again on restart")
            with contextlib.suppress(Exception):
                await self._say_undelivered(self.terminating or EXIT_SIGTERM)
            raise
        finally:
            await self._stop_services()

    def on_signal(self, code: int) -> None:
        """SIGTERM/SIGINT: finish the running step, checkpoint, exit with ``code``."""
        if self.terminating is None:
            self.terminating = code
            if self.commands is not None:
                with contextlib.suppress(Exception):
                    self.commands.request_cancel("SIGTERM" if code == EXIT_SIGTERM else "SIGINT")

    def hurry(self) -> None:
        """A second signal: the publisher stops waiting for NATS' acknowledgements (what is not
        acknowledged is written to stdout at close, said on stderr)."""
        with contextlib.suppress(Exception):
            if self.publisher is not None and hasattr(self.publisher, "hurry"):
                self.publisher.hurry()

    # --- the run --------------------------------------------------------------------

    async def _run_with(self, saver: AsyncSqliteSaver) -> int:
        self._graph = graph = self._compile(saver)
        config: dict[str, Any] = {
            "configurable": {"thread_id": self.ctx.job_id},
            "recursion_limit": self.options.recursion_limit,
        }
        snapshot = await graph.aget_state(config)
        if snapshot.created_at is not None:
            await self._resumed(graph, snapshot, config)
            stream_input: Any = None
        else:
            stream_input = self.inputs(self.ctx) if callable(self.inputs) else self.inputs
        while True:
            try:
                await self._stream(graph, stream_input, config)
            except GraphDrained:
                await self._publish_all(flush_pending(self.mapper))
                decided = await self._after_drain(graph, config)
                if isinstance(decided, int):
                    return decided
                stream_input = decided
                continue
            except BaseException:
                await self._publish_all(flush_pending(self.mapper))
                raise
            await self._publish_all(flush_pending(self.mapper))
            return await self._finished(graph, config)

    async def _stream(self, graph: Any, stream_input: Any, config: dict) -> None:
        self._armed = False
        control = _Control(self._drain_wanted)
        loop = asyncio.get_running_loop()
        bound = self.options.step_bound
        stream = graph.astream(stream_input, config, stream_mode=list(STREAM_MODES),
                               durability="sync", control=control)
        async with contextlib.aclosing(stream):
            try:
                async with asyncio.timeout(None) as deadline:
                    async for part in stream:
                        if self.heartbeat is not None:
                            self.heartbeat.progress()
                        if part[0] == "tasks" and "input" in part[1]:
                            self._armed = True
                            deadline.reschedule(loop.time() + bound)
                            if self._delivering:
                                await self._delivered()
                        try:
                            outs = map_part(part, phases=self.options.phases, state=self.mapper)
                        except Exception as exc:  # the graph's output is hostile: never a crash
                            outs = [self._unmappable(part, exc)]
                        if outs:
                            await self._publish_all(outs)
                            if part[0] == "checkpoints":
                                await self._maybe_files()
            except TimeoutError as exc:
                if deadline.expired():
                    raise StepTimeout(f"a step ran longer than {bound:g} s (step_bound)") from exc
                raise

    def _drain_wanted(self) -> str | None:
        """Why the graph should stop before its next step, or None (read by LangGraph)."""
        if self.terminating is not None:
            return "terminate"
        cmd = self.commands
        if cmd is None:
            return None
        if cmd.cancel_requested:
            return "cancel"
        if cmd.paused:
            return "pause"
        self._instructions.extend(_take(cmd))
        if self._instructions and self._armed:
            return "instruct"
        return None

    async def _after_drain(self, graph: Any, config: dict) -> Any:
        """What to do at a drained step boundary: an exit code, or the next stream input."""
        while True:
            if self.terminating is not None:
                self._terminated_said = True
                await self._event("status", f"status-term-{uuid.uuid4().hex[:12]}", state="terminated",
                                  summary="stopped by a signal after a finished step; a restart resumes from the checkpoint")
                return self.terminating
            cmd = self.commands
            if cmd is not None and cmd.cancel_requested:
                await self._event("status", "status-cancelled", state="cancelled",
                                  summary=f"cancelled by the operator after step {self.mapper.step}")
                return 0
            if cmd is not None and cmd.paused:
                await self._event("status", f"status-paused-{uuid.uuid4().hex[:12]}", state="paused",
                                  summary=f"paused after step {self.mapper.step}")
                await self._wait_paused(cmd)
                if self.terminating is None and not cmd.cancel_requested:
                    await self._event("status", f"status-running-{uuid.uuid4().hex[:12]}", state="running",
                                      summary="resumed by the operator")
                continue
            break
        if cmd is not None:
            self._instructions.extend(_take(cmd))
        if self._instructions:
            snapshot = await graph.aget_state(config)
            phases = self.options.phases
            if any(phases.is_strategic(n) for n in snapshot.next) or not any(
                    phases.is_strategic(n) for n in getattr(graph, "nodes", {})):
                # the next strategic step, or the next step at all in a graph without one
                return await self._injection(graph)
        return None

    async def _wait_paused(self, cmd: Any) -> None:
        """Waits for resume/cancel; progress keeps the heartbeat honest while paused."""
        while cmd.paused and not cmd.cancel_requested and self.terminating is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(cmd.wait_while_paused(), timeout=1.0)
            if self.heartbeat is not None:
                self.heartbeat.progress()

    async def _injection(self, graph: Any) -> Command | None:
        """The pending instructions as the next stream's input. They leave the command state file
        once the step that starts from them is checkpointed (`_delivered`): a crash before that
        gives them again after the restart. The default message carries the command's id, so that
        such a replay replaces the message instead of adding a second one."""
        instructions, self._instructions = self._instructions, []
        texts = [i.text for i in instructions]
        update: Mapping[str, Any] | None
        if self.options.inject is not None:
            update = self.options.inject(texts)
        elif "messages" in getattr(graph, "channels", {}):
            update = {"messages": [HumanMessage(f"Operator instruction: {i.text}",
                                                **({"id": f"operator-instruction-{i.id}"} if i.id else {}))
                                   for i in instructions]}
        else:
            update = None
        for i in instructions:
            note = "" if update else " (not delivered: the graph has no messages channel and no inject hook)"
            await self._record("message", f"operator instruction: {i.text}{note}",
                               f"instruct-{i.id or uuid.uuid4().hex[:12]}", phase="STRATEGIC")
        if not update:
            self._delivering = instructions
            await self._delivered()
            return None
        self._delivering = instructions
        return Command(update=dict(update))

    async def _delivered(self) -> None:
        """The injected instructions are in a checkpoint: out of the command state file."""
        delivering, self._delivering = self._delivering, []
        cmd = self.commands
        if cmd is not None and hasattr(cmd, "delivered"):
            with contextlib.suppress(Exception):
                await cmd.delivered(delivering)

    async def _finished(self, graph: Any, config: dict) -> int:
        snapshot = await graph.aget_state(config)
        if snapshot.next:
            reason = f"the graph stopped before {', '.join(snapshot.next)}: it waits for input (interrupt), which a pod cannot give"
            await self._record("error", reason, f"err-{uuid.uuid4().hex[:12]}")
            await self._event("status", f"status-failed-{uuid.uuid4().hex[:12]}", state="failed", summary=reason)
            self._stderr(reason)
            return self.ctx.fatal_exit_code
        summary = self._summary(snapshot.values)
        await self._maybe_files(force=True)
        ckpt = (snapshot.config.get("configurable") or {}).get("checkpoint_id", "")
        await self._event("status", f"status-done-{ckpt}", state="done", summary=summary)
        return 0

    async def _resumed(self, graph: Any, snapshot: Any, config: dict) -> None:
        """A checkpoint exists: say so, and publish again the records of the steps finished
        within ``republish_window``: records accepted but not yet acked when the previous
        process died would be lost otherwise. Their ids are those of the first time, so the
        stream keeps one copy."""
        step = (snapshot.metadata or {}).get("step", -1)
        ckpt = (snapshot.config.get("configurable") or {}).get("checkpoint_id", "")
        self.mapper.step = step
        # In the phase of the node that runs next (not made the current phase: that node's own
        # phase event still comes).
        phase = next((p for p in map(self.options.phases.phase_of, snapshot.next or ()) if p), None)
        await self._record("message", f"resumed from checkpoint step {step}",
                           f"resumed-{ckpt}-{uuid.uuid4().hex[:8]}", phase=phase)
        recent: list[Any] = []
        async for snap in graph.aget_state_history(config):
            if snap.config == snapshot.config or (snap.config.get("configurable") or {}).get("checkpoint_id") == ckpt:
                continue  # the step to run now: its finished tasks are replayed by LangGraph
            if not self._recent(snap.created_at) or len(recent) >= MAX_REPUBLISH_STEPS:
                break
            recent.append(snap)
        for snap in reversed(recent):
            await self._publish_all(
                records_for_finished_tasks(snap.tasks, phases=self.options.phases, state=self.mapper))

    def _recent(self, created_at: str | None) -> bool:
        if not created_at:
            return False
        try:
            then = datetime.fromisoformat(created_at)
        except ValueError:
            return False
        if then.tzinfo is None:
            then = then.replace(tzinfo=timezone.utc)
        age = (datetime.now(timezone.utc) - then).total_seconds()
        return age <= self.options.republish_window

    # --- failure --------------------------------------------------------------------

    async def _fail(self, exc: BaseException) -> int:
        code, reason = _classify(exc, self.ctx.fatal_exit_code, self._scrubber)
        with contextlib.suppress(Exception):
            await self._record("error", reason, f"err-{uuid.uuid4().hex[:12]}", phase=self.mapper.phase)
            await self._event("status", f"status-failed-{uuid.uuid4().hex[:12]}", state="failed", summary=reason)
        self._stderr(reason)
        return code

    def _report_early(self, exc: BaseException) -> int:
        code, reason = _classify(exc, self.ctx.fatal_exit_code, self._scrubber)
        self._stderr(reason)
        return code

    def _stderr(self, line: str) -> None:
        with contextlib.suppress(Exception):
            if self._scrubber is None:
                from .redact import SecretScrubber

                self._scrubber = SecretScrubber.from_context(self.ctx)
            text = self._scrubber.scrub(line)
            text = "".join(ch if ch.isprintable() else " " for ch in text)[:2000]
            sys.stderr.write(f"flightdeck-agent: {text}\n")
            sys.stderr.flush()

    # --- plumbing -------------------------------------------------------------------

    def _compile(self, saver: AsyncSqliteSaver) -> Any:
        source = self.graph_source
        if hasattr(source, "astream") and hasattr(source, "copy"):
            return source.copy(update={"checkpointer": saver})
        if hasattr(source, "compile"):
            return source.compile(checkpointer=saver)
        if callable(source):
            return source(self.ctx, saver)
        raise TypeError(f"run_graph needs a compiled graph, a StateGraph or a builder, not {type(source).__name__}")

    def _summary(self, values: Any) -> str:
        if self.options.summarize is not None:
            text = self.options.summarize(values)
            if text:
                return str(text)[:500]
        messages = values.get("messages") if isinstance(values, Mapping) else None
        for msg in reversed(messages or []):
            if isinstance(msg, AIMessage):
                for call in msg.tool_calls or ():
                    summary = (call.get("args") or {}).get("summary")
                    if isinstance(summary, str) and summary.strip():
                        return summary.strip()[:500]
                text = content_text(msg.content).strip()
                if text:
                    return text.splitlines()[0][:500]
        return f"finished after step {self.mapper.step}"

    async def _publish_all(self, outs: list[Out]) -> None:
        pub = self.publisher
        if pub is None:
            return
        job = self.ctx.job_id
        for out in outs:
            try:
                body = dict(out.body)
                if out.subject == "logs":
                    kind = body.pop("kind", "message")
                    text = body.pop("text", "")
                    # fields as one mapping: a custom record's keys may be anything (`msg_id`, `self`)
                    await pub.record(kind, text, msg_id=f"{job}-{out.msg_id_suffix}", extra=body)
                else:
                    type_ = body.pop("type", "message")
                    await pub.event(type_, msg_id=f"{job}-{out.msg_id_suffix}", extra=body)
            except Exception as exc:
                await self._record("error", f"a trace record could not be published: {_one_line(exc, self._scrubber)}",
                                   f"puberr-{uuid.uuid4().hex[:12]}", phase=self.mapper.phase)

    def _unmappable(self, part: Any, exc: BaseException) -> Out:
        """The error record for a stream part the adapter could not map."""
        mode = part[-2] if isinstance(part, tuple) and len(part) >= 2 else "?"
        body: dict[str, Any] = {"kind": "error", "text": f"a {_one_line(mode)} stream part could not be "
                                                         f"mapped to a record: {_one_line(exc, self._scrubber)}"}
        if self.mapper.phase:
            body["phase"] = self.mapper.phase
        return Out("logs", body, f"maperr-{uuid.uuid4().hex[:12]}")

    async def _record(self, kind: str, text: str, suffix: str, **fields: Any) -> None:
        if self.publisher is not None:
            await self.publisher.record(kind, text, msg_id=f"{self.ctx.job_id}-{suffix}", **fields)

    async def _event(self, type_: str, suffix: str, **fields: Any) -> None:
        if self.publisher is not None:
            await self.publisher.event(type_, msg_id=f"{self.ctx.job_id}-{suffix}", **fields)

    async def _maybe_files(self, force: bool = False) -> None:
        """A ``files`` event when the listing changed, at most every debounce period."""
        lister = self.workspace
        if lister is None or self.publisher is None:
            return
        now = time.monotonic()
        if force:
            entries = await asyncio.to_thread(lister.listing)
        else:
            if now - self._files_at < getattr(lister, "debounce", 2.0):
                return  # checked here first: no thread hop on most steps
            self._files_at = now
            entries = await asyncio.to_thread(lister.poll, now)
            if entries is None:
                return
        await self._event("files", f"files-{uuid.uuid4().hex[:12]}", entries=entries)

    async def _start_services(self) -> None:
        """The publisher, heartbeat, command listener and workspace lister not given to us."""
        from .commands import CommandListener
        from .heartbeat import Heartbeat
        from .publisher import TracePublisher
        from .redact import SecretScrubber
        from .workspace import WorkspaceLister

        interval = self._heartbeat_interval()
        self._scrubber = SecretScrubber.from_context(self.ctx)
        self.mapper.scrub = self._scrubber.scrub if self._scrubber.active else None
        if self.publisher is None:
            self.publisher = TracePublisher(self.ctx, scrubber=self._scrubber)
            await self.publisher.start()
            self._owned.append(lambda: self.publisher.close(self.options.close_timeout))
        if self.heartbeat is None:
            self.heartbeat = Heartbeat(self.ctx.heartbeat_path, interval=interval)
            self.heartbeat.start(asyncio.get_running_loop())
            self._owned.append(self.heartbeat.stop)
        if self.commands is None:
            self.commands = CommandListener(self.ctx, self.publisher)
            await self.commands.start(getattr(self.publisher, "nc", None))
            if hasattr(self.commands, "stop"):
                self._owned.append(self.commands.stop)
        if self.workspace is None:
            self.workspace = WorkspaceLister(self.ctx.workspace)

    def _heartbeat_interval(self) -> float:
        raw = (self.ctx.environ.get("AGENT_HEARTBEAT_INTERVAL") or "").strip()
        try:
            value = float(raw) if raw else self.options.heartbeat_interval
        except ValueError:
            raise ContractError(f"AGENT_HEARTBEAT_INTERVAL {raw[:20]!r} is not a number of seconds",
                                "environment", self.ctx.fatal_exit_code) from None
        if not 0.05 <= value <= 3600:
            raise ContractError(f"AGENT_HEARTBEAT_INTERVAL {raw[:20]!r} is not between 0.05 and 3600 seconds",
                                "environment", self.ctx.fatal_exit_code)
        return value

    async def _stop_services(self) -> None:
        """Stops what the runner started. A stop in progress is not abandoned when the run is
        cancelled (a second signal): the publisher's close writes out what NATS has not
        acknowledged; a cancellation only hurries it, and goes on afterwards."""
        cancelled: asyncio.CancelledError | None = None
        owned, self._owned = self._owned, []
        for stop in reversed(owned):
            try:
                result = stop()
                if not asyncio.iscoroutine(result):
                    continue
                task = asyncio.ensure_future(result)
                while not task.done():
                    try:
                        await asyncio.wait({task})  # waiting is cancelled, not the stop itself
                    except asyncio.CancelledError as exc:
                        cancelled = cancelled or exc
                        self.hurry()
                if not task.cancelled():
                    task.exception()  # retrieved; a failing stop is not the run's failure
            except Exception:
                pass
        if cancelled is not None:
            raise cancelled

    async def _say_undelivered(self, code: int) -> None:
        """Operator instructions that never reached the graph (the run ended first): a record
        and a stderr line each, so the operator knows. After a run that ends the job (exit 0) they
        are dropped from the command state file; after any other exit they stay in it, and the next
        attempt of the Job gives them to its next strategic step."""
        instructions, self._instructions = self._instructions + self._delivering, []
        self._delivering = []
        cmd = self.commands
        if cmd is not None:
            with contextlib.suppress(Exception):
                instructions.extend(_take(cmd))
        kept = code != 0 and getattr(cmd, "durable", False)
        for i in instructions:
            if kept:
                line = f"operator instruction not delivered in this run, kept for the next attempt: {i.text}"
            else:
                line = f"operator instruction not delivered (the run ended before another step): {i.text}"
            await self._record("message", line, f"undelivered-{uuid.uuid4().hex[:12]}", phase="STRATEGIC")
            self._stderr(line)
        if instructions and not kept and cmd is not None and hasattr(cmd, "delivered"):
            with contextlib.suppress(Exception):
                await cmd.delivered(instructions)


def _take(cmd: Any) -> list[Any]:
    """The listener's new instructions as `Instruction`s (a listener of one's own may have only
    take_instructions(), texts without ids)."""
    from .commands import Instruction

    if hasattr(cmd, "take_pending"):
        return list(cmd.take_pending())
    return [Instruction(None, text) for text in cmd.take_instructions()]


async def run_graph(graph: Any, ctx: PodContext, inputs: Any, options: RunOptions | None = None, *,
                    publisher: Any = None, heartbeat: Any = None, commands: Any = None,
                    workspace: Any = None, install_signals: bool = False) -> int:
    """Runs ``graph`` (compiled, a StateGraph, or ``builder(ctx, checkpointer)``) to an exit code.

    ``inputs`` (a dict, or ``f(ctx) -> dict``) is used only on a fresh start; with a checkpoint
    for the job the run resumes. Services not passed in are created from ``ctx`` and closed
    at the end.
    """
    runner = GraphRunner(graph, ctx, inputs, options, publisher=publisher, heartbeat=heartbeat,
                         commands=commands, workspace=workspace)
    if not install_signals:
        return await runner.run()
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    received: list[int] = []

    def handler(code: int) -> None:
        received.append(code)
        if len(received) == 1:
            runner.on_signal(code)
        elif len(received) == 2 and main_task is not None:  # a second signal: stop now
            runner.hurry()
            main_task.cancel()

    for sig, code in ((signal.SIGTERM, EXIT_SIGTERM), (signal.SIGINT, EXIT_SIGINT)):
        loop.add_signal_handler(sig, handler, code)
    try:
        return await runner.run()
    except asyncio.CancelledError:
        return received[0] if received else EXIT_SIGTERM
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def main(build_graph: Callable[[PodContext, Any], Any], make_input: Callable[[PodContext], Any],
         options: RunOptions | None = None) -> NoReturn:
    """The entry point of an agent image: read the pod contract, run, exit with the right code.

    ``build_graph(ctx, checkpointer)`` returns the compiled graph; ``make_input(ctx)`` the
    first input (not called when resuming). Never prints a traceback.
    """
    protect_process()
    options = options or RunOptions()
    code = 1
    ctx: PodContext | None = None
    try:
        ctx = context()
        if options.prepare_context is not None:
            ctx = options.prepare_context(ctx)
        code = asyncio.run(_amain(build_graph, make_input, options, ctx))
    except ContractError as exc:
        _line(str(exc), ctx)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = EXIT_SIGINT
    except BaseException as exc:  # last resort: one line, never a traceback
        if isinstance(exc, SystemExit):
            code = exc.code if isinstance(exc.code, int) else 1
        else:
            _line(f"internal error: {_one_line(exc, limit=None)}", ctx)
            code = 1
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Flushes stdout and stderr and ends the process with ``code``, without the interpreter's
    teardown: nothing is left to print a late traceback, and nothing can hold the exit up."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)


def protect_process() -> None:
    """Makes this process non-dumpable (Linux ``prctl(PR_SET_DUMPABLE, 0)``): its
    ``/proc/<pid>/environ`` and ``mem`` become unreadable to the tools' commands, which run under
    the same uid, so the environment the execute tool scrubs cannot be read back from the agent
    (``cat /proc/$PPID/environ``). Commands are dumpable again once they exec. It does not stop a
    process with CAP_SYS_PTRACE, nor root. Elsewhere, or if it fails, nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4


async def _amain(build_graph: Callable[[PodContext, Any], Any], make_input: Callable[[PodContext], Any],
                 options: RunOptions, ctx: PodContext) -> int:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_QuietExceptionHandler(_quiet_scrubber(ctx)))
    code = await run_graph(build_graph, ctx, make_input, options, install_signals=True)
    # Ends here, not after asyncio.run: its teardown joins the default executor's threads, and a
    # synchronous step cut off by step_bound still runs in one of them (forever, maybe).
    _exit_now(code)


class _QuietExceptionHandler:
    """asyncio's default handler prints tracebacks of forgotten tasks; one redacted line instead."""

    def __init__(self, scrubber: Any) -> None:
        self.scrubber = scrubber

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        with contextlib.suppress(Exception):
            exc = context.get("exception")
            what = f"{type(exc).__name__}: {exc}" if exc is not None else context.get("message", "")
            text = str(what)
            if self.scrubber is not None:
                text = self.scrubber.scrub(text)  # before the cut: no half secret
            text = "".join(ch if ch.isprintable() else " " for ch in text)[:300]
            sys.stderr.write(f"flightdeck-agent: background error: {text}\n")
            sys.stderr.flush()


def _quiet_scrubber(ctx: PodContext | None) -> Any:
    """A scrubber for the pod's secrets that says nothing itself (the runner's says what it must)."""
    if ctx is None:
        return None
    try:
        import io

        from .redact import SecretScrubber

        return SecretScrubber.from_context(ctx, stderr=io.StringIO())
    except Exception:
        return None


def _classify(exc: BaseException, fatal: int, scrubber: Any = None) -> tuple[int, str]:
    from .exitcodes import classify

    if isinstance(exc, ContractError):  # already says what and where
        return exc.exit_code, str(exc)
    try:
        return classify(exc, fatal, scrub=scrubber.scrub if scrubber is not None else None)
    except Exception:
        return 1, _one_line(exc, scrubber)


def _one_line(value: Any, scrubber: Any = None, limit: int | None = 300) -> str:
    """`Type: first line` of an exception, or the first line of a value's str(), redacted before
    it is cut at `limit` (no half secret); never raises."""
    try:
        if isinstance(value, BaseException):
            lines = str(value).strip().splitlines()
            text = f"{type(value).__name__}: {lines[0]}" if lines else type(value).__name__
        else:
            text = str(value).strip().splitlines()[0] if str(value).strip() else ""
        if scrubber is not None:
            text = scrubber.scrub(text)
    except Exception:
        text = type(value).__name__
    return text if limit is None else text[:limit]


def _line(text: str, ctx: PodContext | None = None) -> None:
    """One line on stderr, the pod's secrets redacted when the context is known."""
    with contextlib.suppress(Exception):
        scrubber = _quiet_scrubber(ctx)
        if scrubber is not None:
            text = scrubber.scrub(text)
        text = "".join(ch if ch.isprintable() else " " for ch in text)[:2000]
        sys.stderr.write(f"flightdeck-agent: {text}\n")
        sys.stderr.flush()


__all__ = ["RunOptions", "GraphRunner", "run_graph", "main", "StepTimeout", "EXIT_SIGTERM"]
