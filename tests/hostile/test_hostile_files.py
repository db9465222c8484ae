"""Hostile files, end to end: one ``qgate check --base main`` with every analyzer over a working tree full of
them (syntax errors, Python 2, invalid UTF-8, a BOM, CRLF, NUL bytes, a 20 MB file, an empty file, looping and
escaping symbolic links, names with spaces, unicode and leading dashes). One shared run: semgrep costs seconds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostile.helpers import EVERY_ANALYZER, FAST, every_analyzer_issues, located
from support import git, make_repo, run_qgate

DASHED = ("-rf.py", "--help.py", "--config=x.py")
ODD_NAMES = ("with space.py", "ünïcode_名.py", *DASHED)
BIG = 20 * 1024 * 1024


@pytest.fixture(scope="session")
def hostile_repo(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile-files")
    repo = make_repo(base / "repo", commit=False)
    (repo / "README.txt").write_text("main\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main")
    files = {
        "syntax.py": b"def f(:\n    pass\n",
        "py2.py": b'print "hello"\nexec "x = 1"\n',
        "latin.py": b'x = "caf\xe9"\n',  # invalid UTF-8, no coding cookie
        "bom.py": b"\xef\xbb\xbf" + EVERY_ANALYZER.encode(),
        "crlf.py": EVERY_ANALYZER.replace("\n", "\r\n").encode(),
        "nul.py": b"x = 1\x00\ny = 2\n",
        "empty.py": b"",
    }
    for name in ODD_NAMES:
        files[name] = EVERY_ANALYZER.encode()
    for name, data in files.items():
        (repo / name).write_bytes(data)
    with open(repo / "big.py", "w", encoding="ascii") as handle:  # 20 MB of valid Python
        line = "value = [" + ", ".join(str(n) for n in range(200)) + "]\n"
        handle.write(line * (BIG // len(line) + 1))
    os.symlink("loop_b.py", repo / "loop_a.py")
    os.symlink("loop_a.py", repo / "loop_b.py")
    outside = base / "secret.py"
    outside.write_text('import subprocess\nsubprocess.call("rm -rf /", shell=True)\n')
    os.symlink(outside, repo / "escape.py")
    os.symlink("bom.py", repo / "inside_link.py")
    return repo


@pytest.fixture(scope="session")
def run(hostile_repo):
    result = run_qgate("check", "--base", "main", "--format", "json", "--report", "text=report.txt", cwd=hostile_repo)
    return result, json.loads(result.stdout), (hostile_repo / "report.txt").read_text(encoding="utf-8")


def errors_by_path(report: dict) -> dict[str, dict]:
    return {e["path"]: e for e in report["errors"]}


def test_the_run_completes_with_the_gate_failed_on_the_new_issues(run):
    result, report, _ = run
    assert result.code == 1, result.stderr
    assert report["gate"]["status"] == "failed"
    assert not [e for e in report["errors"] if e["fatal"]]
    assert "Traceback" not in result.stderr


def test_syntax_error_and_python2_are_one_non_fatal_error_each(run):
    _, report, text = run
    errors = errors_by_path(report)
    assert (errors["syntax.py"]["analyzer"], errors["syntax.py"]["fatal"]) == ("cst", False)
    assert errors["syntax.py"]["message"].startswith("syntax error: ")
    assert errors["py2.py"]["message"].startswith("syntax error: ")
    # every analyzer tripped on them: still one entry per file, naming the others
    assert errors["py2.py"]["message"].endswith("(also reported by bandit, radon)")
    assert "syntax.py" in text and "syntax error" in text


def test_invalid_utf8_is_a_decode_error(run):
    _, report, _ = run
    error = errors_by_path(report)["latin.py"]
    assert (error["analyzer"], error["fatal"]) == ("qgate", False)
    assert error["message"] == (
        "cannot decode: not valid utf-8 and no usable coding declaration (invalid or missing encoding declaration)"
    )


def test_nul_bytes_are_a_decode_error_not_a_silent_skip(run):
    """git sees the file as binary (no added lines): it used to be left out of the analysis without a word."""
    _, report, _ = run
    assert errors_by_path(report)["nul.py"]["message"] == "cannot decode: source contains NUL bytes (binary file?)"


def test_bom_and_crlf_files_get_every_analyzers_issues_at_exact_positions(run):
    _, report, _ = run
    found = located(report)
    assert every_analyzer_issues("bom.py") <= found
    assert every_analyzer_issues("crlf.py") <= found
    sizes = {f["path"]: (f["measures"]["lines"], f["ncloc"]) for f in report["files"]}
    assert sizes["bom.py"] == sizes["crlf.py"] == (7, 5)


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_file_names_reach_every_analyzer_as_files_never_as_options(run, name):
    _, report, _ = run
    assert every_analyzer_issues(name) <= located(report)
    assert name not in errors_by_path(report)


def test_20_mb_file_is_skipped_with_the_size_reason_and_never_given_to_a_scanner(run):
    result, report, text = run
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    size = os.path.getsize(Path(report["root"]) / "big.py")
    assert size >= BIG
    assert skipped["big.py"] == f"file size {size} bytes exceeds max_file_size_kb=2048"
    assert "big.py" not in {f["path"] for f in report["files"]}
    assert not [i for i in report["issues"] if i["path"] == "big.py"]
    assert "big.py" not in errors_by_path(report)


def test_symbolic_links_are_never_followed_out_and_loops_are_skipped(run):
    _, report, _ = run
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["escape.py"] == "symbolic link pointing outside the analysis root"
    assert skipped["loop_a.py"] == skipped["loop_b.py"] == "looping symbolic link"
    assert not [i for i in report["issues"] if i["path"] == "escape.py"]
    # a link to a file inside the repository is analyzed under its own name
    assert ("QG103", "inside_link.py", 5, 11) in located(report)


def test_empty_file_is_not_an_error(run):
    _, report, _ = run
    assert "empty.py" not in errors_by_path(report)


def test_empty_and_nul_files_named_explicitly(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(FAST)
    (repo / "empty.py").write_bytes(b"")
    (repo / "nul.py").write_bytes(b"\x00\x01\x02")
    result = run_qgate("check", "--all-files", "--format", "json", "empty.py", "nul.py", cwd=repo)
    assert result.code == 0, result.stderr
    report = result.json()
    assert [(f["path"], f["measures"]["lines"], f["ncloc"]) for f in report["files"]] == [("empty.py", 0, 0)]
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("nul.py", "cannot decode: source contains NUL bytes (binary file?)")
    ]


def test_a_dashed_name_on_the_command_line_is_a_path(fast_repo):
    (fast_repo / "--help.py").write_text("def f(a=[]):\n    return a\n")
    result = run_qgate("check", "--format", "json", "--", "--help.py", cwd=fast_repo)
    assert result.code == 1, result.stderr
    assert located(result.json()) == {("QG103", "--help.py", 1, 9)}
