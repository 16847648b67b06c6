"""Pure: checks parsed reports against the template and each other, and returns findings as dicts."""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from array import array
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

from builder.cells import PROBLEMS, column_kind, fit_cell, number_cell, number_text, ocr_digits
from builder.config import CHECKS_SCHEMA, ConfigError, key_path, read_config, require_known, require_pattern
from builder.model import Cell, find_cell, read_table
from builder.revisions import changed_cells
from builder.similarity import find_similar, shared_share, text_to_shingles
from builder.template import TABLE_KEYS, UNKNOWN, VERSIONS, Address, Rule, Template, load_template

CHECKS_FILE = Path(__file__).parent / "template" / "checks.yaml"
SENTENCE = re.compile(r"[^。；！？!?;]+")
SPACES = re.compile(r"\s+")
MAX_CLAIM_DIGITS = 10  # a longer number in the narrative is no count of anything (and int() refuses 4,300+ digits)


def load_checks(path: Path | None = None) -> dict:
    """The checks file (default CHECKS_FILE) read and validated, as a dict: `settings`, `labels`, `claims`,
    and `rules`, the words of every check (id, severity, title and description in zh and en), the template's
    arithmetic rules first (their words are in template.yaml), then checks.yaml's own; `by_id` looks them up.
    Raises ConfigError naming the file, the key path and what was expected."""
    return read_checks(Path(path or CHECKS_FILE))


@cache
def read_checks(path: Path) -> dict:
    """The checks of one file, read once (see load_checks)."""
    raw = read_config(path, CHECKS_SCHEMA)
    template = load_template()
    check_checks_references(raw, template, path)
    raw["rules"] = [rule.text() for rule in template.rules] + raw["rules"]
    raw["by_id"] = {rule["id"]: rule for rule in raw["rules"]}
    return raw


def check_checks_references(raw: dict, template: Template, path: Path) -> None:
    """Raise ConfigError unless every key checks.yaml names exists: each rule id is a check this module runs
    (and not one of the template's arithmetic rules, whose words are in template.yaml), each claim's cells
    are `table.row[.column]` of the template, its patterns compile, and the compared sections exist."""
    runs = [*REPORT_CHECKS, *CORPUS_CHECKS, *REGISTRY_CHECKS, *sorted(RUNNER_RULES)]
    for n, rule in enumerate(raw["rules"]):
        require_known(path, ["rules", n, "id"], rule["id"], runs, "a check of builder/checks.py")
    sections = [s["key"] for s in template.sections]
    for n, key in enumerate(raw["settings"]["copy"]["sections"]):
        require_known(path, ["settings", "copy", "sections", n], key, sections, "a section key")
    for table, names in raw["labels"].items():
        require_known(path, ["labels", table], table, TABLE_KEYS, "a table key")
        for row in names:
            require_known(path, ["labels", table, row], row, template.tables[table]["rows"], f"a row of {table}")
    for n, claim in enumerate(raw["claims"]):
        for kind in ("patterns", "zero"):
            for i, pattern in enumerate(claim.get(kind, [])):
                require_pattern(path, ["claims", n, kind, i], pattern)
        for i, paths in enumerate(claim["accept"]):
            for j, cell in enumerate(paths):
                check_cell_path(path, ["claims", n, "accept", i, j], cell, template)


def check_cell_path(path: Path, where: list, cell: str, template: Template) -> None:
    """Raise ConfigError unless `cell` is `table.row` or `table.row.column` of the template."""
    table, *keys = cell.split(".")
    if table not in TABLE_KEYS or not 1 <= len(keys) <= 2:
        raise ConfigError(path, key_path(where), f"expected a cell as table.row[.column], found {cell!r}")
    for kind, key in zip(("rows", "columns"), keys, strict=False):
        if key not in template.tables[table][kind]:
            expected = f"expected a {kind[:-1]} of {table}, found {key!r} in {cell!r}"
            raise ConfigError(path, key_path(where), expected)


def make_finding(
    rule: str,
    message: str,
    *,
    table: str | None = None,
    row: str | None = None,
    column: str | None = None,
    left=None,
    right=None,
    line: int | None = None,
    related: str | None = None,
    share: float | None = None,
    severity: str | None = None,
) -> dict:
    """A finding of `rule`; its severity is `severity`, else the rule's in checks.yaml (or template.yaml)."""
    return {
        "rule": rule,
        "severity": severity or load_checks()["by_id"][rule]["severity"],
        "table": table,
        "row": row,
        "column": column,
        "left": left,
        "right": right,
        "message": message,
        "line": line,
        "related": related,
        "share": share,
    }


# --- reading a report ---------------------------------------------------------------------------


def table_status(report: dict, table: str) -> str:
    """Given a report and a table key, return the table's status as parse recorded it in
    report["tables"]: `ok`, `empty` (printed with headings but no numbers) or `missing`; `missing` when the
    report records nothing for that table."""
    return report.get("tables", {}).get(table, {}).get("status", "missing")


def table_cells(report: dict, table: str, template: Template) -> list[Cell]:
    """Given a report and a table key, return the table's cells in the report's order (builder.model.read_table:
    every table addressed by row and column keys); [] when the report has no such table."""
    return list((read_table(report, table, template).cells or {}).values())


