"""Text without lines: crawler dumps, glued cells, space-separated rows, misspelt labels; never a wrong number."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.checks import check_report
from builder.model import Document, Line
from builder.parse import parse_document
from builder.sources.text import read_text, text_to_lines
from builder.stream import digit_cuts, stream_layouts, stream_to_lines, stream_tokens
from tests.tablegen import APPLICANTS, T, consistent_applications, row_label_cells

CASES = Path(__file__).parent / "fixtures" / "cases"
DUMPS = sorted(CASES.glob("oneline_*.txt"))
COLUMNS = list(T.columns("applications"))
REVIEW = {"review": [2, 1, 0, 1, 4], "litigation_direct": [1, 0, 0, 0, 1], "litigation_after_review": [0, 1, 0, 0, 1]}
# The truth files' keys where they differ from the project's (cases README)
TRUTH_ROWS_2019 = {
    "license": "administrative_license",
    "other_management_services": "other_management_services",
    "penalty": "administrative_penalty",
    "coercion": "administrative_coercion",
    "fees": "administrative_fees_10k_yuan",
    "central_procurement": "government_procurement",
}
TRUTH_COLUMNS_2019 = {
    "issued": "made",
    "new_published": "published",
    "total_published": "total_public",
    "prev_year_items": "previous",
    "change": "change",
    "decisions": "decisions",
    "items": "projects",
    "amount": "amount",
}
# Findings that say a cell could not be read: the only honest reason for a null where a number was printed.
NULL_REASONS = {"cell-ambiguous", "cell-unreadable", "cell-unplaced", "row-missing", "table-missing"}


def truth_number(value):
    """A truth file's number; amounts are printed with their unit (`246900元`)."""
    return float(re.sub(r"[^\d.]", "", value)) if isinstance(value, str) else value


def truth_cells(truth: dict) -> dict[str, object]:
    """The truth file's cells under the project's names: {"table.row.column": value}."""
    out = {}
    active = truth["active_disclosure"]
    if truth["template"] == "2019":
        for row in ("regulations", "normative_documents"):
            out |= {
                f"active_disclosure.{row}.{TRUTH_COLUMNS_2019[c]}": v
                for c, v in active[row].items()
                if c in TRUTH_COLUMNS_2019
            }
        for row, cells in active["template_2019"].items():
            out |= {
                f"active_disclosure.{TRUTH_ROWS_2019[row]}.{TRUTH_COLUMNS_2019[c]}": truth_number(v)
                for c, v in cells.items()
            }
    else:
        for row, value in active.items():
            if isinstance(value, dict):
                out |= {f"active_disclosure.{row}.{c}": v for c, v in value.items()}
            else:
                out[f"active_disclosure.{row}"] = value
    for row, values in truth["applications"].items():
        if values is not None:
            name = "other" if row == "other_combined" else row
            out |= {f"applications.{name}.{c}": v for c, v in zip(COLUMNS, values, strict=True)}
    for row, values in truth["review_litigation"].items():
        out |= {f"review_litigation.{row}.{i}": v for i, v in enumerate(values)}
    return out


def report_cell(report: dict, name: str):
    table, row, *column = name.split(".")
    value = report[table][row]
    if column:
        value = value[int(column[0])] if isinstance(value, list) else value[column[0]]
    return value


def measure(report: dict, expected: dict[str, object], flagged_ok: bool = False) -> tuple[int, int, list]:
    """Given a report and its right cells, return (cells right, cells null with a finding, cells wrong).
    With `flagged_ok`, a number the line-based reader placed by the sums and marked ambiguous counts
    as flagged, not wrong (what that reader promises for rows that lost cells)."""
    findings = check_report(report, T)
    right, null, wrong = 0, 0, []
    for name, want in expected.items():
        got = report_cell(report, name)
        if got == want:
            right += 1
        elif (got is None or flagged_ok) and has_reason(findings, name):
            null += 1
        else:
            wrong.append((name, want, got))
    return right, null, wrong


def has_reason(findings: list[dict], name: str) -> bool:
    table, row, *column = name.split(".")
    if table == "review_litigation" and column and column[0].isdigit():  # a truth file's column index
        column = [T.columns("review_litigation")[int(column[0])]]
    return any(
        f["rule"] in NULL_REASONS and f["table"] == table and f["row"] in (row, None) and f["column"] in (*column, None)
        for f in findings
    )


