"""The one orchestrator: inputs -> read -> parse -> check -> pages -> mkdocs, swapped in atomically."""

from __future__ import annotations

import ctypes
import filecmp
import gc
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from builder import downloads, isolation, parsecache, search, sources, swap, views
from builder import memo as memo_module
from builder.agencies import REGISTRY, load_registry, redirects
from builder.checks import check_agency_warnings, check_corpus, check_report, current_year
from builder.identity import resolve_identities
from builder.memo import Memo
from builder.model import ReportError
from builder.pages import addresses, exports, reportpage, site
from builder.parse import parse_document
from builder.revisions import group_key, group_revisions
from builder.schema import SCHEMA_FILE
from builder.sources import ocr
from builder.template import Template, load_template


@dataclass
class Outcome:
    """What happened to one input file (named relative to the reports folder): its parsed report dict, or the
    error that stopped it, and, for an older file of an agency-year, the newer file that supersedes it."""

    file: str
    report: dict | None = None
    error: str | None = None
    superseded_by: str | None = None  # a newer file of the same agency-year (builder.revisions)


class BuildRefused(Exception):
    """The build will not run, or will not publish, and says why (a folder that is not there, a shrink).

    `summary` is the parse summary when the refusal came after parsing, so its failures can be shown."""

    def __init__(self, message: str, summary: Summary | None = None):
        super().__init__(message)
        self.message = message
        self.summary = summary


@dataclass
class Stages:
    """Seconds spent in each stage of a build (read, parse, check, aggregate, pages, mkdocs, swap), in order."""

    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of this process (user + system)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        """Add the time the `with` block takes to stage `name`, by the clock and in this process's CPU time."""
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def line(self) -> str:
        """The stage times as printed on one line: `stages (s): read 0.12, parse 3.40, …`."""
        return "stages (s): " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in self.seconds.items())

    def cpu_line(self) -> str:
        """The stages' CPU seconds in this process (parse workers not counted): `stages, CPU of the build (s): …`."""
        return "stages, CPU of the build (s): " + ", ".join(f"{name} {s:.2f}" for name, s in self.cpu.items())


@dataclass
class Summary:
    """What a build did: an Outcome per file, the files skipped with why, the findings counted by rule."""

    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    rule_counts: Counter = field(default_factory=Counter)
    revisions: dict[str, list[dict]] = field(default_factory=dict)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # byte-identical copies, not parsed
    root: Path | None = None  # the project folder built
    files: list[Path] = field(default_factory=list)  # the report files found, in order
    parsed: int = 0  # files parsed by this build
    cached: int = 0  # files whose parse result was read back from the parse cache
    stages: Stages = field(default_factory=Stages)
    released: dict[str, int] | None = None  # the counts `lines` prints, once the reports are let go (release)

    @property
    def reports(self) -> list[dict]:
        """The parsed reports to publish: every outcome with a report, less those superseded by a newer file."""
        return [o.report for o in self.outcomes if o.report and not o.superseded_by]

    @property
    def failed(self) -> list[Outcome]:
        """The outcomes of files that could not be parsed or were refused (each with its error)."""
        return [o for o in self.outcomes if o.error]

    def counts(self) -> dict[str, int]:
        """{reports, warned (with parser notes), witnesses, older (files kept as revisions)}: from the reports, or
        as they were when the reports were let go (release)."""
        if self.released is not None:
            return self.released
        return {
            "reports": len(self.reports),
            "warned": sum(1 for r in self.reports if r["notes"]),
            "witnesses": sum(len(r.get("witnesses", [])) for r in self.reports),
            "older": sum(len(v) for v in self.revisions.values()),
        }

    def release(self) -> None:
        """Keep only the counts (`counts`) and let go of the parsed reports and their revisions, once they are
        written: the build does so before MkDocs and Pagefind run in child processes (build's `release`), so
        the parent does not hold every report meanwhile. `reports` is empty afterwards."""
        self.released = self.counts()
        for outcome in self.outcomes:
            outcome.report = None
        self.revisions = {}

    def lines(self) -> list[str]:
        """The summary as printed: counts, then each failed, skipped and duplicate file with its reason."""
        counts = self.counts()
        warned = counts["warned"]
        out = [f"project folder: {self.root}"] if self.root else []
        out.append(
            f"{plural(counts['reports'], 'report')} parsed ({warned} with warnings), "
            f"{len(self.failed) + len(self.skipped)} failed"
            + (f", {plural(len(self.duplicates), 'duplicate file')} not parsed" if self.duplicates else "")
            + f", in {self.seconds:.1f} s"
        )
        if self.cached:
            out.append(f"{plural(self.parsed, 'file')} parsed, {self.cached} unchanged (read from the parse cache)")
        if self.stages.seconds:
            out += [self.stages.line(), self.stages.cpu_line()]
        older = counts["older"]
        if older:
            kept = "a revision" if older == 1 else "revisions"
            out.append(f"{plural(older, 'older file')} kept as {kept} of a newer one (shown on its page)")
        witnesses = counts["witnesses"]
        if witnesses:
            also = "another file" if witnesses == 1 else "other files"
            out.append(f"{plural(witnesses, 'file')} read as {also} of the same report (witnesses, shown on its page)")
        if self.rule_counts:
            out.append("findings by rule: " + ", ".join(f"{rule} {n}" for rule, n in sorted(self.rule_counts.items())))
        out += [f"  FAILED {o.file}: {o.error}" for o in self.failed]
        out += [f"  SKIPPED {name}: {why}" for name, why in self.skipped]
        out += [f"  DUPLICATE {name}: {why}" for name, why in self.duplicates]
        return out


