"""Read a Word (.docx) report into a Document: body paragraphs and table rows in body order."""

from __future__ import annotations

import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from builder.model import Document, Line, ReportError
from builder.sources.text import join_wrapped


def clean_text(text: str) -> str:
    """Given a paragraph's text, return it with each run of spaces, tabs, no-break and ideographic (U+3000)
    spaces made one space, and trimmed."""
    return re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()


def join_cell(parts) -> str:
    """Given the paragraphs of one cell, return them cleaned and joined (see text.join_wrapped)."""
    return join_wrapped(clean_text(p) for p in parts)


def paragraph_to_text(p, parent) -> str:
    """Given a <w:p> element and its python-docx parent, return the paragraph's text, cleaned (see clean_text)."""
    return clean_text(Paragraph(p, parent).text)


def tc_to_text(tc, parent) -> str:
    """Given a <w:tc>, return its text; paragraphs (a header one character a line) are joined."""
    return join_cell(Paragraph(p, parent).text for p in tc.iter(qn("w:p")))


def is_merge_continuation(tc) -> bool:
    """Whether a cell is covered by the cell above it (vertical merge), so it must not appear again."""
    pr = tc.tcPr
    if pr is None:
        return False
    vmerge = pr.find(qn("w:vMerge"))
    return vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"


def tbl_to_rows(tbl, parent) -> list[tuple[str, ...]]:
    """Given a <w:tbl>, return its rows; a merged cell appears once, where it starts."""
    rows = []
    for tr in tbl.iter(qn("w:tr")):
        if tr.getparent() is not tbl:
            continue  # a table nested in a cell is read as that cell's text
        cells = tuple(tc_to_text(tc, parent) for tc in tr.findall(qn("w:tc")) if not is_merge_continuation(tc))
        if any(cells):
            rows.append(cells)
    return rows


def body_to_blocks(body, parent) -> list[tuple[int | None, tuple[str, ...]]]:
    """Given the document body, return (table index, cells) blocks in body order."""
    blocks, tables = [], 0
    stack = list(reversed(body))
    while stack:
        el = stack.pop()
        if el.tag == qn("w:p"):
            text = paragraph_to_text(el, parent)
            if text:
                blocks.append((None, (text,)))
        elif el.tag == qn("w:tbl"):
            for row in tbl_to_rows(el, parent):
                blocks.append((tables, row))
            tables += 1
        elif el.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            stack.extend(reversed(el))  # content controls wrap ordinary paragraphs and tables
    return blocks


def read_docx(path) -> Document:
    """Given a .docx file, return its Document: one Line per body paragraph (one cell) or table row (its cells,
    `table` numbering the table), in body order; meta holds the core properties' title and created. Page
    headers and footers are not part of the body. Raises ReportError if python-docx cannot open the file or
    the body holds no text."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReportError(str(path), f"not a readable .docx file: {e}") from e
    blocks = body_to_blocks(document.element.body, document._body)
    lines = tuple(Line(number=i, cells=cells, table=table) for i, (table, cells) in enumerate(blocks, start=1))
    if not lines:
        raise ReportError(str(path), "no text in the document body")
    props = document.core_properties
    meta = {"title": props.title or None, "created": props.created.isoformat() if props.created else None}
    return Document(path=str(path), format="docx", lines=lines, meta={k: v for k, v in meta.items() if v})
