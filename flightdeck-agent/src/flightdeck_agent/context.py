"""The pod contract in one place: the environment and files Flightdeck's manifests give an agent.

Every value is checked here, once, so the rest of the runtime can trust `PodContext`. A missing
or malformed value is a `ContractError` whose message is one line naming the variable or file;
`exit_on_contract_error` turns it into `flightdeck-agent: <what> (<where>)` on stderr and the
fatal exit code (a retry of the Job would fail the same way), never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

DEFAULT_FATAL_EXIT_CODE = 42
# The largest prompt and secret files read; a Kubernetes Secret is at most 1 MiB anyway.
MAX_PROMPT_BYTES = 8 * 1024 * 1024
MAX_SECRET_BYTES = 1024 * 1024
MAX_SECRET_FILES = 256

_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
# A subject: dot-separated tokens without whitespace or wildcards (the agent publishes on it).
_SUBJECT = re.compile(r"[^\s.*>]+(\.[^\s.*>]+)*")
# A JetStream stream or consumer name: no dots, wildcards or whitespace (they are subject tokens).
_NAME = re.compile(r"[^\s.*>]{1,255}")
_NATS_SCHEMES = {"nats", "tls", "ws", "wss"}

F = TypeVar("F", bound=Callable[..., Any])


class ContractError(Exception):
    """One-line message naming the variable/file and what is wrong.

    `exit_code` is the code the entry point exits with: the pod's FATAL_EXIT_CODE when it could be
    read, else 42.
    """

    def __init__(self, what: str, where: str, exit_code: int = DEFAULT_FATAL_EXIT_CODE) -> None:
        self.what = _one_line(what)
        self.where = _one_line(where)
        self.exit_code = exit_code
        super().__init__(f"{self.what} ({self.where})")


@dataclass(frozen=True)
class PodContext:
    """What the pod gives the agent, checked. Built by `context()`."""

    job_id: str
    task_uuid: str | None
    workspace: Path
    checkpoint_path: Path
    heartbeat_path: Path | None
    prompt: str
    secrets_dir: Path | None
    secrets: Mapping[str, str] = field(repr=False)
    nats_url: str | None
    subject_logs: str
    subject_events: str
    subject_commands: str
    log_dir: Path | None
    fatal_exit_code: int
    nats_creds: Path | None
    environ: Mapping[str, str] = field(repr=False)
    #: The prefix of the connection's reply subjects: the job's NATS user may subscribe only to
    #: `_INBOX.<JOB_ID>.>`, so nats-py's default `_INBOX` would be refused.
    nats_inbox_prefix: str = "_INBOX"
    #: The JetStream stream and durable pull consumer operator commands come from.
    commands_stream: str = "FLIGHTDECK_COMMANDS"
    commands_consumer: str = ""
    #: Applied command ids and pending instructions, beside the checkpoint (survives a restart).
    commands_state_path: Path | None = None


def context(environ: Mapping[str, str] | None = None) -> PodContext:
    """Reads and checks the pod contract from `environ` (default: os.environ).

    Raises ContractError for the first missing or malformed value. Side effects: creates the
    checkpoint's parent directory (the workspace volume starts empty).
    """
    env = dict(os.environ if environ is None else environ)
    fatal = _fatal_exit_code(env)
    reader = _Reader(env, fatal)

    job_id = reader.required("JOB_ID")
    if not _JOB_ID.fullmatch(job_id):
        reader.fail(f"JOB_ID {_show(job_id)} must be 1 to 128 letters, digits, '-' or '_'", "environment")

    task_uuid = reader.optional("TASK_UUID")
    if task_uuid is not None and not _JOB_ID.fullmatch(task_uuid):
        reader.fail(f"TASK_UUID {_show(task_uuid)} must be letters, digits, '-' or '_'", "environment")

    workspace = reader.directory("WORKSPACE_PATH", required=True)
    assert workspace is not None  # required=True
    checkpoint_path = _checkpoint_path(reader, workspace, job_id)
    heartbeat_path = _heartbeat_path(reader)
    prompt = _prompt(reader)
    secrets_dir = reader.directory("SECRETS_DIR", required=False)
    secrets = _secrets(reader, secrets_dir) if secrets_dir is not None else {}
    nats_url = _nats_url(reader)
    subject_logs = reader.subject("NATS_SUBJECT_LOGS", f"logs.agent.{job_id}")
    subject_events = reader.subject("NATS_SUBJECT_EVENTS", f"events.agent.{job_id}")
    subject_commands = reader.subject("NATS_SUBJECT_COMMANDS", f"cmd.agent.{job_id}")
    log_dir = reader.directory("AGENT_LOG_DIR", required=False)
    nats_creds = reader.file("NATS_CREDS_FILE")
    nats_inbox_prefix = reader.subject("NATS_INBOX_PREFIX", f"_INBOX.{job_id}")
    commands_stream = reader.name("NATS_COMMANDS_STREAM", "FLIGHTDECK_COMMANDS")
    commands_consumer = reader.name("NATS_COMMANDS_CONSUMER", f"cmd-{job_id}")

    return PodContext(
        job_id=job_id,
        task_uuid=task_uuid,
        workspace=workspace,
        checkpoint_path=checkpoint_path,
        heartbeat_path=heartbeat_path,
        prompt=prompt,
        secrets_dir=secrets_dir,
        secrets=MappingProxyType(secrets),
        nats_url=nats_url,
        subject_logs=subject_logs,
        subject_events=subject_events,
        subject_commands=subject_commands,
        log_dir=log_dir,
        fatal_exit_code=fatal,
        nats_creds=nats_creds,
        environ=MappingProxyType(env),
        nats_inbox_prefix=nats_inbox_prefix,
        commands_stream=commands_stream,
        commands_consumer=commands_consumer,
        commands_state_path=commands_state_path(checkpoint_path),
    )


def commands_state_path(checkpoint_path: Path) -> Path:
    """The command state file beside the checkpoint: `job_<id>.db` -> `job_<id>.commands.json`
    (one per checkpoint, so jobs sharing a checkpoint directory never share it)."""
    return checkpoint_path.with_name(checkpoint_path.stem + ".commands.json")


def exit_on_contract_error(fn: F) -> F:
    """Decorator for entry points: a ContractError becomes one stderr line and the fatal exit code."""

    def report(exc: ContractError) -> NoReturn:
        try:
            sys.stderr.write(f"flightdeck-agent: {exc}\n")
            sys.stderr.flush()
        finally:
            raise SystemExit(exc.exit_code)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except ContractError as exc:
                report(exc)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ContractError as exc:
            report(exc)

    return wrapper  # type: ignore[return-value]


# MARK: - Reading


class _Reader:
    """Reads variables from one environment, raising ContractError with the pod's exit code."""

    def __init__(self, env: Mapping[str, str], fatal: int) -> None:
        self.env = env
        self.fatal = fatal

    def fail(self, what: str, where: str) -> NoReturn:
        raise ContractError(what, where, self.fatal)

    def optional(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None or value.strip() == "":
            return None
        if "\x00" in value:
            self.fail(f"{name} contains a NUL byte", "environment")
        return value.strip()

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            self.fail(f"{name} is not set", "environment")
        return value

    def directory(self, name: str, *, required: bool) -> Path | None:
        value = self.required(name) if required else self.optional(name)
        if value is None:
            return None
        path = Path(value)
        try:
            if not path.exists():
                self.fail(f"{name} names a directory that does not exist", value)
            if not path.is_dir():
                self.fail(f"{name} is not a directory", value)
            os.listdir(path)
        except PermissionError:
            self.fail(f"{name} is not readable", value)
        except OSError as exc:
            self.fail(f"{name} cannot be read: {exc.strerror or exc}", value)
        return path

    def file(self, name: str) -> Path | None:
        value = self.optional(name)
        if value is None:
            return None
        path = Path(value)
        if not path.is_file():
            self.fail(f"{name} names a file that does not exist", value)
        if not os.access(path, os.R_OK):
            self.fail(f"{name} is not readable", value)
        return path

    def subject(self, name: str, default: str) -> str:
        value = self.optional(name)
        if value is None:
            return default
        if not _SUBJECT.fullmatch(value):
            self.fail(f"{name} {_show(value)} is not a NATS subject (dot-separated, no spaces or wildcards)", "environment")
        return value

    def name(self, name: str, default: str) -> str:
        """A JetStream stream or consumer name (it becomes a token of the API subjects)."""
        value = self.optional(name)
        if value is None:
            return default
        if not _NAME.fullmatch(value) or not value.isprintable():
            self.fail(f"{name} {_show(value)} is not a JetStream name (1 to 255 characters, no '.', '*', '>' "
                      f"or spaces)", "environment")
        return value


def _fatal_exit_code(env: Mapping[str, str]) -> int:
    raw = (env.get("FATAL_EXIT_CODE") or "").strip()
    if raw == "":
        return DEFAULT_FATAL_EXIT_CODE
    try:
        code = int(raw, 10)
    except ValueError:
        raise ContractError(f"FATAL_EXIT_CODE {_show(raw)} is not a number", "environment") from None
    if not 1 <= code <= 255:
        raise ContractError(f"FATAL_EXIT_CODE {code} is not between 1 and 255", "environment")
    return code


def _checkpoint_path(reader: _Reader, workspace: Path, job_id: str) -> Path:
    value = reader.optional("CHECKPOINT_PATH")
    path = Path(value) if value is not None else workspace / "checkpoints" / f"job_{job_id}.db"
    where = str(path)
    if path.is_dir():
        reader.fail("CHECKPOINT_PATH is a directory, not a database file", where)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reader.fail(f"CHECKPOINT_PATH's directory cannot be created: {exc.strerror or exc}", where)
    if not os.access(path.parent, os.W_OK):
        reader.fail("CHECKPOINT_PATH's directory is not writable", where)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        reader.fail("CHECKPOINT_PATH is not readable and writable", where)
    return path


def _heartbeat_path(reader: _Reader) -> Path | None:
    value = reader.optional("HEARTBEAT_PATH")
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        reader.fail("HEARTBEAT_PATH is a directory", value)
    if not path.parent.is_dir():
        reader.fail("HEARTBEAT_PATH's directory does not exist", value)
    if not os.access(path.parent, os.W_OK) and not (path.exists() and os.access(path, os.W_OK)):
        reader.fail("HEARTBEAT_PATH cannot be written", value)
    return path


def _prompt(reader: _Reader) -> str:
    value = reader.required("TASK_PROMPT_FILE")
    data = _read_file(reader, "TASK_PROMPT_FILE", Path(value), MAX_PROMPT_BYTES)
    try:
        prompt = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reader.fail(f"TASK_PROMPT_FILE is not UTF-8 (byte {exc.start})", value)
    if prompt.startswith("\ufeff"):
        prompt = prompt[1:]
    if prompt.strip() == "":
        reader.fail("TASK_PROMPT_FILE is empty", value)
    if "\x00" in prompt:
        reader.fail("TASK_PROMPT_FILE contains a NUL byte", value)
    return prompt


def _secrets(reader: _Reader, directory: Path) -> dict[str, str]:
    """One secret per regular file (symlinks followed: Kubernetes' secret volumes are made of them);
    dot entries (`..data`, `..2024_…`) are the volume's own bookkeeping."""
    secrets: dict[str, str] = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        reader.fail(f"SECRETS_DIR cannot be listed: {exc.strerror or exc}", str(directory))
    for name in names:
        if name.startswith("."):
            continue
        path = directory / name
        if path.is_dir():
            continue  # Kubernetes' own `..data` layout aside, a directory is no secret file
        if len(secrets) >= MAX_SECRET_FILES:
            reader.fail(f"SECRETS_DIR has more than {MAX_SECRET_FILES} files", str(directory))
        data = _read_file(reader, "a secret file", path, MAX_SECRET_BYTES)
        text = data.decode("utf-8", errors="replace")
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith("\n"):
            text = text[:-1]
        secrets[name] = text
    return secrets


def _read_file(reader: _Reader, what: str, path: Path, limit: int) -> bytes:
    where = str(path)
    try:
        # A FIFO or device would block or never end: only regular files (symlinks followed).
        if not stat.S_ISREG(os.stat(path).st_mode):
            reader.fail(f"{what} is not a regular file", where)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        reader.fail(f"{what} does not exist", where)
    except IsADirectoryError:
        reader.fail(f"{what} is a directory", where)
    except PermissionError:
        reader.fail(f"{what} is not readable", where)
    except OSError as exc:
        reader.fail(f"{what} cannot be read: {exc.strerror or exc}", where)
    if len(data) > limit:
        reader.fail(f"{what} is larger than {limit} bytes", where)
    return data


def _nats_url(reader: _Reader) -> str | None:
    value = reader.optional("NATS_URL")
    if value is None:
        return None
    for server in value.split(","):
        server = server.strip()
        try:
            parts = urlsplit(server if "://" in server else f"nats://{server}")
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in _NATS_SCHEMES or not parts.hostname:
            # The URL may carry credentials: it is not repeated.
            reader.fail("NATS_URL is not a nats:// URL (or a comma-separated list of them)", "environment")
        del port
    return value


def _show(value: str, limit: int = 60) -> str:
    """A value quoted for an error line: printable, bounded."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)