def plural(n: int, word: str) -> str:
    """Given a count and an English noun, return them as printed: 1 report, 2 reports."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def size_text(n: int) -> str:
    """Given a size in bytes, return it as a reader takes it in: 900 bytes, 8.8 KB, 30.0 MB."""
    if n < 1024:
        return plural(n, "byte")
    if n < 2**20:
        return f"{n / 1024:.1f} KB"
    return f"{n / 2**20:.1f} MB"


# --- parsing ---------------------------------------------------------------------------------


def parse_file(
    path: Path, display: str, max_bytes: int = sources.MAX_BYTES, max_pages: int = sources.MAX_PDF_PAGES
) -> Outcome:
    """Given a report file and the name to show for it, read it (builder.sources) and parse it; return its
    Outcome. Any failure (unreadable, over `max_bytes` or `max_pages`, no recognisable table, a bug) becomes the
    Outcome's error, never an exception, except MemoryError, re-raised for the worker to name its limit."""
    try:
        report = parse_document(sources.read(path, display, max_bytes, max_pages))
    except ReportError as exc:
        return Outcome(display, error=f"{exc.where + ': ' if exc.where else ''}{exc.message}")
    except MemoryError:
        raise  # the worker names the memory limit
    except Exception as exc:  # a bug or a pathological file must not stop the other reports
        return Outcome(display, error=f"unexpected {type(exc).__name__}: {exc}")
    missing = no_tables(report)
    return Outcome(display, error=missing) if missing else Outcome(display, report=report)


def no_tables(report: dict) -> str | None:
    """Given a parsed report, return why it has no table the site could show, or None if it has one."""
    if report["template"] == "pre2019":
        found = any(report.get("pre2019_tables") or [])
    else:
        found = any(t.get("status") != "missing" for t in report["tables"].values())
    if found:
        return None
    return (
        "no recognisable tables: none of the template's statistics tables (主动公开 / 依申请公开 / 复议诉讼) "
        "was found, so there are no numbers to publish"
    )


DEFAULT_LIMITS = isolation.Limits()
CACHE_DIR = Path(".cache") / "parse"  # under the project folder: parse results by file content and parser version
DOCS_CACHE = Path(".cache") / "docs"  # under the project folder: the pages MkDocs reads, rewritten only where changed
MEMO_DIR = Path(".cache") / "memo"  # under the project folder: findings and report pages by their inputs (builder.memo)


def parse_to_cache(path: Path, display: str, max_bytes: int, max_pages: int, target: Path) -> None:
    """In a worker: parse one file and write its Outcome (report or error) to `target` in the parse cache, so
    the result goes to disk, not through the parent. A MemoryError is left to the worker to report."""
    parsecache.store(target, outcome_to_entry(parse_file(path, display, max_bytes, max_pages)))


def outcome_to_entry(outcome: Outcome) -> dict:
    """Given a parse Outcome, return what the cache keeps of it (the file name is the caller's)."""
    return {"report": outcome.report, "error": outcome.error}


def parse_all(
    folder: Path,
    progress: Callable[[int, int, str], None],
    limits: isolation.Limits = DEFAULT_LIMITS,
    max_bytes: int = sources.MAX_BYTES,
    max_pages: int = sources.MAX_PDF_PAGES,
    cache_dir: Path | None = None,
    stages: Stages | None = None,
    memo: Memo | None = None,
) -> Summary:
    """Parse every report file in `folder`, each in a worker within `limits`; duplicates and files
    over `max_bytes` are listed, not parsed; PDFs over `max_pages` are refused.

    Results are kept in `cache_dir` (builder.parsecache; a temporary folder when None) by file content and
    parser version: a file parsed before with the same parser is read back, not parsed; a file whose stat is
    unchanged since the last build is not hashed again (parsecache.Fingerprints). The workers start
    before any report is loaded and write their results there; `stages` gets the time of `read` (finding,
    hashing, screening the files) and `parse`. Entries no file uses any more are removed. Each agency-year's
    revisions are read back from `memo` when its files' cache entries are unchanged (revisions_by_group)."""
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="builder-parse-") as tmp:
            return parse_all(folder, progress, limits, max_bytes, max_pages, Path(tmp) / "parse", stages, memo)
    stages = stages or Stages()
    with stages.timing("read"):
        summary, names, outcomes, todo, entries = screen_folder(folder, max_bytes, max_pages, cache_dir)
    summary.stages = stages
    with stages.timing("parse"):
        missing = [path for path in todo if not entries[path].is_file()]
        parse_missing(missing, names, entries, progress, limits, max_bytes, max_pages, outcomes)
        summary.parsed, summary.cached = len(missing), len(todo) - len(missing)
        for path in todo:
            if path not in outcomes:
                outcomes[path] = load_outcome(path, names, entries, limits, max_bytes, max_pages)
        parsecache.prune(cache_dir, set(entries.values()))
        summary.outcomes = [outcomes[path] for path in summary.files if path in outcomes]
        keys = {id(outcomes[path].report): entries[path].stem for path in todo if outcomes[path].report}
        mark_revisions(summary, memo, keys)
        dedupe_ids(summary.reports)  # a safety net: after grouping revisions, ids are unique
    return summary


