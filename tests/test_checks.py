"""The checks: a passing and a failing case per rule on template-built reports, and the seeds' exact findings."""

import copy
import random

import pytest

from builder.checks import (
    CORPUS_CHECKS,
    REGISTRY_CHECKS,
    REPORT_CHECKS,
    RUNNER_RULES,
    agency_kind,
    check_agency_warnings,
    check_corpus,
    check_report,
    load_checks,
)
from builder.parse import parse_document
from builder.similarity import find_similar, text_to_shingles
from builder.sources import read
from builder.template import TABLE_KEYS, load_template
from tests.conftest import SEEDS
from tests.tablegen import zero_document

TEMPLATE = load_template()


def zero_report(version: str = "2021", agency: str = "测试县卫生健康局", year: int = 2023) -> dict:
    """What parse makes of a well-formed report of `version`: every cell printed as 0, signed in time."""
    return parse_document(zero_document(version, agency, year))


def found(report: dict, rule: str) -> list[tuple]:
    return [(f["rule"], f["table"], f["row"], f["column"]) for f in check_report(report, TEMPLATE) if f["rule"] == rule]


def findings_of(report: dict, rule: str) -> list[dict]:
    return [f for f in check_report(report, TEMPLATE) if f["rule"] == rule]


def with_narrative(report: dict, text: str) -> dict:
    report["sections"][0]["lead"] = text
    report["sections"][0]["text"] = text
    return report


# --- the rules file -----------------------------------------------------------------------------


def test_every_rule_has_one_function_and_a_description():
    ids = [r["id"] for r in load_checks()["rules"]]
    assert len(ids) == len(set(ids))
    arithmetic = {r.id for r in TEMPLATE.rules}  # run by check_report from template.yaml, no entry needed
    assert set(ids) == arithmetic | set(REPORT_CHECKS) | set(CORPUS_CHECKS) | set(REGISTRY_CHECKS) | RUNNER_RULES
    for rule in load_checks()["rules"]:
        assert rule["severity"] in ("error", "warning", "info"), rule["id"]
        for part in ("title", "description"):
            assert rule[part]["zh"] and rule[part]["en"], rule["id"]


def test_arithmetic_rules_are_the_templates():
    ids = [r["id"] for r in load_checks()["rules"]]
    assert ids[: len(TEMPLATE.rules)] == [r.id for r in TEMPLATE.rules]
    assert not {r.id for r in TEMPLATE.rules} & set(REPORT_CHECKS)


def test_zero_report_has_no_findings():
    for version in ("2021", "2019"):
        report = zero_report(version)
        assert [f for f in check_report(report, TEMPLATE) if f["rule"] != "template-2019"] == []


# --- the template's sums ------------------------------------------------------------------------


def test_b1_balance_flags_the_column_with_both_sides():
    report = zero_report()
    assert found(report, "B1-balance") == []
    report["applications"]["new"]["natural_person"] = 4
    report["applications"]["total"]["natural_person"] = 3
    [f] = findings_of(report, "B1-balance")
    assert (f["table"], f["row"], f["column"], f["left"], f["right"]) == ("applications", None, "natural_person", 4, 3)
    assert f["message"] == "自然人 一列：本年新收 4 + 上年结转 0 ≠ 办理结果总计 3 + 结转下年度 0"
    assert f["line"] == report["tables"]["applications"]["rows"]["new"]


def test_sums_count_blank_as_zero_and_skip_all_blank():
    report = zero_report()
    for row in ("new", "carried_over", "total", "carried_forward"):
        report["applications"][row]["research"] = None
    assert found(report, "B1-balance") == []
    report["applications"]["new"]["research"] = 2
    assert found(report, "B1-balance") == [("B1-balance", "applications", None, "research")]


def test_b2_outcomes():
    report = zero_report()
    report["applications"]["granted"]["commercial"] = 1
    report["applications"]["total"]["commercial"] = 1
    assert found(report, "B2-outcomes") == []
    report["applications"]["total"]["commercial"] = 2
    [f] = findings_of(report, "B2-outcomes")
    assert (f["row"], f["column"]) == ("total", "commercial")
    assert f["message"] == "商业企业 一列：办理结果总计 2 ≠ （一）至（六）各项之和 1"


