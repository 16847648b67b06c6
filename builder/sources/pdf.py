"""Read a PDF report into a Document through pdfplumber: narrative lines, table rows, OCR for scans."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from builder.model import Document, Line, ReportError
from builder.sources.text import join_wrapped

# Where running headers and footers live, as a share of the page height.
MARGIN_SHARE = 0.08
PAGE_NUMBER = re.compile(
    r"^[-—–－\s第]*\d+\s*[页/／]?\s*(共\s*\d+\s*页)?[-—–－\s]*$|^[-—–－\s]*[ivxlcIVXLC]+[-—–－\s]*$"
)
HEADING = re.compile(r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])")
ORDINAL = re.compile(r"^\s*[一二三四五六七八九十]+、")
NUMBER = re.compile(r"^[?？]?[-+]?\d[\d,，]*(\.\d+)?[?？%]?$")
# A gap this many font sizes wide splits a line without ruling into table cells.
CELL_GAP_EM = 1.5


@dataclass
class Item:
    """A line of text or a table row on one page, with the geometry needed to order and join it."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    cells: tuple[str, ...]
    table: tuple | None = None  # (page, index on page) or ("gap", page, run) for unruled tables
    size: float = 10.0
    boxed: bool = False  # a text line with ruling on four sides: a one-row table pdfplumber skips


def cell_to_text(cell: str | None) -> str:
    """Given a cell from pdfplumber, return its text with wrapped lines (one char a line) joined."""
    return re.sub(r"[ \t\u00a0\u3000]+", " ", join_wrapped((cell or "").split("\n"))).strip()


def table_to_items(table, page_number: int, index: int) -> list[Item]:
    """Given a pdfplumber Table, return one Item per non-empty row; merged cells appear once."""
    items = []
    for row, cells in zip(table.rows, table.extract(), strict=True):
        # None marks a position covered by a merged cell; "" is a real, blank cell.
        texts = tuple(cell_to_text(c) for c in cells if c is not None)
        if any(texts):
            x0, top, x1, bottom = row.bbox
            items.append(Item(page_number, top, bottom, x0, x1, texts, (page_number, index)))
    return items


def chars_to_segments(chars: list[dict]) -> list[str]:
    """Given the chars of one text line, return its pieces split where the gap is wider than a cell gap."""
    segments, current, last = [], [], None
    for ch in chars:
        if not ch["text"].strip():
            continue
        if last is not None and ch["x0"] - last["x1"] > CELL_GAP_EM * max(ch["size"], 1):
            segments.append("".join(current))
            current = []
        current.append(ch["text"])
        last = ch
    if current:
        segments.append("".join(current))
    return segments


def text_line_to_item(line: dict, page_number: int) -> Item:
    """Given a line from pdfplumber's extract_text_lines(return_chars=True) and its 1-based page number, return
    an Item: one cell per gap-separated piece (see chars_to_segments), else the line's text as one cell; its
    size is the line's commonest font size in points (10 when it has no visible char)."""
    segments = chars_to_segments(line["chars"])
    sizes = [c["size"] for c in line["chars"] if c["text"].strip()]
    size = max(Counter(round(s, 1) for s in sizes).most_common(1)[0][0], 1) if sizes else 10.0
    cells = tuple(segments) if len(segments) > 1 else (line["text"].strip(),)
    return Item(page_number, line["top"], line["bottom"], line["x0"], line["x1"], cells, None, size)


