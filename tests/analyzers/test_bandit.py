"""The bandit adapter against bandit itself, on the real sample files of fixtures/scanners/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qgate.analyzers._subprocess import byte_to_char_column, chunk_arguments, target_argument, tool_path
from qgate.analyzers.base import AnalyzerContext, AnalyzerOutput, RuleSelection
from qgate.analyzers.bandit import BanditAnalyzer, bandit_rules
from qgate.errors import ConfigError
from qgate.model import AnalysisError, Issue, IssueType, Severity
from qgate.source import SourceFile


def _analyzer(root: Path, **kwargs) -> BanditAnalyzer:
    selection = kwargs.pop("selection", RuleSelection())
    options = kwargs.pop("options", {})
    timeout = kwargs.pop("timeout_seconds", 600.0)
    context = AnalyzerContext(root=root, options=options, selection=selection, timeout_seconds=timeout)
    return BanditAnalyzer(context, **kwargs)


def _bandit_directly(root: Path, sources: list[SourceFile], ignore_nosec: bool) -> dict:
    """bandit's own JSON for the same files, run without qgate."""
    argv = [sys.executable, "-m", "bandit", "-f", "json", "-q"] + (["--ignore-nosec"] if ignore_nosec else [])
    argv += ["--"] + ["./" + s.path for s in sources]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 1, done.stderr  # 1 = issues found
    return json.loads(done.stdout)


def _expected_key(result: dict, root: Path) -> tuple[str, str, int, int]:
    """(test_id, path, line, column) of a raw bandit result, columns converted from UTF-8 bytes."""
    path = os.path.normpath(result["filename"]).replace(os.sep, "/")
    line_bytes = (root / path).read_text(encoding="utf-8").splitlines()[result["line_number"] - 1].encode()
    column = len(line_bytes[: result["col_offset"]].decode()) + 1
    return result["test_id"], path, result["line_number"], column


def _key(issue: Issue) -> tuple[str, str, int, int]:
    return issue.rule, issue.path, issue.line, issue.column


@pytest.fixture(scope="session")
def bandit_output(scanner_root: Path, scanner_sources: list[SourceFile]) -> AnalyzerOutput:
    return _analyzer(scanner_root).analyze(scanner_sources)


@pytest.fixture(scope="session")
def raw_ignore_nosec(scanner_root: Path, scanner_sources: list[SourceFile]) -> dict:
    return _bandit_directly(scanner_root, scanner_sources, ignore_nosec=True)


@pytest.fixture(scope="session")
def raw_default(scanner_root: Path, scanner_sources: list[SourceFile]) -> dict:
    return _bandit_directly(scanner_root, scanner_sources, ignore_nosec=False)


def _find(output: AnalyzerOutput, rule: str, path: str, line: int) -> Issue:
    matches = [i for i in output.issues if (i.rule, i.path, i.line) == (rule, path, line)]
    assert len(matches) == 1, [_key(i) for i in output.issues]
    return matches[0]


# -- no bandit finding is lost ---------------------------------------------------------------------


def test_every_bandit_finding_is_reported(bandit_output, raw_ignore_nosec, scanner_root):
    expected = sorted(_expected_key(r, scanner_root) for r in raw_ignore_nosec["results"])
    assert sorted(_key(i) for i in bandit_output.issues) == expected
    assert ("B602", "shell_calls.py", 6, 5) in expected  # the comparison is not vacuous
    assert ("B301", "-dash_name.py", 5, 12) in expected
    assert ("B602", "with space.py", 5, 12) in expected


def test_nosec_lines_are_returned_for_qgate_to_suppress(bandit_output, raw_default, scanner_root):
    default = {_expected_key(r, scanner_root) for r in raw_default["results"]}
    ours = {_key(i) for i in bandit_output.issues}
    assert default <= ours
    # bandit alone drops the `# nosec` and `# nosec B602` lines; qgate must see them
    assert sorted(ours - default) == [("B602", "shell_calls.py", 7, 5), ("B602", "shell_calls.py", 8, 5)]
    assert all(i.suppression is None for i in bandit_output.issues)


def test_output_is_sorted(bandit_output):
    assert list(bandit_output.issues) == sorted(bandit_output.issues, key=Issue.sort_key)
    assert bandit_output.issues[0].path == "-dash_name.py"


# -- mapping -----------------------------------------------------------------------------------------


