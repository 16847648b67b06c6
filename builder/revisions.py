"""Pure: several files of one agency-year -> the current report and its superseded revisions, cell by cell.

Which file is current: a file with a provenance sidecar (`source.fetched`, written by `builder add`)
is newer than any file without one, since files without one predate `add` and their mtime is reset by
every git checkout or copy; files with sidecars are ordered by `fetched`, files without by the file's
mtime (`source.modified`); ties by path. The newest is the report; the others become revision records,
newest first, each listing the cells that differ from the next newer file (old -> new).
"""

from __future__ import annotations

from builder.template import Template, load_template

TABLES = ("active_disclosure", "applications", "review_litigation")


def recency_key(report: dict) -> tuple:
    """Given a report, return a key that sorts its file from oldest to newest (see the module docstring)."""
    source = report["source"]
    fetched = source.get("fetched")
    return (fetched is not None, fetched or source.get("modified") or "", source.get("path") or source["file"])


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


def revision_record(old: dict, newer: dict, template: Template | None = None) -> dict:
    """Given a superseded report and the next newer one, return its revision record: the old file,
    when it and its successor arrived (`fetched`, else the file date `modified`), and the changed cells."""
    source, successor = old["source"], newer["source"]
    return {
        "file": source["file"],
        "path": source.get("path", source["file"]),
        "format": source.get("format"),
        "sha256": source.get("sha256"),
        "fetched": source.get("fetched"),
        "modified": source.get("modified"),
        "url": source.get("url"),
        "published": source.get("published"),
        "template": old.get("template"),
        "changes": changed_cells(old, newer, template),
        "compared": old.get("template") != "pre2019" and newer.get("template") != "pre2019",
        "replaced_by": successor["file"],
        "replaced": successor.get("fetched") or successor.get("modified"),
    }


def group_revisions(reports: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Given parsed reports (several may share an id, i.e. an agency-year), return (the current report
    of each id in input order, {current id: [revision records, newest first]}); ids with one file
    have no entry. No report is dropped silently: every superseded file is one record."""
    template = load_template()
    groups: dict[str, list[dict]] = {}
    for report in reports:
        groups.setdefault(report["id"], []).append(report)
    current, revisions = [], {}
    for rid, group in groups.items():
        ordered = sorted(group, key=recency_key, reverse=True)
        current.append(ordered[0])
        if len(ordered) > 1:
            pairs = zip(ordered, ordered[1:], strict=False)  # (newer, older), newest first
            revisions[rid] = [revision_record(old, newer, template) for newer, old in pairs]
    return current, revisions
