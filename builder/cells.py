"""Reads one table cell into a number, and places a row's cells in their columns using the template's sums."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

# Marks a converter leaves around numbers: stray question marks, footnote stars, spaces.
_NOISE = re.compile(r"[?？*\s,，]")
_BLANK = {"", "-", "—", "--", "/", "／", "无", "\\"}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# Digits split by a space (`12 3`: two cells run together) or by a comma that is no thousands
# separator (`12,3`) are not one number: read as one they would be a wrong number (123).
_SPLIT_DIGITS = re.compile(r"\d\s+\d|\d,(?!\d{3}(?!\d))")
# Units printed after a number; the longest first, so that 人次 is not read as 人 + 次.
_UNITS = re.compile(r"\(?(人次|万元|件次|件|个|笔|条|项|次|人|份|起|宗|例|元)\)?$")
# Latin letters that OCR gives for digits, and the digit each is mistaken for.
OCR_LETTERS = {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "i": "1", "|": "1", "S": "5", "s": "5", "B": "8"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# The largest number a cell may hold. Counts: no body receives or decides more than 10^9 of
# anything (China has 1.4 x 10^9 people). Amounts are in 万元: 10^9 万元 is 10 万亿元, more than all
# administrative fees and all government procurement of the whole country in a year; a larger number
# is a misprint or a unit error, not a figure to publish.
MAX_VALUE = Decimal(10**9)
# An amount in 万元 is exact to the fen at 6 decimal places; more is not money. With at most 9 digits
# before the point, that keeps every number within 15 significant digits, which an IEEE double (and so
# every JSON reader) holds exactly: the JSON number is then the printed digits, never rounded.
MAX_DECIMALS = 6

COUNT, CHANGE, AMOUNT, AMOUNT_10K = "count", "change", "amount", "amount-10k-yuan"
_MONEY_UNITS = {"万元", "元"}
# Why a number was refused (Cell.problem), in the words of the cell-impossible finding.
PROBLEMS = {
    "too-large": f"超过 {MAX_VALUE:,} 的数不可能出现在年报中",
    "too-precise": f"小数超过 {MAX_DECIMALS} 位（万元精确到分只需 {MAX_DECIMALS} 位）",
    "negative": "件数不能为负数",
    "fraction": "件数不能有小数",
    "unit": "单位与该栏不符",
}


@dataclass(frozen=True)
class Cell:
    """What a cell holds: its number (None when blank, unreadable or refused) and the raw text.
    `readable` is False when the text is not a number at all; `problem` names why a number was refused
    (a key of PROBLEMS); `unit` is a unit printed after the number (`5人次` -> 5, unit 人次)."""

    raw: str
    value: int | float | None
    readable: bool = True
    unit: str | None = None
    problem: str | None = None

    @property
    def blank(self) -> bool:
        """True when the cell was printed blank (``, `-`, `—`, `/`, `无`, or a unit alone such as `件`): no value,
        yet neither unreadable nor refused. Blank is null in the JSON, never 0."""
        return self.value is None and self.readable and self.problem is None


@lru_cache(maxsize=2**16)  # a Cell is frozen, and the same few cell texts recur in every report
def read_cell(raw: str, kind: str | None = None) -> Cell:
    """Given a cell's raw text, return the Cell: `?0` -> 0, `` -> blank, `5人次` -> 5 (unit 人次),
    `abc`, `O`, `1e9` -> unreadable (letters are never read as digits). Given the column's `kind`
    (COUNT, AMOUNT or CHANGE, see column_kind), a number that column cannot hold is refused (fit_cell).
    A number over MAX_VALUE or with more than MAX_DECIMALS decimals is refused in any column.
    Never raises."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in _BLANK:
        return Cell(raw, None)
    if _SPLIT_DIGITS.search(text):
        return Cell(raw, None, readable=False)
    core = _NOISE.sub("", text).replace("−", "-")
    unit_match = _UNITS.search(core)
    unit = unit_match.group(1) if unit_match else None
    if unit_match:
        core = core[: unit_match.start()]
    if core in _BLANK:
        return Cell(raw, None)  # a unit alone (`件`) is a blank cell
    if not _NUMBER.match(core):
        return Cell(raw, None, readable=False)
    cell = number_cell(raw, Decimal(core), core.endswith(".0"), unit)
    return fit_cell(cell, kind) if kind else cell