def test_shell_true_maps_to_critical_vulnerability(bandit_output):
    issue = _find(bandit_output, "B602", "shell_calls.py", 6)
    assert issue.tool == "bandit"
    assert issue.type is IssueType.VULNERABILITY
    assert issue.severity is Severity.CRITICAL
    assert issue.cwe == (78,)
    assert (issue.column, issue.end_line, issue.end_column) == (5, 6, 37)
    assert issue.tags == ("security", "subprocess_popen_with_shell_equals_true", "confidence:high")
    assert issue.effort_minutes == 30
    assert issue.message.startswith("subprocess call with shell=True identified")


def test_multiline_call_keeps_bandit_range(bandit_output):
    issue = _find(bandit_output, "B602", "shell_calls.py", 11)
    assert (issue.line, issue.column, issue.end_line, issue.end_column) == (11, 12, 12, 6)


def test_low_and_medium_confidence_are_hotspots(bandit_output):
    timeout = _find(bandit_output, "B113", "insecure_misc.py", 17)  # LOW confidence
    assert (timeout.type, timeout.severity, timeout.cwe) == (IssueType.SECURITY_HOTSPOT, Severity.MAJOR, (400,))
    assert "confidence:low" in timeout.tags
    password = _find(bandit_output, "B105", "insecure_misc.py", 13)  # MEDIUM confidence
    assert (password.type, password.severity, password.column) == (IssueType.SECURITY_HOTSPOT, Severity.MINOR, 16)
    assert password.cwe == (259,)
    assert password.effort_minutes == 10


def test_other_mappings(bandit_output):
    yaml_load = _find(bandit_output, "B506", "insecure_misc.py", 12)
    assert (yaml_load.type, yaml_load.severity, yaml_load.cwe) == (IssueType.VULNERABILITY, Severity.MAJOR, (20,))
    md5 = _find(bandit_output, "B324", "insecure_misc.py", 14)
    assert (md5.severity, md5.cwe, md5.column, md5.end_column) == (Severity.CRITICAL, (327,), 14, 31)
    assert _find(bandit_output, "B101", "insecure_misc.py", 15).severity is Severity.MINOR
    assert _find(bandit_output, "B306", "insecure_misc.py", 18).tags == ("security", "blacklist", "confidence:high")
    assert _find(bandit_output, "B501", "insecure_misc.py", 17).severity is Severity.CRITICAL


def test_columns_count_characters_not_bytes(bandit_output):
    # `    étiquette = "ü";   result = eval(text)`: bandit says byte 34, the character column is 33
    issue = _find(bandit_output, "B307", "insecure_misc.py", 23)
    assert (issue.column, issue.end_column) == (33, 43)


def test_syntax_error_is_a_non_fatal_error_and_other_files_are_analyzed(bandit_output):
    assert bandit_output.errors == (
        AnalysisError(analyzer="bandit", path="broken_syntax.py", message="syntax error while parsing AST from file"),
    )
    assert not [i for i in bandit_output.issues if i.path == "broken_syntax.py"]
    assert {i.path for i in bandit_output.issues} == {"-dash_name.py", "insecure_misc.py", "semgrep_targets.py", "shell_calls.py", "with space.py"}


# -- running bandit ------------------------------------------------------------------------------------


def test_split_command_line_gives_the_same_result(bandit_output, scanner_root, scanner_sources):
    analyzer = _analyzer(scanner_root)
    analyzer.argv_limit = 200  # forces one bandit run per file or two
    split = analyzer.analyze(scanner_sources)
    assert split == bandit_output


def test_selection_drops_disabled_rules_and_runs_only_selected_tests(scanner_root, scanner_sources, bandit_output):
    selection = RuleSelection(select=("B3", "B60"), ignore=("B602",))
    output = _analyzer(scanner_root, selection=selection).analyze(scanner_sources)
    expected = [_key(i) for i in bandit_output.issues if i.rule.startswith(("B3", "B60")) and i.rule != "B602"]
    assert [_key(i) for i in output.issues] == expected
    assert ("B301", "-dash_name.py", 5, 12) in expected
    assert ("B306", "insecure_misc.py", 18, 15) in expected


def test_nothing_enabled_runs_nothing(scanner_root, scanner_sources):
    output = _analyzer(scanner_root, selection=RuleSelection(select=("QGS",)), python="/nonexistent/python")
    assert output.analyze(scanner_sources) == AnalyzerOutput()


