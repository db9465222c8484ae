"""AI Code Assurance end to end: trailers, configured paths or --ai-code switch the gate to qgate-way-ai."""

import json

from support import git, make_repo, run_qgate

CONFIG = '[tool.qgate.analyzers]\nenabled = ["cst"]\n'
CLEAN = "def handler(x):\n    return x + 1\n"


def feature_repo(tmp_path, config=CONFIG):
    repo = make_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(config)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def check(repo, *args):
    result = run_qgate("check", "--base", "main", "--format", "json", *args, cwd=repo)
    return result, json.loads(result.stdout)


def test_assistant_trailer_applies_the_ai_gate_and_names_the_commit(tmp_path):
    repo = feature_repo(tmp_path)
    (repo / "a.py").write_text(CLEAN)
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "-m", "add handler", "-m", "Co-authored-by: Claude <noreply@anthropic.com>")
    sha = git(repo, "rev-parse", "HEAD").strip()
    result, report = check(repo)
    assert report["ai"]["applied"] is True
    assert report["ai"]["commits"] == [f"{sha[:12]} add handler"]
    assert report["gate"]["preset"] == "qgate-way-ai"
    assert "new_ai_violations" in [c["metric"] for c in report["gate"]["conditions"]]
    assert any("AI-written change" in note for note in report["gate"]["notes"])
    assert result.code == 0


def test_without_ai_signal_the_default_gate_applies(tmp_path):
    repo = feature_repo(tmp_path)
    (repo / "a.py").write_text(CLEAN)
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "-m", "add handler", "-m", "Co-authored-by: Jane Doe <jane@example.com>")
    _, report = check(repo)
    assert report["ai"] == {"applied": False, "reasons": [], "commits": []}
    assert report["gate"]["preset"] == "qgate-way"


def test_ai_code_flag_and_configured_paths(tmp_path):
    repo = feature_repo(tmp_path, CONFIG + '[tool.qgate.ai]\npaths = ["gen/**"]\n')
    (repo / "gen").mkdir()
    (repo / "gen" / "a.py").write_text(CLEAN)
    _, report = check(repo)
    assert report["ai"]["reasons"] == ["paths: gen/** matched 1 changed file(s)"]
    (repo / "gen" / "a.py").unlink()
    (repo / "b.py").write_text(CLEAN)
    _, flagged = check(repo, "--ai-code")
    assert flagged["ai"]["reasons"] == ["--ai-code"]


def test_ai_pack_finding_fails_the_ai_gate(tmp_path):
    repo = feature_repo(tmp_path)
    (repo / "a.py").write_text("def handler(x):\n    breakpoint()\n    return x\n")
    result, report = check(repo, "--ai-code")
    ai_issues = [(i["rule"], i["line"]) for i in report["issues"] if "ai" in i["tags"]]
    assert ai_issues and all(line == 2 for _, line in ai_issues)
    condition = next(c for c in report["gate"]["conditions"] if c["metric"] == "new_ai_violations")
    assert condition["status"] == "failed"
    assert result.code == 1