def test_b2_uses_the_2019_outcome_rows():
    report = zero_report("2019")
    report["applications"]["other"]["total"] = 1
    report["applications"]["total"]["total"] = 1
    assert found(report, "B2-outcomes") == []
    report["applications"]["other"]["total"] = 0
    assert found(report, "B2-outcomes") == [("B2-outcomes", "applications", "total", "total")]


def test_b3_total_column():
    report = zero_report()
    report["applications"]["granted"].update(natural_person=2, research=1, total=3)
    assert found(report, "B3-total-column") == []
    report["applications"]["granted"]["total"] = 4
    [f] = findings_of(report, "B3-total-column")
    assert (f["row"], f["column"], f["left"], f["right"]) == ("granted", "total", 4, 3)
    assert f["message"] == "（一）予以公开 一行：总计 4 ≠ 各类申请人之和 3"


def test_c1_totals():
    report = zero_report()
    report["review_litigation"]["review"] = [1, 0, 0, 1, 2]
    assert found(report, "C1-totals") == []
    report["review_litigation"]["litigation_direct"] = [0, 0, 0, 1, 0]
    [f] = findings_of(report, "C1-totals")
    assert (f["row"], f["column"]) == ("litigation_direct", "total")
    assert f["message"] == "未经复议直接起诉 一行：总计 0 ≠ 结果维持 0 + 结果纠正 0 + 其他结果 0 + 尚未审结 1"


def test_sums_are_not_checked_on_an_empty_table():
    report = zero_report()
    report["review_litigation"]["review"] = [None, None, None, 1, 0]
    report["tables"]["review_litigation"]["status"] = "empty"
    assert found(report, "C1-totals") == []


# --- what is not there --------------------------------------------------------------------------


def test_table_missing():
    report = zero_report()
    assert found(report, "table-missing") == []
    report["tables"]["applications"]["status"] = "missing"
    assert found(report, "table-missing") == [("table-missing", "applications", None, None)]


def test_table_empty():
    report = zero_report()
    assert found(report, "table-empty") == []
    report["tables"]["review_litigation"]["status"] = "empty"
    assert found(report, "table-empty") == [("table-empty", "review_litigation", None, None)]


def test_section_missing_only_when_its_table_is_missing_too():
    report = zero_report()
    report["sections"] = [s for s in report["sections"] if s["key"] not in ("problems", "applications")]
    assert found(report, "section-missing") == [("section-missing", None, None, None)]
    assert "存在的主要问题及改进情况" in findings_of(report, "section-missing")[0]["message"]
    report["tables"]["applications"]["status"] = "missing"
    assert len(found(report, "section-missing")) == 2


def test_row_missing():
    report = zero_report()
    assert found(report, "row-missing") == []
    del report["tables"]["applications"]["rows"]["other_other"]
    report["applications"]["other_other"] = dict.fromkeys(TEMPLATE.columns("applications"))
    assert found(report, "row-missing") == [("row-missing", "applications", "other_other", None)]
    assert found(report, "cells-blank") == []  # a row not found is reported once, as missing


def test_cells_blank():
    report = zero_report()
    assert found(report, "cells-blank") == []
    report["applications"]["carried_forward"]["natural_person"] = None
    report["active_disclosure"]["administrative_license"] = None
    assert found(report, "cells-blank") == [
        ("cells-blank", "active_disclosure", None, None),
        ("cells-blank", "applications", None, None),
    ]
    assert "四、结转下年度继续办理 / 自然人" in findings_of(report, "cells-blank")[1]["message"]


# --- cells the parser was unsure of -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "note"),
    [
        ("cell-inferred", {"line": 54, "position": "inferred"}),
        ("cell-ambiguous", {"line": 55, "position": "ambiguous", "alternatives": [None]}),
        ("cell-unreadable", {"line": 56, "raw": "O", "unreadable": True}),
    ],
)
def test_cell_notes(rule, note):
    report = zero_report()
    assert found(report, rule) == []
    report["cells"]["applications.granted.research"] = note
    assert found(report, rule) == [(rule, "applications", "granted", "research")]
    assert findings_of(report, rule)[0]["line"] == note["line"]


def test_cell_notes_of_table_c_and_scalar_rows():
    report = zero_report()
    report["cells"]["review_litigation.review.total"] = {"line": 9, "position": "inferred"}
    report["cells"]["active_disclosure.administrative_license"] = {"line": 8, "raw": "四", "unreadable": True}
    assert found(report, "cell-inferred") == [("cell-inferred", "review_litigation", "review", "total")]
    assert found(report, "cell-unreadable") == [
        ("cell-unreadable", "active_disclosure", "administrative_license", None)
    ]