def row_line(report: dict, table: str, row: str | None) -> int | None:
    """Given a report, a table key and a row key, return the 1-based source line where parse found that
    row, or None when the row (or the table) was not found."""
    return report.get("tables", {}).get(table, {}).get("rows", {}).get(row)


def table_name(template: Template, table: str) -> str:
    """Given a table key, return its short name for messages from the template's letter: `表A`, `表B`
    or `表C`. Raises KeyError for a table the template does not have."""
    return f"表{template.tables[table]['letter']}"


def table_label(template: Template, table: str) -> str:
    """Given a table key, return its name and printed title for messages:
    `表B（收到和处理政府信息公开申请情况）`. Raises KeyError for a table the template does not have."""
    return f"{table_name(template, table)}（{template.tables[table]['title']}）"


def cell_name(template: Template, table: str, row: str, column: str | None) -> str:
    """A reader's name for a cell; table A's one-number rows have no column."""
    return template.cell_label(table, row, column if column else None)


def show(value) -> str:
    """A number in a message, in full (never `1.23457e+06`); None is 空白."""
    return "空白" if value is None else number_text(value)


def is_template_report(report: dict) -> bool:
    """Given a report, return True when it follows one of the national templates (`2021`,
    国办公开办函〔2021〕30号, or `2019`), whose tables and 勾稽关系 the checks know; False for `pre2019`
    reports, whose tables are the agency's own."""
    return report.get("template") in VERSIONS


# --- the template's sums (B1, B2, B3, C1) -------------------------------------------------------


def rule_values(report: dict, template: Template, table: str) -> dict[Address, object]:
    """A table's cells as the rules read them: {(row, column): number, None for blank, or UNKNOWN for a
    cell whose number is unknown (unreadable or refused: its own finding says so, the sum cannot be checked;
    or in a row the reader did not find, whose row-missing finding says so: its blanks are not the agency's)."""
    found = report["tables"].get(table, {}).get("rows") or {}
    return {
        (c.row, c.column): (c.value if (c.row in found or not found) and c.problem is None else UNKNOWN)
        for c in table_cells(report, table, template)
    }


def side_text(rule: Rule, template: Template, cells: tuple[Address, ...], values: list, total) -> str:
    """`本年新收 4 + 上年结转 0`, or for a long sum its name and total: `各类申请人之和 5`."""
    labels = load_checks()["labels"]
    if len(cells) > 4 and rule.sum_label:
        return f"{rule.sum_label} {total}"
    if rule.over == "columns":
        names = [labels.get(rule.table, {}).get(r) or template.cell_label(rule.table, r) for r, _ in cells]
    else:
        names = [template.column_label(rule.table, c) for _, c in cells]
    return " + ".join(f"{name} {show(v)}" for name, v in zip(names, values, strict=True))


def check_sums(report: dict, template: Template, rule: Rule) -> list[dict]:
    """Given a consistency rule of the template (B1, B2, B3, C1, …), return a finding for every column (or
    row) where it does not hold (Equation.holds: blank counts as 0, an all-blank one or one with a cell of
    unknown number is skipped), naming the column or row and both sides, each cell and its number."""
    if not is_template_report(report) or table_status(report, rule.table) != "ok":
        return []
    values = rule_values(report, template, rule.table)
    found = []
    for eq in rule.equations(report["template"]):
        if eq.holds(values) is not False:
            continue
        lsum, rsum = eq.sums(values)
        if rule.over == "columns":
            where = f"{template.column_label(rule.table, eq.over)} 一列"
            row, column = (eq.left[0][0] if len(eq.left) == 1 else None), eq.over
            line = next((row_line(report, rule.table, r) for r, _ in eq.left if row_line(report, rule.table, r)), None)
        else:
            where = f"{template.cell_label(rule.table, eq.over)} 一行"
            row, column = eq.over, (eq.left[0][1] if len(eq.left) == 1 else None)
            line = row_line(report, rule.table, eq.over)
        sides = [
            side_text(rule, template, cells, [values.get(c) for c in cells], total)
            for cells, total in ((eq.left, lsum), (eq.right, rsum))
        ]
        message = f"{where}：{sides[0]} ≠ {sides[1]}"
        found.append(
            make_finding(
                rule.id,
                message,
                table=rule.table,
                row=row,
                column=column,
                left=lsum,
                right=rsum,
                line=line,
                severity=rule.severity,
            )
        )
    return found


# --- tables, sections and rows that are not there ----------------------------------------------


def check_table_missing(report: dict, template: Template) -> list[dict]:
    """Given a template report, return a `table-missing` finding for each of 表A–表C (sections
    二–四 of the template) that parse did not find: its numbers are missing, never 0. [] for other reports.
    Raises ConfigError only when checks.yaml is invalid (make_finding reads the rule's severity)."""
    if not is_template_report(report):
        return []
    return [
        make_finding("table-missing", f"{table_label(template, t)}未找到，数据记为缺失而非0", table=t)
        for t in TABLE_KEYS
        if table_status(report, t) == "missing"
    ]


def check_table_empty(report: dict, template: Template) -> list[dict]:
    """Given a template report, return a `table-empty` finding for each of 表A–表C printed with
    headings but no numbers (status `empty`), at the table's first source line: its numbers are missing,
    never 0. [] for other reports."""
    if not is_template_report(report):
        return []
    found = []
    for t in TABLE_KEYS:
        if table_status(report, t) == "empty":
            lines = report["tables"][t].get("lines") or [None]
            message = f"{table_label(template, t)}只有表头、没有数字，数据记为缺失而非0"
            found.append(make_finding("table-empty", message, table=t, line=lines[0]))
    return found


