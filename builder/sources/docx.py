"""Read a Word (.docx) report into a Document: body paragraphs and table rows in body order, as Word shows them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn

from builder.model import Document, Line, ReportError
from builder.sources.text import join_wrapped, text_to_lines

MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# What a run's children stand for in the text Word shows.
RUN_TEXT = {qn("w:tab"): "\t", qn("w:ptab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# Inside a paragraph, text under these is not part of it: deleted or moved-away revisions, the
# fallback copy of alternate content, and nested paragraphs (text boxes), read on their own.
NOT_SHOWN = frozenset(
    {qn("w:del"), qn("w:moveFrom"), MC_FALLBACK, qn("w:p"), qn("w:tbl"), qn("w:txbxContent"), qn("w:pPr"), qn("w:rPr")}
)
# Elements that only wrap their content (content controls, custom XML, smart tags, revisions kept).
WRAPPERS = frozenset({qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:smartTag"), qn("w:ins")})


def clean_text(text: str) -> str:
    """Given a paragraph's text, return it with runs of spaces and tabs made one space."""
    return re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()


def paragraph_text(p) -> str:
    """Given a <w:p>, return the text Word shows: tracked insertions in, deletions out, and the text
    inside smart tags, simple fields (w:fldSimple), hyperlinks and content controls (ECMA-376 §17)."""
    parts: list[str] = []
    stack = list(reversed(p))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in NOT_SHOWN:
            continue
        if el.tag == qn("w:t"):
            parts.append(el.text or "")
        elif el.tag in RUN_TEXT:
            parts.append(RUN_TEXT[el.tag])
        else:
            stack.extend(reversed(el))
    return "".join(parts)


def tc_to_text(tc) -> str:
    """Given a <w:tc>, return its text; paragraphs (a header one character a line) are joined."""
    return join_wrapped(clean_text(paragraph_text(p)) for p in tc.iter(qn("w:p")))


def unwrapped(el, tag: str):
    """Given an element, yield its children with `tag`, looking through wrappers (content controls)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from unwrapped(child, tag)


def int_attr(el, path: str, default: int) -> int:
    """Given an element, return the w:val of its descendant at `path` as an int, else `default`."""
    found = el.find(path)
    value = found.get(qn("w:val")) if found is not None else None
    return int(value) if value and value.isdigit() else default


def is_merge_continuation(tc) -> bool:
    """Whether a cell is covered by the cell above it (vertical merge), so it must not appear again."""
    vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"


def is_deleted_row(tr) -> bool:
    """Whether a row is a tracked deletion (w:trPr/w:del): Word with changes accepted does not show it."""
    return tr.find(f"{qn('w:trPr')}/{qn('w:del')}") is not None


def tr_to_cells(tr) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Given a <w:tr>, return (cell texts, (first grid column, gridSpan) per cell). Cells a vertical
    merge covers take their grid columns but yield no cell; w:gridBefore shifts the row."""
    col = int_attr(tr, f"{qn('w:trPr')}/{qn('w:gridBefore')}", 0)
    texts, grid = [], []
    for tc in unwrapped(tr, qn("w:tc")):
        span = max(int_attr(tc, f"{qn('w:tcPr')}/{qn('w:gridSpan')}", 1), 1)
        if not is_merge_continuation(tc):
            texts.append(tc_to_text(tc))
            grid.append((col, span))
        col += span
    return tuple(texts), tuple(grid)


def tbl_to_rows(tbl) -> list[tuple[tuple[str, ...], tuple[tuple[int, int], ...]]]:
    """Given a <w:tbl>, return its non-empty rows as (cell texts, grid positions); a merged cell
    appears once, where it starts. A table nested in a cell is read as that cell's text."""
    rows = []
    for tr in unwrapped(tbl, qn("w:tr")):
        if is_deleted_row(tr):
            continue
        texts, grid = tr_to_cells(tr)
        if any(texts):
            rows.append((texts, grid))
    return rows


