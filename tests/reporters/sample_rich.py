"""A second hand-built report for the CI reporters: rule descriptions, hotspots, hostile text, fatal errors,
colliding fingerprints and repeated line hashes; and a fast builder of very large reports."""

from qgate.model import (
    AnalysisError,
    ConditionResult,
    GateResult,
    Issue,
    IssueType,
    Metrics,
    NewCodeInfo,
    Report,
    RuleInfo,
    Severity,
    ToolInfo,
)

RULES = (
    RuleInfo(
        id="B602", name="subprocess-popen-with-shell-equals-true", analyzer="bandit", type=IssueType.VULNERABILITY,
        severity=Severity.CRITICAL, effort_minutes=15, description="subprocess call with shell=True",
        docs="Running a shell with untrusted input allows command injection.\n\nUse a list of arguments instead.",
        cwe=(78,), tags=("injection",),
    ),
    RuleInfo(
        id="QGS101", name="jwt-decode-without-verification", analyzer="semgrep", type=IssueType.SECURITY_HOTSPOT,
        severity=Severity.MAJOR, effort_minutes=10, description="JWT decoded without verifying the signature",
        docs="Review: `jwt.decode(..., verify=False)` trusts any token.", cwe=(347,),
    ),
    RuleInfo(
        id="QG101", name="bare-except", analyzer="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR,
        effort_minutes=5, description="Bare 'except:' catches everything", tags=("error-handling",),
    ),
    RuleInfo(
        id="QG201", name="cognitive-complexity", analyzer="cst", type=IssueType.CODE_SMELL, severity=Severity.CRITICAL,
        effort_minutes=20, description="Function too complex", tags=("complexity",),
    ),
    RuleInfo(
        id="QG301", name="division-by-zero", analyzer="cst", type=IssueType.BUG, severity=Severity.BLOCKER,
        effort_minutes=5, description="Division by a literal zero",
    ),
)


def issue(rule, type_, severity, path, line, message, *, column=1, end_line=None, new=True, suppression=None,
          cwe=(), tags=(), line_hash="0123456789abcdef", fingerprint=None, tool="cst"):
    return Issue(
        rule=rule, tool=tool, type=type_, severity=severity, message=message, path=path, line=line,
        end_line=end_line or line, column=column, end_column=column + 3, effort_minutes=5, cwe=cwe, tags=tags,
        line_hash=line_hash, fingerprint=f"fp-{rule}-{path}-{line}" if fingerprint is None else fingerprint,
        new=new, suppression=suppression,
    )


def rich_report() -> Report:
    smell, vuln, hotspot, bug = IssueType.CODE_SMELL, IssueType.VULNERABILITY, IssueType.SECURITY_HOTSPOT, IssueType.BUG
    issues = (
        issue("QG101", smell, Severity.MAJOR, "app/a b.py", 2, "Bare 'except:' | catches <everything> & `more`"),
        # same line hash on two lines of one file: occurrences 1 and 2; same fingerprint: a GitLab collision
        issue("QG101", smell, Severity.MAJOR, "app/a b.py", 7, "100% sure:\nline two,\r\nend", fingerprint="dup"),
        issue("QG101", smell, Severity.MAJOR, "app/a b.py", 9, "*not* _emphasis_ [link](x) @property", fingerprint="dup"),
        issue("B602", vuln, Severity.CRITICAL, "app/run,cmd:x.py", 4, "subprocess call with shell=True", cwe=(78,),
              tool="bandit", line_hash="fedcba9876543210"),
        issue("QGS101", hotspot, Severity.MAJOR, "app/tok.py", 3, "jwt.decode(verify=False)", cwe=(347,),
              tool="semgrep", new=False),
        issue("QG201", smell, Severity.CRITICAL, "app/tok.py", 10, "Cognitive complexity 31 > 15", end_line=40,
              column=5, tags=("complexity",)),
        issue("QG301", bug, Severity.BLOCKER, "lib/m\u00e9tier.py", 1, "Division by zero \x1b[31m\u00e9\u2603",
              line_hash="", fingerprint=""),
        issue("X999", bug, Severity.MINOR, "lib/unknown.py", 5, "rule with no RuleInfo", tool="plugin", new=False),
        issue("QG101", smell, Severity.INFO, "lib/z.py", 2, "an info", new=True),
    )
    suppressed = (
        issue("QG101", smell, Severity.MAJOR, "app/a b.py", 12, "silenced in source", suppression="noqa", new=True),
        issue("B602", vuln, Severity.CRITICAL, "lib/z.py", 8, "silenced by config", suppression="config",
              tool="bandit", new=False),
    )
    return Report(
        tool=ToolInfo(version="1.2.3"),
        root="/home/ci/my repo",
        new_code=NewCodeInfo(mode="reference+baseline", reference="origin/main", merge_base="f" * 40, note="baseline loaded"),
        gate=GateResult(
            status="error",
            preset=None,
            conditions=(
                ConditionResult(metric="new_violations", op="gt", threshold=0, actual=6, status="failed"),
                ConditionResult(metric="new_security_hotspots", op="gt", threshold=0, actual=0, status="passed"),
                ConditionResult(metric="new_coverage", op="lt", threshold=80.5, actual=None, status="no_value", note="no coverage report"),
                ConditionResult(metric="new_duplicated_lines_density", op="gt", threshold=3, actual=12.5, status="ignored",
                                note="fewer than 20 new lines <small>"),
            ),
            notes=("analysis incomplete: semgrep failed",),
        ),
        metrics=Metrics(overall={"ncloc": 120, "violations": 9}, new_code={"new_violations": 6}),
        issues=tuple(sorted(issues, key=Issue.sort_key)),
        suppressed=suppressed,
        rules=RULES,
        errors=(
            AnalysisError(analyzer="discovery", path="app/bin\u0000ary.py", message="not UTF-8 <binary>"),
            AnalysisError(analyzer="semgrep", message="semgrep exited with code 2: invalid rule", fatal=True),
        ),
        duration_seconds=3.5,
    )


def many_issues_report(count: int, severities=(Severity.MAJOR,), new: bool = True) -> Report:
    """``count`` issues built with ``model_construct`` (no validation: 100k issues in well under a second)."""
    issues = []
    for n in range(count):
        severity = severities[n % len(severities)]
        issues.append(
            Issue.model_construct(
                rule=f"QG{100 + n % 7}", tool="cst", type=IssueType.CODE_SMELL, severity=severity,
                message=f"issue number {n} " + "x" * 40, path=f"pkg/mod{n // 1000:03d}.py", line=n % 1000 + 1,
                end_line=n % 1000 + 1, column=1, end_column=5, effort_minutes=5, cwe=(), tags=(),
                line_hash=f"{n % 50:016x}", fingerprint=f"{n:032x}", new=new, suppression=None,
            )
        )
    return Report.model_construct(
        schema_version="1.0", tool=ToolInfo(version="9.9.9"), root="/repo", new_code=NewCodeInfo(),
        gate=GateResult(status="failed", conditions=(
            ConditionResult(metric="new_violations", op="gt", threshold=0, actual=count, status="failed"),
        )),
        metrics=Metrics(), issues=tuple(issues), suppressed=(), files=(), duplications=(), rules=(), skipped=(),
        errors=(), duration_seconds=0.0,
    )
