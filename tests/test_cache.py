"""The per-file result cache: keyed by analyzer token, path and content; a warm run starts no scanner."""

import json

from qgate.analyzers.base import Analyzer, AnalyzerContext, AnalyzerOutput
from qgate.cache import AnalyzerCache, split_by_file
from qgate.model import AnalysisError, Issue, IssueType, Severity
from qgate.pipeline import run_analyzers
from qgate.source import source_from_text
from support import git, make_repo, run_qgate


def issue(path, line):
    return Issue(rule="R1", tool="t", type=IssueType.BUG, severity=Severity.MAJOR, message="m", path=path,
                 line=line, end_line=line, column=1, end_column=2, effort_minutes=1)


def test_round_trip_and_key_sensitivity(tmp_path):
    a = source_from_text("a.py", "x = 1\n")
    cache = AnalyzerCache(tmp_path, "t", "token-1")
    output = AnalyzerOutput(issues=(issue("a.py", 1),))
    cache.put(a, output)
    cache.save()
    again = AnalyzerCache(tmp_path, "t", "token-1")
    assert again.get(a) == output
    assert again.get(source_from_text("a.py", "x = 2\n")) is None  # content changed
    assert again.get(source_from_text("b.py", "x = 1\n")) is None  # same content, other path
    assert AnalyzerCache(tmp_path, "t", "token-2").get(a) is None  # options or versions changed
    assert (tmp_path / ".gitignore").read_text().endswith("*\n")


def test_corrupt_cache_file_is_ignored(tmp_path):
    cache = AnalyzerCache(tmp_path, "t", "tok")
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text("{not json")
    assert AnalyzerCache(tmp_path, "t", "tok").get(source_from_text("a.py", "")) is None


def test_split_by_file_gives_every_file_an_entry():
    sources = [source_from_text("a.py", ""), source_from_text("b.py", "")]
    output = AnalyzerOutput(issues=(issue("b.py", 3),), errors=(AnalysisError(analyzer="t", path="a.py", message="x"),))
    split = split_by_file(output, sources)
    assert split["a.py"].issues == () and len(split["a.py"].errors) == 1
    assert split["b.py"].issues == (issue("b.py", 3),)


class CountingScanner(Analyzer):
    """A real batch analyzer that counts its runs and the files it was given."""

    name = "counting"
    runs: list[list[str]] = []

    def rules(self):
        return ()

    def analyze(self, files):
        CountingScanner.runs.append([f.path for f in files])
        return AnalyzerOutput(issues=tuple(issue(f.path, 1) for f in files))


def test_warm_run_starts_no_scanner_and_a_changed_file_is_the_only_one_rescanned(tmp_path):
    CountingScanner.runs = []
    scanner = CountingScanner(AnalyzerContext(root=tmp_path))
    sources = [source_from_text("a.py", "x = 1\n"), source_from_text("b.py", "y = 2\n")]
    cold = run_analyzers([scanner], sources, cache_dir=tmp_path / "cache")
    warm = run_analyzers([scanner], sources, cache_dir=tmp_path / "cache")
    assert CountingScanner.runs == [["a.py", "b.py"]]
    assert sorted(warm["counting"].issues, key=Issue.sort_key) == sorted(cold["counting"].issues, key=Issue.sort_key)
    run_analyzers([scanner], [sources[0], source_from_text("b.py", "y = 3\n")], cache_dir=tmp_path / "cache")
    assert CountingScanner.runs == [["a.py", "b.py"], ["b.py"]]


def test_warm_cli_run_gives_the_same_report(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "a.py").write_text("import subprocess\n\ndef f(x=[]):\n    subprocess.call(x, shell=True)\n")
    (repo / "qgate.toml").write_text('[analyzers]\nenabled = ["cst", "radon", "bandit"]\n')
    args = ("check", "--format", "json", "--config-from-head")
    cold = run_qgate(*args, cwd=repo)
    warm = run_qgate(*args, cwd=repo)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "duration_seconds"}  # noqa: E731
    assert strip(warm.stdout) == strip(cold.stdout)
    assert {i["rule"] for i in json.loads(warm.stdout)["issues"]} >= {"QG103", "B602"}
    cached = sorted(p.name.split("-")[0] for p in (repo / ".qgate" / "cache" / "v1").iterdir())
    assert [name for name in cached if not name.endswith(".json")] == ["bandit", "cst", "radon"]
    uncached = run_qgate(*args, "--no-cache", cwd=repo)
    assert strip(uncached.stdout) == strip(cold.stdout)


def test_cache_tokens_are_the_same_in_every_process(tmp_path):
    """Set iteration order changes with PYTHONHASHSEED: a token built from a set would never hit the cache."""
    import os
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["requests", "attrs", "click"]\n')
    (tmp_path / "pkg_a").mkdir()
    (tmp_path / "pkg_a" / "__init__.py").write_text("")
    (tmp_path / "mod_b.py").write_text("")
    code = (
        "import hashlib, sys\nfrom pathlib import Path\nfrom qgate.config import Settings\n"
        "from qgate.pipeline import build_analyzers\n"
        "print([hashlib.sha256(a.cache_token().encode()).hexdigest() for a in build_analyzers(Settings(), Path(sys.argv[1]), 'x')])"
    )
    tokens = {
        subprocess.run([sys.executable, "-c", code, str(tmp_path)], env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2", "3")
    }
    assert len(tokens) == 1
