"""The lifecycle does not close what an analysis did not see, and follows files that moved."""

from qgate.history.lifecycle import TrackedState, plan_lifecycle
from qgate.model import Issue, IssueType, Severity
from support import git, make_repo, run_qgate


def issue(path, line=3, rule="QG101", line_hash="h1", message="m"):
    return Issue(rule=rule, tool="cst", type=IssueType.CODE_SMELL, severity=Severity.MAJOR, message=message, path=path,
                 line=line, end_line=line, column=1, end_column=2, effort_minutes=5, line_hash=line_hash, fingerprint=f"{path}{line}")


def state(tracked_id, path, line=3, rule="QG101", line_hash="h1", message="m"):
    return TrackedState(id=tracked_id, rule=rule, path=path, line=line, line_hash=line_hash, message=message, fingerprint=f"old{tracked_id}")


def test_issues_of_unobserved_files_stay_open():
    plan = plan_lifecycle([issue("a.py")], [state(1, "a.py"), state(2, "b.py")], [], unobserved={"b.py"})
    assert plan.fixed == ()
    assert plan.still_open == ((0, 1),)


def test_issues_of_a_moved_file_keep_their_history():
    plan = plan_lifecycle([issue("src/a.py", line=5)], [state(1, "a.py")], [], vanished={"a.py"})
    assert (plan.still_open, plan.opened, plan.fixed) == (((0, 1),), (), ())


def test_a_deleted_file_fixes_its_issues():
    plan = plan_lifecycle([], [state(1, "gone.py")], [], vanished={"gone.py"})
    assert plan.fixed == (1,)


def test_without_work_tree_knowledge_everything_counts_as_observed():
    assert plan_lifecycle([], [state(1, "b.py")], []).fixed == (1,)


BAD = "def f(x):\n    try:\n        x()\n    except:\n        pass\n"


def test_pull_request_check_of_changed_files_does_not_fix_the_rest_and_a_move_is_not_a_fix(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text('[tool.qgate.analyzers]\nenabled = ["cst"]\n')
    (repo / "old.py").write_text(BAD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    assert run_qgate("check", "--record", "--project", "p", "--all-files", cwd=repo).code == 0  # old issues: baseline
    (repo / "other.py").write_text("def ok():\n    return 1\n")  # a check of this change only sees other.py
    run_qgate("check", "--record", "--project", "p", cwd=repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "two")
    git(repo, "mv", "old.py", "moved.py")
    git(repo, "commit", "-q", "-m", "move")
    run_qgate("check", "--record", "--project", "p", "--all-files", cwd=repo)
    kpis = run_qgate("history", "kpis", "--format", "json", "--project", "p", cwd=repo).json()
    (branch,) = kpis["branches"]
    assert (branch["fixed"], branch["reopened"], branch["open"]) == (0, 0, 2)


def test_dashboard_shows_the_worst_files_by_cognitive_complexity(tmp_path):
    from qgate.history.dashboard.data import load_dashboard
    from qgate.history.store import open_store
    from datetime import datetime, timezone

    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text('[tool.qgate.analyzers]\nenabled = ["cst"]\n')
    (repo / "simple.py").write_text("def f():\n    return 1\n")
    (repo / "nested.py").write_text(
        "def g(a, b):\n    for x in a:\n        if x:\n            while b:\n                b -= 1\n    return b\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    assert run_qgate("check", "--record", "--project", "p", "--all-files", cwd=repo).code == 0
    with open_store(None, repo, create=False) as store:
        data = load_dashboard(store, now=datetime.now(timezone.utc), project="p")
    (page,) = data.projects
    # g: for +1, if +2 (nesting 1), while +3 (nesting 2) = 6; f: 0
    assert [(f.path, f.cognitive_complexity) for f in page.worst_complexity] == [("nested.py", 6), ("simple.py", 0)]
