"""Key figures and rates of a report, defined once in template/rates.yaml and computed by pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from builder.model import find_cell
from builder.template import Template

RATES_FILE = Path(__file__).parent / "template" / "rates.yaml"
# Findings of these severities make a cell they touch unusable in a figure or a rate.
BLOCKING = ("error", "warning")


@dataclass(frozen=True)
class Figure:
    """One headline cell: `cell` is `table.row.column` in the template's canonical keys; `unit` e.g. 件."""

    key: str
    name: str
    name_en: str
    unit: str
    cell: str


@dataclass(frozen=True)
class Rate:
    """A rate sum(numerator) / sum(denominator) over template cells, with its Chinese name and formula."""

    key: str
    name: str
    name_en: str
    definition: str
    formula: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


@dataclass(frozen=True)
class Value:
    """A figure or rate of one report: `value` is None when missing, `why` then says why in Chinese,
    and `rules` names the rules whose findings touch its cells (shown beside the missing value)."""

    value: float | int | None
    why: str = ""
    rules: tuple[str, ...] = ()
    numerator: int | float | None = None
    denominator: int | float | None = None


@dataclass(frozen=True)
class Definitions:
    """The key figures and rates of builder/template/rates.yaml, in the order the pages show them."""

    figures: tuple[Figure, ...]
    rates: tuple[Rate, ...]


@cache
def load_definitions(path: Path = RATES_FILE) -> Definitions:
    """Read rates.yaml into Figures and Rates. Raises ValueError naming the file and key on a bad entry."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        figures = tuple(Figure(**f) for f in raw["figures"])
        rates = tuple(
            Rate(**{**r, "numerator": tuple(r["numerator"]), "denominator": tuple(r["denominator"])})
            for r in raw["rates"]
        )
    except (KeyError, TypeError) as e:
        raise ValueError(f"{path}: bad figure or rate entry: {e}") from e
    return Definitions(figures, rates)


def cell_value(report: dict, template: Template, cell: str):
    """Given a report and `table.row.column`, return the number in that cell or None (builder.model.find_cell:
    every table by row and column key, table A's one-number rows under their group's column)."""
    found = find_cell(report, cell, template)
    return None if found is None else found.value


def rule_cells(finding: dict, template: Template, version: str) -> frozenset[str] | None:
    """The cells a sum-rule finding covers: every cell of both sides of the rule in the finding's column
    (rules over columns) or row (rules over rows); None for a finding of any other check."""
    return covered_cells(
        template, finding["rule"], finding.get("table"), finding.get("row"), finding.get("column"), version
    )


@lru_cache(maxsize=4096)
def covered_cells(
    template: Template, rule_id: str, table: str | None, row: str | None, column: str | None, version: str
) -> frozenset[str] | None:
    """rule_cells of a finding of rule `rule_id` at (table, row, column), worked out once per template, place and
    template version (a report's figures and rates ask for each of their cells)."""
    rule = next((r for r in template.rules if r.id == rule_id), None)
    if rule is None or table != rule.table:
        return None
    keys = template.expand(rule.left + rule.right, version)
    if rule.over == "columns":
        return frozenset(f"{rule.table}.{key}.{column}" for key in keys)
    return frozenset(f"{rule.table}.{row}.{key}" for key in keys)


def touches(finding: dict, cell: str, template: Template, version: str) -> bool:
    """Whether an error or warning finding concerns `cell`: a cell covered by the broken sum rule, or the
    finding's own place (same table, and the same row and column, or the whole row, column or table)."""
    if finding["severity"] not in BLOCKING:
        return False
    covered = rule_cells(finding, template, version)
    if covered is not None:
        return cell in covered
    table, row, column = cell.split(".")
    return (
        finding.get("table") == table and finding.get("row") in (None, row) and finding.get("column") in (None, column)
    )


def touching_rules(report: dict, template: Template, cell: str) -> tuple[str, ...]:
    """The rules of a report's findings that touch `cell` (see touches), sorted."""
    version = report.get("template", "2021")
    return tuple(sorted({f["rule"] for f in report.get("findings", []) if touches(f, cell, template, version)}))


def cell_problem(report: dict, template: Template, cell: str) -> Value | None:
    """Why a cell cannot be used (a Value with value None), or None when it can."""
    if report.get("template") == "pre2019":
        return Value(None, "2019年以前的报告无统一模板")
    table = cell.split(".")[0]
    status = (report.get("tables") or {}).get(table, {}).get("status")
    if status != "ok":
        return Value(None, f"表{template.tables[table]['letter']}未能读取（{status}）")
    rules = touching_rules(report, template, cell)
    if rules:
        return Value(None, "报告未通过核查：" + "、".join(rules), rules)
    if cell_value(report, template, cell) is None:
        return Value(None, f"缺少 {cell}")
    return None


def figure_value(report: dict, template: Template, figure: Figure) -> Value:
    """A report's headline figure, or a missing Value saying why."""
    return cell_problem(report, template, figure.cell) or Value(cell_value(report, template, figure.cell))


def rate_value(report: dict, template: Template, rate: Rate) -> Value:
    """A report's rate as a fraction in [0, 1] (not a percentage), or a missing Value saying why: an input
    cell is missing or touched by a finding, or the denominator is 0 (nothing to divide)."""
    problems = [p for cell in (*rate.numerator, *rate.denominator) if (p := cell_problem(report, template, cell))]
    if problems:
        rules = tuple(sorted({r for p in problems for r in p.rules}))
        return Value(None, "；".join(dict.fromkeys(p.why for p in problems)), rules)
    top = sum(cell_value(report, template, c) for c in rate.numerator)
    bottom = sum(cell_value(report, template, c) for c in rate.denominator)
    if bottom == 0:
        return Value(None, "分母为 0", (), top, bottom)
    return Value(top / bottom, "", (), top, bottom)
