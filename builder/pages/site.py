"""Pure: the whole site as {docs path: text}: report, agency, region, quality and list pages, and redirects."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from markupsafe import Markup

from builder import pages
from builder.agencies import normalize_name, unique_path
from builder.checks import load_checks
from builder.model import find_cell
from builder.pages import meta
from builder.slugs import compact_slug
from builder.template import Template, load_template

TEMPLATE_NAMES = {
    "2021": "2021 (国办公开办函〔2021〕30号)",
    "2019": "2019/2020 (earlier template)",
    "pre2019": "pre-2019 (no national template)",
}
CONTACT_LABELS = {"address": "地址 Address", "postcode": "邮编 Postcode", "phone": "电话 Phone", "email": "邮箱 Email"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_NAMES = {"error": "错误 error", "warning": "提示 warning", "info": "说明 info"}


# --- addresses: one place for every page's path --------------------------------------------------


def agency_page(report: dict) -> str:
    """The docs path of a report's agency page: `<agency_path>/index.md` (agency_path from builder.agencies)."""
    return f"{report['agency_path']}/index.md"


def report_page(report: dict) -> str:
    """The docs path of a report's page: its `page` address (see assign_report_pages), else the base one."""
    return f"{report.get('page') or base_report_address(report)}.md"


def base_report_address(report: dict) -> str:
    """A report's address before collisions are settled: agency address / year, and the `-2` of a second
    file of one agency-year (builder.revisions) or of a duplicate id (build.dedupe_ids)."""
    suffix = report["id"].rsplit(str(report["year"]), 1)[-1]
    return f"{report['agency_path']}/{report['year']}{suffix}"


def assign_report_pages(reports: list[dict], registry: dict | None = None) -> None:
    """Give every report an address of its own (`report["page"]`), so that no page is written over another.

    Reports whose base addresses coincide (two names the registry takes as one agency, one year) are two
    bodies with two addresses: the report under the name the registry lists first keeps the base address,
    which earlier builds published; each other one gets `-<pinyin of its printed name>` after it."""
    names = {e["id"]: [normalize_name(n) for n in e.get("names", [])] for e in (registry or {}).get("agencies", [])}

    def rank(report: dict) -> tuple:
        known = names.get(report.get("agency_id"), [])
        name = normalize_name(report["agency"])
        return (known.index(name) if name in known else len(known), report["id"])

    by_base: dict[str, list[dict]] = defaultdict(list)
    for report in reports:
        by_base[base_report_address(report)].append(report)
    taken = set(by_base)
    for base, group in sorted(by_base.items()):
        first, *others = sorted(group, key=rank)
        first["page"] = base
        for report in others:
            report["page"] = unique_path(f"{base}-{compact_slug(report['agency'], 40)}", taken)
            taken.add(report["page"])


def link(from_page: str, to_page: str) -> Markup:
    """A relative link from one docs page to another docs file (our own paths: trusted)."""
    return Markup("../" * from_page.count("/") + to_page)


def finding_anchor(finding: dict, n: int) -> str:
    """Given a finding and its number among findings of the same name (0 for the first), return its page anchor:
    `f-b1-balance-applications-total`, ASCII, stable across builds."""
    parts = [finding["rule"], finding.get("table") or "", finding.get("row") or "", str(finding.get("column") or "")]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
    return f"f-{slug}" + (f"-{n}" if n else "")


