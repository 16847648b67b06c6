"""Pure: several files of one agency-year -> the report(s) to publish, their witnesses and revisions.

The same report is often saved more than once: a web page and its PDF, a crawler's `page.html` beside its
`page.txt`, a DOCX and its PDF. Such files are *witnesses* of one report: they agree on (nearly) every
template cell that both read (a cell one side could not read, null, or read only with doubt, placed by
the sums or ambiguous, is not a disagreement). The report is
read from the best witness (a grid, i.e. HTML or DOCX table cells, over a text layer over OCR; then the
fewest cells re-placed, ambiguous or unreadable; then the most cells read); every other witness is kept in
the report's `witnesses` list with each cell where it differs (only files of two formats may differ:
two files of one format that differ are two versions), and the `witness-disagrees` check makes each
such cell a finding naming both files and both values.

A *revision* is a later, corrected report: its numbers differ and what the files say orders them. Which
file is newer is read from what the files say, never from file times or paths: the report's signing date
(`date_signed`), then the publication date its provenance records (`source.published`: a web page's own
date, or `published:` in its sidecar), then the time `builder add` fetched it (`source.fetched`). Two
files are compared on the first of these clues that both have and that differ; when none does, their order
is unknown. A file that another is known to be newer than, with other numbers, is *superseded*: a revision
record on the newest file's page lists the cells that differ. Files whose order is unknown and whose numbers
differ (in one format, or in more than a tenth of the cells both read) are two reports: both are
published, each under its own id, and none is called superseded (the `agency-year-twice` check says so).
"""

from __future__ import annotations

import re
from datetime import datetime

from builder.model import Cell, read_table
from builder.template import Template, load_template

# the clues two files are compared on, in this order (see order_clues for where each is read)
ORDER_CLUES = ("signed", "published", "fetched")
CLUE_NAMES = {"signed": "签署日期 signing date", "published": "发布时间 published", "fetched": "获取时间 added"}
DATE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*T?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?"
)


def text_to_when(text: str | None) -> tuple[str, str | None] | None:
    """Given a printed date or time ('2024-01-30 10:05', '2024年1月30日', '2024-03-02T09:30:00Z'),
    return (ISO date, 'HH:MM:SS' or None when no time is given), or None when it holds no valid date."""
    match = DATE_TIME.search(str(text or ""))
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    try:
        when = datetime(year, month, day, hour or 0, minute or 0, second or 0)
    except ValueError:
        return None
    return when.date().isoformat(), when.time().isoformat() if hour is not None else None


def order_clues(report: dict) -> dict[str, tuple[str, str | None] | None]:
    """Given a report, return what its file says about when it was made: {clue: (date, time) or None}."""
    source = report["source"]
    return {
        "signed": text_to_when(report.get("date_signed")),
        "published": text_to_when(source.get("published")),
        "fetched": text_to_when(source.get("fetched")),
    }


def compare_when(a: tuple[str, str | None], b: tuple[str, str | None]) -> int:
    """-1, 0 or 1 as a is before, on or after b; times count only when both have one."""
    left, right = (a, b) if a[1] is not None and b[1] is not None else (a[:1], b[:1])
    return (left > right) - (left < right)


def compare_files(a: dict, b: dict) -> tuple[int, str] | None:
    """Given two reports of one agency-year, return (1 if a is newer, -1 if older, the clue that tells),
    or None when nothing in them tells which is newer."""
    clues_a, clues_b = order_clues(a), order_clues(b)
    for clue in ORDER_CLUES:
        if clues_a[clue] and clues_b[clue]:
            order = compare_when(clues_a[clue], clues_b[clue])
            if order:
                return order, clue
    return None


def is_newer(a: dict, b: dict) -> bool:
    """Whether what the two files say shows a to be newer than b (see compare_files)."""
    found = compare_files(a, b)
    return found is not None and found[0] > 0


def table_cells(report: dict, table: str, template: Template) -> dict[tuple[str, str | None], object]:
    """Given a report and one of its tables, return {(row, column): value} (builder.model.read_table), the
    column None for a one-number row of 表A, as the revision and witness records name it in JSON."""
    cells = read_table(report, table, template).cells or {}
    return {(c.row, c.json_column): c.value for c in cells.values()}