def screen_folder(folder: Path, max_bytes: int, max_pages: int, cache_dir: Path):
    """Find the report files in `folder`, set aside the skipped, refused and duplicate ones, and give each file
    to parse its parse-cache entry. Return (Summary with files, skipped and duplicates, {path: name},
    {path: Outcome} of refused files, [paths to parse], {path: cache entry file})."""
    files, skipped = sources.find_reports(folder)
    summary = Summary(skipped=[(str(p.relative_to(folder)), why) for p, why in skipped], files=files)
    names = {path: str(path.relative_to(folder)) for path in files}
    fingerprints = parsecache.Fingerprints(cache_dir.with_name(f"{cache_dir.name}-{parsecache.FINGERPRINTS}"))
    outcomes, todo, summary.duplicates = screen_files(files, names, max_bytes, fingerprints.sha256)
    sources.preload_readers(todo)
    load_template()  # cached: loaded once here, shared by every forked worker
    version, entries = parsecache.parser_version(), {}
    for path in list(todo):
        try:
            key = parsecache.entry_key(path, names[path], max_pages, version, fingerprints.sha256(path))
            entries[path] = parsecache.entry_file(cache_dir, key)
        except OSError as exc:
            outcomes[path] = Outcome(names[path], error=f"cannot read file: {exc.strerror}")
            todo.remove(path)
    fingerprints.save()
    return summary, names, outcomes, todo, entries


def parse_missing(missing, names, entries, progress, limits, max_bytes, max_pages, outcomes) -> None:
    """Parse the files not in the cache in the worker pool, or on the Dask cluster at `limits.scheduler`
    (builder.cluster), each result written to its entry; a file the worker gave no result for (time or memory
    limit, crash) gets its Outcome in `outcomes`, not cached. Raises BuildRefused if the cluster cannot be used."""
    finished = 0

    def done(i: int, result: isolation.Result) -> None:
        nonlocal finished
        finished += 1
        progress(finished, len(missing), names[missing[i]])

    if limits.scheduler and missing:
        from builder import cluster

        files = [(path, names[path], entries[path]) for path in missing]
        try:
            results = cluster.parse_on_cluster(files, limits, max_bytes, max_pages, done)
        except cluster.ClusterUnavailable as exc:
            raise BuildRefused(str(exc)) from None
    else:
        calls = [(path, names[path], max_bytes, max_pages, entries[path]) for path in missing]
        results = isolation.run_each(parse_to_cache, calls, limits, done)
    for path, result in zip(missing, results, strict=True):
        if result.error is not None:
            outcomes[path] = Outcome(names[path], error=result.error)


def load_outcome(path, names, entries, limits, max_bytes, max_pages) -> Outcome:
    """Read one file's Outcome back from its cache entry; an entry that cannot be read is parsed again."""
    entry = parsecache.load(entries[path])
    if entry is None:
        result = isolation.run_each(parse_to_cache, [(path, names[path], max_bytes, max_pages, entries[path])], limits)
        entry = (
            parsecache.load(entries[path]) if result[0].error is None else {"report": None, "error": result[0].error}
        )
        entry = entry or {"report": None, "error": "the parse result could not be read back from the cache"}
    return Outcome(names[path], report=entry["report"], error=entry["error"])


def mark_revisions(summary: Summary, memo: Memo | None = None, keys: dict[int, str] | None = None) -> None:
    """Of several files for one agency-year, publish what builder.revisions decides (the best witness of
    each report, the newest when dates order them); every other file, a witness or an older revision, is
    shown on the page of the report it belongs to, which its Outcome names. With a `memo` and the parse-cache
    key of each report (`keys`: {id(report): key}), each agency-year is read back where unchanged."""
    current, summary.revisions = revisions_by_group(summary.reports, memo, keys or {})
    shown_on = {
        record["path"]: report["source"]["path"]
        for report in current
        for record in [*summary.revisions.get(report["id"], []), *report.get("witnesses", [])]
    }
    kept = {id(r) for r in current}
    for outcome in summary.outcomes:
        if outcome.report is not None and id(outcome.report) not in kept:
            outcome.superseded_by = shown_on[outcome.report["source"]["path"]]


def revisions_by_group(
    reports: list[dict], memo: Memo | None, keys: dict[int, str]
) -> tuple[list[dict], dict[str, list[dict]]]:
    """group_revisions(reports), each agency-year (revisions.group_key) resolved on its own and read back from
    `memo` when the parse-cache keys of its files (`keys`: {id(report): key}, in the group's order) are the
    same as when it was stored: what resolving changed in each report (its id, notes, witnesses) is applied
    again. Same result as group_revisions over all the reports (a group's files are only compared with each
    other); without a memo, that is what runs."""
    if memo is None:
        return group_revisions(reports)
    template = load_template()
    groups: dict[str, list[dict]] = {}
    for report in reports:
        groups.setdefault(group_key(report, reports, template), []).append(report)
    records: dict[int, list[dict] | None] = {}
    for group in groups.values():
        inputs = [keys.get(id(report)) for report in group]
        compute = partial(group_changes, group)
        changes = compute() if None in inputs else memo.get("revisions", inputs, compute)
        for report, change in zip(group, changes, strict=True):
            report.update(change["set"])
            for name in change["drop"]:
                report.pop(name, None)
            if change["published"]:
                records[id(report)] = change["revisions"]
    current = [report for report in reports if id(report) in records]
    return current, {report["id"]: records[id(report)] for report in current if records[id(report)]}


def group_changes(group: list[dict]) -> list[dict]:
    """Resolve one agency-year's files (group_revisions, which changes them in place); return for each file
    what changed: {"set": {key: new value}, "drop": [keys removed], "published": bool, "revisions": the
    records of its older files, or None}."""
    before = [json.loads(json.dumps(report, ensure_ascii=False)) for report in group]
    current, revisions = group_revisions(group)
    published = {id(report) for report in current}
    return [
        {
            "set": {k: v for k, v in report.items() if k not in old or old[k] != v},
            "drop": [k for k in old if k not in report],
            "published": id(report) in published,
            "revisions": revisions.get(report["id"]) if id(report) in published else None,
        }
        for report, old in zip(group, before, strict=True)
    ]


