from pathlib import Path

import pytest

from qgate.config import DEFAULT_ANALYZERS, find_config, load_config, load_config_text
from qgate.errors import ConfigError
from qgate.model import Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file():
    loaded = load_config(None)
    assert loaded.settings.analyzers.enabled == DEFAULT_ANALYZERS
    assert loaded.settings.gate.preset == "qgate-way"
    assert loaded.label == "built-in defaults"


def test_pyproject_table_is_read(tmp_path):
    path = write(
        tmp_path / "pyproject.toml",
        """
[tool.qgate]
exclude = ["gen/"]
ignore = ["QG109"]
per_path_ignores = { "tests/**" = ["QG108"] }

[tool.qgate.rules.QG114]
severity = "minor"
options = { max = 9 }

[tool.qgate.analyzers]
enabled = ["cst", "semgrep"]

[tool.qgate.analyzers.semgrep]
rules = ["my-rules/"]

[tool.qgate.gate]
preset = "no-new-issues"
conditions = [{ metric = "new_bugs", op = "gt", threshold = 0 }]
""",
    )
    settings = load_config(path).settings
    assert settings.exclude == ("gen/",)
    assert settings.ignore == ("QG109",)
    assert settings.per_path_ignores == {"tests/**": ("QG108",)}
    assert settings.rules["QG114"].severity is Severity.MINOR
    assert settings.selection().options_for("QG114") == {"max": 9}
    assert settings.analyzers.enabled == ("cst", "semgrep")
    assert settings.analyzers.options == {"semgrep": {"rules": ["my-rules/"]}}
    assert settings.gate.conditions[0].metric == "new_bugs"


def test_qgate_toml_uses_top_level_keys(tmp_path):
    path = write(tmp_path / "qgate.toml", 'ignore = ["QG1"]\n')
    assert load_config(path).settings.ignore == ("QG1",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.qgate]\nexclud = []\n", "unknown key 'tool.qgate.exclud'"),
        ("[tool.qgate.gate]\npreset = 3\n", "tool.qgate.gate.preset"),
        ("[tool.qgate.rules.QG101]\nseverity = 'huge'\n", "tool.qgate.rules.QG101.severity"),
        ("[tool.qgate.rules.QG101]\ncolor = 'red'\n", "unknown key 'tool.qgate.rules.QG101.color'"),
        ("[tool.qgate.gate]\nconditions = [{ metric = 'x', op = 'bigger', threshold = 1 }]\n", "tool.qgate.gate.conditions.0.op"),
        ("[tool.qgate]\nmax_file_size_kb = 0\n", "tool.qgate.max_file_size_kb"),
        ("[tool.qgate.analyzers]\nsemgrep = 3\n", "tool.qgate.analyzers"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, text, expected):
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_invalid_toml_is_a_config_error(tmp_path):
    path = write(tmp_path / "qgate.toml", "ignore = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_find_config_prefers_qgate_toml_and_skips_pyproject_without_table(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.qgate]\nignore = []\n")
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "sub") == (tmp_path / "pyproject.toml").resolve()
    write(tmp_path / "sub" / "qgate.toml", "")
    assert find_config(tmp_path / "sub") == (tmp_path / "sub" / "qgate.toml").resolve()


def test_find_config_stops_at_the_repository_root(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.qgate]\n")
    (tmp_path / "repo").mkdir()
    assert find_config(tmp_path / "repo", stop=tmp_path / "repo") is None


def test_config_text_from_a_commit():
    loaded = load_config_text("[tool.qgate]\nselect = ['QG1']\n", "pyproject.toml")
    assert loaded.settings.select == ("QG1",)
