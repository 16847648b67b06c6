"""Offline OCR of page images with rapidocr-onnxruntime, whose wheel ships its PP-OCR models."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Read by onnxruntime when it loads: without it, it writes a device id and a database under the home
# folder (~/.cache/Microsoft/DeveloperTools/.onnxruntime/); a build writes only inside the project.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

ENGINE = "rapidocr-onnxruntime"
DPI = 200
# Boxes on one row closer than this many text heights are one cell: OCR splits long lines at spaces.
SAME_CELL_GAP = 1.0


@dataclass(frozen=True)
class Row:
    """One row of text OCR found on a page image: its box, its cells left to right, and the median height of
    its text boxes (pixels), the unit the gaps between cells are measured in."""

    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels
    cells: tuple[str, ...]
    height: float


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


def result_to_boxes(result) -> list[tuple[float, float, float, float, str]]:
    """Given rapidocr's [(quad, text, score)], return (x0, top, x1, bottom, text) boxes."""
    boxes = []
    for quad, text, _score in result or []:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        if text.strip():
            boxes.append((min(xs), min(ys), max(xs), max(ys), text.strip()))
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
    """Given the (x0, top, x1, bottom, text) boxes of one row, left to right, return the Row: a box closer to the
    previous one than SAME_CELL_GAP times the median box height joins its cell (text glued, no space)."""
    height = sorted(b[3] - b[1] for b in row)[len(row) // 2]
    cells, last = [], None
    for box in row:
        if last is not None and box[0] - last[2] <= SAME_CELL_GAP * height:
            cells[-1] += box[4]
        else:
            cells.append(box[4])
        last = box
    bbox = (min(b[0] for b in row), min(b[1] for b in row), max(b[2] for b in row), max(b[3] for b in row))
    return Row(bbox, tuple(cells), height)


def image_to_rows(image) -> list[Row]:
    """Given a page image (PIL), return its text as rows of cells, top to bottom."""
    import numpy as np

    result, _elapsed = engine()(np.asarray(image.convert("RGB")))
    return boxes_to_rows(result_to_boxes(result))
