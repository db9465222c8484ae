from __future__ import annotations

from pydantic import Field

from qgate.analyzers.base import NoOptions
from qgate.analyzers.cst.cognitive import CognitiveResult
from qgate.analyzers.cst.engine import EffortReport
from qgate.analyzers.cst.rule import CstRule, Invalid, Valid
from qgate.model import IssueType, Severity

BASE_EFFORT_MINUTES = 5
"""Minutes to fix an issue just over the threshold; each point above the threshold adds one minute."""


class CognitiveComplexity(CstRule):
    """Cognitive Complexity of functions should not be too high.

    Cognitive Complexity measures how hard a function's control flow is to understand: every break in
    the linear flow (``if``, ``elif``, ``else``, loops, ``except``, conditional expressions, sequences
    of mixed ``and``/``or``) adds one, and structures nested in other structures add their nesting
    level on top. Counted exactly as SonarQube's Python analyzer does (see
    :mod:`qgate.analyzers.cst.cognitive`); a function's score includes its nested functions', which are
    not reported on their own. Split the function, return early, or extract the nested parts.
    Like SonarQube S3776.

    Remediation effort: 5 minutes plus 1 minute per point over the threshold.

    Options: ``threshold`` (default 15), the highest Cognitive Complexity allowed.
    """

    id = "QG116"
    name = "cognitive-complexity"
    type = IssueType.CODE_SMELL
    severity = Severity.CRITICAL
    effort_minutes = BASE_EFFORT_MINUTES
    tags = ("brain-overload",)

    class Options(NoOptions):
        threshold: int = Field(default=15, ge=0, description="Highest Cognitive Complexity allowed.")

    VALID = [
        Valid(
            """
            def parse(items):
                for item in items:              # +1
                    if item.kind == "a":        # +2 (nesting 1)
                        handle(item)
                    elif item.kind == "b":      # +1
                        handle(item)
                    else:                       # +1
                        skip(item)
                    while item.more and item.ok:  # +2 (nesting 1), +1 for "and"
                        item = item.next
                return [x for x in items if x]  # comprehensions add nothing
            """
        ),
        Valid(
            """
            def decorator(func):
                def wrapper(*args):
                    if args:                    # +1: the decorator pattern adds no nesting
                        return func(*args)
                return wrapper
            """,
            options={"threshold": 1},
        ),
    ]
    INVALID = [
        Invalid(
            """
            def f(a, b, c):
                if a:                           # +1
                    for x in b:                 # +2
                        if x:                   # +3
                            while c:            # +4
                                if x and c:     # +5, +1
                                    pass
            """,
            line=1,
            column=5,
        ),
        Invalid(
            """
            class Parser:
                def run(self, x):
                    def inner(y):
                        if y:                   # +2 (inner is nested one level)
                            return 1 if x else 2  # +3 (inside the if body)
                    try:
                        pass
                    except ValueError:          # +1
                        pass
                    return inner

            async def g(x):
                return x or None                # +1
            """,
            line=2,
            column=9,
            options={"threshold": 5},
        ),
    ]

    def finish_metrics(self, cognitive: CognitiveResult) -> None:
        threshold = self.options.threshold
        for function in cognitive.functions:
            score = function.cognitive_complexity
            if function.nested or score <= threshold:
                continue
            self.reports.append(
                EffortReport(
                    type(self),
                    function.node.name,
                    f"Refactor this function to reduce its Cognitive Complexity from {score} to the {threshold} allowed.",
                    effort_minutes=BASE_EFFORT_MINUTES + score - threshold,
                )
            )
