"""Readers for PDF, scanned PDF, DOCX and HTML: one test per kind of damage, and all formats parse alike."""

from __future__ import annotations

import re
from pathlib import Path

import fixtures_gen as gen
import pytest

from builder.model import ReportError
from builder.sources import ocr
from builder.sources.docx import read_docx
from builder.sources.html import read_html
from builder.sources.pdf import read_pdf

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports" / "pingtan"  # the real pages, in the default dataset
REAL_PAGES = sorted(REPORTS.glob("*.html"))
SEEDS = gen.seed_paths()
DOCX = pytest.param("docx", marks=pytest.mark.slow)  # writing five DOCX files takes seconds
FORMATS = ("gbk", "pdf", DOCX, "html")
TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")
SEED_000 = next(s for s in SEEDS if s.name.startswith("000"))
SEED_003 = next(s for s in SEEDS if s.name.startswith("003"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Every format of every seed, each file generated once for this module when a test first asks for it."""
    folder = tmp_path_factory.mktemp("generated")
    return {seed.name[:3]: gen.generate_all(seed, folder) for seed in SEEDS}


def texts(doc) -> list[str]:
    return [line.text for line in doc.lines]


def rows_of(doc, table: int) -> list[tuple[str, ...]]:
    return [line.cells for line in doc.lines if line.table == table]


def row_starting(doc, label: str) -> tuple[str, ...]:
    """The first table row with a cell starting with label (whitespace ignored)."""
    for line in doc.lines:
        if line.table is not None and any("".join(c.split()).startswith(label) for c in line.cells):
            return line.cells
    raise AssertionError(f"no row labelled {label}")


# --- every format reads the seed's tables back --------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("fmt", ["pdf", DOCX, "html"])
def test_generated_file_reads_back_the_seed_tables(generated, seed, fmt):
    reader = {"pdf": read_pdf, "docx": read_docx, "html": read_html}[fmt]
    doc = reader(generated[seed.name[:3]][fmt])
    assert gen.document_tables(doc) == gen.expected_tables(seed.read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_to_the_text_seed_tables(generated, seed, fmt):
    from builder import parse
    from builder.sources import read

    files = generated[seed.name[:3]]
    want = parse.parse_document(read(files["text"]))
    got = parse.parse_document(read(files[fmt]))
    assert {k: got[k] for k in TABLE_KEYS} == {k: want[k] for k in TABLE_KEYS}


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_drops_running_header_footer_and_page_numbers(generated):
    doc = read_pdf(generated["000"]["pdf"])
    assert not [t for t in texts(doc) if t.endswith(gen.RUNNING_HEADER) and "2023" not in t]
    assert not [t for t in texts(doc) if re.fullmatch(r"-\s*\d+\s*-", t)]
    assert any("header/footer" in note for note in doc.notes)


def test_pdf_removes_duplicated_characters_of_fake_bold_headings(generated):
    import pdfplumber

    path = generated["000"]["pdf"]
    with pdfplumber.open(path) as pdf:
        raw = pdf.pages[0].extract_text()
    assert "一一、、总总体体情情况况" in raw.replace(" ", "")  # the fixture really has the damage
    assert "一、总体情况" in texts(read_pdf(path))


def test_pdf_joins_a_table_continued_on_the_next_page(generated):
    doc = read_pdf(generated["000"]["pdf"])
    table = next(line.table for line in doc.lines if line.text.startswith("一、本年新收"))
    pages = {line.page for line in doc.lines if line.table == table}
    assert len(pages) >= 2
    assert len(rows_of(doc, table)) == len(gen.expected_tables(SEED_000.read_text(encoding="utf-8"))[1])
    assert {line.table for line in doc.lines if line.table is not None} == {0, 1, 2}


def test_pdf_keeps_a_lone_row_left_before_a_page_break(generated):
    # seed 003's table A starts with one row at the foot of page 1, which pdfplumber does not report
    doc = read_pdf(generated["003"]["pdf"])
    first = next(line for line in doc.lines if line.text == "第二十条第（一）项")
    following = next(line for line in doc.lines if line.text.startswith("信息内容 本年新制作数量"))
    assert first.table == following.table == 0
    assert first.page + 1 == following.page


def test_pdf_merged_cells_appear_once(generated):
    doc = read_pdf(generated["000"]["pdf"])
    table = rows_of(doc, 1)
    assert sum("三、本年度办理结果" in c for row in table for c in row) == 1
    partial = row_starting(doc, "(二)部分公开")  # under the merged 三、本年度办理结果: no blank before it
    assert partial[:8] == ("(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)",) + ("0",) * 7
    assert row_starting(doc, "(本列数据")[1:] == ("申请人情况", "总计")


def test_pdf_reads_header_printed_one_character_a_line(generated):
    doc = read_pdf(generated["000"]["pdf"])
    header = row_starting(doc, "结果维持")
    assert header[:5] == ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def test_pdf_rejoins_paragraph_lines_wrapped_at_the_margin(generated):
    doc = read_pdf(generated["000"]["pdf"])
    seed = SEED_000.read_text(encoding="utf-8")
    paragraph = next(p for p in seed.split("\n") if p.startswith("（三）政府信息管理"))
    assert "".join(paragraph.split()) in ["".join(t.split()) for t in texts(doc)]


def test_pdf_reads_tables_without_ruling_lines_by_gaps(tmp_path):
    path = gen.write_pdf(SEED_000.read_text(encoding="utf-8"), tmp_path / "unruled.pdf", ruled=False)
    doc = read_pdf(path)
    assert any("without ruling lines" in note for note in doc.notes)
    licence = next(line for line in doc.lines if line.cells[0] == "行政许可")
    assert licence.cells == ("行政许可", "489") and licence.table is not None
    assert next(line for line in doc.lines if line.cells[0] == "规章").cells == ("规章", "0", "0", "0")
    heading = next(line for line in doc.lines if line.text == "三、收到和处理政府信息公开申请情况")
    assert heading.table is None


def test_pdf_scanned_without_ocr_says_so(generated, tmp_path, monkeypatch):
    path = gen.write_scanned_pdf(generated["000"]["pdf"], tmp_path / "scan.pdf", first=1, last=2, dpi=50)
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ReportError, match="scanned: no text layer, 2 pages"):
        read_pdf(path)


def test_pdf_that_is_not_a_pdf_raises(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(ReportError, match="broken.pdf"):
        read_pdf(path)


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_reads_paragraphs_and_tables_in_body_order(generated):
    doc = read_docx(generated["000"]["docx"])
    heading = texts(doc).index("二、主动公开政府信息情况")
    assert doc.lines[heading + 1].cells == ("第二十条第（一）项",) and doc.lines[heading + 1].table == 0
    assert doc.lines[heading - 1].table is None


def test_docx_leaves_out_page_header_and_footer(generated):
    doc = read_docx(generated["000"]["docx"])
    assert not [t for t in texts(doc) if t.endswith(gen.RUNNING_HEADER) and "2023" not in t]


def test_docx_merged_cells_appear_once_and_split_header_is_joined(generated):
    doc = read_docx(generated["000"]["docx"])
    assert sum("三、本年度办理结果" in c for row in rows_of(doc, 1) for c in row) == 1
    assert row_starting(doc, "结果维持")[:2] == ("结果维持", "结果纠正")  # one paragraph a character


def test_docx_that_is_not_a_docx_raises(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK not a zip")
    with pytest.raises(ReportError, match="not a readable .docx"):
        read_docx(path)


# --- HTML ---------------------------------------------------------------------------------------


def test_html_drops_site_chrome_and_scripts(generated):
    doc = read_html(generated["000"]["html"])
    joined = "\n".join(texts(doc))
    for chrome in ("导航", "当前位置", "主办单位", "分享到", "不是正文", "附件下载", "avalon"):
        assert chrome not in joined
    assert texts(doc)[0].startswith("中卫市沙坡头区卫生健康局")


def test_html_joins_runs_split_across_spans(generated):
    doc = read_html(generated["000"]["html"])
    assert row_starting(doc, "行政许可") == ("行政许可", "489", "", "")
    assert "一、总体情况" in texts(doc)  # heading with &nbsp; and <o:p> around it


def test_html_page_in_gbk_is_decoded(tmp_path):
    path = gen.write_html(SEED_000.read_text(encoding="utf-8"), tmp_path / "gbk.html", encoding="gbk")
    doc = read_html(path)
    assert doc.encoding == "gb18030"
    assert row_starting(doc, "行政许可")[:2] == ("行政许可", "489")


def test_html_without_article_container_reads_body_minus_navigation(tmp_path):
    path = tmp_path / "plain.html"
    path.write_text(
        "<html><body><div class='nav'>首页 政务公开</div><h2>一、总体情况</h2><p>正文。</p>"
        "<table><tr><td>规章</td><td>1</td></tr></table><footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    doc = read_html(path)
    assert [line.cells for line in doc.lines] == [("一、总体情况",), ("正文。",), ("规章", "1")]
    assert doc.notes


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
def test_html_real_page_has_its_tables_and_no_site_chrome(page):
    doc = read_html(page)
    tables = {line.table for line in doc.lines if line.table is not None}
    assert len(tables) == (1 if "pre2019" in page.name else 3)
    joined = "\n".join(texts(doc))
    assert "网站标识码" not in joined and "ms-controller" not in joined and "当前位置" not in joined
    assert doc.meta["title"].endswith("政府信息公开工作年度报告")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", doc.meta["published"])
    assert doc.meta["url"].startswith("https://www.pingtan.gov.cn/")


@pytest.mark.parametrize("page", [p for p in REAL_PAGES if "pre2019" not in p.name], ids=lambda p: p.stem)
def test_html_real_page_rows_end_in_their_numbers(page):
    doc = read_html(page)
    applications = [line.cells for line in doc.lines if line.table == 1 and re.search(r"\d", line.cells[-1])]
    assert len(applications) == (23 if "2020" in page.name else 25)
    assert all(all(re.fullmatch(r"\d+", c) for c in row[-7:]) for row in applications)
    review = [line.cells for line in doc.lines if line.table == 2 and re.fullmatch(r"\d+", line.cells[0])]
    assert len(review) == 1 and len(review[0]) == 15


def test_html_pingtan_2021_misaligned_header_maps_cells_by_order():
    doc = read_html(REPORTS / "pingtan_2021.html")
    assert row_starting(doc, "一、本年新收")[0] == "一、本年新收政府信息公开申请数量"
    assert row_starting(doc, "一、本年新收")[1:] == ("64", "0", "0", "2", "0", "4", "70")
    assert row_starting(doc, "（七）总计")[-7:] == ("63", "0", "0", "2", "0", "4", "69")


def test_html_pingtan_2020_repeated_rowspan_label_stays_a_label():
    doc = read_html(REPORTS / "pingtan_2020.html")
    row = next(line.cells for line in doc.lines if line.table == 1 and "（四）无法提供" in line.cells)
    assert row[:3] == ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息")
    assert row[3:] == ("4", "0", "0", "0", "0", "0", "4")


def test_html_pingtan_2016_title_split_across_spans():
    doc = read_html(REPORTS / "pingtan_2016_pre2019.html")
    assert texts(doc)[:2] == ["平潭综合实验区", "2016年度政府信息公开工作年度报告"]
    assert not [t for t in texts(doc) if "supportLists" in t or "xml:namespace" in t]


# --- real pages through the parser --------------------------------------------------------------


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
def test_real_page_parses_completely(page):
    from builder import parse
    from builder.sources import read

    report = parse.parse_document(read(page))
    if "pre2019" in page.name:
        assert report["template"] == "pre2019"
        assert report["pre2019_tables"] and all(len(row) == 4 for row in report["pre2019_tables"][0])
        return
    assert all(report["tables"][key]["status"] == "ok" for key in TABLE_KEYS)
    assert all(None not in row.values() and len(row) == 7 for row in report["applications"].values())
    assert [len(v) for v in report["review_litigation"].values()] == [5, 5, 5]
    assert None not in sum(report["review_litigation"].values(), [])


def heading_lines(doc) -> list[int]:
    """The number of the first line holding each of the template's section headings, in template order."""
    from builder.template import load_template

    flat = [(line.number, "".join(line.text.split())) for line in doc.lines]
    return [next(n for n, text in flat if s["heading"] in text) for s in load_template().sections]


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_line_numbers_run_in_reading_order(generated, fmt):
    doc = {"pdf": read_pdf, "docx": read_docx, "html": read_html}[fmt](generated["001"][fmt])
    assert doc.format == fmt
    assert [line.number for line in doc.lines] == list(range(1, len(doc.lines) + 1))
    headings = heading_lines(doc)
    assert headings == sorted(headings) and len(set(headings)) == 6, headings
    pages = [line.page for line in doc.lines]
    if fmt == "pdf":
        assert pages[0] == 1 and pages == sorted(pages)
    else:
        assert set(pages) == {None}


def test_the_real_pages_are_all_there():
    assert len(REAL_PAGES) == 8  # an empty parameter set would silently skip the real-page tests