def number_cell(raw: str, number: Decimal, keep_point: bool, unit: str | None) -> Cell:
    """The Cell of a number read as printed: an int when it is whole (unless printed `N.0`), else a float
    whose shortest form is the printed digits (guaranteed by MAX_VALUE and MAX_DECIMALS)."""
    if abs(number) > MAX_VALUE:
        return Cell(raw, None, unit=unit, problem="too-large")
    if -number.as_tuple().exponent > MAX_DECIMALS and number != number.to_integral_value():
        return Cell(raw, None, unit=unit, problem="too-precise")
    whole = number == number.to_integral_value()
    return Cell(raw, int(number) if whole and not keep_point else float(number), unit=unit)


def fit_cell(cell: Cell, kind: str) -> Cell:
    """Given a read Cell and its column's kind, return it, or refused (value None, `problem` set) when
    that column cannot hold it: a count is a whole number >= 0; an amount is >= 0; a change
    (本年增/减, earlier template) is a whole number of either sign. A unit printed in the cell must fit
    the column: money only in amounts, and only 万元 where the column is in 万元 (`12元` there is not 12)."""
    if cell.value is None:
        return cell
    money = kind in (AMOUNT, AMOUNT_10K)
    unit_fits = cell.unit is None or (
        cell.unit == "万元" if kind == AMOUNT_10K else (cell.unit in _MONEY_UNITS) == money
    )
    if not unit_fits:
        problem = "unit"
    elif cell.value < 0 and kind != CHANGE:
        problem = "negative"
    elif not money and cell.value != int(cell.value):
        problem = "fraction"
    else:
        return cell if money else replace(cell, value=int(cell.value))  # a count printed `3.0` is 3
    return replace(cell, value=None, problem=problem)


def column_kind(spec: dict) -> str:
    """Given a column's spec in template.yaml, return its kind: AMOUNT for `decimal: true` (AMOUNT_10K when
    its label names 万元), CHANGE for `signed: true`, else COUNT."""
    if spec.get("decimal"):
        return AMOUNT_10K if "万元" in spec["label"] else AMOUNT
    return CHANGE if spec.get("signed") else COUNT


@lru_cache(maxsize=2**16)
def is_label(raw: str) -> bool:
    """True when a cell is a row label rather than a (possibly damaged) value: it is no number and holds
    at least two Chinese characters besides a unit. `O`, `1e9`, `5人次`, `-5`, `约5`, `口` (OCR's box for a
    glyph it could not read) are values, kept in their column; `（一）予以公开`, `总计` are labels."""
    cell = read_cell(raw)
    if cell.value is not None or cell.problem:
        return False
    text = _UNITS.sub("", unicodedata.normalize("NFKC", raw).strip())
    return len(_CJK.findall(text)) >= 2


def ocr_digits(raw: str) -> str | None:
    """Given an unreadable cell, return the digits it would be if its letters were OCR's mistakes for
    digits (`O` -> `0`, `l2` -> `12`), or None when it is not such a cell. For messages only: the
    cell stays unreadable, never silently read."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", raw))
    if not text or not any(ch in OCR_LETTERS for ch in text):
        return None
    digits = "".join(OCR_LETTERS.get(ch, ch) for ch in text)
    return digits if digits.isdigit() else None


def number_text(value) -> str:
    """A number as printed on the site and in downloads, in full: never `1.23457e+06`, never 0 for None
    (blank). Floats show their shortest exact form to 15 significant digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(f"{value:.15g}").normalize(), "f") if value == value else str(value)
    return str(value)


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
        # An unreadable or refused cell differs from a lost blank, though both have no value.
        key = tuple(None if c is None or c.blank else (c.value, c.raw) for c in layout)
        if key not in seen:
            seen.add(key)
            out.append(tuple(layout))
    return out
