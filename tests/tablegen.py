"""Makes well-formed report text from table values, and damages it the ways real conversions do."""

from __future__ import annotations

from builder.model import Document, Line
from builder.template import Template, load_template

T = load_template()
APPLICANTS = T.columns("applications")[:-1]


def consistent_applications(outcomes: dict, carried_over: dict, carried_forward: dict, version: str = "2021") -> dict:
    """Given outcome rows and the carried rows (applicant columns only, None = blank), return a table B
    that satisfies the template's rules; a computed cell is blank only when all its inputs are."""

    def add(*cells):
        present = [c for c in cells if c is not None]
        return sum(present) if present else None

    rows = {k: dict(v) for k, v in outcomes.items()}
    rows["carried_over"] = dict(carried_over)
    rows["carried_forward"] = dict(carried_forward)
    rows["total"] = {c: add(*(rows[r][c] for r in T.outcome_rows(version))) for c in APPLICANTS}
    new = {}
    for c in APPLICANTS:
        value = add(rows["total"][c], rows["carried_forward"][c])
        if value is not None and (rows["carried_over"][c] or 0) > value:
            rows["carried_over"][c] = 0
        new[c] = None if value is None else value - (rows["carried_over"][c] or 0)
    rows["new"] = new
    for row in rows.values():
        row["total"] = add(*(row[c] for c in APPLICANTS))
    return {k: rows[k] for k in T.rows("applications", version)}


def row_label_cells(key: str, template: Template = T) -> list[str]:
    """A table B row's label cells as printed, numbered as the template says (Template.row_name): a top-level
    row (no group) in one cell, an outcome under its parent's cell, an item under its named group's cell."""
    group, name = template.row_name("applications", key)
    if group:
        return ["", group, name]
    return [name] if not template.spec("applications", "rows", key).get("group") else ["", name]


def table_b_rows(values: dict) -> list[list[str]]:
    """Table B as rows of cells: header lines, then each row's label cells and seven value cells."""
    header = [
        ["", "", "申请人情况"],
        ["", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    # No label padding cells: a lost blank must shorten its row, or no reader could see it.
    columns = T.columns("applications")
    body = [row_label_cells(k) + ["" if row[c] is None else str(row[c]) for c in columns] for k, row in values.items()]
    return header + body


def table_a_rows(version: str, value: str = "0") -> list[list[str]]:
    """Table A of a template version as rows of cells: per 第二十条 item its header, then each row with `value`."""
    rows = []
    for group in T.groups(version):
        rows.append([group.item])
        rows.append(["信息内容", *(T.column_label("active_disclosure", c) for c in group.columns)])
        rows += [[T.spec("active_disclosure", "rows", r)["label"], *[value] * len(group.columns)] for r in group.rows]
    return rows


def table_c_rows(value: str = "0") -> list[list[str]]:
    """Table C as printed: two header lines naming the three parts, the column labels, and one row of 15 values."""
    labels = [T.column_label("review_litigation", c) for c in T.columns("review_litigation")]
    specs = [T.spec("review_litigation", "rows", r) for r in T.rows("review_litigation", "2021")]
    parts = [spec["label"] for spec in specs]
    blank = [""] * (len(labels) - 1)
    return [
        [parts[0], *blank, specs[1]["group"]],
        [*labels, parts[1], *blank, parts[2]],
        [*[""] * len(labels), *labels, *labels],
        [value] * (3 * len(labels)),
    ]


def document(
    table_b: list[list[str]],
    sep: str = "\t",
    year: int = 2023,
    table_a: list[list[str]] = (),
    table_c: list[list[str]] = (),
    closing: list[str] = (),
    agency: str = "某某区卫生健康局",
) -> Document:
    """A whole report around its tables given as rows of cells (cells joined by `sep`, then split again);
    `closing` lines (the signature) follow the last section."""
    text = [
        f"{agency}{year}年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度工作情况如下。",
        "二、主动公开政府信息情况",
    ]
    text += [sep.join(cells) for cells in table_a]
    text += ["三、收到和处理政府信息公开申请情况"]
    text += [sep.join(cells) for cells in table_b]
    text += ["四、政府信息公开行政复议、行政诉讼情况"]
    text += [sep.join(cells) for cells in table_c]
    text += ["五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。", *closing]
    from builder.sources.text import line_to_cells

    return Document("generated.txt", "text", tuple(Line(n, line_to_cells(t)) for n, t in enumerate(text, start=1)))


def zero_document(version: str = "2021", agency: str = "某某区卫生健康局", year: int = 2023) -> Document:
    """A well-formed report of a template version, every cell of tables A, B and C printed as 0, signed in time."""
    zeros = dict.fromkeys(APPLICANTS, 0)
    outcomes = {row: zeros for row in T.outcome_rows(version)}
    table_b = table_b_rows(consistent_applications(outcomes, zeros, zeros, version))
    closing = [agency, f"{year + 1}年1月15日"]
    return document(
        table_b, year=year, table_a=table_a_rows(version), table_c=table_c_rows(), closing=closing, agency=agency
    )
