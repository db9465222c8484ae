"""Helpers for the CI integration tests: a pull request as a real git history with a real "origin" remote."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from support import git, make_repo

# The cst analyzer alone keeps these runs fast; the integrations do not depend on which analyzers run.
CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'
OLD_ISSUE = "def old(x):\n    try:\n        x()\n    except:\n        pass\n"
NEW_ISSUE = "def new(y):\n    try:\n        y()\n    except:\n        pass\n"
CLEAN = "def fine():\n    return 1\n"

QGATE = str(Path(sys.executable).with_name("qgate"))


@dataclass
class PullRequest:
    origin: Path  # the bare "server" repository
    checkout: Path  # the CI's clone, on the feature branch


def make_pull_request(tmp_path: Path, new_text: str = NEW_ISSUE, push: bool = False) -> PullRequest:
    """main holds an old issue (not new); the feature branch adds ``new.py`` (and is pushed when ``push``)."""
    seed = make_repo(tmp_path / "seed", commit=False)
    (seed / "pyproject.toml").write_text(CONFIG)
    (seed / "old.py").write_text(OLD_ISSUE)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "base")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(origin), str(checkout))
    git(checkout, "checkout", "-q", "-b", "feature")
    (checkout / "new.py").write_text(new_text)
    git(checkout, "add", "new.py")
    git(checkout, "commit", "-q", "-m", "feature")
    if push:
        git(checkout, "push", "-q", "origin", "feature")
    return PullRequest(origin=origin, checkout=checkout)
