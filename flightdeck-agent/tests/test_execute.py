"""The hardened execute tool and the file tools, with real subprocesses and files."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SECRET_VALUES, make_pod_env

from flightdeck_agent import context
from flightdeck_agent.execute import Executor, WorkspaceEscape, make_tools, scrubbed_environment
from flightdeck_agent.redact import SecretScrubber

KEY = SECRET_VALUES["openai-api-key"]


def _executor(tmp_path: Path, **kwargs: Any) -> Executor:
    env = make_pod_env(tmp_path, NATS_URL="nats://user:pw@127.0.0.1:4222",
                       OPENAI_API_KEY_FILE="/var/secrets/openai-api-key", MY_TOKEN="t0k3n-value",
                       DB_PASSWORD="pa55word", AWS_SECRET_ACCESS_KEY="aws", GITHUB_CREDENTIALS="c",
                       INNOCENT_LOOKING=f"prefix-{KEY}", HTTP_PROXY="http://proxy:3128",
                       https_proxy="http://proxy:3128", NO_PROXY=".svc")
    return Executor(context(env), **kwargs)


def _survivors(group: int) -> list[int]:
    """Processes of the group still running (zombies waiting for a reaper are not running)."""
    alive = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            alive.append(int(name))
    return alive


def _group_of(output: str) -> int:
    match = re.search(r"group (\d+)", output)
    assert match, output
    return int(match.group(1))


def test_runs_in_the_workspace_with_merged_output_and_exit_code(tmp_path: Path) -> None:
    executor = _executor(tmp_path)
    result = asyncio.run(executor.run("pwd; echo out; echo err >&2; exit 3"))
    assert result.exit_code == 3
    assert result.output == f"{executor.root}\nout\nerr\n"
    assert result.duration_ms >= 0 and not result.timed_out and result.truncated_bytes == 0


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    executor = _executor(tmp_path, timeout=0.5, kill_grace=0.3)
    # Children, a grandchild, and one that ignores SIGTERM (it needs the SIGKILL).
    command = ("sleep 100 & sleep 100 & sh -c 'sleep 100' & (trap '' TERM; sleep 100) & "
               "echo group $$; wait")
    result = asyncio.run(executor.run(command))
    assert result.timed_out
    assert result.exit_code < 0, "killed by a signal"
    group = _group_of(result.output)
    assert _survivors(group) == []


def test_what_a_finished_command_leaves_behind_is_ended(tmp_path: Path) -> None:
    executor = _executor(tmp_path, timeout=30, kill_grace=0.3)
    result = asyncio.run(executor.run("sleep 100 & echo group $$"))
    assert not result.timed_out and result.exit_code == 0
    assert result.duration_ms < 30_000
    assert _survivors(_group_of(result.output)) == []


def test_a_cancelled_run_kills_its_group(tmp_path: Path) -> None:
    executor = _executor(tmp_path, timeout=60)
    marker = tmp_path / "group"

    async def scenario() -> int:
        task = asyncio.create_task(executor.run(f"echo $$ > {marker}; sleep 100 & sleep 100"))
        while not marker.exists() or not marker.read_text().strip():
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return int(marker.read_text())

    group = asyncio.run(scenario())
    assert _survivors(group) == []


def test_a_megabyte_of_output_is_capped_with_head_tail_and_a_note(tmp_path: Path) -> None:
    executor = _executor(tmp_path, output_cap=4096)
    result = asyncio.run(executor.run("printf 'START'; head -c 1000000 /dev/zero | tr '\\0' a; printf 'END'"))
    assert result.exit_code == 0
    assert result.truncated_bytes == 1_000_008 - 4096
    assert result.output.startswith("STARTaaa")
    assert result.output.endswith("aaaEND")
    assert f"\n[… {1_000_008 - 4096} bytes truncated …]\n" in result.output
    assert len(result.output) < 4096 + 100


def test_invalid_utf8_becomes_replacement_characters(tmp_path: Path) -> None:
    executor = _executor(tmp_path, output_cap=64 * 1024)
    result = asyncio.run(executor.run("head -c 1000000 /dev/urandom"))
    assert result.exit_code == 0
    assert result.truncated_bytes == 1_000_000 - 64 * 1024
    assert "\ufffd" in result.output and "\x00" not in result.output
    result.output.encode("utf-8")  # valid: no lone surrogates


def test_secrets_are_redacted_even_across_the_cut(tmp_path: Path) -> None:
    executor = _executor(tmp_path, output_cap=4096)
    # The head cut (2048 bytes) and the tail cut fall inside the two copies of the secret.
    command = (f"head -c 2040 /dev/zero | tr '\\0' a; printf '%s' '{KEY}'; head -c 10000 /dev/zero | tr '\\0' b; "
               f"printf '%s' '{KEY}'; head -c 2040 /dev/zero | tr '\\0' c")
    result = asyncio.run(executor.run(command))
    assert result.output.count("[redacted:openai-api-key]") == 2
    for piece in range(0, len(KEY) - 6):
        assert KEY[piece:piece + 6] not in result.output


def test_the_environment_is_scrubbed(tmp_path: Path) -> None:
    executor = _executor(tmp_path)
    result = asyncio.run(executor.run("env"))
    names = {line.split("=", 1)[0] for line in result.output.splitlines() if "=" in line}
    for gone in ("NATS_URL", "NATS_SUBJECT_LOGS", "NATS_SUBJECT_COMMANDS", "SECRETS_DIR", "OPENAI_API_KEY_FILE",
                 "MY_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "GITHUB_CREDENTIALS", "INNOCENT_LOOKING"):
        assert gone not in names
    for kept in ("HOME", "PYTHONUSERBASE", "PATH", "HTTP_PROXY", "https_proxy", "NO_PROXY", "LANG",
                 "WORKSPACE_PATH", "JOB_ID"):
        assert kept in names
    for value in [*SECRET_VALUES.values(), "t0k3n-value", "pa55word", "user:pw"]:
        assert value not in result.output
    assert f"HOME={executor.ctx.environ['HOME']}" in result.output.splitlines()


def test_scrubbed_environment_is_pure() -> None:
    scrubber = SecretScrubber(["a-secret-value"])
    env = scrubbed_environment({"nats_creds": "x", "Api_Key": "k", "X": "a-secret-value!", "Y": "ok"}, scrubber,
                               workspace=Path("/workspace"))
    assert env == {"Y": "ok", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "WORKSPACE_PATH": "/workspace"}


def test_working_directories_outside_the_workspace_are_refused(tmp_path: Path) -> None:
    executor = _executor(tmp_path)
    (executor.root / "sub").mkdir()
    (executor.root / "out").symlink_to(tmp_path)
    assert asyncio.run(executor.run("pwd", cwd="sub")).output == f"{executor.root / 'sub'}\n"
    for cwd in ("..", "../..", "/etc", "sub/../../", "out", str(tmp_path)):
        with pytest.raises(WorkspaceEscape, match="outside the workspace"):
            asyncio.run(executor.run("pwd", cwd=cwd))
    with pytest.raises(WorkspaceEscape, match="not a directory"):
        asyncio.run(executor.run("pwd", cwd="missing"))


async def _call(tool: Any, **args: Any) -> Any:
    return await tool.ainvoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})


def test_the_tools_and_their_artifacts(tmp_path: Path) -> None:
    executor = _executor(tmp_path, output_cap=1024)
    tools = {tool.name: tool for tool in make_tools(executor.ctx, executor)}
    assert sorted(tools) == ["execute", "list_files", "read_file", "write_file"]
    root = executor.root
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside the workspace")
    (root / "escape").symlink_to(outside)
    (root / "escape-file").symlink_to(outside / "secret.txt")

    async def scenario() -> dict[str, Any]:
        found: dict[str, Any] = {}
        found["run"] = await _call(tools["execute"], command="echo hi; exit 4")
        found["refused_run"] = await _call(tools["execute"], command="pwd", cwd="../")
        found["write"] = await _call(tools["write_file"], path="notes/plan.md", content="step 1\n" + KEY)
        found["read"] = await _call(tools["read_file"], path="notes/plan.md")
        found["big"] = await _call(tools["write_file"], path="big.txt", content="x" * 5000)
        found["read_big"] = await _call(tools["read_file"], path="big.txt")
        found["read_offset"] = await _call(tools["read_file"], path="big.txt", offset=4990)
        found["list"] = await _call(tools["list_files"])
        for name, args in {
            "read_up": ("read_file", {"path": "../outside/secret.txt"}),
            "read_abs": ("read_file", {"path": "/etc/passwd"}),
            "read_link_dir": ("read_file", {"path": "escape/secret.txt"}),
            "read_link_file": ("read_file", {"path": "escape-file"}),
            "write_up": ("write_file", {"path": "../evil.txt", "content": "x"}),
            "write_link_dir": ("write_file", {"path": "escape/new.txt", "content": "x"}),
            "write_link_file": ("write_file", {"path": "escape-file", "content": "x"}),
            "list_up": ("list_files", {"path": ".."}),
        }.items():
            found[name] = await _call(tools[args[0]], **args[1])
        found["missing"] = await _call(tools["read_file"], path="nope.txt")
        return found

    found = asyncio.run(scenario())
    run = found["run"]
    assert run.content == "hi\n[exit code 4]"
    assert set(run.artifact) == {"exit_code", "duration_ms"} and run.artifact["exit_code"] == 4
    assert isinstance(run.artifact["duration_ms"], int)
    assert found["refused_run"].content.startswith("refused: '../' is outside the workspace")
    assert found["refused_run"].artifact["exit_code"] == 126
    assert found["write"].content == f"wrote {7 + len(KEY)} bytes to notes/plan.md"
    assert (root / "notes" / "plan.md").read_text() == "step 1\n" + KEY
    assert found["read"].content == "step 1\n[redacted:openai-api-key]", "secrets never go back to the model"
    assert set(found["read"].artifact) == {"duration_ms"}
    assert found["read_big"].content == "x" * 1024 + "\n[… 3976 more bytes: read_file with offset=1024 …]"
    assert found["read_offset"].content == "x" * 10
    listing = found["list"].content.splitlines()
    assert "notes/" in listing and f"notes/plan.md ({7 + len(KEY)} bytes)" in listing
    assert "escape (symlink)" in listing and "escape/secret.txt" not in found["list"].content
    for name in ("read_up", "read_abs", "read_link_dir", "read_link_file", "write_up", "write_link_dir",
                 "write_link_file", "list_up"):
        assert found[name].content.startswith("refused: "), (name, found[name].content)
        assert "outside the workspace" in found[name].content
    assert (outside / "secret.txt").read_text() == "outside the workspace"
    assert not (outside / "new.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert found["missing"].content == "error: No such file or directory: nope.txt"


def test_hostile_arguments_are_answers_not_exceptions(tmp_path: Path) -> None:
    """A symlink loop, a NUL byte, a lone surrogate, a path too long for the kernel, an offset too
    large for a file position: each is the tool's answer. An exception would end the run, and the
    checkpointed tool call would raise again on every retry."""
    executor = _executor(tmp_path)
    tools = {tool.name: tool for tool in make_tools(executor.ctx, executor)}
    root = executor.root
    (root / "loop-a").symlink_to("loop-b")
    (root / "loop-b").symlink_to("loop-a")
    (root / "file.txt").write_text("some text")
    long_path = "/".join(["d" * 200] * 40)
    calls = [
        ("read_file", {"path": "loop-a/x"}), ("write_file", {"path": "loop-a/x", "content": "x"}),
        ("list_files", {"path": "loop-a"}), ("execute", {"command": "pwd", "cwd": "loop-a"}),
        ("execute", {"command": "echo a\x00b"}), ("execute", {"command": "echo \ud800"}),
        ("execute", {"command": "pwd", "cwd": "a\x00b"}), ("execute", {"command": "pwd", "cwd": "\ud800"}),
        ("read_file", {"path": "a\x00b"}), ("read_file", {"path": "x\udfff"}),
        ("write_file", {"path": "a\x00b", "content": "x"}), ("write_file", {"path": "x\ud800", "content": "x"}),
        ("list_files", {"path": "a\x00b"}), ("list_files", {"path": "x\ud800"}),
        ("read_file", {"path": "x" * 5000}), ("write_file", {"path": "x" * 5000, "content": "x"}),
        ("list_files", {"path": "x" * 5000}), ("list_files", {"path": long_path}),
        ("read_file", {"path": long_path}), ("write_file", {"path": long_path, "content": "x"}),
        ("execute", {"command": "pwd", "cwd": long_path}),
        ("read_file", {"path": "file.txt", "offset": 10 ** 30}),
    ]

    async def scenario() -> list[Any]:
        return [await _call(tools[name], **args) for name, args in calls]

    answers = asyncio.run(scenario())
    for (name, args), answer in zip(calls, answers):
        assert answer.content.startswith(("refused: ", "error: ")), (name, args, answer.content)
        answer.content.encode("utf-8")  # no lone surrogate goes back to the model
        assert "\x00" not in answer.content
        assert answer.content.count("\n") == 0 and len(answer.content) < 600, answer.content
        if name == "execute":
            assert answer.artifact["exit_code"] == 126
    by_call = dict(zip((f"{n} {sorted(a.items())!r}" for n, a in calls), (a.content for a in answers)))
    assert by_call[f"execute {sorted({'command': 'echo a' + chr(0) + 'b'}.items())!r}"] == \
        "refused: the command contains a NUL byte"
    assert "lone surrogate" in by_call[f"execute {sorted({'command': 'echo ' + chr(0xd800)}.items())!r}"]
    assert "cannot be resolved" in answers[0].content


def test_named_pipes_are_refused_without_blocking(tmp_path: Path) -> None:
    """`open()` of a FIFO blocks until the other end comes: on the event loop's thread that
    freezes the agent (heartbeat included). The file tools open without blocking and refuse
    anything but a regular file."""
    import threading

    executor = _executor(tmp_path)
    tools = {tool.name: tool for tool in make_tools(executor.ctx, executor)}
    fifo = executor.root / "pipe"
    os.mkfifo(fifo)
    answers: list[Any] = []

    def calls() -> None:
        async def scenario() -> None:
            answers.append(await _call(tools["read_file"], path="pipe"))
            answers.append(await _call(tools["write_file"], path="pipe", content="x"))
        asyncio.run(scenario())

    thread = threading.Thread(target=calls, daemon=True)
    thread.start()
    thread.join(30)
    blocked = thread.is_alive()
    while thread.is_alive():  # release a blocked open() (the defect), so the test ends
        descriptor = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        thread.join(0.5)
        os.close(descriptor)
    assert not blocked, "a file tool blocked on a named pipe"
    assert [a.content for a in answers] == ["error: not a regular file (a named pipe): pipe"] * 2
    assert fifo.is_fifo()


def test_read_file_from_an_offset_inside_a_secret_redacts_it_whole(tmp_path: Path) -> None:
    """An offset in the middle of a secret must not hand the model the secret's tail."""
    executor = _executor(tmp_path, output_cap=1024)
    tools = {tool.name: tool for tool in make_tools(executor.ctx, executor)}
    (executor.root / "leak.txt").write_text("a" * 100 + KEY + "b" * 100)

    async def scenario() -> list[str]:
        return [(await _call(tools["read_file"], path="leak.txt", offset=offset)).content
                for offset in (105, 100, 100 + len(KEY) - 7, 100 + len(KEY))]

    inside, at, near_end, after = asyncio.run(scenario())
    assert inside == at == near_end == "[redacted:openai-api-key]" + "b" * 100
    assert after == "b" * 100
    for text in (inside, near_end):
        for piece in range(0, len(KEY) - 6):
            assert KEY[piece:piece + 6] not in text
