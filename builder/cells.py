"""Reads one table cell into a number, and places a row's cells in their columns using the template's sums."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Marks a converter leaves around numbers: stray question marks, footnote stars, spaces.
_NOISE = re.compile(r"[?？*\s,，]")
_BLANK = {"", "-", "—", "--", "/", "／", "无", "\\"}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_UNITS = re.compile(r"(件|个|笔|条|项|次|万元|元)$")


@dataclass(frozen=True)
class Cell:
    """What a cell holds: its number (None when blank or unreadable) and the raw text."""

    raw: str
    value: int | float | None
    readable: bool = True

    @property
    def blank(self) -> bool:
        return self.value is None and self.readable


def read_cell(raw: str) -> Cell:
    """Given a cell's raw text, return the Cell: `?0` -> 0, `` -> blank, `abc` -> unreadable."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in _BLANK:
        return Cell(raw, None)
    core = _UNITS.sub("", _NOISE.sub("", text)).replace("−", "-")
    if core in _BLANK:
        return Cell(raw, None)
    if not _NUMBER.match(core):
        return Cell(raw, None, readable=False)
    if "." in core:
        try:
            value = Decimal(core)
        except InvalidOperation:
            return Cell(raw, None, readable=False)
        return Cell(raw, int(value) if value == value.to_integral_value() and not core.endswith(".0") else float(value))
    return Cell(raw, int(core))


def placements(cells: tuple[Cell, ...], width: int) -> list[tuple[Cell | None, ...]]:
    """Given a row's cells (blank cells lost, so fewer than `width`), return every way to lay them
    out over `width` columns keeping their order, by putting the lost blanks back in any gap.
    Right-aligned layouts (lost blanks at the left) come first."""
    missing = width - len(cells)
    if missing < 0:
        return []
    seen, out = set(), []
    gaps = len(cells) + 1
    for combo in itertools.combinations_with_replacement(range(gaps), missing):
        layout: list[Cell | None] = []
        for gap in range(gaps):
            layout.extend([None] * combo.count(gap))
            if gap < len(cells):
                layout.append(cells[gap])
        key = tuple(c.value if c else None for c in layout)
        if key not in seen:
            seen.add(key)
            out.append(tuple(layout))
    return out