def test_cell_unplaced():
    report = zero_report()
    assert found(report, "cell-unplaced") == []
    report["cells"]["applications.new._unplaced"] = {"raw": ["7"], "line": 45}
    assert found(report, "cell-unplaced") == [("cell-unplaced", "applications", "new", None)]
    assert found(report, "cell-unreadable") == []


# --- dates and years ----------------------------------------------------------------------------


def test_signed_before_year_end():
    report = zero_report()
    assert found(report, "signed-before-year-end") == []
    report["date_signed"] = "2023-12-31"
    assert found(report, "signed-before-year-end") == [("signed-before-year-end", None, None, None)]


@pytest.mark.parametrize(
    ("agency", "date", "late"),
    [
        ("测试县卫生健康局", "2024-03-01", False),  # 30 days after 31 January: within the grace
        ("测试县卫生健康局", "2024-03-15", True),
        ("测试县人民政府", "2024-03-15", False),
        ("测试县人民政府", "2024-05-15", True),
    ],
)
def test_signed_late(agency, date, late):
    report = zero_report(agency=agency)
    report["date_signed"] = date
    assert bool(found(report, "signed-late")) is late


@pytest.mark.parametrize(
    ("agency", "kind"),
    [
        ("城东区卫生健康局", "department"),
        ("某市人民政府办公室", "department"),
        ("某某街道办事处", "department"),
        ("某市人民政府", "government"),
        ("某经济开发区管委会", "government"),
        ("城东区", "government"),
    ],
)
def test_agency_kind(agency, kind):
    assert agency_kind(agency) == kind


def test_title_year_mismatch():
    report = zero_report()
    assert found(report, "title-year-mismatch") == []
    report["year_in_body"] = 2022
    [f] = findings_of(report, "title-year-mismatch")
    assert (f["left"], f["right"]) == (2023, 2022)


def test_title_year_missing():
    report = zero_report()
    assert found(report, "title-year-missing") == []
    report["year_source"] = "body"
    assert found(report, "title-year-missing") == [("title-year-missing", None, None, None)]
    assert found(report, "title-year-mismatch") == []


# --- numbers in the narrative -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年共受理依申请公开0件，严格按照法定时限答复。", []),
        ("2023年共受理依申请公开5件，严格按照法定时限答复。", [("applications", "new", "total")]),
        ("本机关2023年未收到政府信息公开申请。", []),
        ("依法行政处罚0起，罚款0元。", []),
        ("依法行政处罚37起，累计罚款1124500.17元。", [("active_disclosure", "administrative_penalty", None)]),
        ("办理行政许可476件。", [("active_disclosure", "administrative_license", None)]),
        ("发布行政许可公示13条。", []),  # notices, not decisions
        ("完成19项行政许可事项目录编制。", []),
        ("本年度发布规范性文件0件。", []),
        ("本年度发布规范性文件3件。", [("active_disclosure", "normative_documents", "issued")]),
        ("全年办理行政复议3件。", []),  # not said to be about information disclosure
        ("因政府信息公开申请引起行政复议3件。", [("review_litigation", "review", "total")]),
        ("未收到因政府信息公开申请引起的行政复议。", []),
    ],
)
def test_narrative_contradiction(text, expected):
    report = with_narrative(zero_report(), text)
    got = [(f["table"], f["row"], f["column"]) for f in findings_of(report, "narrative-contradiction")]
    assert got == expected


def test_narrative_zero_claim_against_table():
    report = with_narrative(zero_report(), "本机关2023年未收到政府信息公开申请。")
    report["applications"]["new"]["total"] = 3
    report["applications"]["total"]["total"] = 3
    [f] = findings_of(report, "narrative-contradiction")
    assert (f["left"], f["right"]) == (0, 3)
    assert "未收到政府信息公开申请" in f["message"]


def test_narrative_is_not_compared_with_a_blank_table():
    report = with_narrative(zero_report(), "2023年共受理依申请公开5件。")
    report["tables"]["applications"]["status"] = "empty"
    assert found(report, "narrative-contradiction") == []


