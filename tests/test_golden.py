"""The five seeds parse to the golden JSON written by hand from the seed text, cell by cell."""

import json
from pathlib import Path

import pytest

from builder.parse import parse_document
from builder.sources import read
from tests.conftest import SEEDS

GOLDEN = Path(__file__).parent / "golden"
FIELDS = ("agency", "year", "template", "date_signed", "website")
TABLES = ("active_disclosure", "applications", "review_litigation")


def parsed(seed: Path) -> dict:
    return parse_document(read(seed))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_fields_match_golden(seed):
    golden = json.loads((GOLDEN / f"{seed.stem}.json").read_text(encoding="utf-8"))
    report = parsed(seed)
    assert {k: report[k] for k in FIELDS} == {k: golden[k] for k in FIELDS}


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_table_matches_golden_cell_by_cell(seed, table):
    golden = json.loads((GOLDEN / f"{seed.stem}.json").read_text(encoding="utf-8"))[table]
    got = parsed(seed)[table]
    assert list(got) == list(golden)
    for row in golden:
        assert got[row] == golden[row], f"{table}.{row}"


def test_pre_template_report_keeps_all_its_numbered_parts():
    report = parse_document(
        read(Path(__file__).parent.parent / "data" / "reports" / "pingtan" / "pingtan_2016_pre2019.html")
    )
    assert report["template"] == "pre2019"
    headings = [s["heading"] for s in report["sections"] if s["heading"]]
    assert headings[:2] == ["概述", "主动公开政府信息情况"] and len(headings) == 7
    assert "active_disclosure" not in report  # its own table is kept apart, not under the template's keys


REAL_PAGES = [
    Path(__file__).parent.parent / "data" / "reports" / "pingtan" / f"{stem}.html"
    for stem in ("pingtan_2020", "pingtan_2021")
]


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
def test_real_web_page_matches_golden_cell_by_cell(page):
    """Two saved government pages (a Word-export table with a repeated rowspan; a misaligned header grid)."""
    golden = json.loads((GOLDEN / f"{page.stem}.json").read_text(encoding="utf-8"))
    report = parse_document(read(page))
    assert (report["agency"], report["year"], report["template"]) == (
        golden["agency"],
        golden["year"],
        golden["template"],
    )
    for table in TABLES:
        assert list(report[table]) == list(golden[table])
        for row in golden[table]:
            assert report[table][row] == golden[table][row], f"{table}.{row}"
