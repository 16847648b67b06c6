"""Pages that say what they are and where their numbers come from: titles, canonical and Open Graph
tags, the citation box, the report's provenance, findings that say whose they are, no internal keys."""

import re

import pytest
from bs4 import BeautifulSoup

from builder.pages import meta
from tests.test_site_subpath import SITE_URL, build_subpath_site


def soup_of(site, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def find_report(summary, agency: str, year: int) -> dict:
    return next(r for r in summary.reports if r["agency"] == agency and r["year"] == year)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root, summary = build_subpath_site(tmp_path_factory.getbasetemp())
    return root / "site", summary


def test_browser_titles(built):
    site, summary = built
    report = find_report(summary, "中卫市沙坡头区卫生健康局", 2023)
    page = soup_of(site, f"{report['agency_path']}/2023")
    assert page.title.string.strip() == "中卫市沙坡头区卫生健康局 2023年政府信息公开工作年度报告"
    assert page.h1.get_text(strip=True).startswith("中卫市沙坡头区卫生健康局 2023年政府信息公开工作年度报告")
    assert soup_of(site, report["agency_path"]).title.string.strip() == "中卫市沙坡头区卫生健康局"
    assert soup_of(site, "ningxia").title.string.strip() == "宁夏回族自治区"


def test_canonical_and_open_graph_tags_use_the_published_address(built):
    site, summary = built
    report = find_report(summary, "平潭综合实验区", 2021)
    page = soup_of(site, f"{report['agency_path']}/2021")
    url = f"{SITE_URL}{report['agency_path']}/2021/"
    assert page.find("link", rel="canonical")["href"] == url
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert og["og:url"] == url
    assert og["og:title"] == "平潭综合实验区 2021年政府信息公开工作年度报告"
    assert og["og:type"] == "article"
    # the key figures, from table B and C as printed (checked against the report's own JSON)
    applications = report["applications"]
    assert f"新收申请 {applications['new']['total']} 件" in og["og:description"]
    assert f"予以公开 {applications['granted']['total']} 件" in og["og:description"]
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"


def test_cite_box_gives_agency_year_title_url_date_in_gb_and_bibtex(built):
    site, summary = built
    report = find_report(summary, "平潭综合实验区", 2021)
    box = soup_of(site, f"{report['agency_path']}/2021").find(id="cite")
    url = f"{SITE_URL}{report['agency_path']}/2021/"
    gb = box.find(class_="cite-gb").get_text()
    assert gb.startswith("平潭综合实验区. 平潭综合实验区 2021年政府信息公开工作年度报告[EB/OL]. (2022-02-08)[")
    assert gb.endswith(f"]. {url}.")
    bibtex = box.find(class_="cite-bibtex").get_text()
    assert bibtex.startswith("@misc{pingtanzongheshiyanqu-2021,")
    assert "author = {{平潭综合实验区}}" in bibtex and "year = {2022}" in bibtex and f"url = {{{url}}}" in bibtex
    assert re.search(r"urldate = \{\d{4}-\d\d-\d\d\}", bibtex)


def test_report_header_shows_where_the_report_was_published_and_how_it_was_read(built):
    site, summary = built
    report = find_report(summary, "平潭综合实验区", 2021)
    rows = {
        tr.find_all("td")[0].get_text(strip=True): tr.find_all("td")[1]
        for tr in soup_of(site, f"{report['agency_path']}/2021").find("article").find("table").find_all("tr")[1:]
    }
    assert rows["发布日期 Published"].get_text(strip=True) == "2022-02-08 16:34"
    link = rows["原文地址 Original address"].find("a")
    assert link["href"] == report["source"]["url"] and link.get_text() == report["source"]["url"]
    assert rows["SHA-256"].get_text(strip=True) == report["source"]["sha256"]
    assert "网页" in rows["读取方式 How it was read"].get_text()
    archived = rows["存档文件 File as archived"].find_all("a")
    assert archived[0]["href"].endswith(f"sources/?f={report['id']}.lines.txt")  # the file line by line
    assert archived[1]["href"].endswith(".html.txt") and archived[1].has_attr("download")  # its bytes
    assert archived[2]["href"].endswith(f"sources/{report['id']}.lines.txt")  # the lines as text, without JS


def test_findings_say_whose_they_are_and_pages_show_no_internal_keys(built):
    site, summary = built
    report = find_report(summary, "城东区卫生健康局", 2023)
    article = soup_of(site, f"{report['agency_path']}/2023").find("article")
    text = article.get_text(" ")
    assert "报告自身的问题" in text  # the report is signed before the year it reports on ended
    assert "缺失" in text  # a row of table B is not in the file
    for key in ("other_other", "rows not found", "applications.", "signed-before-year-end", "row-missing"):
        assert key not in text, key
    page = soup_of(site, f"{find_report(summary, '固原市卫生健康委', 2019)['agency_path']}/2019").find("article")
    assert "本站读取的问题" in page.get_text(" ")
    assert "applications.granted" not in page.get_text(" ")
    assert "表B （一）予以公开 / 自然人" in page.find(id="cell-notes").find_next("table").get_text(" ")


@pytest.mark.parametrize(
    "rule, fault",
    [("B2-outcomes", "report"), ("cell-ambiguous", "reading"), ("row-missing", "missing"), ("template-2019", "note")],
)
def test_finding_fault(rule, fault):
    assert meta.finding_fault(rule) == fault


def test_every_rule_has_a_fault_or_is_a_note():
    from builder.checks import load_checks

    ids = {r["id"] for r in load_checks()["rules"]}
    assert set().union(*meta.FAULT_RULES.values()) <= ids


def test_front_matter_values_are_inert_html():
    text = meta.front_matter({"title": '<script>x</script>&"', "cite": {"gb": "a<b"}})
    assert "<script>" not in text and "&lt;script&gt;" in text and "a&lt;b" in text


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://www.pingtan.gov.cn/a/t_1.htm", True),
        ("javascript:alert(1)", False),
        ("http://x/a|b", True),
        ("ftp://x", False),
        (None, False),
    ],
)
def test_original_address_links_only_http(url, ok):
    link = meta.http_link(url)
    assert (link is not None) == ok
    if link:
        assert "|" not in link.split(">")[0] and 'rel="nofollow noopener"' in link
