"""The one orchestrator: inputs -> read -> parse -> check -> pages -> mkdocs, swapped in atomically."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import plotly
import yaml

from builder import isolation, search, sources
from builder.agencies import REGISTRY, assign_agencies, load_registry, redirects
from builder.checks import check_agency_warnings, check_corpus, check_report
from builder.model import ReportError
from builder.pages import site
from builder.parse import parse_document
from builder.revisions import group_revisions
from builder.schema import SCHEMA_FILE
from builder.template import Template, load_template

ROOT = Path(__file__).resolve().parent.parent

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@dataclass
class Outcome:
    """What happened to one input file."""

    file: str
    report: dict | None = None
    error: str | None = None
    superseded_by: str | None = None  # a newer file of the same agency-year (builder.revisions)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    rule_counts: Counter = field(default_factory=Counter)
    revisions: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def reports(self) -> list[dict]:
        return [o.report for o in self.outcomes if o.report and not o.superseded_by]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]

    def lines(self) -> list[str]:
        warned = sum(1 for r in self.reports if r["notes"])
        out = [
            f"{len(self.reports)} reports parsed ({warned} with warnings), "
            f"{len(self.failed) + len(self.skipped)} failed, "
            f"in {self.seconds:.1f} s"
        ]
        older = sum(len(v) for v in self.revisions.values())
        if older:
            out.append(f"{older} older file(s) kept as revisions of a newer one (shown on its page)")
        if self.rule_counts:
            out.append("findings by rule: " + ", ".join(f"{rule} {n}" for rule, n in sorted(self.rule_counts.items())))
        out += [f"  FAILED {o.file}: {o.error}" for o in self.failed]
        out += [f"  SKIPPED {name}: {why}" for name, why in self.skipped]
        return out


# --- parsing ---------------------------------------------------------------------------------


def parse_file(path: Path, display: str, max_bytes: int = sources.MAX_BYTES) -> Outcome:
    """Read and parse one file; any failure becomes the Outcome's error, never an exception."""
    try:
        report = parse_document(sources.read(path, display, max_bytes))
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


def parse_all(
    folder: Path,
    progress: Callable[[int, int, str], None],
    limits: isolation.Limits = DEFAULT_LIMITS,
    max_bytes: int = sources.MAX_BYTES,
) -> Summary:
    """Parse every report file in `folder`, each in a worker within `limits`; duplicates and files
    over `max_bytes` are listed, not parsed."""
    files, skipped = sources.find_reports(folder)
    summary = Summary(skipped=[(str(p.relative_to(folder)), why) for p, why in skipped])
    names = {path: str(path.relative_to(folder)) for path in files}
    outcomes, todo, duplicates = screen_files(files, names, max_bytes)
    summary.skipped += duplicates
    finished = 0

    def done(i: int, result: isolation.Result) -> None:
        nonlocal finished
        finished += 1
        progress(finished, len(todo), names[todo[i]])

    sources.preload_readers(todo)
    load_template()  # cached: loaded once here, shared by every forked worker
    results = isolation.run_each(parse_file, [(path, names[path], max_bytes) for path in todo], limits, done)
    for path, result in zip(todo, results, strict=True):
        outcomes[path] = result.value if result.error is None else Outcome(names[path], error=result.error)
    summary.outcomes = [outcomes[path] for path in files if path in outcomes]
    mark_revisions(summary)
    dedupe_ids(summary.reports)  # a safety net: after grouping revisions, ids are unique
    return summary


def mark_revisions(summary: Summary) -> None:
    """Of several files for one agency-year, the newest is the report; the older are its revisions."""
    current, summary.revisions = group_revisions(summary.reports)
    kept = {id(r) for r in current}
    for outcome in summary.outcomes:
        if outcome.report is not None and id(outcome.report) not in kept:
            outcome.superseded_by = next(r["source"]["path"] for r in current if r["id"] == outcome.report["id"])


