"""The orchestration of one ``qgate check``, and nothing else.

discovery -> sources -> analyzers -> findings (selection, severity, suppression, fingerprints) -> new code
-> metrics -> gate -> Report. Each step is a function of the previous step's data; the side effects are
reading files (here and in discovery) and the analyzers' own scanner processes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from pydantic import Field

from qgate import __version__
from qgate.analyzers._subprocess import allow_scanners, terminate_scanners
from qgate.analyzers.base import Analyzer, AnalyzerContext, AnalyzerOutput, FileAnalyzer, load_analyzer
from qgate.cache import AnalyzerCache, KeyedCache, content_key, split_by_file
from qgate.config import LoadedConfig, Settings
from qgate.discovery import Candidate, Discovery, discover, is_excluded
from qgate.errors import ConfigError, QgateError
from qgate.gate.conditions import evaluate_gate
from qgate.ai import AI_RULES, NEAR_DUPLICATE_RULE, ai_measures, assess, complexity_measures, near_duplicate_functions
from qgate.git import Commit
from qgate.imports import ImportResult
from qgate.gate.presets import effective_conditions
from qgate.metrics.duplication import DuplicationResult, DuplicationSettings, duplication_measures, find_duplications
from qgate.metrics.coverage import CoverageData, check_matches, coverage_measures
from qgate.metrics.counts import issue_counts, size_measures
from qgate.metrics.debt import debt_measures
from qgate.metrics.hotspots import HotspotReview, apply_reviews, hotspot_measures
from qgate.model import (
    AnalysisError,
    Duplication,
    FileReport,
    Frozen,
    FunctionMetrics,
    GateResult,
    Issue,
    Metrics,
    MetricValue,
    Report,
    RuleInfo,
    SkippedFile,
    ToolInfo,
)
from qgate.newcode.classify import NewCodeSpec, changed_functions, classify, new_code_lines
from qgate.newcode.fingerprint import assign_fingerprints
from qgate.source import SourceDecodeError, SourceFile, decode_source, load_source
from qgate.suppression import PathIgnores, apply_suppressions

CACHE_DIR = Path(".qgate/cache")

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage description, done, total). The CLI draws it; the pipeline only reports."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


class StdinSource(Frozen):
    path: str = Field(description="Repository-relative POSIX path the buffer is analyzed as.")
    text: str
    with_semgrep: bool = Field(default=False, description="Start semgrep too (it costs seconds to start).")


class CheckRequest(Frozen):
    root: Path
    paths: tuple[Path, ...] = ()
    config: LoadedConfig
    new_code: NewCodeSpec = Field(default_factory=NewCodeSpec)
    notes: tuple[str, ...] = Field(default=(), description="Notes for the gate section (e.g. config taken from the reference).")
    reviews: tuple[HotspotReview, ...] = Field(default=(), description="Recorded security hotspot reviews.")
    coverage: Optional[CoverageData] = Field(default=None, description="Imported coverage reports, merged.")
    use_cache: bool = True
    stdin: Optional[StdinSource] = Field(default=None, description="Editor mode: one buffer analyzed as if at its path.")
    imports: tuple[ImportResult, ...] = Field(default=(), description="Findings imported from other tools' reports.")
    ai_code: bool = Field(default=False, description="--ai-code: treat the change as AI-written.")
    commits: tuple[Commit, ...] = Field(default=(), description="The change's commits (for AI trailers).")


# ---------------------------------------------------------------------------------------------- analyzers


def build_analyzers(
    settings: Settings, root: Path, config_label: str, *, config_root: Optional[Path] = None, skip: frozenset[str] = frozenset()
) -> list[Analyzer]:
    """Instantiate the enabled analyzers with their options. Config errors name the file and key."""
    analyzers: list[Analyzer] = []
    unknown_tables = set(settings.analyzers.options) - set(settings.analyzers.enabled)
    selection = settings.selection()
    for name in settings.analyzers.enabled:
        if name in skip:
            continue
        cls = load_analyzer(name)
        context = AnalyzerContext(
            root=root,
            config_root=config_root,
            options=settings.analyzers.options.get(name, {}),
            options_source=f"tool.qgate.analyzers.{name}",
            selection=selection,
            timeout_seconds=settings.timeout_seconds,
        )
        try:
            analyzers.append(cls(context))
        except ConfigError as exc:
            raise ConfigError(f"{config_label}: {exc}") from None
    for name in sorted(unknown_tables):
        load_analyzer(name)  # an options table for an analyzer that is not installed is a config error
    return analyzers


def available_rules(settings: Settings, root: Path, config_label: str) -> list[RuleInfo]:
    """Every rule qgate can report with this configuration: the enabled analyzers' and the cross-file ones."""
    rules = [rule for analyzer in build_analyzers(settings, root, config_label) for rule in analyzer.rules()]
    return [*rules, *AI_RULES]


