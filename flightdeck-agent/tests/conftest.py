"""Shared fixtures: a real nats-server with JetStream, the FLIGHTDECK_TRACE stream, a pod environment.

- `nats_server` (session): URL of a nats-server with JetStream started for the test session.
  Tests share it: give each test its own job id (`pod_env` does) and read back by subject.
- `nats_factory` (function): starts private servers (`NatsServer`) a test may stop and restart on the
  same port with the same store directory; all are stopped when the test ends.
- `create_trace_stream(url)`: the stream Flightdeck creates (logs.agent.>, events.agent.>,
  duplicate window 120 s, file storage); idempotent.
- `read_subject(url, subject)`: every message the stream holds on a subject, in stream order.
- `pod_env` (function): the environment a Flightdeck Job gives its agent container, with real files
  under tmp_path (workspace, checkpoint path, heartbeat path, prompt file, secrets dir with
  `SECRET_VALUES`), a fresh JOB_ID, FATAL_EXIT_CODE=42 and no NATS_URL (add it for NATS tests).
  `make_pod_env(root, **overrides)` builds the same dict for any directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
STREAM = "FLIGHTDECK_TRACE"

# The secret files `pod_env` writes, name -> value (the file holds the value plus a newline).
SECRET_VALUES = {
    "openai-api-key": "sk-test-Q2hhbmdlTWVQbGVhc2UhISExMjM0NTY3ODk",
    "git-token": "ghp_s3cr3tT0kenValue0123456789abcdefABCD",
}


class NatsServer:
    """A nats-server process with JetStream on 127.0.0.1: started on a free port (or a given one),
    its store in `store_dir`, so a restart on the same port finds its streams again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store_dir = root / "store"
        self.ports_dir = root / "ports"
        self.log_path = root / "nats-server.log"
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ports_dir.mkdir(parents=True, exist_ok=True)
        self.store_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        assert self.port is not None, "the server was never started"
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Starts the server (on its previous port if it ran before) and returns its URL."""
        if not os.path.exists(NATS_SERVER):
            pytest.skip(f"nats-server is not installed ({NATS_SERVER})")
        port = str(self.port) if self.port is not None else "-1"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [NATS_SERVER, *self.arguments(), "-a", "127.0.0.1", "-p", port, "--ports_file_dir", str(self.ports_dir)],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self._wait_for_port()

    def arguments(self) -> list[str]:
        """What the server runs with besides its address: JetStream, stored in `store_dir`."""
        return ["-js", "-sd", str(self.store_dir)]

    def _wait_for_port(self) -> str:
        """Waits for the started server's ports file; returns its URL."""
        assert self.process is not None
        ports_file = self.ports_dir / f"nats-server_{self.process.pid}.ports"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            if ports_file.exists():
                try:
                    urls = json.loads(ports_file.read_text())["nats"]
                except (ValueError, KeyError):
                    urls = None
                if urls:
                    self.port = int(urls[0].rsplit(":", 1)[1])
                    return self.url
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("nats-server did not write its ports file within 15 s")

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL) and waits for it."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> str:
        self.stop()
        return self.start()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a nats-server with JetStream shared by the session; FLIGHTDECK_TRACE exists on it."""
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    url = server.start()
    try:
        asyncio.run(create_trace_stream(url))
        yield url
    finally:
        server.stop()


@pytest.fixture
def nats_factory(tmp_path: Path) -> Iterator[Any]:
    """`nats_factory()` -> a started private NatsServer; every one is stopped after the test."""
    servers: list[NatsServer] = []

    def make(start: bool = True) -> NatsServer:
        server = NatsServer(tmp_path / f"nats-{len(servers)}")
        servers.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


async def create_trace_stream(url: str) -> None:
    """Creates FLIGHTDECK_TRACE as Flightdeck does (idempotent)."""
    import nats
    from nats.js.api import StorageType, StreamConfig

    nc = await nats.connect(url, connect_timeout=5)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=["logs.agent.>", "events.agent.>"],
                                         duplicate_window=120, storage=StorageType.FILE))
    finally:
        await nc.close()


async def read_subject(url: str, subject: str, timeout: float = 5.0) -> list[Any]:
    """Every message FLIGHTDECK_TRACE holds on `subject`, in stream order (headers and data)."""
    import nats
    from nats.js.api import DeliverPolicy

    nc = await nats.connect(url, connect_timeout=5)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM, subjects_filter=subject)
        count = (info.state.subjects or {}).get(subject, 0)
        messages: list[Any] = []
        if count == 0:
            return messages
        sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
        while len(messages) < count:
            messages.append(await sub.next_msg(timeout=timeout))
        await sub.unsubscribe()
        return messages
    finally:
        await nc.close()


def make_pod_env(root: Path, **overrides: str | None) -> dict[str, str]:
    """A Flightdeck Job's agent environment with its files under `root` (see the module docstring).
    An override of None removes the variable."""
    job_id = overrides.get("JOB_ID") or uuid.uuid4().hex[:12]
    workspace = root / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    run = root / "run"
    run.mkdir(exist_ok=True)
    prompt = run / "task-prompt"
    prompt.write_text("Fix the failing test in the parser and make the suite green.\n", encoding="utf-8")
    secrets = root / "secrets"
    secrets.mkdir(exist_ok=True)
    for name, value in SECRET_VALUES.items():
        path = secrets / name
        path.write_text(value + "\n", encoding="utf-8")
        path.chmod(0o400)
    tmp = root / "tmp"
    tmp.mkdir(exist_ok=True)
    home = root / "home"
    (home / ".local" / "bin").mkdir(parents=True, exist_ok=True)
    logs = root / "log"
    logs.mkdir(exist_ok=True)
    env = {
        "JOB_ID": job_id,
        "TASK_UUID": str(uuid.uuid4()),
        "WORKSPACE_PATH": str(workspace),
        "CHECKPOINT_PATH": str(workspace / "checkpoints" / f"job_{job_id}.db"),
        "HEARTBEAT_PATH": str(tmp / "flightdeck-heartbeat"),
        "AGENT_LOG_DIR": str(logs),
        "TASK_PROMPT_FILE": str(prompt),
        "SECRETS_DIR": str(secrets),
        "HOME": str(home),
        "PYTHONUSERBASE": str(home / ".local"),
        "PATH": f"{home / '.local' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
        "NATS_SUBJECT_LOGS": f"logs.agent.{job_id}",
        "NATS_SUBJECT_EVENTS": f"events.agent.{job_id}",
        "NATS_SUBJECT_COMMANDS": f"cmd.agent.{job_id}",
        "FATAL_EXIT_CODE": "42",
    }
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@pytest.fixture
def pod_env(tmp_path: Path) -> dict[str, str]:
    """A realistic pod environment under tmp_path (fresh JOB_ID, no NATS_URL)."""
    return make_pod_env(tmp_path / "pod")
