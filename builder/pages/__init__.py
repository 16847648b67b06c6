"""Pure: report dicts in, Markdown pages out. Every piece of report text is escaped here, in one place."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from builder.cells import number_text
from builder.template import Template

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
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        finalize=escape_text,  # the one place report text is escaped: every {{ }} goes through it
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(paragraphs=escape_paragraphs, attr=attr, number=number)
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


# --- table views -------------------------------------------------------------------------------


def cell_mark(report: dict, path: str) -> str:
    """A short mark beside a cell the parser had to infer, could not read, or read from damaged text."""
    note = report.get("cells", {}).get(path)
    if not note:
        return ""
    if note.get("position") == "ambiguous":
        return "?"
    if note.get("position") == "inferred":
        return "*"
    if note.get("unreadable"):
        return "!"
    return ""


def table_views(report: dict, template: Template) -> list[dict]:
    """Given a report, return its three tables as rows of (label, cells) ready for the page."""
    version = report["template"]
    if version == "pre2019":
        return []
    views = []
    for key in ("active_disclosure", "applications", "review_litigation"):
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
    """A table as groups of rows sharing one header: table A has one group per 第二十条 item."""
    values = report[key]
    if key == "active_disclosure":
        groups = []
        for group in template.groups(version):
            header = [template.column_label(key, c) for c in group.columns]
            rows = []
            for row in group.rows:
                cells = [values[row]] if group.scalar else [values[row][c] for c in group.columns]
                paths = [f"{key}.{row}"] if group.scalar else [f"{key}.{row}.{c}" for c in group.columns]
                rows.append(row_view(report, template, key, row, cells, paths))
            groups.append({"item": group.item, "header": header, "rows": rows})
        return groups
    columns = template.columns(key)
    header = [template.column_label(key, c) for c in columns]
    rows = []
    for row in template.rows(key, version):
        cells = list(values[row].values()) if isinstance(values[row], dict) else list(values[row])
        rows.append(row_view(report, template, key, row, cells, [f"{key}.{row}.{c}" for c in columns]))
    return [{"item": "", "header": header, "rows": rows}]


def row_view(report, template, table, row, cells, paths) -> dict:
    return {
        "key": row,
        "anchor": f"{template.tables[table]['letter']}-{row}",
        "label": template.cell_label(table, row),
        "line": report["tables"].get(table, {}).get("rows", {}).get(row),
        "cells": [
            {"value": number(v), "mark": cell_mark(report, p), "path": p} for v, p in zip(cells, paths, strict=True)
        ],
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
        if "raw" in note and not note.get("unreadable"):
            what.append(f"原文印作 printed as “{note['raw']}”")
        known = table in template.tables
        out.append(
            {
                "cell": (f"表{template.tables[table]['letter']} " + template.cell_label(table, row, *column[:1]))
                if known
                else path,
                "anchor": f"{template.tables[table]['letter']}-{row}" if known else "",
                "line": note.get("line"),
                "what": "；".join(what) or "说明 note",
            }
        )
    return out