def screen_files(
    files: list[Path], names: dict[Path, str], max_bytes: int, sha256: Callable[[Path], str] | None = None
):
    """Before parsing: refuse files over `max_bytes` and set aside byte-identical copies (by sha256: the
    function that gives a file's, default reading and hashing it).

    Return ({path: Outcome} for refused files, [paths to parse], [(name, why skipped)] for duplicates)."""
    outcomes, todo, duplicates, first = {}, [], [], {}
    for path in files:
        try:
            size = path.stat().st_size
            digest = None if size > max_bytes else (sha256 or parsecache.file_sha256)(path)
        except OSError as exc:
            outcomes[path] = Outcome(names[path], error=f"cannot read file: {exc.strerror}")
            continue
        if digest is None:
            outcomes[path] = Outcome(
                names[path],
                error=f"file too large: {size_text(size)}, the limit is {size_text(max_bytes)} "
                f"(--max-bytes {max_bytes})",
            )
        elif digest in first and size:
            duplicates.append(
                (
                    names[path],
                    f"duplicate of {first[digest]} (same content, sha256 {digest[:12]}…); only {first[digest]} is used",
                )
            )
        else:
            first.setdefault(digest, names[path])
            todo.append(path)
    return outcomes, todo, duplicates


SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}$")


def dedupe_ids(reports: list[dict]) -> None:
    """Given parsed reports, make their ids unique in place: the second file with an id gets -2, -3… and a
    note. An id that is not a safe file name (lowercase a-z0-9 and '-'; it never should be) is replaced by
    report-<sha256 prefix>, with a note, before any path is built from it."""
    seen: dict[str, str] = {}
    for report in reports:
        if not SAFE_ID.match(report["id"]):
            safe = f"report-{(report['source'].get('sha256') or '0' * 12)[:12]}"
            report["notes"].append(f"id {report['id']!r} is not a safe file name; this report is {safe}")
            report["id"] = safe
        rid, n = report["id"], 2
        while report["id"] in seen:
            report["id"] = f"{rid}-{n}"
            n += 1
        if report["id"] != rid:
            report["notes"].append(
                f"another file ({seen[rid]}) has the same agency and year; this one is {report['id']}"
            )
        seen[report["id"]] = report["source"]["file"]


# --- enriching: agencies, regions and findings -----------------------------------------------------


def enrich(reports: list[dict], registry: dict, template: Template, memo: Memo | None = None) -> tuple[dict, Counter]:
    """Given parsed reports, the registry, the template and a memo of findings (None: none kept), give every
    report, in place, its identity (builder.identity: agency, region and page address, the JSON keys of
    Identity.report_fields) and its findings (builder.checks: its own, read back from `memo` when the report and
    the year of the build are unchanged; its agency warnings; those across reports of one agency); return
    (registry with any new unconfirmed agencies, the number of findings per rule)."""
    identities = resolve_identities(reports, registry)
    for report in reports:
        report.update(identities.by_report[report["id"]].report_fields())
        own = memo_get(memo, "findings", [report, current_year()], lambda r=report: check_report(r, template))
        report["findings"] = own + check_agency_warnings(identities.warnings.get(report["id"], []))
    across = check_corpus(reports, template, key=lambda r: r["agency_id"], remember=partial(memo_get, memo))
    for report in reports:
        report["findings"] += across.get(report["id"], [])
    return identities.registry, Counter(f["rule"] for r in reports for f in r["findings"])


def report_links(reports: list[dict]) -> dict[str, dict[str, str]]:
    """Given enriched reports, return what each report's page links to: {report id: {related report id: its
    docs page}} for the reports its findings name (a copied or twice-published report), those published."""
    pages = {r["id"]: addresses.report_page(r) for r in reports}
    return {
        r["id"]: {f["related"]: pages[f["related"]] for f in r["findings"] if f.get("related") in pages}
        for r in reports
    }


def memo_get(memo: Memo | None, kind: str, inputs, compute: Callable[[], object]):
    """`memo.get(kind, inputs, compute)`, or `compute()` when there is no memo."""
    return compute() if memo is None else memo.get(kind, inputs, compute)


def report_renderer(
    memo: Memo | None, links: dict[str, dict[str, str]] | None = None
) -> Callable[[dict, Template, list[dict] | None], str]:
    """reportpage.render_report with each report's `links` (report_links), its pages read back from `memo` when the
    report (with its findings), its revisions and its links are unchanged."""
    links = links or {}

    def render(report: dict, template: Template, revisions: list[dict] | None = None) -> str:
        own = links.get(report["id"], {})
        return memo_get(
            memo,
            "report-page",
            [report, revisions, own],
            lambda: reportpage.render_report(report, template, revisions, links=own),
        )

    return render


# --- writing ---------------------------------------------------------------------------------------


