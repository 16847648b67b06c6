"""Pure pandas: reports -> tidy frames (agency × year × table × row × column) for charts and downloads."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import pandas as pd

from builder.model import json_row_cells, pick_cell
from builder.pages.addresses import report_page
from builder.rates import cell_problem, cell_value, figure_value, load_definitions, rate_value
from builder.template import TABLE_KEYS, Template

# The identity columns every frame starts with, with their Chinese labels for the downloads.
ID_COLUMNS = {
    "report_id": "报告编号",
    "agency": "机关",
    "agency_id": "机关编号",
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "sector": "领域",
    "year": "年度",
    "template": "模板",
    "page": "页面",
}
CELL_COLUMNS = {
    "table": "表",
    "table_name": "表名",
    "row": "行",
    "row_name": "行名",
    "column": "列",
    "column_name": "列名",
    "unit": "单位",
    "value": "数值",
    "raw": "原文",
}


def cell_identity(template: Template, table: str, row: str, column: str | None) -> dict:
    """Given a cell of the template, return how the downloads name it: table key and name (`表B 收到和处理…`),
    row key and label, column key and label, and its unit (件, 万元, …)."""
    return {
        "table": table,
        "table_name": f"表{template.tables[table]['letter']} {template.tables[table]['title']}",
        "row": row,
        "row_name": template.cell_label(table, row),
        "column": column,
        "column_name": template.column_label(table, column),
        "unit": cell_unit(template, table, row, column),
    }


def page_url(report: dict) -> str:
    """The report page's address relative to the site root, as MkDocs serves it: `a/b/2023/`."""
    return report_page(report).removesuffix(".md") + "/"


def report_identity(report: dict) -> dict:
    """The identity columns of a report (ID_COLUMNS); a region level it lacks is ''."""
    region = report.get("region") or {}
    return {
        "report_id": report["id"],
        "agency": report["agency"],
        "agency_id": report.get("agency_id", ""),
        "province": (region.get("province") or {}).get("name", ""),
        "city": (region.get("city") or {}).get("name", ""),
        "county": (region.get("county") or {}).get("name", ""),
        "sector": report.get("sector") or "",
        "year": report["year"],
        "template": report["template"],
        "page": page_url(report),
    }


def table_cells(template: Template, table: str, version: str) -> Iterator[tuple[str, str]]:
    """The (row, column) keys of one table in a template version, in printed order (Template.cells)."""
    yield from template.cells(table, version)


def cell_unit(template: Template, table: str, row: str, column: str) -> str:
    """The unit of a cell: the row's or column's `unit` in the template, else 件 for counts, '' for amounts."""
    row_spec = template.spec(table, "rows", row)
    column_spec = template.tables[table].get("columns", {}).get(column, {})
    return row_spec.get("unit") or column_spec.get("unit") or ("" if column_spec.get("decimal") else "件")


def report_cell_rows(report: dict, template: Template) -> Iterator[dict]:
    """Every template cell of one report as a tidy row (identity + CELL_COLUMNS); none for pre-2019 reports,
    whose tables have no template keys. A blank cell has value None. Each row of a table is read once
    (model.json_row_cells), its cells picked as model.find_cell picks them (model.pick_cell)."""
    version = report["template"]
    if version == "pre2019":
        return
    identity = report_identity(report)
    notes = report.get("cells")
    for table in TABLE_KEYS:
        read: dict[str, list] = {}
        for row, column, names in table_layout(template, table, version):
            if row not in read:
                read[row] = json_row_cells(report, table, row, template, notes)
            cell = pick_cell(read[row], str(column))
            yield {
                **identity,
                **names,
                "value": None if cell is None else cell.value,
                "raw": (cell.printed if cell else None) or "",
            }


@lru_cache(maxsize=64)
def table_layout(template: Template, table: str, version: str) -> tuple[tuple[str, str, dict], ...]:
    """(row, column, cell_identity) of every cell of a table in a template version, in printed order; computed
    once per template, table and version (callers copy the identity, never change it)."""
    return tuple(
        (row, column, cell_identity(template, table, row, column))
        for row, column in table_cells(template, table, version)
    )


def cells_frame(reports: list[dict], template: Template) -> pd.DataFrame:
    """Every template cell of every report: one row per report × table × row × column, in the
    column order ID_COLUMNS + CELL_COLUMNS. `value` is a nullable number (blank stays blank)."""
    rows = [row for r in reports for row in report_cell_rows(r, template)]
    return pd.DataFrame(rows, columns=[*ID_COLUMNS, *CELL_COLUMNS], dtype=object)