def _guarded(analyzer: Analyzer, sources: Sequence[SourceFile]) -> AnalyzerOutput:
    """Run one analyzer; an unexpected exception becomes a fatal error entry, never a traceback."""
    try:
        return analyzer.analyze(sources)
    except QgateError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not crash the gate
        message = f"crashed: {type(exc).__name__}: {exc}"
    return AnalyzerOutput(errors=(AnalysisError(analyzer=analyzer.name, message=message, fatal=True),))


def _guarded_file(analyzer: FileAnalyzer, source: SourceFile) -> AnalyzerOutput:
    """One file through one per-file analyzer; a crash is a fatal error entry naming the file."""
    try:
        return analyzer.analyze_file(source)
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not crash the gate
        error = AnalysisError(
            analyzer=analyzer.name, path=source.path, message=f"crashed: {type(exc).__name__}: {exc}", fatal=True
        )
        return AnalyzerOutput(errors=(error,))


# Per-file work in worker processes: each worker builds the analyzers once (initializer), then takes chunks.
_WORKER_ANALYZERS: dict[str, FileAnalyzer] = {}
_WORKER_STOP: list = []  # the parent's "stop" event, set when qgate is interrupted


def _init_worker(specs: Sequence[tuple[str, AnalyzerContext]], stop: Any = None) -> None:
    # a terminal's Ctrl-C reaches the whole process group: the parent stops the workers, they stay quiet
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if stop is not None:
        _WORKER_STOP[:] = [stop]
    for name, context in specs:
        analyzer = load_analyzer(name)(context)
        if isinstance(analyzer, FileAnalyzer):
            _WORKER_ANALYZERS[name] = analyzer


def _work_chunk(chunk: Sequence[tuple[SourceFile, tuple[str, ...]]]) -> list[tuple[str, str, AnalyzerOutput]]:
    rows = []
    for source, names in chunk:
        if _WORKER_STOP and _WORKER_STOP[0].is_set():
            break  # the parent was interrupted and discards every result: finish now
        rows.extend((name, source.path, _guarded_file(_WORKER_ANALYZERS[name], source)) for name in names)
    return rows


PARALLEL_MIN_FILES = 40


def run_file_analyzers(
    analyzers: Sequence[FileAnalyzer], todo: dict[str, list[SourceFile]], jobs: int, progress: Progress = no_progress
) -> dict[str, dict[str, AnalyzerOutput]]:
    """name -> path -> output. Fans out over a process pool for large runs, serial otherwise or on failure."""
    by_path: dict[str, tuple[SourceFile, list[str]]] = {}
    for analyzer in analyzers:
        for source in todo[analyzer.name]:
            by_path.setdefault(source.path, (source, []))[1].append(analyzer.name)
    items = [(source, tuple(names)) for source, names in by_path.values()]
    results: dict[str, dict[str, AnalyzerOutput]] = {a.name: {} for a in analyzers}
    if jobs > 1 and len(items) >= PARALLEL_MIN_FILES:
        try:
            for name, path, output in _parallel(analyzers, items, jobs, progress):
                results[name][path] = output
            return results
        except (OSError, BrokenProcessPool, RuntimeError, AttributeError, TypeError, ValueError):
            # no worker processes here (restricted sandbox, unpicklable plugin): fall back to the serial path
            results = {a.name: {} for a in analyzers}
    instances = {a.name: a for a in analyzers}
    for done, (source, names) in enumerate(items, start=1):
        for name in names:
            results[name][source.path] = _guarded_file(instances[name], source)
        progress("analyzing files", done, len(items))
    return results


