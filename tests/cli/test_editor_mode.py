"""Editor mode: `qgate check --stdin-filename PATH -` analyzes the buffer as if it were at PATH."""

from support import run_qgate

BUFFER = "def f(x=[]):  # noqa: QG103\n    return x\n\n\ndef g(y=[]):\n    print(y)\n"


def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qgate]\nper_path_ignores = { "scripts/*" = ["QG108"] }\nextend_exclude = ["gen/"]\n'
        '[tool.qgate.analyzers]\nenabled = ["cst", "radon", "bandit", "semgrep"]\n'
    )
    (tmp_path / "pkg").mkdir()
    return tmp_path


def test_buffer_is_analyzed_as_the_named_path_with_config_and_suppressions(tmp_path):
    root = project(tmp_path)
    result = run_qgate("check", "--stdin-filename", "pkg/mod.py", "-", cwd=root, stdin=BUFFER)
    report = result.json()  # JSON by default in editor mode
    assert [(i["rule"], i["path"], i["line"]) for i in report["issues"]] == [("QG103", "pkg/mod.py", 5), ("QG108", "pkg/mod.py", 6)]
    assert [(i["rule"], i["suppression"]) for i in report["suppressed"]] == [("QG103", "noqa")]
    assert report["new_code"]["note"] == "editor mode: the buffer read from stdin"
    assert not (root / "pkg" / "mod.py").exists()  # nothing written into the repository
    assert result.code == 1


def test_per_path_config_applies_to_the_named_path(tmp_path):
    root = project(tmp_path)
    (root / "scripts").mkdir()
    report = run_qgate("check", "--stdin-filename", "scripts/tool.py", "-", cwd=root, stdin=BUFFER).json()
    assert [i["rule"] for i in report["suppressed"]] == ["QG103", "QG108"]


def test_excluded_path_is_skipped(tmp_path):
    root = project(tmp_path)
    result = run_qgate("check", "--stdin-filename", "gen/x.py", "-", cwd=root, stdin=BUFFER)
    assert result.code == 0
    assert result.json()["skipped"] == [{"path": "gen/x.py", "reason": "excluded by configuration"}]


def test_semgrep_runs_only_when_asked(tmp_path):
    root = project(tmp_path)
    code = "import datetime\n\nstamp = datetime.datetime.utcnow()\n"
    plain = run_qgate("check", "--stdin-filename", "pkg/t.py", "-", cwd=root, stdin=code).json()
    assert "QGS109" not in {i["rule"] for i in plain["issues"]}
    full = run_qgate("check", "--stdin-filename", "pkg/t.py", "--with-semgrep", "-", cwd=root, stdin=code).json()
    assert [(i["rule"], i["line"]) for i in full["issues"]] == [("QGS109", 3)]


def test_dash_without_stdin_filename_is_a_usage_error(tmp_path):
    result = run_qgate("check", "-", cwd=tmp_path, stdin="x = 1\n")
    assert result.code == 2
    assert "needs --stdin-filename" in result.stderr
