from __future__ import annotations

import posixpath
from typing import Union

import libcst as cst
from pydantic import BaseModel, ConfigDict

from qgate.analyzers.cst.rule import Invalid, Valid
from qgate.analyzers.cst.rules._ai import AI_TAG, ContextTracking, imported_modules
from qgate.model import IssueType, Severity
from qgate.project import TOOLING_IMPORTS

_TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "tasks.py", "conftest.py"})


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    declared: tuple[str, ...] = ()
    """Distributions declared somewhere qgate does not read (tox.ini, a lock file...): counted as declared."""
    ignore: tuple[str, ...] = ()
    """Top-level modules never reported."""


def is_tooling_path(path: str) -> bool:
    return posixpath.basename(path) in _TOOLING_FILES or path.split("/", 1)[0] in ("docs", "doc")


class UndeclaredDependency(ContextTracking):
    """Third-party modules should come from a declared dependency.

    The module is provided by a distribution that is installed here (or is a well-known PyPI
    package) but that the project does not declare: the code works on the machine of whoever
    installed it by hand, and fails with ``ModuleNotFoundError`` after a clean install. A coding
    assistant adds imports without touching ``pyproject.toml``; a dependency reached only through
    another one (transitive) may disappear when that one drops it.

    Declare the distribution (``[project] dependencies`` or an optional group). Only reported when
    the project declares its dependencies somewhere qgate reads (``pyproject.toml``, ``requirements*.txt``,
    ``setup.cfg``, ``setup.py``, ``Pipfile``). Lazy imports inside functions are checked (an optional
    dependency belongs in an extra). Not reported: optional imports (in a ``try`` that catches
    ``ImportError``, and later imports of the same module), imports under ``if TYPE_CHECKING:``, tooling files (``setup.py``, ``noxfile.py``,
    ``conftest.py``, ``docs/``) and tooling modules (``pytest``, ``setuptools``, ``pip``...). The ``declared``
    option lists distributions declared elsewhere, ``ignore`` modules never reported.
    """

    id = "QGA102"
    name = "undeclared-dependency"
    type = IssueType.CODE_SMELL
    severity = Severity.MAJOR
    effort_minutes = 5
    cwe = (1104,)
    tags = (AI_TAG, "dependencies")
    needs_project = True
    Options = Options

    VALID = [
        Valid(
            """
            import yaml
            import pydantic.fields
            """
        ),  # the environment alone declares nothing: nothing is reported
        Valid(
            """
            import yaml
            from pydantic import BaseModel
            import os
            from . import local
            """,
            options={"declared": ["PyYAML", "pydantic"]},
        ),
        Valid(
            """
            try:
                import yaml
            except ImportError:
                yaml = None
            if TYPE_CHECKING:
                import pydantic
            from yaml import safe_load
            """,
            options={"declared": ["requests"]},
        ),
        Valid("import yaml\n", path="setup.py", options={"declared": ["requests"]}),
    ]
    INVALID = [
        Invalid(
            """
            import json
            import yaml
            """,
            line=2,
            column=8,
            options={"declared": ["requests"]},
        ),
        Invalid(
            """
            from pydantic import BaseModel
            import numpy as np
            """,
            line=1,
            column=6,
            more=((2, 8),),
            options={"declared": ["PyYAML"]},
        ),
    ]

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: Union[cst.Import, cst.ImportFrom]) -> None:
        declared_extra = {_normalize(d) for d in self.options.declared}
        if not (self.project.has_declarations or declared_extra):
            return
        if self.optional_import(node) or is_tooling_path(self.path):
            return
        for module, target in imported_modules(node):
            top = module.split(".", 1)[0]
            if top in TOOLING_IMPORTS or top in self.options.ignore or top in self.optional_modules:
                continue
            status = self.project.status(module)
            if status not in ("installed", "known"):
                continue
            dists = sorted(self.project.distributions(top))
            if set(dists) & declared_extra:
                continue
            installed = self.project.installed.get(top)
            if installed:
                provider = ", ".join(installed)
                message = (
                    f"'{top}' comes from '{provider}', which is installed here but not a declared dependency "
                    "of the project: declare it."
                )
            else:
                message = f"'{top}' is imported but no declared dependency provides it: declare the distribution."
            self.report(target, message)


def _normalize(name: str) -> str:
    from qgate.project import normalize_dist

    return normalize_dist(name)
