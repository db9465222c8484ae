"""Importing external findings: SARIF 2.1.0 (real ruff and semgrep output, CodeQL/mypy-style hand-written logs)
and SonarQube's generic issue format (current and deprecated variants)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Optional

import pytest
from support import FIXTURES

from qgate.errors import InputError
from qgate.imports import ImportResult, load_import, parse_import
from qgate.model import AnalysisError, IssueType, Severity

IMPORTS = FIXTURES / "imports"
RUFF_ROOT_URI = b"file:///tmp/qgate-imports/project/"  # where ruff.sarif was produced (see fixtures/imports/README.md)

BUG, VULN, SMELL = IssueType.BUG, IssueType.VULNERABILITY, IssueType.CODE_SMELL
BLOCKER, CRITICAL, MAJOR, MINOR, INFO = (
    Severity.BLOCKER,
    Severity.CRITICAL,
    Severity.MAJOR,
    Severity.MINOR,
    Severity.INFO,
)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A fresh copy of fixtures/imports/project (tests add symlinks to it)."""
    dest = tmp_path / "repo"
    shutil.copytree(IMPORTS / "project", dest)
    return dest


def rows(result: ImportResult) -> list[tuple[Any, ...]]:
    return [
        (i.tool, i.rule, i.path, i.line, i.column, i.end_line, i.end_column, i.type, i.severity) for i in result.issues
    ]


def sarif(results: list[dict[str, Any]], *, rules: Optional[list[dict[str, Any]]] = None, **run: Any) -> bytes:
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "Test Tool", "rules": rules or []}}, "results": results, **run}],
    }
    return json.dumps(doc).encode()


def result_at(uri: str, *, rule: str = "R1", base: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": uri}
    if base is not None:
        artifact["uriBaseId"] = base
    return {
        "ruleId": rule,
        "message": {"text": "msg"},
        "locations": [
            {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 2, "startColumn": 3}}}
        ],
        **extra,
    }


def import_one(root: Path, result: dict[str, Any], **kw: Any) -> ImportResult:
    return parse_import("sarif", sarif([result], **kw), root=root, label="t.sarif")


def only_error(result: ImportResult) -> AnalysisError:
    assert result.issues == ()
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.analyzer == "import:sarif" and error.fatal is False
    return error


# ------------------------------------------------------------------------------------------ real tool output


def test_ruff_sarif_file_uris_mapped_and_percent_decoded(root: Path) -> None:
    data = (IMPORTS / "ruff.sarif").read_bytes().replace(RUFF_ROOT_URI, root.as_uri().encode() + b"/")
    result = parse_import("sarif", data, root=root, label="ruff.sarif")
    # ruff marks every result level "error": SonarQube's mapping makes them critical; no security signal -> code smell
    assert rows(result) == [
        ("ruff", "F401", "pkg/app.py", 1, 8, 1, 10, SMELL, CRITICAL),
        ("ruff", "B006", "pkg/app.py", 5, 20, 5, 22, SMELL, CRITICAL),
        ("ruff", "E711", "pkg/app.py", 6, 15, 6, 19, SMELL, CRITICAL),
        ("ruff", "S602", "pkg/app.py", 8, 12, 8, 27, SMELL, CRITICAL),
        ("ruff", "F401", "pkg/with space.py", 1, 8, 1, 11, SMELL, CRITICAL),
    ]
    assert result.issues[0].message == "`os` imported but unused"
    assert all(i.effort_minutes == 0 and i.suppression is None and i.fingerprint == "" for i in result.issues)
    assert result.errors == ()
    rules = {r.id: r for r in result.rules}
    assert sorted(rules) == ["B006", "E711", "F401", "S602"]
    b006 = rules["B006"]
    assert (b006.name, b006.analyzer, b006.type, b006.severity) == ("mutable-argument-default", "ruff", SMELL, CRITICAL)
    assert b006.description == "Do not use mutable data structures for argument defaults"
    assert b006.docs.startswith("## What it does\nChecks for uses of mutable objects")
    assert b006.docs.endswith("<https://docs.astral.sh/ruff/rules/mutable-argument-default>")
    assert rules["E711"].default_enabled is True  # ruff says enabled=false for rules outside its defaults


