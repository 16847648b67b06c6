"""Offline OCR of page images with rapidocr-onnxruntime, whose wheel ships its PP-OCR models."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# Read by onnxruntime when it loads: without it, it writes a device id and a database under the home
# folder (~/.cache/Microsoft/DeveloperTools/.onnxruntime/); a build writes only inside the project.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

ENGINE = "rapidocr-onnxruntime"
DPI = 200
# Boxes on one row closer than this many text heights are one cell: OCR splits long lines at spaces.
SAME_CELL_GAP = 1.0
# A digit is about half as wide as it is tall; digits spread wider than this many heights each are
# in separate narrow columns that OCR read as one box.
WIDE_DIGIT = 1.2
NUMBER = re.compile(r"^[?？]?[-+]?\d[\d,，]*(\.\d+)?[?？%]?$")
# How much a table cell cut out of a page (at DPI) is enlarged before it is read on its own.
CROP_ZOOM = 2
# Told of every page OCR'd: (file, page, pages, seconds it took). The build sets it to show OCR in its
# progress bar (builder.build.terminal_progress); a worker forked after that inherits it.
page_hook: Callable[[str, int, int, float], None] | None = None


@dataclass(frozen=True)
class Row:
    """One line of OCR'd text: its box, its cells (boxes far apart) and each cell's left and right x."""

    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels
    cells: tuple[str, ...]
    height: float
    spans: tuple[tuple[float, float], ...] = ()


def available() -> bool:
    """Return True when rapidocr-onnxruntime (the `ocr` extra) can be imported, so scanned PDFs can be read."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def engine():
    """Return the rapidocr RapidOCR engine, made once per process (loading its PP-OCR models takes seconds).
    Raises ImportError without the `ocr` extra."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def result_to_boxes(result) -> list[tuple[float, float, float, float, str, float]]:
    """Given rapidocr's [(quad, text, score)], return (x0, top, x1, bottom, text, score) boxes."""
    boxes = []
    for quad, text, score in result or []:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        if text.strip():
            boxes.append((min(xs), min(ys), max(xs), max(ys), text.strip(), float(score)))
    return boxes


def boxes_to_rows(boxes) -> list[Row]:
    """Given text boxes, return rows: boxes whose vertical centres lie within half a box height."""
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        centre, height = (box[1] + box[3]) / 2, box[3] - box[1]
        if rows:
            last = rows[-1]
            last_centre = sum((b[1] + b[3]) / 2 for b in last) / len(last)
            if abs(centre - last_centre) <= 0.5 * height:
                last.append(box)
                continue
        rows.append([box])
    return [row_to_cells(sorted(row)) for row in rows]


