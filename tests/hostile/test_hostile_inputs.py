"""Hostile inputs, end to end: config, baseline, coverage, SARIF/generic imports and the hotspot review file,
malformed, truncated, huge or hostile (entity bombs, external entities, deep nesting, paths out of the
repository). Every case: the exit code and the one-line message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile.helpers import FAST
from support import git, make_repo, run_qgate

APP = "def f(a=[]):\n    return a\n"  # QG103 at 1:9
DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def repo(tmp_path) -> Path:
    """main: the config; app.py untracked (new), so one new issue and exit 1 when inputs are fine."""
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "pyproject.toml").write_text(FAST)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    (repo / "app.py").write_text(APP)
    return repo


def one_error_line(result) -> str:
    assert result.code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.stderr.rstrip("\n")


# ---------------------------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.qgate\nenabled = 1\n", "invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 12)"),
        ('[tool.qgate]\nselect = ["QG1', "invalid TOML: Unterminated string (at end of document)"),
        ("[tool.qgate]\ntimeout_seconds = -1\n", "tool.qgate.timeout_seconds: Input should be greater than 0"),
    ],
    ids=["malformed", "truncated", "bad-value"],
)
def test_bad_config_is_exit_2_naming_the_file(repo, text, message):
    (repo / "bad.toml").write_text(text)
    line = one_error_line(run_qgate("check", "--config", "bad.toml", cwd=repo))
    assert line.startswith("qgate: error: bad.toml")
    assert message in line


def test_binary_config_is_exit_2(repo):
    (repo / "bad.toml").write_bytes(b"\xff\xfe\x00garbage")
    line = one_error_line(run_qgate("check", "--config", "bad.toml", cwd=repo))
    assert line.startswith("qgate: error: bad.toml: cannot read: ")


def test_huge_config_is_read(repo):
    padding = "".join(f"# comment {n} {'x' * 60}\n" for n in range(150_000))  # 11 MB
    (repo / "huge.toml").write_text(f"[tool.qgate]\n{padding}[tool.qgate.analyzers]\nenabled = [\"cst\"]\n")
    result = run_qgate("check", "--config", "huge.toml", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr
    assert [(i["rule"], i["path"], i["line"]) for i in result.json()["issues"]] == [("QG103", "app.py", 1)]


def test_deeply_nested_config_is_a_config_error(repo):
    (repo / "deep.toml").write_text("[tool.qgate]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    line = one_error_line(run_qgate("check", "--config", "deep.toml", cwd=repo))
    assert line.startswith("qgate: error: deep.toml")


# ---------------------------------------------------------------------------------------------- baseline


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "corrupt baseline base.json: invalid JSON at line 1 column 1 (Expecting value)"),
        ('{"schema": "qgate-baseline", "version": 1, "issues": [{"rule": "QG1',
         "corrupt baseline base.json: invalid JSON at line 1 column 64 (Unterminated string starting at)"),
        ('{"issues": []}', "not a qgate baseline: base.json (no 'schema' key; expected schema 'qgate-baseline')"),
        (DEEP_JSON, "corrupt baseline base.json: JSON nested too deeply"),
    ],
    ids=["malformed", "truncated", "foreign", "deep"],
)
def test_bad_baseline_is_exit_2(repo, content, message):
    (repo / "base.json").write_text(content)
    line = one_error_line(run_qgate("check", "--baseline", "base.json", cwd=repo))
    assert line == f"qgate: error: {message}"


def test_huge_baseline_is_matched(repo):
    create = run_qgate("baseline", "create", "-o", "base.json", cwd=repo)
    assert create.code == 0, create.stderr
    document = json.loads((repo / "base.json").read_text())
    (entry,) = document["issues"]
    filler = [{**entry, "path": f"gone/m{n}.py"} for n in range(60_000)]  # fixed issues of deleted files
    document["issues"] = [*filler, entry]
    (repo / "base.json").write_text(json.dumps(document))
    result = run_qgate("check", "--baseline", "base.json", "--format", "json", cwd=repo)
    assert result.code == 0, result.stderr  # the one current issue is in the baseline: not new
    assert [(i["rule"], i["new"]) for i in result.json()["issues"]] == [("QG103", False)]


# ---------------------------------------------------------------------------------------------- coverage

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<coverage><sources><source>&lol3;</source></sources></coverage>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<coverage><sources><source>&xxe;</source></sources></coverage>
"""
COBERTURA = """<?xml version="1.0"?>
<coverage line-rate="1" branch-rate="0" version="7"><sources><source>.</source></sources><packages>
<package name="."><classes><class name="app.py" filename="app.py"><lines>
<line number="1" hits="1"/><line number="2" hits="1"/></lines></class></classes></package></packages></coverage>
"""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bomb.xml", BOMB, "bomb.xml: XML entity declarations are not allowed (possible entity-expansion attack)"),
        ("xxe.xml", XXE, "xxe.xml: XML entity declarations are not allowed (possible entity-expansion attack)"),
        ("cut.xml", COBERTURA[:200], "cut.xml: malformed or truncated XML (unclosed token: line 4, column 0)"),
        ("cut.json", '{"files": {"app.py": {"executed_lines": [1', "cut.json: malformed or truncated JSON"),
        ("deep.json", DEEP_JSON, "deep.json: unknown coverage report format (expected Cobertura XML, coverage.py JSON or LCOV)"),
        ("cut.info", "SF:app.py\nDA:1,1\n", "cut.info: truncated LCOV report (last record has no end_of_record)"),
        ("other.xml", COBERTURA.replace("app.py", "elsewhere.py"), "coverage report (cobertura) matches no analyzed file (e.g. report path 'elsewhere.py')"),
    ],
    ids=["entity-bomb", "external-entity", "truncated-xml", "truncated-json", "deep-json", "truncated-lcov", "foreign"],
)
def test_bad_coverage_report_is_exit_2(repo, name, content, message):
    (repo / name).write_text(content)
    line = one_error_line(run_qgate("check", "--coverage", name, cwd=repo))
    assert line.startswith("qgate: error: ")
    assert message in line


