"""Fixtures for the CI integration tests."""

from __future__ import annotations

import pytest

from .repos import NEW_ISSUE, PullRequest, make_pull_request


@pytest.fixture
def pull_request(tmp_path):
    """``make(new_file_text, push=False)``: main holds an old issue (not new); the feature branch adds ``new.py``."""

    def make(new_text: str = NEW_ISSUE, push: bool = False) -> PullRequest:
        return make_pull_request(tmp_path, new_text, push)

    return make