def number_findings(findings: list[dict]) -> list[dict]:
    """Give each finding a stable anchor; two findings of one rule and cell get -1, -2."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        base = finding_anchor(f, 0)
        anchor = finding_anchor(f, seen[base]) if seen[base] else base
        seen[base] += 1
        out.append({**f, "anchor": anchor})
    return out


def finding_cell_paths(finding: dict, template: Template, version: str) -> list[str]:
    """The cell paths (table.row.column) a finding is about, for marking them in the tables."""
    table, row, column = finding.get("table"), finding.get("row"), finding.get("column")
    if not table or not row or version == "pre2019":
        return []
    if table == "active_disclosure":
        group = next((g for g in template.groups(version) if row in g.rows), None)
        if group and group.scalar:
            return [f"{table}.{row}"]
        return [f"{table}.{row}.{column}"] if column else []
    if column is None:
        return [f"{table}.{row}.{c}" for c in template.columns(table)]
    return [f"{table}.{row}.{column}"]


# --- report page ---------------------------------------------------------------------------------


def render_report(report: dict, template: Template, revisions: list[dict] | None = None) -> str:
    """Given a report (with its findings), the template and its older revisions, return its page's Markdown: the
    header (agency, year, source and how it was read), the three template tables in template order with each cell
    linked to its source line or PDF page and marked by its findings, the findings by whose fault, the narrative."""
    page = report_page(report)
    numbered = number_findings(report.get("findings", []))
    findings = [{**f, "fault": meta.finding_fault(f["rule"], report)} for f in numbered]
    marks: dict[str, list[dict]] = defaultdict(list)
    for f in findings:
        for path in finding_cell_paths(f, template, report["template"]):
            marks[path].append(f)
    tables = pages.table_views(report, template)
    for view in tables:
        view["place"] = table_place(report, page, view["key"])
        for group in view["groups"]:
            for row in group["rows"]:
                row["place"] = source_place(report, page, row["line"], row["page"])
                for cell in row["cells"]:
                    cell["href"] = row["place"]["href"] if row["place"] else None
                    cell["findings"] = [
                        {"anchor": f["anchor"], "severity": f["severity"], "label": SEVERITY_NAMES[f["severity"]]}
                        for f in marks.get(cell["path"], [])
                    ]
    notes = pages.cell_notes(report, template)
    for note in notes:
        note["place"] = source_place(report, page, note["line"], note["page"])
    pages_of_lines = line_pages(report)
    for f in findings:
        f["place"] = source_place(report, page, f.get("line"), pages_of_lines.get(f.get("line")))
    findings.sort(key=lambda f: SEVERITY_ORDER[f["severity"]])
    text = pages.render(
        "report.md.j2",
        report=report,
        title=meta.report_title(report),
        tables=tables,
        notes=notes,
        findings=findings,
        faults=list(dict.fromkeys(f["fault"] for f in findings)),
        fault_names=meta.FAULT_NAMES,
        fault_explained=meta.FAULT_EXPLAINED,
        rule_titles=rule_titles(),
        checks_link=link(page, "checks.md"),
        severity_names=SEVERITY_NAMES,
        related_links={
            f["related"]: link(page, related_page)
            for f in findings
            if f.get("related") and (related_page := report.get("related_pages", {}).get(f["related"]))
        },
        template_name=TEMPLATE_NAMES[report["template"]],
        contact_labels=CONTACT_LABELS,
        section_titles={s["key"]: s["heading"] for s in template.sections},
        agency_link=link(page, agency_page(report)),
        json_link=link(page, f"data/{report['id']}.json"),
        source_link=link(page, source_href(report)),
        witness_links=[link(page, source_href(report, w)) for w in report.get("witnesses", [])],
        source_view=url_link(page, source_view_url(report)) if has_source_view(report) else None,
        source_download=url_link(page, source_href(report)),
        original_link=meta.http_link(report["source"].get("url")),
        reading=meta.reading_method(report),
        revisions=revisions or [],
        chart=None,
    )
    return meta.front_matter(report_meta(report)) + text


def rule_titles() -> dict[str, str]:
    """{rule id: its Chinese title} from builder/template/checks.yaml."""
    return {r["id"]: r["title"]["zh"] for r in load_checks()["rules"]}


def report_meta(report: dict) -> dict:
    """A report page's front matter: its title, a description with the key figures, its citation."""
    counts = Counter(f["severity"] for f in report.get("findings", []))
    figures = meta.key_figures(
        [(h.label.split()[0], headline(report, *h[1:4])) for h in load_template().headlines() if h.describe]
    )
    checked = (
        f"核查发现 {counts['error']} 项错误、{counts['warning']} 项提示"
        if counts["error"] or counts["warning"]
        else "核查全部通过"
    )
    description = f"{meta.report_title(report)}：" + (f"{figures}；" if figures else "") + f"{checked}。"
    return {"title": meta.report_title(report), "description": description, "cite": meta.citation(report)}


