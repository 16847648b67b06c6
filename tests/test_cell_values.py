"""Issue 10, items 4, 8, 9: one bad cell loses no other; numbers keep their printed digits; impossible
values and rules that raise become findings, never a wrong number or a crashed build."""

import copy
import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from builder import aggregate, checks, downloads, pages
from builder.cells import AMOUNT_10K, COUNT, is_label, number_text, read_cell
from builder.checks import check_corpus, check_report
from builder.pages import addresses
from builder.parse import parse_document
from builder.sources import read
from builder.template import load_template
from tests.conftest import SEEDS
from tests.tablegen import APPLICANTS, T, consistent_applications, document, table_b_rows
from tests.test_checks import zero_report

TEMPLATE = load_template()
SEED_000 = next(p for p in SEEDS if p.name.startswith("000"))
NEW_ROW = "一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0\t"
FEES_ROW = "行政事业性收费\t0\t\t"
LICENSE_ROW = "行政许可\t489\t\t"
TABLE_C_ROW = "\t".join(["0"] * 15)
COLUMNS = list(TEMPLATE.columns("applications"))


def seed_000(tmp_path: Path, *edits: tuple[str, str], tail: str = "") -> dict:
    """Seed 000 with rows replaced (each `old` must be there), parsed."""
    text = SEED_000.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "000.txt"
    path.write_text(text + tail, encoding="utf-8")
    return parse_document(read(path, "000.txt"))


def findings(report: dict, rule: str) -> list[tuple]:
    return [(f["table"], f["row"], f["column"]) for f in check_report(report, TEMPLATE) if f["rule"] == rule]


# --- item 4: one unreadable cell wipes no other -------------------------------------------------


def test_letter_o_in_table_b_loses_only_its_own_cell(tmp_path):
    report = seed_000(tmp_path, (NEW_ROW, "一、本年新收政府信息公开申请数量\t\t5\t0\t0\tO\t1\t0\t6\t"))
    assert list(report["applications"]["new"].values()) == [5, 0, 0, None, 1, 0, 6]
    assert report["cells"]["applications.new.social_welfare"] == {"line": 45, "raw": "O", "unreadable": True}
    assert findings(report, "cell-unreadable") == [("applications", "new", "social_welfare")]
    message = next(f["message"] for f in check_report(report, TEMPLATE) if f["rule"] == "cell-unreadable")
    assert "“O”" in message and "或为 0" in message  # told what it may be, not read as it


@pytest.mark.parametrize("junk", ["1e9", "O", "l", "I", "S", "abc", "1O", "l2", "0x1F", "5.5.5", "12-3"])
def test_junk_in_the_first_cell_keeps_the_other_six(tmp_path, junk):
    report = seed_000(tmp_path, (NEW_ROW, f"一、本年新收政府信息公开申请数量\t\t{junk}\t0\t0\t0\t1\t0\t6\t"))
    assert list(report["applications"]["new"].values()) == [None, 0, 0, 0, 1, 0, 6]
    assert report["cells"]["applications.new.natural_person"]["raw"] == junk
    assert findings(report, "cell-unreadable") == [("applications", "new", "natural_person")]
    # the sums that need the unknown cell are not checked; blank-cell counts leave it out
    assert not findings(report, "B3-total-column")
    assert ("applications", "new", "natural_person") not in findings(report, "B1-balance")


def test_a_unit_after_the_number_is_read_and_noted(tmp_path):
    report = seed_000(tmp_path, (NEW_ROW, "一、本年新收政府信息公开申请数量\t\t5人次\t0\t0\t0\t1\t0\t6\t"))
    assert list(report["applications"]["new"].values()) == [5, 0, 0, 0, 1, 0, 6]
    assert report["cells"]["applications.new.natural_person"] == {"line": 45, "raw": "5人次", "unit": "人次"}
    assert not findings(report, "cell-unreadable")


@pytest.mark.parametrize("letter", ["O", "o", "l", "I", "S"])
def test_letters_ocr_confuses_with_digits_are_never_digits(letter):
    for raw in (letter, f"1{letter}", f"{letter}5", f"?{letter}"):
        cell = read_cell(raw)
        assert cell.value is None and not cell.readable, raw
        assert not is_label(raw), raw  # a damaged value, not a row label: it keeps its column


