"""Reads plain-text and Markdown reports, detecting the encoding and splitting table rows into cells."""

from __future__ import annotations

import re
from pathlib import Path

from builder.model import Document, Line, ReportError

BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Control characters other than tab, line and page breaks: many of them mean binary data, not text.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def detect_encoding(data: bytes) -> str:
    """Given raw bytes, return the encoding that decodes them: BOM, UTF-8, UTF-16 or GB18030."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    for name in ("utf-8", "gb18030"):
        try:
            data.decode(name)
            return name
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8, UTF-16 or GB18030")


def bytes_to_text(data: bytes, path: str) -> tuple[str, str]:
    """Given a file's bytes, return (text, encoding used), or raise ReportError naming the file."""
    try:
        encoding = detect_encoding(data)
        text = data.decode(encoding)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(path, f"unreadable text: {exc}") from None
    controls = len(CONTROLS.findall(text, 0, 20000))
    if controls > 20:
        raise ReportError(path, f"binary data, not text ({controls} control characters in the first 20000)")
    return text, encoding


def line_to_cells(line: str) -> tuple[str, ...]:
    """Given one line, return its cells: split on tabs, else on `|` for pipe tables, else one cell."""
    if "\t" in line:
        return tuple(c.strip() for c in line.split("\t"))
    if line.count("|") >= 1 and not line.lstrip().startswith(("http", "<")):
        cells = [c.strip() for c in line.split("|")]
        if line.lstrip().startswith("|"):
            cells = cells[1:]
        return tuple(cells)
    return (line.strip(),)


def text_to_lines(text: str) -> tuple[Line, ...]:
    """Given the decoded text, return its numbered Lines (blank and Markdown rule lines dropped)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or MARKDOWN_RULE.match(raw):
            continue
        lines.append(Line(number, line_to_cells(raw.replace("\u3000", " "))))
    return tuple(lines)


def read_text(path: Path) -> Document:
    text, encoding = bytes_to_text(path.read_bytes(), str(path))
    return Document(str(path), "text", text_to_lines(text), encoding=encoding)


def join_wrapped(parts) -> str:
    """Given the lines of one cell or paragraph, return them joined: no separator between CJK,
    one space between two ASCII words."""
    text = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if text and ASCII_WORD.match(text[-1]) and ASCII_WORD.match(part[0]):
            text += " "
        text += part
    return text
