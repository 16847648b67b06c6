"""Grids are kept: tables whose readers saw the grid are read by position; Word, web and PDF quirks (issue 12)."""

import tempfile
from pathlib import Path

import pytest
from lxml import etree

from builder.checks import check_report
from builder.model import Document, Line
from builder.parse import parse_document
from builder.sources import read
from builder.sources.docx import paragraph_text, tbl_to_rows
from builder.sources.html import read_html
from builder.template import load_template

CASES = Path(__file__).parent / "fixtures" / "cases"
TEMPLATE = load_template()
COLUMNS = list(TEMPLATE.columns("applications"))
GRANTED = [12, 3, 0, 0, 0, 1, 16]
BLANK_ROW = [0, None, None, None, None, None, 0]  # 0 │ five merged blank cells │ 0


def row(report: dict, key: str) -> list:
    """Given a report, return its table B row `key` as a list in column order."""
    return [report["applications"][key][c] for c in COLUMNS]


def placed_by_sums(report: dict) -> list[str]:
    """The cells of a report whose column was inferred or left ambiguous by the sums."""
    return [name for name, note in report["cells"].items() if note.get("position")]


def findings(report: dict, *rules: str) -> list[dict]:
    return [f for f in check_report(report, TEMPLATE) if f["rule"] in rules]


# --- grids: HTML colspan/rowspan, DOCX gridSpan/vMerge ---------------------------------------------


def test_html_colspan_blank_is_null_where_the_grid_puts_it():
    report = parse_document(read(CASES / "html_colspan_blank.html"))
    assert row(report, "denied_state_secret") == BLANK_ROW
    assert placed_by_sums(report) == []


@pytest.mark.parametrize("name", ["html_colspan_blank_zero.html", "docx_gridspan_blank_zero.docx"])
def test_merged_blank_cells_stay_where_the_grid_puts_them(name):
    report = parse_document(read(CASES / name))
    assert row(report, "denied_state_secret") == BLANK_ROW
    assert row(report, "granted") == GRANTED
    assert row(report, "new") == [28, 4, 1, 5, 2, 1, 41]
    assert row(report, "total") == [25, 3, 1, 5, 2, 1, 37]
    assert row(report, "carried_forward") == [6, 1, 0, 0, 0, 0, 7]
    assert report["review_litigation"]["review"] == [2, 1, 0, 1, 4]
    assert placed_by_sums(report) == []
    # The agency printed its table correctly: no finding blames it for the layout.
    assert findings(report, "cell-inferred", "cell-ambiguous", "B1", "B2", "B3", "C1") == []


def test_html_merged_blanks_in_two_rows():
    report = parse_document(read(CASES / "html_colspan_blank_zero.html"))
    assert row(report, "denied_law_forbidden") == BLANK_ROW


def test_html_trailing_blanks_are_null_not_shifted():
    report = parse_document(read(CASES / "html_trailing_blanks.html"))
    assert row(report, "granted") == [258, 12, None, None, 1, 1, None]
    assert row(report, "partially_granted") == [3, None, None, None, None, None, None]
    assert placed_by_sums(report) == []


def test_text_that_lost_its_grid_is_still_placed_by_the_sums_and_marked():
    text = "某某区卫生健康局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n1.属于国家秘密\t0\t0\n"
    lines = tuple(Line(i, tuple(t.split("\t"))) for i, t in enumerate(text.splitlines(), start=1))
    report = parse_document(Document("lost.txt", "text", lines))
    # two zeros over seven columns: the sums fit a 0 or a blank in 总计, so it is null with both readings
    assert row(report, "denied_state_secret")[-1] is None
    assert report["cells"]["applications.denied_state_secret.total"]["alternatives"] == [0, None]
    assert placed_by_sums(report)  # every cell placed that way stays marked