def _parallel(
    analyzers: Sequence[FileAnalyzer], items: list, jobs: int, progress: Progress = no_progress
) -> list[tuple[str, str, AnalyzerOutput]]:
    specs = [(a.name, a.context) for a in analyzers]
    # big files first, so that the last chunks are small and the workers finish together
    items = sorted(items, key=lambda item: -len(item[0].text))
    size = max(1, min(32, len(items) // (jobs * 8)))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("spawn")  # no fork() while scanner threads run
    rows: list[tuple[str, str, AnalyzerOutput]] = []
    done = 0
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(specs, stop))
    try:
        for chunk, chunk_rows in zip(chunks, pool.map(_work_chunk, chunks)):
            rows.extend(chunk_rows)
            done += len(chunk)
            progress("analyzing files", done, len(items))
    except KeyboardInterrupt:  # SIGINT or SIGTERM: stop the scanners too, now, not after the pool
        stop.set()
        terminate_scanners()
        _stop_pool(pool)
        raise
    except BaseException:
        _stop_pool(pool)  # broken: do not wait for the queued chunks
        raise
    pool.shutdown()
    return rows


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued chunks and wait only for the ones under way (no orphan workers after SIGINT/SIGTERM).

    The workers are not killed: one killed while sending its result would leave the pool's result pipe
    half-written and the parent blocked on it forever."""
    pool.shutdown(wait=True, cancel_futures=True)


def run_analyzers(
    analyzers: Sequence[Analyzer],
    sources: Sequence[SourceFile],
    *,
    cache_dir: Optional[Path] = None,
    jobs: int = 1,
    progress: Progress = no_progress,
) -> dict[str, AnalyzerOutput]:
    """Every analyzer over the sources: cached results first; external scanners (batch analyzers) run in
    threads, each once, on the files the cache missed, while per-file analyzers run in a process pool."""
    caches = {a.name: AnalyzerCache(cache_dir, a.name, a.cache_token()) for a in analyzers} if cache_dir else {}
    hits: dict[str, list[AnalyzerOutput]] = {a.name: [] for a in analyzers}
    todo: dict[str, list[SourceFile]] = {a.name: [] for a in analyzers}
    for analyzer in analyzers:
        cache = caches.get(analyzer.name)
        for source in sources:
            found = cache.get(source) if cache else None
            if found is None:
                todo[analyzer.name].append(source)
            else:
                hits[analyzer.name].append(found)

    batch = [a for a in analyzers if not isinstance(a, FileAnalyzer) and todo[a.name]]
    per_file = [a for a in analyzers if isinstance(a, FileAnalyzer) and todo[a.name]]
    fresh: dict[str, AnalyzerOutput] = {}
    per_file_results: dict[str, dict[str, AnalyzerOutput]] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(batch))) as pool:
            futures: dict[str, Future[AnalyzerOutput]] = {a.name: pool.submit(_guarded, a, todo[a.name]) for a in batch}
            try:
                if per_file:
                    per_file_results = run_file_analyzers(per_file, todo, jobs, progress)
                for done, (name, future) in enumerate(futures.items()):
                    progress(f"waiting for {name}", done, len(futures))
                    fresh[name] = future.result()
            except BaseException:
                # interrupted: stop the scanners so that the threads (joined on leaving this block) end now
                for future in futures.values():
                    future.cancel()
                terminate_scanners()
                raise
    finally:
        allow_scanners()
    for name, outputs in per_file_results.items():
        fresh[name] = AnalyzerOutput.merge([outputs[s.path] for s in todo[name]])

    for analyzer in analyzers:
        output = fresh.get(analyzer.name)
        cache = caches.get(analyzer.name)
        if cache is None or output is None or any(e.fatal for e in output.errors):
            continue  # never cache the results of a run that failed
        per_source = per_file_results.get(analyzer.name) or split_by_file(output, todo[analyzer.name])
        for source in todo[analyzer.name]:
            cache.put(source, per_source[source.path])
        cache.save()
    return {a.name: AnalyzerOutput.merge([*hits[a.name], *([fresh[a.name]] if a.name in fresh else [])]) for a in analyzers}


# ---------------------------------------------------------------------------------------------- findings


def _rule_index(analyzers: Sequence[Analyzer]) -> dict[str, RuleInfo]:
    index: dict[str, RuleInfo] = {}
    for analyzer in analyzers:
        try:
            rules = list(analyzer.rules())
        except Exception:  # noqa: BLE001 - a plugin that cannot list its rules still runs
            rules = []
        for rule in rules:
            index.setdefault(rule.id, rule)
    return index


def rule_of(issue: Issue, rules: dict[str, RuleInfo]) -> RuleInfo:
    """The rule behind an issue; one its analyzer did not declare (a user's semgrep rule) is described by the issue."""
    return rules.get(issue.rule) or issue.implied_rule()


def select_and_override(issues: Sequence[Issue], settings: Settings, rules: dict[str, RuleInfo]) -> list[Issue]:
    """Drop issues of disabled rules and apply per-rule severity overrides."""
    selection = settings.selection()
    kept: list[Issue] = []
    for issue in issues:
        info = rule_of(issue, rules)
        if not selection.is_enabled(info):
            continue
        override = settings.rules.get(issue.rule)
        if override is not None and override.severity is not None:
            issue = issue.model_copy(update={"severity": override.severity})
        kept.append(issue)
    return kept


def collapse_errors(errors: Sequence[AnalysisError]) -> list[AnalysisError]:
    """One entry per broken file, however many analyzers tripped on it (the first one's message is kept)."""
    first: dict[str, int] = {}
    others: dict[str, list[str]] = {}
    result: list[AnalysisError] = []
    for error in errors:
        if error.path is None or error.fatal:
            result.append(error)
        elif error.path in first:
            others[error.path].append(error.analyzer)
        else:
            first[error.path] = len(result)
            others[error.path] = []
            result.append(error)
    for path, index in first.items():
        also = sorted(set(others[path]) - {result[index].analyzer})
        if also:
            result[index] = result[index].model_copy(
                update={"message": f"{result[index].message} (also reported by {', '.join(also)})"}
            )
    return sorted(result, key=AnalysisError.sort_key)


def merge_file_reports(sources: Sequence[SourceFile], partials: Sequence[FileReport]) -> list[FileReport]:
    """One FileReport per analyzed file: qgate's own line counts plus every analyzer's measures and functions."""
    by_path: dict[str, list[FileReport]] = {}
    for partial in partials:
        by_path.setdefault(partial.path, []).append(partial)
    reports = []
    for source in sources:
        measures: dict[str, MetricValue] = {"lines": source.loc, "ncloc": source.ncloc, "comment_lines": source.comment_lines}
        functions: dict[tuple[int, str], dict] = {}
        for partial in by_path.get(source.path, []):
            measures.update(partial.measures)
            for fn in partial.functions:
                slot = functions.setdefault((fn.line, fn.name), {})
                slot.update({k: v for k, v in fn.model_dump().items() if v is not None})
        merged = tuple(FunctionMetrics(**data) for _, data in sorted(functions.items()))
        reports.append(FileReport(path=source.path, ncloc=source.ncloc, measures=measures, functions=merged))
    return reports


# ---------------------------------------------------------------------------------------------- the check


def load_sources(
    files: Sequence[Candidate], scans: Optional[KeyedCache] = None
) -> tuple[list[SourceFile], list[AnalysisError]]:
    """Read, decode and scan the files; ``scans`` keeps the token scans of unchanged files between runs."""
    sources: list[SourceFile] = []
    errors: list[AnalysisError] = []
    for candidate in files:
        try:
            sources.append(load_source(candidate.path, candidate.abspath, scans))  # type: ignore[arg-type]
        except SourceDecodeError as exc:
            errors.append(AnalysisError(analyzer="qgate", path=candidate.path, message=f"cannot decode: {exc}"))
        except OSError as exc:
            errors.append(
                AnalysisError(analyzer="qgate", path=candidate.path, message=f"cannot read: {exc.strerror or exc}")
            )
    return sources, errors


class AnalysisPlan(Frozen):
    """How to run the analyzers of one check (everything but the files and the settings)."""

    root: Path = Field(description="Where the analyzers read files (a scratch folder in editor mode).")
    config_root: Path = Field(description="The repository: where paths in options resolve.")
    config_label: str
    cache_dir: Optional[Path] = None
    skip: frozenset[str] = frozenset()
    imports: tuple[ImportResult, ...] = ()
    extra_rules: tuple[RuleInfo, ...] = ()
    context: tuple[SourceFile, ...] = Field(default=(), description="Not analyzed, but carry imported issues.")


def analyze_sources(
    sources: Sequence[SourceFile],
    settings: Settings,
    plan: AnalysisPlan,
    progress: Progress = no_progress,
    cross_file: Callable[[], Sequence[Issue]] = tuple,
) -> tuple[list[Issue], list[FileReport], list[AnalysisError], dict[str, RuleInfo]]:
    """Run the analyzers and normalize their findings, the imported ones and the cross-file ones alike
    (selection, severity, suppression, fingerprints)."""
    root, config_label, cache_dir, imports, context = plan.root, plan.config_label, plan.cache_dir, plan.imports, plan.context
    analyzers = build_analyzers(settings, root, config_label, config_root=plan.config_root, skip=plan.skip)
    outputs = run_analyzers(
        analyzers, sources, cache_dir=cache_dir, jobs=settings.jobs or os.cpu_count() or 1, progress=progress
    )
    optional = set(settings.analyzers.optional)
    errors: list[AnalysisError] = []
    for name, output in outputs.items():
        for error in output.errors:
            errors.append(error.model_copy(update={"fatal": False}) if name in optional else error)
    raw = [issue for output in outputs.values() for issue in output.issues]
    raw.extend(issue for result in imports for issue in result.issues)
    raw.extend(cross_file())  # computed while the analyzers ran
    errors.extend(error for result in imports for error in result.errors)
    rules = _rule_index(analyzers)
    for rule in plan.extra_rules:
        rules.setdefault(rule.id, rule)
    for result in imports:
        for rule in result.rules:
            rules.setdefault(rule.id, rule)
    sources = [*sources, *context]
    issues = select_and_override(raw, settings, rules)
    comments = {s.path: s.comments for s in sources}
    issues = apply_suppressions(issues, comments, PathIgnores(settings.per_path_ignores))
    lines = {s.path: s for s in sources}
    issues = assign_fingerprints(issues, lambda path, line: lines[path].line(line) if path in lines else "")
    files = merge_file_reports(sources, [f for output in outputs.values() for f in output.files])
    return issues, files, errors, rules


def reported_rules(issues: Sequence[Issue], rules: dict[str, RuleInfo], settings: Settings) -> tuple[RuleInfo, ...]:
    """RuleInfo of every rule with an issue (a rule an analyzer did not declare gets one from its issue)."""
    result: dict[str, RuleInfo] = {}
    for issue in issues:
        if issue.rule in result:
            continue
        info = rule_of(issue, rules)
        override = settings.rules.get(issue.rule)
        if override is not None and override.severity is not None:
            info = info.model_copy(update={"severity": override.severity})
        result[issue.rule] = info
    return tuple(result[k] for k in sorted(result))


def _sum_or_none(values: Sequence[Optional[int]]) -> Optional[int]:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def compute_metrics(
    active: Sequence[Issue],
    suppressed: Sequence[Issue],
    files: Sequence[FileReport],
    new_lines: int,
    files_changed: int,
    changed: Sequence[FunctionMetrics] = (),
    extra: Optional[dict[str, MetricValue]] = None,
) -> Metrics:
    """Every measure, overall and on new code; ``extra`` holds measures computed elsewhere (coverage,
    duplication), split by their ``new_`` prefix."""
    new_issues = [i for i in active if i.new]
    sizes = size_measures(files)
    overall = {
        **sizes,
        **issue_counts(active),
        **debt_measures(active, int(sizes["ncloc"] or 0)),
        "suppressed_violations": len(suppressed),
    }
    hotspots = hotspot_measures(active)
    overall.update({k: v for k, v in hotspots.items() if not k.startswith("new_")})
    new_code = {
        **issue_counts(new_issues, prefix="new_"),
        **debt_measures(new_issues, new_lines, prefix="new_"),
        **{k: v for k, v in hotspots.items() if k.startswith("new_")},
        "new_lines": new_lines,
        "files_changed": files_changed,
        # a nested function's complexity is already part of its enclosing function's
        "new_complexity": _sum_or_none([f.cyclomatic_complexity for f in changed if "<locals>" not in f.qualified_name]),
        "new_cognitive_complexity": _sum_or_none(
            [f.cognitive_complexity for f in changed if "<locals>" not in f.qualified_name]
        ),
    }
    for key, value in (extra or {}).items():
        (new_code if key.startswith("new_") else overall)[key] = value
    return Metrics(overall=dict(sorted(overall.items())), new_code=dict(sorted(new_code.items())))


def _stdin_candidates(stdin: StdinSource, scratch: Path, settings: Settings) -> Discovery:
    """The buffer as the only candidate (unless config excludes its path), written under scratch."""
    if is_excluded(stdin.path, settings):
        return Discovery(skipped=(SkippedFile(path=stdin.path, reason="excluded by configuration"),))
    target = scratch / stdin.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(stdin.text, encoding="utf-8")
    return Discovery(files=(Candidate(path=stdin.path, abspath=target),))


def _import_context(
    imports: Sequence[ImportResult], sources: Sequence[SourceFile], discovered: Sequence[Candidate]
) -> list[SourceFile]:
    """Files with imported issues that are not analyzed this run: read for their comments and line text."""
    analyzed = {s.path for s in sources}
    wanted = {i.path for result in imports for i in result.issues} - analyzed
    by_path = {c.path: c for c in discovered}
    context, _ = load_sources([by_path[p] for p in sorted(wanted) if p in by_path])
    return context


def _analyzed_candidates(found: Sequence[Candidate], spec: NewCodeSpec) -> list[Candidate]:
    changed = spec.changed_paths()
    if spec.only_changed_files and changed is not None:
        return [c for c in found if c.path in changed]
    return list(found)


def new_code_size(sources: Sequence[SourceFile], spec: NewCodeSpec) -> tuple[int, int]:
    """(new lines of code, files with new code) over the analyzed sources."""
    changed = spec.changed_paths()
    new_lines = sum(len(new_code_lines(s, spec.diff)) for s in sources)
    files_changed = len(sources) if changed is None else sum(1 for s in sources if s.path in changed)
    return new_lines, files_changed


def _gate(
    request: CheckRequest, metrics: Metrics, new_lines: int, errors: Sequence[AnalysisError], ai_written: bool = False
) -> GateResult:
    settings = request.config.settings
    preset = settings.ai.preset if ai_written else settings.gate.preset
    gate = evaluate_gate(
        effective_conditions(preset, settings.gate.conditions),
        {**metrics.overall, **metrics.new_code},
        new_lines=new_lines,
        small_change_lines=settings.gate.small_change_lines,
        fatal_errors=sum(1 for e in errors if e.fatal),
        preset=preset,
    )
    return gate.model_copy(update={"notes": (*request.notes, *gate.notes)}) if request.notes else gate


def _cached_duplications(
    context: Sequence[SourceFile], cpd: DuplicationSettings, cache_dir: Optional[Path]
) -> DuplicationResult:
    """find_duplications, reused from the cache when no file of the context changed since the last run."""
    if cache_dir is None:
        return find_duplications(context, cpd)
    cache = KeyedCache(cache_dir, "duplication")
    key = content_key(cpd.model_dump_json(), *sorted(f"{s.path}\0{content_key(s.text)}" for s in context))
    stored = cache.get(key)
    if stored is not None:
        try:
            return DuplicationResult.model_validate(stored)
        except ValueError:
            pass  # a stale or damaged entry: compute again
    result = find_duplications(context, cpd)
    cache.put(key, result.model_dump(mode="json"))
    cache.save(keep_unused=False)
    return result


def _near_duplicates(context: Sequence[SourceFile], sources: Sequence[SourceFile], cache_dir: Optional[Path]) -> list[Issue]:
    """QGA110 across every file, with each file's function fingerprints cached between runs."""
    cache = KeyedCache(cache_dir, "functions") if cache_dir else None
    issues = near_duplicate_functions(context, {s.path for s in sources}, cache)
    if cache is not None:
        cache.save()
    return issues


def cross_file_context(sources: Sequence[SourceFile], discovered: Sequence[Candidate]) -> list[SourceFile]:
    """The analyzed sources plus the text of every other discovered file (read, not scanned): what
    cross-file checks compare against, so that a new copy of unchanged code counts."""
    analyzed = {s.path for s in sources}
    context = list(sources)
    for candidate in discovered:
        if candidate.path not in analyzed:
            try:
                text, _ = decode_source(candidate.abspath.read_bytes())
            except (OSError, SourceDecodeError):
                continue  # unreadable context only loses its share of duplications
            context.append(SourceFile(path=candidate.path, abspath=str(candidate.abspath), text=text))
    return context


def measure_duplication(
    sources: Sequence[SourceFile],
    context: Sequence[SourceFile],
    spec: NewCodeSpec,
    settings: Settings,
    cache_dir: Optional[Path] = None,
) -> tuple[tuple[Duplication, ...], dict[str, MetricValue]]:
    """Copy-paste detection across the context (every discovered file), measured on the analyzed sources;
    densities on new code divide by new lines of code."""
    analyzed = {s.path for s in sources}
    cpd = DuplicationSettings(min_tokens=settings.duplication.min_tokens, min_lines=settings.duplication.min_lines)
    result = _cached_duplications(context, cpd, cache_dir)
    measures = duplication_measures(result, sources, {s.path: new_code_lines(s, spec.diff) for s in sources})
    blocks = tuple(b for b in result.blocks if any(o.path in analyzed for o in b.occurrences))
    return blocks, measures


def run_check(request: CheckRequest, progress: Progress = no_progress) -> Report:
    """Analyze, decide what is new, measure and gate."""
    if request.stdin is None:
        return _run(request, None, progress)
    with tempfile.TemporaryDirectory(prefix="qgate-stdin-") as scratch:
        return _run(request, Path(scratch), progress)


def _run(request: CheckRequest, scratch: Optional[Path], progress: Progress) -> Report:
    """One check. With ``scratch`` (editor mode) the stdin buffer is the only file, written under scratch for
    the scanners that read files, while config-relative paths still resolve in the repository."""
    started = time.monotonic()
    settings = request.config.settings
    spec = request.new_code
    if request.stdin is not None and scratch is not None:
        found = _stdin_candidates(request.stdin, scratch, settings)
    else:
        found = discover(request.root, list(request.paths), settings)
    editor = request.stdin is not None
    cache_dir = request.root / CACHE_DIR if request.use_cache and settings.cache and not editor else None
    scans = KeyedCache(cache_dir, "sources") if cache_dir else None
    progress("reading files", 0, len(found.files))
    sources, errors = load_sources(_analyzed_candidates(found.files, spec), scans)
    if scans is not None:
        scans.save()
    near_duplicates = settings.selection().is_enabled(NEAR_DUPLICATE_RULE)
    context = cross_file_context(sources, found.files) if settings.duplication.enabled or near_duplicates else []
    plan = AnalysisPlan(
        root=scratch or request.root,
        config_root=request.root,
        config_label=request.config.label,
        cache_dir=cache_dir,
        skip=frozenset({"semgrep"}) if editor and not request.stdin.with_semgrep else frozenset(),
        imports=request.imports,
        extra_rules=AI_RULES,
        context=tuple(_import_context(request.imports, sources, found.files)),
    )
    # Cross-file work (near duplicates, copy-paste detection) runs in a side thread while the scanners, which
    # are child processes, keep the other core busy: on a small change it costs no wall time.
    with ThreadPoolExecutor(max_workers=1) as side:
        near = side.submit(_near_duplicates, context, sources, cache_dir) if near_duplicates else None
        cpd = (
            side.submit(measure_duplication, sources, context, spec, settings, cache_dir)
            if settings.duplication.enabled
            else None
        )
        issues, files, analyzer_errors, rule_index = analyze_sources(
            sources, settings, plan, progress, near.result if near is not None else tuple
        )
        duplications, duplication_measures_ = cpd.result() if cpd is not None else ((), {})
    errors = collapse_errors([*errors, *analyzer_errors])

    issues = apply_reviews(classify(issues, spec), request.reviews)
    active = sorted((i for i in issues if i.suppression is None), key=Issue.sort_key)
    suppressed = sorted((i for i in issues if i.suppression is not None), key=Issue.sort_key)
    new_lines, files_changed = new_code_size(sources, spec)
    extra: dict[str, MetricValue] = dict(duplication_measures_)
    notes = list(request.notes)
    if request.coverage is not None:
        check_matches(request.coverage, [c.path for c in found.files], f"({', '.join(request.coverage.formats) or 'merged'})")
        extra.update(coverage_measures(request.coverage, [s.path for s in sources], spec.new_lines_by_path()))
        notes.extend(request.coverage.notes)
    changed = changed_functions(files, spec.diff)
    extra.update(ai_measures(active))
    extra.update(complexity_measures(changed))
    ai = assess(
        flag=request.ai_code,
        changed_paths=spec.changed_paths() or [s.path for s in sources],
        commits=request.commits,
        settings=settings.ai,
    )
    if ai.applied:
        notes.append(f"AI-written change ({'; '.join(ai.reasons)}): gated with {settings.ai.preset}")
    metrics = compute_metrics(active, suppressed, files, new_lines, files_changed, changed, extra)
    return Report(
        tool=ToolInfo(version=__version__),
        root=str(request.root),
        new_code=spec.info,
        ai=ai,
        gate=_gate(request.model_copy(update={"notes": tuple(notes)}), metrics, new_lines, errors, ai.applied),
        metrics=metrics,
        issues=tuple(active),
        suppressed=tuple(suppressed),
        files=tuple(sorted(files, key=lambda f: f.path)),
        duplications=duplications,
        rules=reported_rules(issues, rule_index, settings),
        skipped=found.skipped,
        errors=tuple(errors),
        duration_seconds=round(time.monotonic() - started, 3),
    )