def row_to_cells(row) -> Row:
    """Given the boxes of one line, left to right, return its Row: boxes closer than a text height
    are one cell, unless both are numbers (two numbers in narrow columns are two cells); a box of
    numbers separated by spaces (`0 1 0`, narrow columns read as one box) is one cell per number."""
    height = sorted(b[3] - b[1] for b in row)[len(row) // 2]
    cells, spans, last = [], [], None
    for box in (part for b in row for part in split_numbers(b)):
        both_numbers = bool(cells) and is_number(cells[-1]) and is_number(box[4])
        if last is not None and box[0] - last[2] <= SAME_CELL_GAP * height and not both_numbers:
            cells[-1] += box[4]
            spans[-1] = (spans[-1][0], box[2])
        else:
            cells.append(box[4])
            spans.append((box[0], box[2]))
        last = box
    bbox = (min(b[0] for b in row), min(b[1] for b in row), max(b[2] for b in row), max(b[3] for b in row))
    return Row(bbox, tuple(cells), height, tuple(spans))


def split_numbers(box: tuple) -> list[tuple]:
    """Given a box whose text is numbers separated by spaces, or digits spread far wider than digits
    are (`000` read across three narrow columns), return one box per number, each given the share
    of the box's width its characters take; any other box unchanged."""
    x0, top, x1, bottom, text = box[:5]
    parts = text.split()
    spread = text.isdigit() and len(text) > 1 and (x1 - x0) / len(text) > WIDE_DIGIT * (bottom - top)
    if spread:
        parts, text = list(text), " ".join(text)
    if len(parts) < 2 or not all(is_number(p) for p in parts):
        return [box[:5]]
    per_char = (x1 - x0) / max(len(text), 1)
    out, at = [], 0
    for part in parts:
        start = text.index(part, at)
        out.append((x0 + start * per_char, top, x0 + (start + len(part)) * per_char, bottom, part))
        at = start + len(part)
    return out


def is_number(text: str) -> bool:
    """Given an OCR'd text, return True when, spaces removed, it is one number as printed in a table (`12`,
    `1,234`, `0.5`, `-3`, with a stray `?` or a `%`)."""
    return bool(NUMBER.match(text.replace(" ", "")))


def number_columns(rows: list[tuple[tuple[str, ...], tuple[tuple[float, float], ...]]], gap: float) -> list[tuple]:
    """Given the rows of a table (cells and their x extents), return the x extents of its number
    columns, left to right: the centres of number cells clustered where they lie within `gap`."""
    centres = sorted(
        ((x0 + x1) / 2, x0, x1)
        for cells, xs in rows
        for text, (x0, x1) in zip(cells, xs, strict=True)
        if is_number(text)
    )
    bands: list[list[float]] = []
    for centre, x0, x1 in centres:
        if bands and centre - bands[-1][2] <= gap:
            bands[-1] = [min(bands[-1][0], x0), max(bands[-1][1], x1), centre]
        else:
            bands.append([x0, x1, centre])
    return [(x0, x1) for x0, x1, _ in bands]


def cell_columns(x0: float, x1: float, bands: list[tuple]) -> tuple[int, int]:
    """Given a cell's x extent and the number columns, return its (first grid column, span): grid
    column 0 holds the labels left of every number column, number column k is grid column k + 1."""
    centre = (x0 + x1) / 2
    inside = [k for k, (b0, b1) in enumerate(bands) if b0 <= centre <= b1]
    over = inside or [k for k, (b0, b1) in enumerate(bands) if x0 < b1 and b0 < x1]
    if not over:
        return sum(1 for b0, _ in bands if b0 < x0), 1  # in a gap: just right of the columns it passed
    return over[0] + 1, over[-1] - over[0] + 1


def rows_to_grid(rows: list[tuple[tuple[str, ...], tuple[tuple[float, float], ...]]], gap: float) -> list[tuple]:
    """Given the rows of a table read by OCR (cells and their x extents), return each row's grid
    positions (first column, span) per cell, the columns found from where the numbers line up."""
    bands = number_columns(rows, gap)
    return [tuple(cell_columns(x0, x1, bands) for x0, x1 in xs) for _, xs in rows]


def image_to_rows(image) -> list[Row]:
    """Given a page image (PIL), return its text as rows of cells, top to bottom."""
    return boxes_to_rows(image_to_boxes(image))


def image_to_boxes(image) -> list[tuple[float, float, float, float, str, float]]:
    """Given a page image (PIL, or a 2-D array of grey levels), return its text boxes (x0, top, x1, bottom, text,
    score from 0 to 1) in pixels, as rapidocr detects and reads them."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else gray_to_rgb(image)
    result, _elapsed = engine()(pixels)
    return result_to_boxes(result)


def read_crop(gray) -> tuple[str, float]:
    """Given the pixels (grey levels, 2-D array) of one line of text cut out of a page, return rapidocr's reading
    of it without detection, (text, score from 0 to 1); ("", 0.0) when it reads nothing. The crop is enlarged
    CROP_ZOOM times first: at print size rapidocr reads a lone digit poorly (`0` as `O`, scores near 0.5)."""
    import cv2

    zoomed = cv2.resize(gray, None, fx=CROP_ZOOM, fy=CROP_ZOOM, interpolation=cv2.INTER_CUBIC)
    result, _elapsed = engine()(gray_to_rgb(zoomed), use_det=False, use_cls=False, use_rec=True)
    return (str(result[0][0]), float(result[0][1])) if result else ("", 0.0)


def gray_to_rgb(gray):
    """Given a 2-D array of grey levels, return it as the RGB array rapidocr reads."""
    import numpy as np

    return np.repeat(np.asarray(gray, dtype=np.uint8)[:, :, None], 3, axis=2)


def page_done(path: str, page: int, pages: int, seconds: float) -> None:
    """Tell page_hook, when set, that page `page` of `pages` of file `path` took `seconds` to OCR."""
    if page_hook is not None:
        page_hook(path, page, pages, seconds)


def progress_hook(stream) -> Callable[[str, int, int, float], None]:
    """Given an output stream, return a page_hook that shows OCR as it goes: on a terminal a bar per scanned file
    under the build's bar (`OCR scan.pdf 3/5 page, 12.3 s/page`, tqdm); otherwise one plain line per page
    (`OCR scan.pdf: page 3/5, 12.3 s`) for CI logs. The seconds are those each page took to OCR."""
    if not stream.isatty():

        def line(path: str, page: int, pages: int, seconds: float) -> None:
            print(f"  OCR {os.path.basename(path)}: page {page}/{pages}, {seconds:.1f} s", file=stream, flush=True)

        return line
    from tqdm import tqdm

    bars: dict[str, tuple] = {}

    def update(path: str, page: int, pages: int, seconds: float) -> None:
        bar, spent = bars.get(path) or (
            tqdm(total=pages, file=stream, unit="page", position=1, leave=False, mininterval=0),
            0.0,
        )
        spent += seconds
        bar.set_description_str(f"OCR {os.path.basename(path)[-30:]}", refresh=False)
        bar.set_postfix_str(f"{spent / page:.1f} s/page", refresh=False)
        bar.update(page - bar.n)
        bars[path] = (bar, spent)
        if page == pages:
            bar.close()
            del bars[path]

    return update