def test_rowspan_labels_leave_the_value_columns_in_place():
    html = (
        "<p>某某区卫生健康局2023年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        '<table><tr><td rowspan="3">（三）不予公开</td><td>1.属于国家秘密</td>'
        '<td>1</td><td></td><td></td><td></td><td></td><td rowspan="2"></td><td>1</td></tr>'
        "<tr><td>2.其他法律行政法规禁止公开</td><td></td><td>2</td><td></td><td></td><td></td><td>2</td></tr>"
        "</table>"
    )
    report = parse_document(html_document(html))
    assert row(report, "denied_state_secret") == [1, None, None, None, None, None, 1]
    # the rowspan from above covers 其他 in the second row: that cell is blank, not shifted
    assert row(report, "denied_law_forbidden") == [None, 2, None, None, None, None, 2]
    assert placed_by_sums(report) == []


def test_row_without_a_full_grid_row_is_read_under_the_header_that_names_its_columns():
    html = (
        "<p>某某区卫生健康局2023年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        "<table><tr><td></td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
        "<td>法律服务机构</td><td>其他</td><td>总计</td><td></td></tr>"
        "<tr><td>（一）予以公开</td><td></td><td>2</td><td>3</td><td></td><td></td><td></td><td>5</td><td></td></tr>"
        "</table>"
    )
    report = parse_document(html_document(html))
    assert row(report, "granted") == [None, 2, 3, None, None, None, 5]
    assert placed_by_sums(report) == []


def test_grid_contradicting_its_header_falls_back_to_the_sums():
    """A grid built from text that had lost its columns: every row has its seven cells one column
    right of the header (seed 003 printed into a table), so the grid is not trusted."""
    header = "".join(
        f"<td>{x}</td>"
        for x in ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计", ""]
    )
    cells = "".join(f"<td>{x}</td>" for x in ["三、本年度办理结果", "（一）予以公开", 2, 3, 1, "", "", 6, ""])
    html = (
        "<p>某某区卫生健康局2023年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        f"<table><tr>{header}</tr><tr>{cells}</tr></table>"
    )
    report = parse_document(html_document(html))
    assert row(report, "granted")[-1] == 6
    assert placed_by_sums(report)  # re-placed by the sums, and marked so


def html_document(body: str) -> Document:
    with tempfile.NamedTemporaryFile("wb", suffix=".html", delete=False) as f:
        f.write(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode())
    try:
        return read_html(f.name)
    finally:
        Path(f.name).unlink()


REAL_PAGES = sorted((Path(__file__).parent.parent / "data" / "reports" / "pingtan").glob("pingtan_20[2-9]*.html"))


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
def test_real_pages_are_read_by_their_grid_with_no_cell_placed_by_sums(page):
    report = parse_document(read(page))
    assert placed_by_sums(report) == []
    assert findings(report, "cell-inferred", "cell-ambiguous") == []


# --- Word as Word shows it ---------------------------------------------------------------------


def test_docx_smart_tags_are_read():
    report = parse_document(read(CASES / "docx_smarttag.docx"))
    assert (report["agency"], report["year"], report["date_signed"]) == ("某某区卫生健康局", 2023, "2024-01-20")


def test_docx_tracked_change_counts_insertions_not_deletions():
    report = parse_document(read(CASES / "docx_tracked_change.docx"))
    assert row(report, "granted") == GRANTED


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


def xml(text: str):
    return etree.fromstring(text)


def test_paragraph_text_reads_fields_controls_and_revisions():
    p = xml(
        f"<w:p {W} {MC}><w:r><w:t>年度</w:t></w:r>"
        '<w:fldSimple w:instr="DATE"><w:r><w:t>2024年</w:t></w:r></w:fldSimple>'
        "<w:sdt><w:sdtContent><w:r><w:t>1月</w:t></w:r></w:sdtContent></w:sdt>"
        "<w:del><w:r><w:delText>9日</w:delText></w:r></w:del><w:ins><w:r><w:t>20日</w:t></w:r></w:ins>"
        "<w:moveFrom><w:r><w:t>旧</w:t></w:r></w:moveFrom>"
        "<w:r><w:instrText>PAGE</w:instrText></w:r>"
        "<mc:AlternateContent><mc:Choice><w:r><w:t>框</w:t></w:r></mc:Choice>"
        "<mc:Fallback><w:r><w:t>框</w:t></w:r></mc:Fallback></mc:AlternateContent>"
        "</w:p>"
    )
    assert paragraph_text(p) == "年度2024年1月20日框"


