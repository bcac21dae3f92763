"""The runtime's overhead per LangGraph step: the same trivial N-step graph run bare and
through run_graph, in the same process, against a local nats-server this script starts.

    python flightdeck-agent/bench/step_overhead.py [--steps 1000] [--rounds 3]

Bare: ``graph.astream`` with the same AsyncSqliteSaver (once with LangGraph's default
durability, once with ``durability="sync"``, which the runtime uses so that a step's records
are published only once its checkpoint is on disk). Runtime: ``run_graph`` with the trace
published to JetStream (acks awaited before the run ends), the heartbeat thread, the
command listener and the workspace lister. Each round runs every variant once on a fresh
checkpoint file; the best round of each is printed. Prints only what it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402

from flightdeck_agent.adapter import PhaseMap  # noqa: E402
from flightdeck_agent.context import context  # noqa: E402
from flightdeck_agent.publisher import TracePublisher  # noqa: E402
from flightdeck_agent.runner import RunOptions, run_graph  # noqa: E402


class Count(TypedDict):
    n: int


def trivial_graph(steps: int) -> StateGraph:
    """One node that adds one, looping until n reaches `steps`: one LangGraph step per node run."""
    g = StateGraph(Count)
    g.add_node("act", lambda s: {"n": s["n"] + 1})
    g.add_edge(START, "act")
    g.add_conditional_edges("act", lambda s: END if s["n"] >= steps else "act", ["act", END])
    return g


async def bare(steps: int, db: Path, durability: str | None) -> float:
    graph = trivial_graph(steps)
    async with AsyncSqliteSaver.from_conn_string(str(db)) as saver:
        app = graph.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": "bench"}, "recursion_limit": steps + 10}
        kwargs = {"durability": durability} if durability else {}
        start, cpu = time.perf_counter(), time.process_time()
        async for _ in app.astream({"n": 0}, config, **kwargs):
            pass
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert (await app.aget_state(config)).values["n"] == steps
    return elapsed, cpu


async def runtime(steps: int, env: dict[str, str]) -> tuple[float, float, dict]:
    ctx = context(env)
    publisher = TracePublisher(ctx)
    await publisher.start()
    options = RunOptions(phases=PhaseMap({"act": "TACTICAL"}), recursion_limit=steps + 10)
    start, cpu = time.perf_counter(), time.process_time()
    code = await run_graph(trivial_graph(steps), ctx, {"n": 0}, options, publisher=publisher)
    await publisher.close(30)  # every record acked by JetStream, inside the measured time
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert code == 0, code
    return elapsed, cpu, dict(publisher.stats)


def start_nats(root: Path) -> tuple[subprocess.Popen, str]:
    server = shutil.which("nats-server") or "/usr/sbin/nats-server"
    ports = root / "ports"
    ports.mkdir(parents=True)
    proc = subprocess.Popen([server, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", str(root / "store"),
                             "--ports_file_dir", str(ports)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ports_file = ports / f"nats-server_{proc.pid}.ports"
    for _ in range(750):
        if ports_file.exists():
            try:
                urls = json.loads(ports_file.read_text())["nats"]
            except (ValueError, KeyError):
                urls = None
            if urls:
                return proc, f"nats://127.0.0.1:{urls[0].rsplit(':', 1)[1]}"
        time.sleep(0.02)
    proc.kill()
    raise SystemExit("nats-server did not start")


async def create_stream(url: str) -> None:
    import nats
    from nats.js.api import StorageType, StreamConfig

    nc = await nats.connect(url)
    await nc.jetstream().add_stream(StreamConfig(name="FLIGHTDECK_TRACE", subjects=["logs.agent.>", "events.agent.>"],
                                                 duplicate_window=120, storage=StorageType.FILE))
    await nc.close()


def pod_env(root: Path, url: str) -> dict[str, str]:
    job = uuid.uuid4().hex[:12]
    workspace = root / job / "workspace"
    workspace.mkdir(parents=True)
    prompt = root / job / "prompt"
    prompt.write_text("count\n")
    return {"JOB_ID": job, "WORKSPACE_PATH": str(workspace), "TASK_PROMPT_FILE": str(prompt),
            "HEARTBEAT_PATH": str(root / job / "heartbeat"), "NATS_URL": url, "PATH": os.environ.get("PATH", "")}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where the checkpoint files and the nats-server store go (default /dev/shm: "
                             "memory, so the disk's sync latency, the same in both, does not drown the difference)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="step-overhead-", dir=args.dir))
    proc, url = start_nats(root / "nats")
    try:
        await create_stream(url)
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        stats: dict = {}

        def keep(name: str, w: float, c: float) -> None:
            wall[name] = min(wall.get(name, w), w)
            cpu[name] = min(cpu.get(name, c), c)

        for r in range(args.rounds):
            for name, durability in (("bare-default", None), ("bare-sync", "sync")):
                keep(name, *await bare(args.steps, root / f"{name}-{r}.db", durability))
            w, c, stats = await runtime(args.steps, pod_env(root, url))
            keep("runtime", w, c)
        w = {k: v / args.steps * 1e6 for k, v in wall.items()}
        c = {k: v / args.steps * 1e6 for k, v in cpu.items()}
        print(f"steps per run: {args.steps}, rounds: {args.rounds} (best round of each shown); "
              f"checkpoints and nats-server store under {root}")
        print(f"{'µs per step':52s} {'wall':>8s} {'cpu':>8s}")
        print(f"{'bare graph.astream, LangGraph default durability':52s} {w['bare-default']:8.1f} {c['bare-default']:8.1f}")
        print(f"{'bare graph.astream, durability=sync':52s} {w['bare-sync']:8.1f} {c['bare-sync']:8.1f}")
        print(f"{'run_graph, trace to JetStream, acks awaited':52s} {w['runtime']:8.1f} {c['runtime']:8.1f}")
        print(f"{'overhead of the runtime (vs bare, same durability)':52s} "
              f"{w['runtime'] - w['bare-sync']:8.1f} {c['runtime'] - c['bare-sync']:8.1f}")
        print(f"{'overhead of the runtime (vs LangGraph default)':52s} "
              f"{w['runtime'] - w['bare-default']:8.1f} {c['runtime'] - c['bare-default']:8.1f}")
        print(f"trace messages acked per run: {stats.get('acked', 0)}, spilled to stdout: {stats.get('spilled_stdout', 0)}")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