def test_missing_interpreter_is_one_fatal_error(scanner_root, scanner_sources, tmp_path):
    output = _analyzer(scanner_root, python=str(tmp_path / "no-such-python")).analyze(scanner_sources)
    assert output.issues == ()
    assert len(output.errors) == 1
    error = output.errors[0]
    assert (error.analyzer, error.fatal, error.path) == ("bandit", True, None)
    assert error.message.startswith("bandit could not be started: No such file or directory")
    assert "\n" not in error.message


def test_non_json_output_is_one_fatal_error(scanner_root, scanner_sources):
    echo = shutil.which("echo")
    if echo is None:
        pytest.skip("no echo executable")
    output = _analyzer(scanner_root, python=echo).analyze(scanner_sources)
    assert [(e.fatal, e.message.split(":")[0]) for e in output.errors] == [(True, "bandit failed (exit code 0)")]
    assert "\n" not in output.errors[0].message


def test_timeout_is_one_fatal_error(scanner_root, scanner_sources):
    output = _analyzer(scanner_root, timeout_seconds=0.05).analyze(scanner_sources)
    assert output.errors == (AnalysisError(analyzer="bandit", message="bandit timed out after 0.05 s", fatal=True),)
    assert output.issues == ()


# -- options and rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"skips": ["B999"]}, "tool.qgate.analyzers.bandit.skips: unknown bandit test 'B999'"),
        ({"skips": ["assert_used"]}, "tool.qgate.analyzers.bandit.skips: 'assert_used' is not a bandit test id"),
        ({"severity_threshold": "HIGH"}, "unknown key 'bandit.severity_threshold'"),
    ],
)
def test_bad_options_are_config_errors(scanner_root, options, message):
    with pytest.raises(ConfigError) as info:
        _analyzer(scanner_root, options=options)
    assert str(info.value).startswith(message)


def test_rules_cover_plugins_and_blacklists(scanner_root):
    rules = {r.id: r for r in _analyzer(scanner_root).rules()}
    assert list(rules) == sorted(rules)
    shell = rules["B602"]
    assert (shell.name, shell.analyzer, shell.type, shell.severity, shell.cwe) == (
        "subprocess-popen-with-shell-equals-true", "bandit", IssueType.VULNERABILITY, Severity.CRITICAL, (78,)
    )
    assert shell.description == "Test for use of popen with shell equals true"
    assert "shell=True" in shell.docs
    assert rules["B101"].description == "Test for use of assert"
    assert rules["B113"].type is IssueType.SECURITY_HOTSPOT
    pickle = rules["B301"]
    assert (pickle.name, pickle.severity, pickle.cwe, pickle.tags) == ("pickle", Severity.MAJOR, (502,), ("security", "blacklist"))
    assert "`pickle.loads`" in pickle.docs
    assert rules["B403"].description == "Consider possible security implications associated with `pickle` module"
    assert all("security" in r.tags for r in rules.values())
    assert bandit_rules() is bandit_rules()  # loaded once per process


def test_skips_are_passed_to_bandit(scanner_root, scanner_sources):
    output = _analyzer(scanner_root, options={"skips": ["B404", "B403", "B101", "B602"]}).analyze(
        [s for s in scanner_sources if s.path == "shell_calls.py"]
    )
    assert output.issues == ()


# -- subprocess helpers ------------------------------------------------------------------------------------


def test_chunk_arguments_respects_the_budget():
    fixed = ["python", "-m", "bandit"]
    args = [f"./file{i}.py" for i in range(10)]
    assert chunk_arguments(fixed, args, limit=10_000) == [args]
    chunks = chunk_arguments(fixed, args, limit=100)
    assert [a for chunk in chunks for a in chunk] == args
    assert len(chunks) == 4 and all(chunks)
    assert chunk_arguments(fixed, ["./" + "x" * 500], limit=100) == [["./" + "x" * 500]]
    assert chunk_arguments(fixed, [], limit=100) == [[]]


def test_path_helpers():
    assert target_argument("-dash.py") == "./-dash.py"
    assert tool_path("././-dash.py") == "-dash.py"
    assert tool_path("./pkg/with space.py") == "pkg/with space.py"
    assert tool_path("pkg/mod.py") == "pkg/mod.py"
    assert byte_to_char_column('x = "é"; eval(x)', 10) == 9
    assert byte_to_char_column("plain", 3) == 3
    assert byte_to_char_column("é", 5) == 4  # past the end: counted from the end of the line
