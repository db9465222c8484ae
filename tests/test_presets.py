"""Config ``extends`` (TOML files and installed presets), merging, locks and provenance.

The installed-preset tests use the real package fixtures/presets/acme-standards, pip-installed into a
private target directory once per session (tests/cli/test_config_cmd.py shares it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import FIXTURES

from qgate.config import effective_values, load_config, load_config_text, merge_tables
from qgate.errors import ConfigError
from qgate.model import Condition, Severity
from qgate.presets import Lock, available_presets, split_key

PRESET_PACKAGE = FIXTURES / "presets" / "acme-standards"


def install_acme(tmp_path_factory) -> Path:
    """pip-install acme-standards (offline, no dependencies) into a target directory, once per session."""
    base = tmp_path_factory.getbasetemp() / "acme-standards"
    target = base / "site"
    if (target / "acme_standards" / "python.toml").is_file():
        return target
    source = base / "src"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(PRESET_PACKAGE, source)  # pip builds in-tree: keep the fixture clean
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"pip install of acme-standards failed:\n{proc.stdout}\n{proc.stderr}"
    return target


@pytest.fixture(scope="session")
def acme_site(tmp_path_factory) -> Path:
    return install_acme(tmp_path_factory)


@pytest.fixture
def acme_on_path(acme_site, monkeypatch):
    monkeypatch.syspath_prepend(str(acme_site))
    yield acme_site
    sys.modules.pop("acme_standards", None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def pyproject(root: Path, body: str) -> Path:
    """A pyproject.toml whose [tool.qgate] table is ``body`` (written like a qgate.toml: [gate] -> [tool.qgate.gate])."""
    body = re.sub(r"^\[", "[tool.qgate.", textwrap.dedent(body), flags=re.MULTILINE)
    return write(root / "pyproject.toml", "[tool.qgate]\n" + body)


# --- merging --------------------------------------------------------------------------------------------


def test_tables_merge_lists_replace_extend_exclude_accumulates_conditions_merge_by_metric(tmp_path):
    write(
        tmp_path / "base.toml",
        """
        select = ["QG", "B"]
        extend_exclude = ["generated/"]
        per_path_ignores = { "tests/**" = ["QG108"], "scripts/" = ["ALL"] }
        [rules.QG114]
        severity = "minor"
        options = { max = 5 }
        [analyzers]
        enabled = ["cst", "bandit"]
        [analyzers.semgrep]
        rules = ["org-rules/"]
        jobs = 2
        [gate]
        conditions = [
            { metric = "new_violations", op = "gt", threshold = 0 },
            { metric = "new_coverage", op = "lt", threshold = 70 },
        ]
        """,
    )
    path = pyproject(
        tmp_path,
        """
        extends = ["base.toml"]
        select = ["QG"]
        extend_exclude = ["vendor/", "generated/"]
        per_path_ignores = { "tests/**" = ["QG101"] }
        [rules.QG114]
        options = { other = 1 }
        [analyzers.semgrep]
        rules = ["mine/"]
        [gate]
        conditions = [
            { metric = "new_coverage", op = "lt", threshold = 85 },
            { metric = "new_bugs", op = "gt", threshold = 0 },
        ]
        """,
    )
    settings = load_config(path).settings
    assert settings.select == ("QG",)  # a list replaces
    assert settings.extend_exclude == ("generated/", "vendor/")  # extend_exclude accumulates, once each
    assert settings.per_path_ignores == {"tests/**": ("QG101",), "scripts/": ("ALL",)}  # per pattern
    assert settings.rules["QG114"].severity is Severity.MINOR  # a table merges key by key...
    assert settings.rules["QG114"].options == {"max": 5, "other": 1}  # ...recursively
    assert settings.analyzers.enabled == ("cst", "bandit")
    assert settings.analyzers.options == {"semgrep": {"rules": ["mine/"], "jobs": 2}}
    assert settings.gate.conditions == (
        Condition(metric="new_violations", op="gt", threshold=0),
        Condition(metric="new_coverage", op="lt", threshold=85),  # replaced in place
        Condition(metric="new_bugs", op="gt", threshold=0),
    )


def test_merge_tables_directly():
    merged = merge_tables({"a": {"b": 1, "c": [1]}, "extend_exclude": ["x"]}, {"a": {"c": [2]}, "extend_exclude": ["y", "x"]})
    assert merged == {"a": {"b": 1, "c": [2]}, "extend_exclude": ["x", "y"]}


def test_extends_apply_in_order_then_the_file_itself_with_provenance(tmp_path):
    write(tmp_path / "a.toml", 'max_file_size_kb = 100\njobs = 1\nignore = ["QG109"]\n')
    write(tmp_path / "b.toml", "max_file_size_kb = 200\ntimeout_seconds = 30.0\n")
    path = pyproject(tmp_path, 'extends = ["a.toml", "b.toml"]\ntimeout_seconds = 60.0\n')
    loaded = load_config(path)
    assert (loaded.settings.max_file_size_kb, loaded.settings.jobs, loaded.settings.timeout_seconds) == (200, 1, 60.0)
    a, b = str(tmp_path / "a.toml"), str(tmp_path / "b.toml")
    assert loaded.extends == (a, b)
    assert loaded.provenance == {"max_file_size_kb": b, "jobs": a, "ignore": a, "timeout_seconds": str(path)}
    shown = {v.key: (v.value, v.source) for v in effective_values(loaded)}
    assert shown["max_file_size_kb"] == (200, b)
    assert shown["timeout_seconds"] == (60.0, str(path))
    assert shown["include"] == (["*.py"], "built-in default")
    assert shown["gate.preset"] == ("qgate-way", "built-in default")


def test_paths_are_relative_to_the_file_that_contains_them(tmp_path):
    write(tmp_path / "shared" / "root.toml", 'ignore = ["QG109"]\n')
    write(tmp_path / "repo" / "config" / "team.toml", 'extends = ["../../shared/root.toml"]\nselect = ["QG"]\n')
    path = pyproject(tmp_path / "repo", 'extends = ["config/team.toml"]\n')
    loaded = load_config(path)
    assert (loaded.settings.ignore, loaded.settings.select) == (("QG109",), ("QG",))
    assert loaded.extends == (str(tmp_path / "shared" / "root.toml"), str(tmp_path / "repo" / "config" / "team.toml"))


def test_a_preset_reached_twice_is_applied_once_at_its_first_position(tmp_path):
    write(tmp_path / "d.toml", "jobs = 4\n")
    write(tmp_path / "b.toml", 'extends = ["d.toml"]\njobs = 2\n')
    write(tmp_path / "c.toml", 'extends = ["d.toml"]\ncache = false\n')
    loaded = load_config(pyproject(tmp_path, 'extends = ["b.toml", "c.toml"]\n'))
    assert loaded.settings.jobs == 2  # d is not re-applied after b
    assert [Path(p).name for p in loaded.extends] == ["d.toml", "b.toml", "c.toml"]


def test_a_cycle_is_an_error_naming_the_chain(tmp_path):
    write(tmp_path / "a.toml", 'extends = ["b.toml"]\n')
    write(tmp_path / "b.toml", 'extends = ["a.toml"]\n')
    path = pyproject(tmp_path, 'extends = ["a.toml"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert str(info.value) == f"{b}: extends[0]: extends cycle: {path} -> {a} -> {b} -> {a}"


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    path = write(tmp_path / "qgate.toml", 'extends = ["qgate.toml"]\n')
    with pytest.raises(ConfigError, match=r"extends\[0\]: extends cycle: .*qgate.toml -> .*qgate.toml$"):
        load_config(path)


def test_missing_file_names_the_file_and_the_key(tmp_path):
    write(tmp_path / "a.toml", "")
    path = pyproject(tmp_path, 'extends = ["a.toml", "nope/base.toml"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: tool.qgate.extends[1]: extended file not found: {tmp_path / 'nope' / 'base.toml'}"


def test_unknown_preset_names_the_file_and_the_key(tmp_path):
    path = pyproject(tmp_path, 'extends = ["nobody:python"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: tool.qgate.extends[0]: unknown preset 'nobody:python' (installed presets: ")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('extends = "a.toml"\n', "tool.qgate.extends must be a list"),
        ("extends = [3]\n", "tool.qgate.extends must be a list"),
        ('extends = [":python"]\n', "tool.qgate.extends[0]: invalid preset reference ':python'"),
        ("locked = 3\n", "tool.qgate.locked must be a table"),
        ("locked = { rule = ['B602'] }\n", "unknown key 'tool.qgate.locked.rule'"),
        ("locked = { rules = 'B602' }\n", "tool.qgate.locked.rules must be a list of non-empty strings"),
        ("locked = { keys = ['a..b'] }\n", "tool.qgate.locked.keys[0]: invalid key 'a..b'"),
    ],
)
def test_bad_extends_or_locked_values(tmp_path, body, expected):
    path = pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))
    assert expected in str(info.value)


def test_errors_inside_an_extended_file_name_that_file_and_key(tmp_path):
    base = write(tmp_path / "base.toml", "[rules.QG101]\ncolour = 'red'\n")
    with pytest.raises(ConfigError) as info:
        load_config(pyproject(tmp_path, 'extends = ["base.toml"]\n'))
    assert str(info.value) == f"{base}: unknown key 'rules.QG101.colour'"


def test_extended_pyproject_uses_its_tool_qgate_table(tmp_path):
    write(tmp_path / "org" / "pyproject.toml", "[project]\nname = 'org'\n[tool.qgate]\njobs = 3\n")
    assert load_config(pyproject(tmp_path, 'extends = ["org/pyproject.toml"]\n')).settings.jobs == 3


# --- locks ----------------------------------------------------------------------------------------------

BASE = """
max_file_size_kb = 1024
[analyzers]
enabled = ["cst", "bandit"]
[rules.B602]
severity = "critical"
[rules.QG114]
options = { max = 5 }
[gate]
preset = "qgate-way"
conditions = [{ metric = "new_coverage", op = "lt", threshold = 85 }]
[locked]
rules = ["B602", "QG101", "QG114"]
gate_conditions = ["new_violations", "new_coverage", "new_duplicated_lines_density", "new_security_hotspots_reviewed"]
analyzers = ["bandit"]
keys = ["max_file_size_kb", "exclude"]
"""


def locked_repo(tmp_path: Path, body: str) -> tuple[Path, Path]:
    base = write(tmp_path / "org.toml", BASE)
    return pyproject(tmp_path, 'extends = ["org.toml"]\n' + textwrap.dedent(body)), base


@pytest.mark.parametrize(
    ("body", "key", "what"),
    [
        ("[gate]\nconditions = [{ metric = 'new_violations', op = 'gt', threshold = 5 }]",
         "gate.conditions", "loosens locked gate condition (new_violations gt 0 -> gt 5)"),
        ("[gate]\nconditions = [{ metric = 'new_coverage', op = 'lt', threshold = 80 }]",
         "gate.conditions", "loosens locked gate condition (new_coverage lt 85 -> lt 80)"),
        ("[gate]\nconditions = [{ metric = 'new_coverage', op = 'lte', threshold = 90 }]",
         "gate.conditions", "changes the operator of locked gate condition (new_coverage lt 85 -> lte 90)"),
        ("[gate]\npreset = 'no-new-issues'",
         "gate.preset", "removes locked gate condition 'new_duplicated_lines_density'"),
        ("[gate]\nsmall_change_lines = 50",
         "gate.small_change_lines", "raises small_change_lines (20 -> 50), loosening locked gate condition 'new_coverage'"),
        ("[rules.B602]\nenabled = false", "rules.B602.enabled", "disables locked rule B602"),
        ("ignore = ['B6']", "ignore", "ignores locked rule B602 (pattern 'B6')"),
        ("ignore = ['qg1*']", "ignore", "ignores locked rule QG101 (pattern 'qg1*')"),
        ("select = ['QG']", "select", "no longer selects locked rule B602"),
        ("per_path_ignores = { 'tests/**' = ['ALL'] }", 'per_path_ignores."tests/**"', "ignores locked rule B602 in 'tests/**'"),
        ("per_path_ignores = { 'a.py' = ['QG108', 'b602'] }", 'per_path_ignores."a.py"', "ignores locked rule B602 in 'a.py'"),
        ("per_path_ignores = { 'src/' = ['QG10'] }", 'per_path_ignores."src/"', "ignores locked rule QG101 in 'src/'"),
        ("[rules.B602]\nseverity = 'major'", "rules.B602.severity",
         "lowers the severity of locked rule B602 (critical -> major)"),
        ("[rules.QG101]\nseverity = 'critical'", "rules.QG101.severity",
         "sets the severity of locked rule QG101 to critical (the preset pins none: only 'blocker' may be set)"),
        ("[rules.QG114]\noptions = { max = 9 }", "rules.QG114.options", "changes the options of locked rule QG114"),
        ("[analyzers]\nenabled = ['cst']", "analyzers.enabled", "removes locked analyzer 'bandit'"),
        ("[analyzers]\noptional = ['bandit']", "analyzers.optional", "makes locked analyzer 'bandit' optional"),
        ("max_file_size_kb = 512", "max_file_size_kb", "changes locked key max_file_size_kb (1024 -> 512)"),
        ("exclude = []", "exclude", "changes locked key exclude"),
    ],
)
def test_loosening_a_locked_item_is_an_error_naming_key_file_and_preset(tmp_path, body, key, what):
    path, base = locked_repo(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: tool.qgate.{key}: {what}")
    assert message.endswith(f"(locked by {base})")
    assert "\n" not in message


@pytest.mark.parametrize(
    "body",
    [
        "[gate]\nconditions = [{ metric = 'new_coverage', op = 'lt', threshold = 95 }]",  # higher coverage
        "[gate]\nconditions = [{ metric = 'new_duplicated_lines_density', op = 'gt', threshold = 1 }]",
        "[gate]\nconditions = [{ metric = 'new_bugs', op = 'gt', threshold = 0 }]\nsmall_change_lines = 5",
        "[rules.B602]\nseverity = 'blocker'",
        "[rules.QG101]\nseverity = 'blocker'\nenabled = true",
        "ignore = ['QG2', 'B1']\nselect = ['B', 'QG1']",
        "ignore = ['B']\n[rules.B602]\nenabled = true",  # an explicit enable wins over ignore
        "per_path_ignores = { 'tests/**' = ['QG108', 'B101'] }",
        "[analyzers]\nenabled = ['cst', 'bandit', 'radon']\noptional = ['radon']",
        "max_file_size_kb = 1024\n[rules.QG114]\noptions = { max = 5 }",
    ],
)
def test_tightening_or_keeping_locked_items_is_allowed(tmp_path, body):
    path, _ = locked_repo(tmp_path, body)
    settings = load_config(path).settings
    assert settings.max_file_size_kb == 1024
    assert "bandit" in settings.analyzers.enabled


def test_allowed_tightening_takes_effect(tmp_path):
    path, base = locked_repo(
        tmp_path, "[gate]\nconditions = [{ metric = 'new_coverage', op = 'lt', threshold = 95 }]\n[rules.B602]\nseverity = 'blocker'"
    )
    loaded = load_config(path)
    assert loaded.settings.gate.conditions == (Condition(metric="new_coverage", op="lt", threshold=95),)
    assert loaded.settings.rules["B602"].severity is Severity.BLOCKER
    assert loaded.provenance["gate.conditions.new_coverage"] == str(path)
    assert Lock(kind="rule", item="B602", source=str(base)) in loaded.locks
    assert {(v.key, v.locked_by) for v in effective_values(loaded) if v.locked_by} == {
        ("max_file_size_kb", (str(base),)),
        ("exclude", (str(base),)),
        ("analyzers.enabled", (str(base),)),
        ("rules.B602.severity", (str(base),)),
        ("rules.QG114.options.max", (str(base),)),
        ("gate.preset", (str(base),)),  # new_violations etc. come from the gate preset
        ("gate.conditions.new_coverage", (str(base),)),
    }


def test_locks_hold_through_an_intermediate_preset(tmp_path):
    write(tmp_path / "org.toml", BASE)
    team = write(tmp_path / "team.toml", 'extends = ["org.toml"]\n[gate]\nconditions = [{ metric = "new_coverage", op = "lt", threshold = 95 }]\n')
    # the repository may loosen the team's tightening back to the org's locked value...
    ok = pyproject(tmp_path, 'extends = ["team.toml"]\n[gate]\nconditions = [{ metric = "new_coverage", op = "lt", threshold = 85 }]\n')
    assert load_config(ok).settings.gate.conditions[0].threshold == 85
    # ...not below it
    bad = pyproject(tmp_path, 'extends = ["team.toml"]\n[gate]\nconditions = [{ metric = "new_coverage", op = "lt", threshold = 84 }]\n')
    with pytest.raises(ConfigError, match=r"^.*pyproject.toml: tool.qgate.gate.conditions: loosens .*lt 85 -> lt 84\) \(locked by .*org.toml\)$"):
        load_config(bad)
    # and an intermediate preset that loosens is the one named
    write(team, 'extends = ["org.toml"]\nmax_file_size_kb = 4096\n')
    with pytest.raises(ConfigError) as info:
        load_config(ok)
    assert str(info.value) == (
        f"{team}: max_file_size_kb: changes locked key max_file_size_kb (1024 -> 4096) (locked by {tmp_path / 'org.toml'})"
    )


@pytest.mark.parametrize(
    ("locked", "expected"),
    [
        ("gate_conditions = ['new_bugs']", "locked.gate_conditions 'new_bugs': no gate condition on metric 'new_bugs' to lock"),
        ("analyzers = ['semgrep']", "locked.analyzers 'semgrep': analyzer 'semgrep' is not enabled"),
        ("keys = ['colour']", "locked.keys 'colour': unknown key 'colour'"),
    ],
)
def test_a_lock_must_name_something_the_preset_has(tmp_path, locked, expected):
    base = write(tmp_path / "org.toml", f"[analyzers]\nenabled = ['cst']\n[locked]\n{locked}\n")
    with pytest.raises(ConfigError) as info:
        load_config(pyproject(tmp_path, 'extends = ["org.toml"]\n'))
    assert str(info.value) == f"{base}: {expected}" or str(info.value).startswith(f"{base}: {expected}")


def test_dotted_keys_with_quotes():
    assert split_key('rules."python.lang.x".severity', "here") == ("rules", "python.lang.x", "severity")
    assert split_key('per_path_ignores."a \\"b\\"/**"', "here") == ("per_path_ignores", 'a "b"/**')
    assert split_key("max_file_size_kb", "here") == ("max_file_size_kb",)
    with pytest.raises(ConfigError, match="here: invalid key"):
        split_key('rules."x', "here")


# --- config read from a commit ----------------------------------------------------------------------------


def test_config_text_resolves_paths_through_the_given_reader(tmp_path):
    files = {tmp_path / "conf" / "base.toml": 'select = ["QG1"]\n'}  # as in the commit, not on disk
    loaded = load_config_text(
        '[tool.qgate]\nextends = ["conf/base.toml"]\n', "pyproject.toml@abc123",
        origin=tmp_path / "pyproject.toml", read=files.get,
    )
    assert loaded.settings.select == ("QG1",)
    assert loaded.provenance == {"select": str(tmp_path / "conf" / "base.toml")}


# --- installed presets (the real acme-standards package) -------------------------------------------------


def test_an_installed_preset_resolves_by_entry_point(acme_on_path, tmp_path):
    assert {"acme-standards:python", "acme-standards:strict"} <= set(available_presets())
    loaded = load_config(pyproject(tmp_path, 'extends = ["acme-standards:python"]\nextend_exclude = ["vendor/"]\n'))
    settings = loaded.settings
    assert settings.gate.preset == "no-new-issues"
    assert settings.gate.conditions == (
        Condition(metric="new_violations", op="gt", threshold=0),
        Condition(metric="new_coverage", op="lt", threshold=70),
    )
    assert settings.rules["B602"].severity is Severity.BLOCKER
    assert settings.rules["QG108"].severity is Severity.MAJOR
    assert settings.extend_exclude == ("generated/", "vendor/")
    assert loaded.extends == ("acme-standards:python",)
    assert loaded.provenance["rules.B602.severity"] == "acme-standards:python"
    assert loaded.provenance["extend_exclude"] == f"acme-standards:python + {tmp_path / 'pyproject.toml'}"
    assert Lock(kind="gate_condition", item="new_violations", source="acme-standards:python") in loaded.locks


@pytest.mark.parametrize("reference", ["python", "acme_standards:python", "ACME-Standards:python"])
def test_a_preset_name_alone_or_a_differently_spelled_distribution(acme_on_path, reference):
    loaded = load_config_text(f'extends = ["{reference}"]\n', "qgate.toml")
    assert loaded.extends == ("acme-standards:python",)
    assert loaded.settings.max_file_size_kb == 1024


def test_a_callable_preset_returning_a_dict_that_extends_another(acme_on_path):
    loaded = load_config_text('[tool.qgate]\nextends = ["acme-standards:strict"]\n', "pyproject.toml@abc")
    assert loaded.extends == ("acme-standards:python", "acme-standards:strict")
    assert loaded.settings.rules["QG114"].options == {"max": 4}  # strict's options replace python's max
    assert loaded.provenance["rules.QG114.options.max"] == "acme-standards:strict"
    with pytest.raises(ConfigError) as info:
        load_config_text(
            '[tool.qgate]\nextends = ["acme-standards:strict"]\n[tool.qgate.gate]\n'
            'conditions = [{ metric = "new_security_hotspots_reviewed", op = "lt", threshold = 50 }]\n',
            "pyproject.toml@abc",
        )
    assert str(info.value) == (
        "pyproject.toml@abc: tool.qgate.gate.conditions: loosens locked gate condition "
        "(new_security_hotspots_reviewed lt 100 -> lt 50) (locked by acme-standards:strict)"
    )


def test_the_preset_package_locks_a_rule(acme_on_path):
    with pytest.raises(ConfigError) as info:
        load_config_text('extends = ["acme-standards:python"]\nignore = ["QG101"]\n', "qgate.toml")
    assert str(info.value) == "qgate.toml: ignore: ignores locked rule QG101 (pattern 'QG101') (locked by acme-standards:python)"


def test_the_preset_package_is_only_found_when_installed(tmp_path):
    assert "acme-standards:python" not in available_presets()
    with pytest.raises(ConfigError, match=r"extends\[0\]: unknown preset 'acme-standards:python'"):
        load_config_text('extends = ["acme-standards:python"]\n', "qgate.toml")


def test_the_fixture_package_ships_its_toml(acme_site):
    assert (acme_site / "acme_standards" / "python.toml").read_text(encoding="utf-8").startswith("# ACME")
    assert os.path.isdir(acme_site / "acme_standards-1.0.0.dist-info")
