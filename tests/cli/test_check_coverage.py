"""`qgate check --coverage`: coverage on new code reaches the gate (cst analyzer only, hand-written LCOV)."""

import json

from support import git, make_repo, run_qgate

CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n[tool.qgate.gate]\nsmall_change_lines = 0\n'
CODE = "".join(f"def f{n}(x):\n    return x + {n}\n\n\n" for n in range(6))  # lines 1-22: six functions


def lcov(covered: set[int], measured: list[int], path: str = "pkg/mod.py") -> str:
    body = "".join(f"DA:{line},{1 if line in covered else 0}\n" for line in measured)
    return f"TN:\nSF:{path}\n{body}end_of_record\n"


def repo(tmp_path):
    root = make_repo(tmp_path / "repo")
    (root / "pyproject.toml").write_text(CONFIG)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "config")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text(CODE)
    return root


def test_new_coverage_below_80_fails_the_gate(tmp_path):
    root = repo(tmp_path)
    measured = [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]
    (root / "cov.info").write_text(lcov(covered={1, 2, 5, 6, 9, 10, 13, 14}, measured=measured))
    result = run_qgate("check", "--base", "main", "--coverage", "cov.info", "--format", "json", cwd=root)
    report = json.loads(result.stdout)
    new = report["metrics"]["new_code"]
    assert (new["new_lines_to_cover"], new["new_uncovered_lines"], new["new_line_coverage"]) == (12, 4, 66.7)
    assert report["metrics"]["overall"]["coverage"] == 66.7
    condition = next(c for c in report["gate"]["conditions"] if c["metric"] == "new_coverage")
    assert (condition["actual"], condition["status"]) == (66.7, "failed")
    assert result.code == 1


def test_fully_covered_change_passes(tmp_path):
    root = repo(tmp_path)
    measured = [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]
    (root / "cov.info").write_text(lcov(covered=set(measured), measured=measured))
    result = run_qgate("check", "--base", "main", "--coverage", "cov.info", "--format", "json", cwd=root)
    assert result.code == 0, result.stdout
    assert json.loads(result.stdout)["metrics"]["new_code"]["new_coverage"] == 100.0


def test_report_of_another_project_is_exit_2(tmp_path):
    root = repo(tmp_path)
    (root / "cov.info").write_text(lcov(covered={1}, measured=[1], path="elsewhere/other.py"))
    result = run_qgate("check", "--base", "main", "--coverage", "cov.info", cwd=root)
    assert result.code == 2
    assert "cov" in result.stderr and result.stderr.count("\n") == 1


def test_missing_report_is_exit_2(tmp_path):
    root = repo(tmp_path)
    result = run_qgate("check", "--coverage", "nope.xml", cwd=root)
    assert result.code == 2
    assert "nope.xml" in result.stderr
