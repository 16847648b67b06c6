"""Pure: report dicts in, Markdown pages out. Every piece of report text is escaped here, in one place."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from builder.cells import PROBLEMS, number_text
from builder.model import Cell, read_table
from builder.template import Group, Template

TEMPLATES = Path(__file__).parent

# Characters that mean something to Markdown, to Python-Markdown's extensions (attr_list `{}`,
# tables `|`) or to HTML, anywhere in a line; and the marks that start a block (list, heading,
# quote) at the start of one. Report text gets them as numeric entities, which Markdown passes
# through untouched and the browser (and the search index) shows as the plain character.
# Quotes too, so a value is also safe inside an attribute or an admonition's "title".
# Every line break Python-Markdown or the browser honours (\r, \f, U+2028 …) becomes a space, and
# the value is stripped, so no value starts a block of its own (code by indent, a line break by
# trailing spaces); `!` starts an admonition (`!!! danger`) only at the start of a line.
# Control characters become U+FFFD: Markdown uses \x02/\x03 for its own placeholders.
_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|&~^$\"']")
_BLOCK_START = re.compile(r"^(\s*)([-+=>!:]|\d+(?=[.)]))")
_NEWLINES = re.compile(r"\s*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]\s*")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")


def escape_text(value) -> str:
    """Given any value from a report, return Markdown that shows it literally (no markup, no HTML).
    Trusted fragments built by this module are Markup and pass unchanged; None shows as blank."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = _NEWLINES.sub(" ", _CONTROLS.sub("\ufffd", str(value))).strip()
    text = _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "".join(f"&#{ord(c)};" for c in m.group(2)), text)


def escape_paragraphs(value) -> Markup:
    """Like escape_text, but keeps paragraph breaks (blank lines) as Markdown paragraphs."""
    paras = [escape_text(p) for p in re.split(r"\n\s*\n", str(value or "")) if p.strip()]
    return Markup("\n\n".join(paras))


def attr(value: str) -> Markup:
    """An HTML attribute value (anchors, titles) from our own keys: escaped all the same."""
    return Markup(html.escape(str(value), quote=True))


def number(value) -> str:
    """A cell's number as printed on the site: blank for None, never 0; in full (cells.number_text)."""
    return number_text(value)


