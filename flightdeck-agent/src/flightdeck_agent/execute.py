"""The hardened execute tool and the workspace file tools.

The model chooses the commands, so everything about running them is bounded:
- `/bin/sh -c` in the workspace (a working directory outside it is refused), stdin closed;
- its own session and process group: on timeout or cancellation the whole group gets SIGTERM,
  then SIGKILL after `kill_grace`; what is left in the group when the shell exits is ended the
  same way (a tool call leaves nothing running behind it);
- output (stdout and stderr merged) read incrementally and capped: the head and the tail are
  kept with a note `[… N bytes truncated …]`; invalid UTF-8 becomes U+FFFD; secret values are
  redacted (also when one straddles the cut);
- the environment is scrubbed: no NATS_*, SECRETS_DIR, no variable whose name says key, token,
  secret, password or credential, none whose value holds a secret; HOME, PYTHONUSERBASE, PATH,
  the proxies, LANG and WORKSPACE_PATH stay (so `pip install --user` works on a read-only root).
The file tools resolve symlinks and refuse any path that ends up outside the workspace; they
open only regular files, without blocking (a named pipe would freeze the agent in `open()`).

The model's arguments are hostile: a NUL byte, a lone surrogate, a symlink loop, a path too long
for the kernel are answers (`refused: …` / `error: …`) the model reads, never an exception: an
exception would end the run, and the checkpointed tool call would replay on every retry.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from .context import PodContext
from .redact import SENSITIVE_NAME_PARTS, SecretScrubber
from .workspace import walk

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
REFUSED_EXIT_CODE = 126  # the shell's "cannot execute"
MAX_WRITE_BYTES = 16 * 1024 * 1024


#: What the model's arguments can make the tools' system calls raise: each becomes an answer.
TOOL_ERRORS = (OSError, ValueError, RuntimeError, OverflowError)


class WorkspaceEscape(ValueError):
    """A path (working directory, file) that resolves outside the workspace, or that no file
    system call can take (a NUL byte, a lone surrogate)."""


class NotRegularFile(ValueError):
    """A file tool was pointed at a named pipe, a device, a socket or a directory."""


@dataclass
class ExecuteResult:
    """What a command did: the shell's exit status (negative: killed by that signal), how long it
    ran, its capped and redacted output, how many output bytes were cut, whether it timed out."""

    exit_code: int
    duration_ms: int
    output: str
    truncated_bytes: int
    timed_out: bool


class Executor:
    """Runs shell commands in the workspace, bounded in time, output and environment."""

    def __init__(self, ctx: PodContext, *, timeout: float = 120.0, output_cap: int = 64 * 1024,
                 scrubber: SecretScrubber | None = None, kill_grace: float = 2.0) -> None:
        self.ctx = ctx
        self.root = ctx.workspace.resolve()
        self.timeout = timeout
        self.output_cap = max(256, output_cap)
        self.kill_grace = kill_grace
        self.scrubber = scrubber if scrubber is not None else SecretScrubber.from_context(ctx)
        self.environment = scrubbed_environment(ctx.environ, self.scrubber, workspace=self.root)

    def resolve(self, path: str | None) -> Path:
        """`path` (relative to the workspace, or absolute inside it) with symlinks resolved;
        WorkspaceEscape when it ends up outside."""
        raw = path if path not in (None, "") else "."
        assert raw is not None
        problem = unusable_text(raw)
        if problem is not None:
            raise WorkspaceEscape(f"the path {problem}")
        candidate = Path(raw)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            resolved = candidate.resolve(strict=False)
        except TOOL_ERRORS as exc:  # a symlink loop (RuntimeError in 3.11), a name too long
            raise WorkspaceEscape(f"{_shown(raw)} cannot be resolved: {describe(exc)}") from None
        if resolved != self.root and self.root not in resolved.parents:
            raise WorkspaceEscape(f"{_shown(raw)} is outside the workspace")
        return resolved

    def relative(self, path: Path) -> str:
        return "." if path == self.root else str(path.relative_to(self.root))

    async def run(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecuteResult:
        """Runs `command`; WorkspaceEscape when `cwd` is outside the workspace or `command` holds
        what no process can be given (a NUL byte, a lone surrogate)."""
        problem = unusable_text(command)
        if problem is not None:
            raise WorkspaceEscape(f"the command {problem}")
        directory = self.resolve(cwd)
        if not directory.is_dir():
            raise WorkspaceEscape(f"{_shown(cwd or '.')} is not a directory in the workspace")
        limit = self.timeout if timeout is None else timeout
        capture = _Capture(self.output_cap, self.scrubber)
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", command, cwd=str(directory), env=dict(self.environment),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
        group = process.pid  # start_new_session: the shell leads its own group
        reader = asyncio.get_running_loop().create_task(_read(process.stdout, capture))
        try:
            timed_out = not await _wait_exit(process, limit)
            await self._end_group(group, process)
            try:
                # The pipe closes once every holder is gone; one that left the group keeps it open.
                await asyncio.wait_for(asyncio.shield(reader), max(1.0, self.kill_grace))
            except (asyncio.TimeoutError, TimeoutError):
                reader.cancel()
        except BaseException:  # cancelled (or worse): nothing may outlive the call
            _signal_group(group, signal.SIGKILL)
            reader.cancel()
            await _wait_gone(group, 1.0)
            raise
        finally:
            returncode = process.returncode
            transport = getattr(process, "_transport", None)  # closes the pipes an escapee still holds
            if transport is not None:
                transport.close()
        output, truncated = capture.text()
        return ExecuteResult(exit_code=returncode if returncode is not None else -signal.SIGKILL,
                             duration_ms=int((time.monotonic() - started) * 1000),
                             output=output, truncated_bytes=truncated, timed_out=timed_out)

    async def _end_group(self, group: int, process: asyncio.subprocess.Process) -> None:
        """SIGTERM to what is left of the group, SIGKILL after kill_grace."""
        if not _signal_group(group, signal.SIGTERM):
            return
        deadline = time.monotonic() + self.kill_grace
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            if not _group_alive(group):
                break
        else:
            _signal_group(group, signal.SIGKILL)
            await _wait_gone(group, 2.0)
        await _wait_exit(process, 5.0)


async def _wait_gone(group: int, limit: float) -> None:
    """Waits (at most `limit`) until the killed group's processes are gone."""
    deadline = time.monotonic() + limit
    while _group_alive(group) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def _wait_exit(process: asyncio.subprocess.Process, limit: float) -> bool:
    """Whether the shell exited within `limit` seconds. (Process.wait() also waits for its pipes to
    close, which a background child holding them delays: the exit status is polled instead.)"""
    deadline = time.monotonic() + limit
    delay = 0.002
    while process.returncode is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)
    return True


