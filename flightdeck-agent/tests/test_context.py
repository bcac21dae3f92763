"""The pod contract: every value read and checked, every bad one a single clear line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SECRET_VALUES, make_pod_env

from flightdeck_agent import ContractError, context, exit_on_contract_error

SRC = Path(__file__).resolve().parents[1] / "src"


def test_reads_a_realistic_pod_environment(pod_env: dict[str, str]) -> None:
    ctx = context(pod_env)
    assert ctx.job_id == pod_env["JOB_ID"]
    assert ctx.task_uuid == pod_env["TASK_UUID"]
    assert ctx.workspace == Path(pod_env["WORKSPACE_PATH"])
    assert ctx.checkpoint_path == Path(pod_env["CHECKPOINT_PATH"])
    assert ctx.checkpoint_path.parent.is_dir(), "the checkpoint's directory is created"
    assert ctx.heartbeat_path == Path(pod_env["HEARTBEAT_PATH"])
    assert ctx.prompt.startswith("Fix the failing test")
    assert dict(ctx.secrets) == SECRET_VALUES, "values without their trailing newline"
    assert ctx.nats_url is None
    assert ctx.subject_logs == f"logs.agent.{ctx.job_id}"
    assert ctx.subject_commands == f"cmd.agent.{ctx.job_id}"
    assert ctx.log_dir == Path(pod_env["AGENT_LOG_DIR"])
    assert ctx.fatal_exit_code == 42
    assert ctx.nats_creds is None
    assert ctx.environ["HOME"] == pod_env["HOME"]
    assert SECRET_VALUES["git-token"] not in repr(ctx), "secrets stay out of the repr"


def test_defaults_for_the_optional_values(pod_env: dict[str, str]) -> None:
    for name in ("CHECKPOINT_PATH", "NATS_SUBJECT_LOGS", "NATS_SUBJECT_EVENTS", "NATS_SUBJECT_COMMANDS",
                 "FATAL_EXIT_CODE", "HEARTBEAT_PATH", "SECRETS_DIR", "AGENT_LOG_DIR", "TASK_UUID"):
        del pod_env[name]
    pod_env["NATS_URL"] = "  "
    ctx = context(pod_env)
    job = ctx.job_id
    assert ctx.checkpoint_path == Path(pod_env["WORKSPACE_PATH"]) / "checkpoints" / f"job_{job}.db"
    assert ctx.checkpoint_path.parent.is_dir()
    assert (ctx.subject_logs, ctx.subject_events, ctx.subject_commands) == (
        f"logs.agent.{job}", f"events.agent.{job}", f"cmd.agent.{job}")
    assert ctx.fatal_exit_code == 42
    assert ctx.heartbeat_path is None and ctx.secrets_dir is None and ctx.log_dir is None
    assert dict(ctx.secrets) == {} and ctx.task_uuid is None
    assert ctx.nats_url is None, "an empty NATS_URL means no NATS"


def test_kubernetes_secret_volume_layout(pod_env: dict[str, str], tmp_path: Path) -> None:
    """Kubernetes mounts a secret as symlinks into a `..data` directory: the links are the secrets."""
    volume = tmp_path / "volume"
    data = volume / "..2026_11_29_08_00_00.123"
    data.mkdir(parents=True)
    (data / "openai-api-key").write_text("sk-from-the-volume-0123456789\r\n")
    (volume / "..data").symlink_to(data.name)
    (volume / "openai-api-key").symlink_to("..data/openai-api-key")
    pod_env["SECRETS_DIR"] = str(volume)
    assert dict(context(pod_env).secrets) == {"openai-api-key": "sk-from-the-volume-0123456789"}


def test_nats_values(pod_env: dict[str, str], tmp_path: Path) -> None:
    creds = tmp_path / "agent.creds"
    creds.write_text("-----BEGIN NATS USER JWT-----\n")
    pod_env.update(NATS_URL="nats://nats.agents.svc.cluster.local:4222,nats://127.0.0.1:4222",
                   NATS_CREDS_FILE=str(creds), NATS_SUBJECT_LOGS="logs.agent.custom", FATAL_EXIT_CODE="7")
    ctx = context(pod_env)
    assert ctx.nats_url == "nats://nats.agents.svc.cluster.local:4222,nats://127.0.0.1:4222"
    assert ctx.nats_creds == creds
    assert ctx.subject_logs == "logs.agent.custom"
    assert ctx.fatal_exit_code == 7


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# (name, mutation of the environment given the pod's root, the start of the one-line message)
BAD = [
    ("missing JOB_ID", lambda e, r: e.pop("JOB_ID"), "JOB_ID is not set (environment)"),
    ("empty JOB_ID", lambda e, r: e.update(JOB_ID=""), "JOB_ID is not set (environment)"),
    ("bad JOB_ID characters", lambda e, r: e.update(JOB_ID="job/../x"), "JOB_ID 'job/../x' must be 1 to 128"),
    ("JOB_ID with a newline", lambda e, r: e.update(JOB_ID="job\nid"), "JOB_ID 'job\\nid' must be"),
    ("JOB_ID too long", lambda e, r: e.update(JOB_ID="a" * 129), "JOB_ID 'aaaa"),
    ("bad TASK_UUID", lambda e, r: e.update(TASK_UUID="uuid with spaces"), "TASK_UUID 'uuid with spaces'"),
    ("missing WORKSPACE_PATH", lambda e, r: e.pop("WORKSPACE_PATH"), "WORKSPACE_PATH is not set"),
    ("workspace missing", lambda e, r: e.update(WORKSPACE_PATH=str(r / "nope")),
     "WORKSPACE_PATH names a directory that does not exist"),
    ("workspace is a file", lambda e, r: e.update(WORKSPACE_PATH=e["TASK_PROMPT_FILE"]),
     "WORKSPACE_PATH is not a directory"),
    ("checkpoint is a directory", lambda e, r: e.update(CHECKPOINT_PATH=e["WORKSPACE_PATH"]),
     "CHECKPOINT_PATH is a directory"),
    ("checkpoint under a file", lambda e, r: e.update(CHECKPOINT_PATH=e["TASK_PROMPT_FILE"] + "/x.db"),
     "CHECKPOINT_PATH's directory cannot be created"),
    ("heartbeat directory missing", lambda e, r: e.update(HEARTBEAT_PATH=str(r / "nope" / "hb")),
     "HEARTBEAT_PATH's directory does not exist"),
    ("missing TASK_PROMPT_FILE", lambda e, r: e.pop("TASK_PROMPT_FILE"), "TASK_PROMPT_FILE is not set"),
    ("prompt file missing", lambda e, r: e.update(TASK_PROMPT_FILE=str(r / "nope")),
     "TASK_PROMPT_FILE does not exist"),
    ("prompt is a directory", lambda e, r: e.update(TASK_PROMPT_FILE=e["WORKSPACE_PATH"]),
     "TASK_PROMPT_FILE is not a regular file"),
    ("prompt is a FIFO", lambda e, r: (os.mkfifo(r / "fifo"), e.update(TASK_PROMPT_FILE=str(r / "fifo"))),
     "TASK_PROMPT_FILE is not a regular file"),
    ("empty prompt", lambda e, r: e.update(TASK_PROMPT_FILE=_write(r / "empty", b"")), "TASK_PROMPT_FILE is empty"),
    ("blank prompt", lambda e, r: e.update(TASK_PROMPT_FILE=_write(r / "blank", b" \n\t\n")),
     "TASK_PROMPT_FILE is empty"),
    ("prompt not UTF-8", lambda e, r: e.update(TASK_PROMPT_FILE=_write(r / "latin1", b"caf\xe9 au lait")),
     "TASK_PROMPT_FILE is not UTF-8 (byte 3)"),
    ("secrets dir missing", lambda e, r: e.update(SECRETS_DIR=str(r / "nope")),
     "SECRETS_DIR names a directory that does not exist"),
    ("secrets dir is a file", lambda e, r: e.update(SECRETS_DIR=e["TASK_PROMPT_FILE"]), "SECRETS_DIR is not a directory"),
    ("dangling secret link", lambda e, r: os.symlink(r / "gone", Path(e["SECRETS_DIR"]) / "broken"),
     "a secret file does not exist"),
    ("FATAL_EXIT_CODE not a number", lambda e, r: e.update(FATAL_EXIT_CODE="forty-two"),
     "FATAL_EXIT_CODE 'forty-two' is not a number (environment)"),
    ("FATAL_EXIT_CODE zero", lambda e, r: e.update(FATAL_EXIT_CODE="0"), "FATAL_EXIT_CODE 0 is not between 1 and 255"),
    ("FATAL_EXIT_CODE too big", lambda e, r: e.update(FATAL_EXIT_CODE="256"), "FATAL_EXIT_CODE 256 is not between"),
    ("NATS_URL not nats", lambda e, r: e.update(NATS_URL="http://nats:4222"), "NATS_URL is not a nats:// URL"),
    ("NATS_URL bad port", lambda e, r: e.update(NATS_URL="nats://nats:port"), "NATS_URL is not a nats:// URL"),
    ("subject with a space", lambda e, r: e.update(NATS_SUBJECT_LOGS="logs agent"), "NATS_SUBJECT_LOGS 'logs agent'"),
    ("subject with a wildcard", lambda e, r: e.update(NATS_SUBJECT_EVENTS="events.agent.*"), "NATS_SUBJECT_EVENTS"),
    ("creds file missing", lambda e, r: e.update(NATS_CREDS_FILE=str(r / "nope.creds")),
     "NATS_CREDS_FILE names a file that does not exist"),
    ("log dir missing", lambda e, r: e.update(AGENT_LOG_DIR=str(r / "nope")),
     "AGENT_LOG_DIR names a directory that does not exist"),
]


@pytest.mark.parametrize("name,mutate,message", BAD, ids=[case[0] for case in BAD])
def test_each_bad_value_is_one_clear_line(tmp_path: Path, name: str, mutate, message: str) -> None:
    env = make_pod_env(tmp_path / "pod")
    mutate(env, tmp_path)
    with pytest.raises(ContractError) as raised:
        context(env)
    text = str(raised.value)
    assert text.startswith(message), text
    assert "\n" not in text and text.endswith(")"), "one line ending with (where)"
    for value in [*SECRET_VALUES.values(), "Fix the failing test"]:
        assert value not in text, "neither secrets nor the prompt appear in the message"
    assert raised.value.exit_code == 42


def test_the_exit_code_is_the_pods_fatal_code(pod_env: dict[str, str]) -> None:
    pod_env["FATAL_EXIT_CODE"] = "9"
    del pod_env["JOB_ID"]
    with pytest.raises(ContractError) as raised:
        context(pod_env)
    assert raised.value.exit_code == 9


def _context_as_nobody(env: dict[str, str]) -> str:
    """Runs context(env) in a forked child that is not root (modes mean nothing to root); returns its
    ContractError message, or "" when it succeeded."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                context(env)
                message = ""
            except ContractError as exc:
                message = str(exc)
            os.write(write, message.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        message = handle.read().decode()
    os.waitpid(pid, 0)
    return message


@pytest.mark.parametrize("what", ["directory", "file"])
def test_unreadable_secrets(tmp_path: Path, what: str) -> None:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="fd-secrets-", dir="/tmp"))
    try:
        root.chmod(0o755)
        env = make_pod_env(root)
        for key in ("WORKSPACE_PATH", "HEARTBEAT_PATH", "AGENT_LOG_DIR"):
            Path(env[key] if key != "HEARTBEAT_PATH" else Path(env[key]).parent).chmod(0o777)
        (root / "run").chmod(0o755)
        Path(env["TASK_PROMPT_FILE"]).chmod(0o644)
        secrets = Path(env["SECRETS_DIR"])
        if what == "directory":
            secrets.chmod(0o000)
            expected = "SECRETS_DIR is not readable"
        else:
            secrets.chmod(0o755)
            (secrets / "git-token").chmod(0o000)
            expected = "a secret file is not readable"
        message = _context_as_nobody(env)
        assert message.startswith(expected), message
        assert str(secrets) in message
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(root)], check=False)
        subprocess.run(["rm", "-rf", str(root)], check=False)