def test_huge_coverage_report_is_read(repo):
    records = "".join(f"SF:app.py\nDA:1,{n % 2}\nDA:2,1\nend_of_record\n" for n in range(100_000))  # 3 MB
    (repo / "huge.info").write_text(records)
    result = run_qgate("check", "--coverage", "huge.info", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr  # QG103; coverage itself is fine
    assert result.json()["metrics"]["new_code"]["new_line_coverage"] == 100.0


# ---------------------------------------------------------------------------------------------- imported reports


def sarif(*uris: str) -> str:
    results = [
        {"ruleId": "F401", "message": {"text": f"import {n}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}}]}
        for n, uri in enumerate(uris)
    ]
    return json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": results}]})


def test_imported_paths_outside_the_repository_are_rejected_one_error_each(repo):
    (repo / "ruff.sarif").write_text(sarif("/etc/passwd", "../../outside.py", "file:///etc/shadow", "app.py"))
    result = run_qgate("check", "--import", "sarif=ruff.sarif", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr
    report = result.json()
    assert [(e["analyzer"], e["message"], e["fatal"]) for e in report["errors"]] == [
        ("import:sarif", "ruff.sarif: runs[0].results[0] (F401): path '/etc/passwd' is outside the repository", False),
        ("import:sarif", "ruff.sarif: runs[0].results[1] (F401): path '../../outside.py' is outside the repository", False),
        ("import:sarif", "ruff.sarif: runs[0].results[2] (F401): path 'file:///etc/shadow' is outside the repository", False),
    ]
    assert sorted((i["rule"], i["path"], i["line"]) for i in report["issues"]) == [("F401", "app.py", 1), ("QG103", "app.py", 1)]


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("sarif", sarif("app.py")[:120], "bad.json: malformed or truncated JSON"),
        ("sarif", DEEP_JSON, "bad.json: JSON nested too deeply"),
        ("sarif", '{"runs": []}', "bad.json: not a SARIF log (no 'version')"),
        ("generic", DEEP_JSON, "bad.json: JSON nested too deeply"),
        ("generic", "", "bad.json: empty file"),
    ],
    ids=["sarif-truncated", "sarif-deep", "sarif-foreign", "generic-deep", "generic-empty"],
)
def test_bad_imported_report_is_exit_2(repo, kind, content, message):
    (repo / "bad.json").write_text(content)
    line = one_error_line(run_qgate("check", "--import", f"{kind}=bad.json", cwd=repo))
    assert line.startswith("qgate: error: ")
    assert message in line


def test_huge_sarif_is_imported(repo):
    (repo / "huge.sarif").write_text(sarif(*(["app.py"] * 20_000)))  # 3 MB, 20,000 results
    result = run_qgate("check", "--import", "sarif=huge.sarif", "--format", "json", cwd=repo)
    assert result.code == 1, result.stderr
    report = result.json()
    assert report["metrics"]["new_code"]["new_violations"] == 20_001
    assert report["issues"][0]["path"] == "app.py"


def test_deeply_nested_hotspot_reviews_file_is_exit_2(repo):
    (repo / ".qgate").mkdir()
    (repo / ".qgate" / "hotspots.json").write_text(DEEP_JSON)
    line = one_error_line(run_qgate("check", cwd=repo))
    assert line == f"qgate: error: corrupt hotspot reviews {repo.resolve() / '.qgate' / 'hotspots.json'}: JSON nested too deeply"
