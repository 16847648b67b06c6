"""One report, several files (issue 12 item 10): a web page and its PDF are witnesses of one report."""

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from builder import pages
from builder.build import build
from builder.checks import check_report
from builder.parse import parse_document
from builder.revisions import group_revisions, reading
from builder.schema import report_schema
from builder.sources import read
from builder.template import load_template
from tests.conftest import ROOT, copy_project

PINGTAN = ROOT / "data" / "reports" / "pingtan"
PAGE_2024 = PINGTAN / "pingtan_2024.html"
SEED_004 = ROOT / "data" / "reports" / "004_c9a422416cd4110b.txt"
PDF_004 = ROOT / "data" / "reports" / "pdf" / "004_c9a422416cd4110b.pdf"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def parsed(path: Path) -> dict:
    return parse_document(read(path))


def fake(file: str, fmt: str, licenses: int, notes: tuple = (), agency: str = "某某区卫生健康局") -> dict:
    """A parsed report of 2023 with table A's 行政许可 and the 2021 template's table C, all read."""
    return {
        "id": "mouquweishengjiankangju-2023",
        "agency": agency,
        "year": 2023,
        "template": "2021",
        "notes": list(notes),
        "cells": {},
        "source": {"file": file, "path": file, "format": fmt, "sha256": "0" * 64},
        "active_disclosure": {"administrative_license": licenses, "administrative_penalty": 8},
        "review_litigation": {"review": [2, 1, 0, 1, 4], "litigation_direct": [1, 0, 0, 0, 1]},
    }


# --- which file is read, which are witnesses ----------------------------------------------------------


def test_reading_tells_a_grid_from_a_text_layer_from_ocr():
    assert reading(fake("a.html", "html", 1)) == "grid"
    assert reading(fake("a.docx", "docx", 1)) == "grid"
    assert reading(fake("a.pdf", "pdf", 1)) == "text"
    assert reading(fake("a.txt", "text", 1)) == "text"
    assert reading(fake("a.pdf", "pdf", 1, notes=("read by OCR (rapidocr); every cell is OCR-read",))) == "ocr"


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_the_report_is_read_from_the_best_witness_whatever_the_input_order(order):
    files = [
        fake("scan.pdf", "pdf", 1234, notes=("read by OCR (rapidocr)",)),
        fake("page.txt", "text", 1234),
        fake("page.html", "html", 1234),
    ]
    current, revisions = group_revisions([files[i] for i in order])
    assert revisions == {} and [r["source"]["file"] for r in current] == ["page.html"]
    assert [(w["file"], w["reading"], w["disagreements"]) for w in current[0]["witnesses"]] == [
        ("page.txt", "text", []),
        ("scan.pdf", "ocr", []),
    ]


def test_a_cell_one_side_could_not_read_is_no_disagreement():
    page, pdf = fake("page.html", "html", 1234), fake("page.pdf", "pdf", None)
    pdf["cells"] = {"active_disclosure.administrative_license": {"raw": "1 234", "unreadable": True}}
    current, _ = group_revisions([pdf, page])
    assert [r["source"]["file"] for r in current] == ["page.html"]
    assert current[0]["witnesses"][0]["disagreements"] == []


def test_a_number_the_witness_read_only_with_doubt_is_no_disagreement():
    # as the PDF of pingtan_2022.html: a row whose cells the text reader placed ambiguously (20 where the grid has 0)
    page, pdf = fake("page.html", "html", 1234), fake("page.pdf", "pdf", 20)
    pdf["cells"] = {"active_disclosure.administrative_license": {"position": "ambiguous", "alternatives": [20]}}
    current, _ = group_revisions([pdf, page])
    assert current[0]["witnesses"][0]["disagreements"] == []