def scrubbed_environment(environ: Mapping[str, str], scrubber: SecretScrubber, *, workspace: Path) -> dict[str, str]:
    """The environment a tool's command gets (pure): see the module docstring."""
    env: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        if upper.startswith("NATS_") or upper == "SECRETS_DIR":
            continue
        if any(part in upper for part in SENSITIVE_NAME_PARTS):
            continue
        if scrubber.contains(value):
            continue
        env[name] = value
    env.setdefault("PATH", DEFAULT_PATH)
    env["WORKSPACE_PATH"] = str(workspace)
    return env


class _Capture:
    """Keeps the head and the tail of a byte stream (each with a margin as long as the longest secret,
    so a secret across a cut is seen whole), and counts the rest."""

    def __init__(self, cap: int, scrubber: SecretScrubber) -> None:
        self.scrubber = scrubber
        self.head_size = cap // 2
        self.tail_size = cap - self.head_size
        self.margin = scrubber.max_bytes
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_size + self.margin - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            keep = self.tail_size + self.margin
            if len(self.tail) > 2 * keep:
                del self.tail[:len(self.tail) - keep]

    def text(self) -> tuple[str, int]:
        """(the redacted text with a truncation note, bytes cut)."""
        if self.total <= self.head_size + self.tail_size:
            return _clean(self.scrubber.scrub(_decode(bytes(self.head + self.tail)))), 0
        head_raw = bytes(self.head)
        tail_raw = bytes(self.tail[-(self.tail_size + self.margin):])
        head = self.scrubber.scrub_head(_decode(head_raw), len(_decode(head_raw[:self.head_size])))
        tail = self.scrubber.scrub_tail(_decode(tail_raw), len(_decode(tail_raw[-self.tail_size:])))
        cut = self.total - self.head_size - self.tail_size
        return _clean(f"{head}\n[… {cut} bytes truncated …]\n{tail}"), cut


