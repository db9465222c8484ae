"""`qgate check --import sarif=PATH`: ruff's real SARIF, tracked, suppressed and gated like native issues."""

import shutil

from support import FIXTURES, git, make_repo, run_qgate

CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'


def test_imported_ruff_findings_are_mapped_suppressed_and_gated(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(CONFIG)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    git(repo, "checkout", "-q", "-b", "feature")
    shutil.copytree(FIXTURES / "imports" / "project" / "pkg", repo / "pkg")
    app = repo / "pkg" / "app.py"
    lines = app.read_text().splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\n") + "  # noqa: E711\n"  # suppress ruff's E711 on line 6 in source
    app.write_text("".join(lines))
    sarif = (FIXTURES / "imports" / "ruff.sarif").read_text().replace("file:///tmp/qgate-imports/project/", repo.as_uri() + "/")
    (tmp_path / "ruff.sarif").write_text(sarif)
    result = run_qgate("check", "--base", "main", "--import", f"sarif={tmp_path / 'ruff.sarif'}", "--format", "json", cwd=repo)
    report = result.json()
    ruff = [(i["rule"], i["tool"], i["path"], i["line"], i["new"]) for i in report["issues"] if i["tool"] == "ruff"]
    assert ruff == [
        ("F401", "ruff", "pkg/app.py", 1, True),
        ("B006", "ruff", "pkg/app.py", 5, True),
        ("S602", "ruff", "pkg/app.py", 8, True),
        ("F401", "ruff", "pkg/with space.py", 1, True),
    ]
    assert [(i["rule"], i["suppression"]) for i in report["suppressed"] if i["tool"] == "ruff"] == [("E711", "noqa")]
    assert all(i["fingerprint"] for i in report["issues"])
    assert {r["id"] for r in report["rules"]} >= {"F401", "B006", "S602"}
    assert result.code == 1


def test_bad_import_spec_and_corrupt_report_are_exit_2(tmp_path):
    (tmp_path / "qgate.toml").write_text('[analyzers]\nenabled = ["cst"]\n')
    bad_kind = run_qgate("check", "--import", "pdf=x", cwd=tmp_path)
    assert bad_kind.code == 2 and "KIND=PATH" in bad_kind.stderr
    corrupt = run_qgate("check", "--import", f"sarif={FIXTURES / 'imports' / 'truncated.sarif'}", cwd=tmp_path)
    assert corrupt.code == 2 and corrupt.stderr.count("\n") == 1
