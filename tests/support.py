"""Shared test helpers (importable as ``support``): running the real ``qgate`` CLI, building real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"

# The installed console script, as users run it (``python -m qgate`` would put the repository under test
# first on sys.path, where a module named like a stdlib one shadows it).
_SCRIPT = Path(sys.executable).with_name("qgate")
QGATE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "qgate"]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "qgate tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "qgate tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a qgate subprocess: no CI variables leaking in from the machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "QGATE_")) and k != "CI"}
    env.update(GIT_ENV)
    env.update(extra)
    return env


def run_qgate(*args: str, cwd: Path, env: Optional[dict[str, str]] = None, stdin: Optional[str] = None) -> Result:
    proc = subprocess.run(
        [*QGATE, *args],
        cwd=cwd,
        env=env or clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, check=True)
    return proc.stdout


def make_repo(dest: Path, fixture: Optional[str] = None, commit: bool = True) -> Path:
    """A real git repository at dest, holding a copy of fixtures/<fixture>, committed on branch main."""
    dest.mkdir(parents=True, exist_ok=True)
    if fixture:
        shutil.copytree(FIXTURES / fixture, dest, dirs_exist_ok=True)
    git(dest, "init", "-q", "-b", "main")
    if commit:
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", "initial")
    return dest
