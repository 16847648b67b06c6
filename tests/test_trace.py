"""Every number traceable (issue 13, item 3): each cell of a report page links to the place it was read from,
the PDF page or the line of the file shown line by line, and that place prints the number; cells not read
plainly look different and say why; the file shown line by line is escaped."""

import re
import urllib.parse
from pathlib import Path

import jsonschema
import pdfplumber
import pytest
from bs4 import BeautifulSoup

from builder import sources
from builder.build import build, source_lines
from builder.pages import addresses, cell_html, cell_view, reportpage
from builder.parse import parse_document
from builder.schema import report_schema
from tests.conftest import ROOT, copy_project

REPORTS = ROOT / "data" / "reports"
PDF = REPORTS / "pdf" / "004_c9a422416cd4110b.pdf"
TEXT_SEED = REPORTS / "000_bcd9cbae5e912fc9.txt"
PINGTAN_2021 = REPORTS / "pingtan" / "pingtan_2021.html"
HOSTILE_LINE = "<script>alert('zqx')</script><img src=x onerror=zqx()> | **zqx** # zqx [zqx](javascript:zqx())"


# --- the JSON: the page of every row of a PDF ----------------------------------------------------------


def test_pdf_rows_record_the_page_they_were_read_on():
    """The pages of the rows, checked against the PDF itself (pdfplumber: 行政处罚 8 on page 1, 本年新收 on page 2)."""
    report = parse_document(sources.read(PDF, "pdf/" + PDF.name))
    pages = report["tables"]["active_disclosure"]["pages"]
    assert pages["administrative_penalty"] == 1 and pages["administrative_fees_10k_yuan"] == 2
    assert report["tables"]["applications"]["pages"]["new"] == 2
    assert set(report["tables"]["review_litigation"]["pages"].values()) == {4}
    assert set(pages) == set(report["tables"]["active_disclosure"]["rows"])  # every row found has its page
    jsonschema.validate(report, report_schema())


def test_text_and_web_reports_have_no_pages():
    for path in (TEXT_SEED, PINGTAN_2021):
        report = parse_document(sources.read(path))
        assert all("pages" not in info for info in report["tables"].values()), path


# --- addresses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, expected",
    [
        ("ningxia/zhongwei/shapotou/weijian/2023.md", "../../../../../sources/x/"),
        ("ningxia/index.md", "../sources/x/"),
        ("index.md", "sources/x/"),
        ("quality.md", "../sources/x/"),
        ("sources/a/index.md", "../../sources/x/"),
        ("a/myindex.md", "../../sources/x/"),
    ],
)
def test_url_link_counts_the_folders_of_the_served_page(page, expected):
    assert addresses.url_link(page, "sources/x/") == expected


# --- cells not read plainly ----------------------------------------------------------------------------


def report_with_notes(notes: dict, report_notes=()) -> dict:
    return {"cells": notes, "notes": list(report_notes)}


@pytest.mark.parametrize(
    "note, value, mark, classes, title",
    [
        ({"position": "inferred", "line": 54}, 2, "*", ["cell-inferred"], "所在列由合计推断"),
        ({"position": "ambiguous", "alternatives": [None]}, 0, "?", ["cell-ambiguous"], "另一种读法（空白）"),
        ({"raw": "O", "unreadable": True}, None, "!", ["cell-unreadable"], "无法读出"),
        ({"raw": "-5", "impossible": "negative"}, None, "!", ["cell-refused"], "不予采用：件数不能为负数"),
        ({"ocr": True}, 12, "", ["cell-ocr"], "光学字符识别（OCR）"),
        ({"raw": "?0"}, 0, "", [], None),
    ],
)
def test_a_cell_not_read_plainly_has_a_class_a_mark_and_says_why_in_chinese(note, value, mark, classes, title):
    cell = cell_view(report_with_notes({"applications.new.total": note}), value, "applications.new.total")
    assert (cell["mark"], cell["classes"]) == (mark, classes)
    if title:
        assert title in "；".join(cell["titles"])
    else:
        assert cell["titles"] == []


def test_every_number_of_a_report_read_by_ocr_is_marked_ocr_but_not_a_blank():
    report = report_with_notes({}, ["read by OCR (rapidocr); every cell is OCR-read and may be wrong"])
    assert cell_view(report, 7, "applications.new.total")["classes"] == ["cell-ocr"]
    assert cell_view(report, None, "applications.new.total")["classes"] == []


