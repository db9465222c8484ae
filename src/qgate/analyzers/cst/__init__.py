"""The ``cst`` analyzer: qgate's built-in rules, written against libcst (Fixit-style), and Cognitive
Complexity per function and per file (:mod:`qgate.analyzers.cst.cognitive`).

Rules live one per module in :mod:`qgate.analyzers.cst.rules` and are discovered by importing every
module of that package; see :mod:`qgate.analyzers.cst.rule` for how a rule is declared and
:mod:`qgate.analyzers.cst.engine` for how they run (one parse and one traversal per file).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any, Mapping, Optional, Sequence

from pydantic import BaseModel

from qgate.analyzers.base import AnalyzerContext, AnalyzerOutput, FileAnalyzer, validate_options
from qgate.analyzers.cst.engine import RuleSpec, file_report, resolve, run_rules, visitor_methods
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.errors import AnalyzerError
from qgate.model import RuleInfo, Severity
from qgate.project import ProjectIndex, build_index
from qgate.source import SourceFile

RULES_PACKAGE = "qgate.analyzers.cst.rules"

__all__ = ["CstAnalyzer", "CstRule", "Invalid", "Valid", "discover_rules"]


@lru_cache(maxsize=None)
def discover_rules(package: str = RULES_PACKAGE) -> tuple[type[CstRule], ...]:
    """Every rule class of the package, one per module (modules starting with ``_`` are helpers)."""
    try:
        pkg = importlib.import_module(package)
    except Exception as exc:
        raise AnalyzerError(f"cannot import cst rules package {package}: {exc}") from None
    rules: list[type[CstRule]] = []
    seen: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module_name = f"{package}.{module_info.name}"
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise AnalyzerError(f"cst rule module {module_name} failed to import: {exc}") from None
        found = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, CstRule) and obj.__module__ == module_name and "id" in vars(obj)
        ]
        if len(found) != 1:
            raise AnalyzerError(f"cst rule module {module_name} must define exactly one rule, found {len(found)}")
        rule = found[0]
        if rule.id in seen:
            raise AnalyzerError(f"cst rule id {rule.id} is declared twice ({seen[rule.id]} and {module_name})")
        try:
            visitor_methods(rule)
        except TypeError as exc:
            raise AnalyzerError(str(exc)) from None
        seen[rule.id] = module_name
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


class CstAnalyzer(FileAnalyzer):
    """Built-in rules over libcst trees: bugs and code smells a reviewer would flag."""

    name = "cst"
    description = "qgate's built-in libcst rules (QG1xx)"

    def __init__(self, context: AnalyzerContext) -> None:
        super().__init__(context)
        self.rule_classes = discover_rules()
        selection = context.selection
        specs: list[RuleSpec] = []
        severities: dict[str, Severity] = {}
        for rule in self.rule_classes:
            info = rule.info()
            if not selection.is_enabled(info):
                continue
            raw = selection.options_for(rule.id)
            options: BaseModel = validate_options(rule.Options, raw, f"tool.qgate.rules.{rule.id}.options")
            specs.append((rule, options))
            settings = selection.rules.get(rule.id)
            if settings is not None and settings.severity is not None:
                severities[rule.id] = settings.severity
        self.specs: tuple[RuleSpec, ...] = tuple(specs)
        self.severities = severities
        #: The repository's import index, built once here when an enabled rule needs it (QGA101, QGA102).
        self.project: Optional[ProjectIndex] = None
        if any(rule.needs_project for rule, _ in specs):
            self.project = build_index(context.config_root or context.root)

    def cache_inputs(self) -> Mapping[str, Any]:
        return {"project": self.project.digest()} if self.project is not None else {}

    def rules(self) -> Sequence[RuleInfo]:
        return [rule.info() for rule in self.rule_classes]

    def analyze_file(self, source: SourceFile) -> AnalyzerOutput:
        """Issues of the enabled rules, and the file's Cognitive Complexity (``measures`` and one
        FunctionMetrics per ``def``), all from one parse and one traversal."""
        raw = run_rules(source.text, source.path, self.specs, source.def_lines, project=self.project)
        issues, errors = resolve(raw, self.severities)
        report = file_report(raw, source.ncloc)
        return AnalyzerOutput(
            issues=tuple(issues), errors=tuple(errors), files=(report,) if report is not None else ()
        )