def test_junk_in_table_a_and_table_c_keeps_the_other_cells(tmp_path):
    junk_c = "\t".join(["1", "0", "0", "0", "1", "S", "0", "0", "0", "0", "0", "1", "0", "0", "1"])
    report = seed_000(tmp_path, (LICENSE_ROW, "行政许可\tl89\t\t"), (TABLE_C_ROW, junk_c))
    assert report["active_disclosure"]["administrative_license"] is None
    assert report["cells"]["active_disclosure.administrative_license"]["raw"] == "l89"
    assert report["review_litigation"] == {
        "review": [1, 0, 0, 0, 1],
        "litigation_direct": [None, 0, 0, 0, 0],
        "litigation_after_review": [0, 1, 0, 0, 1],
    }
    assert sorted(findings(report, "cell-unreadable"), key=str) == [
        ("active_disclosure", "administrative_license", None),
        ("review_litigation", "litigation_direct", "upheld"),
    ]
    assert not findings(report, "C1-totals")  # the group with the unknown cell is not summed


JUNK = st.one_of(
    st.sampled_from(["O", "o", "l", "I", "S", "1e9", "abc", "x", "l0", "5O", "#", "1.2.3", "0x10"]),
    st.sampled_from(["-5", "3.5", "-0.5", "1" * 11, "9" * 400, "1" * 5000, "12万元"]),
)
FULL = st.fixed_dictionaries({c: st.integers(0, 30) for c in APPLICANTS})


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries({k: FULL for k in T.outcome_rows("2021")}),
    FULL,
    FULL,
    st.data(),
    JUNK,
    st.sampled_from(["\t", " | "]),
)
def test_one_junk_cell_anywhere_keeps_every_other_cell(outcomes, carried_over, carried_forward, data, junk, sep):
    values = consistent_applications(outcomes, carried_over, carried_forward)
    rows = table_b_rows(values)
    keys = list(values)
    row = data.draw(st.integers(0, len(keys) - 1))
    column = data.draw(st.integers(0, len(COLUMNS) - 1))
    cells = rows[3 + row]
    cells[len(cells) - len(COLUMNS) + column] = junk
    report = parse_document(document(rows, sep))
    junk_key, junk_column = keys[row], COLUMNS[column]
    for key in keys:
        for col in COLUMNS:
            got = report["applications"][key][col]
            if (key, col) == (junk_key, junk_column):
                assert got is None
            else:
                assert got == values[key][col], (key, col, junk)
    note = report["cells"][f"applications.{junk_key}.{junk_column}"]
    assert note["raw"] == junk and (note.get("unreadable") or note.get("impossible"))
    rules = {f["rule"] for f in check_report(report, TEMPLATE) if f["column"] == junk_column and f["row"] == junk_key}
    assert rules & {"cell-unreadable", "cell-impossible"}


# --- item 8: decimals keep their digits; absurd magnitudes are refused -------------------------


def test_a_decimal_amount_keeps_its_digits_in_json_page_and_csv(tmp_path):
    report = seed_000(tmp_path, (FEES_ROW, "行政事业性收费\t1234567.5\t\t"))
    assert report["active_disclosure"]["administrative_fees_10k_yuan"] == 1234567.5
    assert '"administrative_fees_10k_yuan": 1234567.5' in json.dumps(report["active_disclosure"])
    assert pages.number(report["active_disclosure"]["administrative_fees_10k_yuan"]) == "1234567.5"
    report["findings"] = check_report(report, TEMPLATE)
    frame = aggregate.cells_frame([{**report, "agency_path": "x"}], TEMPLATE)  # its page's address: any will do
    text = downloads.csv_bytes(frame, {}).decode("utf-8-sig")  # as cells.zip and the agency's zip hold it
    rows = list(csv.DictReader(io.StringIO(text)))
    fee = next(r for r in rows if r["row"] == "administrative_fees_10k_yuan")
    assert fee["value"] == "1234567.5"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("9" * 400 + ".5", "too-large"),
        ("1" * 5000, "too-large"),
        ("1000000001", "too-large"),
        ("0.1234567", "too-precise"),
        ("12元", "unit"),
        ("-3", "negative"),
    ],
)
def test_an_absurd_amount_is_refused_with_its_text_kept(tmp_path, raw, problem):
    report = seed_000(tmp_path, (FEES_ROW, f"行政事业性收费\t{raw}\t\t"))
    assert report["active_disclosure"]["administrative_fees_10k_yuan"] is None
    note = report["cells"]["active_disclosure.administrative_fees_10k_yuan"]
    assert note["raw"] == raw and note["impossible"] == problem
    assert findings(report, "cell-impossible") == [("active_disclosure", "administrative_fees_10k_yuan", None)]
    json.dumps(report, allow_nan=False)  # never Infinity in the JSON