def page_to_items(page, page_number: int) -> list[Item]:
    """Given a pdfplumber page (deduplicated), return its text lines and table rows, top to bottom."""
    tables = page.find_tables()
    items = [item for i, t in enumerate(tables) for item in table_to_items(t, page_number, i)]
    boxes = [t.bbox for t in tables]

    def outside_tables(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    rest = page.filter(outside_tables) if boxes else page
    texts = [
        text_line_to_item(line, page_number)
        for line in rest.extract_text_lines(return_chars=True, strip=True)
        if line["text"].strip()
    ]
    items = sorted(items + texts, key=lambda it: (round(it.top, 1), it.x0))
    # Only lines at either end of a page (before its header/footer are dropped) can be a table row
    # cut off by the page break.
    ends = {id(it) for it in items[:3] + items[-3:]}
    edges = None
    for i, it in enumerate(items):
        if id(it) in ends and it.table is None:
            edges = page.edges if edges is None else edges
            items[i] = replace(it, boxed=is_boxed(it, edges))
    return items


def is_boxed(item: Item, edges: list[dict]) -> bool:
    """Whether ruling lines close a text line in on all four sides (above and below, a cell's padding away)."""
    reach = 3 * item.size
    h = [e for e in edges if e["orientation"] == "h" and e["x0"] <= item.x0 + 1 and e["x1"] >= item.x1 - 1]
    v = [e for e in edges if e["orientation"] == "v" and e["top"] <= item.top + 1 and e["bottom"] >= item.bottom - 1]
    return (
        any(item.top - reach <= e["top"] <= item.top + 1 for e in h)
        and any(item.bottom - 1 <= e["top"] <= item.bottom + reach for e in h)
        and any(e["x0"] <= item.x0 + 1 for e in v)
        and any(e["x0"] >= item.x1 - 1 for e in v)
    )


def join_lone_rows(pages: list[list[Item]]) -> list[list[Item]]:
    """Given items per page, return them with a boxed line next to a table across a page break made a row.

    pdfplumber does not report a table of one cell, so the one row of a table left before or
    after a page break comes out as a text line.
    """
    pages = [list(p) for p in pages]
    for a, b in zip(pages, pages[1:], strict=False):
        if not a or not b:
            continue
        last, first = a[-1], b[0]
        if last.boxed and first.table is not None and first.table[0] != "gap":
            a[-1] = replace(last, table=(last.page, "box"))
        elif first.boxed and last.table is not None and last.table[0] != "gap":
            b[0] = replace(first, table=(first.page, "box"))
    return pages


def is_margin(item: Item, height: float) -> bool:
    """Given an item and its page height (points), return True when it is a text line (not a table row) in the
    top or bottom MARGIN_SHARE (8%) of the page, where running headers, footers and page numbers live."""
    return item.table is None and (item.bottom < height * MARGIN_SHARE or item.top > height * (1 - MARGIN_SHARE))


def running_key(item: Item) -> str:
    """A margin line's text with its digits masked, so that 第1页 and 第2页 count as the same line."""
    return re.sub(r"\d+", "#", "".join(item.cells)).replace(" ", "")


def drop_running_lines(pages: list[list[Item]], heights: list[float]) -> tuple[list[list[Item]], int]:
    """Given the items of each page, return them without page numbers and repeated headers/footers."""
    seen = Counter(
        k for page, h in zip(pages, heights, strict=True) for k in {running_key(it) for it in page if is_margin(it, h)}
    )
    kept, dropped = [], 0
    for page, h in zip(pages, heights, strict=True):
        keep = []
        for it in page:
            repeated = len(pages) > 1 and seen[running_key(it)] > 1
            running = is_margin(it, h) and (PAGE_NUMBER.match(" ".join(it.cells)) or repeated)
            if running:
                dropped += 1
            else:
                keep.append(it)
        kept.append(keep)
    return kept, dropped


def mark_unruled_tables(items: list[Item]) -> list[Item]:
    """Given a page's items, return them with runs of multi-cell text lines marked as one table.

    Such runs are tables drawn without ruling lines; a one-cell label between two rows of a run
    (第二十条第（五）项) belongs to it, a section heading (三、…) does not.
    """
    multi = [it.table is None and len(it.cells) > 1 for it in items]
    out, run, start = list(items), 0, None
    for i, it in enumerate(items):
        if multi[i]:
            start = i if start is None else start
            continue
        bridge = it.table is None and start is not None and not ORDINAL.match(it.cells[0])
        bridge = bridge and any(multi[i + 1 : i + 3])
        if start is not None and not bridge:
            out = mark_run(out, start, i, run)
            run, start = run + 1, None
    if start is not None:
        out = mark_run(out, start, len(items), run)
    return out


def mark_run(items: list[Item], start: int, end: int, run: int) -> list[Item]:
    """Given a page's items and a run items[start:end], return the items with the run marked as unruled table
    ("gap", page, run), but only if it has at least two multi-cell lines and a cell that is a number;
    otherwise the items unchanged."""
    block = items[start:end]
    if sum(len(it.cells) > 1 for it in block) < 2 or not any(NUMBER.match(c) for it in block for c in it.cells):
        return items  # a lone gapped line (a signature, a date) is narrative, not a table
    marked = [Item(it.page, it.top, it.bottom, it.x0, it.x1, it.cells, ("gap", it.page, run), it.size) for it in block]
    return items[:start] + marked + items[end:]


def join_paragraphs(items: list[Item]) -> list[Item]:
    """Given text items in order, return them with lines wrapped at the right margin joined.

    A line continues the previous one when the previous reached the right edge of the text and
    this one is neither indented nor a heading; this also rejoins a paragraph broken by a page.
    """
    pages = {i.page for i in items}
    right = {p: max((it.x1 for it in items if it.page == p and it.table is None), default=0) for p in pages}
    left = {p: min((it.x0 for it in items if it.page == p and it.table is None), default=0) for p in pages}
    out: list[Item] = []
    for it in items:
        prev = out[-1] if out else None
        joinable = prev is not None and prev.table is None and it.table is None
        joinable = joinable and prev.x1 >= right[prev.page] - 1.5 * prev.size
        joinable = joinable and it.x0 <= left[it.page] + 0.5 * it.size and not HEADING.match(it.cells[0])
        if joinable:
            text = join_wrapped([prev.cells[0], it.cells[0]])
            out[-1] = Item(prev.page, prev.top, it.bottom, prev.x0, it.x1, (text,), None, prev.size)
        else:
            out.append(it)
    return out


def continues_table(prev: Item | None, it: Item) -> bool:
    """Whether a table's first row follows, as the first thing on its page, a row ending the previous page."""
    if prev is None or prev.table is None or prev.page != it.page - 1:
        return False
    return (prev.table[0] == "gap") == (it.table[0] == "gap")


def items_to_lines(items: list[Item], ocr: bool = False) -> tuple[Line, ...]:
    """Given ordered items of all pages, return Lines; a table continued on the next page keeps its number."""
    lines: list[Line] = []
    numbers: dict = {}
    prev = None
    for it in items:
        table = None
        if it.table is not None:
            if it.table not in numbers:
                joined = continues_table(prev, it)
                numbers[it.table] = numbers[prev.table] if joined else max(numbers.values(), default=-1) + 1
                if joined and repeats_first_row(lines, numbers[it.table], it.cells):
                    prev = it
                    continue  # the header row Word repeats at the top of each page
            table = numbers[it.table]
        lines.append(Line(number=len(lines) + 1, cells=it.cells, page=it.page, table=table, ocr=ocr))
        prev = it
    return tuple(lines)


def repeats_first_row(lines: list[Line], table: int, cells: tuple[str, ...]) -> bool:
    """Given the lines so far, a table number and a row's cells, return True when the row repeats that table's
    first row and holds no number: the header row Word repeats at the top of a continued table's page."""
    first = next((line for line in lines if line.table == table), None)
    return first is not None and first.cells == cells and not any(NUMBER.match(c) for c in cells)


def duplicate_chars(chars: list[dict], tolerance: float = 1.0) -> set[int]:
    """Given a page's chars, return the ids of those repeating an earlier char within `tolerance` points.

    Fake-bold and shadowed text prints each character two or more times, a fraction of a point
    apart. pdfplumber's dedupe_chars does the same job but sorts every char; bucketing by position
    keeps this linear, which is most of the gap to the bare extract_text floor.
    """
    buckets: dict[tuple, list[dict]] = {}
    drop = set()
    for ch in chars:
        bx, by = int(ch["x0"] // tolerance), int(ch["top"] // tolerance)
        key = (ch["text"], ch.get("fontname"), round(ch.get("size", 0), 1))
        near = (c for dx in (-1, 0, 1) for dy in (-1, 0, 1) for c in buckets.get((*key, bx + dx, by + dy), ()))
        close = (abs(c["x0"] - ch["x0"]) <= tolerance and abs(c["top"] - ch["top"]) <= tolerance for c in near)
        if ch["text"].strip() and any(close):
            drop.add(id(ch))
        else:
            buckets.setdefault((*key, bx, by), []).append(ch)
    return drop


def dedupe_page(page):
    """Given a pdfplumber page, return it without duplicated (bold/shadow) characters."""
    drop = duplicate_chars(page.chars)
    return page.filter(lambda obj: id(obj) not in drop) if drop else page


def read_pdf(path) -> Document:
    """Given a PDF file, return its Document through pdfplumber: one Line per text line (paragraphs wrapped at
    the margin joined) or table row (ruled, or unruled and read by the gaps), page numbers and running
    headers/footers dropped, `page` set; meta holds title, created and pages. A scan without any text layer is
    read by OCR (read_scanned). Raises ReportError if pdfplumber cannot open or read it, or it holds no text."""
    try:
        pdf = pdfplumber.open(path)
    except (PdfminerException, PDFSyntaxError, OSError, ValueError) as e:
        raise ReportError(str(path), f"not a readable PDF: {e}") from e
    with pdf:
        try:
            pages = [dedupe_page(p) for p in pdf.pages]
            empty = [i + 1 for i, p in enumerate(pages) if not p.chars]
            if pages and len(empty) == len(pages):
                return read_scanned(path, pages)
            per_page = [page_to_items(p, i + 1) for i, p in enumerate(pages)]
        except PdfminerException as e:
            raise ReportError(str(path), f"not a readable PDF: {e}") from e
        heights = [float(p.height) for p in pages]
    per_page, dropped = drop_running_lines(per_page, heights)
    per_page = join_lone_rows(per_page)
    items = [it for page in per_page for it in mark_unruled_tables(page)]
    notes = []
    if empty:
        notes.append(f"no text layer on page(s) {', '.join(map(str, empty))}; those pages were not read")
    if dropped:
        notes.append(f"dropped {dropped} page header/footer/page-number line(s)")
    if any(it.table and it.table[0] == "gap" for it in items):
        notes.append("table(s) without ruling lines read by the gaps between words: blank cells are not seen")
    lines = items_to_lines(join_paragraphs(items))
    if not lines:
        raise ReportError(str(path), "no text found in the PDF")
    return Document(path=str(path), format="pdf", lines=lines, notes=tuple(notes), meta=pdf_meta(pdf))


def pdf_meta(pdf) -> dict:
    """Given an open pdfplumber PDF, return {title, created, pages} from its info dictionary, blank ones left out."""
    info = pdf.metadata or {}
    meta = {"title": info.get("Title"), "created": info.get("CreationDate"), "pages": len(pdf.pages)}
    return {k: v for k, v in meta.items() if v}


def read_scanned(path, pages) -> Document:
    """Given a PDF's path and its pdfplumber pages, none with text, OCR them (builder.sources.ocr, at ocr.DPI)
    and return the Document, every Line marked `ocr`; meta {pages, scanned: True}. Raises ReportError when no OCR
    engine is installed (the `ocr` extra)."""
    note = f"scanned: no text layer, {len(pages)} page{'s' if len(pages) != 1 else ''}"
    from builder.sources import ocr  # onnxruntime is heavy: load it only for scans

    if not ocr.available():
        raise ReportError(str(path), f"{note}; no OCR engine installed ({ocr.ENGINE})")
    items = []
    for number, page in enumerate(pages, start=1):
        image = page.to_image(resolution=ocr.DPI).original
        scale = float(page.height) / image.height
        for row in ocr.image_to_rows(image):
            x0, top, x1, bottom = (v * scale for v in row.bbox)
            items.append(Item(number, top, bottom, x0, x1, row.cells, None, row.height * scale))
    by_page = [[it for it in items if it.page == n] for n in range(1, len(pages) + 1)]
    by_page, _ = drop_running_lines(by_page, [float(p.height) for p in pages])
    marked = [it for page in by_page for it in mark_unruled_tables(page)]
    lines = items_to_lines(join_paragraphs(marked), ocr=True)
    notes = (note, f"read by OCR ({ocr.ENGINE}); every cell is OCR-read and may be wrong")
    return Document(path=str(path), format="pdf", lines=lines, notes=notes, meta={"pages": len(pages), "scanned": True})
