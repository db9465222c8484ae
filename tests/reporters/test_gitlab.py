import json

from qgate.reporters import gitlab

from .golden_support import assert_golden
from .sample_rich import many_issues_report, rich_report
from .sample_report import sample_report

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_matches_golden_files():
    assert_golden("report.gitlab.json", gitlab.render(sample_report()))
    assert_golden("rich.gitlab.json", gitlab.render(rich_report()))


def test_gitlab_report_holds_every_active_issue_in_code_quality_format():
    data = json.loads(gitlab.render(sample_report()))
    assert [(d["check_name"], d["location"]["path"], d["location"]["lines"]["begin"]) for d in data] == [
        ("QG101", "pkg/a.py", 3), ("B602", "pkg/a.py", 9), ("QG109", "pkg/b.py", 1),  # QG109 is not new: still there
    ]
    first = data[0]
    assert first == {
        "type": "issue", "check_name": "QG101", "description": "Bare 'except:' catches everything",
        "categories": ["Style"], "severity": "major", "fingerprint": "QG101-3000000000",
        "location": {"path": "pkg/a.py", "lines": {"begin": 3, "end": 3}}, "engine_name": "cst",
    }
    assert data[1]["categories"] == ["Security"] and data[1]["severity"] == "critical"
    assert "QG108" not in {d["check_name"] for d in data}  # suppressed


def test_gitlab_fingerprints_are_unique_and_collisions_resolved_deterministically():
    data = json.loads(gitlab.render(rich_report()))
    fingerprints = [d["fingerprint"] for d in data]
    assert len(set(fingerprints)) == len(fingerprints) == 9
    by_line = {(d["location"]["path"], d["location"]["lines"]["begin"]): d for d in data}
    assert by_line[("app/a b.py", 7)]["fingerprint"] == "dup"
    derived = by_line[("app/a b.py", 9)]["fingerprint"]
    assert derived != "dup" and len(derived) == 32
    assert json.loads(gitlab.render(rich_report())) == data
    assert len(by_line[("lib/métier.py", 1)]["fingerprint"]) == 32  # none given: derived from the issue
    assert by_line[("app/tok.py", 10)]["categories"] == ["Complexity"]
    assert by_line[("app/tok.py", 10)]["location"]["lines"] == {"begin": 10, "end": 40}
    assert by_line[("lib/métier.py", 1)]["categories"] == ["Bug Risk"]
    assert by_line[("app/tok.py", 3)]["categories"] == ["Security"]  # hotspot
    assert {d["severity"] for d in data} <= SEVERITIES


def test_gitlab_many_identical_fingerprints_stay_unique():
    report = many_issues_report(500)
    issues = tuple(i.model_copy(update={"fingerprint": "same"}) for i in report.issues)
    data = gitlab.build(report.model_copy(update={"issues": issues}))
    fingerprints = [d["fingerprint"] for d in data]
    assert fingerprints[0] == "same" and len(set(fingerprints)) == 500