# --- the three real crawler dumps -------------------------------------------------------------------


@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.stem[:11])
def test_real_dump_reads_every_number_right_or_null_with_a_reason(dump):
    truth = json.loads(dump.with_suffix(".truth.json").read_text(encoding="utf-8"))
    report = parse_document(read_text(dump))
    assert (report["agency"], report["year"], report["template"]) == (truth["agency"], truth["year"], truth["template"])
    right, null, wrong = measure(report, truth_cells(truth))
    assert wrong == []
    assert right + null == len(truth_cells(truth))
    assert right >= len(truth_cells(truth)) - 3  # measured: 195/198, 197/200, 198/198


def test_glued_run_cut_more_than_one_way_is_null_with_every_reading():
    # '行政许可11315' is 11 | 3 | 15, but table A has no sums to tell it from 1 | 13 | 15 or 113 | 1 | 5
    report = parse_document(read_text(CASES / "oneline_009_pingtan_tourism_culture_2019.txt"))
    assert report["active_disclosure"]["administrative_license"] == {
        "previous": None,
        "change": None,
        "decisions": None,
    }
    note = report["cells"]["active_disclosure.administrative_license.previous"]
    assert note["raw"] == "11315" and note["position"] == "ambiguous" and 11 in note["alternatives"]
    assert 3 in report["cells"]["active_disclosure.administrative_license.change"]["alternatives"]
    messages = [f["message"] for f in check_report(report, T) if f["rule"] == "cell-ambiguous"]
    assert len(messages) == 3


def test_glued_rows_are_cut_by_the_template_sums():
    report = parse_document(read_text(CASES / "oneline_013_pingtan_public_security_2022.txt"))
    assert report["applications"]["other_no_correction"] == dict(zip(COLUMNS, [1, 0, 0, 0, 0, 0, 1], strict=True))
    assert report["applications"]["total"] == dict(zip(COLUMNS, [2, 0, 0, 0, 0, 0, 2], strict=True))
    assert report["review_litigation"]["review"] == [0, 0, 0, 0, 0]
    assert report["cells"]["applications.total.natural_person"]["raw"] == "2000002"


def test_space_separated_dump_reads_units_and_the_2019_template():
    report = parse_document(read_text(CASES / "oneline_017_pingtan_finance_2020.txt"))
    assert report["template"] == "2019"
    assert report["active_disclosure"]["normative_documents"] == {"made": 6, "published": 4, "total_public": 11}
    assert report["active_disclosure"]["government_procurement"] == {"projects": 2, "amount": 984361}
    assert report["date_signed"] == "2021-01-27"


def test_crawler_metadata_is_provenance_never_part_of_the_name():
    report = parse_document(read_text(CASES / "oneline_009_pingtan_tourism_culture_2019.txt"))
    assert report["agency"] == "平潭综合实验区旅游与文化体育局"
    assert report["source"]["title"] == "平潭综合实验区旅游与文化体育局2019年度政府信息公开工作年度报告"
    assert report["source"]["published"] == "2020-01-06 14:31"
    assert report["source"]["publisher"] == "平潭综合实验区旅游与文化体育局"
    assert report["source"]["url"] == "https://www.pingtan.gov.cn/zwgk/zxwj/bmwj/202001/t20200106_19090.htm"
    assert not any("标题" in s["text"] or "原文链接" in s["text"] for s in report["sections"])


def test_sections_are_found_in_the_stream():
    report = parse_document(read_text(CASES / "oneline_013_pingtan_public_security_2022.txt"))
    keys = [s["key"] for s in report["sections"]]
    assert keys == ["overview", "active_disclosure", "applications", "review_litigation", "problems", "other"]
    assert report["sections"][-1]["text"].startswith("2022年，无收取信息处理费情况")


# --- cutting runs of digits ------------------------------------------------------------------------


def test_digit_cuts_never_give_a_number_a_leading_zero():
    assert digit_cuts("000", 3) == [("0", "0", "0")]
    assert digit_cuts("000", 2) == []
    assert set(digit_cuts("11315", 3)) == {
        ("1", "1", "315"),
        ("1", "13", "15"),
        ("1", "131", "5"),
        ("11", "3", "15"),
        ("11", "31", "5"),
        ("113", "1", "5"),
    }


