"""The built site in headless Chromium (Debian's /usr/bin/chromium), served under /repo/ as GitHub Pages
serves a project site: pages render offline and fast, charts draw, tables keep the template's order."""

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from playwright import sync_api as playwright  # noqa: E402  (drives Debian chromium; never downloads a browser)

from tests.test_site_subpath import build_subpath_site, serve_subpath

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 90_000  # a loaded machine is slow: every wait is for a state, with a generous limit
FIRST_VISIT_BYTES = 600_000
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL ending in /repo/, build summary) of the default data built for a sub-path."""
    root, summary = build_subpath_site(tmp_path_factory.getbasetemp())
    return serve_subpath(root / "site"), summary


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """A fresh browser context (empty cache) in which every request to another host is black-holed:
    it is recorded and never answered, as a blocked host behaves from the mainland."""

    def __init__(self, browser, viewport=DESKTOP):
        self.context = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(WAIT_MS)
        self.outside: list[str] = []
        self.finished: list = []
        self.context.route("**/*", self.route)
        self.context.on("requestfinished", lambda request: self.finished.append(request))
        self.page = self.context.new_page()

    def route(self, route):
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)  # never answered: the request hangs

    def bytes_transferred(self) -> int:
        total = 0
        for request in self.finished:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    v = Visit(browser)
    yield v
    v.close()


@pytest.fixture
def phone_visit(browser):
    v = Visit(browser, PHONE)
    yield v
    v.close()


def report_url(base, summary, agency, year):
    report = next(r for r in summary.reports if r["agency"] == agency and r["year"] == year)
    return f"{base}{report['agency_path']}/{year}/"


def agency_url(base, summary, agency):
    report = next(r for r in summary.reports if r["agency"] == agency)
    return f"{base}{report['agency_path']}/"


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """A full-page PNG, into $SCREENSHOT_DIR when set (to look at), else the test's temp folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_report_page_shows_table_b_and_findings(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    row = page.locator("#B-granted").locator("xpath=ancestor::tr")
    cells = [c.strip().rstrip("*? ").strip() for c in row.locator("td").all_inner_texts()[1:]]
    assert cells == ["2", "", "3", "1", "", "", "6"]
    assert page.get_by_text("核查结果 Findings: 11").is_visible()


def test_finding_link_jumps_to_the_cell_finding(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    # a number a finding is about links to the finding (its row's label links to the source line)
    page.locator("#B-partially_granted").locator("xpath=ancestor::tr").locator("td a[href^='#f-']").first.click()
    assert "#f-cell-ambiguous-applications-partially-granted" in page.url


@pytest.mark.parametrize("which", ["home", "report", "agency", "region"])
def test_page_paints_without_waiting_on_any_other_host(server, visit, which):
    """Nothing leaves the site, and what blocks the first paint (Chromium's renderBlockingStatus) is the site's
    own CSS and scripts only. How fast the page paints is a number for a benchmark, not a test: timings flake
    on a shared machine."""
    base, summary = server
    url = {
        "home": base,
        "report": report_url(base, summary, "中卫市沙坡头区卫生健康局", 2023),
        "agency": agency_url(base, summary, "平潭综合实验区"),
        "region": base + "ningxia/",
    }[which]
    page = visit.page
    page.goto(url, wait_until="load")
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    blocking = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name)"
    )
    assert visit.outside == []
    assert blocking and all(u.startswith(base) for u in blocking), blocking


def test_report_page_first_visit_is_light(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "中卫市沙坡头区卫生健康局", 2023), wait_until="load")
    page.wait_for_load_state("networkidle")
    loaded = [r.url for r in visit.finished]
    assert not any(u.endswith(".map") for u in loaded)
    assert not any("plotly" in u for u in loaded), "a page without charts loads plotly.js"
    assert visit.bytes_transferred() <= FIRST_VISIT_BYTES, f"{visit.bytes_transferred()} bytes"


def test_agency_chart_draws_when_scrolled_into_view_with_plotly_loaded_once(server, visit):
    base, summary = server
    page = visit.page
    page.goto(agency_url(base, summary, "平潭综合实验区"))
    page.locator("#chart-applications-plot").scroll_into_view_if_needed()
    page.wait_for_function("window.__chartsDrawn >= 1")
    assert page.locator("#chart-applications-plot .main-svg").count() >= 1
    plotly = [r.url for r in visit.finished if "plotly" in r.url]
    assert len(plotly) == 1 and "plotly-basic-" in plotly[0], plotly
    assert visit.outside == []