def test_cell_html_links_the_number_to_its_place_and_the_mark_to_the_finding():
    cell = cell_view(report_with_notes({"a.b.c": {"position": "ambiguous", "alternatives": [None]}}), 0, "a.b.c")
    cell.update(href="../sources/x/#L55", findings=[{"anchor": "f-x", "severity": "warning", "label": "提示 warning"}])
    soup = BeautifulSoup(str(cell_html(cell)), "html.parser")
    number, finding = soup.find_all("a")
    assert number["href"] == "../sources/x/#L55" and number.get_text() == "0"
    assert number["class"] == ["src", "cell-ambiguous", "cell-warning"] and "读法不确定" in number["title"]
    assert finding["href"] == "#f-x" and finding.get_text() == "?"


def test_a_refused_cell_shows_its_mark_linked_to_the_source():
    cell = cell_view(report_with_notes({"a.b.c": {"raw": "-5", "impossible": "negative"}}), None, "a.b.c")
    cell.update(href="x.pdf#page=2", findings=[])
    link = BeautifulSoup(str(cell_html(cell)), "html.parser").find("a")
    assert (link.get_text(), link["href"], link["class"]) == ("!", "x.pdf#page=2", ["src", "cell-refused"])


# --- the file line by line: escaped ----------------------------------------------------------------


# How docs/assets/source.js splits a lines file: where str.splitlines breaks.
VIEWER_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def viewer_lines(text: str) -> list[str]:
    """The lines docs/assets/source.js shows for a fetched text, first at index 0."""
    lines = VIEWER_BREAKS.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def test_a_lines_file_puts_line_n_on_line_n_and_keeps_a_hostile_line_as_text():
    lines = [(1, ("标题",)), (3, ("行政许可", "", HOSTILE_LINE, "", "")), (4, ("a\u2028b", "c\td\re"))]
    shown = viewer_lines(reportpage.lines_text(lines))
    assert shown == ["标题", "", f"行政许可\t\t{HOSTILE_LINE}", "a b\tc d e"]  # line 2 unread: blank


def test_the_viewer_reads_a_utf8_text_original_and_a_lines_file_for_other_files():
    text = {"id": "x-2023", "source": {"format": "text", "file": "r.txt", "encoding": "utf-8"}}
    assert addresses.lines_file(text) is None
    assert addresses.source_view_url(text) == "sources/?f=x-2023/r.txt"
    for source in (
        {"format": "text", "file": "r.txt", "encoding": "gb18030"},
        {"format": "text", "file": "r.doc", "encoding": "utf-8"},  # a .doc is text after antiword, not as served
        {"format": "html", "file": "r.html", "encoding": "utf-8"},
        {"format": "docx", "file": "r.docx"},
    ):
        report = {"id": "x-2023", "source": source}
        assert addresses.lines_file(report) == "sources/x-2023.lines.txt"
        assert addresses.source_view_url(report) == "sources/?f=x-2023.lines.txt"
    assert addresses.lines_file({"id": "x", "source": {"format": "pdf", "file": "r.pdf"}}) is None


def test_source_lines_are_the_parsers_numbers():
    """A text file: every line, numbered as the text reader numbers it; a web page: the reader's blocks."""
    report = parse_document(sources.read(TEXT_SEED, TEXT_SEED.name))
    shown = dict(source_lines(TEXT_SEED, report))
    for line in sources.read(TEXT_SEED).lines:
        assert [c.strip() for c in shown[line.number]] == [c.replace("\u3000", " ").strip() for c in line.cells]
    page = parse_document(sources.read(PINGTAN_2021, "pingtan/" + PINGTAN_2021.name))
    blocks = sources.read(PINGTAN_2021).lines
    assert source_lines(PINGTAN_2021, page) == [(ln.number, ln.cells) for ln in blocks]


# --- the built site: follow the links ---------------------------------------------------------------


def served_file(site_dir: Path, page_dir: Path, href: str) -> tuple[Path, str]:
    """The file a link on the page served from `page_dir` leads to, and its #fragment; for the viewer of a file's
    lines (sources/?f=FILE), the file it shows."""
    target, fragment = urllib.parse.urldefrag(href)
    parts = urllib.parse.urlsplit(target)
    path = (page_dir / urllib.parse.unquote(parts.path)).resolve()
    if parts.query:
        (shown,) = urllib.parse.parse_qs(parts.query)["f"]
        path = (path / shown).resolve()
    assert path.is_relative_to(site_dir.resolve()), href
    return (path / "index.html" if path.is_dir() else path), fragment