def change_labels(table: str, row: str, column: str | None, template: Template) -> dict:
    """The template's words for a changed cell, and the anchor of its row on the report page."""
    spec = template.tables[table]
    known_row = row in spec.get("rows", {})
    return {
        "table_label": f"表{spec['letter']} {spec['title']}",
        "row_label": template.cell_label(table, row) if known_row else row,
        "column_label": template.column_label(table, column) if column else "",
        "anchor": template.row_anchor(table, row),
    }


def changed_cells(old: dict, new: dict, template: Template | None = None) -> list[dict]:
    """Given two reports of one agency-year, return every table cell whose value differs:
    [{table, row, column, old, new, and their labels}] in table and row order (None = blank or absent)."""
    template = template or load_template()
    changes = []
    for table in template.tables:
        before, after = table_cells(old, table, template), table_cells(new, table, template)
        order = list(after) + [k for k in before if k not in after]
        for row, column in order:
            a, b = before.get((row, column)), after.get((row, column))
            if a != b:
                changes.append(
                    {
                        "table": table,
                        "row": row,
                        "column": column,
                        "old": a,
                        "new": b,
                        **change_labels(table, row, column, template),
                    }
                )
    return changes


# How a file was read, best first (see reading): a table grid, a text layer, OCR.
READINGS = ("grid", "text", "ocr")
GRID_FORMATS = ("html", "docx")  # readers that hand over every table cell with its row and column
# Files of one agency-year are witnesses of one report when their numbers differ in at most this share of
# the cells both read (a misread or altered number); more, and they are two reports.
MAX_DISAGREEING_SHARE = 0.1
# Words of the report's own title: an agency name holding them is a page title misread as the agency.
TITLE_WORDS = ("年度报告", "政府信息公开工作")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def report_cells(report: dict, template: Template) -> list[Cell]:
    """Every cell of a report's template tables (builder.model.read_table), table by table."""
    return [c for table in template.tables for c in (read_table(report, table, template).cells or {}).values()]


def reading(report: dict, template: Template | None = None) -> str:
    """How a report's file was read: `ocr` when its reader says so (a note `read by OCR`, or cells marked
    `ocr`), `grid` for HTML and DOCX (their readers keep every table cell's row and column), else `text`."""
    ocr_note = any(str(n).startswith("read by OCR") for n in report.get("notes", []))
    if ocr_note or any(c.ocr for c in report_cells(report, template or load_template())):
        return "ocr"
    return "grid" if report["source"].get("format") in GRID_FORMATS else "text"


def cell_values(report: dict, template: Template) -> dict[tuple[str, str, str | None], object]:
    """Given a report, return {(table, row, column or None): number} of every template cell it read
    (blank, missing and unreadable cells, null, are left out); the column None for 表A's one-number rows."""
    return {(c.table, c.row, c.json_column): c.value for c in report_cells(report, template) if c.value is not None}


def doubtful_cells(report: dict, template: Template | None = None) -> int:
    """How many cells the parser placed by the sums, found ambiguous, could not read or refused (Cell.doubtful)."""
    return sum(c.doubtful for c in report_cells(report, template or load_template()))


def sure_values(report: dict, template: Template) -> dict[tuple[str, str, str | None], object]:
    """cell_values without the doubtful cells: the numbers a witness can be held to (a number its reader
    placed by the sums or found ambiguous is a reading it could not make, like a blank)."""
    return {
        (c.table, c.row, c.json_column): c.value
        for c in report_cells(report, template)
        if c.value is not None and not c.doubtful
    }


def witness_rank(report: dict, template: Template) -> tuple:
    """Sort key of the files of one report, best witness first: a grid over a text layer over OCR, then the
    fewest doubtful cells, then the most cells read, then display_key."""
    return (
        READINGS.index(reading(report, template)),
        doubtful_cells(report, template),
        -len(cell_values(report, template)),
        display_key(report),
    )


def disagreements(source: dict, witness: dict, template: Template) -> list[dict]:
    """Given the file a report is read from and another witness of it, return every template cell both read
    with different numbers: [{table, row, column, source_value, witness_value}] in table and row order."""
    mine, theirs = sure_values(source, template), sure_values(witness, template)
    return [
        {"table": key[0], "row": key[1], "column": key[2], "source_value": mine[key], "witness_value": theirs[key]}
        for key in mine
        if key in theirs and theirs[key] != mine[key]
    ]


