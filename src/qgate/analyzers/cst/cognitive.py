"""Cognitive Complexity (G. Ann Campbell, SonarSource) per function and per file, from the libcst tree.

The counting mirrors SonarQube's Python analyzer (sonar-python ``CognitiveComplexityVisitor``, whose
test resource ``metrics/cognitive-complexities.py`` the tests reproduce), which is the reference where
it and the whitepaper differ:

* +1 plus the nesting level for ``if`` (not ``elif``), ``for``/``async for``, ``while``, each ``except``
  (and ``except*``) clause, and each conditional expression ``a if c else b``;
* +1 (no nesting) for ``elif`` and every ``else`` (of ``if``, ``for``, ``while``, ``try``);
* +1 for each sequence of like boolean operators, +1 again at each change of operator: ``a and b and c``
  is 1, ``a and b or c`` is 2. A parenthesized ``and``/``or`` starts its own sequence (``a and (b or c)``
  is 2, and so is ``(a and b) and c``); ``not`` adds nothing (``a and not b and c`` is 1; the operators
  under ``not (...)`` form their own sequence);
* the nesting level rises by one inside the bodies of ``if``/``elif``/``else``, loops, ``except`` and
  ``case`` clauses, and inside every part of a conditional expression; not inside the bodies of
  ``try``, ``finally``, ``with``, ``class`` or ``def``, nor at module level;
* ``match`` itself, ``case`` patterns and guards, comprehensions (their ``for`` and ``if``), lambdas,
  ``break``/``continue``, ``with`` and recursion add nothing (only the boolean operators and conditional
  expressions inside them count);
* a ``def`` nested in a function body is one level deeper than the ``def`` statement, except in the
  decorator pattern (every other statement of the enclosing function, if any, is a ``return <name>``), where it
  stays at the enclosing level; a ``class`` and any ``def`` directly under a class or the module start
  again from level 0.

A function's score includes its nested functions' (counted at their nesting in the enclosing function);
a nested function also gets its own score, computed as if it were analyzed alone (sonar-python's
``CognitiveComplexityVisitor.complexity(functionDef)``). The file's score is that of the whole module in
one scan (sonar-python's ``FileMetrics``): module-level code, class bodies and every function once.

:class:`CognitiveCounter` runs inside the engine's batched traversal (it only has ``visit_``/``leave_``
methods). It also counts physical lines as the walk goes (newline tokens, newlines inside strings and
backslash continuations), which gives each function's last code line without position metadata: the
``end_line`` of :func:`ast.parse` (and radon), the line of the last token of the function's body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import libcst as cst

_MODULE, _CLASS, _FUNCTION = 0, 1, 2


@dataclass
class FunctionScore:
    """One function definition, in source order (``index`` is its rank among every ``def`` of the file)."""

    node: cst.FunctionDef
    name: str
    qualified_name: str
    index: int
    line: int
    end_line: int = 0
    cognitive_complexity: int = 0
    nested: bool = False
    """True for a function defined (at any depth, classes included) inside another function."""


@dataclass
class CognitiveResult:
    functions: list[FunctionScore] = field(default_factory=list)
    file_complexity: int = 0
    lines: int = 0
    """Physical lines counted by the walk (the last line number reached)."""


class _Frame:
    """The module, a class body or a function, with its own nesting level and score.

    ``level`` counts from 0 at the frame's start, so ``score`` is the frame's score analyzed alone.
    ``shifted`` counts the nesting-dependent increments that move with the frame's position when it is
    added to an enclosing function (those under a nested class do not: a class resets nesting).
    ``offset`` is the function's nesting level inside its enclosing function (0 for others).
    """

    __slots__ = ("kind", "node", "level", "score", "shifted", "offset", "prefix", "in_function", "result")

    def __init__(
        self,
        kind: int,
        node: Optional[cst.CSTNode],
        prefix: str,
        in_function: bool,
        offset: int = 0,
        result: Optional[FunctionScore] = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.level = 0
        self.score = 0
        self.shifted = 0
        self.offset = offset
        self.prefix = prefix
        self.in_function = in_function
        self.result = result


def _newlines(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """The statements of a suite, simple statements split at ``;`` (as sonar-python's StatementList)."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    statements: list[cst.CSTNode] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            statements.extend(statement.body)
        else:
            statements.append(statement)
    return statements


def is_decorator_body(outer: cst.FunctionDef, inner: cst.FunctionDef) -> bool:
    """True when every statement of ``outer`` but ``inner`` is ``return <name>`` (the decorator pattern)."""
    for statement in _statements(outer.body):
        if statement is inner:
            continue
        if not (
            isinstance(statement, cst.Return)
            and isinstance(statement.value, cst.Name)
            and not statement.value.lpar
        ):
            return False
    return True


def boolean_increments(node: cst.BooleanOperation, flattened: set[int]) -> int:
    """Sequences of like operators in the un-parenthesized ``and``/``or`` tree under ``node``; the ids
    of the nested operations it covers are added to ``flattened`` (they are not counted again)."""
    operators: list[type] = []
    stack: list[tuple[cst.BooleanOperation, bool]] = [(node, False)]
    while stack:  # in-order walk: left operand, operator, right operand
        current, left_done = stack.pop()
        if not left_done:
            stack.append((current, True))
            left = current.left
            if type(left) is cst.BooleanOperation and not left.lpar:
                flattened.add(id(left))
                stack.append((left, False))
            continue
        operators.append(type(current.operator))
        right = current.right
        if type(right) is cst.BooleanOperation and not right.lpar:
            flattened.add(id(right))
            stack.append((right, False))
    count = 0
    previous = None
    for operator in operators:
        if operator is not previous:
            count += 1
        previous = operator
    return count


class CognitiveCounter:
    """Cognitive Complexity of every function and of the file, computed during the batched walk."""

    def __init__(self, def_lines: Sequence[int] = ()) -> None:
        self.def_lines = tuple(def_lines)
        self.line = 1
        self.last_code_line = 1
        self.stack: list[_Frame] = [_Frame(_MODULE, None, "", False)]
        self.functions: list[FunctionScore] = []
        self._nesting_suites: set[int] = set()
        self._elifs: set[int] = set()
        self._flattened: set[int] = set()
        self._pending_defs: dict[int, FunctionScore] = {}

    def result(self) -> CognitiveResult:
        if len(self.def_lines) == len(self.functions):  # the tokenizer's def lines are authoritative
            for function in self.functions:
                function.line = self.def_lines[function.index]
        return CognitiveResult(functions=self.functions, file_complexity=self.stack[0].score, lines=self.line)

    # line counting ------------------------------------------------------------------------------

    def visit_Newline(self, node: cst.Newline) -> None:
        self.line += 1

    def visit_TrailingWhitespace(self, node: cst.TrailingWhitespace) -> None:
        # always right after a code token: the end of a statement line or of a bracket's first line
        self.last_code_line = self.line

    def visit_SimpleWhitespace(self, node: cst.SimpleWhitespace) -> None:
        if self._pending_defs:  # the whitespace after a "def" keyword: the def line (used when the
            function = self._pending_defs.pop(id(node), None)  # tokenizer's def lines are unavailable)
            if function is not None:
                function.line = self.line
        if "\\" in node.value:  # a backslash continuation
            self.line += _newlines(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += _newlines(value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += _newlines(value)

    def visit_TemplatedStringText(self, node: cst.TemplatedStringText) -> None:
        value = node.value
        if "\n" in value or "\r" in value:
            self.line += _newlines(value)

    # scopes -------------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.stack[-1]
        offset = 0
        if parent.kind == _FUNCTION:
            assert isinstance(parent.node, cst.FunctionDef)
            offset = parent.level if is_decorator_body(parent.node, node) else parent.level + 1
        name = node.name.value
        result = FunctionScore(
            node=node,
            name=name,
            qualified_name=parent.prefix + name,
            index=len(self.functions),
            line=self.line,
            nested=parent.in_function,
        )
        self.functions.append(result)
        self._pending_defs[id(node.whitespace_after_def)] = result
        self.stack.append(_Frame(_FUNCTION, node, result.qualified_name + ".<locals>.", True, offset, result))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        frame = self.stack.pop()
        result = frame.result
        assert result is not None
        result.cognitive_complexity = frame.score
        result.end_line = self.last_code_line
        parent = self.stack[-1]
        if parent.kind == _FUNCTION:
            parent.score += frame.score + frame.shifted * frame.offset
            parent.shifted += frame.shifted
        else:
            parent.score += frame.score

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        parent = self.stack[-1]
        self.stack.append(_Frame(_CLASS, node, parent.prefix + node.name.value + ".", parent.in_function))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        frame = self.stack.pop()
        self.stack[-1].score += frame.score  # nesting restarts at a class: nothing shifts

    # nesting ------------------------------------------------------------------------------------

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._nesting_suites:
            self.stack[-1].level += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._nesting_suites:
            self._nesting_suites.discard(id(original_node))
            self.stack[-1].level -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._nesting_suites:
            self.stack[-1].level += 1

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        if id(original_node) in self._nesting_suites:
            self._nesting_suites.discard(id(original_node))
            self.stack[-1].level -= 1

    # increments ---------------------------------------------------------------------------------

    def _structural(self, body: cst.BaseSuite) -> None:
        """+1 plus the nesting level, and the body one level deeper."""
        frame = self.stack[-1]
        frame.score += 1 + frame.level
        frame.shifted += 1
        self._nesting_suites.add(id(body))

    def visit_If(self, node: cst.If) -> None:
        if type(node.orelse) is cst.If:
            self._elifs.add(id(node.orelse))
        if id(node) in self._elifs:
            self._elifs.discard(id(node))
            self.stack[-1].score += 1
            self._nesting_suites.add(id(node.body))
        else:
            self._structural(node.body)

    def visit_Else(self, node: cst.Else) -> None:
        self.stack[-1].score += 1
        self._nesting_suites.add(id(node.body))

    def visit_For(self, node: cst.For) -> None:
        self._structural(node.body)

    def visit_While(self, node: cst.While) -> None:
        self._structural(node.body)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._structural(node.body)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._structural(node.body)

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._nesting_suites.add(id(node.body))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        frame = self.stack[-1]
        frame.score += 1 + frame.level
        frame.shifted += 1
        frame.level += 1

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self.stack[-1].level -= 1

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) in self._flattened:
            self._flattened.discard(id(node))
            return
        self.stack[-1].score += boolean_increments(node, self._flattened)
