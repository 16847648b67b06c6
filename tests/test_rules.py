"""The consistency rules (勾稽关系) are objects of the template: one arithmetic, used by the solver that places
cells and by the checks that report; adding a row or a rule is one edit of template.yaml."""

from pathlib import Path

import pytest

from builder.checks import check_report, load_checks
from builder.parse import parse_document
from builder.solver import equations
from builder.template import TEMPLATE_FILE, UNKNOWN, Equation, load_template
from tests.tablegen import APPLICANTS, T, document, table_b_rows

COLUMNS = T.columns("applications")


def rule(rule_id: str, template=T):
    return next(r for r in template.rules if r.id == rule_id)


# --- one equation -------------------------------------------------------------------------------

SUM = Equation("X", "total", (("a", "total"), ("b", "total")), (("c", "total"),))


@pytest.mark.parametrize(
    "values, residual, holds",
    [
        ({("a", "total"): 2, ("b", "total"): 3, ("c", "total"): 5}, 0, True),
        ({("a", "total"): 2, ("b", "total"): 3, ("c", "total"): 4}, 1, False),
        ({("a", "total"): 2, ("b", "total"): None, ("c", "total"): 2}, 0, True),  # blank counts as 0
        ({("a", "total"): 2, ("c", "total"): 7}, -5, False),  # absent is blank
        ({("a", "total"): None, ("b", "total"): None, ("c", "total"): None}, None, None),  # nothing to compare
        ({("a", "total"): 2, ("b", "total"): UNKNOWN, ("c", "total"): 9}, None, None),  # a number not known
    ],
)
def test_an_equation_counts_blank_as_zero_and_cannot_judge_unknown_cells(values, residual, holds):
    assert SUM.residual(values) == residual
    assert SUM.holds(values) is holds


def test_a_rule_knows_its_cells_in_each_template_version():
    b2 = rule("B2-outcomes")
    assert ("other", "total") in b2.cells("2019") and ("other", "total") not in b2.cells("2021")
    assert ("other_no_fee", "commercial") in b2.cells("2021")
    assert len(b2.equations("2021")) == len(COLUMNS)
    b1 = rule("B1-balance").equations("2021")[-1]
    assert (b1.over, b1.left, b1.right) == (
        "total",
        (("new", "total"), ("carried_over", "total")),
        (("total", "total"), ("carried_forward", "total")),
    )
    c1 = rule("C1-totals").equations("2021")
    assert [eq.over for eq in c1] == ["review", "litigation_direct", "litigation_after_review"]
    assert c1[0].right == (("review", "upheld"), ("review", "corrected"), ("review", "other"), ("review", "pending"))


def test_a_rule_holds_over_a_whole_table():
    b3 = rule("B3-total-column")
    values = {("new", c): 1 for c in APPLICANTS} | {("new", "total"): 6}
    assert b3.holds(values, "2021") is True
    assert b3.holds(values | {("new", "total"): 7}, "2021") is False
    assert b3.holds({}, "2021") is None


def test_the_rules_words_are_data_beside_them():
    words = load_checks()["by_id"]["B3-total-column"]
    assert words == rule("B3-total-column").text()
    assert words["severity"] == "error" and words["title"]["en"] and words["description"]["zh"]
    assert [r["id"] for r in load_checks()["rules"]][:4] == [r.id for r in T.rules]


# --- adding a row and a rule: one edit of template.yaml ------------------------------------------

NEW_ROW = '      denied_subtotal: {label: 不予公开小计, number: "9.", group: （三）不予公开}\n'
NEW_RULE = """  - id: B4-denied-subtotal
    table: applications
    over: columns
    left: [denied_subtotal]
    right: [denied_state_secret, denied_law_forbidden, denied_three_safety, denied_third_party,
            denied_internal_affairs, denied_process_info, denied_enforcement_file, denied_admin_query]
    explain: 不予公开小计等于1至8项之和
    severity: error
    title: {zh: 不予公开小计与各项之和不符, en: Denied subtotal does not equal its items}
    description:
      zh: 表B每一列：不予公开小计应等于1至8项之和。
      en: In every column of table B, the subtotal of denials must equal items 1-8.
    sum_label: 不予公开各项之和
"""
ANCHOR = "      unable_not_held:"


def template_with(tmp_path: Path, row: bool, rule: bool):
    """A copy of template.yaml with the new row and/or the new rule added, loaded with load_template(path)."""
    text = TEMPLATE_FILE.read_text(encoding="utf-8")
    assert text.count(ANCHOR) == 1
    if row:
        text = text.replace(ANCHOR, NEW_ROW + ANCHOR)
    if rule:
        text += NEW_RULE
    path = tmp_path / f"template-{row}-{rule}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_template(path)


def report_with_subtotal(template, subtotal_cells: list[str]) -> dict:
    """A consistent 2021 table B with two state-secret denials by natural persons, and a subtotal row printed
    with `subtotal_cells`; parsed with `template`."""
    values = {k: dict.fromkeys(COLUMNS, 0) for k in T.rows("applications", "2021")}
    for row in ("new", "denied_state_secret", "total"):
        values[row] |= {"natural_person": 2, "total": 2}
    rows = table_b_rows(values)
    at = next(i for i, cells in enumerate(rows) if "1.本机关不掌握相关政府信息" in cells)
    rows.insert(at, ["", "（三）不予公开", "9.不予公开小计", *subtotal_cells])
    return parse_document(document(rows), template)


def test_a_row_and_a_rule_added_to_the_template_are_used_by_the_solver_and_the_checks(tmp_path):
    template = template_with(tmp_path, row=True, rule=True)
    assert template.rows("applications", "2021")[12] == "denied_subtotal"
    assert "denied_subtotal" not in template.outcome_rows("2021")  # a subtotal is no outcome: B2 is unchanged
    assert [eq.rule for eq in equations(template, "applications", "2021")].count("B4-denied-subtotal") == len(COLUMNS)

    # The solver: the subtotal row lost its blank cells; only the new rule says the 2 is a natural person's.
    report = report_with_subtotal(template, ["2", "2"])
    assert report["applications"]["denied_subtotal"] == {
        c: (2 if c in ("natural_person", "total") else None) for c in COLUMNS
    }
    assert report["cells"]["applications.denied_subtotal.natural_person"]["position"] == "inferred"
    assert [f["rule"] for f in check_report(report, template) if f["severity"] == "error"] == []

    # The checks: a subtotal that disagrees with its items is reported under the new rule, in its words.
    report = report_with_subtotal(template, ["3", "0", "0", "0", "0", "0", "3"])
    found = [f for f in check_report(report, template) if f["rule"] == "B4-denied-subtotal"]
    assert [(f["severity"], f["row"], f["column"], f["left"], f["right"]) for f in found] == [
        ("error", "denied_subtotal", "natural_person", 3, 2),
        ("error", "denied_subtotal", "total", 3, 2),
    ]
    assert found[0]["message"] == "自然人 一列：（三）不予公开 9.不予公开小计 3 ≠ 不予公开各项之和 2"


def test_without_the_rule_the_added_row_is_ambiguous(tmp_path):
    """The control: the same row without the rule cannot be placed by the sums (six columns fit)."""
    template = template_with(tmp_path, row=True, rule=False)
    report = report_with_subtotal(template, ["2", "2"])
    notes = {k: v for k, v in report["cells"].items() if k.startswith("applications.denied_subtotal.")}
    assert {v.get("position") for v in notes.values()} == {"ambiguous"}
    assert not [f for f in check_report(report, template) if f["rule"].startswith("B4")]
