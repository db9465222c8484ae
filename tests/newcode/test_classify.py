from qgate.model import FileReport, FunctionMetrics, Issue, IssueType, Severity
from qgate.newcode.baseline import BaselineEntry
from qgate.newcode.classify import NewCodeSpec, changed_functions, classify, new_code_lines
from qgate.newcode.diff import FileDiff
from qgate.source import source_from_text


def make(line, path="a.py", rule="QG101", line_hash="h1", message="m", end_line=None):
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message=message, path=path,
        line=line, end_line=end_line or line, column=1, end_column=2, effort_minutes=1, line_hash=line_hash,
    )


def entry(line, path="a.py", rule="QG101", line_hash="h1", message="m"):
    return BaselineEntry(rule=rule, path=path, line=line, line_hash=line_hash, message=message, fingerprint="f")


DIFF = {"a.py": FileDiff(path="a.py", added_lines=frozenset({5, 6})), "n.py": FileDiff(path="n.py", status="added", whole_file=True)}


def test_everything_is_new_without_diff_or_baseline():
    assert [i.new for i in classify([make(1), make(2, path="b.py")], NewCodeSpec())] == [True, True]


def test_reference_mode_marks_issues_touching_new_lines():
    issues = [make(4), make(5), make(3, end_line=5), make(1, path="n.py"), make(1, path="old.py")]
    assert [i.new for i in classify(issues, NewCodeSpec(diff=DIFF))] == [False, True, True, True, False]


def test_baseline_mode_is_one_to_one():
    issues = [make(10), make(20)]  # two copies of one accepted issue: one is new
    spec = NewCodeSpec(baseline=(entry(10),))
    assert [i.new for i in classify(issues, spec)] == [False, True]


def test_baseline_match_survives_a_line_shift():
    assert [i.new for i in classify([make(42)], NewCodeSpec(baseline=(entry(10),)))] == [False]


def test_both_modes_require_both():
    spec = NewCodeSpec(diff=DIFF, baseline=(entry(5),))
    issues = [make(5), make(6, line_hash="other"), make(1, line_hash="other")]
    assert [i.new for i in classify(issues, spec)] == [False, True, False]


def test_new_code_lines_are_new_code_lines_only():
    source = source_from_text("a.py", "a = 1\n\n# c\nb = 2\nc = 3\n\n")
    assert new_code_lines(source, None) == frozenset({1, 4, 5})
    assert new_code_lines(source, DIFF) == frozenset({5})
    assert new_code_lines(source_from_text("z.py", "a = 1\n"), DIFF) == frozenset()


def test_changed_functions_intersect_new_lines():
    f1 = FunctionMetrics(name="f", qualified_name="f", line=1, end_line=4, cyclomatic_complexity=2)
    f2 = FunctionMetrics(name="g", qualified_name="g", line=5, end_line=9, cyclomatic_complexity=3)
    files = [FileReport(path="a.py", functions=(f1, f2)), FileReport(path="z.py", functions=(f1,))]
    assert changed_functions(files, DIFF) == [f2]
    assert changed_functions(files, None) == [f1, f2, f1]
    assert NewCodeSpec(diff=DIFF).changed_paths() == frozenset({"a.py", "n.py"})
