"""The views: rates defined once and missing when they must be, charts with gaps, downloads Excel can open,
Atom feeds dated by the reports; on the seeds and the Pingtan web pages as parsed."""

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from builder import aggregate, charts, downloads, feeds, views
from builder.checks import check_report
from builder.parse import parse_document
from builder.rates import load_definitions, rate_value
from builder.sources import read
from builder.template import load_template
from tests.conftest import ROOT
from tests.test_checks import zero_report

TEMPLATE = load_template()
RATES = {r.key: r for r in load_definitions().rates}
REPORTS = ROOT / "data" / "reports"
ATOM = "{http://www.w3.org/2005/Atom}"


def checked(name: str) -> dict:
    """A report file parsed and checked, as the build makes it (findings included; the agency's address,
    which the build takes from the registry, is a stand-in)."""
    report = parse_document(read(REPORTS / name))
    report["findings"] = check_report(report, TEMPLATE)
    report["agency_path"] = "test/agency"
    return report


@pytest.fixture(scope="module")
def pingtan_2022():
    return checked("pingtan/pingtan_2022.html")


# --- rates ---------------------------------------------------------------------------------------


def test_grant_rate_is_granted_plus_partly_granted_over_all_decided(pingtan_2022):
    # The page's table B: 予以公开 21, 部分公开 9, 总计 75.
    value = rate_value(pingtan_2022, TEMPLATE, RATES["grant_rate"])
    assert (value.value, value.numerator, value.denominator, value.why) == (30 / 75, 30, 75, "")


def test_litigation_rate_adds_both_kinds_of_lawsuit(pingtan_2022):
    # Table C: direct lawsuits [1, 0, 0, 0, 1], after review [0, 0, 0, 0, 0]: nothing corrected of 1.
    value = rate_value(pingtan_2022, TEMPLATE, RATES["litigation_loss_rate"])
    assert (value.value, value.numerator, value.denominator) == (0, 0, 1)


def test_a_blank_input_makes_the_rate_missing_not_zero(pingtan_2022):
    report = {**pingtan_2022, "applications": {**pingtan_2022["applications"]}}
    report["applications"]["partially_granted"] = {**report["applications"]["partially_granted"], "total": None}
    value = rate_value(report, TEMPLATE, RATES["grant_rate"])
    assert value.value is None and value.why == "缺少 applications.partially_granted.total"


def test_an_empty_table_makes_its_rates_missing():
    report = checked("001_360f5b7c6db9ce46.txt")  # 隆德县: table C printed without numbers
    value = rate_value(report, TEMPLATE, RATES["review_correction_rate"])
    assert value.value is None and value.why == "表C未能读取（empty）"
    assert rate_value(report, TEMPLATE, RATES["grant_rate"]).why == "分母为 0"  # no application at all


def test_a_broken_rule_makes_the_rates_it_touches_missing_and_names_the_rule():
    report = checked("pingtan/pingtan_2020.html")  # its outcome rows do not sum to 总计 (B2-outcomes)
    grant = rate_value(report, TEMPLATE, RATES["grant_rate"])
    assert (grant.value, grant.rules) == (None, ("B2-outcomes",))
    carried = rate_value(report, TEMPLATE, RATES["carry_forward_rate"])  # rows B2 does not cover
    assert carried.value is not None and carried.rules == ()


def test_an_ambiguous_cell_makes_the_rate_missing():
    report = checked("003_ff50e99d4c3fccda.txt")  # 固原 2019: 部分公开 总计 could be read two ways
    grant = rate_value(report, TEMPLATE, RATES["grant_rate"])
    assert (grant.value, grant.rules) == (None, ("cell-ambiguous",))


def test_a_zero_denominator_gives_no_rate():
    value = rate_value(zero_report(), TEMPLATE, RATES["grant_rate"])
    assert (value.value, value.why) == (None, "分母为 0")


def test_every_rate_is_printed_on_the_rates_page():
    from builder import pages

    text = pages.render("rates.md.j2", rates=load_definitions().rates, figures=load_definitions().figures)
    for rate in load_definitions().rates:
        assert f"| {rate.name} |" in text and pages.escape_text(rate.formula) in text
        assert pages.escape_text(rate.definition) in text


