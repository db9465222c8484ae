"""Broken scanners, end to end, without mocks: bandit's interpreter and semgrep's executable are pointed (the
``python`` / ``executable`` options) at tiny real programs that are missing, crash, hang or print garbage.
The report names the analyzer, the gate status is ``error`` and the exit code 2, unless the analyzer is optional."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

from hostile.helpers import processes_with_marker
from support import clean_env, git, make_repo, run_qgate

SOURCE = 'def f(a=[]):\n    return a\n'  # QG103 at 1:9, whatever the scanners do

FAKES = {
    "crash": '#!/bin/sh\necho "Traceback (most recent call last):" >&2\necho "RuntimeError: boom" >&2\nexit 3\n',
    "hang": "#!/bin/sh\nsleep 60\n",
    "garbage": '#!/bin/sh\necho "<html>502 Bad Gateway</html>"\n',
    "no-results": '#!/bin/sh\necho \'{"errors": []}\'\n',
}


def expected_message(analyzer: str, behaviour: str) -> str:
    return {
        "crash": f"{analyzer} failed (exit code 3): RuntimeError: boom",
        "hang": f"{analyzer} timed out after 2 s",
        "garbage": f"{analyzer} failed (exit code 0): <html>502 Bad Gateway</html>",
        "no-results": f"{analyzer} printed JSON without a results list (exit code 0)",
        "missing": {
            "bandit": "bandit could not be started: interpreter 'bin/missing' (tool.qgate.analyzers.bandit.python) "
            "not found or not executable",
            "semgrep": "semgrep executable 'bin/missing' (tool.qgate.analyzers.semgrep.executable) not found or not executable",
        }[analyzer],
    }[behaviour]


def scanner_repo(tmp_path: Path, analyzer: str, behaviour: str, optional: bool = False, also: str = "") -> Path:
    """A repository whose committed config points ``analyzer`` (and ``also``, when given) at bin/<behaviour>."""
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "bin").mkdir()
    for name, script in FAKES.items():
        (repo / "bin" / name).write_text(script)
        (repo / "bin" / name).chmod(0o755)
    names = [analyzer, also] if also else [analyzer]
    config = "[tool.qgate]\ntimeout_seconds = 2\n[tool.qgate.analyzers]\n"
    config += f"enabled = {json.dumps(['cst', *names])}\noptional = {json.dumps([analyzer] if optional else [])}\n"
    for name in names:
        option = "python" if name == "bandit" else "executable"
        config += f'[tool.qgate.analyzers.{name}]\n{option} = "bin/{behaviour}"\n'
    (repo / "pyproject.toml").write_text(config)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    (repo / "app.py").write_text(SOURCE)
    return repo


@pytest.mark.parametrize("behaviour", ["missing", "crash", "garbage", "no-results"])
def test_a_broken_scanner_makes_the_gate_error_with_exit_2_and_names_it(tmp_path, behaviour):
    repo = scanner_repo(tmp_path, "bandit", behaviour, also="semgrep")
    result = run_qgate("check", "--base", "main", "--format", "json", "--report", "text=report.txt", cwd=repo)
    messages = {name: expected_message(name, behaviour) for name in ("bandit", "semgrep")}
    assert result.code == 2, result.stderr
    assert result.stderr == "".join(f"qgate: error: {name}: {message}\n" for name, message in messages.items())
    report = result.json()
    assert report["gate"]["status"] == "error"
    assert "2 analyzer failure(s): the verdict cannot be trusted" in report["gate"]["notes"]
    assert report["errors"] == [
        {"analyzer": name, "path": None, "line": None, "message": message, "fatal": True} for name, message in messages.items()
    ]
    assert [(i["rule"], i["line"], i["column"]) for i in report["issues"]] == [("QG103", 1, 9)]  # cst still ran
    text = (repo / "report.txt").read_text()
    assert all(f"fatal [{name}] {message}" in text for name, message in messages.items())


def test_hanging_scanners_are_killed_at_the_timeout(tmp_path):
    repo = scanner_repo(tmp_path, "bandit", "hang", also="semgrep")
    marker = uuid.uuid4().hex
    started = time.monotonic()
    result = run_qgate("check", "--format", "json", "--all-files", cwd=repo, env=clean_env(QGATE_HOSTILE_MARK=marker))
    elapsed = time.monotonic() - started
    assert result.code == 2, result.stderr
    assert result.stderr == (
        "qgate: error: bandit: bandit timed out after 2 s\nqgate: error: semgrep: semgrep timed out after 2 s\n"
    )
    assert [(e["analyzer"], e["message"], e["fatal"]) for e in result.json()["errors"]] == [
        ("bandit", "bandit timed out after 2 s", True),
        ("semgrep", "semgrep timed out after 2 s", True),
    ]
    assert elapsed < 30  # both deadlines run in parallel; nowhere near the scripts' 60 s
    if sys.platform.startswith("linux"):
        assert processes_with_marker(marker) == []  # the sleeping scripts were killed, not left behind


def test_an_optional_scanner_failure_is_reported_but_does_not_make_the_gate_error(tmp_path):
    repo = scanner_repo(tmp_path, "semgrep", "crash", optional=True)
    result = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr  # failed on QG103, not error
    assert result.stderr == ""
    report = result.json()
    assert report["gate"]["status"] == "failed"
    assert report["errors"] == [
        {"analyzer": "semgrep", "path": None, "line": None, "message": "semgrep failed (exit code 3): RuntimeError: boom", "fatal": False}
    ]


def test_a_failed_scanner_run_is_not_cached(tmp_path):
    repo = scanner_repo(tmp_path, "bandit", "crash")
    first = run_qgate("check", "--base", "main", "--format", "json", cwd=repo)
    assert first.code == 2
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('python = "bin/crash"', f'python = "{sys.executable}"'))
    second = run_qgate("check", "--base", "main", "--format", "json", "--config-from-head", cwd=repo)
    assert second.code == 1, second.stderr
    assert second.json()["errors"] == []
    cache = repo / ".qgate" / "cache" / "v1"
    assert all(json.loads(p.read_text())["entries"] for p in cache.glob("*.json"))
    assert os.listdir(cache)
