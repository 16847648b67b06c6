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
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_-]+)""", re.I)
# gb2312/gbk pages routinely contain characters only GB18030 has.
GB_NAMES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
# Letters a Chinese page decoded in the wrong single-byte charset is made of (Ã, ¤, private use).
MOJIBAKE = re.compile(r"[\u0080-\u024f\ue000-\uf8ff\ufffd]")


def declared_charset(data: bytes) -> str | None:
    """Given a page's bytes, return the charset its XML declaration or <meta> names, or None."""
    declared = XML_ENCODING.match(data[:200]) or META_CHARSET.search(data[:4096])
    return declared.group(1).decode("ascii").lower() if declared else None


def looks_garbled(text: str) -> bool:
    """Whether decoded text reads as mojibake: most of its non-ASCII characters are Latin letters,
    private-use or replacement characters, which a Chinese report is not made of."""
    wide = sum(1 for c in text[:20000] if ord(c) > 0x7F)
    return wide >= 20 and len(MOJIBAKE.findall(text[:20000])) > 0.3 * wide


def bytes_to_text(data: bytes) -> tuple[str, str, str | None]:
    """Given a page's bytes, return (text, encoding used, a note when the declared charset was wrong).

    The order: a BOM; UTF-8 when the bytes are valid UTF-8 (a page saved by a browser is UTF-8 but
    keeps its original `gb2312` declaration, and GBK text is virtually never valid UTF-8); the
    declared charset unless it yields mojibake; charset_normalizer's guess.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig", None
    declared = declared_charset(data)
    decoder = GB_NAMES.get(declared, declared)
    text, used = decode_first(data, ["utf-8", decoder] if decoder else ["utf-8"])
    if text is None:
        best = from_bytes(data).best()
        text, used = (
            (str(best), best.encoding) if best else (data.decode("utf-8", "replace"), "utf-8 (with replacements)")
        )
    if declared is None or decode_first(data, [decoder])[0] == text:
        return text, used, None
    return text, used, f"the page declares charset {declared}, which does not fit its bytes; read as {used}"


def decode_first(data: bytes, names: list[str]) -> tuple[str | None, str | None]:
    """Given bytes and charsets to try in order, return (text, charset) of the first that decodes
    them into something other than mojibake, or (None, None)."""
    for name in dict.fromkeys(names):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not looks_garbled(text):
            return text, name
    return None, None


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


MAX_SPAN = 1000  # the HTML standard's cap on colspan; a rowspan past the table's end is the same
MAX_COLUMNS = 1000  # a report's table has a dozen columns: a wider grid is hostile, and not followed further


def span_of(td, name: str) -> int:
    """Given a cell, return its colspan or rowspan as the browser reads it: 1 when absent or invalid."""
    match = re.match(r"\s*(\d+)", td.get(name) or "")
    value = int(match.group(1)) if match else 1
    if value == 0 and name == "rowspan":
        return MAX_SPAN  # rowspan="0" runs to the end of the table
    return min(max(value, 1), MAX_SPAN)


def rows_to_grid(rows: list[list]) -> list[tuple[tuple[int, int], ...]]:
    """Given a table's rows of <td>/<th> elements, return each cell's (first column, colspan),
    following the HTML table model: a cell starts at the first column no rowspan from above covers."""
    covered: dict[int, int] = {}  # column -> rows below that a rowspan still covers
    grid = []
    for cells in rows:
        taken = {col for col, left in covered.items() if left > 0}
        covered = {col: left - 1 for col, left in covered.items() if left > 1}
        col, positions = 0, []
        for td in cells:
            while col in taken:
                col += 1
            width, height = min(span_of(td, "colspan"), max(MAX_COLUMNS - col, 1)), span_of(td, "rowspan")
            positions.append((col, width))
            if height > 1 and col < MAX_COLUMNS:
                covered.update(dict.fromkeys(range(col, col + width), height - 1))
            col += width
        grid.append(tuple(positions))
    return grid


def table_to_rows(table) -> list[tuple[tuple[str, ...], tuple[tuple[int, int], ...]]]:
    """Given a <table>, return its non-empty rows as (cell texts, grid positions), with each cell's
    (first column, colspan) in the table's grid; a merged cell appears once, where it starts."""
    trs = [tr for tr in table.iter("tr") if tr_owner(tr) is table]  # rows of a nested table are its own
    cells = [[td for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")] for tr in trs]
    rows = []
    for tds, positions in zip(cells, rows_to_grid(cells), strict=True):
        texts = tuple(element_to_text(td) for td in tds)
        if any(texts):
            rows.append((texts, positions))
    return rows


def tr_owner(tr):
    """Given a <tr>, return the nearest enclosing <table>."""
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def body_to_blocks(body) -> list[tuple[int | None, tuple[str, ...], tuple | None]]:
    """Given the report element, return (table index, cells, grid positions) blocks in reading order."""
    blocks: list = []
    buffer: list[str] = []
    tables = 0

    def flush():
        text = clean_text("".join(buffer))
        buffer.clear()
        if text:
            blocks.append((None, (text,), None))

    def walk(el):
        nonlocal tables
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag == "table":
                flush()
                if tables_inside(child):
                    walk(child)  # layout table wrapping real tables: read its contents as text
                else:
                    for cells, positions in table_to_rows(child):
                        blocks.append((tables, cells, positions))
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
    <table> row (its cells, `table` numbering the table, `grid` their grid columns), site chrome dropped; meta
    holds the page's title, published time and URL where stated, encoding the one decoded with (see
    bytes_to_text). Raises ReportError if the file cannot be read, is empty, cannot be parsed, or its body
    holds no text."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ReportError(str(path), f"cannot read file: {e.strerror}") from e
    text, encoding, charset_note = bytes_to_text(data)
    if not text.strip():
        raise ReportError(str(path), "empty HTML file")
    # lxml refuses NUL and other control characters; a saved page never needs them. It also
    # refuses decoded text that still declares an encoding (XHTML's <?xml … encoding?>).
    text = XML_DECLARATION.sub("", CONTROL_CHARS.sub("", text), count=1)
    try:
        root = lxml.html.document_fromstring(text.lstrip())
    except (etree.ParserError, ValueError) as e:
        raise ReportError(str(path), f"not parseable as HTML: {e}") from e
    meta = root_to_meta(root)
    body = find_body(root)
    notes = [charset_note] if charset_note else []
    if body.tag == "body" or body is root:
        notes.append("no article container found; read the whole page minus navigation")
    drop_chrome(body)
    lines = tuple(
        Line(number=i, cells=cells, table=table, grid=grid)
        for i, (table, cells, grid) in enumerate(body_to_blocks(body), start=1)
    )
    if not lines:
        raise ReportError(str(path), "no text in the page body")
    return Document(path=str(path), format="html", lines=lines, encoding=encoding, notes=tuple(notes), meta=meta)
