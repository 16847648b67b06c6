"""Pages that stay small: every list in fixed-size pages, every report reachable from them by links."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from benchmarks.corpus import write_corpus
from builder.pages import lists
from builder.pages.lists import list_page_path, paginate
from tests.conftest import copy_project

HTML_LIMIT = 200_000  # bytes: no HTML page above this (issue 14, item 5)
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def test_the_pages_of_a_list_follow_its_first_page():
    assert [list_page_path("quality.md", n) for n in (1, 2, 3)] == ["quality.md", "quality/2.md", "quality/3.md"]
    assert list_page_path("index.md", 2) == "2.md"
    assert list_page_path("ningxia/yinchuan/index.md", 2) == "ningxia/yinchuan/2.md"
    assert list_page_path("ningxia/excluded.md", 4) == "ningxia/excluded/4.md"


def test_paginate_splits_rows_and_links_each_page_to_its_neighbours():
    pages = paginate("quality.md", list(range(23)), 5)
    assert [(path, rows) for path, rows, _ in pages][-1] == ("quality/5.md", [20, 21, 22])
    assert [len(rows) for _, rows, _ in pages] == [5, 5, 5, 5, 3]
    _, _, first = pages[0]
    assert (first["number"], first["count"], first["total"], first["previous"]) == (1, 5, 23, None)
    assert first["next"] == "quality/2.md"  # from quality.md, one folder up from quality/2.md
    _, _, middle = pages[2]
    assert (middle["previous"], middle["next"]) == ("../quality/2.md", "../quality/4.md")
    assert middle["pages"] == [
        (1, "../quality.md"),
        (2, "../quality/2.md"),
        (3, None),
        (4, "../quality/4.md"),
        (5, "../quality/5.md"),
    ]
    _, _, last = pages[-1]
    assert last["next"] is None


def test_a_long_list_shows_the_first_last_and_nearby_pages_with_gaps():
    _, _, pager = paginate("index.md", list(range(100)), 5)[9]  # page 10 of 20
    numbers = [n for n, _ in pager["pages"]]
    assert numbers == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_an_empty_list_is_one_empty_page_and_a_page_holds_a_row_at_least():
    assert paginate("quality.md", [], 5) == [
        ("quality.md", [], {"number": 1, "count": 1, "total": 0, "previous": None, "next": None, "pages": [(1, None)]})
    ]
    with pytest.raises(ValueError, match="at least one row, not 0"):
        paginate("quality.md", [1], 0)


def resolve(from_page: str, target: str) -> str:
    """The docs path a Markdown link from `from_page` names."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(from_page), target))


def reachable(pages: dict[str, str], start: str, through) -> set[str]:
    """The docs pages reached from `start` by following Markdown links, walking on only through pages `through`
    accepts (the lists, agency and region pages)."""
    seen, todo = {start}, [start]
    while todo:
        page = todo.pop()
        for target in LINK.findall(pages.get(page, "")):
            path = resolve(page, target)
            if path in pages and path not in seen:
                seen.add(path)
                if through(path):
                    todo.append(path)
    return seen


@pytest.fixture(scope="module")
def paged_corpus(tmp_path_factory):
    """60 synthetic reports (benchmarks/corpus.py) checked as the build does, and their pages with lists of 4 rows:
    (reports, {docs path: Markdown}, build_views' pages)."""
    from builder.agencies import REGISTRY, load_registry
    from builder.build import enrich
    from builder.pages import site
    from builder.parse import parse_document
    from builder.sources import read
    from builder.template import load_template
    from builder.views import build_views

    folder = tmp_path_factory.mktemp("corpus")
    template = load_template()
    reports = []
    for path in write_corpus(60, folder, inconsistent=0.3):
        report = parse_document(read(path), template)
        reports.append(report)
    registry, counts = enrich(reports, load_registry(REGISTRY), template)
    pages = site.site_pages(reports, [], template, counts, page_size=4)
    views = build_views(reports, template, sectors=registry["sectors"], page_size=4)
    return reports, pages, views


def test_every_report_is_reachable_from_the_home_page_through_the_paged_lists(paged_corpus):
    from builder.pages.addresses import report_page

    reports, pages, _ = paged_corpus
    assert "2.md" in pages and "quality/2.md" in pages  # the lists did split
    is_list = re.compile(r"(\d+|index)\.md$|(^|/)excluded(/\d+)?\.md$|^quality(/\d+)?\.md$")
    seen = reachable(pages, "index.md", lambda p: bool(is_list.search(p)))
    assert {report_page(r) for r in reports} <= seen
    # the home page's list alone, page by page, reaches every report
    home = {p for p in pages if re.fullmatch(r"(\d+|index)\.md", p)}
    assert {report_page(r) for r in reports} <= reachable(pages, "index.md", lambda p: p in home)


