"""Interrupted runs, end to end: SIGINT (exit 130) and SIGTERM (exit 143, the same clean path) sent to a real
``qgate`` in the middle of analyzing 300 files leave no partial baseline, report or cache file, no temporary
file, and no scanner or worker process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hostile.helpers import processes_with_marker
from support import QGATE, clean_env, git, make_repo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to follow child processes")

PREVIOUS = b'{"previous": "complete file, must survive the interrupted run"}\n'


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("interrupts") / "repo", commit=False)
    (repo / "pkg").mkdir()
    body = "".join(
        f"def f{n}(a=[]):\n    if a:\n        subprocess.call('ls ' + a[0], shell=True)\n    return a\n\n\n" for n in range(15)
    )
    for n in range(300):
        (repo / "pkg" / f"m{n}.py").write_text(f"import subprocess\n\n\n{body}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "300 files")
    return repo


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def interrupt(repo: Path, sig: int, *args: str) -> tuple[int, str, str]:
    """Start qgate, wait until it works (child processes running), send ``sig``; (exit code, stderr, marker)."""
    marker = uuid.uuid4().hex
    proc = subprocess.Popen(
        [*QGATE, *args], cwd=repo, env=clean_env(QGATE_HOSTILE_MARK=marker),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while not children(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.7)  # scanners and workers are under way
    assert proc.poll() is None, f"qgate finished before the signal: {proc.returncode}"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr, marker


def assert_nothing_partial(repo: Path, marker: str) -> None:
    leftovers = [p for p in repo.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    for cached in (repo / ".qgate" / "cache").rglob("*.json") if (repo / ".qgate" / "cache").exists() else ():
        assert isinstance(json.loads(cached.read_text()), dict)  # complete JSON or nothing
    deadline = time.monotonic() + 5
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == []  # no bandit, semgrep or pool worker left running


def test_sigint_during_baseline_create_keeps_the_previous_baseline(big_repo):
    baseline = big_repo / ".qgate" / "baseline.json"
    baseline.parent.mkdir(exist_ok=True)
    baseline.write_bytes(PREVIOUS)
    code, stderr, marker = interrupt(big_repo, signal.SIGINT, "baseline", "create")
    assert code == 130
    assert stderr == "qgate: interrupted\n"
    assert baseline.read_bytes() == PREVIOUS
    assert_nothing_partial(big_repo, marker)


def test_sigterm_during_baseline_create_takes_the_same_clean_path(big_repo):
    baseline = big_repo / "other-baseline.json"
    code, stderr, marker = interrupt(big_repo, signal.SIGTERM, "baseline", "create", "-o", str(baseline))
    assert code == 143
    assert stderr == "qgate: terminated (SIGTERM)\n"
    assert not baseline.exists()
    assert_nothing_partial(big_repo, marker)


def test_sigterm_during_check_writes_no_report(big_repo):
    report = big_repo / "out" / "report.json"
    code, stderr, marker = interrupt(big_repo, signal.SIGTERM, "check", "--all-files", "-q", "--format", "json", "-o", str(report))
    assert code == 143
    assert stderr == "qgate: terminated (SIGTERM)\n"
    assert not report.exists()
    assert_nothing_partial(big_repo, marker)


def test_sigint_during_check_keeps_the_previous_report(big_repo):
    report = big_repo / "report.json"
    report.write_bytes(PREVIOUS)
    code, stderr, marker = interrupt(big_repo, signal.SIGINT, "check", "--all-files", "-q", "--format", "json", "-o", str(report))
    assert code == 130
    assert stderr == "qgate: interrupted\n"
    assert report.read_bytes() == PREVIOUS
    assert_nothing_partial(big_repo, marker)