def test_ruff_sarif_from_another_checkout_is_rejected(root: Path) -> None:
    """Unrewritten, ruff's URIs point at /tmp/qgate-imports/project: outside this root, every result rejected."""
    result = load_import("sarif", IMPORTS / "ruff.sarif", root=root)
    assert result.issues == ()
    assert [e.message.split(": ", 1)[1] for e in result.errors][:2] == [
        "runs[0].results[0] (F401): path 'file:///tmp/qgate-imports/project/pkg/app.py' is outside the repository",
        "runs[0].results[1] (B006): path 'file:///tmp/qgate-imports/project/pkg/app.py' is outside the repository",
    ]
    assert len(result.errors) == 5


def test_semgrep_sarif_srcroot_relative_uris(root: Path) -> None:
    result = load_import("sarif", IMPORTS / "semgrep.sarif", root=root)
    assert rows(result) == [
        ("semgrep-oss", "tmp.qgate-imports.none-equality", "pkg/app.py", 6, 8, 6, 19, SMELL, MAJOR),
        ("semgrep-oss", "tmp.qgate-imports.shell-true", "pkg/app.py", 8, 12, 8, 44, VULN, CRITICAL),
    ]
    shell = result.issues[1]
    assert shell.message == "subprocess called with shell=True on cmd"
    assert shell.cwe == (78,)
    assert "security" in shell.tags
    rule = {r.id: r for r in result.rules}["tmp.qgate-imports.shell-true"]
    assert (rule.type, rule.severity, rule.cwe, rule.analyzer) == (VULN, CRITICAL, (78,), "semgrep-oss")


# ------------------------------------------------------------------------------------------ hand-written SARIF


def test_handwritten_codeql_and_mypy_runs(root: Path) -> None:
    result = load_import("sarif", IMPORTS / "handwritten.sarif", root=root)
    assert rows(result) == [
        ("codeql", "py/unused-import", "pkg/app.py", 1, 1, 1, 10, SMELL, MINOR),  # rule.index lookup, note
        ("codeql", "py/unused-import", "pkg/app.py", 2, 1, 2, 18, SMELL, MAJOR),  # result level overrides
        ("codeql", "py/modification-of-default-value", "pkg/app.py", 5, 1, 5, 1, BUG, MAJOR),  # ruleIndex only
        ("codeql", "py/equals-none", "pkg/app.py", 6, 8, 6, 19, SMELL, MINOR),  # extension rule
        ("codeql", "py/command-line-injection", "pkg/app.py", 8, 12, 8, 44, VULN, BLOCKER),  # uriBaseId chain
        ("mypy", "arg-type", "pkg/app.py", 8, 28, 8, 31, SMELL, CRITICAL),  # artifactLocation.index
        ("mypy", "misc", "pkg/with space.py", 1, 1, 1, 1, SMELL, MINOR),  # undeclared rule
    ]
    by_rule = {i.rule: i for i in result.issues}
    mutated = by_rule["py/modification-of-default-value"]
    assert mutated.message == "This expression mutates the default value of parameter items."
    assert mutated.suppression == "external"
    assert mutated.cwe == (563,)
    assert by_rule["py/command-line-injection"].cwe == (78, 88)
    assert by_rule["py/equals-none"].message == "Testing equality to None"  # no text: the rule's shortDescription
    assert [i.suppression for i in result.issues if i.rule == "py/unused-import"] == [None, None]  # underReview
    assert [e.message for e in result.errors] == [
        f"{IMPORTS / 'handwritten.sarif'}: runs[0].results[6] (py/unused-import): result has no file location",
        f"{IMPORTS / 'handwritten.sarif'}: runs[0].results[7] (py/unused-import): "
        "path '../../outside.py' is outside the repository",
        f"{IMPORTS / 'handwritten.sarif'}: runs[0].results[8] (py/unused-import): "
        "path 'https://example.com/app.py' has an unsupported URI scheme 'https'",
    ]
    rules = {r.id: r for r in result.rules}
    assert sorted(rules) == [
        "arg-type",
        "misc",
        "py/command-line-injection",
        "py/equals-none",
        "py/modification-of-default-value",
        "py/unused-import",
        "var-annotated",
    ]
    injection = rules["py/command-line-injection"]
    assert (injection.type, injection.severity, injection.cwe) == (VULN, BLOCKER, (78, 88))
    assert injection.description == "Uncontrolled command line"
    assert "Use a **list** of arguments." in injection.docs
    assert (rules["py/equals-none"].analyzer, rules["py/equals-none"].severity) == ("codeql", MINOR)
    misc = rules["misc"]  # synthesised from its issue
    assert (misc.analyzer, misc.type, misc.severity, misc.description) == ("mypy", SMELL, MINOR, "misc")