def check_sections_missing(report: dict, template: Template) -> list[dict]:
    """A section whose heading was not found; a table's section only if its table was not found either."""
    if not is_template_report(report):
        return []
    present = {s["key"] for s in report.get("sections", [])}
    found = []
    for spec in template.sections:
        key = spec["key"]
        if key in present or (key in TABLE_KEYS and table_status(report, key) != "missing"):
            continue
        found.append(make_finding("section-missing", f"未找到第{spec['number']}部分“{spec['heading']}”"))
    return found


def check_rows_missing(report: dict, template: Template) -> list[dict]:
    """Given a template report, return a `row-missing` finding for each row of its template
    version (2021 or 2019) that parse did not find in a table it did find (status `ok`); the row's numbers
    are missing, never 0. [] for other reports."""
    if not is_template_report(report):
        return []
    found = []
    for t in TABLE_KEYS:
        if table_status(report, t) != "ok":
            continue
        seen = report["tables"][t].get("rows", {})
        for row in template.rows(t, report["template"]):
            if row not in seen:
                message = f"{table_name(template, t)}中找不到“{template.cell_label(t, row)}”一行，该行记为缺失"
                found.append(make_finding("row-missing", message, table=t, row=row))
    return found


def check_cells_blank(report: dict, template: Template) -> list[dict]:
    """One finding per table listing its blank cells, in rows that were found."""
    if not is_template_report(report):
        return []
    limit = load_checks()["settings"]["blank_examples"]
    found = []
    for t in TABLE_KEYS:
        if table_status(report, t) != "ok":
            continue
        seen = report["tables"][t].get("rows", {})
        blanks = [
            (c.row, c.json_column)
            for c in table_cells(report, t, template)
            if c.row in seen and c.value is None and c.problem is None
        ]
        if blanks:
            names = "、".join(cell_name(template, t, r, c) for r, c in blanks[:limit])
            more = f" 等{len(blanks)}格" if len(blanks) > limit else ""
            message = f"{table_name(template, t)}有{len(blanks)}个空白单元格（核对合计时按0计）：{names}{more}"
            found.append(
                make_finding("cells-blank", message, table=t, left=len(blanks), line=row_line(report, t, blanks[0][0]))
            )
    return found


# --- cells the parser was not sure of -----------------------------------------------------------


def cell_notes(report: dict):
    """Yield (table, row, column or None, note) for every cell note of the parser."""
    for name, note in report.get("cells", {}).items():
        table, row, *rest = name.split(".")
        yield table, row, (rest[0] if rest else None), note


def cell_value(report: dict, template: Template, table: str, row: str, column: str | None):
    """Given a cell's place as its note names it (table, row, column; column None for 表A's one-number rows),
    return the report's number there (int or float, in the column's unit, e.g. 万元), or None when it is
    blank, unknown or absent. Raises ValueError when a 表C row has not one value per column (model.find_cell)."""
    cell = find_cell(report, ".".join(p for p in (table, row, column) if p), template)
    return None if cell is None else cell.value


def check_cells_inferred(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `cell-inferred` finding for each cell whose column parse
    inferred from the template's sums because the printed row lost its blank cells (cell note position
    `inferred`), with the number placed and its source line."""
    found = []
    for table, row, column, note in cell_notes(report):
        if note.get("position") == "inferred":
            value = cell_value(report, template, table, row, column)
            message = f"{cell_name(template, table, row, column)}：{show(value)}，原文丢失了空白格，所在列由合计推断"
            found.append(
                make_finding(
                    "cell-inferred", message, table=table, row=row, column=column, left=value, line=note.get("line")
                )
            )
    return found


def check_cells_ambiguous(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `cell-ambiguous` finding for each cell that more than one
    layout of its row fits equally well by the template's sums (cell note position `ambiguous`): the message
    gives the number read and the other readings (note `alternatives`)."""
    found = []
    for table, row, column, note in cell_notes(report):
        if note.get("position") == "ambiguous":
            value = cell_value(report, template, table, row, column)
            others = "、".join(show(v) for v in note.get("alternatives", []))
            name = cell_name(template, table, row, column)
            message = f"{name}：读作 {show(value)}，另一种同样符合合计的读法为 {others}"
            if value is None:  # the parser publishes no guess: every reading is listed
                message = f"{name}：无法确定，符合原文与合计的读法有 {others}，记为空"
            found.append(
                make_finding(
                    "cell-ambiguous", message, table=table, row=row, column=column, left=value, line=note.get("line")
                )
            )
    return found


