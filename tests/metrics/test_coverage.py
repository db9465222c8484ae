"""Coverage import (Cobertura XML, coverage.py JSON, LCOV), path mapping, merging, SonarQube measures, diff-cover agreement."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import FIXTURES, clean_env, git, make_repo

from qgate import git as qgit
from qgate.errors import InputError
from qgate.metrics.coverage import (
    CoverageData,
    FileCoverage,
    check_matches,
    coverage_measures,
    detect_format,
    load_coverage,
    merge_coverage,
    parse_coverage,
)

COV = FIXTURES / "coverage"
ANALYZED = ["pkg/mod.py", "pkg/util.py"]  # tests/test_mod.py is in the reports but not analyzed

BASIC_MOD = FileCoverage(
    path="pkg/mod.py",
    lines={1: 1, 2: 3, 3: 0, 5: 2, 7: 0},
    branches={2: (1, 2), 5: (2, 2), 7: (0, 2)},
)
BASIC_UTIL = FileCoverage(path="pkg/util.py", lines={1: 1, 2: 0}, branches={})

# Hand computation over pkg/mod.py + pkg/util.py:
#   LC = 5 + 2 = 7 lines, uncovered mod:3, mod:7, util:2 -> UL = 3, CT = 4
#   B = 2 + 2 + 2 = 6 conditions, uncovered 1 + 0 + 2 -> UB = 3, CB = 3
#   coverage = (4 + 3) / (7 + 6) = 53.846 -> 53.8; line 4/7 = 57.142 -> 57.1; branch 3/6 = 50.0
# New lines mod {2, 3, 4}, util {2}: measured new lines mod:2, mod:3, util:2 -> 3, uncovered mod:3, util:2 -> 2;
#   new conditions on mod:2 -> 2, 1 uncovered; new_coverage = (1 + 1) / (3 + 2) = 40.0; line 1/3 = 33.3; branch 50.0
BASIC_MEASURES = {
    "coverage": 53.8,
    "line_coverage": 57.1,
    "branch_coverage": 50.0,
    "lines_to_cover": 7,
    "uncovered_lines": 3,
    "conditions_to_cover": 6,
    "uncovered_conditions": 3,
    "new_coverage": 40.0,
    "new_line_coverage": 33.3,
    "new_branch_coverage": 50.0,
    "new_lines_to_cover": 3,
    "new_uncovered_lines": 2,
    "new_conditions_to_cover": 2,
    "new_uncovered_conditions": 1,
}
BASIC_NEW_LINES = {"pkg/mod.py": frozenset({2, 3, 4}), "pkg/util.py": frozenset({2})}


def _load(name: str, root: Path, **kw) -> CoverageData:
    return load_coverage(COV / name, root=root, **kw)


# ------------------------------------------------------------------------------------------ formats


@pytest.mark.parametrize(
    ("name", "fmt"), [("basic.xml", "cobertura"), ("basic.json", "coverage-json"), ("basic.lcov", "lcov")]
)
def test_detect_format_from_content(name, fmt):
    data = (COV / name).read_bytes()
    assert detect_format(data) == fmt
    assert detect_format(b"\xef\xbb\xbf \n\t" + data) == fmt  # BOM and leading blanks


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty coverage report"),
        (b"  \n", "empty coverage report"),
        ((COV / "not_a_report.txt").read_bytes(), "unknown coverage report format"),
        ((COV / "jacoco.xml").read_bytes(), "XML that is not a Cobertura coverage report"),
        (b"TN:\nDA:1,1\n", "unknown coverage report format"),  # LCOV-ish but no SF record
    ],
)
def test_detect_format_rejects(data, message):
    with pytest.raises(InputError, match=message):
        detect_format(data)


def test_cobertura_lines_and_condition_coverage(tmp_path):
    data = _load("basic.xml", tmp_path)
    assert data.formats == ("cobertura",)
    assert data.notes == ()
    assert list(data.files) == ["pkg/mod.py", "pkg/util.py", "tests/test_mod.py"]
    assert data.files["pkg/mod.py"] == BASIC_MOD
    assert data.files["pkg/util.py"] == BASIC_UTIL
    assert data.files["tests/test_mod.py"].lines == {1: 1}


def test_coverage_json_lines_and_arcs(tmp_path):
    data = _load("basic.json", tmp_path)
    assert data.formats == ("coverage-json",)
    # coverage.py JSON has no hit counts: executed = 1; excluded line 4 is not measured; arcs grouped by source line
    assert data.files["pkg/mod.py"] == FileCoverage(
        path="pkg/mod.py", lines={1: 1, 2: 1, 3: 0, 5: 1, 7: 0}, branches={2: (1, 2), 5: (2, 2), 7: (0, 2)}
    )
    assert data.files["pkg/util.py"] == BASIC_UTIL
    assert data.files["tests/test_mod.py"].branches == {}


def test_lcov_da_and_brda(tmp_path):
    data = _load("basic.lcov", tmp_path)
    assert data.formats == ("lcov",)
    # BRDA taken "-" counts as not covered; a branch name holding commas is fine
    assert data.files["pkg/mod.py"] == BASIC_MOD
    assert data.files["pkg/util.py"] == BASIC_UTIL
    assert data.files["tests/test_mod.py"].lines == {1: 1}


@pytest.mark.parametrize("name", ["basic.xml", "basic.json", "basic.lcov"])
def test_measures_hand_computed(tmp_path, name):
    data = _load(name, tmp_path)
    assert coverage_measures(data, ANALYZED, BASIC_NEW_LINES) == BASIC_MEASURES


def test_measures_all_new_and_whole_file(tmp_path):
    data = _load("basic.xml", tmp_path)
    everything = coverage_measures(data, ANALYZED, None)
    for key in ("coverage", "line_coverage", "branch_coverage", "lines_to_cover", "uncovered_lines"):
        assert everything[f"new_{key}"] == everything[key] == BASIC_MEASURES[key]
    # A None value marks one whole file as new (an untracked file); other files have no new lines
    util_only = coverage_measures(data, ANALYZED, {"pkg/util.py": None})
    assert util_only["new_lines_to_cover"] == 2
    assert util_only["new_uncovered_lines"] == 1
    assert util_only["new_line_coverage"] == 50.0
    assert util_only["new_conditions_to_cover"] == 0
    assert util_only["new_branch_coverage"] is None
    assert util_only["new_coverage"] == 50.0


def test_measures_none_without_denominator(tmp_path):
    data = _load("basic.xml", tmp_path)
    nothing_new = coverage_measures(data, ANALYZED, {})
    assert nothing_new["new_lines_to_cover"] == 0
    assert nothing_new["new_coverage"] is None
    assert nothing_new["new_line_coverage"] is None
    assert nothing_new["new_branch_coverage"] is None
    not_analyzed = coverage_measures(data, ["other.py"], None)
    assert not_analyzed == {
        **{k: None for k in BASIC_MEASURES if "coverage" in k},
        **{k: 0 for k in BASIC_MEASURES if "coverage" not in k},
    }
    # tests/test_mod.py counts only when analyzed: one more covered line
    with_tests = coverage_measures(data, [*ANALYZED, "tests/test_mod.py"], None)
    assert with_tests["lines_to_cover"] == 8
    assert with_tests["line_coverage"] == 62.5


def test_merge_any_report_covers_and_branch_max(tmp_path):
    first = _load("basic.lcov", tmp_path)
    second = _load("second.lcov", tmp_path)
    merged = merge_coverage([first, second])
    assert merged.formats == ("lcov",)
    assert merged.files["pkg/mod.py"] == FileCoverage(
        path="pkg/mod.py",
        lines={1: 1, 2: 3, 3: 4, 5: 2, 7: 1, 9: 0},
        branches={2: (1, 2), 5: (2, 2), 7: (1, 2)},
    )
    assert merged.files["pkg/util.py"] == BASIC_UTIL
    # LC 6, UL 1 (line 9); B 6, UB 2: coverage (5 + 4) / 12 = 75.0, line 5/6 = 83.3, branch 4/6 = 66.7
    measures = coverage_measures(merged, ["pkg/mod.py"], None)
    assert (measures["coverage"], measures["line_coverage"], measures["branch_coverage"]) == (75.0, 83.3, 66.7)
    mixed = merge_coverage([_load("basic.xml", tmp_path), second])
    assert mixed.formats == ("cobertura", "lcov")
    assert mixed.files["pkg/mod.py"].lines[3] == 4
    assert merge_coverage([first]) == first


# ------------------------------------------------------------------------------------------ path mapping


def _tree(root: Path, *paths: str) -> Path:
    for rel in paths:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    return root


def _lcov(*paths: str) -> bytes:
    return "".join(f"SF:{p}\nDA:1,1\nend_of_record\n" for p in paths).encode()


def _cobertura(sources: list[str], *filenames: str) -> bytes:
    srcs = "".join(f"<source>{s}</source>" for s in sources)
    classes = "".join(
        f'<class name="x" filename="{f}"><methods/><lines><line number="1" hits="1"/></lines></class>' for f in filenames
    )
    return (
        f'<?xml version="1.0" ?><coverage version="7"><sources>{srcs}</sources>'
        f'<packages><package name="p"><classes>{classes}</classes></package></packages></coverage>'
    ).encode()


def test_cobertura_source_root_inside_repo(tmp_path):
    root = _tree(tmp_path, "src/pkg/a.py", "lib/pkg/b.py")
    data = parse_coverage(
        _cobertura(["/somewhere/else", f"{root}/src", f"{root}/lib"], "pkg/a.py", "pkg/b.py"),
        report_path="coverage.xml",
        root=root,
    )
    # each file is taken under the listed source where it exists
    assert list(data.files) == ["lib/pkg/b.py", "src/pkg/a.py"]
    assert data.notes == ()


def test_cobertura_relative_source_and_foreign_source_with_source_roots(tmp_path):
    root = _tree(tmp_path, "src/pkg/a.py")
    rel = parse_coverage(_cobertura(["src"], "pkg/a.py"), report_path="c.xml", root=root)
    assert list(rel.files) == ["src/pkg/a.py"]
    # Written on CI in /home/runner/work/proj/proj: the explicit source root stands for the repository root there
    foreign = _cobertura(["/home/runner/work/proj/proj/src"], "pkg/a.py")
    mapped = parse_coverage(foreign, report_path="c.xml", root=root, source_roots=["/home/runner/work/proj/proj"])
    assert list(mapped.files) == ["src/pkg/a.py"]
    # without it the foreign source is unusable and the path is taken relative to the repository root
    assert list(parse_coverage(foreign, report_path="c.xml", root=root).files) == ["pkg/a.py"]


def test_absolute_paths_inside_and_outside_repo(tmp_path):
    root = _tree(tmp_path / "repo", "src/pkg/a.py")
    data = parse_coverage(
        _lcov(f"{root}/src/pkg/a.py", "/usr/lib/python3/dist-packages/six.py", f"{tmp_path}/other/x.py"),
        report_path="cov.lcov",
        root=root,
    )
    assert list(data.files) == ["src/pkg/a.py"]
    assert data.notes == (f"cov.lcov: 2 file(s) outside the repository ignored, e.g. {tmp_path}/other/x.py",)


def test_absolute_path_through_symlinked_root(tmp_path):
    real = _tree(tmp_path / "real", "pkg/a.py")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    data = parse_coverage(_lcov(f"{real}/pkg/a.py"), report_path="cov.lcov", root=link)
    assert list(data.files) == ["pkg/a.py"]


def test_file_uris(tmp_path):
    root = _tree(tmp_path, "my dir/c.py")
    data = parse_coverage(
        _lcov(f"file://{root}/my%20dir/c.py", "file://buildhost/share/d.py"), report_path="cov.lcov", root=root
    )
    assert list(data.files) == ["my dir/c.py"]
    assert data.notes == ("cov.lcov: 1 file(s) outside the repository ignored, e.g. file://buildhost/share/d.py",)


def test_explicit_source_roots_relative_and_prefix_stripping(tmp_path):
    root = _tree(tmp_path, "src/pkg/a.py")
    in_src = parse_coverage(
        json.dumps({"files": {"pkg/a.py": {"executed_lines": [1], "missing_lines": []}}}).encode(),
        report_path="coverage.json",
        root=root,
        source_roots=["src"],
    )
    assert list(in_src.files) == ["src/pkg/a.py"]
    stripped = parse_coverage(
        _lcov("/ci/build/src/pkg/a.py", "build/src/pkg/a.py"),
        report_path="cov.lcov",
        root=root,
        source_roots=["/ci/build", "build"],
    )
    assert list(stripped.files) == ["src/pkg/a.py"]
    assert stripped.files["src/pkg/a.py"].lines == {1: 2}  # both spellings merged: hits summed


def test_dot_segments_backslashes_and_escapes(tmp_path):
    root = _tree(tmp_path, "src/pkg/a.py")
    data = parse_coverage(
        _lcov("./src/./pkg/a.py", "src\\pkg\\a.py", "../outside.py", "C:\\ci\\src\\pkg\\a.py"),
        report_path="cov.lcov",
        root=root,
        source_roots=["C:\\ci"],
    )
    assert data.files["src/pkg/a.py"].lines == {1: 3}
    assert list(data.files) == ["src/pkg/a.py"]
    assert data.notes == ("cov.lcov: 1 file(s) outside the repository ignored, e.g. ../outside.py",)


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.xml", r"truncated\.xml: malformed or truncated XML \(unclosed token: line 12, column 6\)"),
        ("malformed.xml", r"malformed\.xml: malformed or truncated XML \(mismatched tag: line 7"),
        ("external_entity.xml", r"external_entity\.xml: XML entity declarations are not allowed"),
        ("clover.xml", r"clover\.xml: Clover XML is not supported"),
        ("jacoco.xml", r"jacoco\.xml: XML that is not a Cobertura coverage report"),
        ("truncated.json", r"truncated\.json: malformed or truncated JSON"),
        ("not_coverage.json", r"not_coverage\.json: JSON that is not a coverage\.py report \(no 'files' object\)"),
        ("truncated.lcov", r"truncated\.lcov: truncated LCOV report \(last record has no end_of_record\)"),
        ("not_a_report.txt", r"not_a_report\.txt: unknown coverage report format"),
    ],
)
def test_corrupt_reports_are_one_line_input_errors(tmp_path, name, message):
    with pytest.raises(InputError, match=message) as info:
        _load(name, tmp_path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(COV / name))


def test_entity_bomb_fails_fast(tmp_path):
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"entity_bomb\.xml: XML entity declarations are not allowed"):
        _load("entity_bomb.xml", tmp_path)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DA:1,1\nSF:a.py\nend_of_record\n", r"r\.lcov:1: DA outside a file record"),
        ("SF:a.py\nDA:x,1\nend_of_record\n", r"r\.lcov:2: invalid line number 'x'"),
        ("SF:a.py\nDA:1\nend_of_record\n", r"r\.lcov:2: invalid DA line"),
        ("SF:a.py\nBRDA:1,0,0\nend_of_record\n", r"r\.lcov:2: invalid BRDA line"),
        ("SF:a.py\nSF:b.py\nend_of_record\n", r"r\.lcov:2: SF before end_of_record"),
        ("SF:a.py\nend_of_record\nend_of_record\n", r"r\.lcov:3: end_of_record without SF"),
        ("SF:a.py\ngarbage\nend_of_record\n", r"r\.lcov:2: not an LCOV line"),
    ],
)
def test_lcov_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        parse_coverage(text.encode(), report_path="r.lcov", root=tmp_path)


def test_cobertura_bad_numbers(tmp_path):
    bad = _cobertura([], "a.py").replace(b'hits="1"', b'hits="many"')
    with pytest.raises(InputError, match=r"c\.xml: invalid hits on a\.py:1 'many'"):
        parse_coverage(bad, report_path="c.xml", root=tmp_path)


def test_load_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match=r"coverage report not found: .*nope\.xml"):
        load_coverage(tmp_path / "nope.xml", root=tmp_path)
    with pytest.raises(InputError, match=r"coverage report is a directory: "):
        load_coverage(tmp_path, root=tmp_path)


def test_check_matches(tmp_path):
    data = _load("foreign_layout.lcov", tmp_path)
    assert list(data.files) == ["build/lib/pkg/mod.py"]
    assert data.notes[0].endswith("ignored, e.g. /opt/elsewhere/site-packages/dep.py")
    with pytest.raises(InputError) as info:
        check_matches(data, ANALYZED, "foreign_layout.lcov")
    assert str(info.value) == (
        "coverage report foreign_layout.lcov matches no analyzed file (e.g. report path 'build/lib/pkg/mod.py'); "
        "did you mean source root 'build/lib' (prefix to strip)?"
    )
    basic = _load("basic.xml", tmp_path)
    with pytest.raises(InputError, match=r"did you mean source root 'src'\?"):
        check_matches(basic, ["src/pkg/mod.py"], "basic.xml")
    with pytest.raises(InputError, match="lists no file inside the repository"):
        check_matches(CoverageData(files={}, formats=("lcov",)), ANALYZED, "empty.lcov")
    assert check_matches(basic, ANALYZED, "basic.xml") is None
    assert check_matches(data, [], "foreign_layout.lcov") is None


# ------------------------------------------------------------------------------------------ diff-cover agreement

CALC_MAIN = '''\
def add(a, b):
    return a + b


def sign(x):
    if x > 0:
        return 1
    return -1
'''

CALC_BRANCH = '''\
def add(a, b):
    total = a + b
    return total


def sign(x):
    if x > 0:
        return 1
    if x == 0:
        return 0
    return -1


def unused(values):
    out = []
    for v in values:
        out.append(v * 2)
    return out


def half_used(flag):
    if flag:
        return "yes"
    return "no"
'''

EXTRA = '''\
def greet(name):
    if not name:
        raise ValueError("empty")
    return "hello " + name


def never():
    return 42
'''

RUN_MAIN = "from pkg.calc import add, sign\nadd(1, 2)\nsign(3)\nsign(-3)\n"
RUN_BRANCH = (
    "from pkg.calc import add, sign, half_used\nfrom pkg.extra import greet\n"
    "add(1, 2)\nsign(3)\nsign(-3)\nhalf_used(True)\ngreet('bob')\n"
)


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """A real repo on a feature branch, real coverage.py reports, diff-cover's JSON, and qgate's new lines."""
    repo = make_repo(tmp_path_factory.mktemp("sbs") / "repo", commit=False)
    (repo / ".gitignore").write_text(".coverage\ncoverage.*\nout*.json\n__pycache__/\n")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "calc.py").write_text(CALC_MAIN)
    (repo / "run.py").write_text(RUN_MAIN)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main")
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "pkg" / "calc.py").write_text(CALC_BRANCH)
    (repo / "pkg" / "extra.py").write_text(EXTRA)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")
    (repo / "run.py").write_text(RUN_BRANCH)  # an unstaged change: both tools count the working tree
    git(repo, "switch", "-q", "main")  # main moves on after the branch point: the merge base matters
    (repo / "pkg" / "calc.py").write_text(CALC_MAIN + "\n\ndef later():\n    return 0\n")
    git(repo, "commit", "-q", "-am", "main moves")
    git(repo, "switch", "-q", "feature")
    (repo / "run.py").write_text(RUN_BRANCH)

    coverage = [sys.executable, "-m", "coverage"]
    _run([*coverage, "run", "--branch", "run.py"], repo)
    for kind in ("xml", "json", "lcov"):
        _run([*coverage, kind, "-q", "-o", f"coverage.{kind}"], repo)
    diff_cover = shutil.which("diff-cover", path=os.path.dirname(sys.executable)) or "diff-cover"
    reports = {}
    for kind in ("xml", "lcov"):
        out = repo / f"out-{kind}.json"
        _run(
            [diff_cover, f"coverage.{kind}", "--compare-branch=main", f"--format=json:{out}", "--total-percent-float", "-q"],
            repo,
        )
        reports[kind] = json.loads(out.read_text())
    base = qgit.merge_base(repo, "main")
    diffs = qgit.changed_lines(repo, base)
    new_lines = {p: (None if d.whole_file else d.added_lines) for p, d in diffs.items()}
    return repo, reports, new_lines


def test_new_line_coverage_matches_diff_cover(side_by_side):
    repo, reports, new_lines = side_by_side
    dc = reports["xml"]
    data = load_coverage(repo / "coverage.xml", root=repo)
    measures = coverage_measures(data, list(data.files), new_lines)
    # measured new lines: calc.py 2, 3, 9 covered, 10 not (x == 0 never true), 14 (def) covered, 15-18 not,
    # 21-23 covered, 24 not; extra.py (committed on the branch) 1, 2, 4, 7 covered, 3, 8 not; run.py (unstaged) 1, 2, 6, 7
    assert (dc["total_num_lines"], dc["total_num_violations"]) == (
        measures["new_lines_to_cover"],
        measures["new_uncovered_lines"],
    )
    assert (measures["new_lines_to_cover"], measures["new_uncovered_lines"]) == (23, 8)
    assert dc["total_percent_covered"] == round(100 * 15 / 23, 2) == 65.22
    assert measures["new_line_coverage"] == 65.2
    # diff-cover rounds to 2 decimals (--total-percent-float), qgate to 1: equal at qgate's precision
    assert measures["new_line_coverage"] == round(dc["total_percent_covered"], 1)
    per_file = {path: stats["violation_lines"] for path, stats in dc["src_stats"].items()}
    assert per_file == {
        "pkg/calc.py": [10, 15, 16, 17, 18, 24],
        "pkg/extra.py": [3, 8],
        "run.py": [],
    }
    uncovered_new = {
        (path, line)
        for path, fc in data.files.items()
        for line, hits in fc.lines.items()
        if hits == 0 and path in new_lines and (new_lines[path] is None or line in new_lines[path])
    }
    assert uncovered_new == {(p, n) for p, lines in per_file.items() for n in lines}
    # diff-cover's LCOV reader agrees with its XML reader
    assert reports["lcov"]["total_num_lines"] == dc["total_num_lines"]
    assert reports["lcov"]["total_percent_covered"] == dc["total_percent_covered"]


def test_three_formats_give_identical_measures(side_by_side):
    repo, _, new_lines = side_by_side
    loaded = [load_coverage(repo / f"coverage.{kind}", root=repo) for kind in ("xml", "json", "lcov")]
    assert [d.formats for d in loaded] == [("cobertura",), ("coverage-json",), ("lcov",)]
    xml, as_json, lcov = loaded
    assert xml.files == as_json.files == lcov.files
    assert xml.files["pkg/calc.py"].branches == {7: (2, 2), 9: (1, 2), 16: (0, 2), 22: (1, 2)}
    paths = sorted(xml.files)
    assert paths == ["pkg/__init__.py", "pkg/calc.py", "pkg/extra.py", "run.py"]
    results = [coverage_measures(d, paths, new_lines) for d in loaded]
    assert results[0] == results[1] == results[2]
    # new conditions: calc.py 9 (1/2), 16 (0/2), 22 (1/2), extra.py 2 (1/2); calc.py 7 is old
    assert (results[0]["new_conditions_to_cover"], results[0]["new_uncovered_conditions"]) == (8, 5)
    assert (results[0]["new_branch_coverage"], results[0]["new_coverage"]) == (37.5, 58.1)