def _run_entry_point(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = ("from flightdeck_agent import context, exit_on_contract_error\n"
            "exit_on_contract_error(context)()\n"
            "print('unreachable when the contract is broken')\n")
    full = {**env, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60)


def test_entry_point_exits_with_one_line_and_the_fatal_code(pod_env: dict[str, str]) -> None:
    del pod_env["JOB_ID"]
    result = _run_entry_point(pod_env)
    assert result.returncode == 42
    assert result.stderr == "flightdeck-agent: JOB_ID is not set (environment)\n"
    assert result.stdout == ""


def test_entry_point_uses_the_pods_fatal_code(pod_env: dict[str, str], tmp_path: Path) -> None:
    pod_env["FATAL_EXIT_CODE"] = "3"
    pod_env["TASK_PROMPT_FILE"] = _write(tmp_path / "empty-prompt", b"")
    result = _run_entry_point(pod_env)
    assert result.returncode == 3
    assert result.stderr == f"flightdeck-agent: TASK_PROMPT_FILE is empty ({tmp_path / 'empty-prompt'})\n"
    assert "Traceback" not in result.stderr


def test_entry_point_with_an_unreadable_fatal_code(pod_env: dict[str, str]) -> None:
    pod_env["FATAL_EXIT_CODE"] = "x1"
    result = _run_entry_point(pod_env)
    assert result.returncode == 42
    assert result.stderr.splitlines() == ["flightdeck-agent: FATAL_EXIT_CODE 'x1' is not a number (environment)"]


def test_entry_point_runs_when_the_contract_holds(pod_env: dict[str, str]) -> None:
    result = _run_entry_point(pod_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "unreachable when the contract is broken\n"


def test_async_entry_points_are_wrapped_too(pod_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    pod_env["JOB_ID"] = "white space"

    @exit_on_contract_error
    async def main() -> None:
        context(pod_env)

    with pytest.raises(SystemExit) as exited:
        asyncio.run(main())
    assert exited.value.code == 42
    assert capsys.readouterr().err == ("flightdeck-agent: JOB_ID 'white space' must be 1 to 128 letters, digits, "
                                       "'-' or '_' (environment)\n")
