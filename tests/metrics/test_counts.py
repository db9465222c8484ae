from qgate.metrics.counts import issue_counts, size_measures
from qgate.model import FileReport, FunctionMetrics, Issue, IssueType, Severity


def make(type_, severity):
    return Issue(
        rule="R1", tool="t", type=type_, severity=severity, message="m", path="a.py",
        line=1, end_line=1, column=1, end_column=2, effort_minutes=1,
    )


def test_violations_exclude_hotspots_and_count_by_type_and_severity():
    issues = [
        make(IssueType.BUG, Severity.CRITICAL),
        make(IssueType.CODE_SMELL, Severity.MAJOR),
        make(IssueType.CODE_SMELL, Severity.MAJOR),
        make(IssueType.VULNERABILITY, Severity.BLOCKER),
        make(IssueType.SECURITY_HOTSPOT, Severity.MAJOR),
    ]
    counts = issue_counts(issues, prefix="new_")
    assert counts["new_violations"] == 4
    assert counts["new_bugs"] == 1
    assert counts["new_code_smells"] == 2
    assert counts["new_vulnerabilities"] == 1
    assert counts["new_security_hotspots"] == 1
    assert counts["new_major_violations"] == 2
    assert counts["new_blocker_violations"] == 1
    assert counts["new_info_violations"] == 0


def test_size_measures_sum_files_and_functions():
    files = [
        FileReport(path="a.py", ncloc=10, measures={"lines": 12, "comment_lines": 1, "complexity": 4},
                   functions=(FunctionMetrics(name="f", qualified_name="f", line=1, end_line=3, cyclomatic_complexity=3),)),
        FileReport(path="b.py", ncloc=5, measures={"lines": 5, "comment_lines": 0, "complexity": 1}),
    ]
    measures = size_measures(files)
    assert measures == {
        "files": 2, "ncloc": 15, "lines": 17, "comment_lines": 1, "functions": 1, "complexity": 5,
        "max_function_complexity": 3,
    }
