"""Pure: a report's page (its tables linked to their source lines, its findings) and its file's lines file."""

from __future__ import annotations

from collections import Counter, defaultdict

from builder import pages
from builder.pages import meta
from builder.pages.addresses import (
    agency_page,
    has_source_view,
    line_pages,
    lines_file,
    link,
    number_findings,
    report_page,
    source_href,
    source_place,
    source_view_url,
    table_place,
    url_link,
)
from builder.pages.figures import headline, rule_titles
from builder.template import Template, load_template

TEMPLATE_NAMES = {
    "2021": "2021 (国办公开办函〔2021〕30号)",
    "2019": "2019/2020 (earlier template)",
    "pre2019": "pre-2019 (no national template)",
}

CONTACT_LABELS = {"address": "地址 Address", "postcode": "邮编 Postcode", "phone": "电话 Phone", "email": "邮箱 Email"}

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

SEVERITY_NAMES = {"error": "错误 error", "warning": "提示 warning", "info": "说明 info"}


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


def render_report(
    report: dict, template: Template, revisions: list[dict] | None = None, links: dict[str, str] | None = None
) -> str:
    """Given a report (with its findings), the template, its older revisions and the pages it links to ({related
    report id: docs page}, build.report_links), return its page's Markdown: the
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
                for cell in row["cells"]:  # no link of its own: the row's line link is where it is printed
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
            if f.get("related") and (related_page := (links or {}).get(f["related"]))
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
        lines_download=url_link(page, lines_file(report)) if lines_file(report) else None,
        original_link=meta.http_link(report["source"].get("url")),
        reading=meta.reading_method(report),
        revisions=revisions or [],
        chart=None,
    )
    return meta.front_matter(report_meta(report)) + text


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


# Characters at which str.splitlines (the parser's line numbers) and docs/assets/source.js break a line; none
# may stay inside a line of a lines file. A tab inside a cell would split it, so it goes too.
BREAKS = str.maketrans({c: " " for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def lines_text(lines: list[tuple[int, tuple[str, ...]]]) -> str:
    """Given a file's lines as the parser numbered them ((number, cells), build.source_lines), return its lines
    file (addresses.lines_file): line N of the text is the line numbered N, its cells separated by tabs (blank
    cells at the end dropped), a number the reader skipped a blank line; every line ends with a newline. The
    text stays text: the viewer puts it in with textContent, never as HTML."""
    by_number = {number: "\t".join(c.translate(BREAKS) for c in shown_cells(cells)) for number, cells in lines}
    last = max(by_number, default=0)
    return "".join(f"{by_number.get(n, '')}\n" for n in range(1, last + 1))


def shown_cells(cells: tuple[str, ...]) -> list[str]:
    """A line's cells as its numbered line shows them: blank cells between others kept (a blank is data),
    blank cells at the end dropped; a line without text is one blank cell."""
    cells = list(cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells or [""]
