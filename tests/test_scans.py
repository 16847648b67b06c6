"""Scanned PDFs: ruled tables read cell by cell from the image, never a wrong number, letters with a finding."""

from __future__ import annotations

import io
import json
from pathlib import Path

import fixtures_gen as gen
import numpy as np
import pdfplumber
import pytest

from builder.checks import check_report
from builder.parse import parse_document
from builder.sources import ocr, ocrgrid
from builder.sources.pdf import dedupe_page, read_pdf, read_scanned
from builder.template import load_template

pytest.importorskip("cv2")  # OpenCV comes with rapidocr-onnxruntime (the `ocr` extra)

SEED_000 = next(s for s in gen.seed_paths() if s.name.startswith("000"))
SEED_003 = next(s for s in gen.seed_paths() if s.name.startswith("003"))
GOLDEN = Path(__file__).parent / "golden"
TABLES = ("active_disclosure", "applications", "review_litigation")
TEMPLATE = load_template()


@pytest.fixture(scope="module")
def text_pdf(tmp_path_factory) -> Path:
    """Seed 000 as a PDF with a text layer and ruled tables (tables A, B over a page break, C)."""
    return gen.write_pdf(SEED_000.read_text(encoding="utf-8"), tmp_path_factory.mktemp("scans") / "000.pdf")


def page_words(path: Path) -> list[list[tuple]]:
    """The words of each page of a PDF with a text layer as OCR boxes (x0, top, x1, bottom, text) in pixels of
    the page rendered at ocr.DPI: what a perfect OCR engine would read."""
    zoom = ocr.DPI / 72
    with pdfplumber.open(path) as pdf:
        return [
            [(w["x0"] * zoom, w["top"] * zoom, w["x1"] * zoom, w["bottom"] * zoom, w["text"]) for w in words]
            for words in (dedupe_page(p).extract_words() for p in pdf.pages)
        ]


def read_as_scan(path: Path, monkeypatch, edit=None, reread=("", 0.0)):
    """Read a PDF with a text layer as if it were a scan: its pages rendered, ruling lines found in the images,
    the words of its text layer given as the OCR engine's boxes (changed by `edit(page number, boxes)`), and
    `reread` (text, score) as the reading of every cell read on its own. Returns (Document, cells re-read)."""
    words = page_words(path)
    pages_seen, rereads = [], []

    def boxes(image):
        pages_seen.append(1)
        found = words[len(pages_seen) - 1]
        return edit(len(pages_seen), found) if edit else found

    def read_crop(pixels):
        rereads.append(pixels.shape)
        return reread

    monkeypatch.setattr(ocr, "image_to_boxes", boxes)
    monkeypatch.setattr(ocr, "read_crop", read_crop)
    monkeypatch.setattr(ocr, "available", lambda: True)
    with pdfplumber.open(path) as pdf:
        return read_scanned(str(path), pdf.pages), rereads


def places(values: dict, table: str):
    """((table, row, column), value) of every cell of a table's values; column None for a one-number row."""
    for row, value in values.items():
        if isinstance(value, dict):
            cells = value.items()
        elif isinstance(value, list):
            cells = zip(TEMPLATE.columns(table), value, strict=True)
        else:
            cells = [(None, value)]
        for column, number in cells:
            yield (table, row, column), number


def score(report: dict, truth: dict) -> dict[str, tuple[int, list, list]]:
    """Per table: (numbers right, [cells null where a number is printed], [(cell, right, read) for every wrong
    number])."""
    out = {}
    for table in TABLES:
        read = dict(places(report[table], table))
        right, null, wrong = 0, [], []
        for place, value in places(truth[table], table):
            if read[place] == value:
                right += 1
            elif read[place] is None:
                null.append(place)
            else:
                wrong.append((place, value, read[place]))
        out[table] = (right, null, wrong)
    return out


def cell_name(place: tuple) -> str:
    """The name of a cell in a report's cell notes."""
    return ".".join(p for p in place if p is not None)


def findings_at(report: dict, rule: str) -> dict[tuple, str]:
    """{(table, row, column): message} of the report's findings of one rule."""
    found = check_report(report, TEMPLATE)
    return {(f["table"], f["row"], f["column"]): f["message"] for f in found if f["rule"] == rule}


def golden(seed: str) -> dict:
    return json.loads(next(GOLDEN.glob(f"{seed}_*.json")).read_text(encoding="utf-8"))


# --- the grid of a scanned table, from its ruling lines (OCR faked by the text layer) ---------------


