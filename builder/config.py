"""Validated configuration: reads the YAML files that drive the code; a fault names file, key path and expectation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match, by_relevance

KIND = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing (null)",
}


class ConfigError(Exception):
    """A configuration file that does not say what the code needs: `path` is the file, `where` the key path
    in it (`tables.applications.rows.granted.label`, `rules[2].left[0]`), `expected` what should be there and
    what was found. Raised by the loaders (template, checks, agency registry); `cli.main` prints it as one
    line and exits 2."""

    def __init__(self, path: Path | str, where: str, expected: str):
        self.path, self.where, self.expected = str(path), where, expected
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.where or '(top level)'}: {self.expected}"


def key_path(parts: Iterable[str | int]) -> str:
    """Given the keys from the top of a file down (`["rules", 2, "left"]`), return `rules[2].left`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(schema: dict) -> str:
    """Given a JSON Schema fragment, return what it asks for in words: its `description`, else its kind."""
    if "description" in schema:
        return schema["description"]
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kinds = schema.get("type", "object")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return " or ".join(KIND[k] for k in kinds)


def found(value) -> str:
    """A value found in a file, shortly: a scalar as written, a mapping or a list by its kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def error_to_config_error(path: Path | str, error: ValidationError) -> ConfigError:
    """Given a jsonschema error, return the ConfigError that names its key path and what was expected."""
    where = list(error.absolute_path)
    kind, schema, instance = error.validator, error.schema, error.instance
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in instance)
        spec = schema.get("properties", {}).get(missing, {})
        return ConfigError(path, key_path([*where, missing]), f"missing; expected {describe(spec)}")
    if kind == "additionalProperties":
        allowed = schema.get("properties", {})
        unknown = next(k for k in instance if k not in allowed)
        return ConfigError(path, key_path([*where, unknown]), "unknown key; expected one of " + ", ".join(allowed))
    if kind in ("type", "enum", "pattern"):
        return ConfigError(path, key_path(where), f"expected {describe(schema)}, found {found(instance)}")
    if kind == "minItems":
        return ConfigError(path, key_path(where), f"expected {describe(schema)} of at least {error.validator_value}")
    return ConfigError(path, key_path(where), error.message)


def validate(path: Path | str, data, schema: dict) -> None:
    """Check `data` (read from `path`) against a JSON Schema; raise ConfigError for the most telling fault
    (the one nearest the top; in one mapping an unknown key before a missing one, as it is most often its typo)."""
    errors = jsonschema.Draft202012Validator(schema).iter_errors(data)
    error = best_match(errors, key=by_relevance(strong={"additionalProperties"}))
    if error is not None:
        raise error_to_config_error(path, error)


def read_config(path: Path, schema: dict):
    """Read a YAML file and validate it against `schema`; return the data.
    Raises ConfigError when the file is missing, is not YAML, or does not fit the schema."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, "", f"cannot be read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise ConfigError(path, where, f"not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    validate(path, data, schema)
    return data


MAX_LISTED = 12  # a longer list of allowed keys is left out of a message: the key path says where to look


def require_known(path: Path | str, where: list, value: str, known: Iterable[str], what: str) -> None:
    """Raise ConfigError unless `value` is one of `known` (a cross-reference the schema cannot see); the
    message lists the allowed keys when there are few."""
    known = list(known)
    if value not in known:
        listed = f" ({', '.join(known)})" if len(known) <= MAX_LISTED else ""
        raise ConfigError(path, key_path(where), f"expected {what}{listed}, found {found(value)}")


def require_pattern(path: Path | str, where: list, pattern: str) -> None:
    """Raise ConfigError unless `pattern` compiles as a Python regular expression."""
    try:
        re.compile(pattern)
    except re.error as exc:
        message = f"expected a regular expression, found {found(pattern)} ({exc})"
        raise ConfigError(path, key_path(where), message) from exc


# --- the schemas --------------------------------------------------------------------------------

STR = {"type": "string"}
STRS = {"type": "array", "items": STR}
TEXT = {
    "type": "object",
    "description": "a mapping of zh and en text",
    "required": ["zh", "en"],
    "properties": {"zh": STR, "en": STR},
    "additionalProperties": False,
}
SEVERITY = {"enum": ["error", "warning", "info"]}
VERSION = {"enum": ["2021", "2019"]}


def strict(required: list[str], **properties) -> dict:
    """A mapping with these keys (the `required` ones must be there) and no others."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def mapping_of(schema: dict) -> dict:
    """A mapping of any keys (row or column keys, ids) to values of `schema`."""
    return {"type": "object", "additionalProperties": schema}


LABEL = {"description": "the printed label (a string)", "type": "string"}
ROW = strict(
    ["label"],
    label=LABEL,
    variants=STRS,
    number=STR,
    group=STR,
    outcome={"type": "boolean"},
    templates={"type": "array", "items": VERSION},
    unit=STR,
)
COLUMN = strict(
    ["label"], label=LABEL, variants=STRS, group=STR, decimal={"type": "boolean"}, signed={"type": "boolean"}
)
GROUP = strict(["item", "columns", "rows"], item=STR, columns=STRS, rows=STRS, scalar={"type": "boolean"})
TABLE = strict(
    ["title", "letter", "section", "cue", "columns", "rows"],
    title=STR,
    letter=STR,
    section=STR,
    cue={
        "description": "words of the line that starts the table when its heading is lost (a string)",
        "type": "string",
    },
    templates=mapping_of({"type": "array", "items": GROUP}),
    json_rows={"enum": ["list", "object"], "description": "how the report JSON writes a row: list or object"},
    named_groups=STRS,
    rows=mapping_of(ROW),
    columns=mapping_of(COLUMN),
)
RULE = strict(
    ["id", "table", "over", "left", "right", "explain", "severity", "title", "description"],
    id=STR,
    table=STR,
    over={"enum": ["columns", "rows"]},
    left={"type": "array", "items": STR, "minItems": 1},
    right={"type": "array", "items": STR, "minItems": 1},
    explain=STR,
    severity=SEVERITY,
    title=TEXT,
    description=TEXT,
    sum_label={"description": "the words for a long sum in messages (a string)", "type": "string"},
)
HEADLINE = strict(
    ["label", "table", "row", "column"],
    label={"description": "the figure's name, Chinese then English (a string)", "type": "string"},
    table=STR,
    row=STR,
    column=STR,
    describe={"description": "whether a report page's description names the figure (true or false)", "type": "boolean"},
)
CARRYOVER = strict(["table", "row", "previous"], table=STR, row=STR, previous=STR)
BREAKDOWN = strict(["table", "row", "total"], table=STR, row=STR, total=STR)
TEMPLATE_SCHEMA = strict(
    ["sections", "tables", "rules", "headlines", "carryover", "breakdown"],
    sections={
        "type": "array",
        "items": strict(["key", "number", "heading", "variants"], key=STR, number=STR, heading=STR, variants=STRS),
    },
    tables=strict(
        ["active_disclosure", "applications", "review_litigation"],
        active_disclosure=TABLE,
        applications=TABLE,
        review_litigation=TABLE,
    ),
    rules={"type": "array", "items": RULE},
    headlines={"type": "array", "items": HEADLINE},
    carryover=CARRYOVER,
    breakdown=BREAKDOWN,
)

INT = {"type": "integer"}
MONTH_DAY = {"description": "a date as MM-DD (a string)", "type": "string", "pattern": r"^\d\d-\d\d$"}
CHECKS_SCHEMA = strict(
    ["settings", "labels", "rules", "claims"],
    settings=strict(
        ["deadline", "late_grace_days", "first_year", "government_suffixes", "blank_examples", "copy"],
        deadline=strict(["department", "government"], department=MONTH_DAY, government=MONTH_DAY),
        late_grace_days=INT,
        first_year=INT,
        government_suffixes=STRS,
        blank_examples=INT,
        copy=strict(
            ["sections", "shingle_chars", "min_shingles", "threshold", "bins", "band_rows", "max_candidates"],
            sections=STRS,
            shingle_chars=INT,
            min_shingles=INT,
            threshold={"type": "number"},
            bins=INT,
            band_rows=INT,
            max_candidates=INT,
        ),
    ),
    labels=mapping_of(mapping_of(STR)),
    rules={
        "type": "array",
        "items": strict(
            ["id", "severity", "title", "description"], id=STR, severity=SEVERITY, title=TEXT, description=TEXT
        ),
    },
    claims={
        "type": "array",
        "items": strict(
            ["key", "what", "patterns", "accept"],
            key=STR,
            what=STR,
            patterns=STRS,
            zero=STRS,
            context=STRS,
            accept={"type": "array", "items": {"type": "array", "items": STR, "minItems": 1}},
        ),
    },
)

CODE = {"description": "a 6-digit division code (a quoted string)", "type": "string", "pattern": r"^\d{6}$"}
DIVISION = {"type": ["object", "null"], "required": ["name", "code"], "properties": {"name": STR, "code": CODE}}
REGISTRY_SCHEMA = {
    "type": ["object", "null"],
    "properties": {
        "sectors": {
            "type": "array",
            "items": strict(["name", "slug", "suffixes"], name=STR, slug=STR, suffixes=STRS),
        },
        "agencies": {
            "type": "array",
            "items": {
                "type": "object",
                # Entries stay open to keys added later (the build writes them); the ones read are required.
                "required": ["id", "name", "names", "region", "paths"],
                "properties": {
                    "id": {"description": "the agency's id, its address part (a string)", "type": "string"},
                    "name": STR,
                    "names": {
                        "description": "every name it has used (a list)",
                        "type": "array",
                        "items": STR,
                        "minItems": 1,
                    },
                    "sector": {"type": ["string", "null"]},
                    "region": {
                        "type": "object",
                        "required": ["province", "city", "county"],
                        "properties": {"province": DIVISION, "city": DIVISION, "county": DIVISION},
                    },
                    "paths": {
                        "description": "its addresses, the current one first (a list)",
                        "type": "array",
                        "items": STR,
                        "minItems": 1,
                    },
                    "status": {"enum": ["confirmed", "unconfirmed"]},
                    "source": STR,
                },
            },
        },
    },
    "additionalProperties": False,
}