def report_of(summary, agency: str, year: int) -> dict:
    return next(r for r in summary.reports if r["agency"] == agency and r["year"] == year)


def row_link(td) -> dict:
    """The link of a table cell's row to the line (or PDF page) it was read from: the one link in its label."""
    return td.find_parent("tr").find("td").find("a", href=True)


def cell_link(site_dir: Path, report: dict, row_anchor: str, column: int) -> tuple[Path, str, str]:
    """(file, fragment, shown number) of a cell of a row of the report's page: where its row's link leads."""
    page_dir = site_dir / report["page"]
    soup = BeautifulSoup((page_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    cell = soup.find(id=row_anchor).find_parent("tr").find_all("td")[column]
    return *served_file(site_dir, page_dir, row_link(cell)["href"]), cell.get_text(strip=True)


def line_cells(text_file: Path, fragment: str) -> list[str]:
    """The cells of the line a #L fragment names in the file the viewer shows (docs/assets/source.js)."""
    assert re.fullmatch(r"L\d+", fragment), fragment
    line = viewer_lines(text_file.read_bytes().decode("utf-8").lstrip("\ufeff"))[int(fragment[1:]) - 1]
    return [c.strip() for c in line.split("\t")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "agency, year, row_anchor, column, value, label",
    [
        ("中卫市沙坡头区卫生健康局", 2023, "A-administrative_license", 1, "489", "行政许可"),  # text seed 000
        ("平潭综合实验区", 2021, "B-new", 7, "70", "本年新收政府信息公开申请数量"),  # web page, table row
        ("平潭综合实验区", 2021, "B-granted", 1, "27", "予以公开"),
    ],
)
def test_a_number_links_to_the_line_that_prints_it(default_site, agency, year, row_anchor, column, value, label):
    root, summary = default_site
    report = report_of(summary, agency, year)
    target, fragment, shown = cell_link(root / "site", report, row_anchor, column)
    assert shown == value
    cells = line_cells(target, fragment)
    assert value in cells and any(label in c for c in cells), cells
    # the line shown is the file's own line of that number, as the parser read it
    number = int(fragment[1:])
    read = {ln.number: ln for ln in sources.read(REPORTS / report["source"]["path"]).lines}
    assert [c for c in cells if c] == [c.replace("\u3000", " ").strip() for c in read[number].cells if c.strip()]


@pytest.mark.slow
@pytest.mark.parametrize(
    "row_anchor, column, value, label",
    [("A-administrative_penalty", 1, "8", "行政处罚"), ("A-normative_documents", 3, "4", "行政规范性文件")],
)
def test_a_pdf_number_links_to_the_page_that_prints_it(default_site, row_anchor, column, value, label):
    root, summary = default_site
    report = report_of(summary, "攀枝花市西区卫生健康局", 2023)
    assert report["source"]["format"] == "pdf"
    target, fragment, shown = cell_link(root / "site", report, row_anchor, column)
    assert shown == value and target.suffix == ".pdf" and target.read_bytes() == PDF.read_bytes()
    page = int(re.fullmatch(r"page=(\d+)", fragment).group(1))
    with pdfplumber.open(target) as pdf:
        printed = pdf.pages[page - 1].extract_text().splitlines()
    row = next(line for line in printed if line.startswith(label))
    assert value in row.split()[1:], row


@pytest.mark.slow
def test_every_number_on_every_report_page_links_to_a_place_that_exists(default_site):
    root, summary = default_site
    site_dir, checked = root / "site", 0
    for report in summary.reports:
        page_dir = site_dir / report["page"]
        soup = BeautifulSoup((page_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
        for table in soup.select(".template-table table"):
            for td in table.select("tbody td:not(:first-child)"):
                number = td.get_text(strip=True).rstrip("*?†")
                if number in ("", "∅"):  # blank (∅: a finding is about the blank)
                    continue
                link = row_link(td)
                assert link is not None, (report["page"], str(td))
                target, fragment = served_file(site_dir, page_dir, link["href"])
                assert target.is_file(), link["href"]
                if fragment.startswith("L"):
                    assert line_cells(target, fragment), link["href"]
                checked += 1
    assert checked > 500


@pytest.mark.slow
def test_a_built_report_links_its_lines_where_the_viewer_finds_them(tmp_path):
    """A UTF-8 text report ending in a `<script>` line, built whole: its page's line links open the viewer on the
    served original, whose line N (split as the viewer splits it) is the line the parser numbered N; a web page
    gets a lines file numbered as its reader numbered its blocks. No page per report's lines is built."""
    text = TEXT_SEED.read_text(encoding="utf-8").splitlines() + [HOSTILE_LINE]
    project = copy_project(tmp_path, [PINGTAN_2021])
    (project / "data" / "reports" / TEXT_SEED.name).write_text("\n".join(text) + "\n", encoding="utf-8")
    summary = build(project)
    site = project / "site"
    assert (site / "sources" / "index.html").is_file() and not list(site.glob("sources/*/index.html"))
    for report in summary.reports:
        page = (site / addresses.report_page(report).removesuffix(".md") / "index.html").read_text(encoding="utf-8")
        hrefs = re.findall(r'href="((?:\.\./)+sources/\?f=([^"#]+)#L(\d+))"', page)
        assert hrefs, report["id"]
        (served,) = {f for _, f, _ in hrefs}
        shown = viewer_lines((site / "sources" / served).read_bytes().decode("utf-8").lstrip("\ufeff"))
        numbered = dict(source_lines(project / "data" / "reports" / report["source"]["path"], report))
        for _, _, line in hrefs:
            cells = [c.strip() for c in reportpage.shown_cells(tuple(shown[int(line) - 1].split("\t")))]
            assert cells == [c.strip() for c in reportpage.shown_cells(numbered[int(line)])], (served, line)
        if report["source"]["format"] == "text":
            assert f"sources/{served}" == addresses.source_href(report) and shown[len(text) - 1] == HOSTILE_LINE


def test_a_pdf_line_without_its_page_gets_no_link():
    report = {"source": {"format": "pdf", "file": "x.pdf"}, "id": "x"}
    assert addresses.source_place(report, "a/2023.md", 12, None) is None
    assert addresses.source_place(report, "a/2023.md", 12, 3)["href"] == "../../sources/x/x.pdf#page=3"


# --- in the browser ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_clicking_a_number_shows_its_line_highlighted(tmp_path_factory):
    """Headless Chromium, the site served under /repo/: click 70 (table B, new applications, total) on
    平潭 2021's page; the viewer of its file's lines opens at that line, in view, highlighted, and prints 70.
    A hostile line is shown as text; a file named outside the sources folder is not fetched."""
    from tests.test_browser import CHROMIUM, FLAGS, WAIT_MS, Visit, playwright, report_url
    from tests.test_site_subpath import build_subpath_site, serve_subpath

    root, summary = build_subpath_site(tmp_path_factory.getbasetemp())
    base = serve_subpath(root / "site")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        visit = Visit(browser)
        page = visit.page
        page.goto(report_url(base, summary, "平潭综合实验区", 2021))
        number = page.locator("#B-new").locator("xpath=ancestor::tr").locator("td").last  # followed by tables.js
        assert number.inner_text() == "70"
        number.click()
        page.wait_for_url(re.compile(r"/repo/sources/\?f=[^#]+\.lines\.txt#L[0-9]+$"), timeout=WAIT_MS)
        line = page.locator("#lines-view > .source-line.highlight")  # in the viewer's box, not in a heading
        line.wait_for(state="visible", timeout=WAIT_MS)
        assert line.count() == 1 and line.get_attribute("id") == urllib.parse.urldefrag(page.url).fragment
        assert "70" in [c.strip() for c in line.locator(".text").inner_text().split("│")]
        box, header = line.bounding_box(), page.locator("header").first.bounding_box()
        assert box["y"] >= header["y"] + header["height"] - 1  # not hidden under the fixed site header
        background = line.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        line.locator(".ln").click()  # a line number links its own line
        assert page.locator(".source-line.highlight").get_attribute("id") == line.get_attribute("id")

        (root / "site" / "sources" / "zqx.lines.txt").write_text(f"标题\n{HOSTILE_LINE}\n", encoding="utf-8")
        page.goto(f"{base}sources/?f=zqx.lines.txt#L2")
        hostile = page.locator("#L2.highlight .text")
        hostile.wait_for(state="visible", timeout=WAIT_MS)
        assert hostile.inner_text() == HOSTILE_LINE and page.locator("#lines-view img, #lines-view script").count() == 0
        page.goto(f"{base}sources/?f=//example.com/x.txt#L1")
        page.locator("#lines-view[data-state=none]").wait_for(state="attached", timeout=WAIT_MS)
        assert not visit.outside
        visit.close()
        browser.close()
