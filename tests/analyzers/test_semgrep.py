"""The semgrep adapter and qgate's built-in pack, with the real semgrep (3 semgrep starts in total)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from qgate.analyzers.base import AnalyzerContext, AnalyzerOutput, RuleSelection
from qgate.analyzers.semgrep import SemgrepAnalyzer, builtin_pack_dir, find_semgrep, parse_cwe
from qgate.errors import ConfigError
from qgate.model import AnalysisError, IssueType, Severity
from qgate.source import SourceFile

PACK_IDS = [f"QGS10{n}" for n in range(1, 10)]
AI_PACK_IDS = ["QGSA101", "QGSA102", "QGSA103"]  # rules/semgrep/ai/, tested with the ai pack in tests/test_ai.py


def _analyzer(root: Path, options: dict | None = None, selection: RuleSelection | None = None, **kwargs) -> SemgrepAnalyzer:
    context = AnalyzerContext(root=root, options=options or {}, selection=selection or RuleSelection())
    return SemgrepAnalyzer(context, **kwargs)


def _pack_rules() -> dict[str, dict]:
    rules = {}
    for path in sorted(builtin_pack_dir().glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            rules[rule["id"]] = {**rule, "_file": path}
    return rules


@pytest.fixture(scope="session")
def pack_test_report() -> dict:
    """``semgrep --test`` over the pack: every `# ruleid:` / `# ok:` annotation of rules/semgrep/*.py."""
    executable = find_semgrep()
    assert executable, "semgrep is a dependency of qgate"
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    done = subprocess.run(
        [executable, "scan", "--test", "--json", "--metrics=off", "--disable-version-check", str(builtin_pack_dir())],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def semgrep_output(scanner_root: Path, scanner_sources: list[SourceFile]) -> AnalyzerOutput:
    """One qgate run: built-in pack + the user rule directory, QGS104 switched off by the selection."""
    analyzer = _analyzer(scanner_root, {"rules": ["user_rules"]}, RuleSelection(ignore=("QGS104",)))
    return analyzer.analyze(scanner_sources)


# -- the built-in pack ---------------------------------------------------------------------------------


def test_pack_passes_semgrep_test(pack_test_report):
    assert pack_test_report["config_with_errors"] == []
    assert pack_test_report["config_missing_tests"] == []
    checks = {rule_id: check for result in pack_test_report["results"].values() for rule_id, check in result["checks"].items()}
    assert sorted(checks) == [*PACK_IDS, *AI_PACK_IDS]
    failed = {rule_id: check["matches"] for rule_id, check in checks.items() if not check["passed"] or check["errors"]}
    assert failed == {}
    for rule_id, check in checks.items():  # each rule has true positives to catch, not just `ok:` lines
        (match,) = check["matches"].values()
        assert match["expected_lines"] == match["reported_lines"] and len(match["expected_lines"]) >= 2, rule_id


def test_pack_metadata():
    rules = _pack_rules()
    assert sorted(rules) == PACK_IDS
    types = set()
    for rule_id, rule in rules.items():
        meta = rule["metadata"]["qgate"]
        assert set(meta) == {"name", "type", "severity", "effort_minutes"}, rule_id
        types.add(meta["type"])
        assert rule["_file"].name.startswith(rule_id.lower() + "-" + meta["name"]), rule_id
        assert rule["_file"].with_suffix(".py").is_file(), rule_id
        if rule["metadata"]["category"] == "security":
            assert parse_cwe(rule["metadata"]["cwe"]), rule_id
    assert types == {"vulnerability", "security_hotspot", "bug", "code_smell"}


def test_rules_of_pack_and_user_files(scanner_root):
    rules = {r.id: r for r in _analyzer(scanner_root, {"rules": ["user_rules/no-print.yaml"]}).rules()}
    assert sorted(rules) == [*PACK_IDS, *AI_PACK_IDS, "no-print-call"]
    jwt = rules["QGS101"]
    assert (jwt.name, jwt.analyzer, jwt.type, jwt.severity, jwt.effort_minutes, jwt.cwe, jwt.tags) == (
        "jwt-decode-without-verification", "semgrep", IssueType.VULNERABILITY, Severity.CRITICAL, 15, (347,), ("security",)
    )  # fmt: skip
    assert jwt.description == (
        "jwt.decode() is called with signature verification disabled, so a forged or tampered token is accepted as valid"
    )
    assert "https://pyjwt.readthedocs.io" in jwt.docs
    assert (rules["QGS103"].type, rules["QGS103"].cwe) == (IssueType.SECURITY_HOTSPOT, (208,))
    assert (rules["QGS105"].type, rules["QGS105"].cwe) == (IssueType.BUG, (584,))
    assert (rules["QGS108"].type, rules["QGS108"].severity) == (IssueType.CODE_SMELL, Severity.MINOR)
    # no metadata.qgate: derived from category best-practice and severity INFO
    user = rules["no-print-call"]
    assert (user.name, user.type, user.severity, user.effort_minutes, user.description) == (
        "no-print-call", IssueType.CODE_SMELL, Severity.MINOR, 5, "Use logging instead of print()"
    )  # fmt: skip
    assert [r.id for r in _analyzer(scanner_root, {"builtin_pack": False, "rules": ["user_rules"]}).rules()] == ["no-print-call"]


# -- a qgate run ----------------------------------------------------------------------------------------


def test_findings_on_the_sample_files(semgrep_output):
    assert [(i.rule, i.path, i.line, i.column, i.end_line, i.end_column) for i in semgrep_output.issues] == [
        ("QGS101", "semgrep_targets.py", 17, 12, 17, 66),
        ("QGS103", "semgrep_targets.py", 21, 12, 21, 75),
        ("QGS105", "semgrep_targets.py", 28, 9, 28, 20),
        ("QGS106", "semgrep_targets.py", 33, 9, 33, 24),
        ("QGS107", "semgrep_targets.py", 38, 33, 38, 46),
        ("QGS108", "semgrep_targets.py", 39, 5, 39, 42),
        ("no-print-call", "semgrep_targets.py", 40, 5, 40, 47),
        ("QGS109", "semgrep_targets.py", 40, 20, 40, 46),
        # `note = "naïve ≠ aware"; logger.warning(...)`: semgrep says byte column 32, the character is 29
        ("QGS108", "semgrep_targets.py", 41, 29, 41, 54),
    ]  # QGS104 (line 47) is switched off by the selection


def test_issue_mapping(semgrep_output):
    by_rule = {}
    for issue in semgrep_output.issues:
        by_rule.setdefault(issue.rule, issue)
    jwt = by_rule["QGS101"]
    assert (jwt.tool, jwt.type, jwt.severity, jwt.cwe, jwt.effort_minutes) == (
        "semgrep", IssueType.VULNERABILITY, Severity.CRITICAL, (347,), 15
    )  # fmt: skip
    assert jwt.message.startswith("jwt.decode() is called with signature verification disabled")
    assert (by_rule["QGS103"].type, by_rule["QGS103"].cwe) == (IssueType.SECURITY_HOTSPOT, (208,))
    assert (by_rule["QGS105"].type, by_rule["QGS105"].severity) == (IssueType.BUG, Severity.MAJOR)
    assert (by_rule["QGS109"].type, by_rule["QGS109"].tags) == (IssueType.CODE_SMELL, ("maintainability",))
    user = by_rule["no-print-call"]
    assert (user.type, user.severity, user.message) == (IssueType.CODE_SMELL, Severity.MINOR, "Use logging instead of print()")
    assert all(i.fingerprint == "" and i.suppression is None for i in semgrep_output.issues)


def test_parse_errors_are_non_fatal(semgrep_output):
    assert semgrep_output.errors == (
        AnalysisError(
            analyzer="semgrep",
            path="broken_syntax.py",
            line=6,
            message="PartialParsing: Syntax error at line broken_syntax.py:6: `))) =` was unexpected",
        ),
    )


def test_broken_user_rule_is_fatal(scanner_root, scanner_sources, tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - id: broken-pattern\n    languages: [python]\n    severity: ERROR\n"
        "    message: m\n    pattern: eval(\n"
    )
    analyzer = _analyzer(scanner_root, {"builtin_pack": False, "rules": [str(tmp_path / "rules.yaml")]})
    output = analyzer.analyze([s for s in scanner_sources if s.path == "semgrep_targets.py"])
    assert output.issues == ()
    assert [(e.analyzer, e.fatal, e.path) for e in output.errors] == [("semgrep", True, None)]
    assert output.errors[0].message.startswith("semgrep could not run the rules: Rule parse error in rule broken-pattern")
    assert "\n" not in output.errors[0].message


# -- configuration and failures without starting semgrep -------------------------------------------------


@pytest.mark.parametrize("config", ["auto", "p/python", "r/python.lang.security.audit.eval", "https://example.com/r.yaml"])
def test_registry_configs_are_rejected(scanner_root, config):
    with pytest.raises(ConfigError) as info:
        _analyzer(scanner_root, {"rules": [config]})
    assert str(info.value).startswith(f"tool.qgate.analyzers.semgrep.rules: {config!r} is a semgrep registry config")


def test_missing_rule_path_and_bad_metadata_are_config_errors(scanner_root, tmp_path):
    with pytest.raises(ConfigError, match=r"^tool\.qgate\.analyzers\.semgrep\.rules: 'nope\.yaml' does not exist"):
        _analyzer(scanner_root, {"rules": ["nope.yaml"]})
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    metadata: {qgate: {type: defect}}\n")
    with pytest.raises(ConfigError, match=r"rule x: metadata\.qgate\.type: 'defect' is not one of bug, "):
        _analyzer(scanner_root, {"rules": [str(bad)]})
    bad.write_text("rules: [\n")
    with pytest.raises(ConfigError, match=r"cannot read semgrep rules from .*bad\.yaml"):
        _analyzer(scanner_root, {"rules": [str(bad)]})


def test_missing_semgrep_is_one_fatal_error(scanner_root, scanner_sources, tmp_path):
    output = _analyzer(scanner_root, executable=str(tmp_path / "no-semgrep")).analyze(scanner_sources)
    assert output.issues == ()
    assert len(output.errors) == 1
    error = output.errors[0]
    assert (error.analyzer, error.fatal, error.path) == ("semgrep", True, None)
    assert error.message.startswith("semgrep could not be started: No such file or directory")


def test_nothing_enabled_runs_nothing(scanner_root, scanner_sources, tmp_path):
    analyzer = _analyzer(scanner_root, selection=RuleSelection(select=("B",)), executable=str(tmp_path / "no-semgrep"))
    assert analyzer.analyze(scanner_sources) == AnalyzerOutput()


def test_semgrep_is_found_next_to_the_interpreter():
    import sys

    assert find_semgrep() == str(Path(sys.executable).parent / "semgrep")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CWE-78: Improper Neutralization", (78,)),
        (["CWE-89: SQL", "CWE-79: XSS", "cwe-79"], (79, 89)),
        ([327], (327,)),
        (None, ()),
        ("no cwe here", ()),
    ],
)
def test_parse_cwe(value, expected):
    assert parse_cwe(value) == expected


def test_vanished_file_is_a_non_fatal_error_without_a_run(scanner_root, tmp_path):
    from qgate.source import source_from_text

    ghost = source_from_text("ghost.py", "x = 1\n")
    output = _analyzer(scanner_root, executable=str(tmp_path / "no-semgrep")).analyze([ghost])
    assert output == AnalyzerOutput(errors=(AnalysisError(analyzer="semgrep", path="ghost.py", message="file not found"),))