def test_docx_rows_keep_grid_columns_through_spans_merges_and_content_controls():
    def tc(text="", span=1, vmerge=None):
        pr = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        pr += "" if vmerge is None else (f'<w:vMerge w:val="{vmerge}"/>' if vmerge else "<w:vMerge/>")
        return f"<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    tbl = xml(
        f"<w:tbl {W}>"
        f'<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>{tc("（三）不予公开", vmerge="restart")}{tc("0")}'
        f"{tc('', 5)}{tc('0')}</w:tr>"
        f"<w:tr>{tc('x')}{tc(vmerge='')}<w:sdt><w:sdtContent>{tc('7')}</w:sdtContent></w:sdt></w:tr>"
        f"<w:tr><w:trPr><w:del/></w:trPr>{tc('deleted')}</w:tr>"
        "</w:tbl>"
    )
    assert tbl_to_rows(tbl) == [
        (("（三）不予公开", "0", "", "0"), ((1, 1), (2, 1), (3, 5), (8, 1))),
        (("x", "7"), ((0, 1), (2, 1))),
    ]


# --- web pages -----------------------------------------------------------------------------------


def test_xhtml_with_an_encoding_declaration_is_read():
    report = parse_document(read(CASES / "html_xml_declaration.html"))
    assert (report["agency"], report["year"]) == ("某某区卫生健康局", 2023)


PAGE = (
    "<html><head><meta charset='{}'></head>"
    "<body><p>某某区卫生健康局2023年政府信息公开工作年度报告</p><p>{}</p></body></html>"
)
BODY = "一、总体情况" + "本机关认真贯彻落实政府信息公开条例，全面推进政务公开工作。" * 3


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("gb2312", "utf-8"), ("utf-8", "gb18030"), ("iso-8859-1", "gb18030"), ("windows-1252", "utf-8")],
)
def test_page_with_a_wrong_declared_charset_is_read_in_its_real_one(tmp_path, declared, actual):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(declared, BODY).encode(actual))
    doc = read(path)
    report = parse_document(doc)
    assert (report["agency"], report["year"]) == ("某某区卫生健康局", 2023)
    assert any(f"declares charset {declared}" in n for n in doc.notes)


def test_page_with_a_right_declared_charset_has_no_note(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format("gbk", BODY).encode("gb18030"))
    doc = read(path)
    assert doc.encoding == "gb18030" and not any("declares charset" in n for n in doc.notes)


# --- PDFs ----------------------------------------------------------------------------------------

FONT = "STSong-Light"  # Adobe's CJK font that reportlab knows; pdfminer maps it to Unicode


