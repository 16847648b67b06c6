"""Search: the pinyin terms added to pages, and the header's Pagefind box in Debian's chromium, served under /repo/."""

import contextlib
import functools
import gzip
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright import sync_api as playwright  # drives Debian chromium; never downloads a browser

from benchmarks.bench_search import PREFIX, SubPathHandler
from builder import search

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


# --- the terms added to pages (no browser) ---------------------------------------------------------------


def test_title_terms_read_place_names_as_places_and_give_initials():
    terms = search.title_to_terms("中卫市沙坡头区卫生健康局").split()
    assert terms[:2] == ["zhongweishishapotouquweishengjiankangju", "zwssptqwsjkj"]
    assert {"shapotouquweishengjiankangju", "sptqwsjkj", "weishengjiankangju", "wsjkj"} <= set(terms)
    # 长宁 is Changning as a place (data/divisions/place_pinyin.csv), not pypinyin's zhangning
    assert search.title_to_terms("上海市长宁区").split()[0] == "shanghaishichangningqu"


def test_title_terms_leave_out_what_is_not_chinese():
    assert search.title_to_terms("方法 Method") == "fangfa ff"
    assert search.title_to_terms("Index 2023") == ""


def test_report_addresses_end_in_a_year():
    assert search.is_report_address("ningxia/zhongwei/shapotou/weijian/2023/index.html")
    assert not search.is_report_address("ningxia/zhongwei/shapotou/weijian/index.html")
    assert not search.is_report_address("index.html")


def test_search_terms_are_escaped_and_named_pages_weigh_their_title():
    title = "隆德县&lt;b&gt;局"  # as partials/content.html escapes a title with markup in it
    body = f'<span class="search-title" data-pagefind-meta="title" hidden>{title}</span>\n<div data-pagefind-body>'
    page = f'{body}<h1 id="x">{title}</h1>{search.TERMS_SLOT}</div>'
    slot = r'<div class="search-terms" hidden data-pagefind-weight="10">([^<]*)</div>'
    agency = search.add_search_terms(page, "ningxia/guyuan/longde/weijian/index.html")
    assert re.search(slot, agency).group(1) == f"{title} longdexianju ldxj ju"  # the title's own text, escaped once
    assert f'<h1 data-pagefind-weight="10" id="x">{title}</h1>' in agency
    report = search.add_search_terms(page, "ningxia/guyuan/longde/weijian/2024/index.html")
    assert re.search(slot, report).group(1) == "longdexianju ldxj ju"
    assert f'<h1 id="x">{title}</h1>' in report
    unindexed = "<html>no indexed content</html>"
    assert search.add_search_terms(unindexed, "x/index.html") == unindexed


@pytest.mark.parametrize(
    "address, indexed",
    [
        ("index.html", True),
        ("about/method/index.html", True),
        ("ningxia/zhongwei/shapotou/weijian/2023/index.html", True),
        ("ningxia/zhongwei/shapotou/weijian/2023-2/index.html", True),
        ("sources/zhongweishishapotouquweishengjiankangju-2023/index.html", False),  # numbered source lines
        ("quality/index.html", False),  # lists of findings and reports
        ("compare/rankings/3/index.html", False),
        ("2/index.html", False),  # the home page's second page
        ("ningxia/2/index.html", False),
        ("downloads/index.html", False),
        ("404.html", False),
    ],
)
def test_only_pages_people_look_for_are_indexed(address, indexed):
    assert search.is_indexed_address(address) is indexed


def test_a_second_report_of_a_year_is_a_report():
    assert search.is_report_address("guizhou/tongren/songtao/jiaoyu/2025-2/index.html")


def test_a_large_site_is_indexed_in_parts_named_pages_first(tmp_path):
    reports = [
        f"ningxia/{city}/a{n}/{year}/index.html"
        for city in ("zhongwei", "guyuan")
        for n in range(2)
        for year in (2022, "2023-2")
    ]
    named = ["about/method/index.html", "index.html", "ningxia/guyuan/a0/index.html", "ningxia/index.html"]
    unindexed = ["ningxia/2/index.html", "sources/r1/index.html", "quality/index.html", "404.html"]
    for page in reports + named + unindexed:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("<html></html>", encoding="utf-8")
    parts = search.parts_of(tmp_path, limit=3)
    assert parts == [sorted(named), *search.chunks(sorted(reports), 3)]
    assert [len(part) for part in parts] == [4, 3, 3, 2]
    assert search.parts_of(tmp_path, limit=3, named_limit=2)[:2] == search.chunks(sorted(named), 2)
    assert search.parts_of(tmp_path, limit=12) == [sorted(reports + named)]  # one part where it fits
    assert search.glob_of(["a/index.html", "b{1}/index.html"]) == r"{a/index.html,b\{1\}/index.html}"