def screen_files(files: list[Path], names: dict[Path, str], max_bytes: int):
    """Before parsing: refuse files over `max_bytes` and set aside byte-identical copies (by sha256).

    Return ({path: Outcome} for refused files, [paths to parse], [(name, why skipped)] for duplicates)."""
    outcomes, todo, duplicates, first = {}, [], [], {}
    for path in files:
        try:
            size = path.stat().st_size
            digest = None if size > max_bytes else hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            outcomes[path] = Outcome(names[path], error=f"cannot read file: {exc.strerror}")
            continue
        if digest is None:
            outcomes[path] = Outcome(
                names[path],
                error=f"file too large: {size / 2**20:.1f} MB, the limit is {max_bytes / 2**20:.1f} MB (--max-bytes)",
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
    """Two files for one agency-year keep distinct ids; the later one is noted. An id that is not
    a safe file name (it never should be) is replaced, with a note, before any path is built from it."""
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


def enrich(reports: list[dict], registry: dict, template: Template) -> tuple[dict, Counter]:
    """Give every report its agency and region, and its findings (own and across reports)."""
    registry, warnings = assign_agencies(reports, registry)
    for report in reports:
        report["findings"] = check_report(report, template) + check_agency_warnings(warnings.get(report["id"], []))
    across = check_corpus(reports, template, key=lambda r: r["agency_id"])
    pages_by_id = {r["id"]: site.report_page(r) for r in reports}
    for report in reports:
        report["findings"] += across.get(report["id"], [])
        report["related_pages"] = {
            f["related"]: pages_by_id[f["related"]] for f in report["findings"] if f.get("related") in pages_by_id
        }
    return registry, Counter(f["rule"] for r in reports for f in r["findings"])


# --- writing ---------------------------------------------------------------------------------------


def write_stage(
    stage: Path,
    summary: Summary,
    reports_dir: Path,
    docs_dir: Path,
    template: Template,
    redirects: list[tuple[str, str]],
) -> None:
    """Write everything a build produces into a fresh staging folder."""
    json_dir, docs = stage / "json", stage / "docs"
    json_dir.mkdir(parents=True)
    shutil.copytree(docs_dir, docs)
    (docs / "data").mkdir()
    for report in summary.reports:
        public = {k: v for k, v in report.items() if k != "related_pages"}
        text = json.dumps(public, ensure_ascii=False, indent=1)
        (json_dir / f"{report['id']}.json").write_text(text, encoding="utf-8")
        (docs / "data" / f"{report['id']}.json").write_text(text, encoding="utf-8")
        source = docs / site.source_href(report)
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reports_dir / report["source"]["path"], source)
    failed = [{"file": o.file, "error": o.error} for o in summary.failed] + [
        {"file": name, "error": why} for name, why in summary.skipped
    ]
    for rel, text in site.site_pages(
        summary.reports, failed, template, summary.rule_counts, redirects, summary.revisions
    ).items():
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    downloads = docs / "downloads"
    downloads.mkdir()
    (downloads / "cells.csv").write_text(site.cells_csv(summary.reports, template), encoding="utf-8")
    (downloads / "findings.csv").write_text(site.findings_csv(summary.reports), encoding="utf-8")
    shutil.copyfile(SCHEMA_FILE, downloads / "report.schema.json")
    with zipfile.ZipFile(downloads / "reports-json.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(json_dir.glob("*.json")):
            zf.write(path, path.name)
    shutil.copyfile(PLOTLY_JS, docs / "assets" / "plotly.min.js")
    (stage / "summary.txt").write_text("\n".join(summary.lines()) + "\n", encoding="utf-8")


def append_agencies(path: Path, entries: list[dict]) -> None:
    """Add the build's new (unconfirmed) agencies to the end of the registry, keeping its comments,
    so their addresses stay fixed once published."""
    if not entries:
        return
    text = path.read_text(encoding="utf-8") if path.exists() else "agencies:\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        text.rstrip("\n") + "\n" + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    tmp.replace(path)


def run_mkdocs(config_file: Path, docs: Path, site: Path) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(site), strict=True)
    mkdocs_build(config)


def swap_in(new: Path, target: Path) -> None:
    """Replace `target` by `new` with renames only, so a reader never sees a half-written folder."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    target.parent.mkdir(parents=True, exist_ok=True)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


def build(
    root: Path = ROOT,
    reports_dir: Path | None = None,
    site: bool = True,
    progress: Callable[[int, int, str], None] = lambda n, total, name: None,
    limits: isolation.Limits = DEFAULT_LIMITS,
    max_bytes: int = sources.MAX_BYTES,
) -> Summary:
    """Parse every report under data/reports, write data/json and the site; return the summary.
    Each file is parsed in a worker within `limits`; files over `max_bytes` are refused unread."""
    started = time.perf_counter()
    template = load_template()
    reports_dir = reports_dir or root / "data" / "reports"
    recover_interrupted(root)
    summary = parse_all(reports_dir, progress, limits, max_bytes)
    registry_file = root / "data" / "agencies.yaml"
    registry = load_registry(registry_file if registry_file.exists() else REGISTRY)
    known = {e["id"] for e in registry["agencies"]}
    registry, summary.rule_counts = enrich(summary.reports, registry, template)
    stage = root / f"{STAGE_PREFIX}{os.getpid()}-{int(time.time() * 1000)}"
    try:
        write_stage(stage, summary, reports_dir, root / "docs", template, redirects(registry))
        if site:
            run_mkdocs(root / "mkdocs.yml", stage / "docs", stage / "site")
            search.index_site(stage / "site")
        swap_in(stage / "json", root / "data" / "json")
        if site:
            swap_in(stage / "site", root / "site")
        append_agencies(registry_file, [e for e in registry["agencies"] if e["id"] not in known])
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


STAGE_PREFIX = ".build-tmp-"
SWAPPED = ("data/json", "site")  # what swap_in replaces, relative to the project root


def recover_interrupted(root: Path) -> None:
    """Undo what a killed build left behind, so the next build starts as a clean one would: remove
    staging folders of builds no longer running, and put back a folder caught mid-swap (`.X.old`
    present, X missing) or drop a stale `.X.old`."""
    for stage in root.glob(f"{STAGE_PREFIX}*"):
        pid = stage.name.removeprefix(STAGE_PREFIX).split("-")[0]
        if stage.is_dir() and not (pid.isdigit() and int(pid) != os.getpid() and process_alive(int(pid))):
            shutil.rmtree(stage, ignore_errors=True)
    for rel in SWAPPED:
        target = root / rel
        old = target.with_name(f".{target.name}.old")
        if old.is_dir() and not target.exists():
            old.rename(target)
        elif old.exists():
            shutil.rmtree(old, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def terminal_progress(stream=sys.stderr) -> Callable[[int, int, str], None]:
    """A progress bar on a terminal, plain lines otherwise (CI logs)."""
    if stream.isatty():

        def bar(n: int, total: int, name: str) -> None:
            filled = int(30 * n / max(total, 1))
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {n}/{total} {name[:40]:<40}")
            if n == total:
                stream.write("\n")
            stream.flush()

        return bar
    return lambda n, total, name: print(f"[{n}/{total}] {name}", file=stream, flush=True)
