"""Time the cst analyzer over a source tree, serially, in one process.

Usage::

    python benchmarks/cst_rules.py /tmp/django-src/django-5.2.8 [--compare-positions] [--parse-only]

Reports files, lines, seconds for loading, for parse + one batched traversal of all rules (no
positions), and for position resolution of the files that have reports; findings per rule; and with
``--compare-positions`` what libcst's own position providers would cost on the same files.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import libcst
from libcst.metadata import ByteSpanPositionProvider, MetadataWrapper, PositionProvider

from qgate.analyzers.base import AnalyzerContext
from qgate.analyzers.cst import CstAnalyzer
from qgate.analyzers.cst.engine import node_spans, resolve, run_rules
from qgate.source import SourceDecodeError, load_source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--compare-positions", action="store_true", help="also time libcst's position providers")
    parser.add_argument("--parse-only", action="store_true", help="also time a pass of libcst.parse_module alone")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    paths = sorted(p for p in root.rglob("*.py") if p.is_file())
    t0 = time.perf_counter()
    sources = []
    for path in paths:
        try:
            sources.append(load_source(path.relative_to(root).as_posix(), path))
        except (OSError, SourceDecodeError) as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
    load_seconds = time.perf_counter() - t0
    lines = sum(s.loc for s in sources)
    ncloc = sum(s.ncloc for s in sources)

    analyzer = CstAnalyzer(AnalyzerContext(root=root))
    specs = analyzer.specs

    parse_seconds = parse_cpu = None
    if args.parse_only:
        t0, c0 = time.perf_counter(), time.process_time()
        for source in sources:
            try:
                libcst.parse_module(source.text)
            except Exception:
                pass
        parse_seconds, parse_cpu = time.perf_counter() - t0, time.process_time() - c0

    rules_seconds = positions_seconds = rules_cpu = positions_cpu = 0.0
    providers = {"qgate offsets": 0.0, "ByteSpanPositionProvider": 0.0, "PositionProvider": 0.0}
    per_rule: collections.Counter[str] = collections.Counter()
    errors = []
    files_with_reports = 0
    for source in sources:
        t0, c0 = time.perf_counter(), time.process_time()
        raw = run_rules(source.text, source.path, specs)
        t1, c1 = time.perf_counter(), time.process_time()
        issues, file_errors = resolve(raw, analyzer.severities)
        t2, c2 = time.perf_counter(), time.process_time()
        rules_seconds += t1 - t0
        positions_seconds += t2 - t1
        rules_cpu += c1 - c0
        positions_cpu += c2 - c1
        per_rule.update(i.rule for i in issues)
        errors.extend(file_errors)
        if raw.reports and raw.module is not None:
            files_with_reports += 1
            if args.compare_positions:
                for label in providers:
                    t0 = time.perf_counter()
                    if label == "qgate offsets":
                        node_spans(raw.module)
                    else:
                        provider = ByteSpanPositionProvider if label.startswith("ByteSpan") else PositionProvider
                        MetadataWrapper(raw.module, unsafe_skip_copy=True).resolve(provider)
                    providers[label] += time.perf_counter() - t0

    total = rules_seconds + positions_seconds
    print(f"root: {root}")
    print(f"files: {len(sources)}  lines: {lines}  ncloc: {ncloc}  rules: {len(specs)}")
    print(f"load+tokenize (SourceFile): {load_seconds:.2f} s")
    if parse_seconds is not None:
        print(f"libcst.parse_module alone:  {parse_seconds:.2f} s wall, {parse_cpu:.2f} s CPU")
    print(f"parse + batched traversal (no positions): {rules_seconds:.2f} s wall, {rules_cpu:.2f} s CPU")
    print(
        f"position resolution ({files_with_reports} files with reports): "
        f"{positions_seconds:.2f} s wall, {positions_cpu:.2f} s CPU"
    )
    print(f"cst analyzer total: {total:.2f} s wall ({lines / total:,.0f} lines/s), {rules_cpu + positions_cpu:.2f} s CPU")
    if args.compare_positions:
        for label, seconds in providers.items():
            print(f"  positions via {label}: {seconds:.2f} s")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error.path}:{error.line}: {error.message}")
    print(f"findings: {sum(per_rule.values())}")
    names = {rule.id: rule.name for rule, _ in specs}
    for rule_id in sorted(names):
        print(f"  {rule_id} {names[rule_id]:<26} {per_rule.get(rule_id, 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
