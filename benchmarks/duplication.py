"""Benchmark copy-paste detection on a real codebase (every .py file of the Django 5.2.8 sdist by default).

Usage (from the repository root, in the venv where qgate is installed)::

    python benchmarks/duplication.py [--tree /tmp/django-src/django-5.2.8] [--min-tokens 100] [--min-lines 10]
                                     [--profile]

The sdist is fetched with pip into /tmp once when the tree is missing. Loading the files (decode + the tokenize
pass of SourceFile) is timed apart from detection: the pipeline pays for loading anyway. This is a benchmark
script, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from qgate.metrics.duplication import (
    DuplicationSettings,
    duplication_measures,
    find_duplications,
    tokenize_for_cpd,
)
from qgate.source import SourceDecodeError, load_source

DEFAULT_TREE = Path("/tmp/django-src/django-5.2.8")


def fetch_django(tree: Path, version: str = "5.2.8") -> Path:
    if tree.is_dir():
        return tree
    work = tree.parent
    work.mkdir(parents=True, exist_ok=True)
    sdist = work / f"django-{version}.tar.gz"
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", f"django=={version}", "-d", str(work)],
            check=True,
        )
    with tarfile.open(sdist) as archive:
        archive.extractall(work, filter="data")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--min-tokens", type=int, default=100)
    parser.add_argument("--min-lines", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive functions of detection")
    args = parser.parse_args()

    tree = fetch_django(args.tree)
    start = time.perf_counter()
    sources = []
    for path in sorted(tree.rglob("*.py")):
        try:
            sources.append(load_source(path.relative_to(tree).as_posix(), path))
        except (OSError, SourceDecodeError):
            continue
    load_seconds = time.perf_counter() - start
    load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    settings = DuplicationSettings(min_tokens=args.min_tokens, min_lines=args.min_lines)
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = find_duplications(sources, settings)
    measures = duplication_measures(result, sources, None)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start

    tokens = sum(len(tokenize_for_cpd(s)) for s in sources)
    occurrences = sum(len(b.occurrences) for b in result.blocks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tree:                     {tree}")
    print(f"files:                    {len(sources)} ({sum(1 for s in sources if s.tokenize_error)} untokenizable)")
    print(f"lines:                    {sum(s.loc for s in sources)}")
    print(f"tokens:                   {tokens}")
    print(f"blocks:                   {len(result.blocks)} ({occurrences} occurrences)")
    for key, value in measures.items():
        print(f"{key + ':':<26}{value}")
    print(f"load seconds:             {load_seconds:.2f} (decode + tokenize pass of SourceFile, not detection)")
    print(f"detection seconds:        {seconds:.2f} (find_duplications + duplication_measures)")
    print(f"peak RSS MiB:             {peak:.0f} ({load_rss:.0f} after loading the sources)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