# ------------------------------------------------------------------------------------------ paths


def test_absolute_path_and_file_uri_inside_root_are_mapped(root: Path) -> None:
    plain = import_one(root, result_at(str(root / "pkg" / "app.py")))
    uri = import_one(root, result_at((root / "pkg" / "with space.py").as_uri()))
    localhost = import_one(root, result_at("file://localhost" + (root / "pkg" / "app.py").as_posix()))
    dotted = import_one(root, result_at(str(root / "pkg" / ".." / "pkg" / "app.py")))
    assert [(i.path, i.line, i.column) for r in (plain, uri, localhost, dotted) for i in r.issues] == [
        ("pkg/app.py", 2, 3),
        ("pkg/with space.py", 2, 3),
        ("pkg/app.py", 2, 3),
        ("pkg/app.py", 2, 3),
    ]
    assert plain.issues[0].tool == "test-tool"


def test_root_given_through_a_symlink_still_maps_real_paths(root: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    result = import_one(alias, result_at((root / "pkg" / "app.py").as_uri()))
    assert [(i.path, i.line) for i in result.issues] == [("pkg/app.py", 2)]


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("/etc/passwd", "is outside the repository"),
        ("file:///etc/passwd", "is outside the repository"),
        ("file:///C:/work/repo/pkg/app.py", "is outside the repository"),
        ("C:\\work\\repo\\pkg\\app.py", "is outside the repository"),
        ("../outside.py", "is outside the repository"),
        ("pkg/../../outside.py", "is outside the repository"),
        ("pkg%2F..%2F..%2Foutside.py", "is outside the repository"),  # decoded before the check
        ("file://fileserver/share/pkg/app.py", "is on another host (fileserver)"),
        ("https://example.com/pkg/app.py", "has an unsupported URI scheme 'https'"),
        ("pkg", "is not a file in the repository"),
        (".", "is the repository root, not a file"),
        ("pkg/app.py%00.txt", "contains a NUL character"),
    ],
)
def test_paths_outside_the_repository_are_rejected(root: Path, uri: str, reason: str) -> None:
    error = only_error(import_one(root, result_at(uri)))
    assert error.message == f"t.sarif: runs[0].results[0] (R1): path {uri!r} {reason}"


