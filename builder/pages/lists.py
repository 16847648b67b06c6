"""Pure: the pages that list reports: the rows of a list, region pages and the quality page."""

from __future__ import annotations

from collections import Counter

from markupsafe import Markup

from builder import pages
from builder.pages import meta
from builder.pages.addresses import agency_page, link, number_findings, report_page
from builder.pages.figures import countable, headline
from builder.pages.reportpage import SEVERITY_ORDER
from builder.template import TABLE_KEYS, Template, load_template

# Rows on one page of a long list (reports, findings, agencies): at 10,000 reports no list page passes 200 KB.
PAGE_SIZE = 100


def status_view(report: dict) -> dict:
    """Given a report, return {table key: ✓, no numbers, missing or —} for tables A, B and C, as lists show them."""
    marks = {"ok": "✓", "empty": "no numbers", "missing": "missing"}
    return {k: marks.get(report["tables"].get(k, {}).get("status"), "—") for k in TABLE_KEYS}


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


def render_region(folder: str, node: dict, tree: dict, size: int = PAGE_SIZE) -> dict[str, str]:
    """Given a region's folder, its node of region_tree, the whole tree and the rows a list page holds, return the
    region's pages {docs path: Markdown}: its child regions, its agencies (`size` a page: `<folder>/index.md`, then
    `<folder>/2.md` …), and the sums of tables B and C over the reports that add up (each sum says how many reports
    it counts; the tables left out are named on the page, or on pages of their own, `<folder>/excluded.md` …,
    when there are more than `size`)."""
    page = f"{folder}/index.md"
    children = sorted((f, n) for f, n in tree.items() if f.rsplit("/", 1)[0] == folder and f != folder)
    reports = [r for group in node["agencies"].values() for r in group]
    excluded = [
        (r, why)
        for r in sorted(reports, key=lambda r: (r["year"], r["agency"]))
        for t in ("applications", "review_litigation")
        if (why := countable(r, t)[1])
    ]
    description = (
        f"{node['name']}：{len(node['agencies'])} 个机关的 {len(reports)} 份政府信息公开工作年度报告，及其合计。"
    )
    common = {"node": node, "headers": [h.label for h in load_template().headlines()], "excluded_count": len(excluded)}
    out = {}
    excluded_first = f"{folder}/excluded.md" if len(excluded) > size else None
    groups = sorted(node["agencies"].values(), key=lambda g: g[-1]["agency"])
    for path, chunk, pager in paginate(page, groups, size):
        first = pager["number"] == 1
        out[path] = meta.front_matter(
            {"title": node["name"] + page_suffix(pager), "description": description}
        ) + pages.render(
            "region.md.j2",
            **common,
            pager=pager,
            sums=region_sums(reports) if first else [],
            excluded=[excluded_row(r, why, path) for r, why in excluded] if first and not excluded_first else [],
            excluded_link=link(path, excluded_first) if first and excluded_first else None,
            agencies=[agency_row(group, path) for group in chunk],
            children=[{"name": n["name"], "link": link(path, f"{f}/index.md")} for f, n in children] if first else [],
        )
    for path, chunk, pager in paginate(excluded_first, excluded, size) if excluded_first else []:
        title = f"{node['name']}：未计入合计的报告 Not counted"
        out[path] = meta.front_matter({"title": title + page_suffix(pager), "description": description}) + (
            pages.render(
                "excluded.md.j2",
                title=title,
                region_link=link(path, page),
                pager=pager,
                excluded=[excluded_row(r, why, path) for r, why in chunk],
            )
        )
    return out


def region_sums(reports: list[dict]) -> list[dict]:
    """The region page's totals, one per year: the template's headline figures summed over the reports whose
    table counts (`countable`; None when none does), with how many reports were counted of how many."""
    sums = []
    for year in sorted({r["year"] for r in reports}):
        year_reports = [r for r in reports if r["year"] == year]
        values = []
        for _label, t, rrow, col, _describe in load_template().headlines():
            counted = [v for r in year_reports if (v := headline(r, t, rrow, col)) is not None]
            values.append(sum(counted) if counted else None)
        tables = ("applications", "review_litigation")
        n_counted = sum(1 for r in year_reports if any(countable(r, t)[0] for t in tables))
        sums.append({"year": year, "values": values, "counted": n_counted, "total": len(year_reports)})
    return sums


