"""Read a saved web page of a report into a Document: body paragraphs and <table> rows."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from charset_normalizer import from_bytes
from lxml import etree

from builder.model import Document, Line, ReportError

# Elements whose start or end ends the current paragraph; everything else is an inline run.
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre section article header footer "
    "center address hr br tr".split()
)
DROP_TAGS = frozenset("script style noscript iframe object embed head title select button form".split())
# Classes/ids of site chrome on pages that have no recognised article container.
CHROME = re.compile(r"nav|menu|footer|header|breadcrumb|crumb|share|sidebar|toolbar|search|login", re.I)
# Word's conditional comments, escaped into literal text by some editors (pingtan 2016).
ESCAPED_COMMENT = re.compile(r"<!--\[if [^\]]*\]-->|<!--\[endif\]-->|<!--\?xml[^>]*-->")
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}]) +| +(?=[{CJK}])")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def bytes_to_text(data: bytes) -> tuple[str, str]:
    """Given a page's bytes, return its text and the encoding used (BOM, then meta, then guess)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    declared = META_CHARSET.search(data[:4096])
    names = [declared.group(1).decode("ascii").lower()] if declared else []
    # gb2312/gbk pages routinely contain characters only GB18030 has.
    names = ["gb18030" if n in ("gb2312", "gbk", "x-gbk") else n for n in names] + ["utf-8"]
    for name in names:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(data).best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8 (with replacements)"
    return str(best), best.encoding


def clean_text(text: str) -> str:
    """Given the concatenated runs of a block, return it with web whitespace normalised."""
    text = ESCAPED_COMMENT.sub("", text)
    text = re.sub(r"[\s\u00a0\u3000\u200b\ufeff]+", " ", text)
    # Source line breaks inside Word HTML become spaces between Chinese characters; drop them.
    return SPACE_NEAR_CJK.sub("", text).strip()


def element_to_text(el) -> str:
    """Given an element, return its visible text with inline runs joined without separators."""
    parts = []
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag in DROP_TAGS:
            # Comments and dropped tags: skip their text but keep the tail, which is outside them.
            if node is not el and node.tail:
                parts.append(node.tail)
            continue
        if node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return clean_text("".join(parts))


def find_body(root):
    """Given the page tree, return the element holding the report (the article, else the page body)."""
    for xpath in (
        '//div[contains(concat(" ", normalize-space(@class), " "), " article_content ")]',
        '//*[contains(concat(" ", normalize-space(@class), " "), " TRS_Editor ")]',
        "//article",
        '//*[@id="zoom" or @id="content" or @class="content"]',
    ):
        found = root.xpath(xpath)
        if found:
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def drop_chrome(el) -> None:
    """Remove scripts, site navigation and footers from a tree in place."""
    for node in list(el.iter()):
        if not isinstance(node.tag, str):
            continue
        chrome = node.tag in DROP_TAGS or node.tag in ("nav", "footer", "header", "aside")
        chrome = chrome or bool(CHROME.search(f"{node.get('class', '')} {node.get('id', '')}"))
        if chrome and node.getparent() is not None:
            node.drop_tree()


def table_to_rows(table) -> list[tuple[str, ...]]:
    """Given a <table>, return its rows as cell texts; a merged cell appears once, where it starts.

    The positions a rowspan or colspan covers yield no cell, so each data row reads as its own
    label cells followed by its number cells, whatever the header grid looks like.
    """
    rows = []
    for tr in table.iter("tr"):
        if tr_owner(tr) is not table:
            continue  # rows of a nested table belong to that table
        cells = tuple(element_to_text(td) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th"))
        if any(cells):
            rows.append(cells)
    return rows


def tr_owner(tr):
    """Given a <tr>, return the nearest enclosing <table>."""
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def body_to_blocks(body) -> list[tuple[str, int | None, tuple[str, ...]]]:
    """Given the report element, return (kind, table index, cells) blocks in reading order."""
    blocks: list = []
    buffer: list[str] = []
    tables = 0

    def flush():
        text = clean_text("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(("text", None, (text,)))

    def walk(el):
        nonlocal tables
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag == "table":
                flush()
                if tables_inside(child):
                    walk(child)  # layout table wrapping real tables: read its contents as text
                else:
                    for row in table_to_rows(child):
                        blocks.append(("row", tables, row))
                    tables += 1
            elif tag is None or tag in DROP_TAGS:
                pass
            elif tag in BLOCK_TAGS:
                flush()
                if child.text:
                    buffer.append(child.text)
                walk(child)
                flush()
            else:
                if child.text:
                    buffer.append(child.text)
                walk(child)
            if child.tail:
                buffer.append(child.tail)

    if body.text:
        buffer.append(body.text)
    walk(body)
    flush()
    return blocks


def tables_inside(table) -> bool:
    """Given a <table>, return True when another <table> is nested in it (then it is a layout table)."""
    return any(True for _ in table.iter("table") if _ is not table)


def root_to_meta(root) -> dict:
    """Given the page tree, return title, published time and source URL where the page states them."""

    def first(xpaths):
        for xpath in xpaths:
            for found in root.xpath(xpath):
                text = clean_text(found if isinstance(found, str) else element_to_text(found))
                if text:
                    return text
        return None

    meta = {
        "title": first(
            [
                '//meta[@name="ArticleTitle"]/@content',
                '//div[contains(@class,"article_title")]',
                '//meta[@property="og:title"]/@content',
                "//title",
            ]
        ),
        "published": first(
            [
                '//meta[@name="PubDate"]/@content',
                '//span[contains(@class,"article_time")]',
                '//meta[@name="pubdate"]/@content',
            ]
        ),
        "url": first(
            ['//meta[@name="Url"]/@content', '//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content']
        ),
    }
    if meta["published"]:
        meta["published"] = re.sub(r"^(时间|发布时间|日期)[:：]\s*", "", meta["published"])
    return {k: v for k, v in meta.items() if v}


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_html(path) -> Document:
    """Given a saved HTML page, return its Document: one Line per paragraph of the article (one cell) or
    <table> row (its cells, `table` numbering the table), site chrome dropped; meta holds the page's title,
    published time and URL where stated, encoding the one decoded with (see bytes_to_text). Raises ReportError
    if the file cannot be read, is empty, cannot be parsed, or its body holds no text."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ReportError(str(path), f"cannot read file: {e.strerror}") from e
    text, encoding = bytes_to_text(data)
    if not text.strip():
        raise ReportError(str(path), "empty HTML file")
    # lxml refuses NUL and other control characters; a saved page never needs them.
    text = CONTROL_CHARS.sub("", text)
    try:
        root = lxml.html.document_fromstring(text.lstrip())
    except (etree.ParserError, ValueError) as e:
        raise ReportError(str(path), f"not parseable as HTML: {e}") from e
    meta = root_to_meta(root)
    body = find_body(root)
    notes = []
    if body.tag == "body" or body is root:
        notes.append("no article container found; read the whole page minus navigation")
    drop_chrome(body)
    lines = tuple(
        Line(number=i, cells=cells, table=table) for i, (_, table, cells) in enumerate(body_to_blocks(body), start=1)
    )
    if not lines:
        raise ReportError(str(path), "no text in the page body")
    return Document(path=str(path), format="html", lines=lines, encoding=encoding, notes=tuple(notes), meta=meta)