def pre2019_numbers(report: dict) -> list[str]:
    """The numbers of a pre-2019 report's tables as printed, in reading order (a page and its PDF lay the
    cells out differently, but print the same numbers in the same order)."""
    cells = (cell for table in report.get("pre2019_tables") or [] for row in table for cell in row)
    return [n for cell in cells for n in NUMBER.findall(str(cell))]


def agree(a: dict, b: dict, template: Template) -> bool:
    """Whether two files of one agency-year can be witnesses of one report: pre-2019 tables printing the same
    numbers, or the same number in every template cell both read, or (files of two formats, as a page and
    its PDF, whose readers may misread) numbers that differ in at most MAX_DISAGREEING_SHARE of those cells.
    Two files of one format that differ are two versions, not two copies. Files that read no number at all
    agree only with each other."""
    if "pre2019" in (a.get("template"), b.get("template")):
        return a.get("template") == b.get("template") and pre2019_numbers(a) == pre2019_numbers(b)
    left, right = sure_values(a, template), sure_values(b, template)
    shared = [key for key in left if key in right]
    if not shared:
        return not left and not right
    differ = sum(left[k] != right[k] for k in shared)
    if differ and a["source"].get("format") == b["source"].get("format"):
        return False
    return differ <= MAX_DISAGREEING_SHARE * len(shared)


def is_witness_of(source: dict, other: dict, template: Template) -> bool:
    """Whether `other` is another witness of the report read from `source`: they agree (see agree), and they
    print the same numbers or nothing they say orders them (else the newer is a revision of the older)."""
    if not agree(source, other, template):
        return False
    return not disagreements(source, other, template) or compare_files(source, other) is None


def witness_record(witness: dict, source: dict, template: Template) -> dict:
    """Given another file of a report and the file it is read from, return the witness's entry in the
    report's `witnesses`: the file, its format and sha256, what it says about its date, how it was read, how
    many cells it read, and each cell where it differs from the source."""
    about = witness["source"]
    return {
        "file": about["file"],
        "path": about.get("path", about["file"]),
        "format": about.get("format"),
        "sha256": about.get("sha256"),
        "url": about.get("url"),
        "published": about.get("published"),
        "fetched": about.get("fetched"),
        "date_signed": witness.get("date_signed"),
        "reading": reading(witness, template),
        "cells_read": len(cell_values(witness, template)),
        "disagreements": disagreements(source, witness, template),
    }


def revision_record(old: dict, newer: dict, template: Template | None = None) -> dict:
    """Given an older file of a report and the published (newer) file, return its revision record: the file,
    what it says about its date, which clue tells the order, and the changed cells."""
    source, successor = old["source"], newer["source"]
    known = compare_files(newer, old)
    return {
        "file": source["file"],
        "path": source.get("path", source["file"]),
        "format": source.get("format"),
        "sha256": source.get("sha256"),
        "fetched": source.get("fetched"),
        "url": source.get("url"),
        "published": source.get("published"),
        "date_signed": old.get("date_signed"),
        "template": old.get("template"),
        "relation": "superseded",
        "order_clue": CLUE_NAMES[known[1]] if known else None,
        "changes": changed_cells(old, newer, template),
        "compared": old.get("template") != "pre2019" and newer.get("template") != "pre2019",
        "replaced_by": successor["file"],
        "replaced": successor.get("fetched") or successor.get("published"),
    }


def display_key(report: dict) -> tuple:
    """Of files otherwise equal, the one shown first: one whose source is known (a URL, else a record of
    `add`), then by path."""
    source = report["source"]
    return (not source.get("url"), not source.get("fetched"), source.get("path") or source["file"])


def witness_classes(group: list[dict], template: Template) -> list[list[dict]]:
    """Given the files of one agency-year, return them in classes of witnesses of one report, each class best
    witness first (witness_rank); a file joins the first class whose best witness it is a witness of."""
    classes: list[list[dict]] = []
    for report in sorted(group, key=lambda r: witness_rank(r, template)):
        home = next((c for c in classes if is_witness_of(c[0], report, template)), None)
        if home is None:
            classes.append([report])
        else:
            home.append(report)
    return classes


