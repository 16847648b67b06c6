"""Safe ASCII names for reports and pages: pinyin of Chinese names, nothing else."""

from __future__ import annotations

import re

from pypinyin import lazy_pinyin

_UNSAFE = re.compile(r"[^a-z0-9]+")
# Names Windows cannot use for a file or folder; a checkout of the site must work there too.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slugify(text: str, max_length: int = 60) -> str:
    """Given any text, return a lowercase ASCII slug of [a-z0-9-] (pinyin for Chinese)."""
    ascii_text = "-".join(lazy_pinyin(text, errors=lambda s: [s]))
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
