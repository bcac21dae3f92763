"""Opens N Server-Sent Event streams of one job at once and checks what each received.

    many_streams.py URL N OUT

Every stream is a raw HTTP/1.1 connection (asyncio), so a thousand cost a thousand sockets
and nothing more. Each reads until the `done` event (or a 120 s limit), and OUT gets one JSON
object: how many streams connected (status 200), how many ended with `done`, and the record
ids each received, deduplicated by sequence (so the caller can compare them).
"""
import asyncio
import json
import sys


async def stream(host, port, path, opened, limit):
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1]) if status_line else 0
    if status == 200:
        opened.append(1)
    ids, done, buffer = [], False, b""
    # The body is chunked: the SSE lines are read from the de-chunked bytes.
    async def chunks():
        while True:
            line = await reader.readline()
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                continue
            try:
                size = int(line.strip().split(b";")[0], 16)
            except ValueError:
                continue
            if size == 0:
                return
            data = await reader.readexactly(size)
            await reader.readexactly(2)
            yield data
    while True:  # the head
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
    event = None
    current_id = None
    try:
        async for data in chunks():
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                line = line.rstrip(b"\r")
                if line.startswith(b"event: "):
                    event = line[7:].decode()
                elif line.startswith(b"id: "):
                    current_id = int(line[4:])
                elif line == b"":
                    if event == "record" and current_id is not None:
                        ids.append(current_id)
                    if event == "done":
                        done = True
                    event, current_id = None, None
            if done:
                break
    finally:
        writer.close()
    return {"status": status, "done": done, "ids": ids}


async def main(url, count, out):
    rest = url.split("://", 1)[1]
    hostport, path = rest.split("/", 1)
    host, port = hostport.rsplit(":", 1)
    opened = []
    tasks = [asyncio.create_task(stream(host, int(port), "/" + path, opened, 120)) for _ in range(count)]
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 180)
    report = {
        "streams": count,
        "connected": sum(1 for r in results if isinstance(r, dict) and r["status"] == 200),
        "done": sum(1 for r in results if isinstance(r, dict) and r["done"]),
        "errors": [repr(r) for r in results if not isinstance(r, dict)][:5],
        "distinct": sorted({json.dumps(r["ids"]) for r in results if isinstance(r, dict)})[:3],
    }
    with open(out, "w") as handle:
        json.dump(report, handle)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
