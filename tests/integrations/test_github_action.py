"""The GitHub Action: action.yml's structure, and its script run for real on a pull request's git history."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Optional

import pytest
import yaml
from .repos import CLEAN, QGATE
from support import REPO, clean_env, git

ACTION = REPO / "action.yml"
SCRIPT = REPO / "scripts" / "github-action.sh"


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def steps_by_id(action: dict) -> dict[str, dict]:
    return {step["id"]: step for step in action["runs"]["steps"] if "id" in step}


# ------------------------------------------------------------------------------------------ action.yml


def test_action_is_a_composite_action_with_documented_inputs(action):
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "version", "source", "python-version", "base", "args", "sarif", "upload-sarif", "fail-on-gate",
        "working-directory",
    }
    for name, spec in action["inputs"].items():
        assert spec["description"].strip(), name
        assert spec["required"] is False, name
        assert isinstance(spec["default"], str), name  # action inputs are strings
    assert action["inputs"]["base"]["default"] == "${{ github.base_ref }}"
    assert action["inputs"]["fail-on-gate"]["default"] == "true"
    assert action["inputs"]["upload-sarif"]["default"] == "false"


def test_every_input_is_used_and_every_reference_is_declared(action):
    text = ACTION.read_text(encoding="utf-8")
    body = text[text.index("\nruns:") :]
    referenced = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", body))
    assert referenced == set(action["inputs"])
    steps = steps_by_id(action)
    for step_id, output in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
        assert step_id in steps, step_id
        if step_id == "python":
            assert output == "python-path"  # actions/setup-python's output


def test_outputs_are_the_ones_the_script_writes(action):
    script = SCRIPT.read_text(encoding="utf-8")
    written = set(re.findall(r'echo "([a-z-]+)=\$', script))
    assert written == {"gate-status", "exit-code", "sarif"}
    assert {name: spec["value"] for name, spec in action["outputs"].items()} == {
        name: f"${{{{ steps.gate.outputs.{name} }}}}" for name in written
    }
    install = steps_by_id(action)["install"]["run"]
    assert 'echo "qgate=$bin/qgate" >>"$GITHUB_OUTPUT"' in install


def test_gate_step_runs_the_script_with_the_inputs(action):
    gate = steps_by_id(action)["gate"]
    assert gate["shell"] == "bash"
    assert gate["run"] == 'bash "$GITHUB_ACTION_PATH/scripts/github-action.sh"'
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)
    assert gate["env"] == {
        "QGATE": "${{ steps.install.outputs.qgate }}",
        "INPUT_BASE": "${{ inputs.base }}",
        "INPUT_ARGS": "${{ inputs.args }}",
        "INPUT_SARIF": "${{ inputs.sarif }}",
        "INPUT_FAIL_ON_GATE": "${{ inputs.fail-on-gate }}",
    }
    script = SCRIPT.read_text(encoding="utf-8")
    for variable in gate["env"]:
        assert "${" + variable in script, variable


def test_sarif_is_uploaded_even_when_the_gate_failed(action):
    upload = action["runs"]["steps"][-1]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "always() && inputs.upload-sarif == 'true' && steps.gate.outputs.sarif != ''"
    assert upload["with"] == {"sarif_file": "${{ steps.gate.outputs.sarif }}", "category": "qgate"}
    python = action["runs"]["steps"][0]
    assert python["uses"].startswith("actions/setup-python@")
    assert python["if"] == "inputs.python-version != ''"
    assert python["with"]["update-environment"] is False


# ------------------------------------------------------------------------------- the script, for real


class Run:
    def __init__(self, tmp_path: Path, proc: subprocess.CompletedProcess[str], sarif: Path) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.summary = (tmp_path / "step_summary.md").read_text(encoding="utf-8")
        lines = (tmp_path / "github_output").read_text(encoding="utf-8").splitlines()
        self.outputs = dict(line.split("=", 1) for line in lines)
        self.sarif = sarif

    def annotations(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(("::error", "::warning", "::notice"))]


def run_action(tmp_path: Path, checkout: Path, *, base: str = "main", args: str = "", fail_on_gate: str = "true",
               sarif: Optional[Path] = None) -> Run:
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    (tmp_path / "step_summary.md").write_text("previous step's summary\n", encoding="utf-8")
    (tmp_path / "github_output").write_text("", encoding="utf-8")
    env = clean_env(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_BASE_REF="main",
        GITHUB_HEAD_REF="feature",
        GITHUB_WORKSPACE=str(checkout),
        GITHUB_STEP_SUMMARY=str(tmp_path / "step_summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "github_output"),
        RUNNER_TEMP=str(runner_temp),
        QGATE=QGATE,
        INPUT_BASE=base,
        INPUT_ARGS=args,
        INPUT_SARIF=str(sarif) if sarif else "",
        INPUT_FAIL_ON_GATE=fail_on_gate,
    )
    proc = subprocess.run(
        ["bash", str(SCRIPT)], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
    )
    result = Run(tmp_path, proc, sarif or runner_temp / "qgate.sarif")
    assert list(runner_temp.iterdir()) == ([result.sarif] if result.sarif.parent == runner_temp and result.sarif.exists() else [])
    return result


def test_new_issue_fails_with_annotations_summary_outputs_and_sarif(tmp_path, pull_request):
    pr = pull_request()
    result = run_action(tmp_path, pr.checkout)
    assert result.code == 1, result.stderr
    assert result.annotations() == [
        "::error file=new.py,line=4,endLine=5,title=QG101 (critical code smell)::"
        "Specify an exception class to catch, or re-raise the exception.",
        "::warning file=new.py,line=4,endLine=5,title=QG102 (major code smell)::"
        "Handle, log or re-raise this exception, or explain in a comment why it is ignored.",
    ]
    # the text report sits in a collapsed group of the log; old.py's issue is not new, so not reported
    group = result.stdout[result.stdout.index("::group::qgate report (failed)") : result.stdout.index("::endgroup::")]
    assert "  4:5  critical QG101 " in group and "old.py" not in group
    assert result.stdout.rstrip().endswith("qgate: quality gate failed")
    assert "--base origin/main" in result.stderr
    # the markdown summary is appended to what earlier steps wrote
    assert result.summary.startswith("previous step's summary\n## Quality gate: FAILED\n")
    assert "| critical | QG101 | new.py:4 | Specify an exception class to catch, or re-raise the exception. |" in result.summary
    assert result.outputs == {"gate-status": "failed", "exit-code": "1", "sarif": str(result.sarif)}
    sarif = json.loads(result.sarif.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    found = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"])
        for r in sarif["runs"][0]["results"]
    ]
    assert found == [("QG101", "new.py", 4, "new"), ("QG102", "new.py", 4, "new")]


def test_fail_on_gate_false_reports_without_failing(tmp_path, pull_request):
    pr = pull_request()
    sarif = tmp_path / "reports" / "out.sarif"
    result = run_action(tmp_path, pr.checkout, fail_on_gate="false", sarif=sarif)
    assert result.code == 0, result.stderr
    assert result.outputs == {"gate-status": "failed", "exit-code": "1", "sarif": str(sarif)}
    assert [a.split("title=")[1].split(" ")[0] for a in result.annotations()] == ["QG101", "QG102"]
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"][0]["ruleId"] == "QG101"


def test_clean_pull_request_passes(tmp_path, pull_request):
    pr = pull_request(CLEAN)
    result = run_action(tmp_path, pr.checkout)
    assert result.code == 0, result.stderr
    assert result.annotations() == []
    assert "## Quality gate: PASSED" in result.summary and "No new issues." in result.summary
    assert result.outputs["gate-status"] == "passed" and result.outputs["exit-code"] == "0"
    assert json.loads(result.sarif.read_text(encoding="utf-8"))["runs"][0]["results"] == []


def test_error_fails_even_without_fail_on_gate_and_args_keep_quotes(tmp_path, pull_request):
    pr = pull_request()
    result = run_action(tmp_path, pr.checkout, args='--config "no such.toml"', fail_on_gate="false")
    assert result.code == 2
    assert "qgate: error: no such.toml: config file not found" in result.stderr
    assert result.outputs == {"gate-status": "error", "exit-code": "2", "sarif": ""}
    assert result.summary == "previous step's summary\n"  # nothing to summarize
    assert result.stdout.rstrip().endswith("qgate: error (exit code 2): see the messages above")


def test_shallow_checkout_without_the_base_branch_is_deepened(tmp_path, pull_request):
    """actions/checkout's default: depth 1, only the pull request's branch. qgate fetches origin/main itself."""
    pr = pull_request(push=True)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{pr.origin}", str(shallow))
    assert git(shallow, "rev-parse", "--is-shallow-repository").strip() == "true"
    result = run_action(tmp_path, shallow)
    assert result.code == 1, result.stderr
    assert [a.split("title=")[1].split(" ")[0] for a in result.annotations()] == ["QG101", "QG102"]
    assert result.outputs["gate-status"] == "failed"


@pytest.mark.parametrize(
    ("base", "expected"),
    [("main", "--base origin/main"), ("origin/main", "--base origin/main"), ("", None), ("0" * 40, None)],
)
def test_base_input_forms(tmp_path, pull_request, base, expected):
    pr = pull_request(CLEAN)
    result = run_action(tmp_path, pr.checkout, base=base)
    assert result.code == 0, result.stderr
    command = next(line for line in result.stderr.splitlines() if line.startswith("qgate: "))
    if expected:
        assert command.endswith(expected)
    else:
        assert "--base" not in command  # qgate's own resolution: GITHUB_BASE_REF -> origin/main
        assert "changes since origin/main (GITHUB_BASE_REF)" in result.stdout


def test_base_input_full_sha_is_used_as_is(tmp_path, pull_request):
    pr = pull_request(CLEAN)
    sha = git(pr.checkout, "rev-parse", "main").strip()
    result = run_action(tmp_path, pr.checkout, base=sha)
    assert result.code == 0, result.stderr
    assert f"--base {sha}" in result.stderr
