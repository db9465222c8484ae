"""End to end with the real preset package (fixtures/presets/acme-standards, pip-installed): ``qgate check``
picks up the preset, refuses a loosened lock, and ``qgate config --show`` prints every value's source."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from support import clean_env, run_qgate
from test_presets import install_acme

from qgate.cli import config_cmd
from qgate.config import load_config, parse_settings, tomllib
from qgate.errors import UsageError

APP = textwrap.dedent(
    """\
    import subprocess


    def run(cmd):
        try:
            subprocess.call(cmd, shell=True)
        except:
            print("failed")
    """
)


@pytest.fixture(scope="session")
def acme_site(tmp_path_factory) -> Path:
    return install_acme(tmp_path_factory)


@pytest.fixture
def acme_on_path(acme_site, monkeypatch):
    monkeypatch.syspath_prepend(str(acme_site))
    yield acme_site
    sys.modules.pop("acme_standards", None)


def project(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.qgate]\nextends = ["acme-standards:python"]\nextend_exclude = ["vendor/"]\n'
        + textwrap.dedent(extra),
        encoding="utf-8",
    )
    (root / "app.py").write_text(APP, encoding="utf-8")
    return root


def env_with(site: Path) -> dict[str, str]:
    existing = os.environ.get("PYTHONPATH")
    return clean_env(PYTHONPATH=os.pathsep.join([str(site), *([existing] if existing else [])]))


def test_check_applies_the_presets_rules_and_gate(acme_site, tmp_path):
    root = project(tmp_path / "demo")
    result = run_qgate("check", "--format", "json", "-q", cwd=root, env=env_with(acme_site))
    assert result.code == 1, result.stderr
    report = result.json()
    issues = [(i["rule"], i["line"], i["column"], i["severity"]) for i in report["issues"]]
    assert issues == [
        ("B404", 1, 1, "minor"),
        ("B602", 6, 9, "blocker"),  # the preset raises B602 to blocker
        ("QG101", 7, 5, "critical"),
        ("QG108", 8, 9, "major"),  # and print() to major
    ]
    assert {i["tool"] for i in report["issues"]} == {"bandit", "cst"}  # the preset's analyzers: no semgrep
    gate = report["gate"]
    assert gate["preset"] == "no-new-issues"
    assert [(c["metric"], c["op"], c["threshold"], c["status"]) for c in gate["conditions"]] == [
        ("new_violations", "gt", 0.0, "failed"),
        ("new_coverage", "lt", 70.0, "ignored"),
    ]


def test_check_refuses_a_loosened_locked_condition_with_exit_2(acme_site, tmp_path):
    root = project(
        tmp_path / "demo", '\n[tool.qgate.gate]\nconditions = [{ metric = "new_violations", op = "gt", threshold = 10 }]\n'
    )
    result = run_qgate("check", "--format", "json", "-q", cwd=root, env=env_with(acme_site))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"qgate: error: {root / 'pyproject.toml'}: tool.qgate.gate.conditions: loosens locked gate condition "
        "(new_violations gt 0 -> gt 10) (locked by acme-standards:python)"
    ]


def test_check_refuses_removing_a_locked_analyzer(acme_site, tmp_path):
    root = project(tmp_path / "demo", '\n[tool.qgate.analyzers]\nenabled = ["cst"]\n')
    result = run_qgate("check", "-q", cwd=root, env=env_with(acme_site))
    assert result.code == 2
    assert "tool.qgate.analyzers.enabled: removes locked analyzer 'bandit' (locked by acme-standards:python)" in result.stderr


def show(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    config_cmd.add_parser(parser.add_subparsers(dest="command"))
    return config_cmd.run(parser.parse_args(["config", *argv]))


def test_show_text_prints_each_value_with_its_source(acme_on_path, tmp_path, monkeypatch, capsys):
    root = project(tmp_path / "demo", '\n[tool.qgate.rules.B602]\nseverity = "blocker"\n')
    monkeypatch.chdir(root)
    assert show("--show") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[:4] == [
        "# qgate effective configuration (qgate config --show)",
        "# config file: pyproject.toml",
        "# extends (in order): acme-standards:python",
        "# locked by acme-standards:python: rules B602, QG101; gate_conditions new_violations, new_coverage; "
        "analyzers bandit; keys max_file_size_kb",
    ]
    for expected in [
        'include = ["*.py"]  # from: built-in default',
        'extend_exclude = ["generated/", "vendor/"]  # from: acme-standards:python + pyproject.toml',
        "max_file_size_kb = 1024  # from: acme-standards:python; locked by acme-standards:python",
        "[rules.B602]",
        'severity = "blocker"  # from: pyproject.toml; locked by acme-standards:python',
        'severity = "major"  # from: acme-standards:python',
        'enabled = ["cst", "bandit"]  # from: acme-standards:python; locked by acme-standards:python',
        'preset = "no-new-issues"  # from: acme-standards:python',
        '    { metric = "new_coverage", op = "lt", threshold = 70.0 },  # from: acme-standards:python; '
        "locked by acme-standards:python",
        "# effective gate conditions (preset + conditions): new_violations gt 0, new_coverage lt 70",
        "# reference is unset  # from: built-in default",
    ]:
        assert expected in lines
    # the text is TOML that loads back to the same effective settings
    assert parse_settings(tomllib.loads(out), "shown", "") == load_config(root / "pyproject.toml").settings


def test_show_json_maps_keys_to_value_and_source(acme_on_path, tmp_path, monkeypatch, capsys):
    root = project(tmp_path / "demo")
    monkeypatch.chdir(root)
    assert show("--show", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["max_file_size_kb"] == {"value": 1024, "source": "acme-standards:python", "locked_by": ["acme-standards:python"]}
    assert shown["jobs"] == {"value": 0, "source": "built-in default"}
    assert shown["extend_exclude"] == {"value": ["generated/", "vendor/"], "source": "acme-standards:python + pyproject.toml"}
    assert shown["rules.QG114.options.max"] == {"value": 5, "source": "acme-standards:python"}
    assert shown["gate.conditions.new_violations"] == {
        "value": {"metric": "new_violations", "op": "gt", "threshold": 0.0},
        "source": "acme-standards:python",
        "locked_by": ["acme-standards:python"],
    }
    assert shown["new_code.reference"] == {"value": None, "source": "built-in default"}


def test_show_without_a_config_file_lists_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert show("--show", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["gate.preset"] == {"value": "qgate-way", "source": "built-in default"}
    assert {entry["source"] for entry in shown.values()} == {"built-in default"}


def test_config_without_show_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="qgate config --show"):
        show()
