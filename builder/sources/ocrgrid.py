"""Ruled tables on a scanned page: ruling lines found in the image, cells by pdfplumber, text by OCR boxes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from builder.sources.text import join_wrapped

# A grey level darker than this is ink.
INK = 160
# A ruling line runs at least this many points: longer than any stroke of body text (10.5 pt), shorter
# than the side of a one-line table cell.
RULE_PT = 14.0
# A box reaching this share of its height past a cell's edge holds text of the next cell too.
STRADDLE = 0.25
# Ink kept this many points inside a cell's ruling (what is left of the line after erasing it).
INSET_PT = 1.0
# A cell with less ink than this many square points is blank: a `1` at 10.5 pt has about 8, a speck of
# dust or what is left of an erased ruling less than 1.
MIN_INK_PT2 = 2.0
# The white margin, in points, put around a cell's ink to read it alone: rapidocr reads a digit cut tight to its
# ink unsurely (a `0` scores 0.6 to 0.8 cut tight, above 0.9 with this margin).
MARGIN_PT = 2.0
# A number OCR scored under this is read again, alone; read alone, under this it is unreadable (null, with a
# finding). rapidocr scores a clean digit 0.9 and more, a lone small digit read as a letter about 0.5.
SURE = 0.75
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What an unreadable cell holds: ink that OCR could not read as text. Never a number.
UNREADABLE = "\ufffd"


@dataclass(frozen=True)
class Box:
    """One OCR'd text box in page points: its edges, its text and how sure OCR is of it (0 to 1)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float = 1.0

    @property
    def centre(self) -> tuple[float, float]:
        """The box's centre (x, y)."""
        return (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2


def image_to_rulings(gray: np.ndarray, scale: float) -> tuple[np.ndarray, list[dict]]:
    """Given a page image (grey levels, 2-D) and its points per pixel, return (mask of the ruling lines' pixels,
    pdfplumber line objects in points): runs of ink at least RULE_PT long, horizontal or vertical."""
    import cv2

    ink = (gray < INK).astype(np.uint8)
    length = max(int(RULE_PT / scale), 3)
    mask = np.zeros_like(ink)
    lines = []
    for shape, orientation in (((length, 1), "h"), ((1, length), "v")):
        kept = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
        mask |= kept
        _count, _labels, stats, _centres = cv2.connectedComponentsWithStats(kept, connectivity=8)
        lines += [segment_to_line(*map(int, stat[:4]), orientation, scale) for stat in stats[1:]]
    return mask, lines


def segment_to_line(x: int, y: int, width: int, height: int, orientation: str, scale: float) -> dict:
    """Given a ruling's pixel bounding box and orientation ("h" or "v"), return it as a pdfplumber line object
    in points, drawn along the middle of its thickness."""
    if orientation == "h":
        mid = (y + height / 2) * scale
        x0, x1, top, bottom = x * scale, (x + width) * scale, mid, mid
    else:
        mid = (x + width / 2) * scale
        x0, x1, top, bottom = mid, mid, y * scale, (y + height) * scale
    return {"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "width": x1 - x0, "height": bottom - top}  # fmt: skip


def find_tables(page, lines: list[dict]) -> list:
    """Given a pdfplumber page and the ruling lines found in its image, return its tables (pdfplumber Table,
    cells in points) as pdfplumber finds them from those lines alone; [] when the lines make no grid."""
    vertical = [ln for ln in lines if ln["top"] != ln["bottom"]]
    horizontal = [ln for ln in lines if ln["top"] == ln["bottom"]]
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": vertical,
        "explicit_horizontal_lines": horizontal,
    }
    return page.find_tables(settings)


def boxes_in(boxes: list[Box], bbox: tuple) -> list[Box]:
    """The boxes whose centre lies inside bbox (x0, top, x1, bottom)."""
    x0, top, x1, bottom = bbox
    return [b for b in boxes if x0 <= b.centre[0] <= x1 and top <= b.centre[1] <= bottom]


def straddles(box: Box, cell: tuple) -> bool:
    """Whether a box reaches past the left or right edge of a cell by more than STRADDLE of its height:
    it read text of two cells as one (`0 0` as `00`), so its text belongs to neither."""
    reach = STRADDLE * (box.bottom - box.top)
    return box.x0 < cell[0] - reach or box.x1 > cell[2] + reach


def trusted(box: Box, cell: tuple) -> bool:
    """Whether a box's text can stand as its cell's: it lies within the cell (straddles) and OCR scored it at
    least SURE."""
    return box.score >= SURE and not straddles(box, cell)


def boxes_to_text(boxes: list[Box]) -> str:
    """Given the boxes of one cell, return its text in reading order (lines top to bottom, left to right within
    a line), lines joined as wrapped text: two numbers stay apart (`0 0`), never one number."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.centre[1]):
        if lines and abs(box.centre[1] - lines[-1][0].centre[1]) <= (box.bottom - box.top) / 2:
            lines[-1].append(box)
        else:
            lines.append([box])
    return join_wrapped(b.text for line in lines for b in sorted(line, key=lambda b: b.x0))


@dataclass(frozen=True)
class PageImage:
    """A page's image with its rulings erased (grey levels) and its points per pixel, to re-read cells from."""

    gray: np.ndarray
    scale: float

    def crop(self, bbox: tuple) -> np.ndarray:
        """The pixels inside a cell's bbox (points), INSET_PT inside its ruling."""
        inset = INSET_PT / self.scale
        x0, top, x1, bottom = (v / self.scale for v in bbox)
        rows = slice(max(int(top + inset), 0), max(int(bottom - inset), 0))
        cols = slice(max(int(x0 + inset), 0), max(int(x1 - inset), 0))
        return self.gray[rows, cols]


def ink_bounds(crop: np.ndarray, scale: float) -> tuple[int, int, int, int] | None:
    """Given a cell's pixels and the points per pixel, return the bounds (x0, top, x1, bottom) of its ink, or None
    when it holds less ink than a glyph (MIN_INK_PT2): a blank cell."""
    dark = crop < INK
    if dark.sum() * scale * scale < MIN_INK_PT2:
        return None
    ys, xs = np.nonzero(dark)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def cell_text(cell: tuple, boxes: list[Box], image: PageImage, read_crop) -> str:
    """Given a cell's bbox (points), the page's OCR boxes, the page image and a reader of a cropped line of
    text (pixels -> (text, score)), return the cell's text: its boxes' text when each holds Chinese (a label)
    or is trusted (within the cell, scored SURE or more); else, when it holds ink, that ink re-read on its own
    (a box that ran into the next cell, a digit read unsurely or missed by the page's detection), or
    UNREADABLE when the re-reading scores under SURE; "" when blank."""
    inside = boxes_in(boxes, cell)
    if inside and all(CJK.search(b.text) or trusted(b, cell) for b in inside):
        return boxes_to_text(inside)  # a label misread or running into the next cell is still found by likeness
    crop = image.crop(cell)
    bounds = ink_bounds(crop, image.scale) if crop.size else None
    if bounds is None:
        return ""
    x0, top, x1, bottom = bounds
    margin = max(int(MARGIN_PT / image.scale), 1)
    text, score = read_crop(np.pad(crop[top:bottom, x0:x1], margin, constant_values=255))
    return text.strip() if text.strip() and score >= SURE else UNREADABLE


def table_texts(table, boxes: list[Box], image: PageImage, read_crop) -> list[list[str | None]]:
    """Given a pdfplumber Table, the page's OCR boxes, its image and a crop reader, return the text of each row's
    cells as table.extract() would: None where a merged cell covers the position (see cell_text)."""
    return [
        [None if bbox is None else cell_text(bbox, boxes, image, read_crop) for bbox in row.cells] for row in table.rows
    ]