def test_narrative_2019_penalty_compares_decisions():
    report = with_narrative(zero_report("2019"), "依法行政处罚2起。")
    report["active_disclosure"]["administrative_penalty"]["decisions"] = 2
    assert found(report, "narrative-contradiction") == []
    report["active_disclosure"]["administrative_penalty"]["decisions"] = 3
    assert len(found(report, "narrative-contradiction")) == 1


# --- templates ----------------------------------------------------------------------------------


def test_template_2019_lists_fields_not_comparable():
    assert found(zero_report("2021"), "template-2019") == []
    report = zero_report("2019")
    assert found(report, "template-2019") == [
        ("template-2019", "active_disclosure", None, None),
        ("template-2019", "applications", None, None),
    ]
    messages = [f["message"] for f in findings_of(report, "template-2019")]
    assert "政府集中采购" in messages[0] and "行政许可（上一年项目数量、本年增/减）" in messages[0]
    assert "（六）其他处理" in messages[1]


def test_template_pre2019_is_not_checked_against_the_template():
    report = zero_report()
    assert found(report, "template-pre2019") == []
    for key in TABLE_KEYS:
        del report[key]
    report.update(template="pre2019", tables={}, sections=[], pre2019_tables=[])
    assert [(f["rule"], f["table"]) for f in check_report(report, TEMPLATE)] == [("template-pre2019", None)]


# --- across reports -----------------------------------------------------------------------------


def test_carryover_matches_last_years_carried_forward():
    last, this = zero_report(year=2022), zero_report(year=2023)
    last["applications"]["carried_forward"]["natural_person"] = 2
    this["applications"]["carried_over"]["natural_person"] = 2
    assert check_corpus([last, this], TEMPLATE) == {}
    this["applications"]["carried_over"]["natural_person"] = 3
    [f] = check_corpus([last, this], TEMPLATE)[this["id"]]
    assert (f["rule"], f["row"], f["column"], f["left"], f["right"], f["related"]) == (
        "carryover-mismatch",
        "carried_over",
        "natural_person",
        3,
        2,
        last["id"],
    )


def test_carryover_uses_the_agency_key():
    last, this = zero_report(year=2022), zero_report(agency="测试县卫生健康委员会", year=2023)
    last["applications"]["carried_forward"]["total"] = 2
    assert check_corpus([last, this], TEMPLATE) == {}
    same = check_corpus([last, this], TEMPLATE, key=lambda r: r["agency"].replace("委员会", "局"))
    assert [f["rule"] for f in same[this["id"]]] == ["carryover-mismatch"]


def random_text(rng: random.Random, chars: int) -> str:
    """Random sentences of common CJK characters, with numbers, like a narrative."""
    words = [chr(rng.randrange(0x4E00, 0x4E00 + 3000)) for _ in range(chars)]
    return "，".join("".join(words[i : i + 12]) + str(rng.randrange(100)) for i in range(0, chars, 12)) + "。"


def with_copy_text(report: dict, text: str) -> dict:
    report["sections"][0]["text"] = text
    return report


def test_copy_previous_year_ignores_changed_numbers():
    rng = random.Random(1)
    text = random_text(rng, 600)
    last = with_copy_text(zero_report(year=2022), text)
    this = with_copy_text(zero_report(year=2023), text.replace("1", "7"))
    [f] = check_corpus([last, this], TEMPLATE)[this["id"]]
    assert (f["rule"], f["related"], f["share"]) == ("copy-previous-year", last["id"], 1.0)
    fresh = with_copy_text(zero_report(year=2023), random_text(rng, 600))
    assert check_corpus([last, fresh], TEMPLATE) == {}


def test_copy_same_year_other_agency():
    rng = random.Random(2)
    text = random_text(rng, 800)
    a = with_copy_text(zero_report(agency="甲县卫生健康局"), text)
    b = with_copy_text(zero_report(agency="乙县卫生健康局"), text[:700] + random_text(rng, 100))
    c = with_copy_text(zero_report(agency="丙县卫生健康局"), random_text(rng, 800))
    result = check_corpus([a, b, c], TEMPLATE)
    assert set(result) == {a["id"], b["id"]}
    [fb] = result[b["id"]]
    assert (fb["rule"], fb["related"]) == ("copy-same-year", a["id"])
    assert 0.8 < fb["share"] < 0.95
    assert result[a["id"]][0]["related"] == b["id"]
    same_agency = with_copy_text(zero_report(agency="甲县卫生健康局"), text)
    same_agency["id"] += "-pdf"
    found = check_corpus([a, same_agency], TEMPLATE)
    assert {f["rule"] for items in found.values() for f in items} == {"agency-year-twice"}  # not a copy


