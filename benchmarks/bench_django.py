"""Benchmark qgate against the scanners it wraps, on a fixed real codebase (the Django sdist from PyPI).

Usage (from the repository root, in the venv where qgate is installed)::

    python benchmarks/bench_django.py [--version 5.2.8] [--work benchmarks/work] [--only qgate,bandit]

It downloads the sdist with pip (once), extracts it, turns it into a git repository, and measures wall time
and peak memory (max RSS of the process tree, from getrusage of the children) of each command on the same
tree, printing a markdown table. This is a benchmark script, not a test.
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
    out = subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True, check=True)
    wall, rss_kib, code = out.stdout.split()
    return float(wall), int(rss_kib) / 1024, int(code)


def python_files(tree: Path) -> list[str]:
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="5.2.8")
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    parser.add_argument("--only", default="", help="comma-separated subset of the rows to run")
    args = parser.parse_args()
    tree = fetch_django(args.version, args.work.resolve())
    files = python_files(tree)
    lines = sum(len((tree / f).read_bytes().splitlines()) for f in files)
    semgrep_pack = Path(__file__).resolve().parents[1] / "rules" / "semgrep"
    qgate = [str(BIN / "qgate")]
    rows = {
        "qgate check --all-files --format json": [*qgate, "check", "--all-files", "--format", "json", "."],
        "bandit -r (json)": [str(BIN / "bandit"), "-r", "-q", "-f", "json", "."],
        "radon cc + mi + raw (json)": ["sh", "-c", f"{BIN / 'radon'} cc -j . && {BIN / 'radon'} mi -j . && {BIN / 'radon'} raw -j ."],
        "semgrep (qgate pack)": [
            str(BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json", "--config", str(semgrep_pack), ".",
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