def test_no_list_page_holds_more_rows_than_the_page_size(paged_corpus):
    reports, pages, views = paged_corpus
    every = {**pages, **views.pages}
    row_of = {  # a row of each paged list: a report on the home page, a finding, an agency, a compare row
        "home": (re.compile(r"(\d+|index)\.md"), re.compile(r"^\| \[[^]]*\]\([^)]*\) \| \[\d{4}\]", re.M)),
        "quality": (
            re.compile(r"quality(/\d+)?\.md"),
            re.compile(r"^\| [^[|][^|]*(\|[^|]*){4}\| \[.*\]\([^)]*\) \|$", re.M),
        ),
        "region": (
            re.compile(r"[a-z]+(/[a-z]+)*/(\d+|index)\.md"),
            re.compile(r"^\| \[[^]]*\]\([^)]*\) \| \d{4}", re.M),
        ),
        "compare": (re.compile(r"compare(/\d+)?\.md"), re.compile(r"^\| [^|]* \| [^|]* \| \[", re.M)),
    }
    regions = {r["agency_path"] for r in reports}
    counted = {}
    for kind, (page, row) in row_of.items():
        paged = {
            p: len(row.findall(t))
            for p, t in every.items()
            if page.fullmatch(p) and p.removesuffix("/index.md") not in regions
        }
        assert len(paged) > 1 and max(paged.values()) <= 4, (kind, paged)
        counted[kind] = sum(paged.values())
    assert counted["home"] == counted["compare"] == len(reports)
    assert counted["quality"] == sum(len(r["findings"]) for r in reports)  # every finding on one of the pages


def test_a_region_lists_its_left_out_tables_on_pages_of_their_own_when_many(paged_corpus):
    reports, pages, _ = paged_corpus
    excluded = [p for p in pages if re.search(r"/excluded(/\d+)?\.md$", p)]
    assert excluded, "30% inconsistent reports leave some region with more than 4 tables out"
    for page in excluded:
        items = re.findall(r"^- \[", pages[page], re.M)
        assert 1 <= len(items) <= 4, page


def test_list_pages_do_not_grow_with_the_number_of_reports(paged_corpus):
    """With 4 rows a page, the largest list page of 60 reports is no larger than that of the first 20 (plus the
    pager's few extra links)."""
    from builder.pages import site
    from builder.template import load_template

    reports, pages, _ = paged_corpus
    fewer = site.site_pages(reports[:20], [], load_template(), {}, page_size=4)

    def largest_list(all_pages):
        return max(len(t.encode()) for p, t in all_pages.items() if re.fullmatch(r"\d+\.md|quality/\d+\.md", p))

    assert largest_list(pages) <= largest_list(fewer) + 1_000


@pytest.mark.slow
def test_a_built_site_keeps_every_html_page_under_the_limit_and_its_lists_reach_every_report(tmp_path, monkeypatch):
    """A whole build (MkDocs included) of 24 synthetic reports with lists of 5 rows: no HTML page over 200 KB, and
    every report page reached from the home page through the paged list's links alone."""
    from builder.build import build

    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    root = copy_project(tmp_path / "project", reports=[])
    write_corpus(24, root / "data" / "reports")
    summary = build(root)
    site_dir = root / "site"
    sizes = {p: p.stat().st_size for p in site_dir.rglob("*.html")}
    assert max(sizes.values()) <= HTML_LIMIT, max(sizes.items(), key=lambda kv: kv[1])
    home_pages = [site_dir / "index.html", *sorted(site_dir.glob("[0-9]/index.html"))]
    assert len(home_pages) == 5  # 24 reports, 5 a page
    linked = set()
    for page in home_pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.select("article a[href]"):
            target = (page.parent / a["href"].split("#")[0]).resolve()
            linked.add(target if target.suffix else target / "index.html")
    expected = {(site_dir / r["page"] / "index.html").resolve() for r in summary.reports}
    assert expected <= linked
    assert all(Path(p).is_file() for p in expected)


def test_each_sector_ranks_on_a_page_of_its_own_linked_from_the_compare_page(paged_corpus):
    from builder.views import RANKED_SHOWN

    _, _, views = paged_corpus
    ranking_pages = sorted(p for p in views.pages if p.startswith("compare/rankings"))
    sectors = {p: re.search(r"^# 按领域排名 Rankings: (.+)$", views.pages[p], re.M).group(1) for p in ranking_pages}
    assert len(set(sectors.values())) == len(ranking_pages) > 1
    linked = {resolve("compare.md", t) for t in LINK.findall(views.pages["compare.md"])}
    assert set(ranking_pages) <= linked
    for page in ranking_pages:
        for table in re.split(r"^## ", views.pages[page], flags=re.M)[1:]:
            assert 1 <= len(re.findall(r"^\| \d+ \| \[", table, re.M)) <= RANKED_SHOWN
