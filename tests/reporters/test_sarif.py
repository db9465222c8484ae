import json
from pathlib import Path

import jsonschema
import pytest

from qgate.model import Severity
from qgate.reporters import sarif

from .golden_support import assert_golden
from .sample_rich import many_issues_report, rich_report
from .sample_report import sample_report

REPO = Path(__file__).parents[2]
SHARED = REPO.parent / "shared"
SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present (CI always has it)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # the schema's own $schema: draft-04
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def run_of(report, **kwargs):
    data = json.loads(sarif.render(report, **kwargs))
    assert data["version"] == "2.1.0" and len(data["runs"]) == 1
    return data, data["runs"][0]


def test_sarif_matches_golden_files():
    assert_golden("report.sarif", sarif.render(sample_report()))
    assert_golden("rich.sarif", sarif.render(rich_report()))


@pytest.mark.parametrize("build", [sample_report, rich_report, lambda: many_issues_report(30)])
def test_sarif_validates_against_the_oasis_schema(validator, build):
    data, _ = run_of(build(), max_results=20)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_sarif_holds_every_issue_with_its_baseline_state_and_suppressions():
    _, run = run_of(sample_report())
    states = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"]) for r in run["results"]]
    assert states == [("QG101", 3, "new"), ("QG108", 4, "new"), ("B602", 9, "new"), ("QG109", 1, "unchanged")]
    suppressed = run["results"][1]
    assert suppressed["suppressions"] == [{"kind": "inSource", "status": "accepted", "properties": {"mechanism": "noqa"}}]
    assert "suppressions" not in run["results"][0]
    _, rich = run_of(rich_report())
    config = [r for r in rich["results"] if r.get("suppressions") and r["properties"]["analyzer"] == "bandit"]
    assert [r["suppressions"][0]["kind"] for r in config] == ["external"]
    assert config[0]["baselineState"] == "unchanged"


def test_sarif_results_point_at_their_rule_and_location():
    _, run = run_of(rich_report())
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["B602", "QG101", "QG201", "QG301", "QGS101", "X999"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    b602 = next(r for r in run["results"] if r["ruleId"] == "B602" and "suppressions" not in r)
    location = b602["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/run%2Ccmd%3Ax.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 4}
    assert b602["level"] == "error" and b602["message"] == {"text": "subprocess call with shell=True"}
    spaced = next(r for r in run["results"] if r["ruleId"] == "QG101")
    assert spaced["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/a%20b.py"
    multi = next(r for r in run["results"] if r["ruleId"] == "QG201")
    assert multi["locations"][0]["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 5, "endLine": 40, "endColumn": 8}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///home/ci/my%20repo/"}}
    assert run["automationDetails"] == {"id": "qgate/"}
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("qgate", "1.2.3", "https://qgate.dev")


def test_sarif_rule_descriptors_carry_levels_security_severity_and_cwe_tags():
    _, run = run_of(rich_report())
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    b602 = rules["B602"]
    assert b602["name"] == "subprocess-popen-with-shell-equals-true"
    assert b602["shortDescription"] == {"text": "subprocess call with shell=True"}
    assert b602["fullDescription"] == {"text": "Running a shell with untrusted input allows command injection."}
    assert b602["help"]["markdown"].endswith("Use a list of arguments instead.")
    assert b602["defaultConfiguration"] == {"level": "error"}
    assert b602["properties"]["security-severity"] == "8.0"
    assert {"security", "external/cwe/cwe-78", "injection"} <= set(b602["properties"]["tags"])
    hotspot = rules["QGS101"]
    assert hotspot["properties"]["security-severity"] == "5.5"
    assert hotspot["defaultConfiguration"] == {"level": "warning"}
    assert "external/cwe/cwe-347" in hotspot["properties"]["tags"]
    smell = rules["QG101"]
    assert "security-severity" not in smell["properties"] and "security" not in smell["properties"]["tags"]
    assert rules["QG301"]["defaultConfiguration"] == {"level": "error"}  # blocker
    assert rules["X999"]["shortDescription"] == {"text": "X999 (plugin)"}  # no RuleInfo: a fallback descriptor
    assert rules["X999"]["defaultConfiguration"] == {"level": "note"}  # minor


def test_sarif_fingerprints_count_occurrences_of_a_line_hash_per_file():
    _, run = run_of(rich_report())
    by_line = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["locations"][0]["physicalLocation"]["region"]["startLine"]):
        r.get("partialFingerprints") for r in run["results"]
    }
    assert by_line[("app/a%20b.py", 2)] == {"primaryLocationLineHash": "0123456789abcdef:1", "qgate/v1": "fp-QG101-app/a b.py-2"}
    assert by_line[("app/a%20b.py", 7)]["primaryLocationLineHash"] == "0123456789abcdef:2"
    assert by_line[("app/a%20b.py", 9)]["primaryLocationLineHash"] == "0123456789abcdef:3"
    assert by_line[("app/a%20b.py", 12)]["primaryLocationLineHash"] == "0123456789abcdef:4"  # suppressed ones count too
    assert by_line[("app/tok.py", 3)]["primaryLocationLineHash"] == "0123456789abcdef:1"
    assert by_line[("lib/m%C3%A9tier.py", 1)] is None  # no line hash, no fingerprint: GitHub computes its own


def test_sarif_invocation_reports_errors_and_fatal_failure():
    _, run = run_of(sample_report())
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    levels = [(n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]]
    assert levels[0] == ("warning", "[cst] syntax error: invalid syntax")
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    _, rich = run_of(rich_report())
    invocation = rich["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert ("error", "[semgrep] semgrep exited with code 2: invalid rule") in [
        (n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]
    ]


def test_sarif_truncation_keeps_the_most_severe_new_issues_and_says_so():
    report = many_issues_report(40, severities=(Severity.INFO, Severity.MINOR, Severity.BLOCKER, Severity.MAJOR))
    _, run = run_of(report, max_results=15)
    assert len(run["results"]) == 15
    assert sorted(r["level"] for r in run["results"]) == ["error"] * 10 + ["warning"] * 5
    assert run["properties"]["truncated"] is True and run["properties"]["omittedResults"] == 25
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert texts == ["25 of 40 results were left out: GitHub accepts at most 15 results per run (the most severe new issues were kept first)."]
    assert sarif.MAX_RESULTS == 25_000
    _, untouched = run_of(report)
    assert len(untouched["results"]) == 40 and "truncated" not in untouched["properties"]
