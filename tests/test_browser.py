"""The built site in headless Chromium (Debian's /usr/bin/chromium): pages render, charts draw, search finds Chinese."""

import functools
import http.server
import io
import re
import shutil
import threading

import pytest
from PIL import Image
from playwright import sync_api as playwright  # noqa: E402  (drives Debian chromium; never downloads a browser)

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
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(default_site):
    root, summary = default_site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", summary
    httpd.shutdown()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        yield page
        context.close()


def report_url(base, summary, agency, year):
    report = next(r for r in summary.reports if r["agency"] == agency and r["year"] == year)
    return f"{base}/{report['agency_path']}/{year}/"


def test_report_page_shows_table_b_and_findings(server, page):
    base, summary = server
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    row = page.locator("#B-granted").locator("xpath=ancestor::tr")
    cells = [c.strip().rstrip("*? ").strip() for c in row.locator("td").all_inner_texts()[1:]]
    assert cells == ["2", "", "3", "1", "", "", "6"]
    assert page.get_by_text("核查结果 Findings: 11").is_visible()
    # What a reader sees: the theme's header in its colour, and the row's numbers drawn (not a blank box).
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    header = page.locator(".md-header")
    colour = header.evaluate("e => getComputedStyle(e).backgroundColor")
    top = header.bounding_box()
    strip = shot.crop((0, int(top["y"]) + 1, shot.width, int(top["y"]) + 3))
    _, most = max(strip.getcolors(strip.width * strip.height))
    assert most == tuple(int(n) for n in re.findall(r"\d+", colour)[:3]) != (255, 255, 255), (most, colour)
    box = row.bounding_box()
    drawn = shot.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    assert len(drawn.getcolors(drawn.width * drawn.height)) > 8, "table B's row is not drawn"


def test_finding_link_jumps_to_the_cell_finding(server, page):
    base, summary = server
    page.goto(report_url(base, summary, "固原市卫生健康委", 2019))
    page.locator("#B-partially_granted").locator("xpath=ancestor::tr").locator("a.cell-warning").first.click()
    assert "#f-cell-ambiguous-applications-partially-granted" in page.url


def test_agency_page_draws_its_chart(server, page):
    base, summary = server
    url = report_url(base, summary, "攀枝花市西区卫生健康局", 2023).rsplit("2023/", 1)[0]
    page.goto(url)
    page.locator("#chart-applications-plot").scroll_into_view_if_needed()  # charts are drawn when seen
    page.wait_for_selector("#chart-applications-plot .main-svg")
    assert page.locator("#chart-applications-plot .main-svg").count() >= 1


def test_search_finds_an_agency_by_chinese_word(server, page):
    base, summary = server
    page.goto(base + "/")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Material sends the query when its worker is ready, or on a keyup; fill() of Chinese text makes no keyup,
    # so wait for the worker to answer the empty query first (its meta line is set), then type and press a key.
    page.wait_for_function("() => document.querySelector('.md-search-result__meta').textContent.trim() !== ''")
    page.locator("input.md-search__input").fill("沙坡头")
    page.locator("input.md-search__input").press("End")
    page.wait_for_selector(".md-search-result__item")
    links = page.locator(".md-search-result__link").evaluate_all("els => els.map(e => e.href)")
    assert any("ningxia/zhongwei/shapotou/weijian" in href for href in links), links


def test_quality_table_sorts_by_year(server, page):
    base, _ = server
    page.goto(base + "/quality/")
    table = page.locator("article table").nth(1)
    header = table.locator("th", has_text="年度 Year")
    header.click()
    years = [int(t) for t in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert years == sorted(years)
    header.click()
    years = [int(t) for t in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert years == sorted(years, reverse=True)