SERVED_AS_IS = ("pdf", "docx", "txt")


def source_href(report: dict, source: dict | None = None) -> str:
    """Where the original file is served: sources/<report id>/<safe name>.<ext>. Files a browser or
    MkDocs would run or render (.html, .md, …) are served as plain text (x.html.txt), never as pages.
    `source` is another witness of the report (builder.revisions), served beside it under its sha256's
    first 12 digits and its name, so two witnesses never share a name."""
    name = (source or report["source"])["file"]
    stem, _, ext = name.rpartition(".")
    safe_ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:8] or "bin"
    suffix = safe_ext if safe_ext in SERVED_AS_IS else f"{safe_ext}.txt"
    prefix = f"{re.sub(r'[^0-9a-f]', '', str(source.get('sha256') or ''))[:12] or 'witness'}-" if source else ""
    return f"sources/{report['id']}/{prefix}{compact_slug(stem or name)}.{suffix}"


# --- the source: where each number was printed ----------------------------------------------------


def has_source_view(report: dict) -> bool:
    """Whether the site shows a report's file as numbered lines (source_view_page): every format but PDF,
    whose numbers are linked to the page of the original file (#page=N) instead."""
    return report["source"].get("format") != "pdf"


def source_view_page(report: dict) -> str:
    """The docs path of a report's file as numbered lines: sources/<report id>/index.md."""
    return f"sources/{report['id']}/index.md"


def source_view_url(report: dict) -> str:
    """The address of source_view_page, relative to the site's root (use_directory_urls)."""
    return f"sources/{report['id']}/"


def url_link(from_page: str, to_url: str) -> Markup:
    """A relative address, for raw HTML (which MkDocs does not rewrite), from the page built from the docs
    file `from_page` to `to_url` (relative to the site's root). With use_directory_urls (mkdocs.yml), a
    page x/2023.md is served as x/2023/ and x/index.md as x/."""
    folders = from_page.removesuffix(".md").split("/")
    if folders[-1] == "index":
        folders.pop()
    return Markup("../" * len(folders) + to_url)


def source_place(report: dict, from_page: str, line: int | None, page: int | None) -> dict | None:
    """Where a line of a report's file can be seen, from a page: {"href", "label", "title"}. A PDF opens at
    the line's page (`file.pdf#page=3`, "p.3"); other files at the line of their numbered rendering
    (`#L57`, "L57"). None when the place is not known (no line, or a PDF line without its page)."""
    if report["source"].get("format") == "pdf":
        if not page:
            return None
        href = f"{url_link(from_page, source_href(report))}#page={int(page)}"
        return {"href": Markup(href), "label": f"p.{page}", "title": f"原文第 {page} 页 source page {page}"}
    if not line or not has_source_view(report):
        return None
    href = f"{url_link(from_page, source_view_url(report))}#L{int(line)}"
    return {"href": Markup(href), "label": f"L{line}", "title": f"原文第 {line} 行 source line {line}"}


def line_pages(report: dict) -> dict[int, int]:
    """{line: PDF page} for the lines of a report's table rows (empty for other formats)."""
    out = {}
    for info in report.get("tables", {}).values():
        for row, page in info.get("pages", {}).items():
            out[info["rows"][row]] = page
    return out


def table_place(report: dict, from_page: str, key: str) -> dict | None:
    """Where a table was read: {"href", "text"}, the first of its lines or pages linked; None if not found."""
    info = report.get("tables", {}).get(key, {})
    lines = info.get("lines") or []
    if not lines:
        return None
    pages = sorted(set(info.get("pages", {}).values()))
    if report["source"].get("format") == "pdf":
        if not pages:
            return None
        span = f"{pages[0]}–{pages[-1]}" if len(pages) > 1 else f"{pages[0]}"
        text = f"第 {span} 页 page{'s' if len(pages) > 1 else ''} {span}"
    else:
        text = f"第 {lines[0]}–{lines[-1]} 行 lines {lines[0]}–{lines[-1]}"
    place = source_place(report, from_page, lines[0], pages[0] if pages else None)
    return {"href": place["href"], "text": text} if place else None


