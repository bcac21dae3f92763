"""The workspace listing for `files` events: what the cockpit shows when it cannot read the volume.

Bounded (a workspace may hold a node_modules of 100,000 files: the listing takes the shallowest
entries first, up to `max_entries`), never follows symlinks (a link may point anywhere), skips the
SQLite side files of the checkpoint, and is debounced (a listing at most every `debounce`
seconds, and only when it changed).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Directories listed but not descended into: big, generated, or the tools' own.
OPAQUE_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox",
                         ".mypy_cache", ".pytest_cache", ".cache"})
# SQLite's transient side files (the database itself is listed).
SKIPPED_SUFFIXES = (".db-wal", ".db-shm", ".db-journal", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")


class WorkspaceLister:
    """Lists a directory tree for `files` events, bounded and debounced."""

    def __init__(self, root: Path, *, max_entries: int = 500, max_depth: int = 6, debounce: float = 2.0) -> None:
        self.root = Path(root)
        self.max_entries = max_entries
        self.max_depth = max_depth
        self.debounce = debounce
        self.truncated = False
        self._last_time: float | None = None
        self._last_listing: list[dict] | None = None

    def listing(self) -> list[dict]:
        """[{"path", "kind", "size", "mtime"}]: relative paths, sorted, at most max_entries
        (shallowest first when cut), kind file | dir | symlink, mtime in whole epoch seconds."""
        entries, self.truncated = walk(self.root, max_entries=self.max_entries, max_depth=self.max_depth)
        return entries

    def due(self, now: float) -> bool:
        """Whether a listing may be sent at `now` (monotonic seconds); a True answer starts the next
        debounce period."""
        if self._last_time is not None and now - self._last_time < self.debounce:
            return False
        self._last_time = now
        return True

    def poll(self, now: float) -> list[dict] | None:
        """The listing when one is due and it differs from the last one returned; else None."""
        if not self.due(now):
            return None
        entries = self.listing()
        if entries == self._last_listing:
            return None
        self._last_listing = entries
        return entries


def walk(root: Path, *, start: Path | None = None, max_entries: int = 500, max_depth: int = 6) -> tuple[list[dict], bool]:
    """Breadth-first listing under `start` (default `root`), paths relative to `root`.

    Returns (entries sorted by path, whether it was cut at max_entries). Unreadable directories
    are skipped; symlinks are listed as such, never followed.
    """
    base = start if start is not None else root
    entries: list[dict] = []
    truncated = False
    level: list[tuple[str, str]] = [(str(base), "" if start is None else os.path.relpath(base, root))]
    depth = 0
    while level and depth < max_depth and not truncated:
        next_level: list[tuple[str, str]] = []
        for absolute, relative in level:
            try:
                with os.scandir(absolute) as scan:
                    children = sorted(scan, key=lambda entry: entry.name)
            except OSError:
                continue
            for child in children:
                if child.name.endswith(SKIPPED_SUFFIXES):
                    continue
                if len(entries) >= max_entries:
                    truncated = True
                    break
                try:
                    info = child.stat(follow_symlinks=False)
                except OSError:
                    continue
                path = child.name if relative in ("", ".") else f"{relative}/{child.name}"
                if stat.S_ISLNK(info.st_mode):
                    kind = "symlink"
                elif stat.S_ISDIR(info.st_mode):
                    kind = "dir"
                    if child.name not in OPAQUE_DIRS:
                        next_level.append((child.path, path))
                else:
                    kind = "file"
                entries.append({"path": path, "kind": kind, "size": info.st_size if kind == "file" else 0,
                                "mtime": int(info.st_mtime)})
            if truncated:
                break
        level = next_level
        depth += 1
    entries.sort(key=lambda entry: entry["path"])
    return entries, truncated
