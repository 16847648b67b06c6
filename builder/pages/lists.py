"""Pure: the pages that list reports: the rows of a list, region pages and the quality page."""

from __future__ import annotations

from collections import Counter

from markupsafe import Markup

from builder import pages
from builder.pages import meta
from builder.pages.addresses import agency_page, link, number_findings, report_page
from builder.pages.figures import HEADLINES, countable, headline
from builder.pages.reportpage import SEVERITY_ORDER
from builder.template import Template


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
        for _label, t, rrow, col in HEADLINES:
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
        headers=[h[0] for h in HEADLINES],
        sums=sums,
        excluded=excluded,
        agencies=agencies,
        children=[{"name": n["name"], "link": link(page, f"{f}/index.md")} for f, n in children],
    )


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