def test_short_narratives_are_not_compared():
    a = with_copy_text(zero_report(agency="甲县卫生健康局"), "无其他需要报告的事项。")
    b = with_copy_text(zero_report(agency="乙县卫生健康局"), "无其他需要报告的事项。")
    assert check_corpus([a, b], TEMPLATE) == {}


def test_shingles_ignore_spacing_punctuation_and_numbers():
    assert text_to_shingles("2023 年，本局 共公开 82 条信息", 4) == text_to_shingles("2024年本局共公开9条信息。", 4)


def test_find_similar_finds_planted_copies_only():
    rng = random.Random(3)
    texts = [random_text(rng, 500) for _ in range(200)]
    texts[150] = texts[7][:400] + random_text(rng, 100)
    found_pairs = find_similar([text_to_shingles(t, 8) for t in texts], bins=120, band_rows=3, threshold=0.6)
    assert set(found_pairs) == {7, 150}
    assert found_pairs[150][0] == 7 and found_pairs[7][0] == 150


# --- the seeds ----------------------------------------------------------------------------------

SEED_FINDINGS = {
    "000": [("cells-blank", "applications", None, None)],
    "001": [("table-empty", "review_litigation", None, None)],
    "002": [
        ("row-missing", "applications", "other_other", None),
        ("signed-before-year-end", None, None, None),
        ("title-year-missing", None, None, None),
    ],
    "003": [
        ("cells-blank", "applications", None, None),
        ("cell-inferred", "applications", "granted", "natural_person"),
        ("cell-inferred", "applications", "granted", "research"),
        ("cell-inferred", "applications", "granted", "social_welfare"),
        ("cell-inferred", "applications", "granted", "total"),
        ("cell-ambiguous", "applications", "partially_granted", "other_legal_entity"),
        ("cell-ambiguous", "applications", "partially_granted", "total"),
        ("cell-ambiguous", "applications", "denied_law_forbidden", "other_legal_entity"),
        ("cell-ambiguous", "applications", "denied_law_forbidden", "total"),
        ("template-2019", "active_disclosure", None, None),
        ("template-2019", "applications", None, None),
    ],
    "004": [],
}


@pytest.fixture(scope="module")
def seed_reports() -> dict[str, dict]:
    return {p.stem[:3]: parse_document(read(p)) for p in SEEDS}


@pytest.mark.parametrize("seed", sorted(SEED_FINDINGS))
def test_seed_findings_are_exactly_the_hand_list(seed_reports, seed):
    got = [(f["rule"], f["table"], f["row"], f["column"]) for f in check_report(seed_reports[seed], TEMPLATE)]
    assert sorted(got, key=str) == sorted(SEED_FINDINGS[seed], key=str)


def test_seed_002_date_and_title():
    report = parse_document(read(next(p for p in SEEDS if p.stem.startswith("002"))))
    by_rule = {f["rule"]: f for f in check_report(report, TEMPLATE)}
    assert by_rule["signed-before-year-end"]["line"] == 60
    assert by_rule["signed-before-year-end"]["severity"] == "error"
    assert by_rule["title-year-missing"]["message"] == "标题未写年份，报告年度 2023 取自正文第3行"


def test_seeds_have_no_findings_across_reports(seed_reports):
    assert check_corpus(list(seed_reports.values()), TEMPLATE) == {}


def test_seeds_copied_to_another_agency_are_found(seed_reports):
    original = seed_reports["000"]
    clone = copy.deepcopy(original)
    clone.update(id="clone-2023", agency="某县卫生健康局")
    result = check_corpus([*seed_reports.values(), clone], TEMPLATE)
    assert [(f["rule"], f["related"], f["share"]) for f in result["clone-2023"]] == [
        ("copy-same-year", original["id"], 1.0)
    ]


def test_agency_warnings_become_findings():
    assert check_agency_warnings([]) == []
    found = check_agency_warnings(
        [
            {"code": "region_ambiguous", "name": "城关区卫生健康局", "message": "region ambiguous"},
            {"code": "new_name", "name": "x", "message": "new name"},
        ]
    )
    assert [(f["rule"], f["severity"]) for f in found] == [
        ("agency-unconfirmed", "warning"),
        ("agency-new-name", "info"),
    ]