def test_the_limits_themselves_are_kept():
    assert read_cell("1000000000").value == 10**9
    assert json.dumps(read_cell("999999999.999999", AMOUNT_10K).value) == "999999999.999999"
    assert number_text(read_cell("0.000001万元", AMOUNT_10K).value) == "0.000001"


@given(st.integers(0, 10**9 - 1), st.integers(0, 6), st.integers(0, 10**6 - 1))
def test_every_amount_within_the_limits_round_trips_as_printed(whole, places, fraction):
    printed = f"{whole}.{str(fraction).zfill(6)[:places]}" if places else str(whole)
    value = read_cell(printed, AMOUNT_10K).value
    exact = Decimal(printed)
    assert Decimal(json.dumps(value)) == exact  # the JSON number is the printed number
    assert Decimal(number_text(value)) == exact and "e" not in number_text(value)
    assert json.loads(json.dumps(value)) == value


def test_a_5000_digit_number_in_the_narrative_does_not_stop_the_checks():
    report = zero_report()
    report["sections"][0]["lead"] = "本年共收到政府信息公开申请" + "9" * 5000 + "件。"
    assert not [f for f in check_report(report, TEMPLATE) if f["rule"] == "check-error"]


# --- item 9: impossible values are findings; a rule that raises is a finding --------------------


@pytest.mark.parametrize(("raw", "problem"), [("-5", "negative"), ("3.5", "fraction"), ("2000000000", "too-large")])
def test_an_impossible_count_is_refused_with_a_finding(tmp_path, raw, problem):
    report = seed_000(tmp_path, (NEW_ROW, f"一、本年新收政府信息公开申请数量\t\t{raw}\t0\t0\t0\t0\t0\t0\t"))
    assert list(report["applications"]["new"].values()) == [None, 0, 0, 0, 0, 0, 0]
    assert report["cells"]["applications.new.natural_person"] == {"line": 45, "raw": raw, "impossible": problem}
    assert findings(report, "cell-impossible") == [("applications", "new", "natural_person")]


def test_a_whole_count_printed_with_a_point_is_a_whole_number():
    assert repr(read_cell("3.0", COUNT).value) == "3"
    assert repr(read_cell("0.0", AMOUNT_10K).value) == "0.0"


def test_a_negative_change_of_the_earlier_template_is_kept():
    assert read_cell("-18", "change").value == -18
    assert read_cell("-18", COUNT).problem == "negative"


@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [
        ("applications", "granted", "natural_person", -5),
        ("applications", "total", "total", 3.5),
        ("active_disclosure", "administrative_license", None, 10**12),
        ("active_disclosure", "administrative_fees_10k_yuan", None, -1.5),
    ],
)
def test_an_impossible_value_from_any_reader_is_a_finding(table, row, column, value):
    report = zero_report()
    if column is None:
        report[table][row] = value
    else:
        report[table][row][column] = value
    assert findings(report, "cell-impossible") == [(table, row, column)]


@pytest.mark.parametrize(
    ("year", "impossible"), [(2099, True), (2007, True), (1999, True), (2008, False), (2023, False)]
)
def test_a_report_year_before_2008_or_not_over_is_a_finding(tmp_path, year, impossible):
    report = seed_000(tmp_path, ("中卫市沙坡头区卫生健康局 2023 年", f"中卫市沙坡头区卫生健康局 {year} 年"))
    assert report["year"] == year
    assert bool(findings(report, "year-impossible")) == impossible


def test_the_current_year_is_not_over(monkeypatch):
    monkeypatch.setattr(checks, "current_year", lambda: 2023)
    assert findings(zero_report(year=2023), "year-impossible") == [(None, None, None)]


def test_a_date_not_on_the_calendar_is_a_finding_not_a_crash(tmp_path):
    report = seed_000(tmp_path, tail="\n中卫市沙坡头区卫生健康局\n2024年2月30日\n")
    assert report["date_signed"] == "2024-02-30"
    got = check_report(report, TEMPLATE)
    assert [f["message"] for f in got if f["rule"] == "date-impossible"] == ["落款日期 2024-02-30 在日历上不存在"]
    assert not {"check-error", "signed-late", "signed-before-year-end"} & {f["rule"] for f in got}


def test_a_rule_that_raises_is_a_check_error_and_the_rest_still_run(monkeypatch):
    def broken(report, template):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(checks.REPORT_CHECKS, "B1-balance", broken)
    report = zero_report()
    report["applications"]["total"]["total"] = 7
    got = check_report(report, TEMPLATE)
    errors = [f for f in got if f["rule"] == "check-error"]
    assert len(errors) == 1 and errors[0]["severity"] == "warning"
    assert "B1-balance" in errors[0]["message"] and report["id"] in errors[0]["message"]
    assert "ZeroDivisionError: boom" in errors[0]["message"]
    assert "B2-outcomes" in {f["rule"] for f in got}  # the rules after it ran


