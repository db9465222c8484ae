"""Property-based tests (hypothesis): the diff parser, fingerprinting, gate evaluation and new-issue
classification never crash on any input, and their results stay sane."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qgate.gate.conditions import evaluate_gate
from qgate.model import Condition, Issue, IssueType, Severity
from qgate.newcode.baseline import BaselineEntry
from qgate.newcode.classify import NewCodeSpec, classify
from qgate.newcode.diff import FileDiff, parse_diff
from qgate.newcode.fingerprint import assign_fingerprints

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), min_size=1, max_size=12)
paths = st.lists(st.sampled_from(["a", "b", "pkg", "caf\u00e9", "with space", "-x", '"q"']), min_size=1, max_size=3).map(
    lambda parts: "/".join(parts) + ".py"
)


# ---------------------------------------------------------------------------------------------- diff parser

DIFF_WORDS = st.sampled_from([
    "diff --git a/x.py b/x.py", "diff --cc x.py", "--- a/x.py", "+++ b/x.py", "--- /dev/null", "+++ /dev/null",
    "@@ -1,2 +1,3 @@", "@@ -0,0 +1 @@", "@@@ -1 -1 +1,2 @@@", "@@ -5 +5,0 @@", "+added", "-removed", " context",
    "\\ No newline at end of file", "rename from a.py", "rename to b.py", "new file mode 100644",
    "deleted file mode 100644", "Binary files a/x.py and b/x.py differ", "GIT binary patch", '+++ "b/caf\\303\\251.py"',
    "@@ -1 +99999999999999999999 @@", "@@ -a +b @@", "copy from x", "copy to y", "",
])


def check_sane(result: dict) -> None:
    for path, diff in result.items():
        assert isinstance(diff, FileDiff)
        assert diff.path == path
        assert all(isinstance(n, int) and n >= 0 for n in diff.added_lines)


@FAST
@given(st.text(max_size=400))
def test_parse_diff_never_raises_on_arbitrary_text(text):
    check_sane(parse_diff(text))


@FAST
@given(st.lists(DIFF_WORDS, max_size=40))
def test_parse_diff_never_raises_on_diff_shaped_noise(lines):
    check_sane(parse_diff("\n".join(lines)))


@st.composite
def valid_diffs(draw):
    """A real-shaped unified diff of several files, and the exact added lines it declares."""
    files = draw(st.lists(st.sampled_from(["a.py", "pkg/b.py", "with space.py", "c.py"]), min_size=1, max_size=4, unique=True))
    text: list[str] = []
    expected: dict[str, set[int]] = {}
    for path in files:
        text += [f"diff --git a/{path} b/{path}", f"--- a/{path}", f"+++ b/{path}" + ("\t" if " " in path else "")]
        added: set[int] = set()
        new_start = 1
        for _ in range(draw(st.integers(0, 4))):
            new_start += draw(st.integers(0, 30))
            removed = draw(st.integers(0, 3))
            count = draw(st.integers(0, 5))
            text.append(f"@@ -{new_start},{removed} +{new_start},{count} @@")
            text += [f"-old {n}" for n in range(removed)]
            text += [f"+new {n}" for n in range(count)]
            added.update(range(new_start, new_start + count))
            new_start += count + 1
        expected[path] = added
    return "\n".join(text) + "\n", expected


@FAST
@given(valid_diffs())
def test_parse_diff_finds_exactly_the_added_lines_of_a_valid_diff(case):
    text, expected = case
    result = parse_diff(text)
    assert {path: set(diff.added_lines) for path, diff in result.items()} == expected


# ---------------------------------------------------------------------------------------------- issues

RULES = st.sampled_from(["QG101", "QG103", "B602", "QGS109"])


@st.composite
def issues(draw, path_strategy=st.sampled_from(["a.py", "b.py"]), max_line=30):
    line = draw(st.integers(1, max_line))
    column = draw(st.integers(1, 40))
    return Issue(
        rule=draw(RULES), tool="cst", type=draw(st.sampled_from(list(IssueType))), severity=draw(st.sampled_from(list(Severity))),
        message=draw(st.sampled_from(["m1", "m2", "caf\u00e9"])), path=draw(path_strategy), line=line,
        end_line=line + draw(st.integers(0, 3)), column=column, end_column=column + draw(st.integers(1, 10)), effort_minutes=5,
    )


LINES = st.lists(st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s), min_size=40, max_size=40)


@FAST
@given(st.lists(issues(path_strategy=paths), max_size=30), LINES)
def test_fingerprints_never_crash_and_do_not_depend_on_order(found, lines):
    def text(path: str, line: int) -> str:
        return lines[line % len(lines)]

    printed = assign_fingerprints(found, text)
    assert [(i.rule, i.line) for i in printed] == [(i.rule, i.line) for i in found]
    assert all(len(i.fingerprint) > 0 and i.line_hash for i in printed)
    reversed_prints = assign_fingerprints(list(reversed(found)), text)
    assert sorted(i.fingerprint for i in printed) == sorted(i.fingerprint for i in reversed_prints)


@FAST
@given(st.lists(issues(), max_size=20), LINES, st.integers(1, 50))
def test_fingerprints_are_stable_when_lines_shift(found, lines, shift):
    def before(path: str, line: int) -> str:
        return lines[(line - 1) % len(lines)]

    def after(path: str, line: int) -> str:  # the same text, ``shift`` lines lower
        return before(path, line - shift)

    moved = [i.model_copy(update={"line": i.line + shift, "end_line": i.end_line + shift}) for i in found]
    assert [i.fingerprint for i in assign_fingerprints(found, before)] == [
        i.fingerprint for i in assign_fingerprints(moved, after)
    ]


# ---------------------------------------------------------------------------------------------- gate

METRICS = st.sampled_from(["new_violations", "new_coverage", "coverage", "new_bugs", "unknown_metric", "sqale_rating"])
VALUES = st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True))


@FAST
@given(
    st.lists(st.builds(Condition, metric=METRICS, op=st.sampled_from(["gt", "lt", "gte", "lte", "eq", "ne"]),
                       threshold=st.floats(allow_nan=False, allow_infinity=True)), max_size=8),
    st.dictionaries(METRICS, VALUES),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.integers(0, 1000),
    st.integers(0, 5),
)
def test_gate_evaluation_never_crashes(conditions, metrics, new_lines, small, fatal):
    result = evaluate_gate(conditions, metrics, new_lines=new_lines, small_change_lines=small, fatal_errors=fatal)
    assert len(result.conditions) == len(conditions)
    assert result.status == ("error" if fatal else "failed" if any(c.status == "failed" for c in result.conditions) else "passed")
    for condition in result.conditions:
        if condition.actual is None or (isinstance(condition.actual, float) and math.isnan(condition.actual)):
            assert condition.status in ("no_value", "ignored")


# ---------------------------------------------------------------------------------------------- classify

DIFFS = st.dictionaries(
    st.sampled_from(["a.py", "b.py"]),
    st.builds(
        lambda path, lines, whole, binary: FileDiff(path=path, added_lines=frozenset(lines), whole_file=whole, binary=binary),
        st.just("x"), st.sets(st.integers(1, 40), max_size=10), st.booleans(), st.booleans(),
    ),
).map(lambda d: {path: diff.model_copy(update={"path": path}) for path, diff in d.items()})


@FAST
@given(st.lists(issues(), max_size=25), st.one_of(st.none(), DIFFS), st.booleans(), st.data())
def test_classify_never_marks_more_issues_new_than_exist(found, diff, with_baseline, data):
    printed = assign_fingerprints(found, lambda path, line: f"line {line}")
    baseline = None
    if with_baseline:
        kept = data.draw(st.lists(st.sampled_from(printed), max_size=len(printed))) if printed else []
        baseline = tuple(BaselineEntry.from_issue(i) for i in kept)
    result = classify(printed, NewCodeSpec(diff=diff, baseline=baseline))
    assert len(result) == len(printed)
    assert sum(i.new for i in result) <= len(printed)
    assert [i.fingerprint for i in result] == [i.fingerprint for i in printed]
    if diff is not None:
        for issue in result:
            if issue.new:
                assert issue.path in diff and diff[issue.path].has_new_line_in(issue.line, issue.end_line)
    if baseline is not None:
        assert sum(i.new for i in result) >= len(printed) - len(baseline) if diff is None else True


@FAST
@given(st.lists(issues(), max_size=25))
def test_classify_with_an_empty_diff_marks_nothing_new(found):
    printed = assign_fingerprints(found, lambda path, line: "")
    assert [i.new for i in classify(printed, NewCodeSpec(diff={}))] == [False] * len(printed)
