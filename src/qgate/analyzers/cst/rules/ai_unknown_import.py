from __future__ import annotations

from typing import Union

import libcst as cst
from pydantic import BaseModel, ConfigDict

from qgate.analyzers.cst.rule import Invalid, Valid
from qgate.analyzers.cst.rules._ai import AI_TAG, ContextTracking, imported_modules
from qgate.model import IssueType, Severity


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    known: tuple[str, ...] = ()
    """Top-level modules that exist although qgate cannot see them (provided by the runtime, a plugin host...)."""


class UnknownImport(ContextTracking):
    """Imported modules should exist: this one is nowhere to be found.

    The module is not in the standard library, not a module or package of this repository, not
    provided by any installed distribution, not provided by any dependency the project declares
    (``pyproject.toml``, ``requirements*.txt``, ``setup.cfg``, ``setup.py``, ``Pipfile``), and not a
    well-known PyPI package. Coding assistants invent plausible package names ("hallucinated"
    packages); attackers register such names on PyPI so that a later ``pip install`` of the missing
    name runs their code ("slopsquatting"), and a typo of a real name is the same risk. At best the
    import fails at run time.

    Check the name; if the module is real, declare the distribution that provides it. Not reported:
    relative imports, ``__future__``, imports inside a ``try`` whose handlers catch ``ImportError``
    (optional imports, in the body or the fallback) and later imports of the same module, imports under
    ``if TYPE_CHECKING:``, and imports inside a function (the lazy import of an optional dependency).
    Modules that exist but qgate cannot see are listed in the ``known`` option. See the project
    index (:mod:`qgate.project`) for where qgate looks.
    """

    id = "QGA101"
    name = "unknown-import"
    type = IssueType.BUG
    severity = Severity.MAJOR
    effort_minutes = 10
    cwe = (829,)
    tags = (AI_TAG, "supply-chain", "dependencies")
    needs_project = True
    Options = Options

    VALID = [
        Valid(
            """
            import os.path
            import json as js
            from collections import abc
            from . import sibling
            from .models import User
            from __future__ import annotations
            import pydantic
            """
        ),
        Valid(
            """
            try:
                import fastjson_turbo_pro as json
            except ImportError:
                import json

            if TYPE_CHECKING:
                from typing_helpers_xyz import Alias

            def render():
                import fancy_optional_renderer
            """
        ),
        Valid(
            """
            import company_runtime_api
            """,
            options={"known": ["company_runtime_api"]},
        ),
    ]
    INVALID = [
        Invalid(
            """
            import os
            import requests_oauth3_helper
            """,
            line=2,
            column=8,
        ),
        Invalid(
            """
            from fastapi_jwt_authlib.security import verify
            import json, pydantic_settings_loader.core as cfg

            class Loader:
                import huggingface_tokenizer_utils as hf
            """,
            line=1,
            column=6,
            more=((2, 14), (5, 12)),
        ),
    ]

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: Union[cst.Import, cst.ImportFrom]) -> None:
        if self.optional_import(node) or self.in_function:
            return
        for module, target in imported_modules(node):
            top = module.split(".", 1)[0]
            if top in self.optional_modules or top in self.options.known or self.project.status(module) != "unknown":
                continue
            self.report(
                target,
                f"Module '{top}' exists nowhere qgate can see: not in the standard library, not in this repository, "
                "not installed, not a declared dependency. Check the name (a hallucinated or typo-squatted package?).",
            )