def test_search_finds_an_agency_by_chinese_word(server, visit):
    base, _ = server
    page = visit.page
    page.goto(base)
    page.wait_for_load_state("networkidle")  # the search index is in
    # Material reads the query on keyup; Chinese text arrives as an input method's insertText (no
    # key events), so a key press after it stands for the IME's own keyup, as for a real reader
    page.keyboard.press("s")  # Material's shortcut: focus the search box
    page.wait_for_function("document.activeElement.matches('input.md-search__input')")
    page.keyboard.insert_text("沙坡头")
    page.keyboard.press("End")
    page.wait_for_selector(".md-search-result__item")
    links = page.locator(".md-search-result__link").evaluate_all("els => els.map(e => e.href)")
    assert any("ningxia/zhongwei/shapotou/weijian" in href for href in links), links


def test_quality_table_sorts_by_year(server, visit):
    base, _ = server
    page = visit.page
    page.goto(base + "quality/")
    table = page.locator("article table").nth(1)
    header = table.locator("th", has_text="年度 Year")
    header.click()
    years = [int(t) for t in table.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    assert years == sorted(years)
    header.click()
    years = [int(t) for t in table.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    assert years == sorted(years, reverse=True)


def table_b(page):
    return page.locator("#B-granted").locator("xpath=ancestor::table")


def test_titles_in_the_browser(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "平潭综合实验区", 2021))
    assert page.title() == "平潭综合实验区 2021年政府信息公开工作年度报告"
    page.goto(agency_url(base, summary, "平潭综合实验区"))
    assert page.title() == "平潭综合实验区"
    page.goto(base + "fujian/")
    assert page.title() == "福建省"


def row_keys(table) -> list[str]:
    return table.locator("tbody tr td:first-child [id]").evaluate_all("els => els.map(e => e.id)")


def test_template_tables_keep_their_order_after_a_header_click(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    table = table_b(page)
    before = row_keys(table)
    assert before[:3] == ["B-new", "B-carried_over", "B-granted"] and before[-1] == "B-carried_forward"
    table.locator("thead th").last.click()
    table.locator("thead th").nth(1).click()
    assert row_keys(table) == before


def test_table_b_shows_every_column_at_1366_with_sticky_labels_and_header(server, visit):
    base, summary = server
    page = visit.page
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    table = table_b(page)
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"]
    for th in table.locator("thead th").all():
        th_box = th.bounding_box()
        assert th_box["x"] + th_box["width"] <= box["x"] + box["width"] + 1, th.inner_text()
    styles = table.evaluate(
        """t => [getComputedStyle(t.querySelector("tbody td")).position,
                 getComputedStyle(t.querySelector("thead th")).position]"""
    )
    assert styles == ["sticky", "sticky"]


def test_phone_layout_keeps_each_number_with_its_label(server, phone_visit):
    base, summary = server
    page = phone_visit.page
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    row = page.locator("#B-granted").locator("xpath=ancestor::tr")
    page.wait_for_function("document.querySelector('#B-granted').closest('tr').cells[1].dataset.label")
    labels = row.locator("td").evaluate_all(
        "tds => tds.slice(1).map(td => getComputedStyle(td, '::before').content.replace(/\"/g, ''))"
    )
    assert labels == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    row_box = row.bounding_box()
    assert row_box["width"] <= PHONE["width"]
    for td in row.locator("td").all():
        td_box = td.bounding_box()
        assert row_box["x"] <= td_box["x"] and td_box["x"] + td_box["width"] <= row_box["x"] + row_box["width"] + 1


PAGES = {
    "home": lambda base, summary: base,
    "report": lambda base, summary: report_url(base, summary, "固原市卫生健康委", 2019),
    "agency": lambda base, summary: agency_url(base, summary, "平潭综合实验区"),
    "region": lambda base, summary: base + "ningxia/",
    "not-found": lambda base, summary: base + "no/such/page/",
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots(server, browser, name, size, tmp_path):
    base, summary = server
    v = Visit(browser, DESKTOP if size == "desktop" else PHONE)
    try:
        v.page.goto(PAGES[name](base, summary))
        v.page.wait_for_load_state("networkidle")
        charts = v.page.locator(".chart[data-figure]")
        for i in range(charts.count()):  # charts are drawn as they come into view: visit each, wait for it
            charts.nth(i).scroll_into_view_if_needed()
            v.page.wait_for_selector(f".chart[data-figure] >> nth={i}", state="attached")
            v.page.wait_for_function(f"window.__chartsDrawn >= {i + 1}")
        v.page.evaluate("window.scrollTo(0, 0)")
        screenshot(v.page, f"{name}-{size}", tmp_path)
        assert v.outside == []
    finally:
        v.close()