def excluded_row(report: dict, why: str, from_page: str) -> dict:
    """One table left out of a region's sums: the report's agency, year, why, and a link to it from `from_page`."""
    return {
        "agency": report["agency"],
        "year": report["year"],
        "why": why,
        "link": link(from_page, report_page(report)),
    }


def agency_row(group: list[dict], from_page: str) -> dict:
    """An agency's row in a region's list, from its reports (oldest first): its latest name, a link to its page
    from `from_page` and the years of its reports."""
    return {
        "name": group[-1]["agency"],
        "link": link(from_page, agency_page(group[-1])),
        "years": ", ".join(str(r["year"]) for r in sorted(group, key=lambda r: r["year"])),
    }


def quality_rows(reports: list[dict], template: Template) -> list[dict]:
    """Every finding of every report, errors first, each with its report's agency, year and docs page and the
    anchor it links to there: the row of the cell it is about, else the finding itself."""
    rows = []
    for r in sorted(reports, key=lambda r: (r["agency"], r["year"])):
        for f in number_findings(r.get("findings", [])):
            f["fault"] = meta.finding_fault(f["rule"], r)
            table, row = f.get("table"), f.get("row")
            anchor = f"{template.tables[table]['letter']}-{row}" if table in template.tables and row else f["anchor"]
            rows.append({**f, "agency": r["agency"], "year": r["year"], "page": report_page(r), "target": anchor})
    return sorted(rows, key=lambda f: SEVERITY_ORDER[f["severity"]])  # errors first; stable within


def linked_finding(row: dict, from_page: str) -> dict:
    """A quality_rows row with its link from `from_page` to the report's page and anchor."""
    return {**row, "link": Markup(f"{link(from_page, row['page'])}#{row['target']}")}


# --- pages of a long list ---------------------------------------------------------------------------


def list_page_path(first: str, number: int) -> str:
    """The docs path of page `number` (from 1) of a list whose first page is `first`: `first` itself, then
    `quality/2.md` after `quality.md` and `ningxia/2.md` after `ningxia/index.md` (served as quality/2/ and
    ningxia/2/; report pages are never a bare number, they are named by a 4-digit year)."""
    if number == 1:
        return first
    folder = first.removesuffix("index.md") if first.rsplit("/", 1)[-1] == "index.md" else first[:-3] + "/"
    return f"{folder}{number}.md"


def paginate(first: str, items: list, size: int = PAGE_SIZE) -> list[tuple[str, list, dict]]:
    """Split a list into pages of `size` items (at least one page, empty when there are no items): [(docs path,
    its items, its pager)]. The pager is {"number", "count", "total", "previous", "next", "pages"}: the links
    (relative to that page) to the pages before and after (None at the ends) and [(number, link or None for the
    page itself)] for the first, the last and the pages near it, with None between gaps. Raises ValueError for a
    size below 1."""
    if size < 1:
        raise ValueError(f"a list page holds at least one row, not {size}")
    count = max(1, -(-len(items) // size))
    paths = [list_page_path(first, n) for n in range(1, count + 1)]
    out = []
    for n, path in enumerate(paths, start=1):
        near = sorted({1, count, *range(max(1, n - 2), min(count, n + 2) + 1)})
        shown: list = []
        for m in near:
            if shown and m - shown[-1][0] > 1:
                shown.append((None, None))
            shown.append((m, None if m == n else link(path, paths[m - 1])))
        pager = {
            "number": n,
            "count": count,
            "total": len(items),
            "previous": link(path, paths[n - 2]) if n > 1 else None,
            "next": link(path, paths[n]) if n < count else None,
            "pages": shown,
        }
        out.append((path, items[(n - 1) * size : n * size], pager))
    return out


def page_suffix(pager: dict) -> str:
    """What a page's title adds after the list's own: ` · 第 2 / 5 页` on every page after the first, else nothing."""
    return f" · 第 {pager['number']} / {pager['count']} 页" if pager["number"] > 1 else ""
