"""Pure: the whole-set CSV download of findings, one row per finding (every cell is in downloads/cells.zip)."""

from __future__ import annotations

import csv
import io

from builder.pages.addresses import number_findings


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