def write_stage(
    stage: Path,
    summary: Summary,
    reports_dir: Path,
    docs_dir: Path,
    template: Template,
    redirects: list[tuple[str, str]],
    docs: DocsFolder,
    sectors: list[dict] = (),
    memo: Memo | None = None,
) -> None:
    """Write data/json into a fresh staging folder, and the pages MkDocs reads into `docs` (a persistent folder
    where only what changed is rewritten): the hand-written pages, each report's JSON, source file and witnesses
    and lines file (addresses.lines_file, shown numbered by the viewer at sources/), the generated pages (stage
    `pages`); the views of builder.views for `sectors` (the registry's sectors: compare, rates, feeds, downloads
    of every view) and the whole-set downloads (stage `aggregate`). Report pages and the views of each report,
    agency and region are read back from `memo` where their inputs are unchanged. Raises OSError."""
    json_dir = stage / "json"
    json_dir.mkdir(parents=True)
    links = report_links(summary.reports)
    with summary.stages.timing("pages"):
        for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()) if docs_dir.is_dir() else []:
            docs.copy(str(path.relative_to(docs_dir)), path)
        for report in summary.reports:
            write_report_files(report, links[report["id"]], docs, json_dir, reports_dir, memo)
        failed = [{"file": o.file, "error": o.error} for o in summary.failed] + [
            {"file": name, "error": why} for name, why in summary.skipped + summary.duplicates
        ]
        pages = site.site_pages(
            summary.reports,
            failed,
            template,
            summary.rule_counts,
            redirects,
            summary.revisions,
            render=report_renderer(memo, links),
        )
    with summary.stages.timing("aggregate"):
        remember = views.compute_now if memo is None else partial(remember_view, memo, docs)
        pieces = partial(report_piece, memo, template)
        extra = views.build_views(
            summary.reports,
            template,
            summary.revisions,
            sectors=sectors,
            remember=remember,
            pieces=pieces,
            files=WrittenAtOnce(docs),
        )
        for rel, make in LISTS.items():  # one report's lines at a time: the list never held whole
            head = make([], template).split("\r\n", 1)[0] + "\r\n"
            lines = (list_lines(memo, template, rel, report) for report in summary.reports)
            docs.write_with(rel, partial(write_pieces, itertools.chain([head], lines)))
        docs.copy("downloads/report.schema.json", SCHEMA_FILE)
        docs.write_with("downloads/reports-json.zip", lambda tmp: write_zip(tmp, sorted(json_dir.glob("*.json"))))
    with summary.stages.timing("pages"):
        for rel, text in {**pages, **extra.pages}.items():
            docs.write_text(rel, text + extra.appendix.get(rel, ""))
    docs.remove_others()
    (stage / "summary.txt").write_text("\n".join(summary.lines()) + "\n", encoding="utf-8")


