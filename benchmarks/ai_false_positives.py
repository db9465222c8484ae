"""False-positive check of the ``ai`` rule pack on a large real code base (Django by default).

Usage::

    python benchmarks/ai_false_positives.py /tmp/django-src/django-5.2.8 [--sample 20] [--seed 7] [--json out.json]

Runs the cst ``ai`` rules (QGA101-QGA109) with the project index of the tree, the semgrep ``ai`` rules
(QGSA1xx, one semgrep run) and the near-duplicate functions (QGA110) over every ``*.py`` file, then
prints a markdown table of findings per rule and per 1,000 lines of code (ncloc), separately for
library code and test code (``tests/``), and a reproducible random sample of findings (with their
source line) to judge by hand. The judged results live in ``benchmarks/results/ai_false_positives.md``.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

from qgate.ai import near_duplicate_functions
from qgate.analyzers.base import AnalyzerContext, RuleSelection
from qgate.analyzers.cst import CstAnalyzer
from qgate.analyzers.cst.rules._ai import is_test_path
from qgate.analyzers.semgrep import SemgrepAnalyzer, builtin_pack_dir
from qgate.model import Issue
from qgate.source import SourceDecodeError, load_source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write every finding here")
    parser.add_argument("--no-semgrep", action="store_true")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    sources = []
    for path in sorted(p for p in root.rglob("*.py") if p.is_file()):
        try:
            sources.append(load_source(path.relative_to(root).as_posix(), path))
        except (OSError, SourceDecodeError) as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
    by_path = {s.path: s for s in sources}
    ncloc = {"library": sum(s.ncloc for s in sources if not is_test_path(s.path))}
    ncloc["tests"] = sum(s.ncloc for s in sources) - ncloc["library"]

    timings = {}
    t0 = time.perf_counter()
    cst = CstAnalyzer(AnalyzerContext(root=root, selection=RuleSelection(select=("QGA",))))
    output = cst.analyze(sources)
    timings["cst ai rules (incl. project index)"] = time.perf_counter() - t0
    issues: list[Issue] = list(output.issues)
    if output.errors:
        print(f"{len(output.errors)} cst errors, first: {output.errors[0]}", file=sys.stderr)

    t0 = time.perf_counter()
    issues += near_duplicate_functions(sources)
    timings["near-duplicate functions"] = time.perf_counter() - t0

    if not args.no_semgrep:
        t0 = time.perf_counter()
        semgrep = SemgrepAnalyzer(
            AnalyzerContext(
                root=root,
                options={"builtin_pack": False, "rules": [str(builtin_pack_dir() / "ai")]},
                selection=RuleSelection(select=("QGSA",)),
                timeout_seconds=3600,
            )
        )
        result = semgrep.analyze(sources)
        timings["semgrep ai rules"] = time.perf_counter() - t0
        issues += list(result.issues)
        fatal = [e for e in result.errors if e.fatal]
        if fatal:
            print(f"semgrep failed: {fatal[0].message}", file=sys.stderr)

    issues.sort(key=Issue.sort_key)
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for issue in issues:
        counts[issue.rule]["tests" if is_test_path(issue.path) else "library"] += 1

    print(f"Tree: {root}  files: {len(sources)}  ncloc: library {ncloc['library']}, tests {ncloc['tests']}\n")
    print("| rule | library | per 1k ncloc | tests | per 1k ncloc |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for rule in sorted(counts):
        lib, test = counts[rule]["library"], counts[rule]["tests"]
        print(f"| {rule} | {lib} | {_per_k(lib, ncloc['library'])} | {test} | {_per_k(test, ncloc['tests'])} |")
    lib_total = sum(c["library"] for c in counts.values())
    test_total = sum(c["tests"] for c in counts.values())
    print(
        f"| all | {lib_total} | {_per_k(lib_total, ncloc['library'])} | {test_total} | {_per_k(test_total, ncloc['tests'])} |"
    )
    print()
    for name, seconds in timings.items():
        print(f"- {name}: {seconds:.1f} s")

    rng = random.Random(args.seed)
    sample = rng.sample(issues, min(args.sample, len(issues)))
    print(f"\nSample of {len(sample)} (seed {args.seed}):\n")
    for issue in sorted(sample, key=Issue.sort_key):
        line = by_path[issue.path].line(issue.line).strip() if issue.path in by_path else ""
        print(f"- {issue.rule} {issue.path}:{issue.line}:{issue.column} `{line[:110]}` - {issue.message[:140]}")
    if args.json:
        args.json.write_text(json.dumps([i.model_dump(mode="json") for i in issues], indent=1))
    return 0


def _per_k(count: int, lines: int) -> str:
    return f"{1000 * count / lines:.2f}" if lines else "-"


if __name__ == "__main__":
    raise SystemExit(main())