@cache
def environment() -> Environment:
    """The Jinja2 environment of the page templates (builder/pages/*.j2): every {{ }} is escaped by escape_text, an
    undefined name raises (StrictUndefined), blocks trimmed so the Markdown stays as written."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        finalize=escape_text,  # the one place report text is escaped: every {{ }} goes through it
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(paragraphs=escape_paragraphs, attr=attr, number=number, cell=cell_html)
    return env


def render(name: str, **context) -> str:
    """Given a template file name under builder/pages and its context, return the rendered Markdown page."""
    return environment().get_template(name).render(**context)


# --- table views -------------------------------------------------------------------------------


# How a cell was read, when it was not read plainly (cell notes, builder.solver.cell_note): its class on
# the page (a dotted underline, docs/assets/site.css), the mark beside it, and what the hover says. The
# hover text is the site's own words only: what the report printed is in the cell notes under the tables.
READINGS = {
    "inferred": ("*", "所在列由合计推断：原文丢失了空白格"),
    "ambiguous": ("?", "读法不确定：另一种读法（{alternatives}）同样符合合计"),
    "unreadable": ("!", "无法读出：原文印的不是数字，见表下的单元格说明"),
    "refused": ("!", "不予采用：{problem}，见表下的单元格说明"),
    "ocr": ("", "由扫描件经光学字符识别（OCR）读出，可能读错"),
}
OCR_NOTE = "read by OCR"  # the start of the note builder.sources.pdf gives a report read from a scan


def read_by_ocr(report: dict) -> bool:
    """Whether a report's file was a scan read by OCR (its reader's note says so): then every number may be misread."""
    return any(str(note).startswith(OCR_NOTE) for note in report.get("notes", []))


def cell_reading(report: dict, path: str, has_value: bool) -> list[str]:
    """Given a report and a cell path (table.row[.column]), return how the cell was read when not plainly,
    as keys of READINGS in a fixed order: inferred or ambiguous placement, unreadable or refused text, OCR.
    A number of a report read by OCR is "ocr" even without a note of its own."""
    note = report.get("cells", {}).get(path, {})
    kinds = [k for k in ("inferred", "ambiguous") if note.get("position") == k]
    if note.get("unreadable"):
        kinds.append("unreadable")
    elif note.get("impossible"):
        kinds.append("refused")
    if note.get("ocr") or (has_value and read_by_ocr(report)):
        kinds.append("ocr")
    return kinds


def reading_titles(report: dict, path: str, kinds: list[str]) -> list[str]:
    """The hover text, in Chinese, for each way a cell was read (READINGS), filled in from its note with
    the site's own words (numbers it read, reasons it refused one), never the report's text."""
    note = report.get("cells", {}).get(path, {})
    alternatives = "、".join("空白" if a is None else number(a) for a in note.get("alternatives", []))
    fill = {"alternatives": alternatives, "problem": PROBLEMS.get(note.get("impossible"), "")}
    return [READINGS[k][1].format(**fill) for k in kinds]


def cell_view(report: dict, value, path: str) -> dict:
    """A cell ready for the page: its number as printed, its mark (*, ?, !), the classes that make a cell
    not read plainly look different, and its hover text."""
    shown = number(value)
    kinds = cell_reading(report, path, bool(shown))
    marks = [READINGS[k][0] for k in kinds if READINGS[k][0]]
    return {
        "value": shown,
        "mark": marks[0] if marks else "",
        "classes": [f"cell-{k}" for k in kinds],
        "titles": reading_titles(report, path, kinds),
        "path": path,
    }


def cell_html(cell: dict) -> Markup:
    """A template table's cell as HTML (one Markdown table cell: no `|`, no line break): its number linked to
    its place in the source (`href`), with the classes and hover text of how it was read (cell_view) and the
    colour of the first finding about it, whose link is the mark beside it (or † when it has none). A cell
    with no known place links its number to the finding instead. A refused or unreadable cell shows its mark.
    Every text and title is escaped here (escape_text: safe in Markdown, in HTML and in an attribute)."""
    finding = (cell.get("findings") or [None])[0]
    text, mark = cell["value"] or ("∅" if finding else ""), cell["mark"]
    if not text and not finding:
        text, mark = mark, ""
    classes = [*cell["classes"], *([f"cell-{finding['severity']}"] if finding else [])]
    title = "；".join(cell["titles"])
    href = cell.get("href")
    if finding and not href:
        return Markup(html_element(text, classes, title, f"#{finding['anchor']}") + sup(mark, title))
    out = html_element(text, ["src", *classes] if href else classes, title, href)
    if finding:
        to_finding = html_element(
            mark or "†", ["finding-link"], f"核查结果：{finding['label']}", f"#{finding['anchor']}"
        )
        return Markup(f"{out} <sup>{to_finding}</sup>")
    return Markup(out + sup(mark, title))


def html_element(text: str, classes: list[str], title: str, href: str | None) -> str:
    """`<a>` (with href) or `<span>` around text, with classes (our own names) and a title; empty for empty
    text, the bare text when there is nothing to put around it. The text and the title are escaped with
    escape_text, which also keeps `|` out of the Markdown table."""
    if not text:
        return ""
    if not classes and not title and not href:
        return escape_text(text)
    name = "a" if href else "span"
    attrs = "".join(f' {key}="{attr(value)}"' for key, value in (("class", " ".join(classes)), ("href", href)) if value)
    attrs += f' title="{escape_text(title)}"' if title else ""
    return f"<{name}{attrs}>{escape_text(text)}</{name}>"


def sup(mark: str, title: str) -> str:
    """A mark beside a cell (*, ?, !) with its hover text; empty for no mark."""
    if not mark:
        return ""
    return (
        f'<sup title="{escape_text(title)}">{escape_text(mark)}</sup>' if title else f"<sup>{escape_text(mark)}</sup>"
    )


def table_views(report: dict, template: Template) -> list[dict]:
    """Given a report, return its three tables as rows of (label, cells) ready for the page."""
    version = report["template"]
    if version == "pre2019":
        return []
    views = []
    for key in template.tables:
        spec = template.tables[key]
        info = report["tables"].get(key, {})
        views.append(
            {
                "key": key,
                "letter": spec["letter"],
                "title": spec["title"],
                "status": info.get("status", "missing"),
                "lines": info.get("lines", []),
                "groups": table_groups(report, template, key, version),
            }
        )
    return views


def table_groups(report: dict, template: Template, key: str, version: str) -> list[dict]:
    """A table as groups of rows sharing one header (template.groups_of: table A has one group per 第二十条
    item; a table without groups is one group of all its rows under its columns), each cell read by
    builder.model.read_table. Raises KeyError for a row of the template version the report lacks."""
    table = read_table(report, key, template)
    groups = template.groups_of(key, version) or [Group("", template.columns(key), template.rows(key, version), False)]
    return [
        {
            "item": group.item,
            "header": [template.column_label(key, c) for c in group.columns],
            "rows": [
                row_view(report, template, key, row, [table.cell(row, c) for c in group.columns]) for row in group.rows
            ],
        }
        for group in groups
    ]


def row_view(report: dict, template: Template, table: str, row: str, cells: list[Cell]) -> dict:
    """Given a report, a table key, a row key and its cells (builder.model), return what the page shows of the
    row: key, anchor (`B-granted`), label as the template prints it, source line and PDF page, cell views."""
    return {
        "key": row,
        "anchor": template.row_anchor(table, row),
        "label": template.cell_label(table, row),
        "line": report["tables"].get(table, {}).get("rows", {}).get(row),
        "page": report["tables"].get(table, {}).get("pages", {}).get(row),
        "cells": [cell_view(report, c.value, c.path) for c in cells],
    }


def cell_notes(report: dict, template: Template) -> list[dict]:
    """The site's notes on single cells, in words (Chinese first), for the list under the tables:
    each names the cell as the template does (table letter, row and column labels), never by key."""
    out = []
    for path, note in sorted(report.get("cells", {}).items()):
        table, row, *column = path.split(".")
        what = []
        if note.get("position") == "inferred":
            what.append(
                "原文丢失了空白格，所在列由合计推断 column inferred from the template's sums (blank cells lost)"
            )
        if note.get("position") == "ambiguous":
            alts = "、".join("空白 blank" if a is None else str(a) for a in note.get("alternatives", []))
            what.append(f"不确定：另一种读法同样符合合计（{alts}） ambiguous: another reading fits the sums")
        if note.get("unreadable"):
            what.append("无法读出 unreadable")
        if note.get("impossible"):
            what.append(f"不予采用：{PROBLEMS.get(note['impossible'], '')} refused")
        if "raw" in note and not note.get("unreadable"):
            what.append(f"原文印作 printed as “{note['raw']}”")
        if note.get("ocr"):
            what.append("由光学字符识别（OCR）读出 read by OCR")
        known = table in template.tables
        out.append(
            {
                "cell": (f"表{template.tables[table]['letter']} " + template.cell_label(table, row, *column[:1]))
                if known
                else path,
                "anchor": template.row_anchor(table, row) if known else "",
                "line": note.get("line"),
                "page": report["tables"].get(table, {}).get("pages", {}).get(row),
                "what": "；".join(what) or "说明 note",
            }
        )
    return out