def body_to_blocks(body) -> list[tuple[int | None, tuple[str, ...], tuple | None]]:
    """Given the document body, return (table index, cells, grid positions) blocks in body order."""
    blocks, tables = [], 0
    stack = list(reversed(body))
    while stack:
        el = stack.pop()
        if el.tag == qn("w:p"):
            text = clean_text(paragraph_text(el))
            if text:
                blocks.append((None, (text,), None))
        elif el.tag == qn("w:tbl"):
            for cells, grid in tbl_to_rows(el):
                blocks.append((tables, cells, grid))
            tables += 1
        elif el.tag in WRAPPERS:
            stack.extend(reversed(el))  # content controls wrap ordinary paragraphs and tables
    return blocks


def read_docx(path) -> Document:
    """Given a .docx file, return its Document: one Line per body paragraph (one cell) or table row (its cells,
    `table` numbering the table, `grid` their grid columns), in body order, text as Word shows it; meta holds
    the core properties' title and created. Page headers and footers are not part of the body. Raises
    ReportError if python-docx cannot open the file or the body holds no text."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReportError(str(path), f"not a readable .docx file: {e}") from e
    blocks = body_to_blocks(document.element.body)
    lines = tuple(
        Line(number=i, cells=cells, table=table, grid=grid) for i, (table, cells, grid) in enumerate(blocks, start=1)
    )
    if not lines:
        raise ReportError(str(path), "no text in the document body")
    props = document.core_properties
    meta = {"title": props.title or None, "created": props.created.isoformat() if props.created else None}
    return Document(path=str(path), format="docx", lines=lines, meta={k: v for k, v in meta.items() if v})


# --- Word 97 (.doc) --------------------------------------------------------------------------------

CONVERT_SECONDS = 120  # LibreOffice starts in a few seconds; a report converts in well under a minute


def read_doc(path) -> Document:
    """Read a Word 97 (.doc) report: converted to .docx by LibreOffice headless when installed (its
    table grid kept), else to text by antiword (tables as `|` rows, their grid lost); raise
    ReportError saying so when neither is on PATH or the conversion fails."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:
        return doc_by_office(Path(path), office)
    if shutil.which("antiword"):
        return doc_by_antiword(Path(path))
    raise ReportError(
        str(path), "Word 97 (.doc) document: no converter installed (LibreOffice or antiword); save it as .docx"
    )


def run_converter(path: Path, args: list[str], tool: str) -> bytes:
    """Run a converter and return its standard output, or raise ReportError with its complaint."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=CONVERT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise ReportError(str(path), f"Word 97 (.doc) document: {tool} took over {CONVERT_SECONDS} s") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ReportError(str(path), f"Word 97 (.doc) document: {tool} could not convert it: {why[0]}")
    return done.stdout


def doc_by_office(path: Path, office: str) -> Document:
    """Convert a .doc to .docx with LibreOffice headless in a scratch folder and read that."""
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(scratch, "profile").as_uri()  # its own profile: parallel workers do not share a lock
        args = [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx", "--outdir", scratch]
        run_converter(path, [*args, str(path)], "LibreOffice")
        converted = Path(scratch, path.stem + ".docx")
        if not converted.exists():
            raise ReportError(str(path), "Word 97 (.doc) document: LibreOffice wrote no .docx")
        doc = read_docx(converted)
    return replace(doc, path=str(path), notes=("converted from Word 97 (.doc) by LibreOffice", *doc.notes))


def doc_by_antiword(path: Path) -> Document:
    """Convert a .doc to UTF-8 text with antiword (one paragraph a line) and read it as text."""
    text = run_converter(path, ["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)], "antiword")
    lines = text_to_lines(text.decode("utf-8", "replace"))
    if not lines:
        raise ReportError(str(path), "Word 97 (.doc) document: antiword found no text")
    note = "converted from Word 97 (.doc) by antiword: tables as text, blank cells may be lost"
    return Document(path=str(path), format="text", lines=lines, encoding="utf-8", notes=(note,))
