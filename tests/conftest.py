"""Fixtures shared by the whole suite; the helpers themselves live in support.py."""

from __future__ import annotations

from typing import Optional

import pytest
from support import make_repo


@pytest.fixture
def repo_factory(tmp_path):
    def factory(fixture: Optional[str] = None, name: str = "repo", commit: bool = True):
        return make_repo(tmp_path / name, fixture, commit)

    return factory