# --- frames and charts ---------------------------------------------------------------------------


def test_year_series_leaves_years_without_a_report_as_gaps():
    frame = pd.DataFrame({"year": [2020, 2023], "n": [5, 0]}, dtype=object)
    series = aggregate.year_series(frame, "n")
    assert series.to_dict() == {2020: 5, 2021: None, 2022: None, 2023: 0}


def test_a_trend_chart_shows_gaps_as_gaps_and_names_them():
    frame = pd.DataFrame({"新收申请": [5, None, 0]}, index=[2020, 2021, 2022], dtype=object)
    figure = charts.trend_figure(frame).to_plotly_json()
    assert figure["data"][0]["y"] == (5, None, 0) or list(figure["data"][0]["y"]) == [5, None, 0]
    assert list(figure["data"][0]["x"]) == ["2020", "2021<br>无数据", "2022"]
    assert figure["layout"]["yaxis"]["rangemode"] == "tozero"


def test_an_all_zero_chart_says_so_and_keeps_a_zero_based_axis():
    frame = pd.DataFrame({"复议": [0, 0]}, index=[2022, 2023], dtype=object)
    layout = charts.trend_figure(frame).to_plotly_json()["layout"]
    assert tuple(layout["yaxis"]["range"]) == (0, 1)
    assert [a["text"] for a in layout["annotations"]] == ["全部为 0"]


def test_report_outcomes_sum_their_sub_rows(pingtan_2022):
    outcomes = aggregate.outcome_groups(pingtan_2022, TEMPLATE)
    assert outcomes.to_dict() == {
        "（一）予以公开": 21,
        "（二）部分公开": 9,
        "（三）不予公开": 4,
        "（四）无法提供": 37,
        "（五）不予处理": 0,
        "（六）其他处理": 4,
    }
    assert sum(outcomes) == pingtan_2022["applications"]["total"]["total"]


# --- downloads -----------------------------------------------------------------------------------


def test_cells_csv_has_a_bom_and_chinese_headers_and_blank_stays_blank():
    report = checked("003_ff50e99d4c3fccda.txt")
    frame = aggregate.cells_frame([report], TEMPLATE)
    data = downloads.csv_bytes(frame, {**aggregate.ID_COLUMNS, **aggregate.CELL_COLUMNS})
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns[:3]) == ["报告编号 report_id", "机关 agency", "机关编号 agency_id"]
    assert "数值 value" in back.columns and "行名 row_name" in back.columns and "单位 unit" in back.columns
    granted = back[(back["行 row"] == "granted") & (back["列 column"] == "total")].iloc[0]
    assert granted["行名 row_name"] == "（一）予以公开" and granted["单位 unit"] == "件"
    blank = [
        (row, column)
        for (table, row, column), v in zip(
            zip(frame["table"], frame["row"], frame["column"], strict=True), frame["value"], strict=True
        )
        if v is None and table == "applications"
    ]
    assert blank, "seed 003 has blank cells"
    row, column = blank[0]
    assert back[(back["行 row"] == row) & (back["列 column"] == column)].iloc[0]["数值 value"] == ""


def test_xlsx_and_zip_repeat_byte_for_byte():
    frame = pd.DataFrame({"year": [2023], "n": [1]}, dtype=object)
    first = downloads.xlsx_bytes({"表": frame}, {"year": "年度"})
    assert first == downloads.xlsx_bytes({"表": frame}, {"year": "年度"})
    assert zipfile.ZipFile(io.BytesIO(first)).testzip() is None
    assert downloads.zip_bytes({"a.csv": b"x" * 1000}) == downloads.zip_bytes({"a.csv": b"x" * 1000})
    assert len(downloads.zip_bytes({"a.csv": b"x" * 1000})) < 500  # compressed


def test_data_dictionary_lists_every_template_cell_once():
    dictionary = downloads.dictionary_frame(TEMPLATE)
    cells = dictionary[~dictionary["table"].isin(["figure", "rate"])]
    assert not cells.duplicated(["table", "row", "column"]).any()
    assert set(TEMPLATE.tables["applications"]["rows"]) <= set(cells[cells["table"] == "applications"]["row"])
    assert set(RATES) <= set(dictionary[dictionary["table"] == "rate"]["row"])


