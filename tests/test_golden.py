"""Seeds and real pages parse to their golden JSON, the whole report; tables and fields were checked by hand."""

import json
from pathlib import Path

import pytest

from builder.parse import parse_document
from builder.sources import read
from tests.conftest import ROOT, SEEDS

GOLDEN = Path(__file__).parent / "golden"
REPORTS = ROOT / "data" / "reports"
# The file's modification time is the checkout's, not the report's: the one key a golden leaves out.
VOLATILE = "modified"
REAL_PAGES = [REPORTS / "pingtan" / f"{stem}.html" for stem in ("pingtan_2020", "pingtan_2021")]


def parsed(path: Path) -> dict:
    """The report as the build makes it (source named relative to the reports folder), as JSON data."""
    report = parse_document(read(path, path.relative_to(REPORTS).as_posix()))
    report = json.loads(json.dumps(report, ensure_ascii=False))
    report["source"].pop(VOLATILE, None)
    return report


def check_golden(path: Path, update: bool) -> None:
    """Compare the whole parsed report with its golden file; with --update-golden, rewrite the file instead."""
    golden = GOLDEN / f"{path.stem}.json"
    report = parsed(path)
    if update:
        golden.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"rewrote {golden.name}: review its diff")
    assert report == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_matches_golden(seed, update_golden):
    check_golden(seed, update_golden)


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
def test_real_web_page_matches_golden(page, update_golden):
    """Two saved government pages (a Word-export table with a repeated rowspan; a misaligned header grid)."""
    check_golden(page, update_golden)


def test_every_golden_has_its_source():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(p.stem for p in [*SEEDS, *REAL_PAGES])


def test_pre_template_report_keeps_all_its_numbered_parts():
    report = parse_document(read(REPORTS / "pingtan" / "pingtan_2016_pre2019.html"))
    assert report["template"] == "pre2019"
    headings = [s["heading"] for s in report["sections"] if s["heading"]]
    assert headings[:2] == ["概述", "主动公开政府信息情况"] and len(headings) == 7
    assert "active_disclosure" not in report  # its own table is kept apart, not under the template's keys
