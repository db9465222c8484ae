"""A real third-party analyzer (fixtures/plugins/qgate-example-plugin), installed with pip, found by entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import FIXTURES, clean_env, run_qgate

from qgate.analyzers.base import AnalyzerContext, FileAnalyzer, RuleSelection, available_analyzers, load_analyzer
from qgate.errors import ConfigError
from qgate.model import Issue, IssueType, Severity
from qgate.source import load_source

PLUGIN = FIXTURES / "plugins" / "qgate-example-plugin"

SAMPLE = textwrap.dedent(
    """\
    import os  # HACK: remove later


    def quick_hack(path):
        shack = os.path.basename(path)  # 'shack' does not match
        return shack
    hack = 1  # hack twice on one line: reported once, at the first
    """
)


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory) -> Path:
    """pip-install the plugin, offline and without dependencies, into a private target directory."""
    base = tmp_path_factory.mktemp("plugin")
    source = base / "src"
    shutil.copytree(PLUGIN, source)  # pip builds in-tree (build/, *.egg-info): keep the fixture clean
    target = base / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--quiet", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"pip install of the example plugin failed:\n{proc.stdout}\n{proc.stderr}"
    assert (target / "qgate_example_plugin" / "__init__.py").is_file()
    return target


@pytest.fixture
def plugin_on_path(plugin_site, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin_site))
    yield plugin_site
    sys.modules.pop("qgate_example_plugin", None)


def test_the_installed_plugin_is_discovered_by_entry_point(plugin_on_path):
    assert {"example", "radon"} <= set(available_analyzers())
    cls = load_analyzer("example")
    assert cls.__name__ == "ForbiddenWordsAnalyzer"
    assert issubclass(cls, FileAnalyzer)
    module_file = Path(sys.modules[cls.__module__].__file__)
    assert plugin_on_path in module_file.parents  # the pip-installed copy, not the fixture sources
    assert [rule.id for rule in cls(AnalyzerContext(root=plugin_on_path)).rules()] == ["EX001"]


def test_not_discovered_when_not_installed():
    assert "example" not in available_analyzers()
    with pytest.raises(ConfigError, match="unknown analyzer 'example'"):
        load_analyzer("example")


def test_the_plugin_reports_forbidden_words_at_exact_positions(plugin_on_path, tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "tool.py").write_text(SAMPLE, encoding="utf-8")
    source = load_source("pkg/tool.py", tmp_path / "pkg" / "tool.py")
    analyzer = load_analyzer("example")(AnalyzerContext(root=tmp_path))
    output = analyzer.analyze([source])
    assert output.errors == ()
    common = dict(rule="EX001", tool="example", type=IssueType.CODE_SMELL, severity=Severity.MINOR,
                  path="pkg/tool.py", effort_minutes=5, tags=("example",))
    assert output.issues == (
        Issue(message="Forbidden word 'HACK'", line=1, end_line=1, column=14, end_column=18, **common),
        Issue(message="Forbidden word 'hack'", line=4, end_line=4, column=11, end_column=15, **common),
        Issue(message="Forbidden word 'hack'", line=7, end_line=7, column=1, end_column=5, **common),
    )


def test_the_plugin_options_are_validated_and_used(plugin_on_path, tmp_path):
    cls = load_analyzer("example")
    path = tmp_path / "m.py"
    path.write_text("def kludge():\n    return 1  # hack\n", encoding="utf-8")
    source = load_source("m.py", path)
    context = dict(root=tmp_path, options_source="tool.qgate.analyzers.example")
    (issue,) = cls(AnalyzerContext(options={"words": ["Kludge"]}, **context)).analyze_file(source).issues
    assert (issue.line, issue.column, issue.end_column, issue.message) == (1, 5, 11, "Forbidden word 'kludge'")
    disabled = cls(AnalyzerContext(selection=RuleSelection(ignore=("EX",)), **context))
    assert disabled.analyze_file(source).issues == ()
    with pytest.raises(ConfigError, match=r"tool\.qgate\.analyzers\.example\.words"):
        cls(AnalyzerContext(options={"words": "hack"}, **context))


# --- end to end, through the real CLI in a subprocess -------------------------------------------------


def _project(root: Path, enabled: str) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = "demo"

            [tool.qgate.analyzers]
            enabled = {enabled}

            [tool.qgate.analyzers.example]
            words = ["hack"]
            """
        ),
        encoding="utf-8",
    )
    (root / "app.py").write_text(SAMPLE, encoding="utf-8")
    return root


def _env(plugin_site: Path) -> dict[str, str]:
    existing = os.environ.get("PYTHONPATH")
    return clean_env(PYTHONPATH=os.pathsep.join([str(plugin_site), *([existing] if existing else [])]))


def test_cli_runs_the_plugin_when_enabled(plugin_site, tmp_path):
    root = _project(tmp_path / "demo", '["cst", "example"]')
    result = run_qgate("check", str(root), "--format", "json", cwd=root, env=_env(plugin_site))
    assert result.code in (0, 1), result.stderr
    ex = [(i["rule"], i["tool"], i["path"], i["line"], i["column"]) for i in result.json()["issues"] if i["rule"] == "EX001"]
    assert ex == [
        ("EX001", "example", "app.py", 1, 14),
        ("EX001", "example", "app.py", 4, 11),
        ("EX001", "example", "app.py", 7, 1),
    ]


def test_cli_does_not_run_the_plugin_unless_enabled(plugin_site, tmp_path):
    root = _project(tmp_path / "demo", '["cst"]')
    result = run_qgate("check", str(root), "--format", "json", cwd=root, env=_env(plugin_site))
    assert result.code in (0, 1), result.stderr
    report = result.json()
    assert [i for i in report["issues"] if i["rule"] == "EX001" or i["tool"] == "example"] == []
    assert [f["path"] for f in report["files"]] == ["app.py"]


def test_cli_rejects_an_unknown_analyzer_in_one_line(plugin_site, tmp_path):
    root = _project(tmp_path / "demo", '["nonexistent"]')
    result = run_qgate("check", str(root), "--format", "json", cwd=root, env=_env(plugin_site))
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "nonexistent" in lines[0]
    assert result.stdout == ""
