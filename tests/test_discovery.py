import os
import subprocess
from pathlib import Path

import pytest

from qgate.config import Settings
from qgate.discovery import discover
from qgate.errors import UsageError


def touch(root: Path, rel: str, text: str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def paths(result):
    return [c.path for c in result.files]


def test_walks_python_files_and_skips_default_excludes(tmp_path):
    for rel in ("a.py", "pkg/b.py", "pkg/data.txt", ".venv/lib/c.py", "build/d.py", "node_modules/e.py"):
        touch(tmp_path, rel)
    assert paths(discover(tmp_path, [], Settings())) == ["a.py", "pkg/b.py"]


def test_include_and_exclude_patterns(tmp_path):
    for rel in ("a.py", "gen/x.py", "pkg/y.py", "pkg/y_pb2.py"):
        touch(tmp_path, rel)
    settings = Settings(extend_exclude=("gen/", "*_pb2.py"))
    assert paths(discover(tmp_path, [], settings)) == ["a.py", "pkg/y.py"]


def test_exclude_applies_to_explicit_files_too(tmp_path):
    touch(tmp_path, "gen/x.py")
    settings = Settings(extend_exclude=("gen/",))
    assert paths(discover(tmp_path, [tmp_path / "gen/x.py"], settings)) == []


def test_gitignore_respected_outside_git(tmp_path):
    touch(tmp_path, ".gitignore", "ignored/\n*.gen.py\n")
    for rel in ("keep.py", "ignored/a.py", "b.gen.py"):
        touch(tmp_path, rel)
    assert paths(discover(tmp_path, [], Settings())) == ["keep.py"]
    assert paths(discover(tmp_path, [], Settings(respect_gitignore=False))) == ["b.gen.py", "ignored/a.py", "keep.py"]


def test_gitignore_respected_inside_git_including_nested_files(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    touch(tmp_path, "sub/.gitignore", "secret.py\n")
    for rel in ("a.py", "sub/secret.py", "sub/ok.py"):
        touch(tmp_path, rel)
    assert paths(discover(tmp_path, [], Settings())) == ["a.py", "sub/ok.py"]


def test_size_limit_skips_and_lists_the_file(tmp_path):
    touch(tmp_path, "big.py", "x = 1\n" * 400)
    touch(tmp_path, "small.py")
    result = discover(tmp_path, [], Settings(max_file_size_kb=1))
    assert paths(result) == ["small.py"]
    assert [s.path for s in result.skipped] == ["big.py"]
    assert "max_file_size_kb=1" in result.skipped[0].reason


def test_symlinks_never_lead_out_of_the_root(tmp_path):
    outside = touch(tmp_path / "outside", "evil.py")
    root = tmp_path / "root"
    touch(root, "a.py")
    os.symlink(outside, root / "link.py")
    os.symlink(root / "loop1.py", root / "loop2.py")
    os.symlink(root / "loop2.py", root / "loop1.py")
    os.symlink(tmp_path / "outside", root / "dirlink")
    result = discover(root, [], Settings())
    assert paths(result) == ["a.py"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "outside" in reasons["link.py"]
    assert "loop" in reasons["loop1.py"]


def test_path_outside_root_is_a_usage_error(tmp_path):
    touch(tmp_path, "root/a.py")
    other = touch(tmp_path, "other/b.py")
    with pytest.raises(UsageError, match="outside the analysis root"):
        discover(tmp_path / "root", [other], Settings())


def test_odd_file_names(tmp_path):
    for rel in ("with space.py", "ünï.py", "-dash.py"):
        touch(tmp_path, rel)
    assert paths(discover(tmp_path, [], Settings())) == ["-dash.py", "with space.py", "ünï.py"]


def test_git_ignored_folders_are_not_entered_nor_reported(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    touch(tmp_path, ".gitignore", "work/\n")
    touch(tmp_path, "a.py")
    checkout = tmp_path / "work" / "checkout"
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)  # a nested repository, but ignored
    touch(checkout, "b.py")
    result = discover(tmp_path, [], Settings())
    assert paths(result) == ["a.py"]
    assert result.skipped == ()
    nested = tmp_path / "vendor"
    subprocess.run(["git", "init", "-q", str(nested)], check=True)  # not ignored: still reported
    assert [s.path for s in discover(tmp_path, [], Settings()).skipped] == ["vendor"]