# --- feeds ---------------------------------------------------------------------------------------


def atom_feed(entries: list[dict]) -> etree._Element:
    return etree.fromstring(feeds.feed_xml("a/feed.xml", "标题", "a/", entries))


def test_feed_is_atom_with_the_elements_rfc_4287_requires(pingtan_2022):
    undated = {**pingtan_2022, "id": "x-2022", "source": {"sha256": "0"}, "date_signed": None}
    root = atom_feed(
        [
            {"report": pingtan_2022, "href": "a/2022/", "summary": "s"},
            {"report": undated, "href": "a/x/", "summary": "s"},
        ]
    )
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "../a/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1  # a report without any date cannot be an Atom entry
    entry = entries[0]
    for tag in ("id", "title", "updated", "link", "summary"):
        assert entry.find(f"{ATOM}{tag}") is not None, tag
    # The date is the one the agency's page gave (China time), not the build's.
    assert entry.findtext(f"{ATOM}updated") == "2023-02-20T15:07:00+08:00"
    assert root.findtext(f"{ATOM}updated") == "2023-02-20T15:07:00+08:00"
    assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")


def test_feed_repeats_byte_for_byte(pingtan_2022):
    entries = [{"report": pingtan_2022, "href": "a/2022/", "summary": "s", "revisions": 1}]
    assert feeds.feed_xml("feed.xml", "t", "", entries) == feeds.feed_xml("feed.xml", "t", "", entries)
    assert "（修订 1 次）" in atom_feed(entries).findtext(f"{ATOM}entry/{ATOM}title")


def test_report_date_prefers_publication_then_signing():
    assert feeds.report_date({"source": {}, "date_signed": "2024-01-12"}).isoformat() == "2024-01-12T00:00:00+08:00"
    assert feeds.report_date({"source": {"published": "2023-02-20 15:07"}, "date_signed": "2024-01-12"}).day == 20
    assert feeds.report_date({"source": {}, "date_signed": None}) is None


# --- the built site ------------------------------------------------------------------------------


