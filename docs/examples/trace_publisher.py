#!/usr/bin/env python3
"""Publish an agent's thought trace to Flightdeck over NATS (nats-py).

The part an agent author needs is `TracePublisher`: one JSON object per message on
`logs.agent.<job id>`, control events on `events.agent.<job id>`, commands arriving on
`cmd.agent.<job id>`. Run as a script it plays a small scripted agent, which is how
Flightdeck's tests check that what a Python agent publishes is what Flightdeck stores.

    pip install nats-py
    python3 trace_publisher.py --url nats://127.0.0.1:4222 --job 3f2a9c1b7d4e --count 100
"""
import argparse
import asyncio
import json
import os
import signal
from datetime import datetime, timezone

import nats


class TracePublisher:
    def __init__(self, nc, job_id, jetstream=True):
        self.nc = nc
        self.job_id = job_id
        # With JetStream, publish() returns once the stream has stored the record.
        self.js = nc.jetstream() if jetstream else None
        self.seq = 0
        self.events = 0

    async def _send(self, subject, body, msg_id):
        payload = json.dumps(body, ensure_ascii=False).encode()
        if self.js is None:
            await self.nc.publish(subject, payload)
            return
        # Retried until the stream has it (a server restart, a timeout); the message id lets
        # the stream drop the copy a retry would otherwise store twice.
        while True:
            try:
                await self.js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})
                return
            except (nats.errors.Error, ConnectionError):  # no stream yet, a restart, a timeout
                await asyncio.sleep(0.2)

    async def record(self, kind, text="", phase=None, **fields):
        """kind: thought | action | observation | message | error."""
        self.seq += 1
        body = {"ts": datetime.now(timezone.utc).isoformat(), "seq": self.seq, "kind": kind, "text": text}
        if phase:
            body["phase"] = phase
        body.update(fields)  # tool, args, exit_code, duration_ms, or anything else (kept as raw)
        await self._send(f"logs.agent.{self.job_id}", body, msg_id=f"{self.job_id}-{self.seq}")

    async def event(self, type_, **fields):
        """type_: phase | checkpoint | heartbeat | status | files."""
        self.events += 1
        await self._send(f"events.agent.{self.job_id}", {"type": type_, **fields}, msg_id=f"{self.job_id}-e{self.events}")

    async def on_command(self, handler):
        """handler(dict) for {"type": "pause"|"resume"|"cancel"|"instruct", "text": ...}."""
        async def callback(msg):
            await handler(json.loads(msg.data))
        return await self.nc.subscribe(f"cmd.agent.{self.job_id}", cb=callback)


async def play(args):
    nc = await nats.connect(args.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    agent = TracePublisher(nc, args.job, jetstream=not args.core)
    for step in range(args.count):
        kind = ("thought", "action", "observation")[step % 3]
        phase = "STRATEGIC" if kind == "thought" else "TACTICAL"
        if step % 3 == 0:
            await agent.event("phase", phase=phase)
        fields = {}
        if kind == "action":
            fields = {"tool": "execute", "args": {"command": f"pytest -k step{step}"}}
        elif kind == "observation":
            fields = {"exit_code": step % 2, "duration_ms": 10 + step}
        text = args.text.format(step=step) if args.text else f"step {step}: {kind}"
        await agent.record(kind, text, phase=phase, **fields)
        if args.pace:
            await asyncio.sleep(args.pace)
    await agent.event("status", state="done", summary=f"{args.count} steps")
    try:
        await nc.drain()
    except Exception:
        await nc.close()


def main():
    # Test runners may start us with signals blocked; a publisher must stay killable.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--job", default=os.environ.get("JOB_ID", "demo"))
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--text", help="record text, {step} is replaced")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds between records")
    parser.add_argument("--core", action="store_true", help="core NATS publish (no JetStream ack)")
    asyncio.run(play(parser.parse_args()))


if __name__ == "__main__":
    main()