def test_witnesses_that_disagree_give_a_finding_per_cell_naming_both_files_and_values():
    current, revisions = group_revisions([fake("page.pdf", "pdf", 1243), fake("page.html", "html", 1234)])
    (report,) = current
    assert revisions == {} and report["source"]["file"] == "page.html"
    assert report["witnesses"][0]["disagreements"] == [
        {
            "table": "active_disclosure",
            "row": "administrative_license",
            "column": None,
            "source_value": 1234,
            "witness_value": 1243,
        }
    ]
    (finding,) = [f for f in check_report(report, load_template()) if f["rule"] == "witness-disagrees"]
    assert (finding["table"], finding["row"], finding["left"], finding["right"]) == (
        "active_disclosure",
        "administrative_license",
        1234,
        1243,
    )
    assert all(part in finding["message"] for part in ("page.html", "page.pdf", "1234", "1243"))


def test_two_files_of_one_format_that_differ_are_two_versions_not_two_copies():
    current, revisions = group_revisions([fake("a.txt", "text", 1234), fake("b.txt", "text", 1243)])
    assert sorted(r["source"]["file"] for r in current) == ["a.txt", "b.txt"] and revisions == {}
    assert not any(r.get("witnesses") for r in current)


def test_files_that_differ_in_many_cells_are_two_reports_not_witnesses():
    other = fake("b.pdf", "pdf", 99)
    other["review_litigation"] = {"review": [3, 1, 0, 1, 5], "litigation_direct": [2, 0, 0, 0, 2]}
    current, _ = group_revisions([fake("a.html", "html", 1234), other])
    assert sorted(r["source"]["file"] for r in current) == ["a.html", "b.pdf"]


def test_a_later_date_and_other_numbers_make_a_revision_not_a_witness():
    old, new = fake("a.html", "html", 1234), fake("b.pdf", "pdf", 1243)
    old["date_signed"], new["date_signed"] = "2024-01-20", "2024-02-01"
    current, revisions = group_revisions([old, new])
    assert [r["source"]["file"] for r in current] == ["b.pdf"] and not current[0].get("witnesses")
    (record,) = revisions[current[0]["id"]]
    assert (record["file"], record["relation"]) == ("a.html", "superseded")


def test_same_numbers_are_witnesses_even_when_dates_order_the_files():
    old, new = fake("a.html", "html", 1234), fake("b.pdf", "pdf", 1234)
    old["source"]["fetched"], new["source"]["fetched"] = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
    current, revisions = group_revisions([new, old])
    assert [r["source"]["file"] for r in current] == ["a.html"] and revisions == {}
    assert [w["file"] for w in current[0]["witnesses"]] == ["b.pdf"]


def test_a_page_title_misread_as_the_agency_joins_the_report_it_belongs_to():
    misread = fake(
        "page.pdf", "pdf", 1234, agency="某某区卫生健康局2023年度政府信息公开工作年度报告_年报_某某区人民政府"
    )
    misread["id"] = "mouquweishengjiankangju2023niandu-2023"
    current, _ = group_revisions([misread, fake("page.html", "html", 1234)])
    assert [r["source"]["file"] for r in current] == ["page.html"]
    assert [w["file"] for w in current[0]["witnesses"]] == ["page.pdf"]
    alone, _ = group_revisions([misread])  # nothing to join: kept as it is
    assert [r["id"] for r in alone] == ["mouquweishengjiankangju2023niandu-2023"]


def test_seed_text_and_its_pdf_validate_as_one_report_with_a_witness():
    current, revisions = group_revisions([parsed(SEED_004), parsed(PDF_004)])
    (report,) = current
    assert revisions == {} and len(report["witnesses"]) == 1
    jsonschema.validate(report, report_schema())


def test_witness_list_on_the_page_links_each_file_and_escapes_names():
    report = fake("page.html", "html", 1234)
    report["witnesses"] = [
        {
            "file": "<script>x</script>.pdf",
            "format": "pdf",
            "sha256": "a" * 64,
            "reading": "text",
            "cells_read": 9,
            "disagreements": [],
        }
    ]
    text = pages.render("revisions.md.j2", report=report, revisions=[], witness_links=["../sources/x/a.pdf"])
    assert "<script>" not in text and "](../sources/x/a.pdf)" in text and "a" * 64 in text


# --- real data: a Pingtan page and the same page printed to PDF by a browser -----------------------------


