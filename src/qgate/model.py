"""The data that crosses module boundaries: frozen pydantic models, nothing else.

Conventions shared by every model here:

* paths are repository-relative POSIX strings (``pkg/mod.py``);
* lines are 1-based; columns are 1-based and ``end_column`` is exclusive (as in SARIF);
* every collection is sorted deterministically before it reaches a reporter.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

MetricValue = Optional[Union[int, float]]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IssueType(str, Enum):
    BUG = "bug"
    VULNERABILITY = "vulnerability"
    CODE_SMELL = "code_smell"
    SECURITY_HOTSPOT = "security_hotspot"


class Severity(str, Enum):
    BLOCKER = "blocker"
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most severe (blocker) to 4 for info."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = list(Severity)


class RuleInfo(Frozen):
    """A rule's identity, declared once by whoever owns the rule (a cst rule class, bandit, a semgrep YAML)."""

    id: str = Field(description="Stable rule id used in reports and suppressions, e.g. QG101 or B602.")
    name: str = Field(description="Short kebab-case name, e.g. bare-except.")
    analyzer: str
    type: IssueType
    severity: Severity
    effort_minutes: int = Field(ge=0, description="Remediation effort of one issue, in minutes.")
    description: str = Field(description="One-line summary.")
    docs: str = Field(default="", description="Long documentation (markdown).")
    cwe: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    default_enabled: bool = True


class Issue(Frozen):
    rule: str
    tool: str = Field(description="Name of the analyzer that reported the issue.")
    type: IssueType
    severity: Severity
    message: str
    path: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    column: int = Field(ge=1)
    end_column: int = Field(ge=1)
    effort_minutes: int = Field(ge=0)
    cwe: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    line_hash: str = Field(default="", description="Hash of the whitespace-stripped source of the issue's first line.")
    fingerprint: str = Field(
        default="", description="Stable id: rule + path + line_hash + occurrence index among equal triples."
    )
    new: bool = Field(default=False, description="True when the issue is on new code.")
    suppression: Optional[str] = Field(
        default=None, description="How the issue was suppressed (noqa, nosonar, qgate-ignore, nosec, config); null when active."
    )
    review: Optional[Literal["to_review", "safe", "fixed"]] = Field(
        default=None, description="Review status of a security hotspot (null for other types)."
    )

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def implied_rule(self, description: str = "") -> RuleInfo:
        """A RuleInfo for a rule nobody declared (a user's semgrep rule, an imported report's), from this issue."""
        return RuleInfo(
            id=self.rule,
            name=self.rule,
            analyzer=self.tool,
            type=self.type,
            severity=self.severity,
            effort_minutes=self.effort_minutes,
            description=description or self.message,
            cwe=self.cwe,
            tags=self.tags,
        )


class AnalysisError(Frozen):
    """An analyzer failure or an unanalyzable file, reported as data."""

    analyzer: str = Field(description="Analyzer or stage that failed (cst, bandit, discovery, ...).")
    path: Optional[str] = Field(default=None, description="The file concerned, when there is one.")
    line: Optional[int] = None
    message: str
    fatal: bool = Field(default=False, description="True when the failure makes the gate status 'error'.")

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.path or "", self.analyzer, self.line or 0, self.message)


class SkippedFile(Frozen):
    path: str
    reason: str


class FunctionMetrics(Frozen):
    name: str
    qualified_name: str
    line: int = Field(description="Line of the def keyword.")
    end_line: int
    cyclomatic_complexity: Optional[int] = None
    cognitive_complexity: Optional[int] = None


class FileReport(Frozen):
    path: str
    ncloc: int = 0
    measures: dict[str, MetricValue] = Field(default_factory=dict)
    functions: tuple[FunctionMetrics, ...] = ()


class Condition(Frozen):
    metric: str
    op: Literal["gt", "lt", "gte", "lte", "eq", "ne"]
    threshold: float


ConditionStatus = Literal["passed", "failed", "no_value", "ignored"]


class ConditionResult(Frozen):
    metric: str
    op: Literal["gt", "lt", "gte", "lte", "eq", "ne"]
    threshold: float
    actual: MetricValue
    status: ConditionStatus
    note: str = ""


class GateResult(Frozen):
    status: Literal["passed", "failed", "error"]
    preset: Optional[str] = None
    conditions: tuple[ConditionResult, ...] = ()
    notes: tuple[str, ...] = ()


class Metrics(Frozen):
    overall: dict[str, MetricValue] = Field(default_factory=dict)
    new_code: dict[str, MetricValue] = Field(default_factory=dict)


class ToolInfo(Frozen):
    name: str = "qgate"
    version: str


class NewCodeInfo(Frozen):
    mode: Literal["all", "reference", "baseline", "reference+baseline"] = "all"
    reference: Optional[str] = None
    merge_base: Optional[str] = None
    note: str = ""


class Location(Frozen):
    path: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)


class Duplication(Frozen):
    """One duplicated block: the same token sequence in two or more places."""

    tokens: int = Field(description="Length of the duplicated token sequence.")
    lines: int = Field(description="Lines spanned by the first occurrence.")
    occurrences: tuple[Location, ...] = Field(description="Every place the block stands, sorted.")


class AiAssurance(Frozen):
    """Whether the change is treated as AI-written (the stricter gate applies), and why."""

    applied: bool = False
    reasons: tuple[str, ...] = Field(default=(), description="Why: --ai-code, configured paths, commit trailers.")
    commits: tuple[str, ...] = Field(default=(), description="Commits whose trailers name an assistant: 'sha subject'.")


class Report(Frozen):
    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    root: str = Field(description="Analysis root (absolute path).")
    new_code: NewCodeInfo = Field(default_factory=NewCodeInfo)
    ai: AiAssurance = Field(default_factory=AiAssurance)
    gate: GateResult
    metrics: Metrics
    issues: tuple[Issue, ...] = ()
    suppressed: tuple[Issue, ...] = Field(default=(), description="Issues silenced in source or config; counted, not gated.")
    files: tuple[FileReport, ...] = ()
    duplications: tuple[Duplication, ...] = ()
    rules: tuple[RuleInfo, ...] = Field(default=(), description="Every rule that reported an issue, by id.")
    skipped: tuple[SkippedFile, ...] = Field(default=(), description="Files not analyzed (size limit, binary, ...).")
    errors: tuple[AnalysisError, ...] = ()
    duration_seconds: float = 0.0