def register_font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_table_pdf(path: Path, rows: list[list[str]], spans: list[tuple]) -> Path:
    """Write a one-page report: title, the heading of section 三 and table B as a ruled table with
    the given SPAN commands ((col0, row0), (col1, row1))."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    register_font()
    style = ParagraphStyle("p", fontName=FONT, fontSize=11, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
    data = [[Paragraph(c, cell) if c and not c.isdigit() else c for c in r] for r in rows]
    commands = [("FONT", (0, 0), (-1, -1), FONT, 8), ("GRID", (0, 0), (-1, -1), 0.5, "black")]
    commands += [("SPAN", a, b) for a, b in spans]
    widths = [70, 90] + [40] * (len(rows[0]) - 2)
    story = [
        Paragraph("某某区卫生健康局2023年政府信息公开工作年度报告", style),
        Paragraph("三、收到和处理政府信息公开申请情况", style),
        Table(data, colWidths=widths, style=TableStyle(commands)),
    ]
    SimpleDocTemplate(str(path), pagesize=landscape(A4)).build(story)
    return path


def test_pdf_ruled_table_is_read_by_its_grid_with_merged_blanks(tmp_path):
    header = ["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    rows = [
        header,
        ["三、本年度办理结果", "（一）予以公开", "258", "12", "", "", "1", "1", ""],
        ["", "（二）部分公开", "3", "", "", "", "", "", ""],
        ["（三）不予公开", "1.属于国家秘密", "0", "", "", "", "", "", "0"],
    ]
    path = write_table_pdf(tmp_path / "grid.pdf", rows, [((3, 3), (7, 3))])  # five blank 法人 cells merged
    doc = read(path)
    assert any(line.grid for line in doc.lines)
    report = parse_document(doc)
    assert row(report, "granted") == [258, 12, None, None, 1, 1, None]
    assert row(report, "partially_granted") == [3, None, None, None, None, None, None]
    assert row(report, "denied_state_secret") == BLANK_ROW
    assert placed_by_sums(report) == []


def glyph_width(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(text, "Helvetica", size)


def write_fake_bold_pdf(path: Path, offsets: list[float], size: float = 12) -> Path:
    """Write one line per offset: `1234`, each glyph drawn twice `offset` points apart; the offset is
    capped below the glyph's own width less 0.1 pt. Last, `2011 ——` printed once, side by side."""
    from reportlab.pdfgen import canvas

    register_font()
    c = canvas.Canvas(str(path))
    y = 740  # below the page-number margin
    for offset in offsets:
        c.setFont("Helvetica", size)
        x = 72
        for ch in "1234":
            width = glyph_width(ch, size)
            for dx in (0, min(offset, width - 0.1)):
                c.drawString(x + dx, y, ch)
            x += width
        y -= 2 * size
    c.drawString(72, y, "2011")
    c.setFont(FONT, size)
    c.drawString(72, y - 2 * size, "——")
    c.save()
    return path


def test_fake_bold_at_any_offset_up_to_a_glyph_width_reads_each_char_once(tmp_path):
    from builder.sources.pdf import read_pdf

    width = glyph_width("1", 12)
    offsets = [0.5 + 0.25 * k for k in range(int((width - 0.6) / 0.25) + 1)] + [width - 0.1]
    doc = read_pdf(write_fake_bold_pdf(tmp_path / "bold.pdf", offsets))
    text = "".join(line.text.replace(" ", "") for line in doc.lines)  # the short lines join as one paragraph
    assert text == "1234" * len(offsets) + "2011——"


def test_pdf_fonts_without_unicode_map_are_refused_with_that_reason(monkeypatch):
    from builder.model import ReportError
    from builder.sources import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ReportError, match="fonts have no Unicode map"):
        read(CASES / "pdf_no_tounicode.pdf")


def test_pdf_fonts_without_unicode_map_go_to_ocr(monkeypatch):
    """The text layer is not used: every page is rendered and read as a scan (OCR faked here; the
    real engine takes a minute a page on a busy machine)."""
    from builder.sources import ocr

    rendered = []

    def fake_boxes(image):
        rendered.append(image.shape)
        title = (300, 250, 1300, 290, "某某区卫生健康局2023年政府信息公开工作年度报告")  # above the first table
        return [title] if len(rendered) == 1 else []

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "image_to_boxes", fake_boxes)
    monkeypatch.setattr(ocr, "read_crop", lambda pixels: ("", 0.0))  # the tables' cells, read one by one
    doc = read(CASES / "pdf_no_tounicode.pdf")
    assert len(rendered) == 2 and all(line.ocr for line in doc.lines)
    assert doc.notes[0].startswith("fonts have no Unicode map")
    report = parse_document(doc)
    assert (report["agency"], report["year"]) == ("某某区卫生健康局", 2023)


# --- Word 97 (.doc) ------------------------------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the start of a Word 97 file (an OLE container)


