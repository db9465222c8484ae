"""Benchmark qgate against the scanners it wraps, on a fixed real codebase (the Django sdist from PyPI).

Usage (from the repository root, in the venv where qgate is installed)::

    python benchmarks/bench_django.py [--version 5.2.8] [--work benchmarks/work] [--only cold,bandit]

It downloads the sdist with pip (once), extracts it, turns it into a git repository, and measures wall time
and peak memory (max RSS of the process tree, from getrusage of the children) of each command on the same
tree, printing a markdown table:

* ``qgate cold``: ``qgate check --all-files --format json`` with an empty cache;
* ``qgate warm``: the same again, every result from the cache (target: under 5 % of cold);
* ``qgate 10-file PR``: a branch that edits 10 files, ``qgate check --base main``, with the cache the main
  branch's run left (as CI keeps ``.qgate/cache`` between runs) and with an empty cache (target: under 3x
  semgrep's own start-up time, ``semgrep start``: semgrep scanning one empty file with qgate's pack);
* bandit, radon and semgrep alone on the whole tree, as their users run them.

Targets: cold no slower than bandit + radon + semgrep one after the other; peak memory under 1 GiB.
This is a benchmark script, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def fetch_django(version: str, work: Path) -> Path:
    tree = work / f"django-{version}"
    if tree.is_dir():
        return tree
    work.mkdir(parents=True, exist_ok=True)
    sdist = work / f"django-{version}.tar.gz"
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", f"django=={version}", "-d", str(work)],
            check=True,
        )
    with tarfile.open(sdist) as archive:
        archive.extractall(work, filter="data")
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "django"]):
        subprocess.run(["git", *args], cwd=tree, env=env, check=True)
    return tree


def measure(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB of the command's process tree, and its exit code (run in a fresh child)."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "wall = time.perf_counter() - t\n"
        "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
    )
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}  # offline, as qgate runs it
    out = subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    wall, rss_kib, code = out.stdout.split()
    return float(wall), int(rss_kib) / 1024, int(code)


def make_pr_branch(tree: Path, count: int = 10) -> None:
    """Branch ``pr`` from main with ``count`` files edited: a new function appended to each."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@b"}
    subprocess.run(["git", "checkout", "-q", "-B", "pr", "main"], cwd=tree, env=env, check=True)
    targets = [f for f in python_files(tree) if f.startswith("django/") and (tree / f).stat().st_size > 2000][:count]
    for n, rel in enumerate(targets):
        with (tree / rel).open("a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef _bench_added_{n}(items=[]):\n    try:\n        return items[0]\n    except:\n        pass\n")
    subprocess.run(["git", "commit", "-q", "-am", "pr"], cwd=tree, env=env, check=True)


def python_files(tree: Path) -> list[str]:
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="5.2.8")
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    parser.add_argument("--only", default="", help="comma-separated subset of the rows to run")
    args = parser.parse_args()
    tree = fetch_django(args.version, args.work.resolve())
    make_pr_branch(tree)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=tree, check=True)
    files = python_files(tree)
    lines = sum(len((tree / f).read_bytes().splitlines()) for f in files)
    semgrep_pack = Path(__file__).resolve().parents[1] / "rules" / "semgrep"
    qgate = [str(BIN / "qgate")]
    clear = ["sh", "-c", "rm -rf .qgate/cache"]
    check = [*qgate, "check", "--all-files", "--format", "json", "."]
    rows = {
        "qgate cold: check --all-files --format json": ["sh", "-c", " ".join([*clear[2:], "&&", *check])],
        "qgate warm: the same, cached": check,
        "qgate 10-file PR, cache from main: check --base main --format json": ["sh", "-c", f"git checkout -q pr && {qgate[0]} check --base main --format json; code=$?; git checkout -q main; exit $code"],
        "qgate 10-file PR, empty cache": ["sh", "-c", f"rm -rf .qgate/cache && git checkout -q pr && {qgate[0]} check --base main --format json; code=$?; git checkout -q main; exit $code"],
        "semgrep start: one empty file": [
            "sh", "-c", f"printf '' > /tmp/qgate-bench-empty.py && {BIN / 'semgrep'} scan --metrics=off --disable-version-check "
            f"--json --config {semgrep_pack} /tmp/qgate-bench-empty.py",
        ],
        "bandit -r (json)": [str(BIN / "bandit"), "-r", "-q", "-f", "json", "."],
        "radon cc + mi + raw (json)": ["sh", "-c", f"{BIN / 'radon'} cc -j . && {BIN / 'radon'} mi -j . && {BIN / 'radon'} raw -j ."],
        "semgrep (qgate pack)": [
            str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json", "--config", str(semgrep_pack),
            "--exclude", "benchmarks", ".",
        ],
    }
    wanted = {name for name in args.only.split(",") if name}
    print(f"Django {args.version}: {len(files)} Python files, {lines} lines; {os.cpu_count()} cores\n")
    print("| command | wall (s) | peak RSS (MiB) | exit |")
    print("| --- | ---: | ---: | ---: |")
    for name, command in rows.items():
        if wanted and not any(w in name for w in wanted):
            continue
        if shutil.which(command[0]) is None and not Path(command[0]).exists():
            print(f"| {name} | missing | | |")
            continue
        wall, rss, code = measure(command, tree)
        print(f"| {name} | {wall:.1f} | {rss:.0f} | {code} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