def check_cells_unreadable(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `cell-unreadable` finding for each cell whose printed text
    is not a number (cell note `unreadable`; its value is null), except a row's extra cells (see
    check_cells_unplaced). When its letters look like OCR's mistakes for digits (ocr_digits), the message says
    which digits they might be, without reading them so."""
    found = []
    for table, row, column, note in cell_notes(report):
        if note.get("unreadable") and column != "_unplaced":
            raw = str(note.get("raw"))
            message = f"{cell_name(template, table, row, column)}：原文“{raw}”不是数字，记为空"
            digits = ocr_digits(raw)
            if digits is not None:
                message += f"（其中的字母可能是识别错误的数字，或为 {digits}，但不作猜测）"
            found.append(
                make_finding("cell-unreadable", message, table=table, row=row, column=column, line=note.get("line"))
            )
    return found


def value_problem(value, kind: str) -> str | None:
    """Why a number in a report cannot be in a column of `kind` (a key of cells.PROBLEMS), or None."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if not math.isfinite(value):
        return "too-large"
    # 15 significant digits: what a float holds; float noise from arithmetic is not a wrong number
    cell = number_cell(str(value), Decimal(f"{value:.15g}"), False, None)
    return cell.problem or fit_cell(cell, kind).problem


def check_cells_impossible(report: dict, template: Template) -> list[dict]:
    """Cells whose printed number no such cell can hold (a negative or fractional count, an absurd
    magnitude): refused by the parser (note `impossible`), or, from any other reader, still in the table."""
    if not is_template_report(report):
        return []
    found = []
    for table, row, column, note in cell_notes(report):
        if note.get("impossible") in PROBLEMS:
            name = cell_name(template, table, row, column)
            message = f"{name}：原文“{note.get('raw')}”{PROBLEMS[note['impossible']]}，记为空"
            found.append(
                make_finding("cell-impossible", message, table=table, row=row, column=column, line=note.get("line"))
            )
    for table in TABLE_KEYS:
        for cell in table_cells(report, table, template):
            problem = value_problem(cell.value, column_kind(template.spec(table, "columns", cell.column)))
            if problem:
                name = cell_name(template, table, cell.row, cell.json_column)
                found.append(
                    make_finding(
                        "cell-impossible",
                        f"{name}：{show(cell.value)}，{PROBLEMS[problem]}",
                        table=table,
                        row=cell.row,
                        column=cell.json_column,
                        left=cell.value,
                        line=cell.row_line,
                    )
                )
    return found