def test_doc_without_a_converter_is_listed_with_the_reason(tmp_path, monkeypatch):
    from builder.model import ReportError
    from builder.sources import docx

    path = tmp_path / "report.doc"
    path.write_bytes(OLE)
    monkeypatch.setattr(docx.shutil, "which", lambda name: None)
    with pytest.raises(ReportError, match=r"report.doc: Word 97 \(.doc\) document: no converter installed"):
        read(path)


def test_doc_is_converted_by_antiword_when_it_is_the_converter_on_path(tmp_path, monkeypatch):
    """The wiring, with a stand-in antiword that prints what antiword prints for a report."""
    from builder.sources import docx

    fake = tmp_path / "bin" / "antiword"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nprintf '某某区卫生健康局2023年政府信息公开工作年度报告\\n\\n一、总体情况\\n'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(docx.shutil, "which", lambda name: str(fake) if name == "antiword" else None)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    path = tmp_path / "report.doc"
    path.write_bytes(OLE)
    doc = read(path)
    assert doc.notes[0].startswith("converted from Word 97 (.doc) by antiword")
    assert (parse_document(doc)["agency"], parse_document(doc)["year"]) == ("某某区卫生健康局", 2023)


@pytest.mark.skipif(not __import__("shutil").which("antiword"), reason="antiword not installed")
def test_doc_that_antiword_cannot_read_says_so(tmp_path, monkeypatch):
    from builder.model import ReportError
    from builder.sources import docx

    monkeypatch.setattr(docx.shutil, "which", lambda name: "antiword" if name == "antiword" else None)
    path = tmp_path / "broken.doc"
    path.write_bytes(OLE)
    with pytest.raises(ReportError, match="antiword could not convert it"):
        read(path)


def write_sideways_table_pdf(path: Path, rows: list[list[str]], up: bool = True) -> Path:
    """Write a portrait report: page 1 upright (title, heading of section 三), page 2 table B
    printed sideways, its text running up the page (`up`) or down it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, Table, TableStyle

    register_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(FONT, 14)
    c.drawString(72, 760, "某某区卫生健康局2023年政府信息公开工作年度报告")
    c.drawString(72, 720, "三、收到和处理政府信息公开申请情况")
    c.showPage()
    cell = ParagraphStyle("c", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
    data = [[Paragraph(x, cell) if x and not x.isdigit() else x for x in r] for r in rows]
    style = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    table = Table(data, colWidths=[80, 120] + [50] * (len(rows[0]) - 2), style=style)
    width, height = table.wrapOn(c, 800, 500)
    if up:
        c.translate(A4[0] - 100, 60)  # the table's top edge towards the page's right edge
        c.rotate(90)
    else:
        c.translate(100, A4[1] - 60)
        c.rotate(-90)
    table.drawOn(c, 0, 0)
    c.save()
    return path


@pytest.mark.parametrize("up", [True, False], ids=["text-up", "text-down"])
def test_pdf_table_printed_sideways_is_read(tmp_path, up):
    header = ["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    rows = [
        header,
        ["三、本年度办理结果", "（一）予以公开", "12", "3", "0", "0", "0", "1", "16"],
        ["", "（二）部分公开", "3", "", "", "", "", "", "3"],
    ]
    report = parse_document(read(write_sideways_table_pdf(tmp_path / "sideways.pdf", rows, up)))
    assert row(report, "granted") == GRANTED
    assert row(report, "partially_granted") == [3, None, None, None, None, None, 3]
    assert placed_by_sums(report) == []


# --- scans: OCR'd boxes clustered into the template's columns -------------------------------------

LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
COLUMN_X = [700 + 110 * k for k in range(7)]  # centres of the seven number columns, in image pixels


def ocr_row(top: float, cells: list[tuple[float, str]], width: float = 30) -> "object":
    """An OCR'd line: cells given as (centre x, text), boxes `width` pixels wide per character run."""
    from builder.sources import ocr

    spans = tuple((x - width / 2 - 8 * len(t), x + width / 2 + 8 * len(t)) for x, t in cells)
    bbox = (spans[0][0], top, spans[-1][1], top + 30)
    return ocr.Row(bbox, tuple(t for _, t in cells), 30, spans)