def test_ordinal_glued_to_the_digits_before_it_belongs_to_its_label():
    tokens = stream_tokens("1.属于国家秘密00000002.其他法律行政法规禁止公开0000000")
    assert tokens == [
        ("text", "1.属于国家秘密", False),
        ("number", "0000000", False),
        ("text", "2.其他法律行政法规禁止公开", False),
        ("number", "0000000", False),
    ]


def test_a_row_of_seven_glued_digits_has_one_reading_that_sums():
    readings = [tuple(c.value if c else None for c in r) for r in stream_layouts(["1000001"], 7, glued=True)]
    summing = [r for r in readings if (r[6] or 0) == sum(v or 0 for v in r[:6])]
    assert summing == [(1, 0, 0, 0, 0, 0, 1)]
    assert (10, 0, 0, 0, 0, 1, None) in readings  # a blank lost: the text allows it, the sums rule it out


def test_runs_that_fill_the_row_are_not_cut():
    assert stream_layouts(["12", "3", "0"], 3, glued=True) is None


# --- space-separated rows and two numbers in one cell -------------------------------------------------


def test_space_separated_table_c_reads_like_tabs():
    report = parse_document(read_text(CASES / "text_space_separated_table_c.txt"))
    assert {k: report["review_litigation"][k] for k in REVIEW} == REVIEW


def test_two_numbers_in_one_cell_are_two_numbers():
    report = parse_document(read_text(CASES / "text_two_numbers_one_cell.txt"))
    assert list(report["applications"]["granted"].values()) == [12, 3, 0, 0, 0, 1, 16]


def test_space_separated_label_row_is_label_then_numbers():
    lines = text_to_lines("规章 2 1 15\n行政许可 1234\n2023年 我局 共收到申请\n本年共收到申请，其中 5\n3")
    assert [ln.cells for ln in lines] == [
        ("规章", "2", "1", "15"),
        ("行政许可", "1234"),
        ("2023年 我局 共收到申请",),
        ("本年共收到申请，其中 5",),
        ("3",),
    ]


# --- labels by alignment ----------------------------------------------------------------------------


