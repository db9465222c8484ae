"""Replay a public package's PyPI releases as a git history, record every release with qgate, report the KPIs.

Usage (from the repository root, in the venv where qgate is installed)::

    python benchmarks/history_replay.py [--package requests] [--first 2.16.0] [--last 2.32.3]
                                        [--pr 2.18.0,2.20.0,2.22.0,2.25.0,2.28.0,2.31.0]
                                        [--database-url URL] [--label sqlite] [--work DIR]
                                        [--overhead-runs 5] [--real-clock] [--screenshots DIR]
                                        [--overhead-only]

What it does, in a fresh work folder ``--work/<label>`` (default ``benchmarks/work/history-replay``, git-ignored):

1. Reads the release list and upload times from PyPI's JSON API and downloads every sdist from ``--first`` to
   ``--last`` (final releases, yanked ones included: they are real commits), checking their sha256. The sdists
   are cached in ``--work/sdists``.
2. Builds a git repository, one commit per release on ``main``, author and committer dates set to the
   release's upload time (PKG-INFO and ``*.egg-info`` dropped: they are build output).
3. Records each release as it is committed: ``qgate check --record --project PACKAGE --base HEAD~1
   --all-files`` (all four analyzers, cache on). The first release is recorded with ``--base HEAD
   --all-files``: nothing is new, every issue found is the history's baseline. ``--all-files`` matters: a
   recorded analysis of only the changed files closes every open issue of the other files (see
   benchmarks/results/history_replay.md).
   For each release named in ``--pr``, a branch ``pr-N`` with that release's tree is recorded first, before
   the release time, with ``--pull-request N --base main`` (changed files only, as a CI pull-request job
   runs), then fast-forward merged into ``main``.
4. Writes ``qgate history kpis --format json`` (and text), ``qgate history list`` and ``qgate dashboard -o
   --work/<label>/site``.
5. Measures what ``--record`` adds: on the last commit, warm cache, ``qgate check`` with and without
   ``--record`` alternately, ``--overhead-runs`` times each (after one untimed warm-up of each), wall
   clock of the whole process; medians. Then, in-process (``--overhead-runs`` fresh processes), the two parts
   of that cost: importing the history modules, and ``record_analysis`` of the last report (store open,
   schema check, one transaction). These extra analyses are recorded after the KPI snapshot of step 4.
6. With ``--screenshots DIR``: the dashboard's index and project page opened in headless Chromium
   (/usr/bin/chromium + chromedriver, Selenium), saved as ``DIR/history_<label>_{index,project}.png``
   (quantized to 256 colours to stay small).

Time: qgate records the analysis *start time* (the clock), not the commit date, and ``qgate check`` takes
no time argument. So each ``qgate check`` runs under libfaketime (Debian package ``faketime``) with its clock
started at the release's upload time (UTC): MTTR, new issues per week and the trends are in release
time. ``--real-clock`` records with the real clock instead (then MTTR measures the replay, seconds).
Durations are unaffected (libfaketime shifts the clock, it does not slow it). The overhead runs of step 5
use the real clock.

PostgreSQL: ``pg_env="$(bash scripts/ci-postgres.sh)" && eval "$pg_env"`` then
``--database-url "$QGATE_TEST_DATABASE_URL" --label postgresql``; stop it with ``bash scripts/ci-postgres.sh
stop "$QGATE_TEST_PGDATA"``. The database must not hold the project already (the replay starts a history).

Everything is written to ``--work/<label>/summary.json``. This is a benchmark script, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

from packaging.version import Version

HERE = Path(__file__).resolve().parent
QGATE = [sys.executable, "-m", "qgate"]
FAKETIME_LIBS = (
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/faketime/libfaketime.so.1"),
)
DEFAULT_PRS = "2.18.0,2.20.0,2.22.0,2.25.0,2.28.0,2.31.0"


def log(message: str) -> None:
    print(f"[replay {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- PyPI


def releases(package: str, first: str, last: str, cache: Path) -> list[dict[str, Any]]:
    """The final releases first..last with an sdist: version, upload time (UTC), url, sha256, yanked."""
    index = cache / f"{package}.json"
    if not index.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=60) as response:
            index.write_bytes(response.read())
    data = json.loads(index.read_text())
    lo, hi = Version(first), Version(last)
    found = []
    for version, files in data["releases"].items():
        v = Version(version)
        if v.is_prerelease or not lo <= v <= hi:
            continue
        sdists = [f for f in files if f["packagetype"] == "sdist"]
        if not sdists:
            log(f"{package} {version}: no sdist, skipped")
            continue
        f = sdists[0]
        found.append({
            "version": version, "uploaded": f["upload_time_iso_8601"], "url": f["url"], "filename": f["filename"],
            "sha256": f["digests"]["sha256"], "yanked": any(x.get("yanked") for x in files),
        })
    return sorted(found, key=lambda r: Version(r["version"]))


def download(release: dict[str, Any], cache: Path) -> Path:
    target = cache / release["filename"]
    if not target.exists():
        with urllib.request.urlopen(release["url"], timeout=120) as response:
            payload = response.read()
        if hashlib.sha256(payload).hexdigest() != release["sha256"]:
            raise SystemExit(f"{release['filename']}: sha256 mismatch")
        target.write_bytes(payload)
    return target


def unpack(sdist: Path, repo: Path) -> None:
    """Replace the working tree of ``repo`` (all but .git and .qgate) with the sdist's content."""
    for child in repo.iterdir():
        if child.name in (".git", ".qgate"):
            continue
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    staging = repo.parent / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(staging, filter="data")
    (top,) = list(staging.iterdir())
    for child in top.iterdir():
        if child.name == "PKG-INFO" or child.name.endswith(".egg-info"):
            continue
        shutil.move(str(child), repo / child.name)
    shutil.rmtree(staging)
    for info in [p for p in repo.glob("*/*.egg-info") if p.is_dir()]:  # src/NAME.egg-info (src layouts)
        shutil.rmtree(info)


