"""Pure: the whole-set CSV downloads of findings and cells, one row per finding or cell."""

from __future__ import annotations

import csv
import io

from builder import pages
from builder.pages.addresses import number_findings
from builder.template import Template


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
