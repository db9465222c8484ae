"""The `ai` pack's cst rules (QGA101-QGA109) beyond their VALID/INVALID examples (which test_cst_rules.py
runs): declarations, messages, the project index given by the analyzer, and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from qgate.analyzers.base import AnalyzerContext, RuleSelection
from qgate.analyzers.cst import CstAnalyzer, discover_rules
from qgate.analyzers.cst.engine import analyze_text
from qgate.analyzers.cst.rules._ai import is_test_file, is_test_path
from qgate.analyzers.cst.rules.ai_commented_out_code import is_code
from qgate.analyzers.cst.rules.ai_hardcoded_credential import looks_like_secret, shannon_entropy
from qgate.model import IssueType, Severity
from qgate.project import build_index
from qgate.source import load_source

RULES = {rule.id: rule for rule in discover_rules()}
AI_RULES = {rule_id: rule for rule_id, rule in RULES.items() if rule_id.startswith("QGA")}


def run(rule_id: str, code: str, path: str = "pkg/mod.py", project=None, **options: object) -> list[tuple[int, int, str]]:
    rule = RULES[rule_id]
    issues, errors = analyze_text(code, path, [(rule, rule.Options.model_validate(options))], project=project)
    assert errors == []
    return [(i.line, i.column, i.message) for i in issues]


def positions(rule_id: str, code: str, path: str = "pkg/mod.py", **kwargs: object) -> list[tuple[int, int]]:
    return [(line, col) for line, col, _ in run(rule_id, code, path, **kwargs)]


def test_the_ai_pack_declarations():
    assert {rule_id: (r.name, r.type, r.severity) for rule_id, r in AI_RULES.items()} == {
        "QGA101": ("unknown-import", IssueType.BUG, Severity.MAJOR),
        "QGA102": ("undeclared-dependency", IssueType.CODE_SMELL, Severity.MAJOR),
        "QGA103": ("placeholder-implementation", IssueType.BUG, Severity.MAJOR),
        "QGA104": ("test-without-assertion", IssueType.CODE_SMELL, Severity.MAJOR),
        "QGA105": ("broad-except-swallowed", IssueType.CODE_SMELL, Severity.MAJOR),
        "QGA106": ("hardcoded-credential", IssueType.VULNERABILITY, Severity.CRITICAL),
        "QGA107": ("debugger-leftover", IssueType.BUG, Severity.MAJOR),
        "QGA108": ("commented-out-code", IssueType.CODE_SMELL, Severity.MAJOR),
        "QGA109": ("unexplained-suppression", IssueType.CODE_SMELL, Severity.MINOR),
    }
    for rule in AI_RULES.values():
        info = rule.info()
        assert info.tags[0] == "ai" and info.analyzer == "cst", rule.id
        assert len(rule.VALID) >= 2 and len(rule.INVALID) >= 2, rule.id
    assert [r.id for r in RULES.values() if r.needs_project] == ["QGA101", "QGA102"]


def test_import_rules_use_the_analyzers_project_index(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = ["PyYAML"]\n')
    (tmp_path / "src" / "app").mkdir(parents=True)
    code = "import yaml\nimport pydantic\nimport app.core\nimport helpers\nimport reqeusts\n"
    target = tmp_path / "src" / "app" / "core.py"
    target.write_text(code)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text("")
    analyzer = CstAnalyzer(AnalyzerContext(root=tmp_path, selection=RuleSelection(select=("QGA101", "QGA102"))))
    assert analyzer.project is not None and analyzer.project.declared == {"app", "pyyaml"}
    assert analyzer.cache_inputs() == {"project": analyzer.project.digest()}
    output = analyzer.analyze_file(load_source("src/app/core.py", target))
    assert [(i.rule, i.line, i.column, i.message) for i in output.issues] == [
        ("QGA102", 2, 8, "'pydantic' comes from 'pydantic', which is installed here but not a declared dependency of the "
                         "project: declare it."),
        ("QGA101", 5, 8, "Module 'reqeusts' exists nowhere qgate can see: not in the standard library, not in this "
                         "repository, not installed, not a declared dependency. Check the name (a hallucinated or "
                         "typo-squatted package?)."),
    ]  # fmt: skip
    # without the import rules, no index is built and the cache token does not depend on the tree
    plain = CstAnalyzer(AnalyzerContext(root=tmp_path, selection=RuleSelection(ignore=("QGA101", "QGA102"))))
    assert plain.project is None and plain.cache_inputs() == {}


def test_config_root_is_where_the_index_is_built(tmp_path: Path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "requirements.txt").write_text("requests\n")
    (tmp_path / "scratch").mkdir()
    context = AnalyzerContext(root=tmp_path / "scratch", config_root=tmp_path / "repo", selection=RuleSelection(select=("QGA102",)))
    assert CstAnalyzer(context).project.declared == {"requests"}


def test_guarded_module_stays_optional_later_in_the_file(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("requests\n")
    project = build_index(tmp_path)
    code = (
        "try:\n    import MySQLdb as Database\nexcept ImportError as err:\n    raise RuntimeError('install mysqlclient') from err\n"
        "from MySQLdb.constants import CLIENT\nimport yaml\n"
    )
    assert positions("QGA102", code, project=project) == [(6, 8)]
    assert positions("QGA101", code, project=project) == []


def test_placeholder_messages():
    code = "def a():\n    '''Compute a.'''\n\ndef b():\n    raise NotImplementedError('later')\n"
    assert run("QGA103", code) == [
        (1, 5, "Function 'a' has a docstring but no body: implement it or remove it."),
        (4, 5, "Function 'b' only raises NotImplementedError: implement it or remove it."),
    ]
    # an explaining comment over pass is not a placeholder comment
    assert run("QGA103", "class H:\n    def f(self):\n        # too complicated to implement a sensible one\n        pass\n") == []
    # under TYPE_CHECKING, stubs are fine
    assert run("QGA103", "if TYPE_CHECKING:\n    def f() -> int: ...\n") == []


@pytest.mark.parametrize(
    ("path", "test_path", "test_file"),
    [
        ("tests/test_api.py", True, True),
        ("pkg/api_test.py", True, True),
        ("tests/models/tests.py", True, True),
        ("tests/helpers.py", True, False),
        ("django/test/runner.py", True, False),
        ("pkg/contest.py", False, False),
        ("pkg/latest.py", False, False),
    ],
)
def test_test_paths(path, test_path, test_file):
    assert (is_test_path(path), is_test_file(path)) == (test_path, test_file)


def test_test_without_assertion_counts_nested_and_helper_checks():
    code = (
        "def test_a():\n    def inner():\n        assert x\n    inner()\n\n"
        "def test_b(self):\n    self.assertQuerySetEqual(q, [])\n\n"
        "def test_c():\n    cart.checkout()\n"
    )
    assert run("QGA104", code, path="tests/test_x.py") == [
        (9, 5, "Test 'test_c' asserts nothing: it passes whatever the code does. Assert on the result.")
    ]


def test_broad_except_message_and_reporting_calls():
    code = "try:\n    f()\nexcept Exception:\n    result = None\n"
    assert run("QGA105", code) == [
        (3, 1, "This handler catches every Exception and carries on without re-raising, logging or using it: catch "
               "the specific exceptions expected, and log or re-raise the rest.")
    ]  # fmt: skip
    for body in ("warnings.warn('x')", "traceback.print_exc()", "sys.exit(1)", "handle(sys.exc_info())", "log.error('x')"):
        assert run("QGA105", f"try:\n    f()\nexcept Exception:\n    {body}\n    result = None\n") == [], body


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("pR0d-Pa55w0rd!x", True),
        ("9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", True),
        ("hunter22", False),  # low entropy
        ("changeme123!", False),
        ("<api-key>", False),
        ("${DB_PASSWORD}", False),
        ("DB_PASSWORD", False),
        ("password_reset_token", False),
        ("https://x.io/t0k3n", False),
        ("aaaaaaaaaaaa", False),
        ("correct horse battery staple", False),
    ],
)
def test_secret_values(value, secret):
    assert looks_like_secret(value) is secret


def test_entropy():
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2


def test_known_prefix_tokens_are_left_to_semgrep():
    assert run("QGA106", 'GITHUB_TOKEN = "ghp_4f9Kx2Lm8QzR7vB1nT5wY3cE6hJ0pA9sD2gF"\n') == []


def test_debugger_messages():
    code = "from pdb import set_trace as st\nst()\nbreakpoint()\n"
    assert run("QGA107", code) == [
        (2, 1, "pdb.set_trace() is a debugging leftover: remove it."),
        (3, 1, "breakpoint() stops the program for a debugger: remove the debugging leftover."),
    ]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (["x = compute()", "y = x + 1", "return y"], True),
        (["if user.is_admin:", "    grant(user)", "log(user)"], True),
        (["Note: see below", "Warning: slow", "Author: me"], False),  # annotations without values: prose
        (["foo", "bar", "baz"], False),
        (["This is prose.", "More prose.", "Done."], False),
        ([">>> f(1)", "2", ">>> f(2)"], False),
        (["Foo()", "Bar()", "Baz()"], False),
    ],
)
def test_is_code(lines, code):
    assert is_code(lines) is code


def test_commented_out_code_ignores_strings_that_look_like_comments():
    code = 's = """\n# a = 1\n# b = 2\n# c = 3\n"""\n# real comment\n'
    assert run("QGA108", code) == []


def test_suppression_variants():
    code = (
        "a = 1  # type: ignore[assignment]\n"
        "b = 2  # type:ignore\n"
        "c = 3  # noqa:E501\n"
        "d = 4  # noqa: some reason\n"
        "e = 5  # pyright: ignore - upstream stub is wrong\n"
    )
    assert positions("QGA109", code) == [(2, 8), (4, 8)]