@pytest.mark.slow
def test_built_site_has_every_view_and_download(default_site):
    root, summary = default_site
    site = root / "site"
    figures = pd.read_csv(site / "downloads" / "figures.csv", encoding="utf-8-sig")
    assert len(figures) == len(summary.reports) == 13
    assert "实质公开率 grant_rate" in figures.columns
    pingtan = figures[figures["报告编号 report_id"] == "pingtanzongheshiyanqu-2022"].iloc[0]
    assert pingtan["实质公开率 grant_rate"] == 0.4 and (site / pingtan["页面 page"] / "index.html").is_file()
    catalog = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["count"] == 13
    for entry in catalog["reports"]:
        for key in ("page", "json", "agency_cells", "archived_file"):
            target = site / entry[key]
            assert (target / "index.html").is_file() if entry[key].endswith("/") else target.is_file(), entry[key]
    feed = etree.parse(str(site / "feed.xml")).getroot()
    dated = [
        r for r in summary.reports if r["source"].get("published") or r.get("date_signed") or r["source"].get("fetched")
    ]
    assert 0 < len(dated) < 13  # a report that says no date is left out of the feed, never dated by the build
    assert len(feed.findall(f"{ATOM}entry")) == len(dated)
    agency = Path(site, "fujian/fuzhou/pingtan/zhengfu")
    assert (agency / "feed.xml").is_file() and (agency / "chart-grant-rate.csv").is_file()
    html = (agency / "index.html").read_text(encoding="utf-8")
    assert 'class="chart"' in html and "feed.xml" in html and "实质公开率" in html
    compare = (site / "compare" / "index.html").read_text(encoding="utf-8")
    assert compare.count("<tr>") >= 14 and "chart-heatmap-plot" in compare
    with zipfile.ZipFile(site / "downloads" / "cells.zip") as zf:
        assert zf.namelist() == ["cells.csv"]
    # each report's cells are stored once in the whole set, its agency's and its province's zips: no loose
    # cells.csv, no per-report tabular files, no cells zip of a city or county (their pages link the province's)
    published = {p.relative_to(site / "downloads").as_posix() for p in (site / "downloads").rglob("*")}
    assert "cells.csv" not in published and not any(p.startswith("reports/") for p in published)
    zips = sorted(p for p in published if p.endswith("-cells.zip"))
    assert "regions/fujian-cells.zip" in zips and "regions/fujian-fuzhou-cells.zip" not in zips
    assert any(p.startswith("agencies/") for p in zips)
    city = (site / "fujian" / "fuzhou" / "index.html").read_text(encoding="utf-8")
    assert "downloads/regions/fujian-cells.zip" in city and "fujian-fuzhou.xlsx" in city


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_compare_filters_and_every_chart_draws_when_scrolled_to(default_site, tmp_path):
    """The compare page's filter keeps the matching rows; every chart of the report, agency and compare
    page is drawn once scrolled into view, with nothing fetched but the site's own files."""
    import functools
    import http.server
    import threading

    from tests.test_browser import CHROMIUM, FLAGS, playwright

    root, _ = default_site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    failed = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.on("response", lambda r: failed.append(r.url) if r.url.startswith(base) and r.status >= 400 else None)
            page.goto(f"{base}/compare/")
            page.fill("input.table-filter", "平潭 2022")
            shown = "Array.from(document.querySelector('article table').tBodies[0].rows).filter(r => !r.hidden)"
            page.wait_for_function(f"{shown}.length === 1")
            assert "平潭综合实验区" in page.evaluate(f"{shown}[0].textContent")
            for url in ("compare/", "fujian/fuzhou/pingtan/zhengfu/", "fujian/fuzhou/pingtan/zhengfu/2022/"):
                page.goto(f"{base}/{url}")
                charts = page.locator("div.chart[data-figure]")
                assert charts.count() >= 1, url
                for i in range(charts.count()):
                    charts.nth(i).scroll_into_view_if_needed()
                    handle = charts.nth(i).element_handle()
                    page.wait_for_function("el => el.dataset.drawn === 'yes'", arg=handle)
            browser.close()
    finally:
        httpd.shutdown()
    assert failed == []


def test_hostile_agency_and_region_names_are_escaped_on_every_view(pingtan_2022):
    from builder.views import build_views

    hostile = "<script>alert(1)</script>|[x](javascript:alert(1))"
    report = {
        **pingtan_2022,
        "id": "hostile-2022",
        "agency": hostile,
        "agency_id": "hostile",
        "agency_path": "hostile/agency",
        "region": {"province": {"name": hostile, "code": "110000"}},
    }
    views = build_views([report], TEMPLATE)
    texts = [*views.pages.values(), *views.appendix.values()]
    json_script = r'<script type="application/json" id="[^"]*">(.*?)</script>'
    figures = [json.loads(f) for t in texts for f in re.findall(json_script, t)]
    markdown = [re.sub(json_script, "", t) for t in texts]
    assert all("<script>alert" not in t and "](javascript:" not in t for t in markdown)
    heatmap = next(f for f in figures if f["data"][0].get("marker", {}).get("symbol") == "square")
    assert heatmap["data"][0]["y"] == [html.escape(hostile)]  # plotly reads tags in labels
    feed = etree.fromstring(views.files["feed.xml"])
    assert feed.find(f"{ATOM}entry/{ATOM}author/{ATOM}name").text == hostile  # text, escaped by lxml


def test_each_report_s_cells_are_zipped_once_per_agency_and_province_not_per_report_city_or_county():
    report = {"id": "x-2023", "agency_id": "fujian-fuzhou-pingtan-zhengfu"}
    assert views.report_downloads(report) == {
        "json": "data/x-2023.json",
        "agency_cells": "downloads/agencies/fujian-fuzhou-pingtan-zhengfu-cells.zip",
        "agency_xlsx": "downloads/agencies/fujian-fuzhou-pingtan-zhengfu.xlsx",
    }
    assert "cells" in views.region_downloads("fujian")
    assert set(views.region_downloads("fujian/fuzhou")) == set(views.region_downloads("fujian/fuzhou/pingtan"))
    assert set(views.region_downloads("fujian/fuzhou")) == {"figures", "xlsx"}
