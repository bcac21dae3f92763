"""The workspace listing for `files` events: bounded, never through symlinks, debounced."""

from __future__ import annotations

import os
from pathlib import Path

from flightdeck_agent.workspace import WorkspaceLister


def _tree(root: Path) -> None:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "mod.py").write_text("print(1)\n")
    (root / "README.md").write_text("# hi\n")
    (root / "checkpoints").mkdir()
    for name in ("job_x.db", "job_x.db-wal", "job_x.db-shm"):
        (root / "checkpoints" / name).write_bytes(b"x" * 10)
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "objects" / "ab").write_text("blob")
    (root / "link-out").symlink_to("/etc")
    os.utime(root / "README.md", (1764400000, 1764400000))


def test_listing_is_relative_sorted_and_skips_side_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    entries = WorkspaceLister(tmp_path).listing()
    assert [entry["path"] for entry in entries] == [
        ".git", "README.md", "checkpoints", "checkpoints/job_x.db", "link-out", "src", "src/pkg", "src/pkg/mod.py"]
    by_path = {entry["path"]: entry for entry in entries}
    assert by_path["README.md"] == {"path": "README.md", "kind": "file", "size": 5, "mtime": 1764400000}
    assert by_path["link-out"]["kind"] == "symlink", "a symlink is listed, never followed"
    assert by_path["src"]["kind"] == "dir" and by_path["src"]["size"] == 0


def test_listing_is_bounded_shallowest_first(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    for n in range(50):
        (deep / f"f{n:02}").write_text("x")
    for n in range(5):
        (tmp_path / f"top{n}").write_text("x")
    lister = WorkspaceLister(tmp_path, max_entries=20)
    entries = lister.listing()
    paths = [entry["path"] for entry in entries]
    assert len(entries) == 20 and lister.truncated
    assert all(f"top{n}" in paths for n in range(5)), "the top level is never crowded out"
    assert "a/b/c/d" in paths
    assert WorkspaceLister(tmp_path, max_depth=2).listing()[-1]["path"] == "top4"
    assert not any(path.count("/") >= 2 for path in (e["path"] for e in WorkspaceLister(tmp_path, max_depth=2).listing()))


def test_due_debounces_and_poll_sends_only_changes(tmp_path: Path) -> None:
    lister = WorkspaceLister(tmp_path, debounce=2.0)
    assert lister.due(100.0)
    assert not lister.due(101.0)
    assert lister.due(102.5)
    fresh = WorkspaceLister(tmp_path, debounce=2.0)
    (tmp_path / "one").write_text("1")
    assert [e["path"] for e in fresh.poll(10.0) or []] == ["one"]
    assert fresh.poll(11.0) is None, "debounced"
    assert fresh.poll(13.0) is None, "unchanged"
    (tmp_path / "two").write_text("2")
    assert [e["path"] for e in fresh.poll(16.0) or []] == ["one", "two"]


def test_unreadable_or_missing_roots_give_an_empty_listing(tmp_path: Path) -> None:
    assert WorkspaceLister(tmp_path / "missing").listing() == []
