"""Read a PDF report into a Document through pdfplumber: narrative lines, table rows, OCR for scans."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, replace

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.page import DerivedPage
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
# What pdfminer gives for a glyph it cannot map to Unicode. A font with more than UNMAPPED_CID of its
# chars so has no Unicode map; a PDF with more than UNMAPPED_SHARE of its text in such fonts is read by OCR.
CID = re.compile(r"^\(cid:\d+\)$")
UNMAPPED_CID = 0.05
UNMAPPED_SHARE = 0.2


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
    grid: tuple[tuple[int, int], ...] | None = None  # (first column, span) per cell of a ruled table row
    spans: tuple[tuple[float, float], ...] = ()  # each cell's left and right x, for OCR'd rows


def cell_to_text(cell: str | None) -> str:
    """Given a cell from pdfplumber, return its text with wrapped lines (one char a line) joined."""
    return re.sub(r"[ \t\u00a0\u3000]+", " ", join_wrapped((cell or "").split("\n"))).strip()


def table_to_items(table, page_number: int, index: int, texts: list | None = None) -> list[Item]:
    """Given a pdfplumber Table, return one Item per non-empty row with each cell's grid columns;
    merged cells appear once, where they start. `texts` gives the cells' text as table.extract() does
    (OCR'd tables of a scan); by default the table's own text layer."""
    edges = sorted({cell[0] for cell in table.cells})  # the left edges of the table's grid columns
    items = []
    for row, cells in zip(table.rows, table.extract() if texts is None else texts, strict=True):
        # None marks a position covered by a merged cell; "" is a real, blank cell.
        placed = [
            (cell_to_text(c), bbox_to_columns(box, edges))
            for c, box in zip(cells, row.cells, strict=True)
            if c is not None
        ]
        if any(text for text, _ in placed):
            x0, top, x1, bottom = row.bbox
            texts, grid = tuple(t for t, _ in placed), tuple(g for _, g in placed)
            items.append(Item(page_number, top, bottom, x0, x1, texts, (page_number, index), grid=grid))
    return items


def bbox_to_columns(bbox: tuple, edges: list[float]) -> tuple[int, int]:
    """Given a cell's bbox and the table's column left edges, return (first column, columns spanned)."""
    first = edges.index(bbox[0])
    return first, max(sum(1 for x in edges if bbox[0] <= x < bbox[2] - 0.5), 1)


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
    marked = [replace(it, table=("gap", it.page, run)) for it in block]
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
    """Given ordered items of all pages, return Lines; a table continued on the next page keeps its
    number, and its grid columns are counted from the right edge of the part before the break."""
    lines: list[Line] = []
    numbers: dict = {}
    ends = grid_ends(items)
    shifts: dict = {}
    prev = None
    for it in items:
        table = None
        if it.table is not None:
            if it.table not in numbers:
                joined = continues_table(prev, it)
                numbers[it.table] = numbers[prev.table] if joined else max(numbers.values(), default=-1) + 1
                if joined and it.table in ends and prev.table in ends:
                    shifts[it.table] = shifts.get(prev.table, 0) + ends[prev.table] - ends[it.table]
                if joined and repeats_first_row(lines, numbers[it.table], it.cells):
                    prev = it
                    continue  # the header row Word repeats at the top of each page
            table = numbers[it.table]
        grid = shift_grid(it.grid, shifts.get(it.table, 0))
        lines.append(Line(number=len(lines) + 1, cells=it.cells, page=it.page, table=table, ocr=ocr, grid=grid))
        prev = it
    return tuple(lines)


def grid_ends(items: list[Item]) -> dict:
    """Given items, return {source table: the right edge of its grid} for the tables with a grid."""
    ends: dict = {}
    for it in items:
        if it.grid:
            ends[it.table] = max(ends.get(it.table, 0), max(start + span for start, span in it.grid))
    return ends


def shift_grid(grid: tuple | None, shift: int) -> tuple | None:
    """Given a row's grid ((first column, span) per cell) or None, return it with every first column moved by
    `shift` (negative: left), so the part of a table on the next page lines up by its right edge with the part
    before the page break."""
    return tuple((start + shift, span) for start, span in grid) if grid and shift else grid


def repeats_first_row(lines: list[Line], table: int, cells: tuple[str, ...]) -> bool:
    """Given the lines so far, a table number and a row's cells, return True when the row repeats that table's
    first row and holds no number: the header row Word repeats at the top of a continued table's page."""
    first = next((line for line in lines if line.table == table), None)
    return first is not None and first.cells == cells and not any(NUMBER.match(c) for c in cells)


def duplicate_chars(chars: list[dict], tolerance: float = 1.0, overlap: float = 0.05) -> set[int]:
    """Given a page's chars, return the ids of those repeating an earlier char over it.

    Fake-bold and shadowed text prints each character two or more times, shifted by a fraction of
    a point up to almost the glyph's width: a copy is the same character in the same font and size,
    on the same line (within `tolerance` points), overlapping the earlier one by more than
    `overlap` points. The same character printed twice side by side (`11`, `——`) does not overlap.
    pdfplumber's dedupe_chars sorts every char; bucketing by position keeps this linear.
    """
    buckets: dict[tuple, list[dict]] = {}
    drop = set()
    for i, ch in enumerate(chars):
        size = max(ch.get("size", 0), 1.0)
        bx, by = int(ch["x0"] // size), int(ch["top"] // tolerance)
        key = (ch["text"], ch.get("fontname"), round(ch.get("size", 0), 1))
        near = (c for dx in (-1, 0, 1) for dy in (-1, 0, 1) for c in buckets.get((*key, bx + dx, by + dy), ()))
        first = next((c for c in near if is_copy(c, ch, tolerance, overlap)), None) if ch["text"].strip() else None
        if first is not None and not is_kerned_pair(chars, i, first, tolerance, drop):
            drop.add(id(ch))
        else:
            buckets.setdefault((*key, bx, by), []).append(ch)
    return drop


def is_kerned_pair(chars: list[dict], i: int, first: dict, tolerance: float, drop: set[int]) -> bool:
    """Whether chars[i], which overlaps the same character `first` by less than half its width, is the next
    character of a kerned pair (`11` printed by a browser, the second `1` pulled 0.5 pt into the first), not a
    fake-bold copy. The text after it tells: a copy does not advance the line (the next character starts where
    `first` ends), a real character does (the next starts where it ends). At the end of a line, a copy is one of
    a run whose character before was drawn twice too."""
    later = chars[i]
    width = min(first["x1"] - first["x0"], later["x1"] - later["x0"])
    if abs(later["x0"] - first["x0"]) < width / 2:
        return False  # overlapping by more than half a glyph: no font kerns that far
    after = chars[i + 1] if i + 1 < len(chars) else None
    if after is not None and abs(after["top"] - later["top"]) <= tolerance and after["text"].strip():
        from_later, from_first = abs(after["x0"] - later["x1"]), abs(after["x0"] - first["x1"])
        if min(from_later, from_first) <= tolerance:
            return from_later < from_first
    before = chars[i - 2] if i >= 2 and chars[i - 1] is first else None
    return before is None or id(before) not in drop


def is_copy(first: dict, later: dict, tolerance: float, overlap: float) -> bool:
    """Whether `later` is `first` printed again a little aside: same line, the two glyphs overlapping."""
    width = min(first["x1"] - first["x0"], later["x1"] - later["x0"])
    shift = abs(later["x0"] - first["x0"])
    return abs(later["top"] - first["top"]) <= tolerance and (shift < width - overlap or shift <= tolerance)


class TurnedPage(DerivedPage):
    """A page whose content is printed sideways, turned a quarter so that its text runs left to
    right: `clockwise` for text that runs up the page (the usual landscape table on a portrait page)."""

    def __init__(self, parent_page, clockwise: bool):
        x0, top, x1, bottom = parent_page.bbox
        self.bbox = (0, 0, bottom - top, x1 - x0)
        self.clockwise = clockwise
        self.origin = (x0, top, x1 - x0, bottom - top)
        super().__init__(parent_page)

    @property
    def objects(self) -> dict:
        """The parent page's objects ({kind: [object dicts]}, as pdfplumber keeps them) turned, computed once."""
        if not hasattr(self, "_objects"):
            self._objects = {k: [self.turn(o) for o in v] for k, v in self.parent_page.objects.items()}
        return self._objects

    def turn_point(self, x: float, top: float) -> tuple[float, float]:
        """A point (from the left, from the top) of the parent page, on the turned page."""
        x0, top0, width, height = self.origin
        x, top = x - x0, top - top0
        return (height - top, x) if self.clockwise else (top, width - x)

    def turn(self, obj: dict) -> dict:
        """An object of the parent page with its geometry turned (and chars made upright)."""
        (ax, at), (bx, bt) = self.turn_point(obj["x0"], obj["top"]), self.turn_point(obj["x1"], obj["bottom"])
        x0, x1, top, bottom = min(ax, bx), max(ax, bx), min(at, bt), max(at, bt)
        page_height = self.bbox[3]
        out = {**obj, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}
        out.update(y0=page_height - bottom, y1=page_height - top, doctop=self.initial_doctop + top)
        if "pts" in obj:
            out["pts"] = [self.turn_point(x, t) for x, t in obj["pts"]]
        if obj.get("object_type") == "char":
            out["upright"] = True
        return out


def upright_page(page):
    """Given a page, return it turned upright when most of its text is printed sideways, else as is."""
    sideways = [ch for ch in page.chars if not ch.get("upright", True) and ch["text"].strip()]
    if len(sideways) <= len(page.chars) / 2:
        return page
    ups = sum(1 for ch in sideways if ch["matrix"][1] > 0)  # text direction (a, b) pointing up the page
    return TurnedPage(page, clockwise=ups >= len(sideways) / 2)


def dedupe_page(page):
    """Given a pdfplumber page, return it without duplicated (bold/shadow) characters."""
    drop = duplicate_chars(page.chars)
    return page.filter(lambda obj: id(obj) not in drop) if drop else page


def read_pdf(path) -> Document:
    """Given a PDF file, return its Document through pdfplumber: one Line per text line (paragraphs wrapped at
    the margin joined) or table row (ruled, with its grid columns; or unruled and read by the gaps), pages
    printed sideways turned upright, page numbers and running headers/footers dropped, `page` set; meta holds
    title, created and pages. A scan without any text layer, or text mostly in fonts with no Unicode map, is
    read by OCR (read_scanned, read_unmapped). Raises ReportError if pdfplumber cannot open or read it, or it
    holds no text."""
    try:
        pdf = pdfplumber.open(path)
    except (PdfminerException, PDFSyntaxError, OSError, ValueError) as e:
        raise ReportError(str(path), f"not a readable PDF: {e}") from e
    with pdf:
        try:
            pages = [dedupe_page(upright_page(p)) for p in pdf.pages]
            empty = [i + 1 for i, p in enumerate(pages) if not p.chars]
            if pages and len(empty) == len(pages):
                return read_scanned(path, pages)
            unmapped = unmapped_fonts(pages)
            if unmapped_share(pages, unmapped) > UNMAPPED_SHARE:
                return read_unmapped(path, pages, unmapped)
            if unmapped:
                pages = [p.filter(lambda obj: obj.get("fontname") not in unmapped) for p in pages]
            per_page = [page_to_items(p, i + 1) for i, p in enumerate(pages)]
        except PdfminerException as e:
            raise ReportError(str(path), f"not a readable PDF: {e}") from e
        heights = [float(p.height) for p in pages]
    per_page, dropped = drop_running_lines(per_page, heights)
    per_page = join_lone_rows(per_page)
    items = [it for page in per_page for it in mark_unruled_tables(page)]
    notes = [f"font(s) with no Unicode map left out: {', '.join(sorted(unmapped))}"] if unmapped else []
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


def ocr_grids(items: list[Item]) -> list[Item]:
    """Given OCR'd items with tables marked, return them with each table row's grid columns, found
    from where the table's numbers line up (ocr.rows_to_grid)."""
    from builder.sources.ocr import rows_to_grid

    tables: dict = {}
    for i, it in enumerate(items):
        if it.table is not None and len(it.spans) == len(it.cells):
            tables.setdefault(it.table, []).append(i)
    out = list(items)
    for members in tables.values():
        sizes = sorted(items[i].size for i in members if any(NUMBER.match(c) for c in items[i].cells))
        gap = sizes[len(sizes) // 2] if sizes else 0.0  # the height of a line of numbers
        grids = rows_to_grid([(items[i].cells, items[i].spans) for i in members], gap)
        for i, grid in zip(members, grids, strict=True):
            out[i] = replace(items[i], grid=grid)
    return out


def unmapped_fonts(pages) -> set[str]:
    """Given pages, return the fonts with no Unicode map: pdfminer gives some of their chars as
    `(cid:N)` (more than UNMAPPED_CID of them), and the rest are guesses from the glyph codes, even
    digits. None of their chars can be trusted."""
    seen: Counter = Counter()
    cids: Counter = Counter()
    for page in pages:
        for ch in page.chars:
            seen[ch.get("fontname")] += 1
            cids[ch.get("fontname")] += bool(CID.match(ch["text"]))
    return {font for font, n in cids.items() if n > UNMAPPED_CID * seen[font]}


def unmapped_share(pages, fonts: set[str]) -> float:
    """The share of the pages' printed chars that are in `fonts`."""
    chars = [ch for page in pages for ch in page.chars if ch["text"].strip()]
    return sum(ch.get("fontname") in fonts for ch in chars) / max(len(chars), 1)


def read_unmapped(path, pages, fonts: set[str]) -> Document:
    """Given the pages of a PDF whose text is mostly in fonts with no Unicode map, read them by OCR
    as a scan, or raise saying why the text cannot be read."""
    names = ", ".join(sorted({f.split("+")[-1] for f in fonts}))  # a subset's tag (AAAAAB+) is not its name
    note = f"fonts have no Unicode map ({names}): the text layer cannot be read"
    doc = read_scanned(path, pages, note)
    if not doc.lines:
        raise ReportError(str(path), f"{note}, and OCR found no text")
    return doc


def read_scanned(path, pages, note: str | None = None) -> Document:
    """Given the pages of a PDF without any (readable) text, OCR them, or raise saying why that was
    impossible; `note` says why OCR is needed (default: a scan, no text layer). Tables drawn with ruling
    lines are read cell by cell in their grid (ocr_page); the rest as rows of text whose tables are
    placed by where their numbers line up (ocr_grids)."""
    scanned = note is None
    note = note or f"scanned: no text layer, {len(pages)} page{'s' if len(pages) != 1 else ''}"
    from builder.sources import ocr  # onnxruntime is heavy: load it only for scans

    if not ocr.available():
        raise ReportError(str(path), f"{note}; no OCR engine installed ({ocr.ENGINE})")
    by_page = []
    for number, page in enumerate(pages, start=1):
        started = time.monotonic()
        by_page.append(ocr_page(page.root_page, number))  # rendered as printed: OCR reads each page as it stands
        ocr.page_done(str(path), number, len(pages), time.monotonic() - started)
    by_page, _ = drop_running_lines(by_page, [float(p.height) for p in pages])
    marked = ocr_grids([it for page in by_page for it in mark_unruled_tables(page)])
    lines = items_to_lines(join_paragraphs(marked), ocr=True)
    notes = (note, f"read by OCR ({ocr.ENGINE}); every cell is OCR-read and may be wrong")
    meta = {"pages": len(pages), "scanned": scanned, "ocr": True}
    return Document(path=str(path), format="pdf", lines=lines, notes=notes, meta=meta)


def ocr_page(page, number: int) -> list[Item]:
    """Given a pdfplumber page without readable text and its 1-based number, return its Items top to bottom,
    read by OCR: each table drawn with ruling lines (found in the image, see builder.sources.ocrgrid) as rows of
    cells with their grid columns, its rulings erased before OCR so that no line reads as a `1`; the text
    outside them as rows of text boxes."""
    import numpy as np

    from builder.sources import ocr, ocrgrid

    image = page.to_image(resolution=ocr.DPI).original
    scale = float(page.height) / image.height
    gray = np.asarray(image.convert("L"))
    mask, rulings = ocrgrid.image_to_rulings(gray, scale)
    tables = ocrgrid.find_tables(page, rulings)
    if tables:
        gray = gray.copy()
        for x0, top, x1, bottom in (tuple(int(v / scale) for v in t.bbox) for t in tables):
            area = (slice(top, bottom + 2), slice(x0, x1 + 2))
            gray[area][mask[area] > 0] = 255
    boxes = [ocrgrid.Box(*(v * scale for v in b[:4]), *b[4:]) for b in ocr.image_to_boxes(gray)]
    picture = ocrgrid.PageImage(gray, scale)
    items = []
    for index, table in enumerate(tables):
        texts = ocrgrid.table_texts(table, boxes, picture, ocr.read_crop)
        items += table_to_items(table, number, index, texts)
    inside = {id(b) for t in tables for cell in t.cells for b in ocrgrid.boxes_in(boxes, cell)}  # the rest: text
    rest = [(b.x0, b.top, b.x1, b.bottom, b.text) for b in boxes if id(b) not in inside]
    for row in ocr.boxes_to_rows(rest):
        items.append(Item(number, row.bbox[1], row.bbox[3], row.bbox[0], row.bbox[2], row.cells, None, row.height,
                          spans=row.spans))  # fmt: skip
    return sorted(items, key=lambda it: (round(it.top, 1), it.x0))
