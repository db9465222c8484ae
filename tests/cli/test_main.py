"""The CLI's contract: version, usage errors, config errors, exit codes, one-line messages."""

import json

from qgate import __version__
from qgate.cli.main import main
from support import run_qgate

CST_ONLY = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"qgate {__version__}"


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2


def test_unknown_option_exits_2_with_one_line(tmp_path):
    result = run_qgate("check", "--frobnicate", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("qgate: error: unrecognized arguments: --frobnicate")
    assert result.stderr.count("\n") == 1


def test_missing_path_exits_2(tmp_path):
    result = run_qgate("check", "nope.py", cwd=tmp_path)
    assert result.code == 2
    assert "nope.py: no such file or directory" in result.stderr


def test_config_error_names_file_and_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.qgate]\nexlude = ['x']\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_qgate("check", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.strip() == f"qgate: error: {tmp_path / 'pyproject.toml'}: unknown key 'tool.qgate.exlude'"


def test_unknown_analyzer_exits_2(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["nonexistent"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_qgate("check", cwd=tmp_path)
    assert result.code == 2
    assert "unknown analyzer 'nonexistent'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_rule_option_names_the_key(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst"]\n[rules.QG114]\noptions = { max = "many" }\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_qgate("check", cwd=tmp_path)
    assert result.code == 2
    assert "tool.qgate.rules.QG114.options.max" in result.stderr


def test_single_file_outside_a_repository(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst"]\n')
    (tmp_path / "ok.py").write_text("def f():\n    return 1\n")
    (tmp_path / "bad.py").write_text("def g():\n    try:\n        g()\n    except:\n        pass\n")
    passed = run_qgate("check", "ok.py", "--format", "json", cwd=tmp_path)
    assert passed.code == 0, passed.stderr
    assert [f["path"] for f in passed.json()["files"]] == ["ok.py"]
    failed = run_qgate("check", str(tmp_path / "bad.py"), cwd=tmp_path)
    assert failed.code == 1
    assert "bad.py" in failed.stdout and "QG101" in failed.stdout


def test_output_file_is_written_and_stdout_stays_empty(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_qgate("check", "--format", "json", "-o", "out/report.json", cwd=tmp_path)
    assert result.code == 0
    assert result.stdout == ""
    assert json.loads((tmp_path / "out" / "report.json").read_text())["gate"]["status"] == "passed"


def test_syntax_error_is_one_error_entry_and_other_files_are_analyzed(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst", "radon"]\n')
    (tmp_path / "broken.py").write_text("print 'python 2'\n")
    (tmp_path / "good.py").write_text("def f(a=[]):\n    return a\n")
    result = run_qgate("check", "--format", "json", cwd=tmp_path)
    report = result.json()
    assert [(e["path"], e["fatal"]) for e in report["errors"]] == [("broken.py", False)]
    assert [(i["rule"], i["path"], i["line"]) for i in report["issues"]] == [("QG103", "good.py", 1)]
    assert result.code == 1


def test_schema_command_prints_the_report_schema(tmp_path):
    result = run_qgate("schema", cwd=tmp_path)
    assert result.code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "qgate report"
    assert {"gate", "metrics", "issues", "files", "errors"} <= set(schema["properties"])


def test_rules_lists_every_rule_of_the_enabled_analyzers(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst", "radon"]\n[rules.QG109]\nseverity = "major"\n')
    result = run_qgate("rules", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    rules = {r["id"]: r for r in result.json()}
    assert rules["QG101"]["analyzer"] == "cst"
    assert rules["QG201"]["analyzer"] == "radon"
    assert rules["QG109"]["severity"] == "major"
    text = run_qgate("rules", cwd=tmp_path).stdout
    assert text.splitlines()[0].split() == ["ID", "ANALYZER", "TYPE", "SEVERITY", "ON", "DESCRIPTION"]


def test_several_reports_in_one_run(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst"]\n')
    (tmp_path / "a.py").write_text("def f(a=[]):\n    return a\n")
    result = run_qgate(
        "check", "--format", "github", "--report", "sarif=out/q.sarif", "--report", "gitlab=out/gl.json",
        "--report", "junit=out/j.xml", "--report", "markdown=out/summary.md", cwd=tmp_path,
    )
    assert result.code == 1
    assert result.stdout.startswith("::warning file=a.py,line=1,")
    sarif = json.loads((tmp_path / "out" / "q.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "QG103"
    assert json.loads((tmp_path / "out" / "gl.json").read_text())[0]["check_name"] == "QG103"
    assert "<testsuites" in (tmp_path / "out" / "j.xml").read_text()
    assert (tmp_path / "out" / "summary.md").read_text().startswith("## Quality gate: FAILED")


def test_unknown_report_format_is_a_usage_error(tmp_path):
    result = run_qgate("check", "--report", "pdf=x.pdf", cwd=tmp_path)
    assert result.code == 2
    assert "unknown report format 'pdf'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_config_show_names_where_each_value_comes_from(tmp_path):
    (tmp_path / "base.toml").write_text("max_file_size_kb = 99\n")
    (tmp_path / "qgate.toml").write_text('extends = ["base.toml"]\nignore = ["QG109"]\n')
    result = run_qgate("config", "--show", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["max_file_size_kb"]["value"] == 99 and data["max_file_size_kb"]["source"].endswith("base.toml")
    assert data["ignore"]["value"] == ["QG109"] and data["ignore"]["source"].endswith("qgate.toml")
