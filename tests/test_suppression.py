from qgate.model import Issue, IssueType, Severity
from qgate.suppression import PathIgnores, apply_suppressions, inline_suppression, parse_directives


def make(rule="QG101", tool="cst", line=3, end_line=None, path="pkg/mod.py"):
    return Issue(
        rule=rule, tool=tool, type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message="m", path=path,
        line=line, end_line=end_line or line, column=1, end_column=2, effort_minutes=5,
    )


def test_bare_noqa_silences_every_rule():
    assert inline_suppression(make(), {3: "# noqa"}) == "noqa"
    assert inline_suppression(make(rule="B602", tool="bandit"), {3: "# NOQA"}) == "noqa"


def test_noqa_with_codes_silences_only_those():
    comments = {3: "# noqa: QG101,B602"}
    assert inline_suppression(make(rule="QG101"), comments) == "noqa"
    assert inline_suppression(make(rule="B602", tool="bandit"), comments) == "noqa"
    assert inline_suppression(make(rule="QG102"), comments) is None


def test_noqa_code_prefix_matches():
    assert inline_suppression(make(rule="QG105"), {3: "# noqa: QG1"}) == "noqa"


def test_nosonar_and_qgate_ignore():
    assert inline_suppression(make(), {3: "# NOSONAR"}) == "nosonar"
    assert inline_suppression(make(), {3: "# qgate: ignore[QG101]"}) == "qgate-ignore"
    assert inline_suppression(make(rule="QG102"), {3: "# qgate: ignore[QG101]"}) is None
    assert inline_suppression(make(rule="QG102"), {3: "# qgate: ignore"}) == "qgate-ignore"


def test_nosec_applies_to_bandit_only():
    assert inline_suppression(make(rule="B602", tool="bandit"), {3: "# nosec"}) == "nosec"
    assert inline_suppression(make(rule="QG101"), {3: "# nosec"}) is None
    assert inline_suppression(make(rule="B602", tool="bandit"), {3: "# nosec B602, B607"}) == "nosec"
    assert inline_suppression(make(rule="B603", tool="bandit"), {3: "# nosec B602"}) is None


def test_nosemgrep_applies_to_semgrep_only():
    issue = make(rule="QGS101", tool="semgrep")
    assert inline_suppression(issue, {3: "# nosemgrep"}) == "nosemgrep"
    assert inline_suppression(issue, {3: "# nosemgrep: QGS101"}) == "nosemgrep"
    assert inline_suppression(issue, {3: "# nosemgrep: QGS102"}) is None


def test_comment_on_last_line_of_multiline_issue_counts():
    assert inline_suppression(make(line=3, end_line=6), {6: "# noqa"}) == "noqa"
    assert inline_suppression(make(line=3, end_line=6), {4: "# noqa"}) is None


def test_comment_on_other_line_does_not_count():
    assert inline_suppression(make(line=3), {2: "# noqa", 4: "# NOSONAR"}) is None


def test_unrelated_comment_is_not_a_directive():
    assert parse_directives("# we do not know about noqa here") == ()


def test_apply_keeps_suppressed_issues_and_marks_them():
    issues = [make(line=1), make(line=2), make(line=3, path="tests/test_x.py")]
    result = apply_suppressions(issues, {"pkg/mod.py": {1: "# noqa"}}, PathIgnores({"tests/**": ["ALL"]}))
    assert [i.suppression for i in result] == ["noqa", None, "config"]


def test_per_path_ignores_by_rule_prefix():
    ignores = PathIgnores({"scripts/*.py": ["QG108"]})
    assert ignores.covers(make(rule="QG108", path="scripts/run.py"))
    assert not ignores.covers(make(rule="QG101", path="scripts/run.py"))
    assert not ignores.covers(make(rule="QG108", path="pkg/run.py"))