def figures_frame(reports: list[dict], template: Template) -> pd.DataFrame:
    """One row per report: identity, every key figure and rate of rates.yaml (None when missing), and
    for each rate `<key>_why` (why it is missing, in Chinese) and its numerator and denominator."""
    definitions = load_definitions()
    rows = []
    for r in reports:
        row = report_identity(r)
        for figure in definitions.figures:
            row[figure.key] = figure_value(r, template, figure).value
        for rate in definitions.rates:
            v = rate_value(r, template, rate)
            row[rate.key] = v.value
            row[f"{rate.key}_numerator"] = v.numerator
            row[f"{rate.key}_denominator"] = v.denominator
            row[f"{rate.key}_why"] = v.why
        rows.append(row)
    return pd.DataFrame(rows, columns=list(figure_columns()), dtype=object)


def figure_columns() -> dict[str, str]:
    """{column key: Chinese label} of figures_frame, in order."""
    definitions = load_definitions()
    out = dict(ID_COLUMNS)
    out.update({f.key: f"{f.name}（{f.unit}）" for f in definitions.figures})
    for rate in definitions.rates:
        out[rate.key] = rate.name
        out[f"{rate.key}_numerator"] = f"{rate.name}分子"
        out[f"{rate.key}_denominator"] = f"{rate.name}分母"
        out[f"{rate.key}_why"] = f"{rate.name}缺失原因"
    return out


def year_range(frame: pd.DataFrame) -> list[int]:
    """Every year from the frame's first to its last (a frame with a `year` column), gaps included."""
    if frame.empty:
        return []
    return list(range(int(frame["year"].min()), int(frame["year"].max()) + 1))


def year_series(frame: pd.DataFrame, column: str) -> pd.Series:
    """A figures_frame column indexed by every year from the first to the last report, with None in the
    years without a report (a gap, not a zero). Several reports in one year are summed only if all count."""
    years = year_range(frame)
    by_year = {y: None if s.isna().any() else s.sum() for y, s in frame.groupby("year")[column]}
    return pd.Series([by_year.get(y) for y in years], index=years, dtype="object", name=column)


def outcome_group(template: Template, row: str) -> str:
    """The printed outcome group of a table B row: `（三）不予公开` for its sub-rows, `（一）予以公开` for itself."""
    spec = template.spec("applications", "rows", row)
    group, _ = template.row_name("applications", row)
    return group or f"{spec['number']}{(spec.get('variants') or [spec['label']])[0]}"


def usable(report: dict, template: Template, cell: str):
    """A cell's number when it can be counted (see rates.cell_problem), else None."""
    return None if cell_problem(report, template, cell) else cell_value(report, template, cell)


def outcome_groups(report: dict, template: Template) -> pd.Series:
    """Table B's outcomes （一）…（六） of one report (总计 column), each the sum of its rows; None when a
    row is missing or touched by a finding, and all None for a report without the template."""
    version = report["template"] if report["template"] != "pre2019" else "2021"
    b = template.breakdown()
    sums: dict[str, list] = {}
    for row in template.outcome_rows(version):
        sums.setdefault(outcome_group(template, row), []).append(
            usable(report, template, f"{b.table}.{row}.{b.total}") if report["template"] != "pre2019" else None
        )
    return pd.Series({k: None if None in v else sum(v) for k, v in sums.items()}, dtype=object)


def applicant_mix(report: dict, template: Template) -> pd.Series:
    """Table B's new applications by applicant (every column but 总计), None where not countable."""
    out, b = {}, template.breakdown()
    for column in template.columns(b.table):
        if column == b.total:
            continue
        spec = template.tables[b.table]["columns"][column]
        label = spec["label"] if spec["label"] != "其他" else f"{spec['label']}（{spec.get('group', '')}）"
        out[label] = usable(report, template, f"{b.table}.{b.row}.{column}")
    return pd.Series(out, dtype=object)


def outcomes_by_year(reports: list[dict], template: Template, years: list[int]) -> pd.DataFrame:
    """Table B's outcome groups (columns) by year (rows, every year given): the sum over the year's
    reports when every one of them counts, else None; None in a year without a report."""
    rows = []
    for year in years:
        groups = [outcome_groups(r, template) for r in reports if r["year"] == year]
        if not groups:
            groups = [outcome_groups({"template": "pre2019"}, template)]
        frame = pd.DataFrame(groups, dtype=object)
        rows.append({k: None if frame[k].isna().any() else frame[k].sum() for k in frame.columns})
    return pd.DataFrame(rows, index=pd.Index(years, name="年度"), dtype=object)