def check_cells_unplaced(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `cell-unplaced` finding for each row that printed more
    numbers than the table has columns (cell note `table.row._unplaced`), listing the raw texts left out.
    Raises KeyError for a table or row the template does not have."""
    found = []
    for table, row, column, note in cell_notes(report):
        if column == "_unplaced":
            raw = "、".join(note.get("raw", []))
            message = f"{template.cell_label(table, row)} 一行的数字多于列数，未能归位：{raw}"
            found.append(make_finding("cell-unplaced", message, table=table, row=row, line=note.get("line")))
    return found


# --- dates and years ----------------------------------------------------------------------------


def agency_kind(agency: str) -> str:
    """`government` when the name ends like a government (人民政府, 管委会, a bare place name), else `department`."""
    suffixes = load_checks()["settings"]["government_suffixes"]
    return "government" if agency.endswith(tuple(suffixes)) else "department"


def calendar_date(text: str | None) -> datetime.date | None:
    """Given `YYYY-MM-DD`, return the date, or None when there is none or it is not on the calendar."""
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def current_year() -> int:
    """The year the build runs in (the latest year whose report cannot exist yet)."""
    return datetime.date.today().year


def check_date_impossible(report: dict, template: Template) -> list[dict]:
    """A signing date that is not on the calendar (`2024年2月30日`)."""
    date = report.get("date_signed")
    if not date or calendar_date(date):
        return []
    message = f"落款日期 {date} 在日历上不存在"
    return [make_finding("date-impossible", message, line=report.get("date_signed_line"))]


def check_year_impossible(report: dict, template: Template) -> list[dict]:
    """A report year before the first reports (the 条例 took effect in 2008) or not yet over."""
    year, first = report.get("year"), load_checks()["settings"]["first_year"]
    if not isinstance(year, int) or first <= year < current_year():
        return []
    why = f"早于《条例》施行的 {first} 年" if year < first else f"在 {current_year()} 年尚未结束或尚未到来"
    message = f"报告年度 {year} {why}，不可能有该年度的年报"
    return [make_finding("year-impossible", message, left=year, line=report.get("title_line"))]


def check_signed_before_year_end(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `signed-before-year-end` finding when its signing date
    (date_signed, a real calendar date) falls in or before the year it reports on, since a report on year N
    is written in N+1 (《条例》第五十条); [] when there is no such date or no year."""
    date, year = calendar_date(report.get("date_signed")), report.get("year")
    if not date or not year or date.year > year:
        return []
    date = date.isoformat()
    message = f"落款日期 {date} 早于所报告的 {year} 年结束，应在 {year + 1} 年初"
    return [make_finding("signed-before-year-end", message, line=report.get("date_signed_line"))]


def check_signed_late(report: dict, template: Template) -> list[dict]:
    """Given a report, return a `signed-late` finding when it was signed more than checks.yaml's
    `late_grace_days` (30) after the 《条例》第五十条 deadline in the year after the one reported on: 1月31日
    for a department, 3月31日 for a government (agency_kind, from the agency's name). `left` is the days
    past the deadline; [] when there is no calendar date or no year."""
    date, year = calendar_date(report.get("date_signed")), report.get("year")
    if not date or not year:
        return []
    settings = load_checks()["settings"]
    kind = agency_kind(report.get("agency") or "")
    month, day = (int(x) for x in settings["deadline"][kind].split("-"))
    deadline = datetime.date(year + 1, month, day)
    late = (date - deadline).days
    if late <= settings["late_grace_days"]:
        return []
    who = "政府本级报告" if kind == "government" else "部门报告"
    message = f"落款日期 {date.isoformat()}，晚于法定期限 {deadline.isoformat()}（{who}）{late} 天"
    return [make_finding("signed-late", message, left=late, line=report.get("date_signed_line"))]


def check_title_year_mismatch(report: dict, template: Template) -> list[dict]:
    """Given a report whose year was read from its title (year_source `title`), return a
    `title-year-mismatch` finding when the body states another statistical year (year_in_body), with the
    title's year as `left` and the body's as `right`; else []."""
    year, body = report.get("year"), report.get("year_in_body")
    if report.get("year_source") != "title" or body is None or body == year:
        return []
    message = f"标题年份 {year} 与正文第{report.get('year_in_body_line')}行的统计年度 {body} 不一致"
    return [make_finding("title-year-mismatch", message, left=year, right=body, line=report.get("title_line"))]


def check_title_year_missing(report: dict, template: Template) -> list[dict]:
    """Given a report whose title has no year, so that its year was read from the body
    (year_source `body`), return a `title-year-missing` finding naming the body line; else []."""
    if report.get("year_source") != "body":
        return []
    line = report.get("year_in_body_line")
    message = f"标题未写年份，报告年度 {report.get('year')} 取自正文第{line}行"
    return [make_finding("title-year-missing", message, left=report.get("year"), line=report.get("title_line"))]


# --- numbers in the narrative --------------------------------------------------------------------


def narrative_sentences(report: dict):
    """Yield (line, sentence without spaces) from every section's lead and numbered items."""
    for section in report.get("sections", []):
        units = [(section.get("line"), section.get("lead", ""))]
        units += [(item.get("line"), item.get("text", "")) for item in section.get("items", [])]
        for line, text in units:
            for sentence in SENTENCE.findall(SPACES.sub("", text or "")):
                yield line, sentence


def claims_in(sentence: str, claim: dict):
    """Yield (number, phrase) for every statement of `claim` in a sentence."""
    if claim.get("context") and not any(word in sentence for word in claim["context"]):
        return
    for pattern in claim["patterns"]:
        for m in re.finditer(pattern, sentence):
            if len(m.group(1)) <= MAX_CLAIM_DIGITS:
                yield int(m.group(1)), m.group(0)
    for pattern in claim.get("zero", []):
        for m in re.finditer(pattern, sentence):
            yield 0, m.group(0)


def resolve_cell(report: dict, template: Template, path: str) -> Cell | None:
    """Given `table.row.column` (or `table.row` for a one-number row of 表A), return the report's cell there
    when it holds a number in a table found with numbers, else None (absent, blank, other template)."""
    if table_status(report, path.split(".")[0]) != "ok":
        return None
    cell = find_cell(report, path, template)
    number = cell is not None and isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    return cell if number else None


def accepted_values(report: dict, template: Template, claim: dict) -> list[tuple[list[str], float]]:
    """The claim's table entries this report has: [(cell paths, their sum)], an entry naming the same cells
    as an earlier one (`table.row` and `table.row.column` of a one-number row) left out."""
    out, seen = [], set()
    for paths in claim["accept"]:
        cells = [resolve_cell(report, template, p) for p in paths]
        where = tuple((c.table, c.row, c.column) for c in cells if c is not None)
        if len(where) == len(paths) and where not in seen:
            seen.add(where)
            out.append((paths, sum(c.value for c in cells)))
    return out


def path_label(template: Template, path: str) -> str:
    """Given a cell path `table.row[.column]` (as in checks.yaml's claims), return its name for
    messages: `表B“一、本年新收政府信息公开申请数量 / 总计”`. Raises ValueError for a path without a row and
    KeyError for a table or row the template does not have."""
    table, row, *col = path.split(".")
    return f"{table_name(template, table)}“{cell_name(template, table, row, col[0] if col else None)}”"


def check_narrative(report: dict, template: Template) -> list[dict]:
    """Numbers the narrative states (claims in checks.yaml) that no matching table cell holds."""
    if not is_template_report(report):
        return []
    found, seen = [], set()
    for claim in load_checks()["claims"]:
        entries = accepted_values(report, template, claim)
        if not entries:
            continue
        for line, sentence in narrative_sentences(report):
            for number, phrase in claims_in(sentence, claim):
                if any(number == total for _, total in entries) or (claim["key"], number) in seen:
                    continue
                seen.add((claim["key"], number))
                tables = "；".join(
                    " + ".join(path_label(template, p) for p in paths) + f" 为 {show(total)}"
                    for paths, total in entries
                )
                first = entries[0][0][0].split(".")
                message = f"正文“{phrase}”称{claim['what']} {number}，而{tables}"
                found.append(
                    make_finding(
                        "narrative-contradiction",
                        message,
                        table=first[0],
                        row=first[1],
                        column=first[2] if len(first) > 2 else None,
                        left=number,
                        right=entries[0][1],
                        line=line,
                    )
                )
    return found


# --- templates ----------------------------------------------------------------------------------


def fields_not_comparable(template: Template, table: str) -> dict[str, list[str]]:
    """{row: [columns]} of the 2019 template that the 2021 template does not have ([] = the whole row)."""
    if template.groups_of(table, "2021"):

        def fields(version):
            return {(r, c) for g in template.groups_of(table, version) for r in g.rows for c in g.columns}

        new = fields("2021")
        rows_2021 = {r for r, _ in new}
        out: dict[str, list[str]] = {}
        for row in template.rows(table, "2019"):
            cols = [
                c for g in template.groups_of(table, "2019") if row in g.rows for c in g.columns if (row, c) not in new
            ]
            if cols:
                out[row] = [] if row not in rows_2021 else cols
        return out
    return {r: [] for r in template.rows(table, "2019") if r not in template.rows(table, "2021")}


def row_with_columns(template: Template, table: str, row: str, columns: list[str]) -> str:
    """`行政许可（上一年项目数量、本年增/减）`, or the row alone when the whole row differs."""
    names = "、".join(template.column_label(table, c) for c in columns)
    return template.cell_label(table, row) + (f"（{names}）" if names else "")


def check_template_2019(report: dict, template: Template) -> list[dict]:
    """Given a report on the 2019 template (国办公开办函〔2019〕60号), return one `template-2019`
    finding per table naming its rows and columns that the 2021 template lacks or counts otherwise
    (fields_not_comparable), which are not charted beside 2021 figures; [] for other reports."""
    if report.get("template") != "2019":
        return []
    found = []
    for t in TABLE_KEYS:
        fields = fields_not_comparable(template, t)
        if not fields:
            continue
        names = "；".join(row_with_columns(template, t, row, cols) for row, cols in fields.items())
        message = f"旧版（2019）模板：{table_name(template, t)}以下栏目与2021年版口径不同，不与新版同图比较：{names}"
        found.append(make_finding("template-2019", message, table=t))
    return found


def check_template_pre2019(report: dict, template: Template) -> list[dict]:
    """Given a report from before the national templates (template `pre2019`), return one
    `template-pre2019` finding: its tables are the agency's own, shown as printed, with no 勾稽关系 checks and
    no comparison across years; else []."""
    if report.get("template") != "pre2019":
        return []
    message = "2019年以前的报告：统计表由机关自拟，照原样展示，不做勾稽核对，不进入跨年比较"
    return [make_finding("template-pre2019", message)]


READING_NAMES = {"grid": "表格", "text": "文字层", "ocr": "OCR识别"}


def check_witnesses(report: dict, template: Template) -> list[dict]:
    """One finding per cell where another file of the same report (a witness, builder.revisions: a web page
    and its PDF, a page and its crawler text) prints another number than the file the report is read from;
    it names both files and both values (left: this report's, right: the witness's)."""
    found = []
    source = report["source"]["file"]
    for witness in report.get("witnesses") or []:
        for cell in witness.get("disagreements") or []:
            table, row, column = cell["table"], cell["row"], cell["column"]
            mine, theirs = cell["source_value"], cell["witness_value"]
            message = (
                f"{table_name(template, table)} {cell_name(template, table, row, column)}：{source} 为 {show(mine)}，"
                f"同一报告的另一文件 {witness['file']}（{READING_NAMES.get(witness.get('reading'), '?')}）"
                f"为 {show(theirs)}；"
                f"本页采用 {source} 的数字"
            )
            found.append(
                make_finding(
                    "witness-disagrees",
                    message,
                    table=table,
                    row=row,
                    column=column,
                    left=mine,
                    right=theirs,
                    line=row_line(report, table, row),
                )
            )
    return found


# --- the whole report ---------------------------------------------------------------------------


def sum_check(rule: Rule) -> Callable[[dict, Template], list[dict]]:
    """The check of one consistency rule of the template: (report, template) -> findings."""

    def check(report: dict, template: Template) -> list[dict]:
        """The findings of `rule` on one report (check_sums)."""
        return check_sums(report, template, rule)

    return check


# The checks of checks.yaml by rule id. The template's consistency rules need no entry: check_report runs
# every rule of template.yaml (an entry here under a rule's id replaces its check, as tests do).
REPORT_CHECKS: dict[str, Callable[[dict, Template], list[dict]]] = {
    "table-missing": check_table_missing,
    "table-empty": check_table_empty,
    "section-missing": check_sections_missing,
    "row-missing": check_rows_missing,
    "cells-blank": check_cells_blank,
    "cell-inferred": check_cells_inferred,
    "cell-ambiguous": check_cells_ambiguous,
    "cell-unreadable": check_cells_unreadable,
    "cell-unplaced": check_cells_unplaced,
    "cell-impossible": check_cells_impossible,
    "year-impossible": check_year_impossible,
    "date-impossible": check_date_impossible,
    "signed-before-year-end": check_signed_before_year_end,
    "signed-late": check_signed_late,
    "title-year-mismatch": check_title_year_mismatch,
    "title-year-missing": check_title_year_missing,
    "narrative-contradiction": check_narrative,
    "template-2019": check_template_2019,
    "template-pre2019": check_template_pre2019,
    "witness-disagrees": check_witnesses,
}


# Rules the runner itself gives, not a check function.
RUNNER_RULES = {"check-error"}
MAX_ERROR_TEXT = 200


def check_error(rules: list[str], report: dict, exc: Exception) -> dict:
    """The finding for a rule that raised on a report: names the rule, the report and the error."""
    where = f"{report.get('id')}（{(report.get('source') or {}).get('file') or '?'}）"
    text = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_TEXT]
    message = f"检查规则 {'、'.join(rules)} 在报告 {where} 上出错，未能完成该项检查：{text}"
    return make_finding("check-error", message)


