"""Reads plain-text and Markdown reports, detecting the encoding and splitting table rows into cells."""

from __future__ import annotations

import re
from pathlib import Path

from builder.model import Document, Line, ReportError
from builder.stream import StreamLine, spaced_row

BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Control characters other than tab, line and page breaks: many of them mean binary data, not text.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A crawler's metadata lines above the page text, and the provenance key each one gives.
CRAWLER_FIELDS = {
    "标题": "title",
    "发布时间": "published",
    "发布日期": "published",
    "发布机构": "publisher",
    "原文链接": "url",
    "文号": "document_number",
    "栏目": None,
    "本地目录": None,
    "来源": "publisher",
    "索引号": None,
}
CRAWLER_LINE = re.compile(r"^\s*(" + "|".join(CRAWLER_FIELDS) + r")\s*[:：]\s*(.*?)\s*$")
CRAWLER_NOISE = re.compile(r"^\s*(=+\s*正文\s*=+|页面链接与图片详见.*|=+)\s*$")


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
    """Given one line, return its cells: split on tabs, else on `|` for pipe tables, else on the
    spaces between a row's numbers, else one cell."""
    if "\t" in line:
        return tuple(c.strip() for c in line.split("\t"))
    if line.count("|") >= 1 and not line.lstrip().startswith(("http", "<")):
        cells = [c.strip() for c in line.split("|")]
        if line.lstrip().startswith("|"):
            cells = cells[1:]
        return tuple(cells)
    return spaced_row(line) or (line.strip(),)


def crawler_header(raw_lines: list[str]) -> tuple[dict, int]:
    """Given a file's lines, return (provenance from a crawler's metadata lines at the top, how many
    lines they take): `标题:` is the page title, `发布时间:` the date published, `发布机构:` the
    publisher, `原文链接:` the source address, `文号:` the document number. None of them is report text."""
    meta, used = {}, 0
    for raw in raw_lines[:20]:
        m = CRAWLER_LINE.match(raw)
        if m:
            key = CRAWLER_FIELDS[m.group(1)]
            if key and m.group(2) and key not in meta:
                meta[key] = m.group(2)
        elif not (CRAWLER_NOISE.match(raw) or not raw.strip()):
            break
        used += 1
    if not {"title", "url", "published"} & meta.keys() and used < 2:
        return {}, 0  # a lone `来源：` line is the report's own text, not a crawler's header
    return meta, used


def text_to_lines(text: str, skip: int = 0) -> tuple[Line, ...]:
    """Given the decoded text, return its numbered Lines (blank and Markdown rule lines dropped,
    and the first `skip` lines: a crawler's metadata)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if number <= skip or not raw.strip() or MARKDOWN_RULE.match(raw):
            continue
        lines.append(raw_to_line(number, raw.replace("\u3000", " ")))
    return tuple(lines)


def raw_to_line(number: int, raw: str) -> Line:
    """Given one line of text, return its Line; a row whose cells only spaces separate is a
    StreamLine (`spaced`): a blank cell left no trace there, so its numbers' columns are read by the sums."""
    cells = line_to_cells(raw)
    if len(cells) > 1 and "\t" not in raw and "|" not in raw:
        return StreamLine(number, cells, kind="row")
    return Line(number, cells)


def read_text(path: Path) -> Document:
    """Given a .txt or .md file, return its Document; a crawler's metadata lines become its meta."""
    text, encoding = bytes_to_text(path.read_bytes(), str(path))
    meta, skip = crawler_header(text.splitlines())
    return Document(str(path), "text", text_to_lines(text, skip), encoding=encoding, meta=meta)


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