def test_a_corpus_rule_that_raises_tells_every_report(monkeypatch):
    def broken(reports, template, key):
        raise KeyError("agency_id")

    monkeypatch.setitem(checks.CORPUS_CHECKS, "carryover-mismatch", broken)
    reports = [zero_report(year=2022), zero_report(year=2023)]
    got = check_corpus(reports, TEMPLATE)
    for report in reports:
        assert [f["rule"] for f in got[report["id"]]] == ["check-error"]
        assert "carryover-mismatch" in got[report["id"]][0]["message"]


def test_the_build_goes_on_through_every_fault(tmp_path):
    from builder.build import build
    from tests.conftest import copy_project

    root = copy_project(tmp_path, SEEDS[1:2])
    text = SEED_000.read_text(encoding="utf-8")
    for old, new in (
        (NEW_ROW, "一、本年新收政府信息公开申请数量\t\t5\t0\t0\tO\t1\t0\t6\t"),
        (FEES_ROW, "行政事业性收费\t1234567.5\t\t"),
        (LICENSE_ROW, "行政许可\t" + "1" * 5000 + "\t\t"),
        (TABLE_C_ROW, "\t".join(["9" * 400 + ".5"] + ["0"] * 14)),
    ):
        text = text.replace(old, new)
    (root / "data" / "reports" / "000.txt").write_text(text + "\n沙坡头区卫生健康局\n2024年2月30日\n", encoding="utf-8")
    summary = build(root)
    assert len(summary.reports) == 2 and not summary.failed
    report = next(r for r in summary.reports if r["source"]["file"] == "000.txt")
    raw = (root / "data" / "json" / f"{report['id']}.json").read_text(encoding="utf-8")
    saved = json.loads(raw, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert saved["active_disclosure"]["administrative_fees_10k_yuan"] == 1234567.5 and "1234567.5" in raw
    rules = {f["rule"] for f in saved["findings"]}
    assert {"cell-unreadable", "cell-impossible", "date-impossible"} <= rules and "check-error" not in rules
    with zipfile.ZipFile(root / "site" / "downloads" / "cells.zip") as zipped:
        cells_csv = zipped.read("cells.csv").decode("utf-8-sig")
    assert ",1234567.5," in cells_csv and "e+06" not in cells_csv
    page = root / "site" / addresses.report_page(saved).removesuffix(".md") / "index.html"
    shown = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find(id="A-administrative_fees_10k_yuan")
    assert [td.get_text() for td in shown.find_parent("tr").find_all("td")][1] == "1234567.5"


def test_zero_report_fixture_is_not_changed_by_the_checks():
    report = zero_report()
    before = copy.deepcopy(report)
    check_report(report, TEMPLATE)
    assert report == before


@pytest.mark.parametrize("raw", ["12 3", "12,3", "1,23,456", "12，3"])
def test_digits_split_by_a_space_or_a_stray_comma_are_never_one_number(raw):
    cell = read_cell(raw)
    assert cell.value is None and not cell.readable


def test_thousands_separators_are_read():
    assert read_cell("1,234").value == 1234
    assert read_cell("1,234,567.5", AMOUNT_10K).value == 1234567.5


@pytest.mark.parametrize("raw", ["O", "1e9", "5人次", "0（件）", "-5", "约5", "口", "（一）"])
def test_a_damaged_value_is_never_taken_for_a_row_label(raw):
    assert not is_label(raw)


@pytest.mark.parametrize("raw", ["（一）予以公开", "总计", "1.属于国家秘密", "行政许可"])
def test_row_labels_are_labels(raw):
    assert is_label(raw)


@given(
    st.one_of(st.text(max_size=30), st.from_regex(r"\A[-+?]?[0-9OlIS,. ]{1,6000}(万元|人次|件|元)?\Z")),
    st.sampled_from([None, COUNT, AMOUNT_10K, "amount", "change"]),
)
def test_read_cell_never_raises_and_never_holds_an_unsafe_number(text, kind):
    value = read_cell(text, kind).value
    if value is not None:
        assert abs(value) <= 10**9
        assert json.loads(json.dumps(value, allow_nan=False)) == value
        if kind == COUNT:
            assert isinstance(value, int) and value >= 0
