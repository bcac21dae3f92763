#!/usr/bin/env python3
"""The trace publisher's rate against nats-py's own pipelined JetStream publish loop, same run, same server.

Starts its own nats-server (JetStream, file store, a free port) with the FLIGHTDECK_TRACE stream,
then, in interleaved rounds:
- runtime: `TracePublisher.record()` N times (a thought record of --text-bytes characters: timestamp,
  redaction, JSON, Nats-Msg-Id, pipelined acks with --in-flight outstanding), until every record is
  acknowledged (`flush`);
- nats-py: `js.publish_async()` N times with the same in-flight bound (`publish_async_max_pending`),
  a pre-encoded payload of the same size and a Nats-Msg-Id each, until every ack is in
  (`publish_async_completed`).
Prints records/s of each round, the medians and their ratio (runtime / nats-py).

    PYTHONPATH=flightdeck-agent/src python flightdeck-agent/bench/publish_bench.py --records 20000
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import StorageType, StreamConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from flightdeck_agent.context import context  # noqa: E402
from flightdeck_agent.publisher import TracePublisher  # noqa: E402

STREAM = "FLIGHTDECK_TRACE"


def start_server(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    ports = root / "ports"
    ports.mkdir()
    process = subprocess.Popen([binary, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", str(root / "store"),
                                "--ports_file_dir", str(ports)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ports_file = ports / f"nats-server_{process.pid}.ports"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if ports_file.exists():
            try:
                return process, json.loads(ports_file.read_text())["nats"][0]
            except (ValueError, KeyError, IndexError):
                pass
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    raise SystemExit("publish_bench: nats-server did not start")


def pod_environment(root: Path, url: str) -> dict[str, str]:
    job = uuid.uuid4().hex[:12]
    workspace = root / job / "workspace"
    workspace.mkdir(parents=True)
    prompt = root / job / "prompt"
    prompt.write_text("benchmark\n")
    secrets = root / job / "secrets"
    secrets.mkdir()
    (secrets / "openai-api-key").write_text("sk-bench-0123456789abcdefghijklmnop\n")
    return {"JOB_ID": job, "WORKSPACE_PATH": str(workspace), "TASK_PROMPT_FILE": str(prompt),
            "SECRETS_DIR": str(secrets), "NATS_URL": url}


async def runtime_round(root: Path, url: str, records: int, in_flight: int, text: str) -> float:
    ctx = context(pod_environment(root, url))
    publisher = TracePublisher(ctx, max_in_flight=in_flight, stdout=io.StringIO())
    await publisher.start()
    started = time.perf_counter()
    for step in range(records):
        await publisher.record("thought", text, phase="STRATEGIC", node="planner")
    if not await publisher.flush(120):
        raise SystemExit(f"publish_bench: runtime did not get every ack: {publisher.stats}")
    elapsed = time.perf_counter() - started
    await publisher.close()
    return records / elapsed


async def natspy_round(url: str, records: int, in_flight: int, payload: bytes) -> float:
    job = uuid.uuid4().hex[:12]
    subject = f"logs.agent.{job}"
    nc = await nats.connect(url)
    js = nc.jetstream(publish_async_max_pending=in_flight)
    started = time.perf_counter()
    for step in range(records):
        await js.publish_async(subject, payload, headers={"Nats-Msg-Id": f"{job}-{step + 1}"})
    await js.publish_async_completed()
    elapsed = time.perf_counter() - started
    await nc.close()
    return records / elapsed


async def main(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    process, url = start_server(root)
    try:
        nc = await nats.connect(url)
        await nc.jetstream().add_stream(StreamConfig(name=STREAM, subjects=["logs.agent.>", "events.agent.>"],
                                                     duplicate_window=120, storage=StorageType.FILE))
        await nc.close()
        text = ("The failing test imports a module that moved; run it again after the fix. " * 40)[:args.text_bytes]
        payload = json.dumps({"ts": "2026-11-29T08:15:02.120Z", "seq": 1, "kind": "thought", "text": text,
                              "phase": "STRATEGIC", "node": "planner"}, separators=(",", ":")).encode()
        # Warm-up (not reported): connections, the stream's first blocks.
        await runtime_round(root, url, min(2000, args.records), args.in_flight, text)
        await natspy_round(url, min(2000, args.records), args.in_flight, payload)
        runtime: list[float] = []
        natspy: list[float] = []
        server = subprocess.run([shutil.which("nats-server") or "/usr/sbin/nats-server", "--version"],
                                capture_output=True, text=True).stdout.strip()
        print(f"records per round: {args.records}, in flight: {args.in_flight}, record payload: {len(payload)} bytes, "
              f"{server}")
        for round_ in range(args.rounds):
            runtime.append(await runtime_round(root, url, args.records, args.in_flight, text))
            natspy.append(await natspy_round(url, args.records, args.in_flight, payload))
            print(f"round {round_ + 1}: runtime {runtime[-1]:,.0f} records/s, nats-py publish_async {natspy[-1]:,.0f} msgs/s")
        r, n = statistics.median(runtime), statistics.median(natspy)
        print(f"median: runtime {r:,.0f} records/s, nats-py publish_async {n:,.0f} msgs/s, ratio {r / n:.2f}")
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records per round (default 20000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each (default 3)")
    parser.add_argument("--in-flight", type=int, default=256, help="acks outstanding at once (default 256)")
    parser.add_argument("--text-bytes", type=int, default=200, help="length of each record's text (default 200)")
    if (parsed := parser.parse_args()).records < 1 or parsed.rounds < 1 or parsed.in_flight < 1:
        parser.error("--records, --rounds and --in-flight must be positive")
    os.environ.pop("NATS_URL", None)
    asyncio.run(main(parsed))