def newer_files(group: list[dict]) -> list[set[int]]:
    """Given the files of one agency-year, return for each the indexes of the files known to be newer
    than it, directly or through others; files in a loop of contradicting clues are not newer than each other."""
    above = [
        {j for j, other in enumerate(group) if j != i and is_newer(other, report)} for i, report in enumerate(group)
    ]
    changed = True
    while changed:
        changed = False
        for seen in above:
            grown = seen.union(*(above[j] for j in seen))
            changed |= grown != seen
            seen |= grown
    return [{j for j in seen if i not in above[j]} for i, seen in enumerate(above)]


def resolve_group(group: list[dict], template: Template) -> list[tuple[dict, list[dict]]]:
    """Given the files of one agency-year, return [(published report, [records of its revisions])]; each
    published report carries its other witnesses in `witnesses`.

    The files fall into classes of witnesses of one report (witness_classes), each read from its best
    witness. Classes no other is known to be newer than are published, each as its own report; every file of
    an older class is a superseded revision of the first published report whose class is known to be newer."""
    classes = witness_classes(group, template)
    best = [c[0] for c in classes]
    above = newer_files(best)
    newest = sorted((i for i in range(len(classes)) if not above[i]), key=lambda i: display_key(best[i]))
    published = []
    for i in newest:
        if classes[i][1:]:
            best[i]["witnesses"] = [witness_record(w, best[i], template) for w in classes[i][1:]]
        published.append((best[i], [], i))
    older = sorted((i for i in range(len(classes)) if above[i]), key=lambda i: display_key(best[i]))
    for i in older:
        shown, records, _ = next(entry for entry in published if entry[2] in above[i])
        records.extend(revision_record(r, shown, template) for r in classes[i])
    return [(shown, records) for shown, records, _ in published]


def misread_agency(report: dict, others: list[dict], template: Template) -> dict | None:
    """Given a report whose agency name holds the report's own title words (a page title read as the agency:
    `X2023年度政府信息公开工作年度报告_…`) and the other reports, return one of the same year whose agency
    name the misread one begins with and whose numbers agree (its witness), or None."""
    name = report.get("agency") or ""
    if not any(word in name for word in TITLE_WORDS):
        return None
    return next(
        (
            other
            for other in others
            if other is not report
            and other.get("year") == report.get("year")
            and other.get("agency")
            and not any(word in other["agency"] for word in TITLE_WORDS)
            and name.startswith(other["agency"])
            and agree(other, report, template)
        ),
        None,
    )


def group_key(report: dict, reports: list[dict], template: Template) -> str:
    """The agency-year a report is grouped under: its id, or the id of the file its misread agency name
    belongs to (misread_agency)."""
    found = misread_agency(report, reports, template)
    return found["id"] if found else report["id"]


def group_revisions(reports: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Given parsed reports (several may share an id, i.e. an agency-year), return (the reports to
    publish, in input order, {published id: [revision records of its older files]}); ids with no older
    file have no entry. Each published report gets `witnesses`, its other files of the same report (see
    resolve_group). When a group publishes several reports (their order unknown, their numbers different),
    the first keeps the id and the others get `-2`, `-3`… with a note. No file is dropped silently: every
    file not published is a witness or a revision record."""
    template = load_template()
    groups: dict[str, list[dict]] = {}
    for report in reports:
        groups.setdefault(group_key(report, reports, template), []).append(report)
    chosen: dict[int, list[dict]] = {}
    for group in groups.values():
        resolved = resolve_group(group, template)
        for n, (report, records) in enumerate(resolved, start=1):
            if n > 1:
                report["notes"] = [*report.get("notes", []), order_unknown_note(report, resolved[0][0], n)]
                report["id"] = f"{report['id']}-{n}"
            chosen[id(report)] = records
    current = [r for r in reports if id(r) in chosen]
    revisions = {r["id"]: chosen[id(r)] for r in current if chosen[id(r)]}
    return current, revisions


def order_unknown_note(report: dict, first: dict, n: int) -> str:
    """The note on the n-th published file of one agency-year, naming the first, whose id it shares."""
    return (
        f"another file ({first['source']['file']}) is a report of the same agency and year with other numbers, "
        f"and nothing in either file tells which is newer; both are published, this one as {report['id']}-{n}"
    )