def test_absolute_path_outside_root_is_rejected(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    error = only_error(import_one(root, result_at(outside.as_uri())))
    assert error.message == f"t.sarif: runs[0].results[0] (R1): path {outside.as_uri()!r} is outside the repository"
    assert error.path is None


def test_symlinks_out_of_the_repository_are_rejected(root: Path, tmp_path: Path) -> None:
    outside_dir = tmp_path / "outside"
    outside_dir.mkdir()
    (outside_dir / "secret.py").write_text("x = 1\n")
    (root / "pkg" / "link.py").symlink_to(outside_dir / "secret.py")
    (root / "linkdir").symlink_to(outside_dir)
    (root / "pkg" / "inner.py").symlink_to(root / "pkg" / "app.py")  # a link inside the repo is fine
    results = [
        import_one(root, result_at("pkg/link.py")),
        import_one(root, result_at("linkdir/secret.py")),
        import_one(root, result_at(str(root / "linkdir" / "secret.py"))),
    ]
    for result in results:
        error = only_error(result)
        assert error.message.endswith("resolves (through a symlink) outside the repository")
    inner = import_one(root, result_at("pkg/inner.py"))
    assert [(i.path, i.line) for i in inner.issues] == [("pkg/inner.py", 2)]


def test_missing_file_inside_root_is_rejected_with_its_path(root: Path) -> None:
    error = only_error(import_one(root, result_at("pkg/gone.py")))
    assert error.path == "pkg/gone.py"
    assert error.message == "t.sarif: runs[0].results[0] (R1): path 'pkg/gone.py' is not a file in the repository"
    huge = "pkg/" + "x" * 5000 + ".py"  # too long for the file system: no crash, a shortened one-line message
    error = only_error(import_one(root, result_at(huge)))
    assert error.path == huge
    assert len(error.message) == len("t.sarif: ") + 500
    assert error.message.startswith("t.sarif: runs[0].results[0] (R1): path 'pkg/xxx") and error.message.endswith(
        "x..."
    )


def test_uri_base_ids(root: Path, tmp_path: Path) -> None:
    bases = {
        "SRCROOT": {"uri": root.as_uri() + "/"},
        "PKG": {"uri": "pkg/", "uriBaseId": "SRCROOT"},
        "AWAY": {"uri": (tmp_path / "other").as_uri() + "/"},
        "LOOP": {"uri": "a/", "uriBaseId": "LOOP"},
    }
    cases = [
        ("app.py", "PKG"),  # chain to an absolute base inside the root
        ("pkg/app.py", "SRCROOT"),
        ("pkg/app.py", "%SRCROOT%"),  # not defined by the run: the repository root
        ("with%20space.py", "PKG"),
        ("pkg/app.py", "AWAY"),
        ("x.py", "LOOP"),
    ]
    result = parse_import(
        "sarif",
        sarif([result_at(uri, base=base) for uri, base in cases], originalUriBaseIds=bases),
        root=root,
        label="t.sarif",
    )
    assert [i.path for i in result.issues] == ["pkg/app.py", "pkg/app.py", "pkg/app.py", "pkg/with space.py"]
    assert [e.message for e in result.errors] == [
        "t.sarif: runs[0].results[4] (R1): path 'pkg/app.py' is outside the repository",
        "t.sarif: runs[0].results[5] (R1): path 'x.py' has a uriBaseId chain that is too long or cyclic (LOOP)",
    ]


# ------------------------------------------------------------------------------------------ rules, levels, types


def test_rule_lookup_by_index_and_missing_rule(root: Path) -> None:
    rules = [{"id": "A1", "defaultConfiguration": {"level": "note"}}, {"id": "B2", "shortDescription": {"text": "Bee"}}]
    results = [
        {**result_at("pkg/app.py", rule="x"), "ruleId": None, "ruleIndex": 1, "message": {}},
        {**result_at("pkg/app.py"), "ruleId": None, "rule": {"index": 0}},
        {**result_at("pkg/app.py"), "ruleId": None, "ruleIndex": 7},  # out of range, no id
        {**result_at("pkg/app.py"), "ruleId": "A1/sub"},  # hierarchical id: descriptor A1
    ]
    result = parse_import("sarif", sarif(results, rules=rules), root=root, label="t.sarif")
    assert [(i.rule, i.severity, i.message) for i in result.issues] == [
        ("A1", MINOR, "msg"),
        ("A1/sub", MINOR, "msg"),
        ("B2", MAJOR, "Bee"),
    ]
    assert [e.message for e in result.errors] == ["t.sarif: runs[0].results[2]: result has no rule id"]


@pytest.mark.parametrize(
    ("result_level", "default_level", "kind", "severity"),
    [
        ("error", None, None, CRITICAL),
        ("warning", None, None, MAJOR),
        ("note", None, None, MINOR),
        ("none", None, None, MINOR),
        (None, "error", None, CRITICAL),
        (None, "note", "fail", MINOR),
        ("note", "error", None, MINOR),  # the result's level wins
        (None, None, None, MAJOR),  # SARIF's default level is warning
        (None, "error", "review", MINOR),  # a non-fail kind defaults to level none
    ],
)
def test_level_to_severity(
    root: Path, result_level: Optional[str], default_level: Optional[str], kind: Optional[str], severity: Severity
) -> None:
    rule: dict[str, Any] = {"id": "R1"}
    if default_level:
        rule["defaultConfiguration"] = {"level": default_level}
    extra: dict[str, Any] = {}
    if result_level:
        extra["level"] = result_level
    if kind:
        extra["kind"] = kind
    result = import_one(root, result_at("pkg/app.py", **extra), rules=[rule])
    assert [(i.type, i.severity) for i in result.issues] == [(SMELL, severity)]


@pytest.mark.parametrize(
    ("score", "issue_type", "severity"),
    [
        ("9.8", VULN, BLOCKER),
        (9.0, VULN, BLOCKER),
        ("8.9", VULN, CRITICAL),
        ("7", VULN, CRITICAL),
        (6.9, VULN, MAJOR),
        ("4.0", VULN, MAJOR),
        ("3.9", VULN, MINOR),
        (0.1, VULN, MINOR),
        ("0.0", VULN, INFO),
        ("bogus", SMELL, MAJOR),  # not a number: ignored, the level decides
        ("nan", SMELL, MAJOR),
        (-1, SMELL, MAJOR),
    ],
)
def test_security_severity_bands(root: Path, score: Any, issue_type: IssueType, severity: Severity) -> None:
    rule = {"id": "R1", "defaultConfiguration": {"level": "warning"}, "properties": {"security-severity": score}}
    result = import_one(root, result_at("pkg/app.py"), rules=[rule])
    assert [(i.type, i.severity) for i in result.issues] == [(issue_type, severity)]
    assert [(r.type, r.severity) for r in result.rules] == [(issue_type, severity)]


def test_result_properties_and_tags_decide_type_and_cwe(root: Path) -> None:
    results = [
        result_at("pkg/app.py", rule="SEC", level="error", properties={"tags": ["Security", "CWE-22"]}),
        result_at("pkg/app.py", rule="SCORE", properties={"security-severity": "7.5"}),
        result_at("pkg/app.py", rule="BUG", level="error", properties={"tags": ["correctness"]}),
        result_at(
            "pkg/app.py", rule="CWE", properties={"cwe": ["CWE-798: Hard-coded Credentials"], "tags": ["cwe/89"]}
        ),
        result_at("pkg/app.py", rule="CWE2", properties={"cwe": "CWE-0020", "tags": ["external/cwe/cwe-079"]}),
    ]
    result = parse_import("sarif", sarif(results), root=root, label="t.sarif")
    assert [(i.rule, i.type, i.severity, i.cwe) for i in sorted(result.issues, key=lambda i: i.rule)] == [
        ("BUG", BUG, CRITICAL, ()),
        ("CWE", SMELL, MAJOR, (89, 798)),
        ("CWE2", SMELL, MAJOR, (20, 79)),
        ("SCORE", VULN, CRITICAL, ()),
        ("SEC", VULN, CRITICAL, (22,)),
    ]


@pytest.mark.parametrize(
    ("suppressions", "expected"),
    [
        ([{"kind": "inSource"}], "external"),
        ([{"kind": "external", "status": "accepted"}], "external"),
        ([{"kind": "inSource"}, {"kind": "external", "status": "accepted"}], "external"),
        ([{"kind": "external", "status": "underReview"}], None),
        ([{"kind": "external", "status": "rejected"}], None),
        ([{"kind": "inSource", "status": "accepted"}, {"kind": "external", "status": "rejected"}], None),
        ([], None),
    ],
)
def test_suppressed_results(root: Path, suppressions: list[dict[str, str]], expected: Optional[str]) -> None:
    result = import_one(root, result_at("pkg/app.py", suppressions=suppressions))
    assert [(i.rule, i.line, i.suppression) for i in result.issues] == [("R1", 2, expected)]


def test_non_problem_kinds_are_skipped_and_regions_default(root: Path) -> None:
    results = [
        {**result_at("pkg/app.py"), "kind": "pass"},
        {**result_at("pkg/app.py"), "kind": "notApplicable"},
        {**result_at("pkg/app.py"), "kind": "informational"},
        {
            "ruleId": "NOREGION",
            "message": {"text": "whole file"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "pkg/app.py"}}}],
        },
        {
            "ruleId": "SPAN",
            "message": {"text": "{0} is {1}; {5} stays"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "pkg/app.py"},
                        "region": {"startLine": 5, "endLine": 6},
                    }
                },
                {"physicalLocation": {"artifactLocation": {"uri": "pkg/with%20space.py"}, "region": {"startLine": 1}}},
            ],
        },
    ]
    results[4]["message"]["arguments"] = ["cmd", "None"]
    result = parse_import("sarif", sarif(results), root=root, label="t.sarif")
    assert [(i.rule, i.path, i.line, i.column, i.end_line, i.end_column, i.message) for i in result.issues] == [
        ("NOREGION", "pkg/app.py", 1, 1, 1, 1, "whole file"),
        ("SPAN", "pkg/app.py", 5, 1, 6, 1, "cmd is None; {5} stays"),  # first location only
    ]
    assert result.errors == ()


