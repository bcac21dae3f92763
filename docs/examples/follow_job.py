#!/usr/bin/env python3
"""Follow one job's thought trace from `flightdeck serve` over Server-Sent Events.

    pip install httpx httpx-sse
    python3 follow_job.py http://127.0.0.1:8077 agent-3f2a9c1b7d4e
    python3 follow_job.py https://node:8077 agent-3f2a9c1b7d4e --token-file ~/.config/flightdeck/serve-token --cacert serve.crt

Prints each trace record as one JSON line, and `status`/`phase` changes to stderr. When the
connection drops it reconnects with `Last-Event-ID` (the last record's history sequence), so
nothing is missed and nothing is printed twice; it exits when the server sends `done`.
`--cut-after N` drops the connection after N records once (to see the resume work).
"""
import argparse
import json
import sys
import time

import httpx
from httpx_sse import connect_sse


def follow(base, job, token=None, cacert=None, cut_after=None, retries=20):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    last_id = None
    received = 0
    cut = cut_after
    verify = cacert if cacert else True
    with httpx.Client(timeout=httpx.Timeout(10.0, read=60.0), verify=verify) as client:
        while True:
            request_headers = dict(headers)
            if last_id is not None:
                request_headers["Last-Event-ID"] = last_id
            try:
                with connect_sse(client, "GET", f"{base}/api/stream/{job}", headers=request_headers) as source:
                    source.response.raise_for_status()
                    for event in source.iter_sse():
                        if event.event == "record":
                            print(event.data, flush=True)
                            last_id = event.id
                            received += 1
                            if cut is not None and received >= cut:
                                cut = None
                                print(f"cut after {received} records; resuming from {last_id}", file=sys.stderr, flush=True)
                                break
                        elif event.event in ("status", "phase"):
                            print(f"{event.event}: {event.data}", file=sys.stderr, flush=True)
                        elif event.event == "done":
                            print(f"done: {event.data}", file=sys.stderr, flush=True)
                            return 0
            except httpx.HTTPStatusError as error:
                print(f"follow_job: {error.response.status_code} {error.response.text.strip()}", file=sys.stderr)
                return 1
            except httpx.TransportError as error:
                retries -= 1
                if retries <= 0:
                    print(f"follow_job: {error}", file=sys.stderr)
                    return 1
                time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8077")
    parser.add_argument("job", help="the job's id or Job name")
    parser.add_argument("--token-file", help="a file holding the bearer token")
    parser.add_argument("--cacert", help="the CA (or self-signed certificate) to trust")
    parser.add_argument("--cut-after", type=int, help="drop the connection once after N records, then resume")
    args = parser.parse_args()
    token = open(args.token_file).read().strip() if args.token_file else None
    return follow(args.base.rstrip("/"), args.job, token=token, cacert=args.cacert, cut_after=args.cut_after)


if __name__ == "__main__":
    sys.exit(main())
