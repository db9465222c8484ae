"""`qgate review` against a JSON report (the end-to-end run with bandit is in test_check_scanners.py)."""

import json

from qgate.model import Issue, IssueType, Severity
from support import run_qgate
from reporters.sample_report import sample_report


def report_with_hotspot(tmp_path):
    hotspot = Issue(
        rule="B404", tool="bandit", type=IssueType.SECURITY_HOTSPOT, severity=Severity.MINOR,
        message="Consider possible security implications of subprocess", path="a.py", line=1, end_line=1,
        column=1, end_column=18, effort_minutes=5, line_hash="0123456789abcdef", fingerprint="feedbeef00000000", new=True,
    )
    report = sample_report().model_copy(update={"issues": (*sample_report().issues, hotspot)})
    path = tmp_path / "report.json"
    path.write_text(report.model_dump_json())
    return path


def test_review_records_the_hotspot_in_the_repository_file(tmp_path):
    (tmp_path / "qgate.toml").write_text("")
    report = report_with_hotspot(tmp_path)
    result = run_qgate("review", "feedbeef", "--status", "safe", "--comment", "constant args", "--report", str(report), cwd=tmp_path)
    assert result.code == 0, result.stderr
    reviews = json.loads((tmp_path / ".qgate" / "hotspots.json").read_text())["reviews"]
    assert [(r["rule"], r["status"], r["comment"]) for r in reviews] == [("B404", "safe", "constant args")]


def test_review_refuses_non_hotspots_and_unknown_fingerprints(tmp_path):
    (tmp_path / "qgate.toml").write_text("")
    report = report_with_hotspot(tmp_path)
    not_hotspot = run_qgate("review", "B602-9", "--status", "safe", "--report", str(report), cwd=tmp_path)
    assert not_hotspot.code == 2
    assert "not a security hotspot" in not_hotspot.stderr
    unknown = run_qgate("review", "zzz", "--status", "safe", "--report", str(report), cwd=tmp_path)
    assert unknown.code == 2
    assert "no issue with fingerprint 'zzz'" in unknown.stderr