# ---------------------------------------------------------------------------------------------- git, qgate


def git(repo: Path, *args: str, when: Optional[datetime] = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "replay", "GIT_AUTHOR_EMAIL": "replay@example.invalid",
           "GIT_COMMITTER_NAME": "replay", "GIT_COMMITTER_EMAIL": "replay@example.invalid"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def faketime_lib() -> Path:
    for lib in FAKETIME_LIBS:
        if lib.exists():
            return lib
    raise SystemExit("libfaketime not found: apt-get install faketime (or pass --real-clock)")


def qgate(repo: Path, args: list[str], *, clock: Optional[datetime] = None, fake: Optional[Path] = None) -> tuple[int, float, str]:
    """Run ``qgate ARGS`` in ``repo``; the clock starts at ``clock`` (UTC) under libfaketime. (rc, wall s, stderr)"""
    env = {**os.environ, "TZ": "UTC", "NO_COLOR": "1"}
    env.pop("CI", None)
    if clock is not None and fake is not None:
        env["LD_PRELOAD"] = str(fake)
        env["FAKETIME"] = "@" + clock.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    started = time.perf_counter()
    proc = subprocess.run([*QGATE, *args], cwd=repo, env=env, capture_output=True, text=True)
    return proc.returncode, time.perf_counter() - started, proc.stderr


def check(repo: Path, report: Path, extra: list[str], *, url: Optional[str], project: str, clock: Optional[datetime],
          fake: Optional[Path], record: bool = True) -> dict[str, Any]:
    args = ["check", "-q", "--format", "json", "-o", str(report), *extra]
    if record:
        args += ["--record", "--project", project]
        if url:
            args += ["--database-url", url]
    rc, wall, err = qgate(repo, args, clock=clock, fake=fake)
    if rc not in (0, 1):
        raise SystemExit(f"qgate {' '.join(args)} exited {rc}:\n{err}")
    data = json.loads(report.read_text())
    return {
        "rc": rc, "wall_seconds": round(wall, 3), "duration_seconds": data["duration_seconds"],
        "gate": data["gate"]["status"],
        "failed_conditions": [c["metric"] for c in data["gate"]["conditions"] if c["status"] == "failed"],
        "issues": len(data["issues"]), "new_issues": sum(1 for i in data["issues"] if i["new"]),
        "files": len(data["files"]), "errors": [e["message"][:200] for e in data["errors"]],
        "new_code": data["new_code"]["note"],
    }


# ---------------------------------------------------------------------------------------------- replay


def pr_time(previous: Optional[datetime], release: datetime) -> datetime:
    """A pull request's analysis: a day before the release, or half-way since the previous one if sooner."""
    gap = (release - previous) / 2 if previous is not None else timedelta(days=1)
    return release - min(timedelta(days=1), gap)


def replay(opts: argparse.Namespace, work: Path, fake: Optional[Path]) -> list[dict[str, Any]]:
    cache = opts.work / "sdists"
    wanted = releases(opts.package, opts.first, opts.last, cache)
    pr_versions = [v for v in opts.pr.split(",") if v]
    log(f"{len(wanted)} releases of {opts.package}: {wanted[0]['version']} .. {wanted[-1]['version']}")
    repo = work / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".git" / "info" / "exclude").write_text(".qgate/\n")
    reports = work / "reports"
    reports.mkdir()
    rows: list[dict[str, Any]] = []
    previous: Optional[datetime] = None
    for n, release in enumerate(wanted):
        version = release["version"]
        when = datetime.fromisoformat(release["uploaded"].replace("Z", "+00:00"))
        sdist = download(release, cache)
        if version in pr_versions and n > 0:
            number = 100 + pr_versions.index(version)
            opened = pr_time(previous, when)
            git(repo, "checkout", "-q", "-b", f"pr-{number}")
            unpack(sdist, repo)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"{opts.package} {version}", when=opened)
            row = check(repo, reports / f"pr-{number}.json", ["--pull-request", str(number), "--base", "main"],
                        url=opts.database_url, project=opts.project, clock=opened, fake=fake)
            rows.append({"version": version, "kind": f"pr #{number}", "at": opened.isoformat(), **row})
            log(f"{version} PR #{number}: gate {row['gate']}, {row['new_issues']} new, {row['wall_seconds']:.1f}s")
            git(repo, "checkout", "-q", "main")
            git(repo, "merge", "-q", "--ff-only", f"pr-{number}")
        else:
            unpack(sdist, repo)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"{opts.package} {version}", when=when)
        base = ["--base", "HEAD~1" if n > 0 else "HEAD", "--all-files"]
        row = check(repo, reports / f"{version}.json", base, url=opts.database_url, project=opts.project, clock=when, fake=fake)
        rows.append({"version": version, "kind": "main", "at": when.isoformat(), "yanked": release["yanked"], **row})
        log(f"{version} main: gate {row['gate']} {row['failed_conditions']}, {row['issues']} issues, "
            f"{row['new_issues']} new, {row['wall_seconds']:.1f}s")
        previous = when
    return rows