def render_source(report: dict, lines: list[tuple[int, tuple[str, ...]]]) -> str:
    """The page showing a report's file as numbered lines, each its own anchor (#L57), so that every number
    on the report page links to the line it was read from. `lines` are (number, cells) as the site read
    them: every line of a text file, the paragraphs and table rows of a web page or Word file. Every piece
    of the file's text is escaped (it is untrusted: a line may hold `<script>`)."""
    page = source_view_page(report)
    title = f"原文 {meta.report_title(report)}"
    description = f"{title}：{report['source']['file']}，逐行编号。"
    front = meta.front_matter({"title": title, "description": description, "search": {"exclude": True}})
    return front + pages.render(
        "source.md.j2",
        report=report,
        title=title,
        lines=[{"number": number, "cells": shown_cells(cells)} for number, cells in lines],
        report_link=link(page, report_page(report)),
        download=url_link(page, source_href(report)),
        reading=meta.reading_method(report),
    )


def shown_cells(cells: tuple[str, ...]) -> list[str]:
    """A line's cells as its numbered line shows them: blank cells between others kept (a blank is data),
    blank cells at the end dropped; a line without text is one blank cell."""
    cells = list(cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells or [""]


# --- lists, agencies, regions --------------------------------------------------------------------


def status_view(report: dict) -> dict:
    """Given a report, return {table key: ✓, no numbers, missing or —} for tables A, B and C, as lists show them."""
    marks = {"ok": "✓", "empty": "no numbers", "missing": "missing"}
    return {
        k: marks.get(report["tables"].get(k, {}).get("status"), "—")
        for k in ("active_disclosure", "applications", "review_litigation")
    }


def quality_badge(report: dict) -> str:
    """One short phrase on a report's quality, Chinese first: its error and warning counts, that it adds up,
    or, for a report before the 2019 template (whose own tables the rules cannot check), that it was not checked."""
    counts = Counter(f["severity"] for f in report.get("findings", []))
    if counts["error"]:
        return f"✗ {counts['error']} 处错误 error{'s' if counts['error'] > 1 else ''}"
    if counts["warning"]:
        return f"! {counts['warning']} 处提示 warning{'s' if counts['warning'] > 1 else ''}"
    if report.get("template") == "pre2019":
        return "未核对 not checked (pre-2019)"
    return "✓ 勾稽相符 adds up"


def list_entry(report: dict, from_page: str) -> dict:
    """Given a report and the docs page that lists it, return the row the list shows: agency, year, template, signing
    date, source file, table statuses, quality badge and a link relative to `from_page`."""
    return {
        "agency": report["agency"],
        "year": report["year"],
        "template": report["template"],
        "date_signed": report["date_signed"],
        "file": report["source"]["file"],
        "status": status_view(report),
        "badge": quality_badge(report),
        "link": link(from_page, report_page(report)),
        "agency_link": link(from_page, agency_page(report)),
    }


def countable(report: dict, table: str) -> tuple[bool, str]:
    """Whether a report's figures from `table` can enter a sum or a chart, and why not."""
    letter = {"active_disclosure": "A", "applications": "B", "review_litigation": "C"}[table]
    if report["template"] == "pre2019":
        return False, "pre-2019 report (no template)"
    status = report["tables"].get(table, {}).get("status")
    if status != "ok":
        return False, f"table {letter} {status}"
    rules = report.get("findings", [])
    if any(f["rule"] == "agency-year-twice" for f in rules):
        return False, "another report of this agency and year is published too"
    broken = sorted(
        {f["rule"] for f in rules if f["rule"] in load_template().arithmetic_rules() and f.get("table") == table}
    )
    if broken:
        return False, f"table {letter} does not add up: " + "、".join(rule_titles()[rule] for rule in broken)
    return True, ""


def headline(report: dict, table: str, row: str, column: str) -> int | None:
    """One headline figure of a report (a cell by table, row and column key), or None when its table cannot be
    counted or the report lacks the cell."""
    if not countable(report, table)[0]:
        return None
    cell = find_cell(report, f"{table}.{row}.{column}")
    return None if cell is None else cell.value


def region_tree(reports: list[dict]) -> dict[str, dict]:
    """{region docs folder: {name, level, agencies: {agency page: [reports]}}} for every province,
    city and county holding a report; an agency counts in each region above it."""
    tree: dict[str, dict] = {}
    for r in reports:
        region = r.get("region") or {}
        parts = r["agency_path"].split("/")[:-1]
        levels = [lvl for lvl in ("province", "city", "county") if region.get(lvl)]
        if r.get("agency_status") != "confirmed" and not levels:
            continue
        for depth, level in enumerate(levels[: len(parts)], start=1):
            folder = "/".join(parts[:depth])
            node = tree.setdefault(
                folder,
                {
                    "name": region[level]["name"],
                    "code": region[level]["code"],
                    "level": level,
                    "agencies": defaultdict(list),
                },
            )
            node["agencies"][agency_page(r)].append(r)
    return tree


def render_region(folder: str, node: dict, tree: dict) -> str:
    """Given a region's folder, its node of region_tree and the whole tree, return the region page's Markdown: its
    child regions, its agencies and reports, and the sums of tables B and C over the reports that add up (each
    sum says how many reports it counts and names those left out)."""
    page = f"{folder}/index.md"
    children = sorted((f, n) for f, n in tree.items() if f.rsplit("/", 1)[0] == folder and f != folder)
    reports = [r for group in node["agencies"].values() for r in group]
    years = sorted({r["year"] for r in reports})
    tables = ("applications", "review_litigation")
    sums = []
    for year in years:
        year_reports = [r for r in reports if r["year"] == year]
        values = []
        for _label, t, rrow, col, _describe in load_template().headlines():
            counted = [v for r in year_reports if (v := headline(r, t, rrow, col)) is not None]
            values.append(sum(counted) if counted else None)
        n_counted = sum(1 for r in year_reports if any(countable(r, t)[0] for t in tables))
        sums.append({"year": year, "values": values, "counted": n_counted, "total": len(year_reports)})
    excluded = [
        {"agency": r["agency"], "year": r["year"], "why": why, "link": link(page, report_page(r))}
        for r in sorted(reports, key=lambda r: (r["year"], r["agency"]))
        for t in tables
        if (why := countable(r, t)[1])
    ]
    agencies = [
        {
            "name": group[-1]["agency"],
            "link": link(page, agency_page(group[-1])),
            "years": ", ".join(str(r["year"]) for r in sorted(group, key=lambda r: r["year"])),
        }
        for group in sorted(node["agencies"].values(), key=lambda g: g[-1]["agency"])
    ]
    description = (
        f"{node['name']}：{len(node['agencies'])} 个机关的 {len(reports)} 份政府信息公开工作年度报告，及其合计。"
    )
    return meta.front_matter({"title": node["name"], "description": description}) + pages.render(
        "region.md.j2",
        node=node,
        headers=[h.label for h in load_template().headlines()],
        sums=sums,
        excluded=excluded,
        agencies=agencies,
        children=[{"name": n["name"], "link": link(page, f"{f}/index.md")} for f, n in children],
    )


def redirect_html(to_url: str) -> str:
    """A static redirect page (no MkDocs plugin): meta refresh plus a plain link."""
    target = html.escape(to_url, quote=True)
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>Moved</title>'
        f'<link rel="canonical" href="{target}"><meta http-equiv="refresh" content="0; url={target}">'
        f'<meta name="robots" content="noindex"></head>'
        f'<body><p>This page has moved to <a href="{target}">{target}</a>.</p></body></html>\n'
    )


