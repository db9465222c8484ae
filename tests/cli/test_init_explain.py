"""``qgate init`` and ``qgate explain``, through their own argparse sub-parsers (as main.py registers them)."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

import pytest

from qgate.cli import explain, init
from qgate.cli.main import _Parser
from pydantic import BaseModel

from qgate.config import AnalyzersSettings, Settings, find_config, load_config, tomllib
from qgate.errors import ConfigError, UsageError
from qgate.pipeline import build_analyzers

CST_ONLY = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'


def run(*argv: str) -> int:
    parser = _Parser(prog="qgate")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    init.add_parser(sub)
    explain.add_parser(sub)
    args = parser.parse_args(list(argv))
    return {"init": init, "explain": explain}[args.command].run(args)


# ------------------------------------------------------------------------------------------------ init


def sections() -> dict[str, type[BaseModel]]:
    """Settings and each of its nested tables ("analyzers", "gate", ...), found from the model itself."""
    found: dict[str, type[BaseModel]] = {"": Settings}
    for name, field in Settings.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found[name] = field.annotation
    return found


def test_sections_are_discovered():
    assert {"", "analyzers", "gate", "new_code", "coverage", "duplication"} <= set(sections())


@pytest.mark.parametrize("prefix", ["", "tool.qgate"])
def test_template_documents_every_key_of_every_table(prefix):
    lines = init.template(prefix).splitlines()

    def header(*parts: str) -> str:
        return "[" + ".".join(p for p in (prefix, *parts) if p) + "]"

    tables = sections()
    for section, model in tables.items():
        start = lines.index(header(section)) if section or prefix else 0
        # the section's own lines: up to the next active table header
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        own = lines[start:end]
        keys = set(model.model_fields) - set(tables) - {"per_path_ignores", "rules", "options"}
        for key in keys:
            where = [i for i, line in enumerate(own) if line.startswith((f"{key} = ", f"# {key} = "))]
            assert where, f"{header(section)} {key} is missing from the template"
            assert own[where[0] - 1].startswith("#"), f"{key} has no comment above it"
    assert header("per_path_ignores") in lines  # an empty table with commented examples
    assert f"# {header('rules.QG114')}" in lines
    assert f"# {header('analyzers.semgrep')}" in lines


def test_init_writes_qgate_toml_that_loads_to_the_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run("init") == 0
    written = tmp_path / "qgate.toml"
    assert capsys.readouterr().err == f"qgate: wrote {written}; every value is the default, edit it to change the gate\n"
    loaded = load_config(written)
    assert loaded.settings == Settings()
    assert find_config(tmp_path) == written
    assert tomllib.loads(written.read_text())["analyzers"]["enabled"] == ["cst", "radon", "bandit", "semgrep"]


def test_init_appends_to_a_pyproject_without_a_qgate_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    original = '[project]\nname = "demo"\n\n[tool.black]\nline-length = 100'  # no final newline
    (tmp_path / "pyproject.toml").write_text(original)
    assert run("init") == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(original + "\n\n# qgate configuration:")
    data = tomllib.loads(text)
    assert data["project"] == {"name": "demo"} and data["tool"]["black"] == {"line-length": 100}
    assert load_config(tmp_path / "pyproject.toml").settings == Settings()
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    assert not (tmp_path / "qgate.toml").exists()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_init_never_rewrites_an_existing_pyproject_table(tmp_path, monkeypatch, force):
    monkeypatch.chdir(tmp_path)
    original = '[tool.qgate]\nignore = ["QG109"]\n'
    (tmp_path / "pyproject.toml").write_text(original)
    with pytest.raises(UsageError, match=r"pyproject.toml already has a \[tool.qgate\] table"):
        run("init", *force)
    assert (tmp_path / "pyproject.toml").read_text() == original
    assert not (tmp_path / "qgate.toml").exists()


def test_init_replaces_qgate_toml_only_with_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "qgate.toml").write_text('ignore = ["QG109"]\n')  # wins over pyproject.toml: init must edit it
    with pytest.raises(UsageError, match=r"qgate.toml already exists \(use --force to replace it\)"):
        run("init")
    assert (tmp_path / "qgate.toml").read_text() == 'ignore = ["QG109"]\n'
    assert run("init", "--force") == 0
    assert load_config(tmp_path / "qgate.toml").settings == Settings()
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "demo"\n'


def test_init_output_to_another_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("init", "--output", "ci/qgate.toml") == 0
    assert load_config(tmp_path / "ci" / "qgate.toml").settings == Settings()
    assert run("init", "-o", "sub/pyproject.toml") == 0  # a new pyproject.toml gets just the table
    text = (tmp_path / "sub" / "pyproject.toml").read_text()
    assert text.startswith("# qgate configuration:") and "\n[tool.qgate]\n" in text
    assert load_config(tmp_path / "sub" / "pyproject.toml").settings == Settings()


def test_init_refuses_a_broken_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        run("init")
    assert (tmp_path / "pyproject.toml").read_text() == "[project\n"


# --------------------------------------------------------------------------------------------- explain


def rule_info(rule_id: str, analyzers: tuple[str, ...] = ("cst",)):
    settings = Settings(analyzers=AnalyzersSettings(enabled=analyzers))
    return next(r for a in build_analyzers(settings, Path("."), "test") for r in a.rules() if r.id == rule_id)


@pytest.fixture
def cst_project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(CST_ONLY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_explain_prints_identity_then_docs(cst_project, capsys):
    assert run("explain", "QG101") == 0
    out = capsys.readouterr().out
    rule = rule_info("QG101")
    assert out.splitlines()[:10] == [
        "QG101: bare-except",
        "",
        "  analyzer:  cst",
        "  type:      code smell",
        "  severity:  critical",
        f"  effort:    {rule.effort_minutes} min",
        "  CWE:       CWE-396",
        f"  tags:      {', '.join(rule.tags)}",
        "  enabled:   yes",
        "",
    ]
    assert out.endswith(inspect.cleandoc(rule.docs) + "\n")
    assert "SystemExit" in out


@pytest.mark.parametrize("spelling", ["qg101", "bare-except", "Bare-Except"])
def test_explain_finds_a_rule_by_id_in_any_case_or_by_name(cst_project, capsys, spelling):
    run("explain", "QG101")
    expected = capsys.readouterr().out
    assert run("explain", spelling) == 0
    assert capsys.readouterr().out == expected


def test_explain_shows_the_configured_severity_and_state(tmp_path, monkeypatch, capsys):
    (tmp_path / "qgate.toml").write_text(
        'ignore = ["QG1"]\n\n[analyzers]\nenabled = ["cst"]\n\n[rules.QG101]\nseverity = "minor"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run("explain", "QG101") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[4] == "  severity:  minor (configured; default critical)"
    assert lines[8] == "  enabled:   no"


def test_explain_any_analyzer_rule_with_the_default_analyzers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no config: cst, radon, bandit and semgrep
    assert run("explain", "B602") == 0
    bandit = capsys.readouterr().out.splitlines()
    assert bandit[0] == "B602: subprocess-popen-with-shell-equals-true"
    assert bandit[2:9] == [
        "  analyzer:  bandit",
        "  type:      vulnerability",
        "  severity:  critical",
        f"  effort:    {rule_info('B602', ('bandit',)).effort_minutes} min",
        "  CWE:       CWE-78",
        "  tags:      security",
        "  enabled:   yes",
    ]
    assert run("explain", "QGS101") == 0
    semgrep = capsys.readouterr().out.splitlines()
    assert semgrep[0] == "QGS101: jwt-decode-without-verification"
    assert semgrep[2] == "  analyzer:  semgrep" and semgrep[6] == "  CWE:       CWE-347"
    assert run("explain", "QG201") == 0
    assert capsys.readouterr().out.splitlines()[2] == "  analyzer:  radon"


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("bare-exept", "unknown rule 'bare-exept' (did you mean bare-except?)"),
        ("QG1O1", "unknown rule 'QG1O1' (did you mean QG101?)"),
        ("nothing-like-it", "unknown rule 'nothing-like-it';"),
    ],
)
def test_explain_unknown_rule_is_a_one_line_usage_error(cst_project, wanted, message):
    with pytest.raises(UsageError) as caught:
        run("explain", wanted)
    text = str(caught.value)
    assert text.startswith(message)
    assert text.endswith("'qgate rules' lists the rules of the enabled analyzers (cst)")
    assert "\n" not in text


def test_explain_rule_of_an_analyzer_that_is_not_enabled(cst_project):
    with pytest.raises(UsageError, match=r"^unknown rule 'B602'; 'qgate rules' lists the rules of the enabled analyzers \(cst\)$"):
        run("explain", "B602")


def test_explain_parser_requires_a_rule(cst_project, capsys):
    with pytest.raises(SystemExit) as caught:
        run("explain")
    assert caught.value.code == 2
    assert capsys.readouterr().err == "qgate: error: the following arguments are required: RULE (see 'qgate --help')\n"


def test_namespace_call_matches_the_parser(cst_project, capsys):
    assert explain.run(argparse.Namespace(rule="QG101", config=None)) == 0
    direct = capsys.readouterr().out
    run("explain", "QG101")
    assert capsys.readouterr().out == direct
