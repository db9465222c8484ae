"""How well does qgate's "new code" agree with an independent count, on a real release-to-release change?

Usage::

    python benchmarks/newcode_agreement.py [--package requests --old 2.31.0 --new 2.32.3] [--workdir DIR] [--show N]

1. ``pip download --no-deps --no-binary :all:`` both sdists and build a two-commit git repository:
   ``main`` = the old sdist's tree, branch ``feature`` = the new sdist's tree.
2. qgate's answer: ``qgate check --base main --all-files --format json`` at ``feature`` (cst, radon, bandit
   and semgrep, through an explicit config file outside the repository).
3. The independent answer, without git's diff and without qgate's new-code code: the raw issues of each tree
   (``qgate check --all-files`` at each commit, flags ignored); each new-tree file is paired with its old
   counterpart (same path, else the most similar old file of the same name that vanished: a rename), the two
   are aligned with :class:`difflib.SequenceMatcher` on whitespace-stripped lines (``git diff -w``'s notion of
   "equal"), and an issue is new when one of its lines [line, end_line] has no equal old line in the alignment.
   A second, issue-based count is printed for information: a new-tree issue is old when an old-tree issue of
   the same rule, counterpart path and whitespace-stripped line text is left to match it (multiset).
4. A per-rule table (issues, new by qgate, new by the line count, new by the issue count) and every
   disagreement between qgate and the line count, with both alignments' view of the line.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Optional

CONFIG = '[analyzers]\nenabled = ["cst", "radon", "bandit", "semgrep"]\n'
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}
RENAME_SIMILARITY = 0.5  # git's default -M threshold


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "QGATE_")) and k != "CI"}
    env.update(GIT_ENV)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def git(repo: Path, *args: str) -> str:
    return run(["git", *args], repo).stdout


# ---------------------------------------------------------------------------------------------- building the repo


def sdist_tree(package: str, version: str, work: Path) -> Path:
    dest = work / f"{package}-{version}"
    if dest.is_dir():
        return dest
    downloads = work / "downloads"
    run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         f"{package}=={version}", "-d", str(downloads)], work)
    archive = next(p for p in downloads.iterdir() if p.name.lower().startswith(f"{package.lower()}-{version}")
                   and p.name.endswith((".tar.gz", ".zip")))
    unpack = work / f"unpack-{version}"
    shutil.unpack_archive(archive, unpack)
    (top,) = list(unpack.iterdir())  # an sdist holds one top-level folder
    top.rename(dest)
    shutil.rmtree(unpack)
    return dest


def build_repo(old: Path, new: Path, repo: Path) -> None:
    shutil.copytree(old, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", f"old: {old.name}")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", "-r", ".")
    shutil.copytree(new, repo, dirs_exist_ok=True)
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", f"new: {new.name}")


def qgate(repo: Path, config: Path, *args: str) -> dict:
    proc = run([sys.executable, "-m", "qgate", "check", "--format", "json", "--all-files", "--config", str(config), *args],
               repo, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"qgate exited {proc.returncode}: {proc.stderr.strip()}")
    report = json.loads(proc.stdout)
    fatal = [e for e in report["errors"] if e["fatal"]]
    if fatal:
        sys.exit(f"analyzer failed: {fatal}")
    return report


# ---------------------------------------------------------------------------------------------- independent count


def norm(line: str) -> str:
    return "".join(line.split())


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()


def counterparts(old_root: Path, new_root: Path, paths: set[str]) -> dict[str, Optional[str]]:
    """New path -> old path: the same path, else the most similar vanished old file with the same name."""
    old_files = {p.relative_to(old_root).as_posix() for p in old_root.rglob("*.py") if p.is_file()}
    new_files = {p.relative_to(new_root).as_posix() for p in new_root.rglob("*.py") if p.is_file()}
    vanished = old_files - new_files
    result: dict[str, Optional[str]] = {}
    for path in sorted(paths):
        if path in old_files:
            result[path] = path
            continue
        name = path.rsplit("/", 1)[-1]
        best, score = None, RENAME_SIMILARITY
        new_lines = [norm(x) for x in read_lines(new_root / path)]
        for candidate in sorted(vanished):
            if candidate.rsplit("/", 1)[-1] != name:
                continue
            ratio = difflib.SequenceMatcher(None, [norm(x) for x in read_lines(old_root / candidate)], new_lines,
                                            autojunk=False).ratio()
            if ratio >= score:
                best, score = candidate, ratio
        result[path] = best
    return result


def unchanged_lines(old_file: Optional[Path], new_file: Path) -> set[int]:
    """1-based lines of new_file that difflib aligns with an equal (whitespace-insensitive) old line."""
    if old_file is None:
        return set()
    a = [norm(x) for x in read_lines(old_file)]
    b = [norm(x) for x in read_lines(new_file)]
    same: set[int] = set()
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        same.update(range(block.b + 1, block.b + block.size + 1))
    return same


def key(issue: dict) -> tuple:
    return (issue["path"], issue["line"], issue["column"], issue["rule"], issue["end_line"], issue["message"])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="requests")
    parser.add_argument("--old", default="2.31.0")
    parser.add_argument("--new", default="2.32.3")
    parser.add_argument("--workdir", type=Path, help="keep downloads and the repository here (default: a temp dir)")
    parser.add_argument("--show", type=int, default=40, help="disagreements to list (default 40)")
    args = parser.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="qgate-agreement-"))
    work.mkdir(parents=True, exist_ok=True)
    old_tree = sdist_tree(args.package, args.old, work)
    new_tree = sdist_tree(args.package, args.new, work)
    repo = work / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    build_repo(old_tree, new_tree, repo)
    config = work / "qgate.toml"
    config.write_text(CONFIG)

    judged = qgate(repo, config, "--base", "main")
    new_raw = qgate(repo, config)
    git(repo, "checkout", "-q", "main")
    old_raw = qgate(repo, config)
    git(repo, "checkout", "-q", "feature")

    issues = sorted(judged["issues"], key=key)
    assert sorted(map(key, new_raw["issues"])) == [key(i) for i in issues], "the two runs at the new commit differ"
    paths = {i["path"] for i in issues}
    pairs = counterparts(old_tree, new_tree, {f["path"] for f in judged["files"]})
    same = {p: unchanged_lines(old_tree / pairs[p] if pairs.get(p) else None, new_tree / p) for p in paths}

    by_line = {key(i): any(n not in same[i["path"]] for n in range(i["line"], i["end_line"] + 1)) for i in issues}
    old_pool = collections.Counter()
    old_text: dict[str, list[str]] = {}
    for i in old_raw["issues"]:
        lines = old_text.setdefault(i["path"], read_lines(old_tree / i["path"]))
        old_pool[(i["rule"], i["path"], norm(lines[i["line"] - 1]) if i["line"] <= len(lines) else "")] += 1
    by_issue: dict[tuple, bool] = {}
    for i in sorted(issues, key=lambda i: (i["path"], i["line"])):
        lines = read_lines(new_tree / i["path"])
        k = (i["rule"], pairs.get(i["path"]) or "", norm(lines[i["line"] - 1]))
        by_issue[key(i)] = old_pool[k] == 0
        if old_pool[k]:
            old_pool[k] -= 1

    files_changed = sum(1 for p in pairs if pairs[p] is None or read_lines(old_tree / pairs[p]) != read_lines(new_tree / p))
    print(f"{args.package} {args.old} -> {args.new}: {len(judged['files'])} Python files analyzed, "
          f"{files_changed} added or changed; qgate new lines {judged['metrics']['new_code']['new_lines']}, "
          f"merge base {judged['new_code']['merge_base'][:12]}")
    renamed = {p: o for p, o in pairs.items() if o and o != p}
    print(f"renames found by the script: {len(renamed)}; issues: {len(issues)} at the new commit, "
          f"{len(old_raw['issues'])} at the old one")
    rows = collections.defaultdict(lambda: [0, 0, 0, 0])
    for i in issues:
        row = rows[i["rule"]]
        row[0] += 1
        row[1] += i["new"]
        row[2] += by_line[key(i)]
        row[3] += by_issue[key(i)]
    print(f"\n{'rule':<8}{'issues':>8}{'qgate':>8}{'lines':>8}{'tracking':>10}")
    for rule in sorted(rows):
        print(f"{rule:<8}" + "".join(f"{v:>8}" for v in rows[rule][:3]) + f"{rows[rule][3]:>10}")
    totals = [sum(r[n] for r in rows.values()) for n in range(4)]
    print(f"{'total':<8}" + "".join(f"{v:>8}" for v in totals[:3]) + f"{totals[3]:>10}")

    disagree = [i for i in issues if i["new"] != by_line[key(i)]]
    agreement = 100.0 * (len(issues) - len(disagree)) / len(issues) if issues else 100.0
    print(f"\nagreement qgate vs line count: {len(issues) - len(disagree)}/{len(issues)} = {agreement:.2f}%; "
          f"qgate-only new {sum(1 for i in disagree if i['new'])}, line-count-only new "
          f"{sum(1 for i in disagree if not i['new'])}")
    tracking_diff = sum(1 for i in issues if i["new"] != by_issue[key(i)])
    print(f"(issue-tracking count differs from qgate on {tracking_diff} issue(s): line-based vs issue-based)")
    for i in disagree[: args.show]:
        text = read_lines(new_tree / i["path"])[i["line"] - 1].strip()
        print(f"  {i['rule']:<6} {i['path']}:{i['line']}-{i['end_line']} qgate new={i['new']} "
              f"(old counterpart {pairs.get(i['path'])}): {text[:70]}")
    if tracking_diff:
        print("issue-tracking vs qgate:")
        for i in [i for i in issues if i["new"] != by_issue[key(i)]][: args.show]:
            text = read_lines(new_tree / i["path"])[i["line"] - 1].strip()
            print(f"  {i['rule']:<6} {i['path']}:{i['line']} qgate new={i['new']}: {text[:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
