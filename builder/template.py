"""Loads the template definition (template/template.yaml) and answers questions about it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from builder.config import TEMPLATE_SCHEMA, ConfigError, key_path, read_config, require_known

TEMPLATE_FILE = Path(__file__).parent / "template" / "template.yaml"
VERSIONS = ("2021", "2019")
TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")

_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|第[一二三四五六七八九十]+[、.])"
)
_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "／": "/", "—": "-"})


@lru_cache(maxsize=2**16)  # the same labels recur in every report: read each once per process
def normalize_label(text: str) -> str:
    """Given a printed label, return it comparable: NFKC, no spaces, quotes folded, no `*#`."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return re.sub(r"[\s*#_]+", "", text)


def strip_ordinal(label: str) -> str:
    """Given a normalized label, return it without leading ordinals such as 一、 (三) 1."""
    label = label.replace("(", "（").replace(")", "）")
    while (m := _ORDINAL.match(label)) is not None:
        label = label[m.end() :]
    return label.replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class Label:
    """A row or column of a table as printed: its canonical `key`, its `label` and the `variants` seen in reports."""

    key: str
    label: str
    variants: tuple[str, ...]

    @cache  # noqa: B019 (a Label is frozen and lives as long as the template: its forms are read once)
    def forms(self) -> tuple[str, ...]:
        """Every normalized spelling, longest first, so a fuller match wins."""
        forms = {strip_ordinal(normalize_label(x)) for x in (self.label, *self.variants)}
        return tuple(sorted(forms, key=len, reverse=True))


@dataclass(frozen=True)
class Group:
    """One 第二十条 item of table A: its rows share its columns; `scalar` rows hold one number each."""

    item: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    scalar: bool


Address = tuple[str, str]  # (row key, column key) of a cell in one table


class Headline(NamedTuple):
    """A headline figure of the site (template.yaml `headlines`): its `label` (Chinese then English), the
    one cell it reads by table, row and column key, and whether a report page's description names it."""

    label: str
    table: str
    row: str
    column: str
    describe: bool = True


class Breakdown(NamedTuple):
    """What the charts break down (template.yaml `breakdown`): table `table`'s `row` by its columns, and its
    outcome rows, read in the `total` column that sums the others."""

    table: str
    row: str
    total: str


class Carryover(NamedTuple):
    """The link between two years of one agency (template.yaml `carryover`): in `table`, this year's `row`
    equals last year's `previous` row, column by column (上年结转 = last year's 结转下年度继续办理)."""

    table: str
    row: str
    previous: str


class Unknown:
    """The value of a cell whose number is not known although something is printed there (unreadable or
    refused): an equation with such a cell cannot be judged. Use the one instance, `UNKNOWN`."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Equation:
    """One instance of a consistency rule (勾稽关系) in one column (rules `over: columns`) or one row (`over:
    rows`) of a table: the sum of the `left` cells equals the sum of the `right` cells. `over` names that
    column or row; cells are (row, column) addresses. The arithmetic of every rule is here and only here:
    the parser places cells with it (builder.solver.solve) and the checks report with it (builder.checks)."""

    rule: str
    over: str
    left: tuple[Address, ...]
    right: tuple[Address, ...]

    def sums(self, values: Mapping[Address, Any]) -> tuple[Any, Any] | None:
        """Given {(row, column): number, None for blank, or UNKNOWN}, return (left sum, right sum).
        A blank cell (None, or absent from `values`) counts as 0, as the template's checks do; None is
        returned when the equation cannot be judged: every cell blank, or a cell UNKNOWN."""
        get = values.get  # the solver calls this for every candidate layout: kept to C-speed builtins
        left = [get(cell) for cell in self.left]
        right = [get(cell) for cell in self.right]
        both = left + right
        if UNKNOWN in both or both.count(None) == len(both):
            return None
        return sum(filter(None, left)), sum(filter(None, right))

    def residual(self, values: Mapping[Address, Any]):
        """Left sum minus right sum (0 when the equation holds), or None when it cannot be judged (see sums)."""
        sums = self.sums(values)
        return None if sums is None else sums[0] - sums[1]

    def holds(self, values: Mapping[Address, Any]) -> bool | None:
        """True when both sides are equal, False when they differ, None when it cannot be judged (see sums)."""
        sums = self.sums(values)
        return None if sums is None else sums[0] == sums[1]


@dataclass(frozen=True)
class Rule:
    """A consistency rule (勾稽关系) of template.yaml `rules`: in every column (`over: columns`) or every row
    (`over: rows`) of `table`, the `left` operands sum to the `right` ones (`outcomes` stands for the outcome
    rows of the report's template version). Its words (severity, title and description in zh and en, the
    name of a long sum) are data beside it. `equations(version)` are its instances over the cells of a
    template version, built by the Template that defines it."""

    id: str
    table: str
    over: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    explain: str
    severity: str
    title: dict = field(compare=False)
    description: dict = field(compare=False)
    sum_label: str | None = None
    by_version: dict[str, tuple[Equation, ...]] = field(default_factory=dict, compare=False, repr=False)

    def equations(self, version: str) -> tuple[Equation, ...]:
        """The rule's equations over the cells of template `version` ("2021" or "2019"), one per column or row."""
        return self.by_version[version]

    def cells(self, version: str) -> frozenset[Address]:
        """Every (row, column) the rule covers in template `version`."""
        return frozenset(cell for eq in self.equations(version) for cell in eq.left + eq.right)

    def holds(self, values: Mapping[Address, Any], version: str) -> bool | None:
        """False when any equation of the rule is broken, True when every one holds, None when none can be judged."""
        verdicts = [eq.holds(values) for eq in self.equations(version)]
        if False in verdicts:
            return False
        return True if True in verdicts else None

    def text(self) -> dict:
        """The rule as checks.yaml lists a check: {id, severity, title, description} (title/description {zh, en})."""
        return {"id": self.id, "severity": self.severity, "title": self.title, "description": self.description}


class Template:
    """The whole definition (template.yaml, validated), with lookups by table, version and key.
    Raises ConfigError (naming template.yaml, the key path and what was expected) for a definition that
    does not fit: the shape is checked by config.TEMPLATE_SCHEMA, the cross-references (a rule operand, a
    group's row) here."""

    def __init__(self, raw: dict, path: Path | str = TEMPLATE_FILE):
        self.raw = raw
        self.path = path
        self.sections = tuple(raw["sections"])
        self.tables = raw["tables"]
        check_references(self, path)
        self.rules = tuple(self.make_rule(r) for r in raw["rules"])

    def make_rule(self, spec: dict) -> Rule:
        """Given a rule of template.yaml, return the Rule with its equations for every template version."""
        rule = Rule(
            spec["id"],
            spec["table"],
            spec["over"],
            tuple(spec["left"]),
            tuple(spec["right"]),
            spec["explain"],
            spec["severity"],
            spec["title"],
            spec["description"],
            spec.get("sum_label"),
        )
        return replace(rule, by_version={v: self.rule_equations(rule, v) for v in VERSIONS})

    def rule_equations(self, rule: Rule, version: str) -> tuple[Equation, ...]:
        """A rule's equations in a template version: for `over: columns` one per column of the table, over the
        rows the version has; for `over: rows` one per row of the version, over the named columns."""
        rows = self.rows(rule.table, version)
        left, right = self.expand(rule.left, version, rule.table), self.expand(rule.right, version, rule.table)
        if rule.over == "columns":
            left, right = tuple(r for r in left if r in rows), tuple(r for r in right if r in rows)
            return tuple(
                Equation(rule.id, col, tuple((r, col) for r in left), tuple((r, col) for r in right))
                for col in self.columns(rule.table)
            )
        return tuple(
            Equation(rule.id, row, tuple((row, c) for c in left), tuple((row, c) for c in right)) for row in rows
        )

    def labels(self, table: str, kind: str) -> dict[str, Label]:
        """Given a table and `rows` or `columns`, return their Labels by key."""
        return {
            key: Label(key, spec["label"], tuple(spec.get("variants", ())))
            for key, spec in self.tables[table][kind].items()
        }

    def spec(self, table: str, kind: str, key: str) -> dict:
        """The template.yaml entry of one row or column (`kind` is `rows` or `columns`); KeyError if unknown."""
        return self.tables[table][kind][key]

    def grouped_table(self) -> str:
        """The key of the table whose rows come in groups with their own columns per template version
        (table A, 主动公开: one group per 第二十条 item): the table with `templates` in template.yaml."""
        return next(key for key, spec in self.tables.items() if "templates" in spec)

    def groups(self, version: str) -> tuple[Group, ...]:
        """The 第二十条 groups of table A in a template version."""
        return self.groups_of(self.grouped_table(), version)

    def groups_of(self, table: str, version: str) -> tuple[Group, ...]:
        """The groups of rows sharing columns of a table in a template version; () for a table whose rows all
        share the table's columns (no `templates` in template.yaml) or a version it does not list."""
        return tuple(
            Group(g["item"], tuple(g["columns"]), tuple(g["rows"]), bool(g.get("scalar")))
            for g in self.tables[table].get("templates", {}).get(version, ())
        )

    def rows(self, table: str, version: str) -> tuple[str, ...]:
        """The row keys of a table in a template version, in printed order."""
        if "templates" in self.tables[table]:
            return tuple(row for g in self.groups_of(table, version) for row in g.rows)
        return tuple(
            key for key, spec in self.tables[table]["rows"].items() if version in spec.get("templates", VERSIONS)
        )

    def cells(self, table: str, version: str) -> tuple[Address, ...]:
        """Every (row, column) of a table in a template version, in printed order: a grouped table's rows under
        their group's columns, any other table's rows under all its columns."""
        groups = self.groups_of(table, version)
        if groups:
            return tuple((row, column) for g in groups for row in g.rows for column in g.columns)
        return tuple((row, column) for row in self.rows(table, version) for column in self.columns(table))

    def columns(self, table: str) -> tuple[str, ...]:
        """The column keys of a table, in printed order (table A: every column of either version)."""
        return tuple(self.tables[table]["columns"])

    def outcome_rows(self, version: str, table: str | None = None) -> tuple[str, ...]:
        """The rows marked `outcome: true` in a template version, of `table` or else of every table: table B's
        （一）…（六） and their items."""
        return tuple(
            key
            for t in ([table] if table else self.tables)
            for key in self.rows(t, version)
            if self.spec(t, "rows", key).get("outcome")
        )

    def expand(self, keys: tuple[str, ...], version: str, table: str | None = None) -> tuple[str, ...]:
        """Given rule operands, return them with `outcomes` replaced by the outcome rows (of `table`, else of
        every table) of the template version."""
        out: list[str] = []
        for key in keys:
            out.extend(self.outcome_rows(version, table) if key == "outcomes" else [key])
        return tuple(out)

    def headlines(self) -> tuple[Headline, ...]:
        """The headline figures of template.yaml `headlines`, in its order."""
        return tuple(
            Headline(h["label"], h["table"], h["row"], h["column"], h.get("describe", True))
            for h in self.raw["headlines"]
        )

    def breakdown(self) -> Breakdown:
        """The row and total column the charts break down (template.yaml `breakdown`)."""
        b = self.raw["breakdown"]
        return Breakdown(b["table"], b["row"], b["total"])

    def carryover(self) -> Carryover:
        """The rows that link one year's report to the previous year's (template.yaml `carryover`)."""
        link = self.raw["carryover"]
        return Carryover(link["table"], link["row"], link["previous"])

    def arithmetic_rules(self) -> tuple[str, ...]:
        """The ids of the consistency rules (勾稽关系), in template.yaml order: a report breaking one of them in a
        table has figures from it that the site does not sum or chart."""
        return tuple(rule.id for rule in self.rules)

    def rules_for(self, table: str) -> tuple[Rule, ...]:
        """The consistency rules of one table, in template.yaml order."""
        return tuple(r for r in self.rules if r.table == table)

    def row_name(self, table: str, row: str) -> tuple[str | None, str]:
        """A row as printed: (the group it is named under, from the table's `named_groups`, or None; its number
        and label, `1.属于国家秘密`, `一、本年新收政府信息公开申请数量`, `行政许可`)."""
        spec = self.spec(table, "rows", row)
        group = spec.get("group")
        named = group if group in self.tables[table].get("named_groups", ()) else None
        return named, f"{spec.get('number', '')}{spec['label']}"

    def cell_label(self, table: str, row: str, column: str | None = None) -> str:
        """A reader's name for a cell: "（三）不予公开 1.属于国家秘密 / 自然人"."""
        group, name = self.row_name(table, row)
        name = f"{group} {name}" if group else name
        if column is None:
            return name
        return f"{name} / {self.column_label(table, column)}"

    def row_anchor(self, table: str, row: str) -> str:
        """The anchor of a table row on a report page: the table's letter and the row key (`B-granted`)."""
        return f"{self.tables[table]['letter']}-{row}"

    def column_label(self, table: str, column: str) -> str:
        """A reader's name for a column (its printed label), or the key itself when the table has no such column."""
        return self.tables[table]["columns"].get(column, {}).get("label", column)


def check_references(template: Template, path: Path | str) -> None:
    """Raise ConfigError unless every key template.yaml refers to exists (see the checks below)."""
    check_table_references(template, path)
    check_rule_references(template, path)
    check_headline_references(template, path)
    check_carryover_references(template, path)


def check_table_references(template: Template, path: Path | str) -> None:
    """Raise ConfigError unless each table's section is a section key, its named groups are groups of its rows,
    and table A's groups name its own rows and columns."""
    sections = [s["key"] for s in template.sections]
    for table, spec in template.tables.items():
        require_known(path, ["tables", table, "section"], spec["section"], sections, "a section key")
        groups = {row.get("group") for row in spec["rows"].values()} - {None}
        for n, group in enumerate(spec.get("named_groups", ())):
            require_known(
                path, ["tables", table, "named_groups", n], group, sorted(groups), f"a group of {table}'s rows"
            )
        for version, groups in spec.get("templates", {}).items():
            require_known(path, ["tables", table, "templates", version], version, VERSIONS, "a template version")
            for n, group in enumerate(groups):
                for kind in ("rows", "columns"):
                    for i, key in enumerate(group[kind]):
                        where = ["tables", table, "templates", version, n, kind, i]
                        require_known(path, where, key, spec[kind], f"a {kind[:-1]} of {table}")


def check_rule_references(template: Template, path: Path | str) -> None:
    """Raise ConfigError unless rule ids are unique, each rule's table exists and its operands are rows of
    that table (or `outcomes`) for rules over columns, columns of it for rules over rows."""
    seen: set[str] = set()
    for n, rule in enumerate(template.raw["rules"]):
        if rule["id"] in seen:
            raise ConfigError(path, key_path(["rules", n, "id"]), f"expected a new rule id, found {rule['id']!r} again")
        seen.add(rule["id"])
        require_known(path, ["rules", n, "table"], rule["table"], template.tables, "a table key")
        table = template.tables[rule["table"]]
        if rule["over"] == "columns":
            known, what = [*table["rows"], "outcomes"], f"a row of {rule['table']} or outcomes"
        else:
            known, what = list(table["columns"]), f"a column of {rule['table']}"
        for side in ("left", "right"):
            for i, key in enumerate(rule[side]):
                require_known(path, ["rules", n, side, i], key, known, what)


def check_headline_references(template: Template, path: Path | str) -> None:
    """Raise ConfigError unless each headline names a table of the template, a row and a column of it."""
    for n, headline in enumerate(template.raw["headlines"]):
        require_known(path, ["headlines", n, "table"], headline["table"], template.tables, "a table key")
        spec = template.tables[headline["table"]]
        for kind in ("row", "column"):
            where = ["headlines", n, kind]
            require_known(path, where, headline[kind], spec[f"{kind}s"], f"a {kind} of {headline['table']}")


def check_carryover_references(template: Template, path: Path | str) -> None:
    """Raise ConfigError unless `carryover` names a table of the template and two rows of it."""
    link = template.raw["carryover"]
    require_known(path, ["carryover", "table"], link["table"], template.tables, "a table key")
    for kind in ("row", "previous"):
        rows = template.tables[link["table"]]["rows"]
        require_known(path, ["carryover", kind], link[kind], rows, f"a row of {link['table']}")


def load_template(path: Path | None = None) -> Template:
    """Read and validate template.yaml (default TEMPLATE_FILE); return the Template, cached per path.
    Raises ConfigError naming the file, the key path and what was expected."""
    return read_template(Path(path) if path else TEMPLATE_FILE)  # the default's hash is computed once


@cache
def read_template(path: Path) -> Template:
    """The Template of one file, read once (see load_template)."""
    return Template(read_config(path, TEMPLATE_SCHEMA), path)
