"""Whose fault a finding is: a row the reader did not find is not the agency's arithmetic, and a sum that
does not add up on an OCR'd report is the site's reading until a person checks the scan."""

from builder.checks import check_report
from builder.model import Document
from builder.pages import meta
from builder.parse import parse_document
from builder.sources.text import text_to_lines
from builder.template import load_template
from tests.conftest import SEEDS


def parse_text(text: str) -> dict:
    return parse_document(Document("x.txt", "text", text_to_lines(text)))


def granted_five(lines: list[str]) -> list[str]:
    """Seed 000 (all zeros) with 5 granted to natural persons, in 予以公开 and in （七）总计."""
    out = []
    for ln in lines:
        if "予以公开" in ln or "(七) 总计" in ln:
            cells = ln.split("\t")
            numbers = [i for i, c in enumerate(cells) if c == "0"]
            cells[numbers[0]] = cells[numbers[-1]] = "5"
            ln = "\t".join(cells)
        out.append(ln)
    return out


def test_rows_the_reader_did_not_find_are_not_blamed_on_the_agency():
    seed = granted_five(SEEDS[0].read_text(encoding="utf-8").splitlines())
    kept = [ln for ln in seed if not ln.startswith("一、本年新收")]
    findings = check_report(parse_text("\n".join(kept) + "\n"), load_template())
    assert any(f["rule"] == "row-missing" for f in findings)
    assert [f for f in findings if f["rule"] == "B1-balance"] == []


def test_the_same_report_with_the_row_printed_blank_breaks_b1():
    seed = granted_five(SEEDS[0].read_text(encoding="utf-8").splitlines())
    findings = check_report(parse_text("\n".join(seed) + "\n"), load_template())
    b1 = [f for f in findings if f["rule"] == "B1-balance"]
    assert {f["column"] for f in b1} == {"natural_person", "total"}


def test_the_same_seed_with_a_wrong_number_still_breaks_b1():
    seed = SEEDS[0].read_text(encoding="utf-8")
    broken = seed.replace("一、本年新收政府信息公开申请数量\t\t0\t0", "一、本年新收政府信息公开申请数量\t\t3\t0", 1)
    assert broken != seed
    findings = check_report(parse_text(broken), load_template())
    assert any(f["rule"] == "B1-balance" for f in findings)


def test_a_sum_on_an_ocr_report_is_the_sites_reading_not_the_agencys():
    scanned = {"notes": ["read by OCR (rapidocr); every cell is OCR-read and may be wrong"]}
    assert meta.finding_fault("B1-balance", scanned) == "reading"
    assert meta.finding_fault("table-empty", scanned) == "reading"
    assert meta.finding_fault("B1-balance", {"notes": []}) == "report"
    assert meta.finding_fault("signed-late", scanned) == "report"  # a date is not misread into a wrong sum


def test_a_pre_template_report_is_not_called_consistent():
    from builder.pages.lists import quality_badge

    assert quality_badge({"template": "pre2019", "findings": []}).startswith("未核对")
    assert quality_badge({"template": "2021", "findings": []}).startswith("✓")
    assert quality_badge({"template": "2021", "findings": [{"severity": "error"}]}) == "✗ 1 处错误 error"


def penalty_row(printed: str) -> dict:
    seed = SEEDS[0].read_text(encoding="utf-8").replace("行政处罚\t0\t\t", f"行政处罚\t{printed}\t\t", 1)
    assert f"行政处罚\t{printed}" in seed
    return parse_text(seed)


def test_a_number_broken_by_a_space_is_never_read_as_its_first_digits():
    report = penalty_row("1 00")  # 1100 in a PDF whose letter-spacing made a gap: never 1
    assert report["active_disclosure"]["administrative_penalty"] is None
    assert report["cells"]["active_disclosure.administrative_penalty"]["raw"] == "1 00"
    rules = {f["rule"] for f in check_report(report, load_template())}
    assert "cell-unreadable" in rules


def test_more_numbers_than_columns_publish_none_of_them():
    report = penalty_row("5\t7")
    assert report["active_disclosure"]["administrative_penalty"] is None
    assert "cell-unreadable" in {f["rule"] for f in check_report(report, load_template())}
    assert penalty_row("12")["active_disclosure"]["administrative_penalty"] == 12