def tab_report(rows: list[list[str]]) -> dict:
    text = ["某某区卫生健康局2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    text += ["\t".join(cells) for cells in rows]
    return parse_document(Document("t.txt", "text", text_to_lines("\n".join(text))))


def test_misspelt_row_label_finds_its_row_with_its_score():
    zeros = ["0"] * 7
    report = tab_report(
        [
            ["", "（三）不予公开", "1.属于国家秘密", *zeros],
            ["", "（三）不予公开", "2.其他法律行政止公开", "1", "0", "0", "0", "0", "0", "1"],
            ["", "（三）不予公开", "3.危及“三安全一稳定”", *zeros],
        ]
    )
    assert list(report["applications"]["denied_law_forbidden"].values()) == [1, 0, 0, 0, 0, 0, 1]
    note = report["cells"]["applications.denied_law_forbidden.natural_person"]
    assert note["label"].endswith("其他法律行政止公开") and 0.75 <= note["label_score"] < 1


def test_misspelt_label_in_a_stream_finds_its_row():
    zeros = {c: 0 for c in APPLICANTS}
    outcomes = {k: dict(zeros) for k in T.outcome_rows("2021")}
    outcomes["denied_law_forbidden"]["natural_person"] = 1
    table_b = consistent_applications(outcomes, dict(zeros), dict(zeros))
    text = "某某区卫生健康局2023年政府信息公开工作年度报告 一、总体情况 无。三、收到和处理政府信息公开申请情况"
    for key, row in table_b.items():
        label = "".join(c for c in row_label_cells(key) if c).replace("其他法律行政法规禁止公开", "其他法律行政止公开")
        text += label + "".join(str(row[c]) for c in COLUMNS)
    text += "四、政府信息公开行政复议、行政诉讼情况 五、存在的主要问题及改进情况 无。"
    report = parse_document(Document("s.txt", "text", tuple(stream_to_lines(1, text, T))))
    assert list(report["applications"]["denied_law_forbidden"].values()) == [1, 0, 0, 0, 0, 0, 1]
    assert report["cells"]["applications.denied_law_forbidden.total"]["label_score"] >= 0.75


def test_label_unlike_any_row_is_not_forced_onto_one():
    report = tab_report([["", "（三）不予公开", "2.完全不同的一行文字", "1", "0", "0", "0", "0", "0", "1"]])
    assert report["applications"]["denied_law_forbidden"]["natural_person"] is None


# --- property: a generated report printed as a stream -----------------------------------------------

counts = st.one_of(st.none(), st.just(0), st.integers(0, 12))
row_values = st.fixed_dictionaries({c: counts for c in APPLICANTS})


def typo(label: str, draw) -> str:
    """The label with one character dropped from its text (not its ordinal)."""
    body_start = re.match(r"^(?:（[一二三四五六七八九十]+）|[一二三四]、|\d\.)?", label).end()
    if len(label) - body_start < 6:
        return label
    at = draw(st.integers(body_start + 1, len(label) - 2))
    return label[:at] + label[at + 1 :]


def printed(value) -> str:
    return "" if value is None else str(value)


@st.composite
def stream_report(draw):
    """A consistent 2021-template report, and its text: on one line with its cells glued or separated
    by single spaces, or a row a line with spaces between cells (copy and paste); blank cells printed
    as nothing, some row labels misspelt."""
    outcomes = {k: draw(row_values) for k in T.outcome_rows("2021")}
    table_b = consistent_applications(outcomes, draw(row_values), draw(row_values))
    table_c = []
    for _ in range(3):
        parts = [draw(st.one_of(st.none(), st.integers(0, 3))) for _ in range(4)]
        present = [p for p in parts if p is not None]
        table_c.append([*parts, sum(present) if present else None])
    table_a = {k: [draw(counts) for _ in range(3)] for k in ("regulations", "normative_documents")}
    scalars = {k: draw(counts) for k in ("administrative_license", "administrative_penalty", "administrative_coercion")}
    layout = draw(st.sampled_from(["glued", "spaced", "lines"]))
    sep, row_sep = {"glued": ("", ""), "spaced": (" ", " "), "lines": (" ", "\n")}[layout]
    misspelt = draw(st.booleans())

    def cells(values):
        return sep + sep.join(printed(v) for v in values if v is not None) if any(v is not None for v in values) else ""

    rows = ["某某区卫生健康局2023年政府信息公开工作年度报告", "一、总体情况", "本年度工作情况如下。"]
    rows += ["二、主动公开政府信息情况", "第二十条第（一）项", "信息内容本年制发件数本年废止件数现行有效件数"]
    rows += ["规章" + cells(table_a["regulations"]), "行政规范性文件" + cells(table_a["normative_documents"])]
    rows += ["第二十条第（五）项", "信息内容本年处理决定数量", "行政许可" + cells([scalars["administrative_license"]])]
    rows += ["第二十条第（六）项", "信息内容本年处理决定数量", "行政处罚" + cells([scalars["administrative_penalty"]])]
    rows += ["行政强制" + cells([scalars["administrative_coercion"]])]
    rows += ["三、收到和处理政府信息公开申请情况", "申请人情况自然人法人或其他组织总计"]
    rows += ["商业企业科研机构社会公益组织法律服务机构其他"]
    for key, row in table_b.items():
        labels = [c for c in row_label_cells(key) if c]
        if misspelt and draw(st.integers(0, 4)) == 0:
            labels[-1] = typo(labels[-1], draw)
        rows.append(sep.join(labels) + cells([row[c] for c in COLUMNS]))
    rows += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"]
    rows += [cells([v for group in table_c for v in group]).strip(), "五、存在的主要问题及改进情况", "无。"]
    rows += ["六、其他需要报告的事项", "无。"]
    text = row_sep.join(r for r in rows if r) if layout == "lines" else rows[0] + " " + row_sep.join(rows[1:])
    expected = {f"applications.{k}.{c}": v for k, row in table_b.items() for c, v in row.items()}
    expected |= {f"review_litigation.{r}.{i}": v for r, g in zip(REVIEW, table_c, strict=True) for i, v in enumerate(g)}
    expected |= {
        f"active_disclosure.{k}.{c}": v
        for k, vs in table_a.items()
        for c, v in zip(("issued", "repealed", "in_force"), vs, strict=True)
    }
    expected |= {f"active_disclosure.{k}": v for k, v in scalars.items()}
    return text, expected, layout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stream_report())