def table_row(top: float, label: str, numbers: list[str | None]):
    """A table B row as OCR reads it: the label at the left, the numbers OCR found under their columns."""
    cells = [(300, label)] + [(x, n) for x, n in zip(COLUMN_X, numbers, strict=True) if n is not None]
    return ocr_row(top, cells)


def test_ocr_boxes_are_placed_in_the_columns_the_numbers_line_up_in():
    from builder.sources.ocr import rows_to_grid

    rows = [table_row(100, "（一）予以公开", ["12", "3", "0", "0", "0", "1", "16"])]
    rows.append(table_row(140, "（二）部分公开", ["4", None, None, None, "2", None, "6"]))
    grids = rows_to_grid([(r.cells, r.spans) for r in rows], gap=30)
    assert grids[0] == ((0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1))
    assert grids[1] == ((0, 1), (1, 1), (5, 1), (7, 1))


def blank_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(50, 50, 100, 100)  # a page with no text layer
    c.save()
    return path


def test_scanned_table_is_read_by_the_columns_its_numbers_line_up_in(tmp_path, monkeypatch):
    """OCR faked with the boxes rapidocr returns: a number it missed leaves its cell null, and the
    numbers after it stay in their columns; every number read is marked as OCR'd."""
    from builder.sources import ocr

    rows = [
        ocr_row(300, [(800, "某某区卫生健康局2023年政府信息公开工作年度报告")]),
        ocr_row(400, [(500, "三、收到和处理政府信息公开申请情况")]),
        ocr_row(460, [(x, label) for x, label in zip(COLUMN_X, LABELS, strict=True)]),
        table_row(500, "（一）予以公开", ["12", "3", "0", "0", "0", "1", "16"]),
        table_row(540, "（二）部分公开", ["4", "0", None, "0", "2", "0", "6"]),  # OCR missed 科研机构's 0
    ]
    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "image_to_boxes", lambda image: [])
    monkeypatch.setattr(ocr, "boxes_to_rows", lambda boxes: rows)  # a table without ruling: rows of boxes
    report = parse_document(read(blank_pdf(tmp_path / "scan.pdf")))
    assert row(report, "granted") == GRANTED
    assert row(report, "partially_granted") == [4, 0, None, 0, 2, 0, 6]
    assert placed_by_sums(report) == []
    assert report["cells"]["applications.granted.natural_person"]["ocr"] is True


def test_ocr_numbers_in_narrow_columns_stay_apart():
    from builder.sources.ocr import row_to_cells

    boxes = [(10, 0, 200, 30, "结果维持"), (300, 0, 315, 30, "1"), (330, 0, 345, 30, "0"), (360, 0, 420, 30, "0 1 0")]
    row = row_to_cells(boxes)
    assert row.cells == ("结果维持", "1", "0", "0", "1", "0")
    assert [round(a) for a, _ in row.spans] == [10, 300, 330, 360, 384, 408]


def test_ocr_digits_spread_over_narrow_columns_are_one_cell_each():
    from builder.sources.ocr import row_to_cells

    # `000000` read as one box 500 px wide, 25 px tall: six columns; `10` 28 px wide is one number
    row = row_to_cells([(100, 0, 600, 25, "000000"), (700, 0, 728, 25, "10")])
    assert row.cells == ("0", "0", "0", "0", "0", "0", "10")


def test_hostile_spans_do_not_blow_up_the_grid():
    from builder.sources.html import rows_to_grid

    td = etree.fromstring('<td colspan="100000" rowspan="0"/>')
    rows = [[td] * 50 for _ in range(200)]
    grid = rows_to_grid(rows)
    assert len(grid) == 200 and all(start < 1000 + 50 for row in grid for start, _ in row)