def redirect_pages(redirects: list[tuple[str, str]], reports: list[dict]) -> dict[str, str]:
    """For every old agency address, a redirect for the agency page and for each of its years."""
    out = {}
    for old, new in redirects:
        depth = old.count("/") + 1
        out[f"{old}/index.html"] = redirect_html("../" * depth + new + "/")
        for r in reports:
            if r["agency_path"] == new:
                year_page = report_page(r).rsplit("/", 1)[-1].removesuffix(".md")
                out[f"{old}/{year_page}/index.html"] = redirect_html("../" * (depth + 1) + f"{new}/{year_page}/")
    return out


# --- quality page and CSV ------------------------------------------------------------------------


def quality_rows(reports: list[dict], from_page: str, template: Template) -> list[dict]:
    """Every finding with a link to the row of the cell it is about (else to the finding itself)."""
    rows = []
    for r in sorted(reports, key=lambda r: (r["agency"], r["year"])):
        for f in number_findings(r.get("findings", [])):
            f["fault"] = meta.finding_fault(f["rule"], r)
            table, row = f.get("table"), f.get("row")
            anchor = f"{template.tables[table]['letter']}-{row}" if table in template.tables and row else f["anchor"]
            rows.append(
                {
                    **f,
                    "agency": r["agency"],
                    "year": r["year"],
                    "link": Markup(f"{link(from_page, report_page(r))}#{anchor}"),
                }
            )
    return sorted(rows, key=lambda f: SEVERITY_ORDER[f["severity"]])  # errors first; stable within


