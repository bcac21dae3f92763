"""Liveness: touches HEARTBEAT_PATH while the agent is alive, and stops when it is wedged.

The pod's liveness probe fails when the file is older than a few minutes, and then Kubernetes
restarts the container (which resumes from its checkpoint). So the file must keep being touched
while the agent legitimately waits — a slow LLM call is an `await`, the loop stays responsive —
and must stop being touched when the loop itself is stuck (a synchronous deadlock, a CPU-bound
hang): a thread touches the file, but only while a callback it schedules on the event loop keeps
running within `wedge_bound`. Optionally, `stall_bound` also requires graph progress.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO


class Heartbeat:
    """A daemon thread touching `path` every `interval` while the event loop answers."""

    def __init__(self, path: Path | None, *, interval: float = 5.0, wedge_bound: float = 120.0,
                 stall_bound: float | None = None, stderr: TextIO | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.interval = interval
        self.wedge_bound = wedge_bound
        self.stall_bound = stall_bound
        self.beats = 0
        self._stderr = stderr if stderr is not None else sys.stderr
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        now = time.monotonic()
        self._loop_seen = now
        self._progress = now
        self._failed = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Starts the thread watching `loop` (touches once at once). No-op without a path."""
        if self.path is None or self._thread is not None:
            return
        self._loop = loop
        self._stop.clear()
        self._loop_seen = self._progress = time.monotonic()
        self._touch()
        self._thread = threading.Thread(target=self._run, name="flightdeck-heartbeat", daemon=True)
        self._thread.start()

    def progress(self) -> None:
        """Called by the runner on every graph step (only matters with `stall_bound`)."""
        self._progress = time.monotonic()

    def stop(self) -> None:
        """Stops touching (the file stays as it is)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(1.0, self.interval * 2))

    @property
    def alive(self) -> bool:
        """Whether the loop answered within wedge_bound and, with stall_bound, progress was made."""
        now = time.monotonic()
        if now - self._loop_seen > self.wedge_bound:
            return False
        return self.stall_bound is None or now - self._progress <= self.stall_bound

    def _stamp(self) -> None:
        self._loop_seen = time.monotonic()

    def _run(self) -> None:
        tick = max(0.01, min(1.0, self.interval, self.wedge_bound / 4))
        next_touch = time.monotonic() + self.interval
        while not self._stop.wait(tick):
            loop = self._loop
            if loop is None or loop.is_closed():
                return
            try:
                loop.call_soon_threadsafe(self._stamp)
            except RuntimeError:  # the loop closed meanwhile
                return
            now = time.monotonic()
            if now >= next_touch:
                next_touch = now + self.interval
                if self.alive:
                    self._touch()

    def _touch(self) -> None:
        assert self.path is not None
        try:
            with open(self.path, "a"):
                pass
            os.utime(self.path)
            self.beats += 1
            self._failed = False
        except OSError as exc:
            if not self._failed:  # said once per outage
                self._failed = True
                try:
                    self._stderr.write(f"flightdeck-agent: cannot touch the heartbeat file: {exc.strerror or exc} "
                                       f"(HEARTBEAT_PATH)\n")
                    self._stderr.flush()
                except (OSError, ValueError):
                    pass