def test_stream_report_reads_every_number_right_or_null_with_a_reason(case):
    text, expected, _ = case
    report = parse_document(Document("generated.txt", "text", text_to_lines(text)))
    right, null, wrong = measure(report, expected)
    assert wrong == [], text


def test_stream_report_of_zeros_reads_all_right():
    zeros = {c: 0 for c in APPLICANTS}
    table_b = consistent_applications({k: dict(zeros) for k in T.outcome_rows("2021")}, dict(zeros), dict(zeros))
    text = "某某区卫生健康局2023年政府信息公开工作年度报告 一、总体情况 无。三、收到和处理政府信息公开申请情况"
    text += "".join("".join(c for c in row_label_cells(k) if c) + "0" * 7 for k in table_b)
    text += "四、政府信息公开行政复议、行政诉讼情况行政复议" + "0" * 15 + "五、存在的主要问题及改进情况 无。"
    report = parse_document(Document("zeros.txt", "text", text_to_lines(text)))
    assert all(v == 0 for row in report["applications"].values() for v in row.values())
    assert report["review_litigation"]["review"] == [0] * 5
    assert all(isinstance(ln, Line) for ln in text_to_lines(text))


def test_phone_numbers_and_dates_stay_one_cell():
    lines = text_to_lines("联系电话： 0591 23163551\n邮编： 350400 传真 23100206")
    assert [ln.cells for ln in lines] == [("联系电话： 0591 23163551",), ("邮编： 350400 传真 23100206",)]


def test_thousands_separator_keeps_a_number_whole():
    assert stream_tokens("行政许可1,234第二十条") == [
        ("text", "行政许可", False),
        ("number", "1,234", False),
        ("text", "第二十条", False),
    ]


def test_table_printed_one_cell_a_line_reads_as_a_stream():
    zeros = {c: 0 for c in APPLICANTS}
    outcomes = {k: dict(zeros) for k in T.outcome_rows("2021")}
    outcomes["granted"] |= {"natural_person": 12, "commercial": 3, "other_legal_entity": 1}
    table_b = consistent_applications(outcomes, dict(zeros), dict(zeros))
    text = [
        "某某区卫生健康局2023年政府信息公开工作年度报告",
        "一、总体情况",
        "无。",
        "三、收到和处理政府信息公开申请情况",
    ]
    text += ["申请人情况", "自然人", "法人或其他组织", "总计"]
    for key, row in table_b.items():
        text += [c for c in row_label_cells(key) if c] + [str(row[c]) for c in COLUMNS]
    text += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "结果维持", *"210141000101001"]
    text += ["五、存在的主要问题及改进情况", "无。"]
    report = parse_document(Document("cells.txt", "text", text_to_lines("\n".join(text))))
    assert list(report["applications"]["granted"].values()) == [12, 3, 0, 0, 0, 1, 16]
    assert list(report["applications"]["total"].values()) == [12, 3, 0, 0, 0, 1, 16]
    assert {k: report["review_litigation"][k] for k in REVIEW} == REVIEW


def test_pdftotext_layout_rows_read_like_tabs():
    rows = [
        "一、本年新收政府信息公开申请数量      28   4   1   5   2   1   41",
        "二、上年结转政府信息公开申请数量       3   0   0   0   0   0    3",
        "三、本年度办理结果 （一）予以公开      12   3   0   0   0   1   16",
        "（三）不予公开   1.属于国家秘密        0   0   0   0   0   0    0",
        "（四）无法提供   1.本机关不掌握相关政府信息   7   0   1   0   0   0   8",
    ]
    text = "\n".join(["某某区卫生健康局2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况", *rows])
    report = parse_document(Document("layout.txt", "text", text_to_lines(text)))
    applications = {k: list(v.values()) for k, v in report["applications"].items()}
    assert applications["new"] == [28, 4, 1, 5, 2, 1, 41]
    assert applications["granted"] == [12, 3, 0, 0, 0, 1, 16]
    assert applications["denied_state_secret"] == [0] * 7
    assert applications["unable_not_held"] == [7, 0, 1, 0, 0, 0, 8]


