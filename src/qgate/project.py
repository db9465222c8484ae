"""The project index: which top-level modules an ``import`` can name in this repository.

Built once per run from the repository root (:func:`build_index`), it answers, for a top-level import
name, where the module comes from (:meth:`ProjectIndex.status`):

* ``stdlib``: :data:`sys.stdlib_module_names` (every platform's), plus modules removed from recent
  Pythons that older ones still have (``distutils``, ``imp``, ...);
* ``local``: a module or package of the repository itself: the stem of any ``.py``/``.pyi``/``.pyx``
  file or compiled extension, or the name of any directory holding Python files, anywhere in the
  tree (a test directory put on ``sys.path`` by pytest counts); generous on purpose;
* ``declared``: provided by a distribution the project declares: ``pyproject.toml`` (PEP 621
  ``dependencies`` and ``optional-dependencies``, PEP 735 ``dependency-groups``, ``build-system.requires``,
  Poetry's dependency tables and groups, uv's and PDM's dev dependencies), ``requirements*.txt`` (and
  ``requirements/*.txt``, following ``-r``), ``setup.cfg`` (``install_requires``, ``extras_require``,
  ``tests_require``, ``setup_requires``), literal lists given to ``setup()`` in ``setup.py``, and a
  ``Pipfile``;
* ``installed``: provided by an installed distribution (``importlib.metadata.packages_distributions()``)
  that is not declared;
* ``known``: not installed, but a well-known PyPI package (a short built-in list of popular import
  names): it exists, the project just does not have it here;
* ``unknown``: none of the above: the module exists nowhere qgate can see, possibly a hallucinated or
  typo-squatted package.

Import names are matched to distribution names by the installed metadata first, then by PEP 503
normalization of the import name itself, then by a table of well-known differences
(``yaml`` -> ``PyYAML``, ``PIL`` -> ``Pillow``, ``sklearn`` -> ``scikit-learn``, ...).

The index is a frozen pydantic model of plain data: it pickles into worker processes.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Literal, Optional

from pydantic import Field

from qgate.model import Frozen

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ModuleStatus = Literal["stdlib", "local", "declared", "installed", "known", "unknown"]

# Modules the standard library had in still-supported Pythons but no longer has (PEP 594, PEP 632, imp).
REMOVED_STDLIB = frozenset(
    {
        "aifc", "asynchat", "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt", "distutils", "imghdr",
        "imp", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd", "sndhdr",
        "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    }
)  # fmt: skip

# Standard-library modules of Pythons newer than the one running qgate (imported under version checks).
NEWER_STDLIB = frozenset({"annotationlib", "compression", "_colorize", "_pyrepl", "tomllib", "zoneinfo", "graphlib"})

# Import names whose distribution has another name (used when the distribution is not installed).
IMPORT_TO_DIST: dict[str, tuple[str, ...]] = {
    "yaml": ("pyyaml",),
    "PIL": ("pillow",),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python"),
    "bs4": ("beautifulsoup4",),
    "attr": ("attrs",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("pyjwt",),
    "jose": ("python-jose",),
    "magic": ("python-magic",),
    "multipart": ("python-multipart",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "nacl": ("pynacl",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "zmq": ("pyzmq",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "google": ("protobuf", "google-api-python-client", "google-cloud-storage", "google-auth"),
    "googleapiclient": ("google-api-python-client",),
    "github": ("pygithub",),
    "gitlab": ("python-gitlab",),
    "git": ("gitpython",),
    "slugify": ("python-slugify",),
    "telegram": ("python-telegram-bot",),
    "discord": ("discord-py",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "memcache": ("python-memcached",),
    "ldap": ("python-ldap",),
    "Levenshtein": ("python-levenshtein", "levenshtein"),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "pythoncom": ("pywin32",),
    "fitz": ("pymupdf",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "lxml": ("lxml",),
    "markdown": ("markdown",),
    "pkg_resources": ("setuptools",),
    "setuptools": ("setuptools",),
    "_pytest": ("pytest",),
    "sentry_sdk": ("sentry-sdk",),
    "ruamel": ("ruamel-yaml",),
    "tree_sitter": ("tree-sitter",),
    "typing_extensions": ("typing-extensions",),
    "importlib_metadata": ("importlib-metadata",),
    "geoip2": ("geoip2",),
    "oracledb": ("oracledb",),
    "cx_Oracle": ("cx-oracle",),
    "pylibmc": ("pylibmc",),
    "pywatchman": ("pywatchman",),
    "tblib": ("tblib",),
    "colorama": ("colorama",),
    "selenium": ("selenium",),
    "docutils": ("docutils",),
    "jinja2": ("jinja2",),
    "markupsafe": ("markupsafe",),
    "openai": ("openai",),
    "anthropic": ("anthropic",),
    "langchain": ("langchain",),
    "transformers": ("transformers",),
    "torch": ("torch",),
    "tensorflow": ("tensorflow",),
}

# Popular import names of real PyPI packages: an import of one that is neither installed nor declared is
# a missing dependency, not a possibly hallucinated package. Short on purpose; IMPORT_TO_DIST adds its keys.
WELL_KNOWN_IMPORTS = frozenset(
    {
        "aiohttp", "aiofiles", "aioredis", "alembic", "amqp", "anyio", "appdirs", "argon2", "arrow", "asgiref",
        "asyncpg", "attrs", "authlib", "autobahn", "av", "babel", "bcrypt", "billiard", "black", "bleach",
        "blinker", "boto", "boto3", "botocore", "bottle", "cachetools", "celery", "certifi", "cffi", "chardet",
        "charset_normalizer", "click", "cloudpickle", "colorlog", "coverage", "cryptography", "cssselect",
        "cython", "Cython", "dask", "databases", "deprecated", "dill", "django", "dns", "docker", "ecdsa",
        "elasticsearch", "emoji", "eventlet", "factory", "faker", "falcon", "fastapi", "filelock", "flake8",
        "flask", "flask_cors", "flask_login", "flask_sqlalchemy", "flask_wtf", "freezegun", "fsspec", "gevent",
        "graphene", "greenlet", "grpc", "gunicorn", "h11", "h2", "httpcore", "httplib2", "httpx", "humanize",
        "hypothesis", "idna", "iniconfig", "invoke", "ipython", "IPython", "isort", "itsdangerous", "jedi",
        "jmespath", "joblib", "jsonschema", "jupyter", "kafka", "keras", "kombu", "kubernetes", "langchain",
        "lightgbm", "loguru", "lz4", "mako", "marshmallow", "matplotlib", "mock", "more_itertools", "moto",
        "msgpack", "multidict", "mypy", "mysql", "nltk", "nose", "numba", "numpy", "oauthlib", "orjson",
        "packaging", "pandas", "paramiko", "parso", "passlib", "pathspec", "pendulum", "pexpect", "pika",
        "platformdirs", "plotly", "pluggy", "polars", "prometheus_client", "prompt_toolkit", "psutil",
        "ptyprocess", "py", "pyarrow", "pyasn1", "pycparser", "pydantic", "pydantic_core", "pygments",
        "pylint", "pymongo", "pymysql", "pyparsing", "pyspark", "pytest", "pytz", "pyximport", "qrcode",
        "rapidjson", "redis", "regex", "requests", "requests_oauthlib", "responses", "rich", "rsa", "ruamel",
        "s3transfer", "scipy", "scrapy", "seaborn", "semver", "setuptools", "sh", "shapely", "simplejson",
        "six", "sniffio", "sortedcontainers", "soupsieve", "sphinx", "sqlalchemy", "sqlparse", "starlette",
        "statsmodels", "structlog", "sympy", "tabulate", "tenacity", "termcolor", "tqdm", "trio", "twisted",
        "typer", "tzdata", "tzlocal", "ujson", "urllib3", "uvicorn", "uvloop", "validators", "vcr",
        "virtualenv", "watchdog", "websocket", "websockets", "werkzeug", "wheel", "wrapt", "xgboost", "xlrd",
        "xlsxwriter", "xmltodict", "yarl", "zope", "ipdb", "pudb", "icecream", "debugpy", "remote_pdb",
        "web_pdb", "nox", "tox", "pip", "wtforms", "jwt", "pytest_asyncio", "pytest_django", "pytest_mock",
        "jsonpatch", "toml", "tomli", "tomli_w", "tomlkit", "defusedxml", "libcst", "radon", "bandit",
        "semgrep", "psycopg2", "enchant", "pyinotify", "gi", "pyfakefs", "requests_mock", "numpydoc",
    }
) | frozenset(IMPORT_TO_DIST)

# Distributions imported by tooling files that projects rarely declare: never reported as undeclared.
TOOLING_IMPORTS = frozenset({"pytest", "_pytest", "setuptools", "pkg_resources", "pip", "wheel", "nox", "tox", "sphinx"})

_SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".qgate", "build", "dist", "site-packages", ".eggs", "__pypackages__",
    }
)  # fmt: skip
_MODULE_SUFFIXES = (".py", ".pyi", ".pyx", ".so", ".pyd")
MAX_WALKED_FILES = 200_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize_dist(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(text: str) -> Optional[str]:
    """The normalized distribution named by a PEP 508 requirement string (or a requirements.txt line)."""
    text = text.split(" #", 1)[0].strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("-"):  # -e URL#egg=name; other options name no distribution
        egg = _EGG.search(text)
        return normalize_dist(egg.group(1)) if egg else None
    egg = _EGG.search(text)
    if egg and "://" in text.split("#", 1)[0] and "@" not in text.split("://", 1)[0]:
        return normalize_dist(egg.group(1))
    match = _REQUIREMENT_NAME.match(text)
    return normalize_dist(match.group(1)) if match else None


class ProjectIndex(Frozen):
    """What a repository's imports can resolve to; see the module documentation."""

    root: str = Field(default="", description="Where the index was built ('' for the environment alone).")
    local_modules: frozenset[str] = frozenset()
    declared: frozenset[str] = Field(default=frozenset(), description="Normalized declared distribution names.")
    has_declarations: bool = Field(default=False, description="True when the project declares its dependencies somewhere.")
    declaration_files: tuple[str, ...] = Field(default=(), description="Files dependencies were read from, relative.")
    installed: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Top-level import name -> normalized installed distributions providing it."
    )
    errors: tuple[str, ...] = Field(default=(), description="Declaration files that could not be read, and why.")

    def distributions(self, top: str) -> set[str]:
        """Normalized distribution names that may provide the top-level module ``top``."""
        names = set(self.installed.get(top, ()))
        names.add(normalize_dist(top))
        names.update(IMPORT_TO_DIST.get(top, ()))
        return names

    def status(self, module: str) -> ModuleStatus:
        """Where the (dotted) module's top-level package comes from."""
        top = module.split(".", 1)[0]
        if is_stdlib(top):
            return "stdlib"
        if top in self.local_modules:
            return "local"
        if self.distributions(top) & self.declared:
            return "declared"
        if top in self.installed:
            return "installed"
        if top in WELL_KNOWN_IMPORTS or top.lower() in WELL_KNOWN_IMPORTS:
            return "known"
        return "unknown"

    def digest(self) -> str:
        """A short hash of everything the index holds (part of the cst analyzer's cache token)."""
        data = json.dumps(_canonical(self.model_dump()), sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def _canonical(value: object) -> object:
    """The value with every set sorted, so that its JSON (and the cache token) is the same in every process."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def is_stdlib(top: str) -> bool:
    return top in sys.stdlib_module_names or top in sys.builtin_module_names or top in REMOVED_STDLIB or top in NEWER_STDLIB or top == "__future__"


@lru_cache(maxsize=1)
def installed_modules() -> dict[str, tuple[str, ...]]:
    """Top-level import name -> normalized names of the installed distributions providing it."""
    from importlib.metadata import packages_distributions

    try:
        mapping = packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata of one distribution must not stop the analysis
        return {}
    return {name: tuple(sorted({normalize_dist(d) for d in dists})) for name, dists in mapping.items()}


@lru_cache(maxsize=1)
def environment_index() -> ProjectIndex:
    """The index of no project: the standard library and the installed distributions only."""
    return ProjectIndex(installed=installed_modules())


def build_index(root: Path) -> ProjectIndex:
    """Index the repository at ``root``: local modules, declared dependencies, installed distributions."""
    root = Path(root)
    declared: set[str] = set()
    files: list[str] = []
    errors: list[str] = []
    found_any = False
    for reader in (_read_pyproject, _read_setup_cfg, _read_setup_py, _read_pipfile, _read_requirements):
        try:
            names, sources = reader(root)
        except _Unreadable as exc:
            errors.append(str(exc))
            continue
        if sources:
            found_any = True
            files.extend(sources)
        declared.update(names)
    return ProjectIndex(
        root=str(root),
        local_modules=frozenset(local_modules(root)),
        declared=frozenset(declared),
        has_declarations=found_any,
        declaration_files=tuple(sorted(set(files))),
        installed=installed_modules(),
        errors=tuple(errors),
    )


class _Unreadable(Exception):
    pass


def local_modules(root: Path) -> set[str]:
    """Names of every module file and every directory holding Python files under ``root``.

    Inside a git work tree the file list comes from git (fast, and ignored folders such as virtualenvs do not
    count as the project's modules); elsewhere the folder is walked."""
    listed = _git_listed_files(root)
    if listed is not None:
        return _module_names(listed)
    names: set[str] = set()
    walked = 0
    for current, dirs, filenames in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") and not d.endswith(".egg-info"))
        has_python = False
        for filename in filenames:
            walked += 1
            if filename.endswith(_MODULE_SUFFIXES):
                stem = filename.split(".", 1)[0]
                if _IDENTIFIER.match(stem):
                    names.add(stem)
                    has_python = True
        if has_python and Path(current) != root:
            name = os.path.basename(current)
            if _IDENTIFIER.match(name):
                names.add(name)
        if walked > MAX_WALKED_FILES:
            break
    return names


def _git_listed_files(root: Path) -> Optional[list[str]]:
    from qgate import git  # the edge module; imported here so the index stays usable without git
    from qgate.errors import GitError

    try:
        top = git.find_repo_root(root)
        if top is None or top.resolve() != root.resolve():
            return None
        return git.work_tree_files(top)[:MAX_WALKED_FILES]
    except (GitError, OSError):
        return None


def _module_names(paths: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if any(p in _SKIP_DIRS or p.startswith(".") or p.endswith(".egg-info") for p in parts[:-1]):
            continue
        if not parts[-1].endswith(_MODULE_SUFFIXES):
            continue
        stem = parts[-1].split(".", 1)[0]
        if _IDENTIFIER.match(stem):
            names.add(stem)
        if len(parts) > 1 and _IDENTIFIER.match(parts[-2]):
            names.add(parts[-2])
    return names


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _Unreadable(f"{path.name}: {' '.join(str(exc).split())[:200]}") from None


def _names(requirements: Iterable[Any]) -> set[str]:
    result = set()
    for item in requirements:
        if isinstance(item, str):
            name = requirement_name(item)
            if name:
                result.add(name)
    return result


def _read_pyproject(root: Path) -> tuple[set[str], list[str]]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return set(), []
    doc = _load_toml(path)
    names: set[str] = set()
    declares = False
    project = doc.get("project")
    if isinstance(project, dict):
        declares = True
        if isinstance(project.get("name"), str):
            names.add(normalize_dist(project["name"]))
        names |= _names(project.get("dependencies") or [])
        for group in (project.get("optional-dependencies") or {}).values():
            names |= _names(group if isinstance(group, list) else [])
    build = doc.get("build-system")
    if isinstance(build, dict):
        names |= _names(build.get("requires") or [])
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        declares = True
        for group in groups.values():
            names |= _names(group if isinstance(group, list) else [])
    tool = doc.get("tool") if isinstance(doc.get("tool"), dict) else {}
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        declares = True
        if isinstance(poetry.get("name"), str):
            names.add(normalize_dist(poetry["name"]))
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        for group in (poetry.get("group") or {}).values():
            if isinstance(group, dict):
                tables.append(group.get("dependencies"))
        for table in tables:
            if isinstance(table, dict):
                names |= {normalize_dist(k) for k in table if k.lower() != "python"}
    uv = tool.get("uv")
    if isinstance(uv, dict):
        names |= _names(uv.get("dev-dependencies") or [])
    pdm = tool.get("pdm")
    if isinstance(pdm, dict) and isinstance(pdm.get("dev-dependencies"), dict):
        for group in pdm["dev-dependencies"].values():
            names |= _names(group if isinstance(group, list) else [])
    return names, ["pyproject.toml"] if declares else []


def _read_setup_cfg(root: Path) -> tuple[set[str], list[str]]:
    path = root / "setup.cfg"
    if not path.is_file():
        return set(), []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"setup.cfg: {' '.join(str(exc).split())[:200]}") from None
    names: set[str] = set()
    declares = False
    if parser.has_section("options"):
        for key in ("install_requires", "tests_require", "setup_requires"):
            if parser.has_option("options", key):
                declares = True
                names |= _names(ln for ln in parser.get("options", key).splitlines())
    if parser.has_section("options.extras_require"):
        declares = True
        for _, value in parser.items("options.extras_require"):
            names |= _names(value.splitlines())
    if parser.has_option("metadata", "name"):
        names.add(normalize_dist(parser.get("metadata", "name")))
    return names, ["setup.cfg"] if declares else []


def _read_setup_py(root: Path) -> tuple[set[str], list[str]]:
    path = root / "setup.py"
    if not path.is_file():
        return set(), []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return set(), []  # a setup.py qgate cannot read declares nothing it can see
    names: set[str] = set()
    declares = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg in ("install_requires", "tests_require", "setup_requires", "extras_require"):
                declares = True
                names |= _names(_literal_strings(keyword.value))
            elif keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                names.add(normalize_dist(keyword.value.value))
    return names, ["setup.py"] if declares else []


def _literal_strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _read_pipfile(root: Path) -> tuple[set[str], list[str]]:
    path = root / "Pipfile"
    if not path.is_file():
        return set(), []
    doc = _load_toml(path)
    names: set[str] = set()
    for key in ("packages", "dev-packages"):
        table = doc.get(key)
        if isinstance(table, dict):
            names |= {normalize_dist(k) for k in table}
    return names, ["Pipfile"]


def requirement_files(root: Path) -> list[Path]:
    found = {p for p in root.glob("*requirements*.txt") if p.is_file()}
    for folder in ("requirements", "reqs"):
        if (root / folder).is_dir():
            found |= {p for p in (root / folder).glob("*.txt") if p.is_file()}
    return sorted(found)


def _read_requirements(root: Path) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    seen: set[Path] = set()
    pending = requirement_files(root)
    while pending:
        path = pending.pop(0).resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise _Unreadable(f"{path.name}: {exc}") from None
        for line in lines:
            stripped = line.strip()
            include = re.match(r"^(?:-r|--requirement)\s*=?\s*(\S+)", stripped)  # not -c: constraints declare nothing
            if include:
                pending.append(path.parent / include.group(1))
                continue
            name = requirement_name(stripped)
            if name:
                names.add(name)
    relative = []
    for path in sorted(seen):
        try:
            relative.append(path.relative_to(root.resolve()).as_posix())
        except ValueError:
            relative.append(path.name)
    return names, relative