def history_outputs(opts: argparse.Namespace, work: Path) -> dict[str, Any]:
    repo = work / "repo"
    store = ["--database-url", opts.database_url] if opts.database_url else []
    outputs: dict[str, Any] = {}
    for name, args in (
        ("kpis.json", ["history", "kpis", "--project", opts.project, "--format", "json", *store]),
        ("kpis.txt", ["history", "kpis", "--project", opts.project, *store]),
        ("list.txt", ["history", "list", "--project", opts.project, "--limit", "200", *store]),
    ):
        proc = subprocess.run([*QGATE, *args], cwd=repo, capture_output=True, text=True, env={**os.environ, "TZ": "UTC"})
        if proc.returncode != 0:
            raise SystemExit(f"qgate {' '.join(args)}: {proc.stderr}")
        (work / name).write_text(proc.stdout)
    outputs["kpis"] = json.loads((work / "kpis.json").read_text())
    rc, wall, err = qgate(repo, ["dashboard", "-o", str(work / "site"), *store])
    if rc != 0:
        raise SystemExit(f"qgate dashboard: {err}")
    outputs["dashboard_seconds"] = round(wall, 2)
    return outputs


def overhead(opts: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Wall time of ``qgate check`` on the last commit (warm cache) without and with --record, alternating."""
    repo = work / "repo"
    report = work / "overhead.json"
    base = ["--base", "HEAD~1", "--all-files"]
    plain: list[float] = []
    recorded: list[float] = []
    analysis_plain: list[float] = []
    analysis_recorded: list[float] = []
    for run in range(opts.overhead_runs + 1):  # run 0: untimed warm-up of each
        order = (False, True) if run % 2 == 0 else (True, False)
        for rec in order:
            row = check(repo, report, base, url=opts.database_url, project=opts.project, clock=None, fake=None, record=rec)
            if run == 0:
                continue
            (recorded if rec else plain).append(row["wall_seconds"])
            (analysis_recorded if rec else analysis_plain).append(row["duration_seconds"])
    parts = []  # in-process: what --record does after the analysis, timed apart from the noisy analysis
    for _ in range(opts.overhead_runs):
        proc = subprocess.run(
            [sys.executable, "-c", RECORD_PROBE, str(repo), str(report), opts.database_url or "", opts.project],
            cwd=repo, check=True, capture_output=True, text=True,
        )
        parts.append(json.loads(proc.stdout))
    med = statistics.median
    return {
        "runs": opts.overhead_runs,
        "without_record_wall": plain, "with_record_wall": recorded,
        "without_record_analysis": analysis_plain, "with_record_analysis": analysis_recorded,
        "median_without": round(med(plain), 3), "median_with": round(med(recorded), 3),
        "median_added": round(med(recorded) - med(plain), 3),
        "median_paired_added": round(med(r - p for r, p in zip(recorded, plain)), 3),
        "median_analysis_without": round(med(analysis_plain), 3), "median_analysis_with": round(med(analysis_recorded), 3),
        "in_process_import_median": round(med(p["import"] for p in parts), 3),
        "in_process_store_median": round(med(p["store"] for p in parts), 3),
        "in_process": parts,
    }


RECORD_PROBE = """
import json, sys, time
from datetime import datetime, timezone
from pathlib import Path
import qgate.cli.check  # what a check has imported anyway
from qgate.model import Report
root, report, url, project = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None, sys.argv[4]
started = time.perf_counter()
from qgate.history.record import record_analysis
imported = time.perf_counter()
data = Report.model_validate_json(report.read_text())
parsed = time.perf_counter()
record_analysis(data, root=root, url=url, project=project, env={}, pull_request=None, base="HEAD~1",
                started_at=datetime.now(timezone.utc), config_hash="overhead-probe")
done = time.perf_counter()
print(json.dumps({"import": imported - started, "store": done - parsed}))
"""
"""Times, in one process, the two costs of --record: importing the history modules (SQLAlchemy, Alembic) and
record_analysis (open the store, check its schema, write the analysis, advance the lifecycle: one transaction)."""


# ---------------------------------------------------------------------------------------------- screenshots


def screenshots(site: Path, out: Path, label: str, profile: Path) -> list[str]:
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("QGATE_CHROMIUM", "/usr/bin/chromium")
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(executable_path=os.environ.get("QGATE_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options
    )
    pages = [("index", site / "index.html")]
    pages += [("project", p) for p in sorted(site.rglob("*.html")) if p.name != "index.html" or p.parent != site][:1]
    written = []
    out.mkdir(parents=True, exist_ok=True)
    try:
        for name, page in pages:
            driver.set_window_size(1280, 900)
            driver.get(page.as_uri())
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(height, 6000) + 120)
            raw = profile / f"{name}.png"
            driver.save_screenshot(str(raw))
            target = out / f"history_{label}_{name}.png"
            Image.open(raw).convert("RGB").quantize(colors=256).save(target, optimize=True)
            written.append(str(target))
            log(f"screenshot {target} ({target.stat().st_size // 1024} KB) of {page}")
    finally:
        driver.quit()
    return written


# ---------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default="requests")
    parser.add_argument("--first", default="2.16.0")
    parser.add_argument("--last", default="2.32.3")
    parser.add_argument("--pr", default=DEFAULT_PRS, help="releases first analyzed as a pull request (comma-separated)")
    parser.add_argument("--project", help="project key (default: the package name)")
    parser.add_argument("--database-url", help="history store (default: the repository's .qgate/history.db)")
    parser.add_argument("--label", default="sqlite", help="name of this run's folder and screenshots")
    parser.add_argument("--work", type=Path, default=HERE / "work" / "history-replay")
    parser.add_argument("--overhead-runs", type=int, default=5)
    parser.add_argument("--real-clock", action="store_true", help="record with the real clock (no libfaketime)")
    parser.add_argument("--screenshots", type=Path, metavar="DIR", help="save PNGs of the dashboard into DIR")
    parser.add_argument("--overhead-only", action="store_true",
                        help="only step 5, on the repository and store of an earlier run with the same --label")
    opts = parser.parse_args()
    opts.project = opts.project or opts.package
    opts.work = opts.work.resolve()
    work = opts.work / opts.label
    if opts.overhead_only:
        summary: dict[str, Any] = json.loads((work / "summary.json").read_text())
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        fake = None if opts.real_clock else faketime_lib()
        started = time.perf_counter()
        summary = {"package": opts.package, "store": opts.database_url or "sqlite (.qgate/history.db)",
                   "clock": "real" if opts.real_clock else "libfaketime: release upload time (UTC)"}
        summary["analyses"] = replay(opts, work, fake)
        summary["replay_seconds"] = round(time.perf_counter() - started, 1)
        summary.update(history_outputs(opts, work))
        log(f"replay done in {summary['replay_seconds']}s; KPIs and dashboard in {work}")
    if opts.overhead_runs > 0:
        summary["overhead"] = overhead(opts, work)
        log(f"--record overhead: {json.dumps({k: v for k, v in summary['overhead'].items() if k.startswith(('median', 'in_process_'))})}")
    if opts.screenshots is not None:
        summary["screenshots"] = screenshots(work / "site", opts.screenshots.resolve(), opts.label, work / "chromium")
    (work / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    log(f"summary: {work / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