def test_headings_listed_in_the_introduction_are_not_the_sections():
    intro = "报告包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况。"
    body = "一、总体情况本机关全面推进政务公开工作。三、收到和处理政府信息公开申请情况（一）予以公开12 3 0 0 0 1 16"
    lines = stream_to_lines(1, intro + body + " 五、存在的主要问题及改进情况 无。", T)
    headings = [ln.cells[0] for ln in lines if ln.kind == "heading"]
    assert headings == ["一、总体情况", "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况"]
    assert lines[0].cells[0].startswith("报告包括")


def test_space_separated_rows_of_any_format_read_like_tabs():
    texts = [
        "某某区卫生健康局2023年政府信息公开工作年度报告",
        "二、主动公开政府信息情况",
        "规章 2 1 15",
        "行政规范性文件 6 3 42",
        "行政许可 1234",
        "四、政府信息公开行政复议、行政诉讼情况",
        "2 1 0 1 4 1 0 0 0 1 0 1 0 0 1",
    ]
    lines = tuple(Line(n, (t,)) for n, t in enumerate(texts, start=1))
    report = parse_document(Document("page.html", "html", lines))
    assert report["active_disclosure"]["regulations"] == {"issued": 2, "repealed": 1, "in_force": 15}
    assert report["active_disclosure"]["administrative_license"] == 1234
    assert {k: report["review_litigation"][k] for k in REVIEW} == REVIEW


def test_table_rows_on_a_line_of_their_own_without_their_heading():
    text = "\n".join(
        [
            "某某区卫生健康局2023年政府信息公开工作年度报告",
            "二、主动公开政府信息情况",
            "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件6 3 42"
            "第二十条第（五）项信息内容本年处理决定数量行政许可1234第二十条第（六）项信息内容本年处理决定数量行政处罚56行政强制7",
            "三、收到和处理政府信息公开申请情况",
        ]
    )
    report = parse_document(Document("rows.txt", "text", text_to_lines(text)))
    active = report["active_disclosure"]
    assert active["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert active["normative_documents"] == {"issued": 6, "repealed": 3, "in_force": 42}
    assert (active["administrative_license"], active["administrative_penalty"], active["administrative_coercion"]) == (
        1234,
        56,
        7,
    )


def test_one_line_report_with_tab_separated_cells_reads_as_a_stream():
    dump = (CASES / "oneline_013_pingtan_public_security_2022.txt").read_text(encoding="utf-8")
    body = (
        dump.splitlines()[-1]
        .replace("规章000", "规章\t0\t0\t0\t")
        .replace("行政规范性文件417", "行政规范性文件\t4\t1\t7\t")
    )
    body = body.replace("0000000", "\t".join("0000000")).replace("行政处罚157", "行政处罚\t157\t")
    report = parse_document(Document("tabs.txt", "text", text_to_lines(body), meta={"title": dump.split("\n")[0][4:]}))
    assert report["active_disclosure"]["normative_documents"] == {"issued": 4, "repealed": 1, "in_force": 7}
    assert report["active_disclosure"]["administrative_penalty"] == 157
    assert list(report["applications"]["granted"].values()) == [0] * 7


def test_table_c_glued_into_one_long_run_is_cut_by_its_own_sums():
    # pingtan_2024's table C as a glued dump prints it: 17 digits for 15 cells, too many cuts to list
    from builder.parse import flat_address
    from builder.solver import equations, place_rows

    flat = [f"{k}.{c}" for k in REVIEW for c in T.columns("review_litigation")]
    eqs = equations(T, "review_litigation", "2021")
    placed, notes, _ = place_rows({"C": ["21317000001324019"]}, flat, eqs, flat_address, {"C": "glued"})
    assert list(placed["C"].values()) == [2, 1, 3, 1, 7, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19]
    # a run no cut of which keeps each 总计 the sum of its four: nothing is published
    placed, notes, _ = place_rows({"C": ["99999999999999999"]}, flat, eqs, flat_address, {"C": "glued"})
    assert set(placed["C"].values()) == {None}
    assert all(note.get("unreadable") for note in notes.values())