def run_guarded(rules: list[str], check: Callable, report: dict, *args):
    """Run one check; if it raises, return [check-error finding] instead, so one rule's fault on one
    report never stops the others or the build."""
    try:
        return check(report, *args)
    except Exception as exc:  # any fault of a rule becomes a finding, by design
        return [check_error(rules, report, exc)]


def check_report(report: dict, template: Template) -> list[dict]:
    """Given a parsed report, return its findings: the template's consistency rules first, in template.yaml
    order, then the other checks in the order of checks.yaml. Every rule runs guarded: a rule that raises
    gives a `check-error` finding and the rest still run."""
    found = []
    arithmetic = {rule.id for rule in template.rules}
    for rule in template.rules:
        check = REPORT_CHECKS.get(rule.id) or sum_check(rule)
        found.extend(run_guarded([rule.id], check, report, template))
    for rule in load_checks()["rules"]:
        check = REPORT_CHECKS.get(rule["id"])
        if check and rule["id"] not in arithmetic:
            found.extend(run_guarded([rule["id"]], check, report, template))
    return found


# --- across reports -----------------------------------------------------------------------------


def index_reports(reports: list[dict], key: Callable[[dict], str]) -> dict[tuple[str, int], dict]:
    """{(agency key, year): report}; of two reports for the same agency and year, the first is kept."""
    index: dict[tuple[str, int], dict] = {}
    for report in reports:
        index.setdefault((key(report), report["year"]), report)
    return index


