"""The GitLab CI template: its structure, and its script run for real in a simulated merge-request pipeline."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from support import REPO, clean_env

from .repos import CLEAN, QGATE

TEMPLATE = REPO / "ci" / "gitlab" / "qgate.gitlab-ci.yml"


@pytest.fixture(scope="module")
def job() -> dict:
    document = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert list(document) == ["qgate"]  # one job, no global keys that would leak into the including pipeline
    return document["qgate"]


def report_paths(job: dict) -> dict[str, str]:
    command = " ".join(line for line in job["script"] if line.startswith("qgate check"))
    return dict(re.findall(r"--report (\w+)=(\S+)", command))


def test_job_runs_on_merge_requests_with_full_history(job):
    assert job["stage"] == "test"
    assert job["image"] == "python:3.12"
    assert job["variables"]["GIT_DEPTH"] == "0"  # a string: GitLab variables are strings
    assert all(isinstance(value, str) for value in job["variables"].values())
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["script"][0] == 'python -m pip install --quiet --disable-pip-version-check "$QGATE_REQUIREMENT"'


def test_reports_are_the_files_qgate_writes(job):
    paths = report_paths(job)
    assert paths == {"gitlab": "gl-code-quality-report.json", "junit": "qgate-junit.xml"}
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"  # a failed gate is exactly when the reports matter
    assert artifacts["reports"] == {"codequality": paths["gitlab"], "junit": paths["junit"]}
    assert sorted(artifacts["paths"]) == sorted(paths.values())
    command = next(line for line in job["script"] if line.startswith("qgate check"))
    assert '--base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in command


def run_script(job: dict, checkout: Path) -> subprocess.CompletedProcess[str]:
    """The template's script as GitLab's shell runs it, with qgate already installed (the pip line skipped)."""
    lines = [line for line in job["script"] if not line.startswith("python -m pip install")]
    variables = {k: v for k, v in job["variables"].items()}
    env = clean_env(
        CI="true",
        GITLAB_CI="true",
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature",
        CI_PROJECT_DIR=str(checkout),
        PATH=f"{Path(QGATE).parent}:{clean_env()['PATH']}",
        **variables,
    )
    return subprocess.run(
        ["bash", "-e", "-c", "\n".join(lines)], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
    )


def test_script_fails_the_job_and_writes_both_reports(job, pull_request):
    checkout = pull_request().checkout
    proc = run_script(job, checkout)
    assert proc.returncode == 1, proc.stderr
    assert "  4:5  critical QG101 " in proc.stdout
    assert "changes since origin/main (--base)" in proc.stdout
    quality = json.loads((checkout / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    # only the changed files are analyzed, so old.py's issue is in neither report
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]) for i in quality] == [
        ("QG101", "critical", "new.py", {"begin": 4, "end": 5}),
        ("QG102", "major", "new.py", {"begin": 4, "end": 5}),
    ]
    junit = ET.parse(checkout / "qgate-junit.xml").getroot()
    assert junit.get("failures") == "3"
    assert [f.get("message") for f in junit.iter("failure")] == [
        "new_violations is 2; the gate fails when it is > 0",
        "new.py:4: Specify an exception class to catch, or re-raise the exception.",
        "new.py:4: Handle, log or re-raise this exception, or explain in a comment why it is ignored.",
    ]


def test_script_passes_a_clean_merge_request(job, pull_request):
    checkout = pull_request(CLEAN).checkout
    proc = run_script(job, checkout)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((checkout / "gl-code-quality-report.json").read_text(encoding="utf-8")) == []
    junit = ET.parse(checkout / "qgate-junit.xml").getroot()
    assert list(junit.iter("failure")) == []
