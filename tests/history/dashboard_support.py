"""Histories for the dashboard tests, recorded through the store's public API, and headless Chromium.

Two projects share one store:

``acme/app`` (:func:`record_pipeline_series`): real analyses by the real pipeline (cst analyzer only) of a
real git repository holding fixtures/history/app.py (QG101 line 10, QG108 line 15, QG112 line 19; every
issue is new: no reference, so the gate fails on any issue), recorded with ``record_analysis``:

    when           branch   PR  commit                          issues              gate
    T0             main     -   the fixture                     QG101 QG108 QG112   failed
    T0 + 24 h      main     -   the three issues fixed          -                   passed
    T0 + 48 h      main     -   the print back                  QG108 (reopened)    failed
    T0 + 54 h      feature  3   the fixed code, a line added    -                   passed

    pass rate 2/4 = 50.0%, main 1/3 = 33.3%, pull requests 1/1 = 100.0%; MTTR: QG101 and QG112 fixed
    after 24 h (QG108 is open again): mean 24.0 h, median 24.0 h; escape rate: the three issues were new
    on main and no pull request saw them: 3/3 = 100.0%.

:data:`HOSTILE` (:func:`record_scripted_series`): 26 hand-built reports, one a day at 09:00 from T0
(day 3.5 is 21:00 on day 3), recorded with ``Store.record``. Issues (effort 5 minutes each):

    id  rule   type              path            line  new  seen on main
    S1  QG108  code_smell        HOSTILE_PATH    3     -    days 0-19
    S2  QG108  code_smell        HOSTILE_PATH    7     -    days 0-19
    S3  QG101  code_smell        HOSTILE_PATH    12    -    days 0-19
    S4  QG112  code_smell        lib/util.py     4     -    days 0-19
    X2  B602   vulnerability     lib/util.py     9     -    days 0-7    (fixed day 8: 192 h)
    H1  B105   security_hotspot  lib/util.py     20    -    days 0-19   (to review)
    H2  B108   security_hotspot  lib/util.py     30    -    days 0-19   (reviewed safe: never counted)
    N1  QG103  bug               lib/util.py     40    yes  days 2-4    (fixed day 5: 72 h)
    N2  QG108  code_smell        lib/new.py      2     yes  days 4-9    (fixed day 10: 144 h; PR #4 saw it new at day 3.5)
    V3  B602   vulnerability     HOSTILE_PATH    20    yes  days 12-19

    analyses: main days 0-19 (gate failed on days 3, 7, 11, 15, 19), PR #4 on ``feature`` at day 3.5
    (passed, reports N2 new), PR #5 on ``feature`` days 20-24 (passed, failed, passed, error, passed);
    durations 1, 2, ..., 26 seconds and commits ``00abab...``, ``01abab...``, ... in time order.

    pass rate 19/26 = 73.1%, main 15/20 = 75.0%, pull requests 4/6 = 66.7%; MTTR over X2, N1, N2:
    mean (192 + 72 + 144) / 3 = 136.0 h, median 144.0 h; escape rate: N1, N2, V3 opened on main, N2 seen
    new by PR #4 before: 2/3 = 66.7%; durations p50 13.50 s, p90 23.50 s; at the latest main analysis
    (day 19): 1 open vulnerability (V3), 1 open hotspot (H1). Top rules then: QG108 (2), B105, B602,
    QG101, QG112 (1 each); worst files by debt: HOSTILE_PATH 15 min (3 smells, 4 issues), lib/util.py
    5 min (1 smell, 2 issues).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pytest

from qgate.config import load_config
from qgate.history.record import record_analysis
from qgate.history.store import AnalysisMeta, open_store
from qgate.model import ConditionResult, GateResult, Issue, IssueType, Metrics, Report, Severity, ToolInfo
from qgate.newcode.fingerprint import fingerprint
from qgate.pipeline import CheckRequest, run_check
from support import FIXTURES, git

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
HOSTILE = '<script>alert("project")</script> & "co"'
HOSTILE_PATH = "src/<img src=x onerror=alert(1)>.py"
APP_PROJECT = "acme/app"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# ---------------------------------------------------------------------------------------------- acme/app: the real pipeline


@dataclass(frozen=True)
class RealAnalysis:
    report: Report
    commit: str


def pipeline_analyses(workdir: Path) -> list[RealAnalysis]:
    """The four real analyses of the module docstring, with the commit each one analyzed."""
    repo = workdir / "repo"
    shutil.copytree(FIXTURES / "history", repo)
    git(repo, "init", "-q", "-b", "main")
    config = load_config(repo / "pyproject.toml")
    app = (repo / "app.py").read_text()
    printing, returning = "def show(value):\n    print(value)", "def show(value):\n    return value"
    clean = app.replace("    except:\n", "    except ValueError:\n").replace(printing, returning)
    clean = clean.replace("value == None", "value is None")
    found: list[RealAnalysis] = []

    def analyze(text: str, message: str) -> None:
        (repo / "app.py").write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
        report = run_check(CheckRequest(root=repo, config=config, use_cache=False))
        found.append(RealAnalysis(report, git(repo, "rev-parse", "HEAD").strip()))

    analyze(app, "initial")
    analyze(clean, "fix everything")
    analyze(clean.replace(returning, printing), "print again")
    git(repo, "checkout", "-q", "-b", "feature", "HEAD~1")
    (repo / "app.py").write_text(clean + "\n")  # a change on the branch
    analyze(clean + "\n", "feature work")
    return found


PIPELINE_TIMES = (day(0), day(1), day(2), day(2) + timedelta(hours=6))


def ci_env(commit: str, pull_request: Optional[int] = None) -> dict[str, str]:
    """GitHub Actions' variables of a push to main, or of pull request ``pull_request`` from ``feature``."""
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": APP_PROJECT, "GITHUB_SHA": commit}
    if pull_request is None:
        return {**env, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"}
    return {
        **env, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": f"refs/pull/{pull_request}/merge",
        "GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "main",
    }


def record_pipeline_series(url: str, root: Path, analyses: list[RealAnalysis]) -> list[int]:
    """Record the real analyses as GitHub Actions runs (the last one as pull request #3)."""
    return [
        record_analysis(
            a.report, root=root, url=url, project=None, env=ci_env(a.commit, 3 if n == 3 else None),
            pull_request=None, base=None, started_at=started, config_hash="h",
        )
        for n, (a, started) in enumerate(zip(analyses, PIPELINE_TIMES))
    ]


# ---------------------------------------------------------------------------------------------- the hostile project: scripted


def issue(rule: str, type: IssueType, path: str, line: int, *, new: bool = False, review: Optional[str] = None) -> Issue:
    line_hash = f"h-{rule}-{line}"
    return Issue(
        rule=rule, tool="cst" if rule.startswith("QG") else "bandit", type=type, severity=Severity.MAJOR,
        message=f"{rule} <b>here</b>", path=path, line=line, end_line=line, column=1, end_column=5,
        effort_minutes=5, line_hash=line_hash, fingerprint=fingerprint(rule, path, line_hash, 0), new=new, review=review,
    )


SMELL, VULN, HOTSPOT, BUG = IssueType.CODE_SMELL, IssueType.VULNERABILITY, IssueType.SECURITY_HOTSPOT, IssueType.BUG
S1 = issue("QG108", SMELL, HOSTILE_PATH, 3)
S2 = issue("QG108", SMELL, HOSTILE_PATH, 7)
S3 = issue("QG101", SMELL, HOSTILE_PATH, 12)
S4 = issue("QG112", SMELL, "lib/util.py", 4)
X2 = issue("B602", VULN, "lib/util.py", 9)
H1 = issue("B105", HOTSPOT, "lib/util.py", 20, review="to_review")
H2 = issue("B108", HOTSPOT, "lib/util.py", 30, review="safe")
N1 = issue("QG103", BUG, "lib/util.py", 40, new=True)
N2 = issue("QG108", SMELL, "lib/new.py", 2, new=True)
V3 = issue("B602", VULN, HOSTILE_PATH, 20, new=True)


def main_issues(n: int) -> tuple[Issue, ...]:
    """The issues of the main-branch analysis of day ``n`` (module docstring)."""
    found = [S1, S2, S3, S4, H1, H2]
    found += [X2] if n <= 7 else []
    found += [N1] if 2 <= n <= 4 else []
    found += [N2] if 4 <= n <= 9 else []
    found += [V3] if n >= 12 else []
    return tuple(sorted(found, key=Issue.sort_key))


def report(issues: tuple[Issue, ...], status: str, duration: float) -> Report:
    return Report(
        tool=ToolInfo(version="0.1.0"),
        root="/repo",
        gate=GateResult(
            status=status,
            conditions=(
                ConditionResult(metric="new_violations", op="gt", threshold=0, actual=sum(i.new for i in issues),
                                status="failed" if status == "failed" else "passed"),
            ),
        ),
        metrics=Metrics(overall={"violations": len(issues)}),
        issues=issues,
        duration_seconds=duration,
    )


@dataclass(frozen=True)
class Step:
    when: datetime
    branch: str
    pull_request: Optional[int]
    status: str
    issues: tuple[Issue, ...]


def scripted_steps() -> list[Step]:
    steps = [
        Step(day(n), "main", None, "failed" if n % 4 == 3 else "passed", main_issues(n)) for n in range(20)
    ]
    steps.append(Step(day(3.5), "feature", 4, "passed", (N2,)))
    steps += [
        Step(day(n), "feature", 5, status, (S1,))
        for n, status in zip(range(20, 25), ("passed", "failed", "passed", "error", "passed"))
    ]
    return sorted(steps, key=lambda s: s.when)


def record_scripted_series(url: str, root: Path) -> None:
    with open_store(url, root) as store:
        for n, step in enumerate(scripted_steps()):
            meta = AnalysisMeta(
                project=HOSTILE, branch=step.branch, commit=f"{n:02d}" + "ab" * 19, pull_request=step.pull_request,
                base="main" if step.pull_request else None, started_at=step.when, config_hash="h",
            )
            store.record(report(step.issues, step.status, float(n + 1)), meta)


# ---------------------------------------------------------------------------------------------- headless Chromium


CHROMIUM = Path(os.environ.get("QGATE_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("QGATE_CHROMEDRIVER", "/usr/bin/chromedriver"))


def _missing() -> str:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return ", ".join(missing)


def chromium_driver(profile: Path) -> Iterator[Any]:
    """A headless Chromium driven by chromedriver (Selenium), offline-minded; skipped locally when missing,
    a failure in CI."""
    missing = _missing()
    if missing:
        why = f"headless Chromium unavailable: {missing} (run scripts/ci-chromium.sh; pip install selenium)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots and the generated site are kept: ``$QGATE_TEST_ARTIFACTS/dashboard``, else a temp folder."""
    base = os.environ.get("QGATE_TEST_ARTIFACTS", "").strip()
    target = Path(base) / "dashboard" if base else tmp_path_factory.mktemp("dashboard-artifacts")
    target.mkdir(parents=True, exist_ok=True)
    return target