def test_import_is_deterministic(root: Path) -> None:
    first = load_import("sarif", IMPORTS / "handwritten.sarif", root=root)
    second = load_import("sarif", IMPORTS / "handwritten.sarif", root=root)
    assert first == second
    assert [i.sort_key() for i in first.issues] == sorted(i.sort_key() for i in first.issues)


# ------------------------------------------------------------------------------------------ unreadable input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((IMPORTS / "sarif-2.0.json").read_bytes(), "x: SARIF version '2.0.0' is not supported (only 2.1.0)"),
        (b'{"version": 2.1, "runs": []}', "x: SARIF version 2.1 is not supported (only 2.1.0)"),
        (
            (IMPORTS / "truncated.sarif").read_bytes(),
            "x: malformed or truncated JSON (line 34 column 14: Expecting property name enclosed in double quotes)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "x: not UTF-8 text (byte 0)"),
        (b"not json at all", "x: malformed or truncated JSON (line 1 column 1: Expecting value)"),
        (b"  \n", "x: empty file"),
        (b"[1, 2]", "x: not a SARIF log (top-level JSON is list, not an object)"),
        (b'{"runs": []}', "x: not a SARIF log (no 'version')"),
        (b'{"issues": []}', "x: not a SARIF log (no 'version') (looks like a generic issue report: use generic=PATH)"),
        (b'{"version": "2.1.0"}', "x: invalid SARIF at runs: Field required"),
        (b'{"version": "2.1.0", "runs": [{"results": []}]}', "x: invalid SARIF at runs[0].tool: Field required"),
        (b'\xef\xbb\xbf{"version": "2.1.0", "runs": {}}', "x: invalid SARIF at runs: Input should be a valid list"),
        (b"[" * 100_000 + b"]" * 100_000, "x: JSON nested too deeply"),
        (b'{"version": "2.1.0", "runs": [' + b"1" * 5000 + b"]}", None),
    ],
)
def test_unusable_sarif_raises_input_error(root: Path, data: bytes, message: Optional[str]) -> None:
    with pytest.raises(InputError) as info:
        parse_import("sarif", data, root=root, label="x")
    text = str(info.value)
    assert "\n" not in text
    if message is None:
        assert text.startswith("x: unreadable JSON (Exceeds the limit (4300 digits)")
    else:
        assert text == message