def findings_csv(reports: list[dict]) -> str:
    """Given the reports, return every finding as CSV text (one row per finding: report id, agency, year, anchor,
    rule, severity, table, row, column, both sides, message, source line, related report, share)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    columns = ["rule", "severity", "table", "row", "column", "left", "right", "message", "line", "related", "share"]
    writer.writerow(["report_id", "agency", "year", "anchor", *columns])
    for r in reports:
        for f in number_findings(r.get("findings", [])):
            writer.writerow(
                [r["id"], r["agency"], r["year"], f["anchor"], *("" if f.get(c) is None else f[c] for c in columns)]
            )
    return buf.getvalue()


def cells_csv(reports: list[dict], template: Template) -> str:
    """Every table cell of every report, one per line (tidy), for the downloads."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        ["report_id", "agency", "year", "template", "table", "row", "column", "value", "raw", "position", "line"]
    )
    for r in reports:
        for view in pages.table_views(r, template):
            for group in view["groups"]:
                for row in group["rows"]:
                    for cell in row["cells"]:
                        note = r["cells"].get(cell["path"], {})
                        column = cell["path"].split(".")[2] if cell["path"].count(".") == 2 else ""
                        writer.writerow(
                            [
                                r["id"],
                                r["agency"],
                                r["year"],
                                r["template"],
                                view["key"],
                                row["key"],
                                column,
                                cell["value"],
                                note.get("raw", ""),
                                note.get("position", ""),
                                row["line"] or "",
                            ]
                        )
    return buf.getvalue()


# --- the site ------------------------------------------------------------------------------------


def report_dates(report: dict) -> list[str]:
    """The dates (YYYY-MM-DD) a report's data records: signed, published, fetched."""
    source = report.get("source", {})
    dates = [report.get("date_signed"), source.get("published"), source.get("fetched")]
    return [str(d)[:10] for d in dates if d]


def headline_figures(reports: list[dict], tree: dict) -> dict:
    """The home page's figures: counts of reports, agencies, regions and years, and the applications
    received and granted summed over the reports whose table B can be counted (`countable`), with
    how many those are. The share granted is 予以公开 / 办理结果总计 over those reports; None if none."""
    counted = [r for r in reports if countable(r, "applications")[0]]
    received = sum(r["applications"]["new"]["total"] or 0 for r in counted)
    granted = sum(r["applications"]["granted"]["total"] or 0 for r in counted)
    completed = sum(r["applications"]["total"]["total"] or 0 for r in counted)
    years = Counter(r["year"] for r in reports)
    return {
        "reports": len(reports),
        "agencies": len({r["agency_path"] for r in reports}),
        "regions": len(tree),
        "years": sorted(years.items()),
        "counted": len(counted),
        "received": received,
        "granted": granted,
        "completed": completed,
        "granted_share": f"{granted / completed:.0%}" if completed else None,
    }


