"""Pure: one place for every page's address: report, agency and source pages, links between pages, finding
anchors, the places of source lines, and redirects from old addresses."""

from __future__ import annotations

import codecs
import html
import re
from collections import Counter

from markupsafe import Markup

from builder.identity import base_page, settle_pages
from builder.slugs import compact_slug


def agency_page(report: dict) -> str:
    """The docs path of a report's agency page: `<agency_path>/index.md` (agency_path from builder.agencies)."""
    return f"{report['agency_path']}/index.md"


def report_page(report: dict) -> str:
    """The docs path of a report's page: its `page` address (see assign_report_pages), else the base one."""
    return f"{report.get('page') or base_report_address(report)}.md"


def base_report_address(report: dict) -> str:
    """A report's address before collisions are settled (builder.identity.base_page under its agency_path)."""
    return base_page(report, report["agency_path"])


def assign_report_pages(reports: list[dict], registry: dict | None = None) -> None:
    """Give every report an address of its own (`report["page"]`, builder.identity.settle_pages), for reports
    whose identity the build did not settle (tests, a page set made without the build), so that no page is
    written over another."""
    paths = {r["id"]: r["agency_path"] for r in reports}
    pages = settle_pages(reports, paths, {r["id"]: r.get("agency_id") for r in reports}, registry or {})
    for report in reports:
        report["page"] = pages[report["id"]]


def link(from_page: str, to_page: str) -> Markup:
    """A relative link from one docs page to another docs file (our own paths: trusted)."""
    return Markup("../" * from_page.count("/") + to_page)


def url_link(from_page: str, to_url: str) -> Markup:
    """A relative address, for raw HTML (which MkDocs does not rewrite), from the page built from the docs
    file `from_page` to `to_url` (relative to the site's root). With use_directory_urls (mkdocs.yml), a
    page x/2023.md is served as x/2023/ and x/index.md as x/."""
    folders = from_page.removesuffix(".md").split("/")
    if folders[-1] == "index":
        folders.pop()
    return Markup("../" * len(folders) + to_url)


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


def has_source_view(report: dict) -> bool:
    """Whether the site shows a report's file as numbered lines (the viewer at sources/, docs/assets/source.js):
    every format but PDF, whose numbers are linked to the page of the original file (#page=N) instead."""
    return report["source"].get("format") != "pdf"


# Encodings the browser decodes as the parser did (fetch's text() is UTF-8, a leading BOM dropped; codecs names).
UTF8_NAMES = {"utf-8", "utf-8-sig", "ascii"}
TEXT_SUFFIXES = (".txt", ".md")  # files read as they are by builder.sources.text (a .doc is text after antiword)


def original_is_lines(report: dict) -> bool:
    """Whether the viewer reads the served original itself: a text file in UTF-8 (or ASCII), whose lines the
    browser splits as Python's str.splitlines did for the parser (source.js splits at the same breaks), so
    no separate lines file is published for it."""
    source = report["source"]
    if source.get("format") != "text" or not source["file"].lower().endswith(TEXT_SUFFIXES):
        return False
    try:
        return codecs.lookup(source.get("encoding") or "").name in UTF8_NAMES
    except LookupError:
        return False


def lines_file(report: dict) -> str | None:
    """The site path of a report's lines file (sources/<report id>.lines.txt: UTF-8, line N of it is the line
    the parser numbered N, a row's cells separated by tabs), or None when there is none: a PDF, or a file whose
    served original is its own lines file (original_is_lines). Beside the report folders, not in one, so that
    no name of an original (source_href) can take it."""
    if not has_source_view(report) or original_is_lines(report):
        return None
    return f"sources/{report['id']}.lines.txt"


def source_view_url(report: dict) -> str:
    """The address of the viewer showing a report's file as numbered lines, relative to the site's root:
    `sources/?f=<the text it reads, relative to sources/>` (its lines file, or the served original)."""
    text = lines_file(report) or source_href(report)
    return f"sources/?f={text.removeprefix('sources/')}"


def source_place(report: dict, from_page: str, line: int | None, page: int | None) -> dict | None:
    """Where a line of a report's file can be seen, from a page: {"href", "label", "title"}. A PDF opens at
    the line's page (`file.pdf#page=3`, "p.3"); other files at the line of their numbered rendering
    (the viewer's `#L57`, "L57"). None when the place is not known (no line, or a PDF line without its page)."""
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
