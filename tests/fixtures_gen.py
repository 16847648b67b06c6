"""Generate PDF, scanned PDF, DOCX, HTML and GBK text versions of a seed report for the tests."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_DIRS = (ROOT / "data" / "reports",)  # the seeds, copied unchanged into the default dataset
NUMBER = re.compile(r"^[?？]?[-+]?\d[\d,，]*(\.\d+)?[?？]?$")
HEADING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")
DATA_LABEL = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、])")
FONT = "STSong-Light"  # Adobe's CJK font that reportlab knows; poppler renders it with Noto CJK
RUNNING_HEADER = "政府信息公开工作年度报告"


@dataclass
class Block:
    """A paragraph (text, bold) or a table (rows of cells) of a seed report."""

    kind: str
    text: str = ""
    bold: bool = False
    rows: list[list[str]] = field(default_factory=list)


def seed_paths() -> list[Path]:
    for folder in SEED_DIRS:
        found = sorted(folder.glob("[0-9][0-9][0-9]_*.txt"))
        if found:
            return found
    return []


def is_row(line: str) -> bool:
    return "\t" in line or " | " in line or line.rstrip().endswith(" |")


def line_to_cells(line: str) -> list[str]:
    """Given a seed table line, return its cells (tab- or ' | '-separated), blanks kept."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return [c.strip() for c in line.split("|")]


def strip_markdown(line: str) -> tuple[str, bool]:
    """Given a seed paragraph, return it without markdown marks, and whether it was a heading or bold."""
    heading = line.lstrip().startswith("#")
    text = re.sub(r"^\s*#+\s*", "", line)
    bold = heading or (text.strip().startswith("**") and text.strip().endswith("**"))
    text = text.replace("**", "").strip()
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return text, bold or bool(HEADING.match(text)) and len(text) < 30


def seed_to_blocks(text: str) -> list[Block]:
    """Given a seed's text, return its paragraphs and tables; blank lines inside a table are dropped."""
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if is_row(line):
            previous_row = i > 0 and any(is_row(x) for x in lines_before(lines, i))
            if blocks and blocks[-1].kind == "table" and previous_row:
                blocks[-1].rows.append(line_to_cells(line))
            else:
                blocks.append(Block("table", rows=[line_to_cells(line)]))
        else:
            text_, bold = strip_markdown(line)
            if text_:
                blocks.append(Block("para", text_, bold))
    return blocks


def lines_before(lines: list[str], i: int) -> list[str]:
    """The last non-blank line before line i, as a one-item list (empty at the start)."""
    for line in reversed(lines[:i]):
        if line.strip():
            return [line]
    return []


def pad_rows(rows: list[list[str]]) -> list[list[str]]:
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def has_number(row: list[str]) -> bool:
    return any(NUMBER.match(c) for c in row)


def is_header(row: list[str]) -> bool:
    """A row with no numbers whose label is not a data row's (一、 （一） 1.), e.g. 申请人情况."""
    label = next((c for c in row if c), "")
    return not has_number(row) and not DATA_LABEL.match(label)


