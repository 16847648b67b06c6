"""Makes well-formed report text from table values, and damages it the ways real conversions do."""

from __future__ import annotations

from builder.model import Document, Line
from builder.template import load_template

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


def row_label_cells(key: str) -> list[str]:
    spec = T.spec("applications", "rows", key)
    if spec.get("group") and not spec["group"].startswith("三、"):
        return ["", spec["group"], f"{spec['number']}.{spec['label']}"]
    if spec["number"] in "一二三四":
        return [f"{spec['number']}、{spec['label']}"]
    return ["", f"{spec['number']}{spec['label']}"]


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


def document(table_b: list[list[str]], sep: str = "\t", year: int = 2023) -> Document:
    """A whole report around a table B given as rows of cells (cells joined by `sep`, then split again)."""
    text = [
        f"某某区卫生健康局{year}年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度工作情况如下。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
    ]
    text += [sep.join(cells) for cells in table_b]
    text += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "无。",
        "六、其他需要报告的事项",
        "无。",
    ]
    from builder.sources.text import line_to_cells

    return Document("generated.txt", "text", tuple(Line(n, line_to_cells(t)) for n, t in enumerate(text, start=1)))
