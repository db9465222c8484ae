"""The issue lifecycle: the pure plan, then scripted series of analyses through the store on both backends,
then an end-to-end series with the real pipeline on a real git repository."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from qgate.config import load_config
from qgate.history.lifecycle import LifecyclePlan, TrackedState, plan_lifecycle
from qgate.history.record import record_analysis
from qgate.history.store import analysis_issues, issue_events, open_store, tracked
from qgate.pipeline import CheckRequest, run_check
from support import FIXTURES, git

from .history_support import T0, at, issue, report


def state(id: int, i) -> TrackedState:
    return TrackedState(id=id, rule=i.rule, path=i.path, line=i.line, line_hash=i.line_hash, message=i.message, fingerprint=i.fingerprint)


# ---------------------------------------------------------------------------------------------- the pure plan


def test_plan_opens_keeps_fixes_and_reopens():
    a, b, c = issue("QG101", line=3), issue("QG108", line=9), issue("QG112", line=20)
    moved_a = issue("QG101", line=5, code="QG101-3")  # same code two lines lower: same line hash and fingerprint
    plan = plan_lifecycle([moved_a, c, issue("QG120", line=30)], [state(1, a), state(2, b)], [state(3, c)])
    assert plan == LifecyclePlan(still_open=((0, 1),), reopened=((1, 3),), opened=(2,), fixed=(2,))


def test_plan_matches_an_edited_line_through_the_tracking_cascade():
    old = issue("QG101", line=7, code="except:")
    edited = issue("QG101", line=7, code="except:  # why")  # same line and message, new line hash and fingerprint
    assert edited.fingerprint != old.fingerprint
    assert plan_lifecycle([edited], [state(1, old)], []) == LifecyclePlan(still_open=((0, 1),))


def test_plan_prefers_open_issues_over_closed_ones():
    one = issue("QG108", line=4)
    plan = plan_lifecycle([one, issue("QG108", line=4, code="QG108-4")], [state(1, one)], [state(2, one)])
    assert plan.still_open == ((0, 1),)
    assert plan.reopened == ((1, 2),)
    assert plan.opened == () and plan.fixed == ()


# ---------------------------------------------------------------------------------------------- through the store


def rows(url: str, root: Path, table: sa.Table, *order: str) -> list[dict]:
    with open_store(url, root) as store, store.transaction() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(*(table.c[o] for o in order))).mappings()]


def test_scripted_series_open_fix_reopen(store_url, tmp_path):
    bare, printed, none_cmp = issue("QG101", line=10), issue("QG108", line=15), issue("QG112", line=19)
    series = [
        (bare, printed, none_cmp),  # 1: everything opened
        (bare, none_cmp),  # 2: QG108 fixed
        (bare, none_cmp),  # 3: nothing changes
        (bare, printed, none_cmp),  # 4: QG108 back: reopened
        (bare, printed),  # 5: QG112 fixed
    ]
    ids = [
        record_analysis(
            report(found), root=tmp_path, url=store_url, project="acme/app", env={"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "main"},
            pull_request=None, base=None, started_at=at(n), config_hash="cfg",
        )
        for n, found in enumerate(series)
    ]
    assert ids == sorted(ids) and len(set(ids)) == 5
    issues = {r["rule"]: r for r in rows(store_url, tmp_path, tracked, "id")}
    assert sorted(issues) == ["QG101", "QG108", "QG112"]
    assert (issues["QG101"]["status"], issues["QG101"]["first_analysis_id"], issues["QG101"]["reopen_count"]) == ("open", ids[0], 0)
    q108 = issues["QG108"]
    assert (q108["status"], q108["reopen_count"], q108["closed_at"], q108["closed_analysis_id"]) == ("open", 1, None, None)
    assert q108["first_seen_at"] == at(0).replace(tzinfo=None)  # a reopened issue keeps its first-seen time
    q112 = issues["QG112"]
    assert (q112["status"], q112["closed_analysis_id"], q112["closed_at"]) == ("closed", ids[4], at(4).replace(tzinfo=None))
    by_id = {r["id"]: r["rule"] for r in issues.values()}
    events = [(r["analysis_id"], by_id[r["tracked_id"]], r["kind"]) for r in rows(store_url, tmp_path, issue_events, "id")]
    assert events == [
        (ids[0], "QG101", "opened"), (ids[0], "QG108", "opened"), (ids[0], "QG112", "opened"),
        (ids[1], "QG108", "fixed"),
        (ids[3], "QG108", "reopened"),
        (ids[4], "QG112", "fixed"),
    ]
    occurrences = [(r["analysis_id"], r["rule"], by_id[r["tracked_id"]]) for r in rows(store_url, tmp_path, analysis_issues, "analysis_id", "position")]
    assert occurrences[:3] == [(ids[0], "QG101", "QG101"), (ids[0], "QG108", "QG108"), (ids[0], "QG112", "QG112")]
    assert len(occurrences) == 3 + 2 + 2 + 3 + 2


def test_branches_and_projects_have_separate_lifecycles(store_url, tmp_path):
    one = issue("QG101", line=10)
    common = dict(root=tmp_path, url=store_url, pull_request=None, base=None, config_hash="")
    record_analysis(report((one,)), project="acme/app", env={"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "main"}, started_at=at(0), **common)
    record_analysis(report(()), project="acme/app", env={"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "dev"}, started_at=at(1), **common)
    record_analysis(report((one,)), project="acme/lib", env={"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "main"}, started_at=at(2), **common)
    found = [(r["project"], r["branch"], r["status"]) for r in rows(store_url, tmp_path, tracked, "id")]
    assert found == [("acme/app", "main", "open"), ("acme/lib", "main", "open")]  # dev's empty analysis fixed nothing on main


# ---------------------------------------------------------------------------------------------- end to end


APP = (FIXTURES / "history" / "app.py").read_text()


@pytest.fixture(scope="module")
def pipeline_series(tmp_path_factory) -> tuple[Path, list]:
    """Three real analyses of a real repository on branch main: the fixture; QG108's print removed and two
    lines added at the top (every other issue shifts); the print back."""
    repo = tmp_path_factory.mktemp("e2e") / "repo"
    shutil.copytree(FIXTURES / "history", repo)
    git(repo, "init", "-q", "-b", "main")
    config = load_config(repo / "pyproject.toml")
    reports = []

    def analyze(message: str) -> None:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
        reports.append(run_check(CheckRequest(root=repo, config=config, use_cache=False)))

    analyze("initial")
    (repo / "app.py").write_text("# header\n# more\n" + APP.replace("    print(value)", "    return value"))
    analyze("fix the print, shift everything")
    (repo / "app.py").write_text("# header\n# more\n" + APP)
    analyze("print again")
    return repo, reports


def test_real_pipeline_lifecycle(store_url, pipeline_series):
    repo, reports = pipeline_series
    assert [(i.rule, i.line) for i in reports[0].issues] == [("QG101", 10), ("QG108", 15), ("QG112", 19)]
    assert [(i.rule, i.line) for i in reports[1].issues] == [("QG101", 12), ("QG112", 21)]
    assert [(i.rule, i.line) for i in reports[2].issues] == [("QG101", 12), ("QG108", 17), ("QG112", 21)]
    ids = [
        record_analysis(
            r, root=repo, url=store_url, project=None, env={}, pull_request=None, base=None,
            started_at=T0 + timedelta(days=n), config_hash="h",
        )
        for n, r in enumerate(reports)
    ]
    with open_store(store_url, repo) as store:
        listed = store.list_analyses()
        history = store.load_history()
    head = git(repo, "rev-parse", "HEAD").strip()
    assert [(a.id, a.project, a.branch, a.issue_count) for a in listed] == [
        (ids[2], "repo", "main", 3), (ids[1], "repo", "main", 2), (ids[0], "repo", "main", 3)
    ]
    assert listed[0].commit == head and listed[0].ci_provider is None
    lifecycle = {t.rule: t for t in history.tracked}
    assert sorted(lifecycle) == ["QG101", "QG108", "QG112"]
    assert [(t.status, t.reopen_count, t.first_analysis_id) for t in (lifecycle["QG101"], lifecycle["QG112"])] == [
        ("open", 0, ids[0]), ("open", 0, ids[0])
    ]  # the shifted issues stayed open: neither fixed nor re-opened
    q108 = lifecycle["QG108"]
    assert (q108.status, q108.reopen_count, q108.first_seen_at) == ("open", 1, T0)
    kinds = [(e.analysis_id, lifecycle_rule(history, e.tracked_id), e.kind) for e in history.events if e.kind != "opened"]
    assert kinds == [(ids[1], "QG108", "fixed"), (ids[2], "QG108", "reopened")]


def lifecycle_rule(history, tracked_id: int) -> str:
    return next(t.rule for t in history.tracked if t.id == tracked_id)