def table_spans(rows: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """Given padded rows, return merged areas (row0, col0, row1, col1) as a report's table would have.

    Header rows (no numbers): a label followed by blank cells spans them (申请人情况). Data rows:
    a label in column 0 or 1 spans down over blank cells whose row has its own label to the right
    (三、本年度办理结果 over （一）…（七）). Cells with numbers are never merged.
    """
    spans = []
    for r, row in enumerate(rows):
        if not is_header(row):
            continue
        c = 0
        while c < len(row):
            end = c
            while row[c] and end + 1 < len(row) and not row[end + 1]:
                end += 1
            if end > c:
                spans.append((r, c, r, end))
            c = end + 1
    for c in (0, 1):
        for r, row in enumerate(rows):
            if is_header(row) or not row[c] or NUMBER.match(row[c]) or c + 1 >= len(row):
                continue
            end = r
            while (
                end + 1 < len(rows)
                and not is_header(rows[end + 1])
                and not rows[end + 1][c]
                and rows[end + 1][c + 1]
                and not NUMBER.match(rows[end + 1][c + 1])
            ):
                end += 1
            if end > r:
                spans.append((r, c, end, c))
    return spans


def covered_cells(spans) -> set[tuple[int, int]]:
    return {(r, c) for r0, c0, r1, c1 in spans for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {
        (r0, c0) for r0, c0, _, _ in spans
    }


def is_tall_header(rows: list[list[str]], r: int) -> bool:
    """Table C's headers sit in 15 narrow columns, so they print one character a line."""
    return len(rows[0]) >= 12 and not has_number(rows[r])


def agency_of(blocks: list[Block]) -> str:
    first = next((b.text for b in blocks if b.kind == "para"), "")
    return re.split(r"\s*\d{4}\s*年|政府信息", first)[0].strip() or "某机关"


# --- PDF -----------------------------------------------------------------------------------------


def write_pdf(seed_text: str, path: Path, ruled: bool = True, split_table: bool = True) -> Path:
    """Write the seed as an A4 PDF: ruled tables with merged cells, a table broken across a page,
    headings in overprinted (fake) bold, a running header and page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", firstLineIndent=22)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11, wordWrap="CJK", rightIndent=9)

    class BoldLine(Flowable):
        """A heading drawn twice 0.4pt apart, as fake-bold PDFs are: every character is duplicated."""

        def __init__(self, text, size=12, centred=False):
            super().__init__()
            self.text, self.size, self.centred = text, size, centred

        def wrap(self, aw, ah):
            self.aw = aw
            return aw, self.size * 1.9

        def draw(self):
            c = self.canv
            c.setFont(FONT, self.size)
            x = (self.aw - pdfmetrics.stringWidth(self.text, FONT, self.size)) / 2 if self.centred else 0
            for dx in (0, 0.4):
                c.drawString(x + dx, self.size * 0.5, self.text)

    class PushDown(Flowable):
        """Takes all but `keep` points of the page, so that the next table must break across pages."""

        def __init__(self, keep=190):
            super().__init__()
            self.keep = keep

        def wrap(self, aw, ah):
            return aw, max(0, ah - self.keep)

        def draw(self):
            pass

    blocks = seed_to_blocks(seed_text)
    agency = agency_of(blocks)
    story, biggest = [], max((b for b in blocks if b.kind == "table"), key=lambda b: len(b.rows), default=None)
    for i, b in enumerate(blocks):
        if b.kind == "para" and i == 0:
            story.append(BoldLine(b.text, 15, centred=True))
        elif b.kind == "para" and b.bold:
            story.append(BoldLine(b.text, 12))
        elif b.kind == "para":
            story.append(Paragraph(html.escape(b.text), body))
        else:
            if split_table and b is biggest:
                story.append(PushDown())
            story.append(pdf_table(b.rows, cell, ruled, Table, TableStyle, Paragraph))

    running = running_lines(agency, A4)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=72,
        rightMargin=72,
        topMargin=72,
        bottomMargin=72,
        title=f"{agency}{RUNNING_HEADER}",
    )
    doc.build(story, onFirstPage=running, onLaterPages=running)
    return path


def running_lines(agency: str, size):
    """Return a page callback drawing the running header, its rule and the page number."""

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(size[0] / 2, size[1] - 40, f"{agency}{RUNNING_HEADER}")
        canvas.line(72, size[1] - 46, size[0] - 72, size[1] - 46)
        canvas.drawCentredString(size[0] / 2, 32, f"- {doc.page} -")
        canvas.restoreState()

    return draw


def pdf_table(rows, cell_style, ruled, Table, TableStyle, Paragraph):
    rows = pad_rows(rows)
    spans = table_spans(rows)
    covered = covered_cells(spans)
    width = len(rows[0])
    tall = width >= 12
    data = []
    for r, row in enumerate(rows):
        out = []
        for c, text in enumerate(row):
            if (r, c) in covered or not text:
                out.append("")
            elif NUMBER.match(text):
                out.append(text)
            else:
                out.append(Paragraph(html.escape(text), cell_style))
        data.append(out)
    pad = 3 if ruled else 9
    widths = column_widths(rows, tall, narrow=10 + 2 * pad)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
    ]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    style += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in spans]
    return Table(data, colWidths=widths, style=TableStyle(style), splitByRow=1, hAlign="LEFT")


def column_widths(rows, tall: bool, narrow: float = 16, total: float = 451) -> list[float]:
    """Label columns wide, number columns narrow; table C's 15 columns one character wide."""
    width = len(rows[0])
    if tall:
        return [min(narrow, total / width)] * width
    weights = []
    for c in range(width):
        longest = max((len(r[c]) for r in rows if not NUMBER.match(r[c])), default=1)
        weights.append(min(max(longest, 2), 14))
    scale = total / sum(weights)
    return [w * scale for w in weights]


def write_scanned_pdf(pdf_path: Path, path: Path, first: int = 1, last: int | None = None, dpi: int = 150) -> Path:
    """Render pages of a PDF to images (pdftoppm, else pypdfium2) and wrap them in a PDF with no text."""
    from PIL import Image

    images = []
    if shutil.which("pdftoppm"):
        prefix = path.with_suffix("")
        args = ["pdftoppm", "-r", str(dpi), "-png", "-f", str(first)] + (["-l", str(last)] if last else [])
        subprocess.run(args + [str(pdf_path), str(prefix)], check=True)
        images = [Image.open(p).convert("RGB") for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]
    else:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(pdf_path))
        for i in range(first - 1, last or len(pdf)):
            images.append(pdf[i].render(scale=dpi / 72).to_pil().convert("RGB"))
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


# --- DOCX ----------------------------------------------------------------------------------------


def write_docx(seed_text: str, path: Path) -> Path:
    """Write the seed as a .docx: bold headings, grid tables with merged cells, a page header and footer."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    blocks = seed_to_blocks(seed_text)
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{agency_of(blocks)}{RUNNING_HEADER}"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        el = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            el.set(qn("w:fldCharType"), kind)
        else:
            el.text = text
        run._r.append(el)
    for i, b in enumerate(blocks):
        if b.kind == "para":
            p = document.add_paragraph()
            p.add_run(b.text).bold = b.bold or i == 0
            if i == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        rows = pad_rows(b.rows)
        spans = table_spans(rows)
        covered = covered_cells(spans)
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if (r, c) in covered or not text:
                    continue
                target = table.cell(r, c)
                if is_tall_header(rows, r):
                    # one paragraph per character, as Word users type narrow headers
                    target.paragraphs[0].text = text.replace(" ", "")[0]
                    for ch in text.replace(" ", "")[1:]:
                        target.add_paragraph(ch)
                else:
                    target.paragraphs[0].text = text
        for r0, c0, r1, c1 in spans:
            table.cell(r0, c0).merge(table.cell(r1, c1))
    document.core_properties.title = f"{agency_of(blocks)}{RUNNING_HEADER}"
    document.save(str(path))
    return path


# --- HTML ----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>{title}_政府信息公开年报</title>
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2024-01-18 09:30">
<meta name="Url" content="https://www.example.gov.cn/zwgk/nb/t20240118_1.htm">
<script>var nav = "<div>一、不是正文</div>"; window.avalon = {{}};</script>
<style>.article_content p {{ text-indent: 2em; }}</style>
</head><body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> 二、主动公开政府信息情况（导航）</div>
<div class="nav"><ul><li><a href="/a">机构概况</a></li><li><a href="/b">政策文件</a></li></ul></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 年报</div>
<div class="article_title">{title}</div>
<span class="article_time">时间：2024-01-18 09:30</span>
<div class="article_content article_content_01 font_family_cn">
<div class=TRS_Editor>
{body}
</div></div>
<div class="article_attachment">附件下载：</div>
<div class="share">分享到：微信 微博</div>
<div class="footer"><p>主办单位：某某人民政府办公室</p><p>网站标识码 1234567890 备案号 1</p></div>
<script src="/js/avalon.js"></script>
</body></html>
"""


def text_to_spans(text: str) -> str:
    """Split text into Word-export style spans, cutting numbers between digits."""
    pieces = re.findall(r"\d|\D{1,7}", text)
    style = "font-family: 仿宋; mso-spacerun: &#39;yes&#39;"
    return "".join(f'<span style="{style}">{html.escape(p)}</span>' for p in pieces)


def html_table(rows: list[list[str]]) -> str:
    rows = pad_rows(rows)
    spans = table_spans(rows)
    covered = covered_cells(spans)
    starts = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in spans}
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0">']
    for r, row in enumerate(rows):
        out.append("<tr>")
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = starts.get((r, c), (1, 1))
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            if is_tall_header(rows, r) and text:
                inner = "<br>".join(html.escape(ch) for ch in text.replace(" ", ""))
            elif text:
                inner = f'<p class="MsoNormal" align="center">{text_to_spans(text)}</p>'
            else:
                inner = "&nbsp;"
            out.append(f'<td valign="center"{attrs}>{inner}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def write_html(seed_text: str, path: Path, encoding: str = "utf-8") -> Path:
    """Write the seed as a saved government web page: site chrome around a Word-exported body."""
    blocks = seed_to_blocks(seed_text)
    body = []
    for b in blocks:
        if b.kind == "table":
            body.append(html_table(b.rows))
        elif b.bold:
            heading = f'<span style="font-family:黑体">{text_to_spans(b.text)}</span>'
            body.append(f'<p class="MsoNormal">&nbsp;&nbsp;{heading}<o:p></o:p></p>')
        else:
            body.append(f'<p class="MsoNormal">{text_to_spans(b.text)}</p>')
    title = f"{agency_of(blocks)}{RUNNING_HEADER}"
    page = PAGE.format(charset=encoding, title=html.escape(title), body="\n".join(body))
    path.write_bytes(page.encode(encoding))
    return path


# --- text ----------------------------------------------------------------------------------------


def write_gbk_text(seed_text: str, path: Path) -> Path:
    path.write_bytes(seed_text.encode("gbk"))
    return path


FORMAT_WRITERS = {
    "gbk": ("gbk.txt", write_gbk_text),
    "pdf": ("pdf", write_pdf),
    "docx": ("docx", write_docx),
    "html": ("html", write_html),
}


class SeedFormats(dict):
    """A seed's formats {format: path}, each file written on first use (writing DOCX is slow)."""

    def __init__(self, seed: Path, folder: Path):
        super().__init__(text=seed)
        self.seed, self.folder = seed, folder

    def __missing__(self, fmt: str) -> Path:
        suffix, write = FORMAT_WRITERS[fmt]
        path = write(self.seed.read_text(encoding="utf-8"), self.folder / f"{self.seed.stem}.{suffix}")
        self[fmt] = path
        return path


def generate_all(seed: Path, folder: Path) -> SeedFormats:
    """Given a seed file, return its formats {format: path} in folder, each written when first asked for."""
    return SeedFormats(seed, folder)


def expected_tables(seed_text: str) -> list[list[tuple[str, ...]]]:
    """Given a seed, return the rows every generated format must read back for each table.

    Cells covered by a merge are left out (a merged cell appears once); whitespace inside cells
    and blank cells at either end of a row are ignored, as wrapping and padding differ by format.
    """
    tables = []
    for block in seed_to_blocks(seed_text):
        if block.kind != "table":
            continue
        rows = pad_rows(block.rows)
        covered = covered_cells(table_spans(rows))
        kept = [[c for j, c in enumerate(row) if (i, j) not in covered] for i, row in enumerate(rows)]
        tables.append([normal_row(row) for row in kept if any(c.strip() for c in row)])
    return tables


def normal_row(cells) -> tuple[str, ...]:
    cells = ["".join(c.split()) for c in cells]
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def document_tables(doc) -> list[list[tuple[str, ...]]]:
    """Given a Document, return its table rows grouped by table, normalised like expected_tables."""
    tables: dict[int, list] = {}
    for line in doc.lines:
        if line.table is not None:
            tables.setdefault(line.table, []).append(normal_row(line.cells))
    return [tables[k] for k in sorted(tables)]