def check_carryover(reports: list[dict], template: Template, key: Callable[[dict], str]) -> dict[str, list[dict]]:
    """This year's 上年结转 against last year's 结转下年度, column by column (template.yaml `carryover`)."""
    index = index_reports(reports, key)
    found: dict[str, list[dict]] = defaultdict(list)
    link = template.carryover()
    this_name = load_checks()["labels"].get(link.table, {}).get(link.row) or template.cell_label(link.table, link.row)
    last_name = template.spec(link.table, "rows", link.previous)["label"]
    for report in reports:
        prev = index.get((key(report), report["year"] - 1))
        pair = (report, prev)
        if prev is None or not all(is_template_report(r) and table_status(r, link.table) == "ok" for r in pair):
            continue
        for col in template.columns(link.table):
            now = cell_value(report, template, link.table, link.row, col)
            before = cell_value(prev, template, link.table, link.previous, col)
            if (now is None and before is None) or (now or 0) == (before or 0):
                continue
            message = (
                f"{template.column_label(link.table, col)} 一列：本年“{this_name}” {show(now)} ≠ "
                f"{prev['year']}年报告“{last_name}” {show(before)}"
            )
            found[report["id"]].append(
                make_finding(
                    "carryover-mismatch",
                    message,
                    table=link.table,
                    row=link.row,
                    column=col,
                    left=now,
                    right=before,
                    line=row_line(report, link.table, link.row),
                    related=prev["id"],
                )
            )
    return found


def narrative_text(report: dict, sections: list[str]) -> str:
    """Given a report and section keys (checks.yaml settings.copy.sections), return the text of
    those sections in the report's order, joined by newlines ('' when none is there)."""
    return "\n".join(s.get("text", "") for s in report.get("sections", []) if s["key"] in sections)


def copy_message(share: float, other: dict, same_agency: bool) -> str:
    """Given the share of text two reports have in common (0 to 1), the other report and whether it is
    the same agency's previous year, return the copy finding's message:
    `正文约 85% 的文字与本机关上一年度报告相同（id）`, or naming the other agency and year. Raises KeyError
    when the other report lacks `id` (or `agency` and `year`)."""
    whose = "本机关上一年度报告" if same_agency else f"{other['agency']}{other['year']}年报告"
    return f"正文约 {share:.0%} 的文字与{whose}相同（{other['id']}）"


Remember = Callable[[str, object, Callable[[], object]], object]  # (kind, inputs, compute) -> compute() or kept


def compute_now(kind: str, inputs: object, compute: Callable[[], object]) -> object:
    """The default Remember: compute every time."""
    return compute()


def check_copies(
    reports: list[dict], template: Template, key: Callable[[dict], str], remember: Remember = compute_now
) -> dict[str, list[dict]]:
    """Narratives that repeat most of the same agency's previous report, or another agency's report
    of the same year: exact share for the previous year (one pair each), MinHash/LSH within a year, at most
    `max_candidates` (checks.yaml) compared with each text in each band, so the time stays linear in the number
    of reports however alike their narratives are. The shingles of each narrative and the matches of each year
    are made by `remember(kind, inputs, compute)` (the build reads them back when the texts are unchanged)."""
    settings = load_checks()["settings"]["copy"]
    shingles = [narrative_shingles(narrative_text(r, settings["sections"]), settings, remember) for r in reports]
    usable = [i for i, s in enumerate(shingles) if len(s) >= settings["min_shingles"]]
    found: dict[str, list[dict]] = defaultdict(list)
    where = {(key(reports[i]), reports[i]["year"]): i for i in reversed(usable)}
    for i in usable:
        j = where.get((key(reports[i]), reports[i]["year"] - 1))
        if j is None:
            continue
        share = shared_share(shingles[i], shingles[j])
        if share >= settings["threshold"]:
            message = copy_message(share, reports[j], True)
            found[reports[i]["id"]].append(
                make_finding("copy-previous-year", message, related=reports[j]["id"], share=round(share, 2))
            )
    by_year: dict[int, list[int]] = defaultdict(list)
    for i in usable:
        by_year[reports[i]["year"]].append(i)
    for members in by_year.values():
        texts, groups = [shingles[i] for i in members], [key(reports[i]) for i in members]
        for a, b, share in year_copies(texts, groups, settings, remember):
            mine, other = reports[members[a]], reports[members[b]]
            found[mine["id"]].append(
                make_finding(
                    "copy-same-year", copy_message(share, other, False), related=other["id"], share=round(share, 2)
                )
            )
    return found


