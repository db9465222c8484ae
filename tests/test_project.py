"""The project index (qgate.project): local modules, declared and installed distributions, on real trees."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qgate.project import ProjectIndex, build_index, environment_index, normalize_dist, requirement_name


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("requests>=2.31", "requests"),
        ("PyYAML==6.0.1 ; python_version < '3.13'", "pyyaml"),
        ("zope.interface[test]~=6.0", "zope-interface"),
        ("my_pkg @ https://example.com/my_pkg-1.0.tar.gz", "my-pkg"),
        ("-e git+https://github.com/org/repo.git#egg=Some_Thing", "some-thing"),
        ("--index-url https://pypi.example.com/simple", None),
        ("# a comment", None),
        ("tomli>=2 # only on 3.10", "tomli"),
    ],
)
def test_requirement_names(text, name):
    assert requirement_name(text) == name


def test_normalize_dist_is_pep503():
    assert normalize_dist("Foo.Bar__baz-Qux") == "foo-bar-baz-qux"


def test_src_layout_and_pep621_dependencies(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "My-App"\ndependencies = ["requests>=2", "PyYAML"]\n'
                '[project.optional-dependencies]\nimages = ["Pillow>=10"]\ntest = ["pytest"]\n'
                '[dependency-groups]\nlint = ["ruff", {include-group = "test"}]\n'
                '[build-system]\nrequires = ["setuptools>=70", "setuptools-scm"]\n'
            ),
            "src/my_app/__init__.py": "",
            "src/my_app/core.py": "",
            "src/my_app/_speedups.pyx": "",
            "tests/helpers.py": "",
            "scripts/tool.py": "",
            ".venv/lib/site-packages/hidden/__init__.py": "",
            "node_modules/x/y.py": "",
        },
    )
    index = build_index(root)
    assert {"my_app", "core", "_speedups", "helpers", "tests", "scripts", "tool"} <= index.local_modules
    assert "hidden" not in index.local_modules and "y" not in index.local_modules
    assert index.declared == {"my-app", "requests", "pyyaml", "pillow", "pytest", "ruff", "setuptools", "setuptools-scm"}
    assert index.has_declarations and index.declaration_files == ("pyproject.toml",)
    assert index.status("my_app.core") == "local"
    assert index.status("helpers") == "local"
    assert index.status("os.path") == "stdlib"
    assert index.status("distutils") == "stdlib"  # removed from 3.12, still imported under version checks
    assert index.status("yaml") == "declared"  # import name differs from the distribution: metadata
    assert index.status("PIL.Image") == "declared"  # not installed here: the built-in name table
    assert index.status("pydantic") == "installed"  # qgate's dependency, not the project's
    assert index.status("numpy") in ("known", "installed")
    assert index.status("fastapi_jwt_authlib") == "unknown"


def test_poetry_requirements_setup_cfg_setup_py_and_pipfile(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": (
                '[tool.poetry]\nname = "svc"\n[tool.poetry.dependencies]\npython = "^3.11"\nbeautifulsoup4 = "*"\n'
                '[tool.poetry.group.dev.dependencies]\nscikit-learn = "*"\n'
            ),
            "requirements.txt": "-r requirements/base.txt\nopencv-python==4.9  # vision\n-c constraints.txt\n",
            "requirements/base.txt": "attrs\n",
            "constraints.txt": "numpy<2\n",
            "dev-requirements.txt": "python-dateutil\n",
            "setup.cfg": "[metadata]\nname = svc\n[options]\ninstall_requires =\n    click>=8\n    rich\n[options.extras_require]\njwt = PyJWT\n",
            "setup.py": "from setuptools import setup\nsetup(name='svc', install_requires=['httpx'], extras_require={'s3': ['boto3']})\n",
            "Pipfile": '[packages]\nredis = "*"\n[dev-packages]\nfreezegun = "*"\n',
        },
    )
    index = build_index(root)
    assert index.declaration_files == (
        "Pipfile", "dev-requirements.txt", "pyproject.toml", "requirements.txt", "requirements/base.txt", "setup.cfg", "setup.py",
    )  # fmt: skip
    assert {"beautifulsoup4", "scikit-learn", "opencv-python", "attrs", "python-dateutil", "click", "rich", "pyjwt",
            "httpx", "boto3", "redis", "freezegun", "svc"} <= index.declared  # fmt: skip
    assert "python" not in index.declared and "numpy" not in index.declared  # constraints declare nothing
    for module in ("bs4", "sklearn.linear_model", "cv2", "attr", "dateutil.parser", "jwt", "click"):
        assert index.status(module) == "declared", module
    assert index.status("numpy") in ("known", "installed")


def test_no_declarations_and_unreadable_files(tmp_path):
    root = write(tmp_path, {"app.py": "", "pyproject.toml": "[tool.black]\nline-length = 100\n"})
    index = build_index(root)
    assert index.has_declarations is False and index.declared == frozenset() and index.errors == ()
    broken = write(tmp_path / "broken", {"pyproject.toml": "[project\n", "requirements.txt": "requests\n"})
    index = build_index(broken)
    assert index.has_declarations and index.declared == {"requests"}
    assert len(index.errors) == 1 and index.errors[0].startswith("pyproject.toml: ")


def test_environment_index_and_pickling():
    env = environment_index()
    assert env.local_modules == frozenset() and not env.has_declarations
    assert env.status("yaml") == "installed" and env.status("json") == "stdlib"
    assert "pyyaml" in env.distributions("yaml")
    copy = pickle.loads(pickle.dumps(env))
    assert isinstance(copy, ProjectIndex) and copy == env and copy.digest() == env.digest()
    assert ProjectIndex(declared=frozenset({"x"})).digest() != ProjectIndex().digest()


def test_in_a_git_work_tree_local_modules_come_from_git_and_ignored_folders_do_not_count(tmp_path):
    import subprocess

    from qgate.project import local_modules

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("env/\n")
    (tmp_path / "env" / "lib").mkdir(parents=True)
    (tmp_path / "env" / "lib" / "leftpad.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "core.py").write_text("")
    (tmp_path / "tool.py").write_text("")
    found = local_modules(tmp_path)
    assert {"pkg", "core", "tool"} <= found
    assert "leftpad" not in found
