"""README.md keeps its promises: the two commands, the CI script running the documented test command, the rule table."""

import os
import re
import subprocess

from support import REPO, QGATE, clean_env

README = REPO / "README.md"
START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def first_code_block() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_install_and_test_commands():
    install, test = first_code_block()
    assert "pip install" in install and "qgate check" in install
    assert "pytest" in test


def test_ci_runs_exactly_the_documented_test_command():
    _, test = first_code_block()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines


def test_rule_table_is_generated_from_the_rules(tmp_path):
    args = ["rules", "--format", "markdown", "--analyzer", "cst", "--analyzer", "radon", "--analyzer", "semgrep", "--analyzer", "ai"]
    generated = subprocess.run([*QGATE, *args], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, check=True).stdout
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    current, tail = rest.split(END, 1)
    current = current.strip("\n") + "\n"
    if os.environ.get("QGATE_UPDATE_README"):
        README.write_text(f"{head}{START}\n{generated}{END}{tail}", encoding="utf-8")
        current = generated
    assert current == generated, "README rule table is stale: QGATE_UPDATE_README=1 pytest tests/test_readme.py"