def write_report_files(
    report: dict, related: dict[str, str], docs: DocsFolder, json_dir: Path, reports_dir: Path, memo: Memo | None
) -> None:
    """Write one report's JSON (into `docs` and, linked, `json_dir`), serve its source file and witnesses, and
    write its lines file for the source viewer where the original cannot serve as one. The JSON and the lines
    file are made again only when the report's digest (over its compact JSON and its `related` pages, which the
    memo keys it by from here on) differs from the one they were made from (DocsFolder.write_derived; the lines
    come from the file the report was parsed from, whose sha256 the report holds)."""
    # Published as one line: the C encoder (indent=1 takes the slow pure-Python one), and 8 % smaller (at 10,000
    # reports the JSON is a fifth of the site); any JSON viewer or `python -m json.tool` indents it again.
    compact = json.dumps(report, ensure_ascii=False)
    related_text = json.dumps(related, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(f"{memo_module.code_version()}\0{compact}\0{related_text}".encode()).hexdigest()
    if memo is not None:  # from here on the memo keys this report by its digest, not its whole JSON
        memo.know(report, digest)
    published = docs.write_derived(f"data/{report['id']}.json", digest, lambda: compact + "\n")
    link_or_copy(published, json_dir / f"{report['id']}.json")
    for original in [report["source"], *report.get("witnesses", [])]:  # each witness served like the source
        served = addresses.source_href(report, None if original is report["source"] else original)
        docs.copy(served, reports_dir / original["path"])
    if lines_path := addresses.lines_file(report):  # else the viewer reads the original (or a PDF page)
        read = partial(source_lines, reports_dir / report["source"]["path"], report)
        docs.write_derived(lines_path, digest, lambda: reportpage.lines_text(read()))


def report_piece(memo: Memo | None, template: Template, report: dict) -> dict:
    """downloads.report_piece of a report (with its sector), read back from `memo` when the report is unchanged."""
    return memo_get(memo, "report-piece", [report], lambda: downloads.report_piece(report, template))


# The whole-set lists written from each report's lines: {docs path: the function that makes the list of reports}.
LISTS = {
    "downloads/findings.csv": lambda reports, template: exports.findings_csv(reports),
}


def list_lines(memo: Memo | None, template: Template, rel: str, report: dict) -> str:
    """A report's lines of the whole-set list `rel` (LISTS: its function's text for this report alone, less the
    header line), read back from `memo` when the report is unchanged."""
    compute = partial(LISTS[rel], [report], template)
    return memo_get(memo, f"lines:{rel}", [report], compute).split("\r\n", 1)[1]


def write_pieces(texts: Iterable[str], target: Path) -> None:
    """Write `texts` one after the other to `target` as UTF-8."""
    with target.open("w", encoding="utf-8", newline="") as out:
        out.writelines(texts)


def source_lines(path: Path, report: dict) -> list[tuple[int, tuple[str, ...]]]:
    """The lines of a report's file numbered as the parser numbered them, for its lines file
    (reportpage.lines_text): every line of a text file, decoded as it was read, split at tabs; the paragraphs
    and table rows of a web page or Word file, as its reader gives them. Empty if the file cannot be read
    again (it was read moments ago: only a file changed during the build)."""
    encoding = report["source"].get("encoding")
    try:
        if (
            report["source"]["format"] == "text"
            and encoding
            and report["source"]["file"].lower().endswith(addresses.TEXT_SUFFIXES)
        ):
            text = path.read_bytes().decode(encoding, errors="replace").lstrip("\ufeff")
            return [(n, tuple(line.split("\t"))) for n, line in enumerate(text.splitlines(), start=1)]
        return [(line.number, line.cells) for line in sources.read(path, report["source"]["path"]).lines]
    except (OSError, ReportError):
        return []


VIEW_KINDS = ("report-views", "agency-views", "region-views")  # results [Markdown section, {docs path: bytes}]


class KeptFiles(dict):
    """{docs path: sha256} of files an earlier build wrote into the docs folder and that are still there as
    written: what a view read back by remember_view gives instead of the files' bytes (WrittenAtOnce keeps them)."""


def remember_view(memo: Memo, docs: DocsFolder, kind: str, inputs, compute: Callable[[], list]):
    """`memo.get(kind, inputs, compute)` for builder.views' `remember`; for the views of a report, agency or region
    (VIEW_KINDS: [section, {docs path: bytes}]) the memo keeps the section and the sha256 of each file, not the
    files: when the docs folder still holds each file as written (DocsFolder.holds), the view is [section,
    KeptFiles] and no file is read; when one is gone or was changed, the view is made again."""
    if kind not in VIEW_KINDS:
        return memo.get(kind, inputs, compute)
    made = []

    def index() -> list:
        made.append(compute())
        section, files = made[0]
        return [section, {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}]

    section, digests = memo.get(f"{kind}:files", inputs, index)
    if made:
        return made[0]
    if all(docs.holds(rel, digest) for rel, digest in digests.items()):
        return [section, KeptFiles(digests)]
    return compute()


class WrittenAtOnce(dict):
    """A dict of {docs path: bytes} that writes each file into a DocsFolder as it is set and keeps nothing, so
    that the views' files (a CSV and an XLSX per report, charts, downloads) are never all in memory."""

    def __init__(self, docs: DocsFolder):
        super().__init__()
        self.docs = docs

    def __setitem__(self, rel: str, data: bytes) -> None:
        self.docs.write_bytes(rel, data, record=True)

    def update(self, files=(), **more) -> None:
        """Write every file of `files` (a dict; KeptFiles: keep them as they are) and `more`."""
        if isinstance(files, KeptFiles):
            for rel, digest in files.items():
                self.docs.keep(rel, digest)
            files = {}
        for rel, data in {**dict(files), **more}.items():
            self[rel] = data


def link_or_copy(source: Path, target: Path) -> None:
    """Make `target` the same file as `source` (a hard link; a copy where links are impossible). Safe because
    DocsFolder replaces a file by a rename, never rewrites it in place."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class DocsFolder:
    """The folder MkDocs reads, kept between builds (ROOT/.cache/docs): a file is written only when its content
    changed, so unchanged pages keep their bytes and times; files a build no longer writes are removed at the end.

    Takes the folder; `written` counts the files this build wrote. A build killed while writing leaves files
    that the next build compares and rewrites: the folder is never published, only read by MkDocs."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.kept: set[Path] = set()
        self.written = 0
        # Beside the folder, written at the end of a build and removed at the start of the next (so a killed
        # build leaves none): {"made_from": {rel: [digest, stat…]}, "files": [every file the build kept]}.
        self.manifest = folder.with_name(f"{folder.name}.json")
        recorded = parsecache.load(self.manifest) or {}
        self.manifest.unlink(missing_ok=True)
        self.made_from: dict[str, list] = recorded.get("made_from", {})
        self.files: set[str] | None = set(recorded["files"]) if "files" in recorded else None
        self.now_made_from: dict[str, list] = {}

    def write_derived(self, rel: str, digest: str, make: Callable[[], str]) -> Path:
        """Write the text `make()` gives to `rel`, unless the file there was made by an earlier build from inputs
        of the same `digest` and has not changed since (its stat, as recorded then): then `make` is not called.
        Return its path."""
        if self.holds(rel, digest):
            return self.keep(rel, digest)
        target = self.write_text(rel, make())
        self.now_made_from[rel] = [digest, *file_stamp(target)]
        return target

    def write_text(self, rel: str, text: str) -> Path:
        """Write `text` (UTF-8) to `rel` under the folder unless the file already holds it; return its path."""
        return self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes, record: bool = False) -> Path:
        """Write `data` to `rel` unless the file already holds it (by a rename: a hard link to the old file keeps
        the old bytes); return its path. With `record`, its sha256 is recorded for the next build (holds)."""
        target = self.folder / rel
        self.kept.add(target)
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return self.recorded(rel, data, record)
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{os.getpid()}.tmp")  # short: the file's own name may be near the limit
        tmp.write_bytes(data)
        os.replace(tmp, target)
        self.written += 1
        return self.recorded(rel, data, record)

    def recorded(self, rel: str, data: bytes, record: bool) -> Path:
        """Record (if `record`) that `rel` holds `data`, by its sha256 and the file's stat; return its path."""
        target = self.folder / rel
        if record:
            self.now_made_from[rel] = [hashlib.sha256(data).hexdigest(), *file_stamp(target)]
        return target

    def holds(self, rel: str, digest: str) -> bool:
        """Whether an earlier build recorded `rel` with `digest` (write_bytes with record, write_derived) and the
        file has not changed since (the same stat)."""
        recorded = self.made_from.get(rel)
        return bool(recorded) and recorded[0] == digest and recorded[1:] == file_stamp(self.folder / rel)

    def keep(self, rel: str, digest: str) -> Path:
        """Keep `rel` as an earlier build wrote it (holds(rel, digest) is true): not read, not written."""
        target = self.folder / rel
        self.kept.add(target)
        self.now_made_from[rel] = self.made_from[rel]
        return target

    def write_with(self, rel: str, write: Callable[[Path], None]) -> Path:
        """Have `write` write a file (too large to hold in memory) beside `rel`, then keep it only if it differs
        from the file there; return its path."""
        target = self.folder / rel
        self.kept.add(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{os.getpid()}.tmp")  # short: the file's own name may be near the limit
        write(tmp)
        if target.is_file() and filecmp.cmp(tmp, target, shallow=False):
            tmp.unlink()
        else:
            os.replace(tmp, target)
            self.written += 1
        return target

    def copy(self, rel: str, source: Path) -> Path:
        """Copy `source` to `rel` with its time, unless a file of the same size and time is there; return its path."""
        target = self.folder / rel
        self.kept.add(target)
        try:
            theirs, ours = source.stat(), target.stat()
            if (theirs.st_size, theirs.st_mtime_ns) == (ours.st_size, ours.st_mtime_ns):
                return target
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{os.getpid()}.tmp")  # short: the file's own name may be near the limit
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
        self.written += 1
        return target

    def remove_others(self) -> None:
        """Remove every file this build did not write or keep, then the folders left empty: those the last build
        kept, as its manifest lists them, or, without one (the first build, or after a killed one), every file
        in the folder. Then record the files kept and what each derived file was made from, for the next build."""
        kept = {str(path.relative_to(self.folder)) for path in self.kept}
        if self.files is None:
            for path in sorted(self.folder.rglob("*"), reverse=True):
                if path.is_symlink() or path.is_file():
                    if path not in self.kept:
                        path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
        else:
            for rel in self.files - kept:
                (self.folder / rel).unlink(missing_ok=True)
                remove_empty_folders((self.folder / rel).parent, self.folder)
        parsecache.store(self.manifest, {"made_from": self.now_made_from, "files": sorted(kept)})


def remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove `folder` and then each of its parents below `top` while they are empty."""
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def file_stamp(path: Path) -> list[int] | None:
    """A file's size, modification time (ns) and inode, or None when it is not there: what changes whenever
    DocsFolder writes it (a new file renamed in place). Not the change time: a hard link to the file (data/json)
    changes it."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def write_zip(target: Path, files: list[Path]) -> None:
    """Zip `files` (by name) into `target` with a fixed date on each entry, so the same files give the same bytes."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)  # a ZipInfo is stored by default


def registry_with(path: Path, entries: list[dict]) -> str:
    """Given the registry file and the build's new (unconfirmed) agencies, return its text with them added
    at the end, keeping its comments, so their addresses stay fixed once published."""
    text = path.read_text(encoding="utf-8") if path.exists() else "agencies:\n"
    return text.rstrip("\n") + "\n" + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)


# MkDocs in a process of its own, which imports MkDocs alone: what it holds (every page, docs/overrides/hooks.py) is
# given back when it ends, and never piles onto what the builder holds (benchmarks/SEARCH.md: memory).
MKDOCS_CHILD = (
    "import sys; from mkdocs.commands.build import build; from mkdocs.config import load_config; "
    "build(load_config(sys.argv[1], docs_dir=sys.argv[2], site_dir=sys.argv[3], strict=True))"
)


def run_mkdocs(config_file: Path, docs: Path, site: Path) -> None:
    """Compile the staged `docs` into `site` with the project's mkdocs.yml (strict: a broken link fails), in a child
    process (MKDOCS_CHILD) whose messages go to this one's stderr. Raises RuntimeError when MkDocs fails."""
    done = subprocess.run([sys.executable, "-c", MKDOCS_CHILD, str(config_file), str(docs), str(site)])
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs: the site was not built from {docs} (exit status {done.returncode}; see above)")


def find_root(start: Path | None = None) -> Path:
    """Given a folder (default: the current one), return the project folder: the nearest of it and its
    parents that holds mkdocs.yml, else the folder itself (as `mkdocs build` works in the current folder)."""
    start = (start or Path.cwd()).resolve()
    return next((folder for folder in (start, *start.parents) if (folder / "mkdocs.yml").is_file()), start)


def check_folders(root: Path, reports_dir: Path, site: bool) -> None:
    """Refuse, before anything is touched, a project or reports folder that is not there or holds nothing.

    Raises BuildRefused naming the folder: not there or not a folder ("no such folder"), no report file
    in the reports folder, or (for a site) no mkdocs.yml or docs/ in the project folder."""
    for folder, option in ((root, "--root"), (reports_dir, "--reports")):
        if not folder.is_dir():
            what = " (it is a file)" if folder.exists() else ""
            raise BuildRefused(f"no such folder: {folder}{what} ({option})")
    found, skipped = sources.find_reports(reports_dir)
    if not found and not skipped:
        raise BuildRefused(f"no report files in {reports_dir} (--reports): the folder is empty")
    if site:
        for need, what in (("mkdocs.yml", "the site's MkDocs configuration"), ("docs", "the hand-written pages")):
            if not (root / need).exists():
                raise BuildRefused(
                    f"no {need} in {root} ({what}): is it the project folder? Run from the project folder "
                    "or name it with --root (or build data/json alone with --no-site)"
                )


def check_shrink(summary: Summary, json_dir: Path, allow_shrink: bool) -> None:
    """Refuse to publish under half the reports data/json now holds, unless `allow_shrink`.

    Raises BuildRefused naming the counts and the reports that would disappear (a mistyped --reports
    folder, a limit set too low)."""
    now = {path.stem for path in json_dir.glob("*.json")} if json_dir.is_dir() else set()
    new = {r["id"] for r in summary.reports}
    if allow_shrink or 2 * len(new) >= len(now):
        return
    gone = sorted(now - new)
    shown = ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")
    raise BuildRefused(
        f"this build would publish {plural(len(new), 'report')}, but {json_dir} now holds {len(now)}: "
        f"{plural(len(gone), 'report')} would no longer be published ({shown}). Nothing was changed; "
        "if this is intended, run again with --allow-shrink",
        summary,
    )


def build(
    root: Path | None = None,
    reports_dir: Path | None = None,
    site: bool = True,
    progress: Callable[[int, int, str], None] = lambda n, total, name: None,
    limits: isolation.Limits = DEFAULT_LIMITS,
    max_bytes: int = sources.MAX_BYTES,
    max_pages: int = sources.MAX_PDF_PAGES,
    allow_shrink: bool = False,
    release: bool = False,
) -> Summary:
    """Parse every report under the reports folder, write data/json and the site; return the summary.

    `root` is the project folder (default: find_root()), `reports_dir` defaults to ROOT/data/reports.
    Each file is parsed in a worker within `limits`; files over `max_bytes` are refused unread, PDFs
    over `max_pages` unparsed. The outputs (data/json, site, data/agencies.yaml) are published whole by
    builder.swap. Raises BuildRefused, before anything is written, when a folder is missing or empty or
    the build would publish under half the reports data/json holds (unless `allow_shrink`). With `release`,
    the summary lets go of the reports once they are written (Summary.release: it keeps their counts), before
    MkDocs and Pagefind run, so that the build's processes together stay small (the command line does this)."""
    started = time.perf_counter()
    root = find_root() if root is None else root
    reports_dir = reports_dir or root / "data" / "reports"
    check_folders(root, reports_dir, site)
    template = load_template()
    registry_file, json_dir = root / "data" / "agencies.yaml", root / "data" / "json"
    recover_interrupted(root, [json_dir, root / "site"], [registry_file])
    stages, memo = Stages(), Memo(root / MEMO_DIR)
    summary = parse_all(reports_dir, progress, limits, max_bytes, max_pages, root / CACHE_DIR, stages, memo)
    summary.root, summary.stages = root, stages
    check_shrink(summary, json_dir, allow_shrink)
    with stages.timing("check"):
        registry = load_registry(registry_file if registry_file.exists() else REGISTRY)
        known = {e["id"] for e in registry["agencies"]}
        registry, summary.rule_counts = enrich(summary.reports, registry, template, memo)
    tag = swap.new_tag()
    stage, staged_registry = root / f"{STAGE_PREFIX}{tag}", swap.new_file_of(registry_file, tag)
    try:
        docs = DocsFolder(root / DOCS_CACHE)
        write_stage(
            stage,
            summary,
            reports_dir,
            root / "docs",
            template,
            redirects(registry),
            docs,
            registry["sectors"],
            memo,
        )
        memo.prune()
        if release:
            summary.release()
            memo.forget_reports()
            give_back_memory()
        folders = {json_dir: stage / "json"}
        if site:
            with stages.timing("mkdocs"):
                run_mkdocs(root / "mkdocs.yml", docs.folder, stage / "site")
            with stages.timing("search"):
                search.index_site(stage / "site")
            folders[root / "site"] = stage / "site"
        with stages.timing("swap"):
            new_entries = [e for e in registry["agencies"] if e["id"] not in known]
            files = {}
            if new_entries:
                staged_registry.write_text(registry_with(registry_file, new_entries), encoding="utf-8")
                files[registry_file] = staged_registry
            swap.publish(root, folders, files, tag)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not (root / swap.JOURNAL).exists():  # not committed: the next build must not publish it
            staged_registry.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary


STAGE_PREFIX = ".build-tmp-"


def give_back_memory() -> None:
    """Collect what is no longer referenced and hand the freed heap back to the system (glibc's malloc_trim;
    a no-op where the C library has none), so that a released build waits for MkDocs and Pagefind small:
    CPython frees the objects but glibc keeps the pages otherwise (at 1,000 reports 263 MiB before, 208 after)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def recover_interrupted(root: Path, folders: list[Path], files: list[Path]) -> None:
    """Undo what a killed build left behind, so the next build starts as a clean one would: finish a
    publish it committed (builder.swap.recover) and remove staging folders of builds no longer running."""
    swap.recover(root, folders, files)
    for stage in root.glob(f"{STAGE_PREFIX}*"):
        if stage.is_dir() and not swap.owner_alive(stage.name):
            shutil.rmtree(stage, ignore_errors=True)


def terminal_progress(stream=sys.stderr) -> Callable[[int, int, str], None]:
    """Given an output stream (default stderr), return a progress(done, total, name) callback for build():
    a bar with the rate and the time left (tqdm) on a terminal, one plain line per file otherwise (CI logs).
    Scanned pages show too, with the seconds each took to OCR (ocr.progress_hook, set for the workers)."""
    ocr.page_hook = ocr.progress_hook(stream)
    if stream.isatty():
        from tqdm import tqdm

        bar = None

        def update(n: int, total: int, name: str) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, file=stream, unit="file", dynamic_ncols=True, desc="parsing")
            bar.set_postfix_str(name[-40:], refresh=False)
            bar.update(n - bar.n)
            if n == total:
                bar.close()

        return update
    return lambda n, total, name: print(f"[{n}/{total}] {name}", file=stream, flush=True)
