"""The heartbeat thread: alive through a stuck await, silent when the loop itself is wedged."""

from __future__ import annotations

import asyncio
import io
import os
import time
from pathlib import Path

from flightdeck_agent.heartbeat import Heartbeat


def _mtime(path: Path) -> int:
    return os.stat(path).st_mtime_ns


def test_a_stuck_await_does_not_stop_the_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    beat = Heartbeat(path, interval=0.05, wedge_bound=0.5)

    async def scenario() -> list[int]:
        beat.start(asyncio.get_running_loop())
        seen = [_mtime(path)]
        never = asyncio.get_running_loop().create_future()  # an LLM call that never answers
        for _ in range(4):
            try:
                await asyncio.wait_for(asyncio.shield(never), 0.2)
            except asyncio.TimeoutError:
                pass
            seen.append(_mtime(path))
        beat.stop()
        return seen

    seen = asyncio.run(scenario())
    assert all(later > earlier for earlier, later in zip(seen, seen[1:])), seen
    assert beat.beats >= 5


def test_a_blocked_loop_stops_the_heartbeat_and_it_resumes_after(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    beat = Heartbeat(path, interval=0.05, wedge_bound=0.3)

    async def scenario() -> tuple[int, int, int, int]:
        beat.start(asyncio.get_running_loop())
        await asyncio.sleep(0.3)
        before = _mtime(path)
        # A synchronous deadlock: the loop runs nothing for 1.1 s.
        time.sleep(0.6)  # past wedge_bound (0.3 s) and the thread's next tick
        wedged_a = _mtime(path)
        time.sleep(0.5)
        wedged_b = _mtime(path)
        await asyncio.sleep(0.4)
        after = _mtime(path)
        beat.stop()
        return before, wedged_a, wedged_b, after

    before, wedged_a, wedged_b, after = asyncio.run(scenario())
    assert wedged_a == wedged_b, "no touch while the loop is wedged past the bound"
    assert wedged_a > before, "it touched while the loop was still within the bound"
    assert after > wedged_b, "touching resumes once the loop answers again"


def test_a_stall_bound_requires_graph_progress(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    beat = Heartbeat(path, interval=0.05, wedge_bound=5.0, stall_bound=0.3)

    async def scenario() -> tuple[int, int, int]:
        beat.start(asyncio.get_running_loop())
        for _ in range(6):  # steps keep coming
            beat.progress()
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.45)  # no step for longer than stall_bound
        stalled_a = _mtime(path)
        await asyncio.sleep(0.3)
        stalled_b = _mtime(path)
        beat.progress()
        await asyncio.sleep(0.3)
        after = _mtime(path)
        beat.stop()
        return stalled_a, stalled_b, after

    stalled_a, stalled_b, after = asyncio.run(scenario())
    assert stalled_a == stalled_b
    assert after > stalled_b


def test_stop_stops_and_an_unwritable_path_is_said_once(tmp_path: Path) -> None:
    err = io.StringIO()
    beat = Heartbeat(tmp_path / "missing-dir" / "heartbeat", interval=0.02, stderr=err)

    async def scenario() -> None:
        beat.start(asyncio.get_running_loop())
        await asyncio.sleep(0.2)
        beat.stop()

    asyncio.run(scenario())
    assert beat.beats == 0
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("flightdeck-agent: cannot touch the heartbeat file: ")
    assert err.getvalue().endswith("(HEARTBEAT_PATH)\n")

    path = tmp_path / "heartbeat"
    stopped = Heartbeat(path, interval=0.02)

    async def stop_then_wait() -> tuple[int, int]:
        stopped.start(asyncio.get_running_loop())
        await asyncio.sleep(0.1)
        stopped.stop()
        first = _mtime(path)
        await asyncio.sleep(0.2)
        return first, _mtime(path)

    first, later = asyncio.run(stop_then_wait())
    assert first == later


def test_without_a_path_it_does_nothing() -> None:
    beat = Heartbeat(None, interval=0.01)

    async def scenario() -> None:
        beat.start(asyncio.get_running_loop())
        await asyncio.sleep(0.05)
        beat.stop()

    asyncio.run(scenario())
    assert beat.beats == 0
