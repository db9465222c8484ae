"""AI Code Assurance (qgate.ai): assessing a change, the ai measures and preset, near-duplicate functions, and
the whole `ai` pack (cst QGA rules, semgrep QGSA rules, QGA110) on the fixture corpus fixtures/ai/."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURES, git, make_repo

from qgate.ai import (
    AI_RULES,
    ai_measures,
    ai_trailers,
    assess,
    assistant_of,
    complexity_measures,
    is_ai_issue,
    near_duplicate_functions,
)
from qgate.analyzers.base import AnalyzerContext, RuleSelection
from qgate.analyzers.cst import CstAnalyzer
from qgate.analyzers.semgrep import SemgrepAnalyzer, builtin_pack_dir
from qgate.config import AiSettings, Settings
from qgate.gate.conditions import evaluate_gate
from qgate.gate.presets import preset_conditions
from qgate.git import Commit, commits_since, resolve_commit
from qgate.model import AiAssurance, FunctionMetrics, Issue, IssueType, Severity
from qgate.source import SourceFile, load_source, source_from_text

CORPUS = FIXTURES / "ai"

# ---------------------------------------------------------------------------------------------- assistants


@pytest.mark.parametrize(
    ("identity", "assistant"),
    [
        ("Copilot <175728472+Copilot@users.noreply.github.com>", "GitHub Copilot"),
        ("copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>", "GitHub Copilot"),
        ("Claude <noreply@anthropic.com>", "Claude"),
        ("Claude Opus 4.6 <noreply@anthropic.com>", "Claude"),
        ("Cursor Agent <cursoragent@cursor.com>", "Cursor"),
        ("aider (openrouter/anthropic/claude-sonnet-4) <noreply@aider.chat>", "Aider"),
        ("Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>", "Devin"),
        ("opencode <noreply@opencode.ai>", "OpenCode"),
        ("Amazon Q Developer <amazon-q@example.com>", "Amazon Q"),
        ("Gemini Code Assist <x@example.com>", "Gemini"),
        ("Claude Monet <claude@monet.example>", None),  # a person called Claude
        ("Jane Doe <jane@anthropic.com>", None),  # a person working at an AI company
        ("Alice Example <alice@example.com>", None),
    ],
)
def test_assistant_of(identity, assistant):
    assert assistant_of(identity) == assistant


def test_configured_assistants_match_name_or_email():
    assert assistant_of("Internal Bot <codegen@corp.example>", ["codegen@corp"]) == "codegen@corp"
    assert assistant_of("Internal Bot <codegen@corp.example>") is None


def test_ai_trailers():
    commit = Commit(
        sha="a" * 40,
        subject="s",
        trailers=(
            ("Signed-off-by", "Ann <ann@example.com>"),
            ("Co-Authored-By", "Claude <noreply@anthropic.com>"),
            ("Co-authored-by", "Bob <bob@example.com>"),
            ("assisted-by", "Claude:claude-4.6-sonnet"),
        ),
    )
    assert ai_trailers(commit, AiSettings()) == [
        "Co-Authored-By: Claude <noreply@anthropic.com>",
        "assisted-by: Claude:claude-4.6-sonnet",
    ]
    assert ai_trailers(commit, AiSettings(trailers=())) == ["Co-Authored-By: Claude <noreply@anthropic.com>"]


# ---------------------------------------------------------------------------------------------- assess


def _commit(sha: str, subject: str, *trailers: tuple[str, str]) -> Commit:
    return Commit(sha=sha * 40, subject=subject, trailers=trailers)


def test_assess_nothing_ai():
    result = assess(
        flag=False,
        changed_paths=["src/app.py"],
        commits=[_commit("1", "fix", ("Co-authored-by", "Bob <bob@example.com>"))],
        settings=AiSettings(paths=("src/gen/**",)),
    )
    assert result == AiAssurance()


def test_assess_every_reason():
    commits = [
        _commit("1", "feat: checkout", ("Co-authored-by", "Copilot <175728472+Copilot@users.noreply.github.com>")),
        _commit("2", "docs: readme"),
        _commit("3", "fix: rounding", ("Generated-by", "internal-llm v2")),
    ]
    result = assess(
        flag=True,
        changed_paths=["src/gen/a.py", "src/gen/sub/b.py", "src/gen/c.py", "src/app.py", "tests/test_gen.py"],
        commits=commits,
        settings=AiSettings(paths=("src/gen/**", "tests/*_gen.py", "nothing/**")),
    )
    assert result == AiAssurance(
        applied=True,
        reasons=(
            "--ai-code",
            "paths: src/gen/** matched 3 changed file(s)",
            "paths: tests/*_gen.py matched 1 changed file(s)",
            "2 commit(s) with AI trailers (GitHub Copilot, Generated-by)",
        ),
        commits=("111111111111 feat: checkout", "333333333333 fix: rounding"),
    )


def test_assess_flag_alone_and_commits_alone():
    assert assess(flag=True, changed_paths=[], commits=[], settings=AiSettings()) == AiAssurance(
        applied=True, reasons=("--ai-code",)
    )
    only = assess(
        flag=False,
        changed_paths=[],
        commits=[_commit("4", "wip", ("Co-authored-by", "Claude <noreply@anthropic.com>"))],
        settings=AiSettings(),
    )
    assert only == AiAssurance(
        applied=True, reasons=("1 commit(s) with AI trailers (Claude)",), commits=("444444444444 wip",)
    )


def test_settings_table():
    settings = Settings.model_validate({"ai": {"paths": ["gen/**"], "assistants": ["codegen"]}})
    assert settings.ai == AiSettings(paths=("gen/**",), assistants=("codegen",))
    assert (settings.ai.preset, settings.ai.trailers) == ("qgate-way-ai", ("Generated-by", "Assisted-by"))
    with pytest.raises(ValueError, match="unknown_key"):
        Settings.model_validate({"ai": {"unknown_key": 1}})


# ---------------------------------------------------------------------------------------------- git


def test_commits_since_reads_trailers_from_a_real_repository(tmp_path: Path):
    repo = make_repo(tmp_path / "repo")
    base = resolve_commit(repo, "HEAD")
    (repo / "a.py").write_text("x = 1\n")
    git(repo, "add", "a.py")
    git(
        repo, "commit", "-q", "-m",
        "feat: add a\n\nLonger body.\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\nSigned-off-by: Ann <ann@example.com>",
    )  # fmt: skip
    (repo / "b.py").write_text("y = 2\n")
    git(repo, "add", "b.py")
    git(repo, "commit", "-q", "-m", "chore: b\n\nAssisted-by: Claude:claude-4.6-sonnet")
    git(repo, "commit", "-q", "--allow-empty", "-m", "plain commit")
    commits = commits_since(repo, base)
    assert [(c.subject, c.trailers) for c in commits] == [
        ("plain commit", ()),
        ("chore: b", (("Assisted-by", "Claude:claude-4.6-sonnet"),)),
        ("feat: add a", (("Co-Authored-By", "Claude Opus 4.6 <noreply@anthropic.com>"), ("Signed-off-by", "Ann <ann@example.com>"))),
    ]  # fmt: skip
    assert all(len(c.sha) == 40 for c in commits)
    assert len(commits_since(repo, None)) == 4  # the initial commit too
    result = assess(flag=False, changed_paths=["a.py", "b.py"], commits=commits, settings=AiSettings())
    assert result.reasons == ("2 commit(s) with AI trailers (Assisted-by, Claude)",)
    assert result.commits == (f"{commits[1].sha[:12]} chore: b", f"{commits[2].sha[:12]} feat: add a")
    assert commits_since(repo, resolve_commit(repo, "HEAD")) == []


def test_commits_since_unborn_head_and_unknown_base(tmp_path: Path):
    from qgate.errors import GitError

    repo = make_repo(tmp_path / "empty", commit=False)
    assert commits_since(repo, None) == []
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(GitError, match="unknown reference"):
        commits_since(repo, "0" * 40)


# ---------------------------------------------------------------------------------------------- measures, preset


def _issue(rule: str, tags: tuple[str, ...], new: bool, kind: IssueType = IssueType.CODE_SMELL) -> Issue:
    return Issue(
        rule=rule, tool="cst", type=kind, severity=Severity.MINOR, message="m", path="a.py",
        line=1, end_line=1, column=1, end_column=2, effort_minutes=1, tags=tags, new=new,
    )  # fmt: skip


def test_ai_measures():
    issues = [
        _issue("QGA101", ("ai", "supply-chain"), True),
        _issue("QGA109", ("ai",), False),
        _issue("QG101", ("error-handling",), True),
        _issue("QGSA999", ("security", "ai"), True, IssueType.SECURITY_HOTSPOT),
    ]
    assert [is_ai_issue(i) for i in issues] == [True, True, False, False]
    assert ai_measures(issues) == {"ai_violations": 2, "new_ai_violations": 1}
    assert ai_measures([]) == {"ai_violations": 0, "new_ai_violations": 0}


def test_complexity_measures():
    functions = [
        FunctionMetrics(name="f", qualified_name="f", line=1, end_line=3, cognitive_complexity=4),
        FunctionMetrics(name="g", qualified_name="g", line=5, end_line=9, cognitive_complexity=12),
        FunctionMetrics(name="h", qualified_name="h", line=10, end_line=12),
    ]
    assert complexity_measures(functions) == {"new_max_cognitive_complexity": 12}
    assert complexity_measures([]) == {"new_max_cognitive_complexity": None}


def test_qgate_way_ai_preset():
    conditions = {(c.metric, c.op, c.threshold) for c in preset_conditions("qgate-way-ai")}
    assert conditions == {
        ("new_violations", "gt", 0),
        ("new_coverage", "lt", 80),
        ("new_duplicated_lines_density", "gt", 1),
        ("new_security_hotspots_reviewed", "lt", 100),
        ("new_ai_violations", "gt", 0),
        ("new_max_cognitive_complexity", "gt", 10),
        ("security_rating", "gt", 1),
        ("security_hotspots_reviewed", "lt", 100),
    }
    metrics = {
        "new_violations": 0, "new_duplicated_lines_density": 2.0, "new_ai_violations": 0,
        "new_max_cognitive_complexity": 11, "security_rating": 1, "security_hotspots_reviewed": 100.0,
    }  # fmt: skip
    gate = evaluate_gate(preset_conditions("qgate-way-ai"), metrics, new_lines=100, preset="qgate-way-ai")
    assert gate.status == "failed"
    assert sorted(r.metric for r in gate.conditions if r.status == "failed") == [
        "new_duplicated_lines_density", "new_max_cognitive_complexity"
    ]  # fmt: skip
    # the same change passes qgate-way: 2% duplication is under its 3%
    assert evaluate_gate(preset_conditions("qgate-way"), metrics, new_lines=100).status == "passed"


# ---------------------------------------------------------------------------------------------- near duplicates

_ORIGINAL = '''
def summarize(orders, currency="EUR"):
    """Totals per customer."""
    totals = {}
    count = 0
    for order in orders:
        key = order.customer_id
        totals[key] = totals.get(key, 0) + order.amount
        count += 1
    return {"totals": totals, "count": count, "currency": currency}
'''
_RENAMED = '''
import x

def stats(items, cur="USD"):
    sums = {}
    n = 0
    for item in items:
        k = item.customer_id
        sums[k] = sums.get(k, 1) + item.amount
        n += 1
    return {"sums": sums, "n": n, "cur": cur}
'''


def test_near_duplicates_normalize_names_and_literals():
    sources = [source_from_text("a.py", _ORIGINAL), source_from_text("pkg/b.py", _RENAMED)]
    issues = near_duplicate_functions(sources)
    assert [(i.rule, i.path, i.line, i.column, i.end_column, i.message) for i in issues] == [
        ("QGA110", "a.py", 2, 5, 14,
         "Function 'summarize' is a near-identical copy of 'stats' in pkg/b.py:4: extract the shared logic and import it."),
        ("QGA110", "pkg/b.py", 4, 5, 10,
         "Function 'stats' is a near-identical copy of 'summarize' in a.py:2: extract the shared logic and import it."),
    ]  # fmt: skip
    assert all(i.tags == ("ai", "duplication") and i.tool == "ai" for i in issues)
    assert AI_RULES[0].id == "QGA110" and "ai" in AI_RULES[0].tags
    # only the analyzed paths get issues; the other copy is still found
    assert [i.path for i in near_duplicate_functions(sources, analyzed={"pkg/b.py"})] == ["pkg/b.py"]


@pytest.mark.parametrize(
    "change",
    [
        ("item.amount", "item.price"),  # another attribute: other logic
        ("sums.get(k, 1)", "sums.get(k)"),  # another call shape
        ("n += 1", "n -= 1"),  # another operator
    ],
)
def test_near_duplicates_keep_attributes_calls_and_operators(change):
    changed = _RENAMED.replace(*change)
    assert near_duplicate_functions([source_from_text("a.py", _ORIGINAL), source_from_text("b.py", changed)]) == []


def test_near_duplicates_ignore_small_functions_same_file_copies_and_broken_files():
    small = "def f(a):\n    b = a + 1\n    return b\n"
    assert near_duplicate_functions([source_from_text("a.py", small), source_from_text("b.py", small)]) == []
    same_file = source_from_text("a.py", _ORIGINAL + _RENAMED)
    assert near_duplicate_functions([same_file]) == []
    broken = source_from_text("c.py", "def (:\n")
    assert len(near_duplicate_functions([source_from_text("a.py", _ORIGINAL), source_from_text("b.py", _ORIGINAL), broken])) == 2


# ---------------------------------------------------------------------------------------------- the corpus

EXPECTED_VIBE = [
    ("QGA102", "src/shop/api.py", 3, 6),  # flask: imported, not declared
    ("QGSA101", "src/shop/api.py", 8, 17),  # ghp_ token
    ("QGSA103", "src/shop/api.py", 17, 16),  # str(e) sent to the client
    ("QGA103", "src/shop/api.py", 20, 5),  # raise NotImplementedError
    ("QGA102", "src/shop/payments.py", 7, 8),  # yaml: installed, not declared
    ("QGA101", "src/shop/payments.py", 8, 6),  # stripe_payments_sdk: exists nowhere
    ("QGA106", "src/shop/payments.py", 14, 18),  # high-entropy key
    ("QGSA102", "src/shop/payments.py", 15, 18),  # secret with a default
    ("QGA105", "src/shop/payments.py", 27, 5),  # except Exception: return default
    ("QGA108", "src/shop/payments.py", 29, 5),  # commented-out code
    ("QGA103", "src/shop/payments.py", 35, 5),  # TODO: implement + pass
    ("QGA103", "src/shop/payments.py", 40, 5),  # verifier returning True
    ("QGA103", "src/shop/payments.py", 44, 5),  # constant under a placeholder comment
    ("QGA107", "src/shop/payments.py", 52, 5),  # breakpoint()
    ("QGA109", "src/shop/payments.py", 53, 29),  # a type-ignore without a code
    ("QGA109", "src/shop/reports.py", 3, 32),  # a blanket no-qa
    ("QGA110", "src/shop/analytics.py", 4, 5),  # copy of summarize_orders
    ("QGA110", "src/shop/reports.py", 6, 5),
    ("QGA104", "tests/test_payments.py", 9, 5),  # asserts nothing
    ("QGA104", "tests/test_payments.py", 14, 5),  # assert True
]


def _tree(root: Path) -> list[SourceFile]:
    return [load_source(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.py"))]


def _ai_pack(root: Path, semgrep: bool = True) -> list[Issue]:
    sources = _tree(root)
    cst = CstAnalyzer(AnalyzerContext(root=root, selection=RuleSelection(select=("QGA",))))
    issues = list(cst.analyze(sources).issues) + near_duplicate_functions(sources)
    if semgrep:
        options = {"builtin_pack": False, "rules": [str(builtin_pack_dir() / "ai")]}
        output = SemgrepAnalyzer(AnalyzerContext(root=root, options=options)).analyze(sources)
        assert output.errors == ()
        issues += output.issues
    return sorted(issues, key=lambda i: (i.path, i.line, i.column, i.rule))


@pytest.fixture(scope="session")
def corpus_findings() -> dict[str, list[Issue]]:
    """The whole ai pack over both corpus trees (one semgrep start each)."""
    return {name: _ai_pack(CORPUS / name) for name in ("vibe", "clean")}


def test_every_rule_fires_on_the_vibe_corpus(corpus_findings):
    found = corpus_findings["vibe"]
    assert [(i.rule, i.path, i.line, i.column) for i in found] == sorted(
        EXPECTED_VIBE, key=lambda e: (e[1], e[2], e[3], e[0])
    )
    rules = {i.rule for i in found}
    assert rules == {f"QGA1{n:02d}" for n in range(1, 11)} | {"QGSA101", "QGSA102", "QGSA103"}
    assert all(is_ai_issue(i) for i in found)


def test_the_clean_corpus_has_no_ai_findings(corpus_findings):
    assert corpus_findings["clean"] == []


def test_semgrep_ai_rules_are_part_of_the_builtin_pack():
    rules = {r.id: r for r in SemgrepAnalyzer(AnalyzerContext(root=CORPUS)).rules() if r.id.startswith("QGSA")}
    assert {rule_id: (r.name, r.type, r.severity, r.cwe) for rule_id, r in rules.items()} == {
        "QGSA101": ("hardcoded-token", IssueType.VULNERABILITY, Severity.BLOCKER, (798,)),
        "QGSA102": ("secret-env-default", IssueType.VULNERABILITY, Severity.MAJOR, (798, 1188)),
        "QGSA103": ("exception-details-exposed", IssueType.VULNERABILITY, Severity.MINOR, (209,)),
    }
    assert all("ai" in r.tags for r in rules.values())


def test_near_duplicates_of_a_small_change_equal_the_full_comparison():
    """The text prefilter for small changes never changes the result: every analyzed subset of the corpus."""
    from itertools import combinations

    from qgate.ai import near_duplicate_functions
    from qgate.source import load_source
    from support import FIXTURES

    files = sorted(p for p in (FIXTURES / "ai").rglob("*.py"))
    sources = [load_source(p.relative_to(FIXTURES).as_posix(), p) for p in files]
    everything = near_duplicate_functions(sources)
    assert everything  # the corpus has copies
    paths = [s.path for s in sources]
    for size in (1, 2):
        for subset in combinations(paths, size):
            expected = [i for i in everything if i.path in subset]
            assert near_duplicate_functions(sources, set(subset)) == expected, subset