def fragments(site: Path) -> dict[str, str]:
    """The indexed text of each page in a built site's Pagefind bundle (and its parts), by the page's address."""
    texts = {}
    for path in (site / search.BUNDLE_DIR).glob("**/fragment/*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        fragment = json.loads(data[data.index(b"{") :])
        texts[fragment["url"]] = fragment["content"].replace("\u200b", "")
    return texts


def test_the_number_tables_are_not_indexed_the_narrative_is(default_site):
    root, _ = default_site
    site = root / "site"
    report = site / "ningxia/zhongwei/shapotou/weijian/2023/index.html"
    page = report.read_text(encoding="utf-8")
    digest = re.search(r"<code>([0-9a-f]{64})</code>", page).group(1)  # the file's SHA-256, in the details table
    assert "本年新收政府信息公开申请数量" in page  # a row of table B
    text = fragments(site)["/ningxia/zhongwei/shapotou/weijian/2023/"]
    assert digest not in text and "本年新收政府信息公开申请数量" not in text
    assert "政府开放日" in text and "中卫市沙坡头区卫生健康局" in text  # its narrative and its title
    indexed = set(fragments(site))
    assert not [url for url in indexed if url.startswith(("/sources/", "/quality/", "/downloads/"))], indexed
    assert json.loads((site / search.BUNDLE_DIR / search.PARTS_FILE).read_text(encoding="utf-8")) == []  # one part


# --- the built site in a browser -----------------------------------------------------------------------


@contextlib.contextmanager
def serve(site: Path):
    """Serve a built site from 127.0.0.1 under PREFIX; yield its base address."""
    if not (site / search.BUNDLE_DIR / "pagefind.js").exists():
        pytest.fail("the build wrote no search index: install Pagefind with `npm ci` (package.json)")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}/"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def site(default_site):
    root, _ = default_site
    with serve(root / "site") as base:
        yield base, root / "site"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A site whose one report has markup in its agency's name and in its text (tests/test_escaping.py)."""
    from builder.build import build
    from tests.test_escaping import HOSTILE
    from tests.test_hostile import project, seed_with

    root = project(tmp_path_factory.mktemp("hostile"), [])
    text = seed_with(f"固原市{HOSTILE[0]}卫生健康委")
    text = text.replace("一、总体情况\n", f"一、总体情况\n\n{' '.join(HOSTILE[:6])}\n", 1)
    (root / "data" / "reports" / "hostile.txt").write_text(text, encoding="utf-8")
    build(root)
    with serve(root / "site") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Visit:
    """A fresh browser context (cold cache) that records every request it makes."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def search(self, base: str, query: str, path: str = "") -> list[dict]:
        """Type `query` into the header's search box on base+path; return the results shown (title, href).
        `requests` and the server's `SubPathHandler.served` then hold what the search alone loaded."""
        self.page.goto(base + path)
        self.page.wait_for_load_state("networkidle")
        self.requests.clear()
        SubPathHandler.served.clear()
        box = self.page.locator("input.md-search__input")
        box.fill(query)
        self.page.wait_for_selector(".md-search[data-search-state=done]")
        return self.page.locator("a.md-search-result__link").evaluate_all(
            "els => els.map(e => ({title: e.querySelector('h1').textContent, href: e.href}))"
        )


@pytest.fixture
def visit(browser):
    v = Visit(browser)
    yield v
    v.context.close()


def relative(base: str, href: str) -> str:
    assert href.startswith(base), f"{href} is not under {base}"
    return href[len(base) :]


RANKED = [
    # (what the query is, query, the page that must come first, its title in the results)
    ("agency name", "隆德县卫生健康局", "ningxia/guyuan/longde/weijian/", "隆德县卫生健康局"),
    ("agency name", "平潭综合实验区", "fujian/fuzhou/pingtan/zhengfu/", "平潭综合实验区"),
    ("place", "中卫市", "ningxia/zhongwei/", "中卫市"),
    ("place", "平潭县", "fujian/fuzhou/pingtan/", "平潭县"),
    ("template term", "办理结果总计", "checks/", "核查规则 The checks"),
    ("template term", "勾稽关系", "checks/", "核查规则 The checks"),
    ("pinyin", "longdexian", "ningxia/guyuan/longde/", "隆德县"),
    ("pinyin", "pingtanzonghe", "fujian/fuzhou/pingtan/zhengfu/", "平潭综合实验区"),
]


@pytest.mark.browser
@pytest.mark.parametrize("kind, query, first, title", RANKED, ids=[f"{r[0]}:{r[1]}" for r in RANKED])
def test_search_ranks_the_right_page_first(site, visit, kind, query, first, title):
    base, _ = site
    results = visit.search(base, query)
    assert results, f"{query}: no results"
    assert relative(base, results[0]["href"]) == first, [relative(base, r["href"]) for r in results]
    assert results[0]["title"] == title


@pytest.mark.browser
def test_a_table_label_finds_no_report_and_the_agency_name_still_does(site, visit):
    base, folder = site
    label = "本年新收政府信息公开申请数量"  # a row of table B, on every report page, only in the table
    assert label in (folder / "ningxia/zhongwei/shapotou/weijian/2023/index.html").read_text(encoding="utf-8")
    found = [relative(base, r["href"]) for r in visit.search(base, f'"{label}"')]  # quoted: the exact phrase
    assert not [page for page in found if search.is_report_address(page + "index.html")], found
    found = [relative(base, r["href"]) for r in visit.search(base, "沙坡头区卫生健康局")]
    assert found[0] == "ningxia/zhongwei/shapotou/weijian/", found
    assert "ningxia/zhongwei/shapotou/weijian/2023/" in found


@pytest.fixture(scope="module")
def parted_site(default_site, tmp_path_factory, browser):
    """The default site indexed in parts (as a large site is): its named pages, then its reports five a part."""
    root, _ = default_site
    folder = tmp_path_factory.mktemp("parts") / "site"
    shutil.copytree(root / "site", folder, ignore=shutil.ignore_patterns(search.BUNDLE_DIR))
    search.PART_PAGES, limit = 5, search.PART_PAGES
    try:
        search.index_site(folder)
    finally:
        search.PART_PAGES = limit
    with serve(folder) as base:
        yield base, folder


@pytest.mark.browser
def test_an_index_in_parts_finds_what_one_index_finds(site, parted_site, visit):
    parts = json.loads((parted_site[1] / search.BUNDLE_DIR / search.PARTS_FILE).read_text(encoding="utf-8"))
    assert len(parts) >= 3
    for query in ("隆德县卫生健康局", "平潭综合实验区", "中卫市"):
        whole = [relative(site[0], r["href"]) for r in visit.search(site[0], query)]
        parted = [relative(parted_site[0], r["href"]) for r in visit.search(parted_site[0], query)]
        assert parted[0] == whole[0], (query, whole, parted)
    # Every page holding a phrase is found; Pagefind ignores a word a part does not have, so that part's pages with
    # the phrase's other words come too (benchmarks/SEARCH.md).
    whole = {relative(site[0], r["href"]) for r in visit.search(site[0], "政府开放日")}
    visit.search(parted_site[0], "政府开放日")
    more = visit.page.locator(".search-more button")
    while more.count():
        more.click()
        visit.page.wait_for_selector(".md-search[data-search-state=done]", state="attached")
    parted = {
        relative(parted_site[0], h)
        for h in visit.page.locator("a.md-search-result__link").evaluate_all("els => els.map(e => e.href)")
    }
    assert whole <= parted, (whole, parted)


@pytest.mark.browser
@pytest.mark.parametrize("query", ["shapotou", "sptq"])
def test_pinyin_and_initials_find_the_agency(site, visit, query):
    base, _ = site
    found = [relative(base, r["href"]) for r in visit.search(base, query)]
    assert found[0].startswith("ningxia/zhongwei/shapotou/"), found
    assert "ningxia/zhongwei/shapotou/weijian/" in found[:3], found


@pytest.mark.browser
def test_a_phrase_finds_exactly_the_pages_that_contain_it(site, visit):
    base, folder = site
    phrase = "政府开放日"
    containing = {
        path.parent.relative_to(folder).as_posix() + "/"
        for path in folder.rglob("index.html")
        if phrase in (html := path.read_text(encoding="utf-8")) and "data-pagefind-body" in html
    }  # a report's numbered source lines repeat its text and are not indexed (search: exclude)
    assert len(containing) == 3, containing  # seeds 000, 001 and 003 tell of their open day
    found = [relative(base, r["href"]) for r in visit.search(base, phrase)]
    assert set(found) == containing


@pytest.mark.browser
def test_results_carry_page_titles_not_folder_names(site, visit):
    base, _ = site
    visit.search(base, "平潭")
    more = visit.page.locator(".search-more button")
    while more.count():  # the first five, then five more at a time
        more.click()
        visit.page.wait_for_selector(".md-search[data-search-state=done]", state="attached")
    titles = visit.page.locator("a.md-search-result__link h1").all_inner_texts()
    assert len(titles) >= 10
    assert all(not re.fullmatch(r"\d{4}|Index|index", t) for t in titles), titles
    assert all(t.startswith(("平潭", "福州市", "福建省", "政府信息公开")) for t in titles), titles


@pytest.mark.browser
def test_a_cold_query_stays_on_the_site_and_downloads_little(site, visit):
    base, _ = site
    results = visit.search(base, "沙坡头", path="ningxia/zhongwei/shapotou/weijian/2023/")
    assert results
    assert visit.requests and all(url.startswith(base) for url in visit.requests), visit.requests
    assert any(f"{PREFIX}/{search.BUNDLE_DIR}/" in url for url in visit.requests), "nothing loaded from Pagefind"
    # the bytes the server sent for the query (a Web Worker's fetches escape the browser's own count)
    assert sum(size for _, size in SubPathHandler.served) <= 400_000, SubPathHandler.served
    # a result is a link into the site under the sub-path, and opens
    visit.page.locator("a.md-search-result__link").first.click()
    visit.page.wait_for_load_state("load")
    assert visit.page.url.startswith(base)
    assert visit.page.title() != "404"


@pytest.mark.browser
def test_keyboard_opens_the_box_and_escape_closes_it(site, visit):
    base, _ = site
    visit.page.goto(base)
    visit.page.keyboard.press("/")
    assert visit.page.evaluate("document.activeElement.matches('input.md-search__input')")
    assert visit.page.evaluate("document.getElementById('__search').checked")
    visit.page.keyboard.type("隆德")
    visit.page.wait_for_selector(".md-search[data-search-state=done]")
    visit.page.keyboard.press("ArrowDown")
    assert visit.page.evaluate("document.activeElement.matches('a.md-search-result__link')")
    visit.page.keyboard.press("Escape")
    assert not visit.page.evaluate("document.getElementById('__search').checked")


RESULT_TAGS = {"li", "a", "article", "h1", "p", "mark", "button"}  # what search.js writes, nothing else


@pytest.mark.browser
def test_report_text_in_results_is_text(hostile_site, visit):
    results = visit.search(hostile_site, "zqx")
    assert any("固原市<script>zqx()</script>卫生健康委" in r["title"] for r in results), results
    shown = visit.page.locator("[data-search-results]").evaluate(
        "el => [...el.querySelectorAll('*')].map(e => [e.tagName.toLowerCase(), ...e.getAttributeNames()])"
    )
    assert {tag for tag, *_ in shown} <= RESULT_TAGS, shown
    assert not [attrs for _, *attrs in shown if any(a.startswith("on") for a in attrs)]
    excerpts = visit.page.locator("a.md-search-result__link p").all_inner_texts()
    assert any("zqx" in e for e in excerpts), excerpts


def test_the_site_ships_no_whole_index(default_site):
    root, _ = default_site
    assert not (root / "site" / "search" / "search_index.json").exists()
    assert not (root / "site" / "assets" / "javascripts" / "lunr").exists()  # Material's search scripts
    assert list((root / "site" / search.BUNDLE_DIR / "index").glob("*.pf_index"))
