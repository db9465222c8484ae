"""Unit tests of the pipeline's pure steps (the end-to-end runs are in tests/cli/)."""

from qgate.analyzers.base import RuleSettings
from qgate.config import Settings
from qgate.model import AnalysisError, FileReport, FunctionMetrics, Issue, IssueType, RuleInfo, Severity
from qgate.pipeline import collapse_errors, compute_metrics, merge_file_reports, select_and_override
from qgate.source import source_from_text


def make(rule="QG101", line=1, severity=Severity.MAJOR, new=True):
    return Issue(
        rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=severity, message="m", path="a.py",
        line=line, end_line=line, column=1, end_column=2, effort_minutes=1, new=new,
    )


RULES = {
    "QG101": RuleInfo(id="QG101", name="bare-except", analyzer="cst", type=IssueType.CODE_SMELL,
                      severity=Severity.MAJOR, effort_minutes=5, description="d"),
    "QG999": RuleInfo(id="QG999", name="opt-in", analyzer="cst", type=IssueType.CODE_SMELL,
                      severity=Severity.MAJOR, effort_minutes=5, description="d", default_enabled=False),
}


def test_ignored_rules_are_dropped_and_severity_overridden():
    settings = Settings(ignore=("QG102",), rules={"QG101": RuleSettings(severity=Severity.BLOCKER)})
    kept = select_and_override([make("QG101"), make("QG102"), make("B602")], settings, RULES)
    assert [(i.rule, i.severity) for i in kept] == [("QG101", Severity.BLOCKER), ("B602", Severity.MAJOR)]


def test_opt_in_rule_runs_only_when_selected():
    assert select_and_override([make("QG999")], Settings(), RULES) == []
    assert len(select_and_override([make("QG999")], Settings(select=("QG9",)), RULES)) == 1
    assert len(select_and_override([make("QG999")], Settings(rules={"QG999": RuleSettings(enabled=True)}), RULES)) == 1


def test_one_syntax_error_entry_per_file():
    errors = [
        AnalysisError(analyzer="cst", path="b.py", line=2, message="syntax error: invalid syntax"),
        AnalysisError(analyzer="radon", path="b.py", line=2, message="SyntaxError: invalid syntax"),
        AnalysisError(analyzer="bandit", path="c.py", message="cannot read"),
        AnalysisError(analyzer="semgrep", message="crashed", fatal=True),
    ]
    collapsed = collapse_errors(errors)
    assert [(e.analyzer, e.path) for e in collapsed] == [("semgrep", None), ("cst", "b.py"), ("bandit", "c.py")]
    assert collapsed[1].message == "syntax error: invalid syntax (also reported by radon)"


def test_file_reports_merge_measures_and_functions_from_several_analyzers():
    source = source_from_text("a.py", "def f():\n    return 1\n")
    partials = [
        FileReport(path="a.py", measures={"maintainability_index": 90.5},
                   functions=(FunctionMetrics(name="f", qualified_name="f", line=1, end_line=2, cyclomatic_complexity=1),)),
        FileReport(path="a.py", functions=(FunctionMetrics(name="f", qualified_name="f", line=1, end_line=2, cognitive_complexity=0),)),
    ]
    (report,) = merge_file_reports([source], partials)
    assert report.ncloc == 2
    assert report.measures == {"lines": 2, "ncloc": 2, "comment_lines": 0, "maintainability_index": 90.5}
    assert report.functions == (
        FunctionMetrics(name="f", qualified_name="f", line=1, end_line=2, cyclomatic_complexity=1, cognitive_complexity=0),
    )


def test_new_code_metrics_count_only_new_issues():
    metrics = compute_metrics([make(new=True), make(line=2, new=False)], [make(line=3)], [], new_lines=7, files_changed=1)
    assert metrics.overall["violations"] == 2
    assert metrics.overall["suppressed_violations"] == 1
    assert metrics.new_code["new_violations"] == 1
    assert metrics.new_code["new_lines"] == 7


def test_process_pool_gives_the_same_results_as_the_serial_path(tmp_path):
    from qgate.analyzers.base import AnalyzerContext
    from qgate.analyzers.base import load_analyzer
    from qgate.pipeline import PARALLEL_MIN_FILES, _parallel, run_file_analyzers

    sources = [
        source_from_text(f"m{n}.py", f"def f{n}(a=[]):\n    try:\n        return a[{n}]\n    except:\n        pass\n")
        for n in range(PARALLEL_MIN_FILES + 5)
    ]
    analyzers = [load_analyzer(name)(AnalyzerContext(root=tmp_path)) for name in ("cst", "radon")]
    todo = {a.name: sources for a in analyzers}
    serial = run_file_analyzers(analyzers, todo, jobs=1)
    parallel = run_file_analyzers(analyzers, todo, jobs=2)
    assert parallel == serial
    direct = _parallel(analyzers, [(s, ("cst", "radon")) for s in sources], 2)  # no silent serial fallback
    assert {(name, path): out for name, path, out in direct} == {
        (name, path): out for name, outputs in serial.items() for path, out in outputs.items()
    }
    assert [(i.rule, i.line) for i in serial["cst"]["m7.py"].issues] == [("QG103", 1), ("QG101", 4), ("QG102", 4)]