def build_info(reports: list[dict]) -> dict:
    """Facts about the data a build publishes, the same for the same data: the number of reports,
    the latest date in them (the build date when SOURCE_DATE_EPOCH is unset, docs/overrides/hooks.py)
    and a data version, the first 12 hex digits of a sha256 over every report's JSON (without the
    file's modification time, which a fresh checkout changes)."""
    digest = hashlib.sha256()
    for r in sorted(reports, key=lambda r: r["id"]):
        public = {k: v for k, v in r.items() if k != "related_pages"}
        public["source"] = {k: v for k, v in r["source"].items() if k != "modified"}
        digest.update(json.dumps(public, ensure_ascii=False, sort_keys=True).encode())
    dates = [d for r in reports for d in report_dates(r)]
    return {"reports": len(reports), "latest_date": max(dates, default=None), "data_version": digest.hexdigest()[:12]}


def site_pages(
    reports: list[dict],
    failed: list[dict],
    template: Template,
    rule_counts: Counter,
    redirects: list[tuple[str, str]] = (),
    revisions: dict | None = None,
    render: Callable[[dict, Template, list[dict] | None], str] | None = None,
) -> dict[str, str]:
    """Every generated page: {docs-relative path: text} (Markdown, or HTML for redirects). Report pages are
    made by `render` (default render_report; the build passes one that reads unchanged pages back from its
    memo)."""
    render = render or render_report
    reports = sorted(reports, key=lambda r: (r["agency"], r["year"]))
    if len({report_page(r) for r in reports}) < len(reports):  # addresses not yet settled by the build
        assign_report_pages(reports)
    revisions = revisions or {}
    out = {report_page(r): render(r, template, revisions.get(r["id"])) for r in reports}
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for r in reports:
        by_agency[agency_page(r)].append(r)
    for page, group in by_agency.items():
        years = sorted({r["year"] for r in group})
        description = (
            f"{group[-1]['agency']}的政府信息公开工作年度报告：{years[0]}–{years[-1]} 年，共 {len(group)} 份。"
        )
        out[page] = meta.front_matter({"title": group[-1]["agency"], "description": description}) + pages.render(
            "agency.md.j2",
            agency=group[-1]["agency"],
            names=sorted({r["agency"] for r in group}),
            region=group[-1].get("region_name", ""),
            status=group[-1].get("agency_status", ""),
            reports=[list_entry(r, page) for r in group],
            chart=None,  # the trends are drawn by builder/views.py, appended below the page
        )
    tree = region_tree(reports)
    for folder, node in tree.items():
        out[f"{folder}/index.md"] = render_region(folder, node, tree)
    provinces = [
        {"name": n["name"], "link": link("index.md", f"{f}/index.md")} for f, n in sorted(tree.items()) if "/" not in f
    ]
    out["index.md"] = pages.render(
        "index.md.j2",
        reports=[list_entry(r, "index.md") for r in reports],
        agencies=by_agency,
        failed=failed,
        provinces=provinces,
        figures=headline_figures(reports, tree),
    )
    out["problems.md"] = pages.render("problems.md.j2", failed=failed)
    severity = {r["id"]: r["severity"] for r in load_checks()["rules"]}
    out["quality.md"] = pages.render(
        "quality.md.j2",
        rows=quality_rows(reports, "quality.md", template),
        counts=sorted(rule_counts.items(), key=lambda kv: (SEVERITY_ORDER[severity[kv[0]]], kv[0])),
        severity=severity,
        severity_names=SEVERITY_NAMES,
        rule_titles=rule_titles(),
        fault_names=meta.FAULT_NAMES,
        fault_explained=meta.FAULT_EXPLAINED,
        finding_fault=meta.finding_fault,
    )
    out["checks.md"] = pages.render("checks.md.j2", rules=load_checks()["rules"])
    out.update(redirect_pages(list(redirects), reports))
    out["build.json"] = json.dumps(build_info(reports), ensure_ascii=False, indent=1) + "\n"
    return out
