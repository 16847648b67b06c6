"""The one orchestrator: find inputs -> read -> parse -> pages -> mkdocs, written atomically. Only this module writes files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from builder import pages, sources
from builder.model import ReportError
from builder.parse import parse_document
from builder.slugs import compact_slug
from builder.template import Template, load_template

ROOT = Path(__file__).resolve().parent.parent
from builder.schema import SCHEMA_FILE  # noqa: E402
CONTACT_LABELS = {"address": "地址 Address", "postcode": "邮编 Postcode", "phone": "电话 Phone", "email": "邮箱 Email"}
TEMPLATE_NAMES = {"2021": "2021 (国办公开办函〔2021〕30号)", "2019": "2019/2020 (earlier template)", "pre2019": "pre-2019 (no national template)"}


@dataclass
class Outcome:
    """What happened to one input file."""

    file: str
    report: dict | None = None
    error: str | None = None


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def reports(self) -> list[dict]:
        return [o.report for o in self.outcomes if o.report]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]

    def lines(self) -> list[str]:
        warned = sum(1 for r in self.reports if r["notes"])
        out = [
            f"{len(self.reports)} reports parsed ({warned} with warnings), {len(self.failed) + len(self.skipped)} failed, "
            f"in {self.seconds:.1f} s"
        ]
        out += [f"  FAILED {o.file}: {o.error}" for o in self.failed]
        out += [f"  SKIPPED {name}: {why}" for name, why in self.skipped]
        return out


# --- parsing ---------------------------------------------------------------------------------


def parse_file(path: Path, display: str) -> Outcome:
    """Read and parse one file; any failure becomes the Outcome's error, never an exception."""
    try:
        return Outcome(display, report=parse_document(sources.read(path, display)))
    except ReportError as exc:
        return Outcome(display, error=f"{exc.where + ': ' if exc.where else ''}{exc.message}")
    except Exception as exc:  # a bug or a pathological file must not stop the other reports
        return Outcome(display, error=f"unexpected {type(exc).__name__}: {exc}")


def parse_all(folder: Path, progress: Callable[[int, int, str], None]) -> Summary:
    files, skipped = sources.find_reports(folder)
    summary = Summary(skipped=[(str(p.relative_to(folder)), why) for p, why in skipped])
    for n, path in enumerate(files, start=1):
        name = str(path.relative_to(folder))
        progress(n, len(files), name)
        summary.outcomes.append(parse_file(path, name))
    dedupe_ids(summary.reports)
    return summary


def dedupe_ids(reports: list[dict]) -> None:
    """Two files for one agency-year keep distinct ids; the later one is noted."""
    seen: dict[str, str] = {}
    for report in reports:
        rid, n = report["id"], 2
        while report["id"] in seen:
            report["id"] = f"{rid}-{n}"
            n += 1
        if report["id"] != rid:
            report["notes"].append(f"another file ({seen[rid]}) has the same agency and year; this one is {report['id']}")
        seen[report["id"]] = report["source"]["file"]


# --- site layout: one place for every page address ------------------------------------------------


def agency_slug(report: dict) -> str:
    return compact_slug(report["agency"])


def report_page(report: dict) -> str:
    slug = agency_slug(report)
    return f"agencies/{slug}/{report['id'].removeprefix(slug + '-')}.md"


def agency_page(report: dict) -> str:
    return f"agencies/{agency_slug(report)}/index.md"


def relative(from_page: str, to_path: str) -> str:
    """A relative link from one docs page to another docs file."""
    depth = from_page.count("/")
    return "../" * depth + to_path


# --- pages -----------------------------------------------------------------------------------------


def status_view(report: dict) -> dict:
    marks = {"ok": "✓", "empty": "no numbers", "missing": "missing"}
    return {k: marks.get(report["tables"].get(k, {}).get("status"), "—") for k in ("active_disclosure", "applications", "review_litigation")}


def render_report(report: dict, template: Template) -> str:
    page = report_page(report)
    return pages.render(
        "report.md.j2",
        report=report,
        tables=pages.table_views(report, template),
        notes=pages.cell_notes(report, template),
        template_name=TEMPLATE_NAMES[report["template"]],
        contact_labels=CONTACT_LABELS,
        section_titles={s["key"]: s["heading"] for s in template.sections},
        agency_link=pages.Markup(relative(page, agency_page(report))),
        json_link=pages.Markup(relative(page, f"data/{report['id']}.json")),
        source_link=pages.Markup(f"[{pages.escape_text(report['source']['file'])}]({relative(page, source_href(report))})"),
    )


