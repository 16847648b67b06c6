"""Loads the template definition (template/template.yaml) and answers questions about it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

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
    item: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    scalar: bool


@dataclass(frozen=True)
class Rule:
    id: str
    table: str
    over: str  # "columns": the rule holds in every column; "rows": in every row
    left: tuple[str, ...]
    right: tuple[str, ...]
    explain: str


class Template:
    """The whole definition, with lookups by table, version and key."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.sections = tuple(raw["sections"])
        self.tables = raw["tables"]
        self.rules = tuple(
            Rule(r["id"], r["table"], r["over"], tuple(r["left"]), tuple(r["right"]), r["explain"])
            for r in raw["rules"]
        )

    def labels(self, table: str, kind: str) -> dict[str, Label]:
        """Given a table and `rows` or `columns`, return their Labels by key."""
        return {
            key: Label(key, spec["label"], tuple(spec.get("variants", ())))
            for key, spec in self.tables[table][kind].items()
        }

    def spec(self, table: str, kind: str, key: str) -> dict:
        return self.tables[table][kind][key]

    def groups(self, version: str) -> tuple[Group, ...]:
        """The 第二十条 groups of table A in a template version."""
        return tuple(
            Group(g["item"], tuple(g["columns"]), tuple(g["rows"]), bool(g.get("scalar")))
            for g in self.tables["active_disclosure"]["templates"][version]
        )

    def rows(self, table: str, version: str) -> tuple[str, ...]:
        """The row keys of a table in a template version, in printed order."""
        if table == "active_disclosure":
            return tuple(row for g in self.groups(version) for row in g.rows)
        return tuple(
            key for key, spec in self.tables[table]["rows"].items() if version in spec.get("templates", VERSIONS)
        )

    def columns(self, table: str) -> tuple[str, ...]:
        return tuple(self.tables[table]["columns"])

    def outcome_rows(self, version: str) -> tuple[str, ...]:
        return tuple(
            key for key in self.rows("applications", version) if self.spec("applications", "rows", key).get("outcome")
        )

    def expand(self, keys: tuple[str, ...], version: str) -> tuple[str, ...]:
        """Given rule operands, return them with `outcomes` replaced by the template's outcome rows."""
        out: list[str] = []
        for key in keys:
            out.extend(self.outcome_rows(version) if key == "outcomes" else [key])
        return tuple(out)

    def rules_for(self, table: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.table == table)

    def cell_label(self, table: str, row: str, column: str | None = None) -> str:
        """A reader's name for a cell: "（三）不予公开 1.属于国家秘密 / 自然人"."""
        spec = self.spec(table, "rows", row)
        name = spec["label"]
        if spec.get("group") and table == "applications" and not spec["group"].startswith("三、"):
            name = f"{spec['group']} {spec['number']}.{name}"
        elif spec.get("number") and table == "applications":
            sep = "、" if spec["number"] in "一二三四" else ""
            name = f"{spec['number']}{sep}{name}"
        if column is None:
            return name
        return f"{name} / {self.column_label(table, column)}"

    def column_label(self, table: str, column: str) -> str:
        return self.tables[table]["columns"].get(column, {}).get("label", column)


@cache
def load_template(path: Path = TEMPLATE_FILE) -> Template:
    return Template(yaml.safe_load(path.read_text(encoding="utf-8")))
