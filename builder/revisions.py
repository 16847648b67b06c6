"""Pure: several files of one agency-year -> the report(s) to publish and their other files, cell by cell.

Which file is newer is read from what the files say, never from file times or paths: the report's
signing date (`date_signed`), then the publication date its provenance records (`source.published`: a
web page's own date, or `published:` in its sidecar), then the time `builder add` fetched it
(`source.fetched`). Two files are compared on the first of these clues that both have and that
differ; when none does, their order is unknown.

A file that another is known to be newer than is *superseded*: a revision record on the newest file's
page lists the cells that differ. Of the files no other is known to be newer than, those with the same
numbers are one report (one is shown, the others listed as other files of it, not superseded); files
with different numbers are all published, each under its own id, and none is called superseded
(the `agency-year-twice` check says that two reports of one agency-year are published, and why).
"""

from __future__ import annotations

import re
from datetime import datetime

from builder.template import Template, load_template

TABLES = ("active_disclosure", "applications", "review_litigation")
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
    """Given a report and one of its tables, return {(row, column or None): value}."""
    values = report.get(table) or {}
    columns = template.columns(table)
    out = {}
    for row, value in values.items():
        if isinstance(value, dict):
            out.update({(row, c): v for c, v in value.items()})
        elif isinstance(value, list):  # table C: a row is a list in the order of the template's columns
            out.update({(row, columns[i] if i < len(columns) else str(i)): v for i, v in enumerate(value)})
        else:
            out[(row, None)] = value
    return out


def change_labels(table: str, row: str, column: str | None, template: Template) -> dict:
    """The template's words for a changed cell, and the anchor of its row on the report page."""
    spec = template.tables[table]
    known_row = row in spec.get("rows", {})
    return {
        "table_label": f"表{spec['letter']} {spec['title']}",
        "row_label": template.cell_label(table, row) if known_row else row,
        "column_label": template.column_label(table, column) if column else "",
        "anchor": f"{spec['letter']}-{row}",
    }


def changed_cells(old: dict, new: dict, template: Template | None = None) -> list[dict]:
    """Given two reports of one agency-year, return every table cell whose value differs:
    [{table, row, column, old, new, and their labels}] in table and row order (None = blank or absent)."""
    template = template or load_template()
    changes = []
    for table in TABLES:
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


def same_numbers(a: dict, b: dict, template: Template | None = None) -> bool:
    """Whether two reports print the same numbers: every template cell, and pre-2019 tables as printed."""
    return a.get("pre2019_tables") == b.get("pre2019_tables") and not changed_cells(a, b, template)


def revision_record(old: dict, newer: dict, template: Template | None = None, relation: str = "superseded") -> dict:
    """Given another file of a report and the published file, return its record: the file, what it says
    about its date, how it relates to the published file (`superseded` by it, or the `same` numbers in a
    file of unknown order), which clue tells the order, and the changed cells."""
    source, successor = old["source"], newer["source"]
    known = compare_files(newer, old) if relation == "superseded" else None
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
        "relation": relation,
        "order_clue": CLUE_NAMES[known[1]] if known else None,
        "changes": changed_cells(old, newer, template),
        "compared": old.get("template") != "pre2019" and newer.get("template") != "pre2019",
        "replaced_by": successor["file"],
        "replaced": (successor.get("fetched") or successor.get("published")) if relation == "superseded" else None,
    }


def display_key(report: dict) -> tuple:
    """Of files with the same numbers and no known order, the one shown: one whose source is known (a URL,
    else a record of `add`), then by path."""
    source = report["source"]
    return (not source.get("url"), not source.get("fetched"), source.get("path") or source["file"])


def group_by_numbers(reports: list[dict], template: Template) -> list[list[dict]]:
    """Given reports, return them in classes of the same numbers, each class and the classes in display order."""
    classes: list[list[dict]] = []
    for report in sorted(reports, key=display_key):
        home = next((c for c in classes if same_numbers(c[0], report, template)), None)
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
    """Given the files of one agency-year, return [(published report, [records of its other files])].

    The newest files are those no other file is known to be newer than; each class of them with the same
    numbers is one published report; every older file is a superseded revision of the first published
    report whose class holds a file known to be newer than it."""
    above = newer_files(group)
    newest = [i for i in range(len(group)) if not above[i]]
    published = []
    for same in group_by_numbers([group[i] for i in newest], template):
        shown = same[0]
        records = [revision_record(r, shown, template, relation="same") for r in same[1:]]
        published.append((shown, records, {id(r) for r in same}))
    older = sorted((i for i in range(len(group)) if above[i]), key=lambda i: display_key(group[i]))
    for i in older:
        newer_ids = {id(group[j]) for j in above[i]}
        shown, records, _ = next(entry for entry in published if entry[2] & newer_ids)
        records.append(revision_record(group[i], shown, template))
    return [(shown, records) for shown, records, _ in published]


def group_revisions(reports: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Given parsed reports (several may share an id, i.e. an agency-year), return (the reports to
    publish, in input order, {published id: [records of its other files]}); ids with one file have no
    entry. When a group publishes several reports (their order unknown, their numbers different), the
    first keeps the id and the others get `-2`, `-3`… with a note. No file is dropped silently: every
    file not published is one record."""
    template = load_template()
    groups: dict[str, list[dict]] = {}
    for report in reports:
        groups.setdefault(report["id"], []).append(report)
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