def source_href(report: dict) -> str:
    return f"sources/{report['id']}/{compact_slug(report['source']['file'].rsplit('.', 1)[0])}.{report['source']['file'].rsplit('.', 1)[-1].lower()}"


def list_entry(report: dict, from_page: str) -> dict:
    return {
        "agency": report["agency"],
        "year": report["year"],
        "template": report["template"],
        "date_signed": report["date_signed"],
        "file": report["source"]["file"],
        "status": status_view(report),
        "link": pages.Markup(relative(from_page, report_page(report))),
        "agency_link": pages.Markup(relative(from_page, agency_page(report))),
    }


def site_pages(summary: Summary, template: Template) -> dict[str, str]:
    """Every generated Markdown page: {docs-relative path: text}."""
    reports = sorted(summary.reports, key=lambda r: (r["agency"], r["year"]))
    out = {report_page(r): render_report(r, template) for r in reports}
    by_agency: dict[str, list[dict]] = {}
    for r in reports:
        by_agency.setdefault(agency_page(r), []).append(r)
    for page, group in by_agency.items():
        out[page] = pages.render("agency.md.j2", agency=group[-1]["agency"], reports=[list_entry(r, page) for r in group])
    failed = [{"file": o.file, "error": o.error} for o in summary.failed] + [
        {"file": name, "error": why} for name, why in summary.skipped
    ]
    out["index.md"] = pages.render(
        "index.md.j2", reports=[list_entry(r, "index.md") for r in reports], agencies=by_agency, failed=failed
    )
    out["problems.md"] = pages.render("problems.md.j2", failed=failed)
    out["downloads.md"] = pages.render("downloads.md.j2")
    return out


def cells_csv(reports: list[dict], template: Template) -> str:
    """Every table cell of every report, one per line (tidy), for the downloads."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["report_id", "agency", "year", "template", "table", "row", "column", "value", "raw", "position", "line"])
    for r in reports:
        if r["template"] == "pre2019":
            continue
        for view in pages.table_views(r, template):
            for group in view["groups"]:
                for row in group["rows"]:
                    for cell in row["cells"]:
                        note = r["cells"].get(cell["path"], {})
                        column = cell["path"].split(".")[2] if cell["path"].count(".") == 2 else ""
                        writer.writerow([r["id"], r["agency"], r["year"], r["template"], view["key"], row["key"], column,
                                         cell["value"], note.get("raw", ""), note.get("position", ""), row["line"] or ""])
    return buf.getvalue()


# --- writing ---------------------------------------------------------------------------------------


def write_stage(stage: Path, summary: Summary, reports_dir: Path, docs_dir: Path, template: Template) -> None:
    """Write everything a build produces into a fresh staging folder."""
    json_dir, docs = stage / "json", stage / "docs"
    json_dir.mkdir(parents=True)
    shutil.copytree(docs_dir, docs)
    (docs / "data").mkdir()
    for report in summary.reports:
        text = json.dumps(report, ensure_ascii=False, indent=1)
        (json_dir / f"{report['id']}.json").write_text(text, encoding="utf-8")
        (docs / "data" / f"{report['id']}.json").write_text(text, encoding="utf-8")
        source = docs / source_href(report)
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reports_dir / report["source"]["path"], source)
    for rel, text in site_pages(summary, template).items():
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    downloads = docs / "downloads"
    downloads.mkdir()
    (downloads / "cells.csv").write_text(cells_csv(summary.reports, template), encoding="utf-8")
    shutil.copyfile(SCHEMA_FILE, downloads / "report.schema.json")
    with zipfile.ZipFile(downloads / "reports-json.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(json_dir.glob("*.json")):
            zf.write(path, path.name)
    (stage / "summary.txt").write_text("\n".join(summary.lines()) + "\n", encoding="utf-8")


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
) -> Summary:
    """Parse every report under data/reports, write data/json and the site; return the summary."""
    started = time.perf_counter()
    template = load_template()
    reports_dir = reports_dir or root / "data" / "reports"
    summary = parse_all(reports_dir, progress)
    stage = root / f".build-tmp-{int(time.time() * 1000)}"
    try:
        write_stage(stage, summary, reports_dir, root / "docs", template)
        if site:
            run_mkdocs(root / "mkdocs.yml", stage / "docs", stage / "site")
        swap_in(stage / "json", root / "data" / "json")
        if site:
            swap_in(stage / "site", root / "site")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


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