@pytest.mark.parametrize(
    ("region", "where", "msg"),
    [
        ({"startLine": 0}, "startLine", "Input should be greater than or equal to 1"),
        ({"startLine": 10**30}, "startLine", "Input should be less than or equal to 2147483647"),
        (
            {"startLine": 3, "endColumn": "wide"},
            "endColumn",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
    ],
)
def test_absurd_values_name_the_json_path(root: Path, region: dict[str, Any], where: str, msg: str) -> None:
    result = {**result_at("pkg/app.py")}
    result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": "pkg/app.py"}, "region": region}}]
    with pytest.raises(InputError) as info:
        import_one(root, result)
    assert (
        str(info.value)
        == f"t.sarif: invalid SARIF at runs[0].results[0].locations[0].physicalLocation.region.{where}: {msg}"
    )


def test_unknown_level_and_bad_tags_are_input_errors(root: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"^t\.sarif: invalid SARIF at runs\[0\]\.results\[0\]\.level: "
        r"Input should be 'none', 'note', 'warning' or 'error'$",
    ):
        import_one(root, result_at("pkg/app.py", level="fatal"))
    with pytest.raises(
        InputError,
        match=r"^t\.sarif: invalid SARIF at runs\[0\]\.results\[0\]\.properties\.tags\[0\]: "
        r"Input should be a valid string$",
    ):
        import_one(root, result_at("pkg/app.py", properties={"tags": [{"deep": [[[]]]}]}))


def test_load_import_file_errors(root: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^unknown import kind 'pylint' \(expected one of: sarif, generic\)$"):
        load_import("pylint", IMPORTS / "ruff.sarif", root=root)
    missing = tmp_path / "missing.sarif"
    with pytest.raises(InputError) as info:
        load_import("sarif", missing, root=root)
    assert str(info.value) == f"{missing}: no such file"
    with pytest.raises(InputError) as info:
        load_import("generic", tmp_path, root=root)
    assert str(info.value) == f"{tmp_path}: is a directory, not a report file"
    if os.geteuid() != 0:
        locked = tmp_path / "locked.sarif"
        locked.write_text("{}")
        locked.chmod(0)
        with pytest.raises(InputError) as info:
            load_import("sarif", locked, root=root)
        assert str(info.value) == f"{locked}: cannot read (Permission denied)"


# ------------------------------------------------------------------------------------------ generic format


def test_generic_current_format(root: Path) -> None:
    result = load_import("generic", IMPORTS / "generic-current.json", root=root)
    assert [
        (i.tool, i.rule, i.path, i.line, i.column, i.end_line, i.end_column, i.type, i.severity, i.effort_minutes)
        for i in result.issues
    ] == [
        ("generic", "undeclared", "pkg/__init__.py", 1, 1, 1, 1, SMELL, MAJOR, 0),
        ("my-linter", "none-eq", "pkg/app.py", 6, 8, 6, 19, BUG, MINOR, 2),  # rule type/severity beat impacts
        ("my-linter", "no-shell", "pkg/app.py", 8, 12, 8, 44, VULN, CRITICAL, 30),  # HIGH tie: SECURITY wins
        ("my-linter", "long-line", "pkg/with space.py", 1, 1, 1, 1, SMELL, MINOR, 0),  # not percent-decoded
    ]
    assert [i.message for i in result.issues] == [
        "a rule the report does not declare",
        "Equality with None",  # empty message: the rule's name
        "shell=True",
        "Line too long (90 > 79)",
    ]
    assert [(e.analyzer, e.message) for e in result.errors] == [
        (
            "import:generic",
            f"{IMPORTS / 'generic-current.json'}: issues[3] (long-line): "
            "path '../elsewhere.py' is outside the repository",
        )
    ]
    rules = {r.id: r for r in result.rules}
    shell = rules["no-shell"]
    assert (shell.name, shell.analyzer, shell.type, shell.severity) == ("No shell=True", "my-linter", VULN, CRITICAL)
    assert shell.description == "Do not call subprocess with shell=True"
    assert shell.tags == ("clean-code:trustworthy",)
    assert (rules["undeclared"].analyzer, rules["undeclared"].severity) == ("generic", MAJOR)


def test_generic_legacy_format_zero_based_columns(root: Path) -> None:
    result = load_import("generic", IMPORTS / "generic-legacy.json", root=root)
    assert [
        (i.tool, i.rule, i.path, i.line, i.column, i.end_line, i.end_column, i.type, i.severity, i.effort_minutes)
        for i in result.issues
    ] == [
        ("test", "rule2", "pkg/app.py", 1, 1, 1, 1, BUG, INFO, 0),
        ("test", "rule3", "pkg/app.py", 5, 1, 8, 44, VULN, CRITICAL, 0),
        ("test", "rule1", "pkg/app.py", 5, 20, 5, 22, SMELL, BLOCKER, 90),  # 0-based 19..21 -> 1-based 20..22
    ]
    assert result.errors == ()
    assert [(r.id, r.analyzer, r.type, r.severity) for r in result.rules] == [
        ("rule1", "test", SMELL, BLOCKER),
        ("rule2", "test", BUG, INFO),
        ("rule3", "test", VULN, CRITICAL),
    ]


def test_generic_absolute_paths(root: Path, tmp_path: Path) -> None:
    def issue(path: str) -> dict[str, Any]:
        return {
            "engineId": "e",
            "ruleId": "r",
            "type": "BUG",
            "severity": "MAJOR",
            "primaryLocation": {"message": "m", "filePath": path, "textRange": {"startLine": 2, "startColumn": 4}},
        }

    doc = {"issues": [issue(str(root / "pkg" / "app.py")), issue(str(tmp_path / "x.py")), issue("pkg/with%20space.py")]}
    result = parse_import("generic", json.dumps(doc).encode(), root=root, label="g.json")
    assert [(i.path, i.line, i.column, i.end_column) for i in result.issues] == [("pkg/app.py", 2, 5, 5)]
    assert [(e.path, e.message) for e in result.errors] == [
        (None, f"g.json: issues[1] (r): path {str(tmp_path / 'x.py')!r} is outside the repository"),
        ("pkg/with%20space.py", "g.json: issues[2] (r): path 'pkg/with%20space.py' is not a file in the repository"),
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"rules": []}, "g.json: invalid generic issue report at issues: Field required"),
        (
            {"issues": [{"ruleId": "r"}]},
            "g.json: invalid generic issue report at issues[0].primaryLocation: Field required",
        ),
        (
            {
                "issues": [
                    {
                        "ruleId": "r",
                        "primaryLocation": {"filePath": "a.py", "textRange": {"startLine": 1, "startColumn": -1}},
                    }
                ]
            },
            "g.json: invalid generic issue report at issues[0].primaryLocation.textRange.startColumn: "
            "Input should be greater than or equal to 0",
        ),
        (
            {"issues": [{"ruleId": "r", "type": "HOTSPOT", "primaryLocation": {"filePath": "a.py"}}]},
            "g.json: invalid generic issue report at issues[0].type: "
            "Input should be 'BUG', 'VULNERABILITY' or 'CODE_SMELL'",
        ),
        (
            {"rules": [{"id": "r", "impacts": [{"softwareQuality": "SPEED", "severity": "HIGH"}]}], "issues": []},
            "g.json: invalid generic issue report at rules[0].impacts[0].softwareQuality: "
            "Input should be 'MAINTAINABILITY', 'RELIABILITY' or 'SECURITY'",
        ),
        ({"version": "2.1.0", "runs": []}, "g.json: not a generic issue report (looks like SARIF: use sarif=PATH)"),
        ([], "g.json: not a generic issue report (top-level JSON is list, not an object)"),
    ],
)
def test_unusable_generic_raises_input_error(root: Path, doc: Any, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_import("generic", json.dumps(doc).encode(), root=root, label="g.json")
    assert str(info.value) == message