async def _read(stream: asyncio.StreamReader | None, capture: _Capture) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        capture.feed(chunk)


def _signal_group(group: int, sig: int) -> bool:
    """Sends `sig` to the process group; False when the group is gone."""
    try:
        os.killpg(group, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return False


def _group_alive(group: int) -> bool:
    """Whether a process of the group is still running (zombies waiting for a reaper do not count)."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        names = os.listdir("/proc")
    except OSError:
        return True
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(group).encode() and fields[0] != b"Z":
            return True
    return False


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _clean(text: str) -> str:
    """NUL characters are refused by some model APIs; lone surrogates (a file name that is not
    UTF-8) by every JSON encoder: both become U+FFFD."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def unusable_text(text: str) -> str | None:
    """Why `text` cannot be a command or a path (pure): a NUL byte, a lone surrogate; else None."""
    if "\x00" in text:
        return "contains a NUL byte"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid text (it holds a lone surrogate)"
    return None


def describe(exc: BaseException) -> str:
    """One short line for an exception a tool turns into its answer."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, (NotRegularFile, WorkspaceEscape)):
        return str(exc)
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def _shown(path: str, limit: int = 120) -> str:
    return repr(_plain(path, limit))


def _plain(text: str, limit: int = 200) -> str:
    """`text` for an answer: non-printable characters as "?", at most `limit` characters."""
    text = "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text[:limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def _open_regular(path: Path, flags: int) -> int:
    """A descriptor of the regular file at `path`, opened without blocking (a named pipe would
    block `open()` until a writer or reader comes) and without following a final symlink;
    NotRegularFile for anything else."""
    descriptor = os.open(path, flags | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file ({_file_kind(mode)})")
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


# MARK: - Tools


class _ExecuteArgs(BaseModel):
    command: str = Field(description="Shell command, run with /bin/sh -c")
    cwd: str = Field(".", description="Working directory, relative to the workspace")


class _ReadArgs(BaseModel):
    path: str = Field(description="File path, relative to the workspace")
    offset: int = Field(0, ge=0, description="Byte offset to start reading at")


class _WriteArgs(BaseModel):
    path: str = Field(description="File path, relative to the workspace (parent directories are created)")
    content: str = Field(description="The file's new content (UTF-8)")


class _ListArgs(BaseModel):
    path: str = Field(".", description="Directory, relative to the workspace")
    depth: int = Field(2, ge=1, le=6, description="How many levels to descend")


def make_tools(ctx: PodContext, executor: Executor) -> list[BaseTool]:
    """The tools "execute", "read_file", "write_file", "list_files" (async, content_and_artifact).

    Artifacts: execute {"exit_code", "duration_ms"}; the others {"duration_ms"}. A refused path or
    an I/O error is the tool's answer (the model reads it), not an exception.
    """
    cap = executor.output_cap
    scrubber = executor.scrubber

    async def execute(command: str, cwd: str = ".") -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            result = await executor.run(command, cwd=cwd)
        except WorkspaceEscape as exc:
            return _clean(f"refused: {exc}"), {"exit_code": REFUSED_EXIT_CODE, "duration_ms": _ms(started)}
        except TOOL_ERRORS as exc:
            return _clean(f"error: cannot run the command: {describe(exc)}"), \
                {"exit_code": REFUSED_EXIT_CODE, "duration_ms": _ms(started)}
        lines = [result.output.rstrip("\n")] if result.output.strip() else []
        if result.timed_out:
            lines.append(f"[timed out after {executor.timeout:g} s: the command and its children were killed]")
        lines.append(f"[exit code {result.exit_code}]")
        return "\n".join(lines), {"exit_code": result.exit_code, "duration_ms": result.duration_ms}

    async def read_file(path: str, offset: int = 0) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            target = executor.resolve(path)
            margin = scrubber.max_bytes
            # From a little before `offset`: a secret that straddles it is seen whole.
            start = max(0, offset - margin) if offset > 0 and scrubber.active else offset
            with os.fdopen(_open_regular(target, os.O_RDONLY), "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(start)
                data = handle.read(offset - start + cap + margin)
        except WorkspaceEscape as exc:
            return _clean(f"refused: {exc}"), {"duration_ms": _ms(started)}
        except TOOL_ERRORS as exc:
            return _clean(f"error: {describe(exc)}: {_plain(path)}"), {"duration_ms": _ms(started)}
        lead = min(len(data), offset - start)
        begin = len(_decode(data[:lead])) if lead else 0
        text = scrubber.scrub_window(_decode(data), begin, len(_decode(data[:lead + cap])))
        end = offset + min(len(data) - lead, cap)
        if end < size:
            text += f"\n[… {size - end} more bytes: read_file with offset={end} …]"
        return _clean(text), {"duration_ms": _ms(started)}

    async def write_file(path: str, content: str) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        data = content.encode("utf-8", errors="replace")
        if len(data) > MAX_WRITE_BYTES:
            return f"refused: larger than {MAX_WRITE_BYTES} bytes", {"duration_ms": _ms(started)}
        try:
            target = executor.resolve(path)
            if target == executor.root:
                raise WorkspaceEscape("the workspace itself is not a file")
            target.parent.mkdir(parents=True, exist_ok=True)
            executor.resolve(str(target.parent))  # still inside after creating it
            try:
                mode = os.lstat(target).st_mode
            except FileNotFoundError:
                pass
            else:
                if not stat.S_ISREG(mode):
                    raise NotRegularFile(f"not a regular file ({_file_kind(mode)})")
            # Truncated only once it is known to be a regular file.
            with os.fdopen(_open_regular(target, os.O_WRONLY | os.O_CREAT), "wb") as handle:
                handle.truncate(0)
                handle.write(data)
        except WorkspaceEscape as exc:
            return _clean(f"refused: {exc}"), {"duration_ms": _ms(started)}
        except TOOL_ERRORS as exc:
            return _clean(f"error: {describe(exc)}: {_plain(path)}"), {"duration_ms": _ms(started)}
        return _clean(f"wrote {len(data)} bytes to {executor.relative(target)}"), {"duration_ms": _ms(started)}

    async def list_files(path: str = ".", depth: int = 2) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            target = executor.resolve(path)
            if not target.is_dir():
                return _clean(f"error: not a directory: {_plain(path)}"), {"duration_ms": _ms(started)}
            entries, truncated = walk(executor.root, start=target, max_entries=500, max_depth=depth)
        except WorkspaceEscape as exc:
            return _clean(f"refused: {exc}"), {"duration_ms": _ms(started)}
        except TOOL_ERRORS as exc:
            return _clean(f"error: {describe(exc)}: {_plain(path)}"), {"duration_ms": _ms(started)}
        lines = []
        for entry in entries:
            if entry["kind"] == "dir":
                lines.append(entry["path"] + "/")
            elif entry["kind"] == "symlink":
                lines.append(entry["path"] + " (symlink)")
            else:
                lines.append(f"{entry['path']} ({entry['size']} bytes)")
        if truncated:
            lines.append("[… more entries not listed …]")
        return _clean(scrubber.scrub("\n".join(lines) or "(empty)")), {"duration_ms": _ms(started)}

    return [
        StructuredTool.from_function(
            coroutine=execute, name="execute", args_schema=_ExecuteArgs, response_format="content_and_artifact",
            description=f"Run a shell command in the workspace (timeout {executor.timeout:g} s; output is "
                        f"capped). Returns its output and exit code."),
        StructuredTool.from_function(
            coroutine=read_file, name="read_file", args_schema=_ReadArgs, response_format="content_and_artifact",
            description="Read a text file in the workspace."),
        StructuredTool.from_function(
            coroutine=write_file, name="write_file", args_schema=_WriteArgs, response_format="content_and_artifact",
            description="Create or overwrite a text file in the workspace."),
        StructuredTool.from_function(
            coroutine=list_files, name="list_files", args_schema=_ListArgs, response_format="content_and_artifact",
            description="List files and directories in the workspace."),
    ]


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