def test_ruling_lines_in_the_image_give_the_tables_cells(text_pdf):
    with pdfplumber.open(text_pdf) as pdf:
        page = pdf.pages[3]  # table C: fifteen narrow columns under two header rows
        image = page.to_image(resolution=ocr.DPI).original
        scale = float(page.height) / image.height
        _mask, lines = ocrgrid.image_to_rulings(np.asarray(image.convert("L")), scale)
        (table,) = ocrgrid.find_tables(page, lines)
        drawn = page.find_tables()[0]  # the same table found from the PDF's own vector lines
        assert len(table.rows) == len(drawn.rows) and len(table.cells) == len(drawn.cells)
        for found, real in zip(sorted(table.cells), sorted(drawn.cells), strict=True):
            assert max(abs(a - b) for a, b in zip(found, real, strict=True)) < 1.5  # points


def test_a_perfectly_read_scan_gives_every_number_marked_ocr(text_pdf, monkeypatch):
    doc, rereads = read_as_scan(text_pdf, monkeypatch)
    report = parse_document(doc)
    assert score(report, golden("000")) == {
        "active_disclosure": (10, [], []),
        "applications": (175, [], []),
        "review_litigation": (15, [], []),
    }
    assert rereads == []  # every cell with ink had its box
    numbers = [place for t in TABLES for place, value in places(report[t], t) if value is not None]
    assert len(numbers) == 199 and all(report["cells"][cell_name(p)]["ocr"] is True for p in numbers)


def replace_word(old: str, new: str, page: int, nth: int = 0):
    """An edit of the OCR boxes: on `page`, the nth box reading `old` reads `new`."""

    def edit(number: int, boxes: list[tuple]) -> list[tuple]:
        if number != page:
            return boxes
        hits = [i for i, b in enumerate(boxes) if b[4] == old]
        boxes = list(boxes)
        boxes[hits[nth]] = (*boxes[hits[nth]][:4], new)
        return boxes

    return edit


@pytest.mark.parametrize(
    ("old", "new", "page", "nth", "cell", "digits"),
    [
        ("489", "l89", 1, 0, ("active_disclosure", "administrative_license", None), "189"),
        ("0", "O", 4, 2, ("review_litigation", "review", "other"), "0"),
        ("0", "S", 4, 14, ("review_litigation", "litigation_after_review", "total"), "5"),
        ("0", "D", 3, 0, ("applications", "granted", "natural_person"), "0"),
        ("0", "I", 3, 6, ("applications", "granted", "total"), "1"),
    ],
)
def test_letters_ocr_gives_for_digits_are_null_with_a_finding(text_pdf, monkeypatch, old, new, page, nth, cell, digits):
    doc, _ = read_as_scan(text_pdf, monkeypatch, replace_word(old, new, page, nth))
    report = parse_document(doc)
    table, row, column = cell
    assert dict(places(report[table], table))[cell] is None
    message = findings_at(report, "cell-unreadable")[cell]
    assert f"“{new}”" in message and f"或为 {digits}" in message
    _right, null, wrong = score(report, golden("000"))[table]
    assert (null, wrong) == ([cell], [])


def merge_boxes(page: int, text: str, first: int):
    """An edit of the OCR boxes: on `page`, the boxes reading `text` number first and first + 1 become one box
    reading both texts run together (`00`), as OCR reads two narrow cells side by side."""

    def edit(number: int, boxes: list[tuple]) -> list[tuple]:
        if number != page:
            return boxes
        hits = [i for i, b in enumerate(boxes) if b[4] == text]
        a, b = boxes[hits[first]], boxes[hits[first + 1]]
        merged = (a[0], min(a[1], b[1]), b[2], max(a[3], b[3]), a[4] + b[4])
        return [box for i, box in enumerate(boxes) if i not in (hits[first], hits[first + 1])] + [merged]

    return edit


def test_a_box_across_a_ruling_is_never_one_number(text_pdf, monkeypatch):
    """`0` `0` in two cells read as one box `00`: neither cell takes it; both are read again on their own."""
    doc, rereads = read_as_scan(text_pdf, monkeypatch, merge_boxes(4, "0", 5), reread=("0", 0.99))
    report = parse_document(doc)
    assert len(rereads) == 2
    assert score(report, golden("000"))["review_litigation"] == (15, [], [])
    doc, _ = read_as_scan(text_pdf, monkeypatch, merge_boxes(4, "0", 5), reread=("8", 0.3))  # unsure: unreadable
    report = parse_document(doc)
    assert report["review_litigation"]["litigation_direct"][:2] == [None, None]
    assert ("review_litigation", "litigation_direct", "upheld") in findings_at(report, "cell-unreadable")
    right, null, wrong = score(report, golden("000"))["review_litigation"]
    assert (right, len(null), wrong) == (13, 2, [])


