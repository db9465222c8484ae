"""A hand-built report used by the reporters' golden-file tests."""

from qgate.model import (
    AnalysisError,
    ConditionResult,
    FileReport,
    FunctionMetrics,
    GateResult,
    Issue,
    IssueType,
    Metrics,
    NewCodeInfo,
    Report,
    Severity,
    SkippedFile,
    ToolInfo,
)


def issue(rule, tool, type_, severity, path, line, column, message, new=True, suppression=None, cwe=()):
    return Issue(
        rule=rule, tool=tool, type=type_, severity=severity, message=message, path=path, line=line, end_line=line,
        column=column, end_column=column + 4, effort_minutes=5, cwe=cwe, tags=("t",), line_hash="ab" * 8,
        fingerprint=f"{rule}-{line}".ljust(16, "0"), new=new, suppression=suppression,
    )


def sample_report() -> Report:
    issues = (
        issue("QG101", "cst", IssueType.CODE_SMELL, Severity.MAJOR, "pkg/a.py", 3, 5, "Bare 'except:' catches everything"),
        issue("B602", "bandit", IssueType.VULNERABILITY, Severity.CRITICAL, "pkg/a.py", 9, 1, "subprocess call with shell=True", cwe=(78,)),
        issue("QG109", "cst", IssueType.CODE_SMELL, Severity.INFO, "pkg/b.py", 1, 1, "Complete the task [old]", new=False),
    )
    return Report(
        tool=ToolInfo(version="0.0.0-test"),
        root="/repo",
        new_code=NewCodeInfo(mode="reference", reference="origin/main", merge_base="0" * 40),
        gate=GateResult(
            status="failed",
            preset="qgate-way",
            conditions=(
                ConditionResult(metric="new_violations", op="gt", threshold=0, actual=2, status="failed"),
                ConditionResult(metric="new_coverage", op="lt", threshold=80, actual=None, status="no_value", note="metric not computed"),
            ),
            notes=("a note",),
        ),
        metrics=Metrics(overall={"ncloc": 40, "violations": 3}, new_code={"new_violations": 2, "new_lines": 12}),
        issues=issues,
        suppressed=(issue("QG108", "cst", IssueType.CODE_SMELL, Severity.MINOR, "pkg/a.py", 4, 1, "print", suppression="noqa"),),
        files=(
            FileReport(
                path="pkg/a.py", ncloc=30, measures={"lines": 35},
                functions=(FunctionMetrics(name="f", qualified_name="C.f", line=2, end_line=9, cyclomatic_complexity=3),),
            ),
            FileReport(path="pkg/b.py", ncloc=10),
        ),
        skipped=(SkippedFile(path="big.py", reason="file size 3000000 bytes exceeds max_file_size_kb=2048"),),
        errors=(AnalysisError(analyzer="cst", path="pkg/broken.py", line=2, message="syntax error: invalid syntax"),),
        duration_seconds=1.25,
    )
