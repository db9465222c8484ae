"""AI Code Assurance: deciding that a change is AI-written, measuring the ``ai`` rule pack, and the one
``ai`` rule that needs every file at once (near-duplicate functions across files).

Everything here is pure: the caller reads git (:func:`qgate.git.commits_since`) and the files.

* :func:`assess`: the change is AI-written when ``--ai-code`` is passed, when a changed file matches
  ``[tool.qgate.ai] paths``, or when a commit of the change carries an AI trailer: ``Co-authored-by``
  naming a known assistant (see :func:`assistant_of`) or one of ``assistants``, or any trailer listed in
  ``trailers`` (``Generated-by``, ``Assisted-by`` by default) whatever its value. The result says why,
  and which commits triggered it; the caller then gates with ``settings.preset`` (``qgate-way-ai``).
* :func:`ai_measures`: ``ai_violations`` / ``new_ai_violations``, the issues of the ``ai`` pack (rules
  tagged ``ai``, security hotspots excluded, as for ``violations``).
* :func:`complexity_measures`: ``new_max_cognitive_complexity``, the highest Cognitive Complexity of a
  function the change touches.
* :func:`near_duplicate_functions`: rule QGA110.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import defaultdict
from typing import Any, Collection, Iterable, MutableMapping, Optional, Sequence

import pathspec

from qgate.config import AiSettings
from qgate.git import Commit
from qgate.model import AiAssurance, FunctionMetrics, Issue, IssueType, MetricValue, RuleInfo, Severity
from qgate.source import SourceFile

AI_TAG = "ai"

# -------------------------------------------------------------------------------------------- assistants

# Known assistants: label -> pattern on the co-author's name (the whole name, a model may follow).
_ASSISTANT_NAMES: dict[str, str] = {
    "GitHub Copilot": r"(?:github[\s-]+)?copilot(?:[\s-]+(?:swe[\s-]+agent|agent|chat))?",
    "Claude": r"claude(?:[\s-]+code)?",
    "Cursor": r"cursor(?:[\s-]+agent)?",
    "Devin": r"devin(?:[\s-]+ai)?",
    "OpenAI Codex": r"(?:openai[\s-]+)?codex(?:[\s-]+cli)?|chatgpt",
    "Gemini": r"gemini(?:[\s-]+(?:code[\s-]+assist|cli))?",
    "Jules": r"(?:google[\s-]+)?jules",
    "Aider": r"aider",
    "Amazon Q": r"amazon[\s-]*q(?:[\s-]+developer)?|codewhisperer",
    "Windsurf": r"windsurf|codeium",
    "OpenCode": r"opencode",
    "Tabnine": r"tabnine",
}
# After the assistant's name, only a model or a version may follow ("Claude Opus 4.6", "aider (gpt-4o)").
_MODEL_SUFFIX = (
    r"(?:\s*\(.*\)|[\s:/-]+(?:opus|sonnet|haiku|gpt|o\d|\d|claude|gemini|pro|flash|ultra|mini|turbo|agent|bot|"
    r"code|cli|assistant|model)[\w.\s:/()-]*)?"
)
_NAME_RES = {label: re.compile(rf"^(?:{pattern}){_MODEL_SUFFIX}(?:\[bot\])?$", re.IGNORECASE) for label, pattern in _ASSISTANT_NAMES.items()}
# Bot accounts and no-reply addresses the assistants commit with.
_EMAIL_RES: dict[str, re.Pattern[str]] = {
    "GitHub Copilot": re.compile(r"^(?:\d+\+)?(?:copilot|copilot-swe-agent(?:\[bot\])?)@users\.noreply\.github\.com$", re.I),
    "Claude": re.compile(r"^(?:noreply|claude)@anthropic\.com$|^(?:\d+\+)?claude(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "Cursor": re.compile(r"^cursoragent@cursor\.com$|^(?:\d+\+)?cursor(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "Devin": re.compile(r"^(?:\d+\+)?devin-ai-integration(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "OpenAI Codex": re.compile(r"^(?:noreply|codex)@openai\.com$|^(?:\d+\+)?chatgpt-codex-connector(?:\[bot\])?@", re.I),
    "Gemini": re.compile(r"^(?:\d+\+)?gemini-code-assist(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "Jules": re.compile(r"^(?:\d+\+)?google-labs-jules(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "Aider": re.compile(r"^(?:noreply|git)@aider\.chat$", re.I),
    "Amazon Q": re.compile(r"^(?:\d+\+)?amazon-q-developer(?:\[bot\])?@users\.noreply\.github\.com$", re.I),
    "Windsurf": re.compile(r"^(?:noreply|windsurf)@(?:codeium|windsurf)\.com$", re.I),
    "OpenCode": re.compile(r"^noreply@opencode\.ai$", re.I),
}
_IDENTITY = re.compile(r"^\s*(?P<name>[^<]*?)\s*(?:<(?P<email>[^>]*)>)?\s*$")


def assistant_of(identity: str, extra: Sequence[str] = ()) -> Optional[str]:
    """The assistant a ``Name <email>`` identity (a Co-authored-by value) names, None for a person.

    An identity is an assistant's when its e-mail is one of the assistants' bot or no-reply addresses
    (``noreply@anthropic.com``, ``cursoragent@cursor.com``, ``...+Copilot@users.noreply.github.com``...), or
    when its whole name is the assistant's, optionally followed by a model or version ("Claude Opus
    4.6", "aider (gpt-4o)", "Copilot"): "Claude Monet" is a person. ``extra`` names (configured
    ``assistants``) match case-insensitively as a substring of the name or the e-mail.
    """
    match = _IDENTITY.match(identity)
    if match is None:
        return None
    name, email = match.group("name").strip().strip('"'), (match.group("email") or "").strip()
    lowered = identity.lower()
    for configured in extra:
        if configured.strip() and configured.strip().lower() in lowered:
            return configured.strip()
    for label, pattern in _EMAIL_RES.items():
        if email and pattern.search(email):
            return label
    for label, pattern in _NAME_RES.items():
        if name and pattern.match(name):
            return label
    return None


def ai_trailers(commit: Commit, settings: AiSettings) -> list[str]:
    """The trailers of a commit that mark it as AI-written, as ``Key: value`` strings."""
    marking = {t.lower() for t in settings.trailers}
    found = []
    for key, value in commit.trailers:
        lowered = key.lower()
        if lowered in marking or (lowered == "co-authored-by" and assistant_of(value, settings.assistants)):
            found.append(f"{key}: {value}")
    return found


def assess(*, flag: bool, changed_paths: Collection[str], commits: Sequence[Commit], settings: AiSettings) -> AiAssurance:
    """Whether the change is AI-written, and why (see the module documentation).

    ``changed_paths``: repository-relative POSIX paths of the files with new code; ``commits``: the
    commits of the change (:func:`qgate.git.commits_since` from the merge base).
    """
    reasons: list[str] = []
    if flag:
        reasons.append("--ai-code")
    for pattern in settings.paths:
        spec = pathspec.GitIgnoreSpec.from_lines([pattern])
        matched = sorted(p for p in changed_paths if spec.match_file(p))
        if matched:
            reasons.append(f"paths: {pattern} matched {len(matched)} changed file(s)")
    flagged = []
    assistants: dict[str, None] = {}
    for commit in commits:
        marks = ai_trailers(commit, settings)
        if marks:
            flagged.append(f"{commit.sha[:12]} {commit.subject}")
            for mark in marks:
                key, _, value = mark.partition(": ")
                who = assistant_of(value, settings.assistants) if key.lower() == "co-authored-by" else None
                assistants[who or key] = None
    if flagged:
        reasons.append(f"{len(flagged)} commit(s) with AI trailers ({', '.join(assistants)})")
    return AiAssurance(applied=bool(reasons), reasons=tuple(reasons), commits=tuple(flagged))


# -------------------------------------------------------------------------------------------- measures


def is_ai_issue(issue: Issue) -> bool:
    """An issue of the ``ai`` pack (its rule is tagged ``ai``); security hotspots are not violations."""
    return AI_TAG in issue.tags and issue.type is not IssueType.SECURITY_HOTSPOT


def ai_measures(issues: Sequence[Issue]) -> dict[str, int]:
    """``ai_violations`` and ``new_ai_violations`` over the active (unsuppressed) issues given."""
    ai = [i for i in issues if is_ai_issue(i)]
    return {"ai_violations": len(ai), "new_ai_violations": sum(1 for i in ai if i.new)}


def complexity_measures(changed: Sequence[FunctionMetrics]) -> dict[str, MetricValue]:
    """``new_max_cognitive_complexity``: the highest Cognitive Complexity among the functions the change
    touches (the ``changed`` functions the pipeline already computes for ``new_cognitive_complexity``);
    None when no measured function changed."""
    values = [f.cognitive_complexity for f in changed if f.cognitive_complexity is not None]
    return {"new_max_cognitive_complexity": max(values) if values else None}


# -------------------------------------------------------------------------------------------- near duplicates

NEAR_DUPLICATE_RULE = RuleInfo(
    id="QGA110",
    name="near-duplicate-function",
    analyzer="ai",
    type=IssueType.CODE_SMELL,
    severity=Severity.MAJOR,
    effort_minutes=15,
    description="Functions should not be near-identical copies of functions in other files",
    docs=(
        "Functions should not be near-identical copies of functions in other files.\n\n"
        "Two functions in different files whose bodies are the same once local names (parameters and "
        "variables) and literals are normalized, with at least 6 statements: the logic was copied (a "
        "coding assistant regenerates a helper instead of importing the existing one) and every fix must "
        "now be made twice. Extract the shared function and import it.\n\n"
        "Docstrings, decorators, annotations and the function's own name are ignored; attribute names and "
        "the names of called functions, globals and builtins must be the same. Copies within one file are "
        "left to the duplication measure."
    ),
    tags=(AI_TAG, "duplication"),
)
AI_RULES: tuple[RuleInfo, ...] = (NEAR_DUPLICATE_RULE,)
"""Rules of the ``ai`` pack that are not declared by an analyzer (the caller adds them to its rule index)."""

MIN_STATEMENTS = 6


_SKIPPED_FIELDS = frozenset({"ctx", "type_comment", "annotation", "returns", "type_params", "kind"})


def _shape(node: object, local: set[str], names: dict[str, str]) -> str:
    """A normalized dump of an AST: local names renamed to their order of first appearance (v0, v1...),
    literals replaced by their type, annotations and type comments left out."""
    if isinstance(node, ast.Name):
        return "N:" + (names.setdefault(node.id, f"v{len(names)}") if node.id in local else node.id)
    if isinstance(node, ast.arg):
        return "A:" + (names.setdefault(node.arg, f"v{len(names)}") if node.arg in local else node.arg)
    if isinstance(node, ast.Constant):
        value = node.value
        return f"C:{value!r}" if isinstance(value, bool) or value is None or value is Ellipsis else f"C:{type(value).__name__}"
    if isinstance(node, ast.AST):
        parts = [
            _shape(getattr(node, field, None), local, names) for field in node._fields if field not in _SKIPPED_FIELDS
        ]
        return f"{type(node).__name__}({','.join(parts)})"
    if isinstance(node, list):
        return "[" + ",".join(_shape(item, local, names) for item in node) + "]"
    return repr(node)


def _local_names(function: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
    return names


def _statements(body: Iterable[ast.stmt]) -> int:
    return sum(1 for statement in body for node in ast.walk(statement) if isinstance(node, ast.stmt))


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _own_identifier(node: ast.AST, local: set[str]) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id if node.id not in local else None
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.keyword):
        return node.arg
    return None


def _identifiers(node: object, local: set[str], out: set[str]) -> None:
    """The names a copy must spell the same (the ones :func:`_shape` keeps verbatim): non-local names,
    attribute names and keyword names, outside annotations."""
    children = node if isinstance(node, list) else []
    if isinstance(node, ast.AST):
        name = _own_identifier(node, local)
        if name:
            out.add(name)
        children = [getattr(node, field, None) for field in node._fields if field not in _SKIPPED_FIELDS]
    for child in children:
        _identifiers(child, local, out)


def _required_identifiers(sources: Sequence[SourceFile]) -> Optional[list[frozenset[str]]]:
    """For each fingerprinted function of ``sources``, the identifiers any near-identical copy contains;
    None when some function has none (then no file can be ruled out by its text)."""
    required = []
    for source in sources:
        try:
            tree = ast.parse(source.text, filename=source.path)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and function_fingerprint(node) is not None:
                names: set[str] = set()
                local = _local_names(node)
                _identifiers(node.args, local, names)
                _identifiers(_body(node), local, names)
                if not names:
                    return None
                required.append(frozenset(names))
    return required


def _candidates(sources: Sequence[SourceFile], analyzed: Collection[str]) -> Sequence[SourceFile]:
    """The sources that may hold a copy of an analyzed file's function: the analyzed ones, and the others whose
    text contains every identifier of some analyzed function (a cheap test that spares parsing most of an
    unchanged repository on a small change; the result is the same as comparing everything)."""
    wanted = set(analyzed)
    mine = [s for s in sources if s.path in wanted]
    if len(mine) == len(sources):
        return sources
    required = _required_identifiers(mine)
    if required is None:
        return sources
    return [s for s in sources if s.path in wanted or any(all(name in s.text for name in names) for names in required)]


def function_fingerprint(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Optional[str]:
    """The normalized shape of a function with at least MIN_STATEMENTS statements, None for smaller ones."""
    body = _body(function)
    if _statements(body) < MIN_STATEMENTS:
        return None
    local = _local_names(function)
    names: dict[str, str] = {}
    text = _shape(function.args, local, names) + _shape(body, local, names)
    return hashlib.sha256(text.encode()).hexdigest()


class _Found:
    __slots__ = ("path", "name", "line", "column")

    def __init__(self, path: str, name: str, line: int, column: int) -> None:
        self.path, self.name, self.line, self.column = path, name, line, column


def _functions(source: SourceFile) -> list[tuple[str, _Found]]:
    try:
        tree = ast.parse(source.text, filename=source.path)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # the cst analyzer reports unparsable files
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        key = function_fingerprint(node)
        if key is None:
            continue
        line_text = source.line(node.lineno)
        column = line_text.find(node.name, node.col_offset)
        found.append((key, _Found(source.path, node.name, node.lineno, (column if column >= 0 else node.col_offset) + 1)))
    return found


def _functions_cached(source: SourceFile, cache: Optional[MutableMapping[str, Any]]) -> list[tuple[str, _Found]]:
    """:func:`_functions`, reused from ``cache`` (keyed by path and content) when the file did not change."""
    if cache is None:
        return _functions(source)
    key = hashlib.sha256(f"{source.path}\0{source.text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    stored = cache.get(key)
    if stored is not None:
        return [(k, _Found(source.path, name, line, column)) for k, name, line, column in stored]
    found = _functions(source)
    cache[key] = [[k, f.name, f.line, f.column] for k, f in found]
    return found


def near_duplicate_functions(
    sources: Sequence[SourceFile],
    analyzed: Optional[Collection[str]] = None,
    cache: Optional[MutableMapping[str, Any]] = None,
) -> list[Issue]:
    """QGA110 issues: functions (of at least MIN_STATEMENTS statements) whose normalized bodies are equal to
    a function's in another file. ``sources`` are every file to compare (pass unchanged files too, so that
    a new copy of an old function is found); issues are reported only on ``analyzed`` paths (default: all),
    one per copy, naming the other copies. Sorted. ``cache`` keeps each file's function fingerprints
    between runs (keyed by path and content)."""
    groups: dict[str, list[_Found]] = defaultdict(list)
    if analyzed is not None:
        sources = _candidates(sources, analyzed)
    for source in sources:
        for key, found in _functions_cached(source, cache):
            groups[key].append(found)
    wanted = set(analyzed) if analyzed is not None else None
    issues = []
    rule = NEAR_DUPLICATE_RULE
    for members in groups.values():
        if len({m.path for m in members}) < 2:
            continue
        members.sort(key=lambda m: (m.path, m.line))
        for member in members:
            if wanted is not None and member.path not in wanted:
                continue
            others = [m for m in members if m.path != member.path]
            shown = ", ".join(f"'{m.name}' in {m.path}:{m.line}" for m in others[:2])
            more = f" and {len(others) - 2} more" if len(others) > 2 else ""
            issues.append(
                Issue(
                    rule=rule.id,
                    tool=rule.analyzer,
                    type=rule.type,
                    severity=rule.severity,
                    message=(
                        f"Function '{member.name}' is a near-identical copy of {shown}{more}: "
                        "extract the shared logic and import it."
                    ),
                    path=member.path,
                    line=member.line,
                    end_line=member.line,
                    column=member.column,
                    end_column=member.column + len(member.name),
                    effort_minutes=rule.effort_minutes,
                    tags=rule.tags,
                )
            )
    return sorted(issues, key=Issue.sort_key)