def test_a_cell_is_blank_only_without_ink():
    page = np.full((200, 400), 255, dtype=np.uint8)
    page[80:120, 300:306] = 0  # a `1` in the second cell, which the page's detection missed
    image = ocrgrid.PageImage(page, 0.36)
    read = []

    def reader(pixels):
        read.append(pixels.shape)
        return ("1", 0.95)

    assert ocrgrid.cell_text((0, 0, 72, 72), [], image, reader) == ""
    assert ocrgrid.cell_text((72, 0, 144, 72), [], image, reader) == "1"
    assert len(read) == 1
    assert ocrgrid.cell_text((72, 0, 144, 72), [], image, lambda pixels: ("1", 0.2)) == ocrgrid.UNREADABLE


# --- real OCR (rapidocr) on scans of the seeds ------------------------------------------------------

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="rapidocr-onnxruntime not installed")


@pytest.fixture(scope="module")
def scan_000(text_pdf, tmp_path_factory):
    """Seed 000 printed, scanned at 150 dpi (no text layer) and read by rapidocr: (Document, seconds per page)."""
    path = gen.write_scanned_pdf(text_pdf, tmp_path_factory.mktemp("scan") / "scan_000.pdf")
    seconds: list[float] = []
    hook, ocr.page_hook = ocr.page_hook, lambda _path, _page, _pages, took: seconds.append(took)
    try:
        return read_pdf(path), seconds
    finally:
        ocr.page_hook = hook


@needs_ocr
@pytest.mark.ocr
def test_scan_of_seed_000_gives_no_wrong_number(scan_000):
    doc, seconds = scan_000
    assert doc.notes[0] == "scanned: no text layer, 5 pages"
    assert all(line.ocr for line in doc.lines) and len(seconds) == 5
    assert "三、收到和处理政府信息公开申请情况" in [line.text for line in doc.lines]
    report = parse_document(doc)
    assert (report["agency"], report["year"]) == ("中卫市沙坡头区卫生健康局", 2023)
    measured = score(report, golden("000"))
    assert [wrong for _, _, wrong in measured.values()] == [[], [], []]
    # measured: 200 of 200 right (10, 175, 15); a little slack for another onnxruntime's readings
    assert sum(right for right, _, _ in measured.values()) >= 195
    unreadable = findings_at(report, "cell-unreadable")
    assert all(place in unreadable for _, null, _ in measured.values() for place in null)


def grid_rows(doc, first_page: int = 1) -> dict[int, list[dict]]:
    """{page: [{grid place: cell text} per table row, top to bottom]}, pages numbered from `first_page`."""
    rows: dict[int, list[dict]] = {}
    for line in doc.lines:
        if line.grid is not None:
            rows.setdefault(line.page + first_page - 1, []).append(dict(zip(line.grid, line.cells, strict=True)))
    return rows


@needs_ocr
@pytest.mark.ocr
def test_scan_of_seed_003_tables_reads_its_numbers_or_nothing(tmp_path):
    """Seed 003 (the earlier template): the two pages holding the end of table A and table B, with 23 numbers
    that are not 0, scanned and OCR'd, give every number of their table rows as the text layer prints it, or
    no number at all."""
    text = gen.write_pdf(SEED_003.read_text(encoding="utf-8"), tmp_path / "003.pdf")
    scan = read_pdf(gen.write_scanned_pdf(text, tmp_path / "scan_003.pdf", first=2, last=3))
    printed, read = grid_rows(read_pdf(text)), grid_rows(scan, first_page=2)
    right, wrong = 0, []
    for page, rows in read.items():
        assert len(rows) == len(printed[page])  # the rulings give the rows the PDF's own lines give
        for scanned, truth in zip(rows, printed[page], strict=True):
            for place, cell in scanned.items():
                if ocr.is_number(cell):
                    right += cell == truth.get(place)
                    wrong += [(page, place, cell, truth.get(place))] if cell != truth.get(place) else []
    assert wrong == []
    assert right >= 45  # measured: all 48 numbers of the two pages (26 + 22) right


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as the build's stderr is when run by hand."""

    def isatty(self) -> bool:
        return True


def test_ocr_progress_shows_pages_and_seconds_per_page():
    log = io.StringIO()
    hook = ocr.progress_hook(log)
    hook("data/reports/scan.pdf", 1, 2, 12.34)
    assert log.getvalue() == "  OCR scan.pdf: page 1/2, 12.3 s\n"
    screen = Terminal()
    hook = ocr.progress_hook(screen)
    hook("data/reports/scan.pdf", 1, 2, 10.0)
    hook("data/reports/scan.pdf", 2, 2, 14.0)
    shown = screen.getvalue()
    assert "OCR scan.pdf" in shown and "2/2" in shown and "12.0 s/page" in shown
