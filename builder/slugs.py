"""Safe ASCII names for reports and pages: pinyin of Chinese names, with place names read as places."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal

DIVISIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
_UNSAFE = re.compile(r"[^a-z0-9]+")
# Names Windows cannot use for a file or folder; a checkout of the site must work there too.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def read_place_readings(path: Path) -> dict[str, tuple[str, ...]]:
    """Given place_pinyin.csv (name, reading with tone marks, source), return {name: slug syllables}:
    长宁 -> ("chang", "ning"). Raises ValueError naming the file and line of a reading that does not give one
    syllable per character."""
    readings = {}
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            syllables = tuple(to_normal(s) for s in row["reading"].split())
            if len(syllables) != len(row["name"]):
                raise ValueError(
                    f"{path}:{line}: {row['name']} has {len(row['name'])} characters "
                    f"but its reading {row['reading']!r} has {len(syllables)} syllables"
                )
            readings[row["name"]] = syllables
    return readings


WordIndex = dict[str, list[tuple[str, tuple[str, ...]]]]


def index_words(words: dict[str, tuple[str, ...]]) -> WordIndex:
    """Given {word: syllables}, return them by first character, longest first, for cut_at_words."""
    index: WordIndex = {}
    for word in sorted(words, key=len, reverse=True):
        index.setdefault(word[0], []).append((word, words[word]))
    return index


def cut_at_words(text: str, index: WordIndex) -> list[tuple[str, tuple[str, ...] | None]]:
    """Given text and an index of words, return its pieces in order as (piece, syllables of the word, or None for
    the text between words), taking the longest word at each place (上海市长宁区 -> 上海市, 长宁区 when both are
    words, never 上海, 市长, 宁区)."""
    pieces: list[tuple[str, tuple[str, ...] | None]] = []
    i, plain_start = 0, 0
    while i < len(text):
        found = next((w for w in index.get(text[i], ()) if text.startswith(w[0], i)), None)
        if found is None:
            i += 1
            continue
        if plain_start < i:
            pieces.append((text[plain_start:i], None))
        pieces.append(found)
        i = plain_start = i + len(found[0])
    if plain_start < len(text):
        pieces.append((text[plain_start:], None))
    return pieces


def text_to_syllables(text: str, index: WordIndex) -> list[str]:
    """Given text and an index of words, return its pinyin syllables: the words' own, pypinyin's for the rest and
    for words without a reading of their own (anything not Chinese is kept as it is)."""
    syllables: list[str] = []
    for piece, reading in cut_at_words(text, index):
        syllables += reading or lazy_pinyin(piece, errors=lambda s: [s])
    return syllables


def name_reading(name: str, index: WordIndex) -> tuple[str, ...]:
    """Given a division's name and the index of place readings, return its syllables when a place reading occurs in
    it (长宁区 -> chang ning qu), else () for "pypinyin reads it right"."""
    if all(reading is None for _, reading in cut_at_words(name, index)):
        return ()
    return tuple(text_to_syllables(name, index))


@cache
def place_words(divisions_dir: Path = DIVISIONS_DIR) -> WordIndex:
    """The words read as places, indexed for cut_at_words: the names pypinyin reads wrong (place_pinyin.csv:
    长宁 changning, 漯河 luohe) and every division's full name (divisions.csv), so that a name's syllables never
    join the next name's (西安市长安区 is xi an shi chang an qu, not shi zhang)."""
    readings = read_place_readings(divisions_dir / "place_pinyin.csv")
    with open(divisions_dir / "divisions.csv", encoding="utf-8", newline="") as f:
        names = {row["name"] for row in csv.DictReader(f)}
    by_readings = index_words(readings)
    return index_words({**{name: name_reading(name, by_readings) for name in names}, **readings})


def slugify(text: str, max_length: int = 60) -> str:
    """Given any text, return a lowercase ASCII slug of [a-z0-9-] (pinyin for Chinese, place names as places)."""
    ascii_text = "-".join(text_to_syllables(text, place_words()))
    slug = _UNSAFE.sub("-", ascii_text.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    slug = slug[:max_length].rstrip("-") or "unnamed"
    return f"{slug}-x" if slug in _RESERVED else slug


def compact_slug(text: str, max_length: int = 60) -> str:
    """Like slugify but with the syllables of each Chinese run joined: 卫生健康局 -> weishengjiankangju."""
    slug = slugify(text, max_length * 2).replace("-", "")[:max_length] or "unnamed"
    return f"{slug}-x" if slug in _RESERVED else slug


def report_id(agency: str, year: int) -> str:
    """The stable id of a report: the agency's compact pinyin and the year it covers."""
    return f"{compact_slug(agency)}-{year}"
