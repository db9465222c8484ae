"""Fixtures of the hostile-case suite: every test runs the real ``qgate`` CLI on a real temporary repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.helpers import FAST
from support import git, make_repo


@pytest.fixture
def fast_repo(tmp_path: Path) -> Path:
    """A repository whose main branch holds only the fast configuration."""
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "pyproject.toml").write_text(FAST)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    return repo
