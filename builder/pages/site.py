"""Pure: the whole site as {docs path: text}: report, agency, region, home, quality and check pages, and redirects."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable

from builder import pages
from builder.checks import load_checks
from builder.pages import lists, meta
from builder.pages.addresses import agency_page, assign_report_pages, link, redirect_pages, report_page
from builder.pages.figures import build_info, headline_figures, region_tree, rule_titles
from builder.pages.lists import (
    linked_finding,
    list_entry,
    page_suffix,
    paginate,
    quality_rows,
    render_region,
)
from builder.pages.reportpage import SEVERITY_NAMES, SEVERITY_ORDER, render_report
from builder.template import Template


def site_pages(
    reports: list[dict],
    failed: list[dict],
    template: Template,
    rule_counts: Counter,
    redirects: list[tuple[str, str]] = (),
    revisions: dict | None = None,
    render: Callable[[dict, Template, list[dict] | None], str] | None = None,
    page_size: int | None = None,
) -> dict[str, str]:
    """Every generated page: {docs-relative path: text} (Markdown, or HTML for redirects). Report pages are
    made by `render` (default render_report; the build passes one that reads unchanged pages back from its
    memo). The lists of reports, agencies and findings hold `page_size` rows a page (default lists.PAGE_SIZE;
    builder.pages.lists.paginate), so that no page grows with the number of reports."""
    render = render or render_report
    page_size = page_size or lists.PAGE_SIZE
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
        out.update(render_region(folder, node, tree, page_size))
    provinces = [
        {"name": n["name"], "link": link("index.md", f"{f}/index.md")} for f, n in sorted(tree.items()) if "/" not in f
    ]
    figures = headline_figures(reports, tree)
    for path, chunk, pager in paginate("index.md", reports, page_size):
        out[path] = pages.render(
            "index.md.j2",
            reports=[list_entry(r, path) for r in chunk],
            failed=failed,
            provinces=provinces,
            figures=figures,
            pager=pager,
            suffix=page_suffix(pager),
        )
    out["problems.md"] = pages.render("problems.md.j2", failed=failed)
    severity = {r["id"]: r["severity"] for r in load_checks()["rules"]}
    counts = sorted(rule_counts.items(), key=lambda kv: (SEVERITY_ORDER[severity[kv[0]]], kv[0]))
    for path, chunk, pager in paginate("quality.md", quality_rows(reports, template), page_size):
        out[path] = pages.render(
            "quality.md.j2",
            rows=[linked_finding(f, path) for f in chunk],
            counts=counts,
            severity=severity,
            severity_names=SEVERITY_NAMES,
            rule_titles=rule_titles(),
            fault_names=meta.FAULT_NAMES,
            fault_explained=meta.FAULT_EXPLAINED,
            finding_fault=meta.finding_fault,
            checks_link=link(path, "checks.md"),
            pager=pager,
            suffix=page_suffix(pager),
        )
    out["checks.md"] = pages.render("checks.md.j2", rules=load_checks()["rules"])
    out.update(redirect_pages(list(redirects), reports))
    out["build.json"] = json.dumps(build_info(reports), ensure_ascii=False, indent=1) + "\n"
    return out