def narrative_shingles(text: str, settings: dict, remember: Remember) -> array:
    """The shingle hashes of a narrative (similarity.text_to_shingles), made by `remember` for the text."""
    size = settings["shingle_chars"]
    data = remember("shingles", [text, size], lambda: text_to_shingles(text, size).tobytes())
    return array("I", data)


def year_copies(texts: list[array], groups: list[str], settings: dict, remember: Remember) -> list[list]:
    """Given the shingles of one year's narratives and their agencies, return [a, b, share] for each text `a`
    whose largest share is in text `b` (similarity.find_similar), sorted; made by `remember` for the texts
    (by the sha256 of their shingles), their agencies and the settings."""
    digests = [hashlib.sha256(t.tobytes()).hexdigest() for t in texts]
    options = [settings[k] for k in ("bins", "band_rows", "threshold", "max_candidates")]

    def compute() -> list[list]:
        bins, band_rows, threshold, cap = options
        similar = find_similar(texts, bins, band_rows, threshold, groups=groups, cap=cap)
        return [[a, b, share] for a, (b, share) in sorted(similar.items())]

    return remember("copies", [digests, groups, options], compute)


def check_agency_year_twice(
    reports: list[dict], template: Template, key: Callable[[dict], str]
) -> dict[str, list[dict]]:
    """Several published reports of one agency and year: files whose order nothing tells (builder.revisions),
    or names the registry takes as one agency. Each report names the others, so a reader sees both."""
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for report in reports:
        groups[(key(report), report["year"])].append(report)
    found: dict[str, list[dict]] = defaultdict(list)
    for group in (g for g in groups.values() if len(g) > 1):
        for mine in group:
            for other in (r for r in group if r is not mine):
                differ = len(changed_cells(other, mine, template))
                message = agency_year_message(mine, other, differ)
                found[mine["id"]].append(make_finding("agency-year-twice", message, related=other["id"]))
    return found


def agency_year_message(mine: dict, other: dict, differ: int) -> str:
    """Why two reports of one agency-year are both published, in words naming the other one."""
    where = f"另一份为 {other.get('source', {}).get('file') or other['id']}，与本报告有 {differ} 个数字不同"
    if mine["agency"] == other["agency"]:
        return (
            f"本机关{mine['year']}年有两份报告（{where}）；签署日期、发布时间和获取时间都不能说明哪份较新，"
            "因此两份都发布，均不视为已被取代；可在较新文件的 .meta.yaml 中写明 published: 日期"
        )
    return (
        f"登记表把“{mine['agency']}”和“{other['agency']}”视为同一机关，二者都有{mine['year']}年报告（{where}）；"
        "两份都发布，请核对登记表"
    )


CORPUS_CHECKS = {
    "agency-year-twice": check_agency_year_twice,
    "carryover-mismatch": check_carryover,
    "copy-previous-year": check_copies,  # one pass over the shingles serves both copy rules
    "copy-same-year": check_copies,
}


def check_agency_warnings(warnings: list[dict]) -> list[dict]:
    """The agency registry's warnings about one report (builder.agencies.assign_agencies) as findings."""
    rule = {"new_name": "agency-new-name"}
    return [make_finding(rule.get(w["code"], "agency-unconfirmed"), w["message"]) for w in warnings]


# Rules whose evidence comes from the agency registry rather than from the reports themselves.
REGISTRY_CHECKS = {"agency-unconfirmed": check_agency_warnings, "agency-new-name": check_agency_warnings}


def agency_name(report: dict) -> str:
    """Given a report, return the agency's name as printed in its title, the default key by which
    check_corpus groups reports of one agency (the build passes the registry's agency_id instead). Raises
    KeyError when the report has no `agency`."""
    return report["agency"]


def check_corpus(
    reports: list[dict], template: Template, key: Callable[[dict], str] = agency_name, remember: Remember = compute_now
) -> dict[str, list[dict]]:
    """Given every parsed report, return {report id: findings} of the rules across reports; `remember` is given to
    check_copies (the build's memo)."""
    found: dict[str, list[dict]] = defaultdict(list)
    for check in dict.fromkeys(CORPUS_CHECKS.values()):
        rules = [rule for rule, fn in CORPUS_CHECKS.items() if fn is check]
        extra = (remember,) if check is check_copies else ()  # the one corpus check whose work is kept
        try:
            results = check(reports, template, key, *extra)
        except Exception as exc:  # the rule could not run: every report is told, the build goes on
            results = {r["id"]: [check_error(rules, r, exc)] for r in reports}
        for report_id, items in results.items():
            found[report_id].extend(items)
    return dict(found)
