"""Every configuration option reaches its consumer: one small in-process run per option (cst/radon only)."""

from pathlib import Path

from qgate.config import LoadedConfig, parse_settings
from qgate.model import NewCodeInfo
from qgate.newcode.classify import NewCodeSpec
from qgate.pipeline import CheckRequest, run_check
from support import git, make_repo

BAD = "def f(x=[]):\n    try:\n        x()\n    except:\n        pass\n"
BLOCK = "".join(f"    value_{n} = compute(items[{n}], factor={n}) + offset\n" for n in range(14))


def check(root: Path, table: dict, paths=(), spec: NewCodeSpec = NewCodeSpec()):
    settings = parse_settings({"analyzers": {"enabled": ["cst", "radon"]}, **table}, "test.toml", "tool.qgate")
    return run_check(CheckRequest(root=root, paths=tuple(paths), config=LoadedConfig(settings=settings), new_code=spec))


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def rules_of(report):
    return sorted({i.rule for i in report.issues})


def test_include_and_exclude(tmp_path):
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "b.pyw", BAD)
    assert [f.path for f in check(tmp_path, {"include": ["*.pyw"]}).files] == ["b.pyw"]
    assert [f.path for f in check(tmp_path, {"extend_exclude": ["a.py"]}).files] == []


def test_respect_gitignore(tmp_path):
    write(tmp_path, ".gitignore", "a.py\n")
    write(tmp_path, "a.py", BAD)
    assert check(tmp_path, {}).files == ()
    assert [f.path for f in check(tmp_path, {"respect_gitignore": False}).files] == ["a.py"]


def test_max_file_size_kb(tmp_path):
    write(tmp_path, "a.py", BAD * 300)
    report = check(tmp_path, {"max_file_size_kb": 1})
    assert [s.path for s in report.skipped] == ["a.py"]


def test_select_ignore_rules_and_severity(tmp_path):
    write(tmp_path, "a.py", BAD)
    assert rules_of(check(tmp_path, {})) == ["QG101", "QG102", "QG103"]
    assert rules_of(check(tmp_path, {"select": ["QG103"]})) == ["QG103"]
    assert rules_of(check(tmp_path, {"ignore": ["QG10"]})) == []
    report = check(tmp_path, {"rules": {"QG101": {"enabled": False}, "QG103": {"severity": "blocker"}}})
    assert [(i.rule, i.severity.value) for i in report.issues] == [("QG103", "blocker"), ("QG102", "major")]


def test_rule_options(tmp_path):
    write(tmp_path, "a.py", "def f(a, b, c):\n    return a\n")
    report = check(tmp_path, {"rules": {"QG114": {"options": {"max": 2}}}})
    assert rules_of(report) == ["QG114"]


def test_per_path_ignores(tmp_path):
    write(tmp_path, "scripts/a.py", BAD)
    report = check(tmp_path, {"per_path_ignores": {"scripts/*": ["ALL"]}})
    assert report.issues == () and len(report.suppressed) == 3


def test_analyzer_options_table_reaches_the_analyzer(tmp_path):
    write(tmp_path, "a.py", BAD)
    report = check(tmp_path, {"analyzers": {"enabled": ["cst", "bandit"], "bandit": {"skips": ["B110"]}}})
    assert "B110" not in rules_of(report)


def test_gate_preset_conditions_and_small_change(tmp_path):
    write(tmp_path, "a.py", BAD)
    report = check(tmp_path, {"gate": {"preset": "no-new-issues", "conditions": [{"metric": "new_bugs", "op": "gt", "threshold": 5}]}})
    assert [(c.metric, c.status) for c in report.gate.conditions] == [("new_violations", "failed"), ("new_bugs", "passed")]
    small = check(tmp_path, {"gate": {"small_change_lines": 1}})
    assert not any("small change" in n for n in small.gate.notes)


def test_duplication_thresholds(tmp_path):
    write(tmp_path, "a.py", "def one(items, compute, offset):\n" + BLOCK)
    write(tmp_path, "b.py", "def two(items, compute, offset):\n" + BLOCK)
    assert len(check(tmp_path, {}).duplications) == 1
    assert check(tmp_path, {"duplication": {"min_lines": 50}}).duplications == ()
    assert check(tmp_path, {"duplication": {"enabled": False}}).metrics.overall.get("duplicated_lines") is None


def test_cache_setting(tmp_path):
    write(tmp_path, "a.py", BAD)
    check(tmp_path, {"cache": False})
    assert not (tmp_path / ".qgate").exists()
    check(tmp_path, {})
    assert (tmp_path / ".qgate" / "cache").is_dir()


def test_jobs_setting_gives_identical_results(tmp_path):
    for n in range(45):
        write(tmp_path, f"m{n}.py", BAD)
    one = check(tmp_path, {"jobs": 1, "cache": False})
    two = check(tmp_path, {"jobs": 2, "cache": False})
    assert one.issues == two.issues and len(one.issues) == 135


def test_new_code_reference_from_config(tmp_path):
    import subprocess
    import sys

    repo = make_repo(tmp_path / "repo")
    write(repo, "old.py", BAD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "old")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "pyproject.toml", '[tool.qgate]\n[tool.qgate.new_code]\nreference = "main"\n[tool.qgate.analyzers]\nenabled = ["cst"]\n')
    script = Path(sys.executable).with_name("qgate")
    out = subprocess.run([str(script), "check", "--format", "json", "--config-from-head"], cwd=repo, capture_output=True, text=True)
    import json

    report = json.loads(out.stdout)
    assert report["new_code"]["reference"] == "main"
    assert report["files"] == [] or all(f["path"] != "old.py" for f in report["files"])