@pytest.fixture(scope="module")
def printed_page(tmp_path_factory) -> Path:
    """pingtan_2024.html printed to PDF by headless Chromium (its header carries the page's title)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI installs it)")
    out = tmp_path_factory.mktemp("print") / "pingtan_2024.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", PAGE_2024.as_uri()],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out


def page_and_pdf_project(root: Path, pdf: Path, page_text: str | None = None) -> Path:
    """A project holding the Pingtan 2024 page (with its sidecar) and a PDF of it in another folder."""
    copy_project(root, [])
    reports = root / "data" / "reports"
    (reports / "web").mkdir()
    (reports / "print").mkdir()
    page = reports / "web" / PAGE_2024.name
    if page_text is None:
        shutil.copy(PAGE_2024, page)
        shutil.copy(PAGE_2024.with_name(PAGE_2024.name + ".meta.yaml"), page.with_name(page.name + ".meta.yaml"))
    else:
        page.write_text(page_text, encoding="utf-8")
    shutil.copy(pdf, reports / "print" / pdf.name)
    return root


@pytest.mark.slow
def test_a_page_and_its_pdf_build_as_one_report_with_two_witnesses(tmp_path, printed_page):
    root = page_and_pdf_project(tmp_path / "project", printed_page)
    registry_before = (root / "data" / "agencies.yaml").read_text(encoding="utf-8")
    summary = build(root)
    (report,) = summary.reports
    assert (report["agency"], report["year"], report["source"]["file"]) == ("平潭综合实验区", 2024, "pingtan_2024.html")
    assert report["active_disclosure"]["administrative_license"] == 4529  # read from the page's grid
    (witness,) = report["witnesses"]
    assert (witness["file"], witness["format"], witness["reading"]) == ("pingtan_2024.pdf", "pdf", "text")
    assert witness["disagreements"] == [] and witness["cells_read"] >= 190
    assert not [f for f in report["findings"] if f["rule"] in ("witness-disagrees", "agency-year-twice")]
    # no second agency in the registry, and no new entry at all for a known agency
    registry = yaml.safe_load((root / "data" / "agencies.yaml").read_text(encoding="utf-8"))
    assert not any("年度报告" in name for e in registry["agencies"] for name in e.get("names", []))
    assert (root / "data" / "agencies.yaml").read_text(encoding="utf-8") == registry_before
    assert [p.name for p in (root / "data" / "json").glob("*.json")] == [f"{report['id']}.json"]
    # the witness is served like the source, and linked from the report page with its sha256
    # (beside the numbered-lines page of the source, sources/<id>/index.html)
    served = [p for p in (root / "site" / "sources" / report["id"]).iterdir() if p.name != "index.html"]
    pdfs = [p for p in served if p.suffix == ".pdf"]
    assert len(served) == 2 and len(pdfs) == 1 and pdfs[0].read_bytes() == printed_page.read_bytes()
    html = (root / "site" / report["page"] / "index.html").read_text(encoding="utf-8")
    assert witness["sha256"] in html and pdfs[0].name in html
    data = json.loads((root / "data" / "json" / f"{report['id']}.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())


@pytest.mark.slow
def test_one_number_altered_in_one_witness_is_a_finding_naming_both_files(tmp_path, printed_page):
    text = PAGE_2024.read_text(encoding="utf-8")
    assert text.count(">4529<") == 1
    root = page_and_pdf_project(tmp_path / "project", printed_page, text.replace(">4529<", ">4592<"))
    summary = build(root, site=False)
    (report,) = summary.reports
    assert report["source"]["file"] == "pingtan_2024.html"
    assert report["active_disclosure"]["administrative_license"] == 4592  # the grid is read, and told apart
    (finding,) = [f for f in report["findings"] if f["rule"] == "witness-disagrees"]
    assert (finding["row"], finding["left"], finding["right"]) == ("administrative_license", 4592, 4529)
    assert "pingtan_2024.html" in finding["message"] and "pingtan_2024.pdf" in finding["message"]
    assert summary.revisions == {}
