"""Gathering what decides new code (git, baseline file, the config at the reference) for ``qgate check``.

This is the edge: it asks git and reads files, then hands plain data (a NewCodeSpec and the config to
gate with) to the pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from qgate import git
from qgate.errors import GitError
from qgate.config import CONFIG_FILES, LoadedConfig, load_config_text, table_from_document, tomllib
from qgate.model import NewCodeInfo
from qgate.newcode.baseline import load_baseline
from qgate.newcode.classify import NewCodeSpec
from qgate.presets import read_disk


def plan_new_code(
    root: Path,
    config: LoadedConfig,
    *,
    base: Optional[str],
    baseline: Optional[Path],
    all_files: bool,
    env: Mapping[str, str],
) -> NewCodeSpec:
    entries = load_baseline(baseline).issues if baseline is not None else None
    configured = config.settings.new_code.reference
    if entries is not None and not (base or configured):
        return NewCodeSpec(
            info=NewCodeInfo(mode="baseline", note=f"new code: issues without a match in the baseline {baseline}"),
            baseline=entries,
        )
    # fetching a missing reference is for CI checkouts; locally a typo must not hit the network
    scope = git.new_code_scope(root, explicit=base, configured=configured, env=env, fetch=bool(env.get("CI")))
    if scope.all_new:
        mode = "baseline" if entries is not None else "all"
        return NewCodeSpec(info=NewCodeInfo(mode=mode, note=scope.reason), baseline=entries)
    choice = scope.reference
    if choice is None or scope.merge_base is None:  # new_code_scope promises both when not all_new
        raise GitError("internal: a reference without a merge base")
    changed = sum(1 for d in scope.files.values() if d.whole_file or d.added_lines)
    note = (
        f"new code: changes since {choice.ref} ({choice.source}), merge base {scope.merge_base[:12]}, "
        f"{changed} file(s) with new lines"
    )
    return NewCodeSpec(
        info=NewCodeInfo(
            mode="reference+baseline" if entries is not None else "reference",
            reference=choice.ref,
            merge_base=scope.merge_base,
            note=note,
        ),
        diff=dict(scope.files),
        baseline=entries,
        renamed=dict(scope.renamed),
        only_changed_files=not all_files,
    )


def _config_at(root: Path, sha: str, candidates: list[str]) -> Optional[LoadedConfig]:
    for rel in candidates:
        text = git.show_file(root, sha, rel)
        if text is None:
            continue
        if Path(rel).name == "pyproject.toml":
            try:
                table, _ = table_from_document(tomllib.loads(text), Path(rel))
            except tomllib.TOMLDecodeError:
                table = None
            if not table and "[tool.qgate" not in text:
                continue
        def read(path: Path) -> Optional[str]:
            # a TOML file the config extends is read at the same commit when it lives in the repository
            if root in path.parents:
                return git.show_file(root, sha, path.relative_to(root).as_posix())
            return read_disk(path)

        return load_config_text(text, f"{rel}@{sha[:12]}", origin=root / rel, read=read)
    return None


def gate_config(
    root: Path, config: LoadedConfig, spec: NewCodeSpec, from_head: bool
) -> tuple[LoadedConfig, tuple[str, ...]]:
    """The config to gate a change with: the reference commit's, unless ``from_head``.

    A change must not be able to weaken the gate that judges it (remove conditions, disable rules, add
    excludes). When the configuration differs between the reference and the working tree, the report says so.
    """
    sha = spec.info.merge_base
    if sha is None:
        return config, ()
    candidates: list[str] = []
    if config.path is not None:
        try:
            candidates.append(config.path.resolve().relative_to(root).as_posix())
        except ValueError:
            return config, ()  # a config file outside the repository is not part of the change
    candidates.extend(name for name in CONFIG_FILES if name not in candidates)
    reference = _config_at(root, sha, candidates) or LoadedConfig(settings=type(config.settings)(), path=None)
    if reference.settings == config.settings:
        return config, ()
    changed_file = config.path.name if config.path else "the qgate configuration"
    if from_head:
        return config, (f"the change modifies the qgate configuration ({changed_file}); --config-from-head: gating with it",)
    return reference, (
        f"the change modifies the qgate configuration ({changed_file}): gated with the configuration of the "
        f"reference commit {sha[:12]} (use --config-from-head to gate with the changed one)",
    )


def environment() -> Mapping[str, str]:
    return dict(os.environ)
