"""The JSON Schema of a report, generated from the report model (builder.model) and the template definition;
report.schema.json is its written copy (tests/test_schema.py checks the two are equal)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path

from builder.model import UNPLACED, CellNote, Finding
from builder.template import VERSIONS, Template, load_template

SCHEMA_FILE = Path(__file__).parent / "report.schema.json"
NUMBER = {
    "type": ["number", "null"],
    "description": "the printed number, its digits exact; null when the cell is blank, missing, unreadable or "
    "refused (see cells)",
}


JSON_TYPES = {int: "integer", str: "string", float: "number", bool: "boolean", tuple: "array"}


def field_schema(hint, metadata) -> dict:
    """Given a model field's type (`int | None`, `str`, `object`, …) and metadata (builder.model.about: its
    description and allowed values), return its JSON Schema: any value for `object`, the `enum` when the
    field lists its values, else its JSON types (null where the field may be None)."""
    about = dict(metadata.get("json", {}))
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if object in kinds or "enum" in about:
        return about
    names = [JSON_TYPES[k] for k in kinds if k is not type(None)] + (["null"] if type(None) in kinds else [])
    return {"type": names[0] if len(names) == 1 else names, **about}


def model_schema(cls: type) -> dict:
    """Given a JSON-facing dataclass of builder.model (CellNote, Finding), return the JSON Schema of its JSON:
    an object of its fields (field_schema) and no others, those marked required required."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "required": [f.name for f in fields if f.metadata.get("required")],
        "properties": {f.name: field_schema(hints[f.name], f.metadata) for f in fields},
        "additionalProperties": False,
    }


def cells_schema() -> dict:
    """The JSON Schema of a report's `cells`: a CellNote by cell path (`table.row.column`, or `table.row` for
    a one-number row of table A), and under `table.row._unplaced` the raw texts of a row's numbers beyond its
    columns."""
    note = model_schema(CellNote)
    return {
        "type": "object",
        "description": "notes on single cells, keyed table.row.column",
        "patternProperties": {
            rf"\.{UNPLACED}$": {
                "type": "object",
                "required": ["raw"],
                "properties": {
                    "raw": {"type": "array", "items": {"type": "string"}},
                    "line": note["properties"]["line"],
                },
                "additionalProperties": False,
            }
        },
        "additionalProperties": note,
    }


def grouped_table_schema(template: Template, table: str) -> dict:
    """Given the template and a table whose rows come in groups per template version (表A, 主动公开: one group
    per 第二十条 item, template.yaml `templates`), return its JSON Schema: one alternative per version, each
    row an object {column: number or null} of its group's columns, or one number for a `scalar` group."""
    variants = []
    for version in VERSIONS:
        props = {}
        for group in template.groups_of(table, version):
            for row in group.rows:
                label = template.spec(table, "rows", row)["label"]
                if group.scalar:
                    props[row] = {
                        **NUMBER,
                        "description": f"{label} ({template.column_label(table, group.columns[0])})",
                    }
                else:
                    props[row] = {
                        "type": "object",
                        "description": label,
                        "properties": {
                            c: {**NUMBER, "description": template.column_label(table, c)} for c in group.columns
                        },
                        "required": list(group.columns),
                        "additionalProperties": False,
                    }
        variants.append(
            {
                "title": f"template {version}",
                "type": "object",
                "properties": props,
                "required": list(props),
                "additionalProperties": False,
            }
        )
    return {"oneOf": variants}


def version_rows_text(template: Template, table: str) -> str:
    """In words, the rows of a table that only some template versions have: `2021 has a, b; 2019 has c`."""
    only = {
        v: [r for r in template.rows(table, v) if any(r not in template.rows(table, o) for o in VERSIONS)]
        for v in VERSIONS
    }
    return "; ".join(f"{v} has {', '.join(rows)}" for v, rows in only.items() if rows)


def object_table_schema(template: Template, table: str) -> dict:
    """Given the template and a table whose rows are objects in JSON (表B, 三、收到和处理政府信息公开申请情况),
    return its JSON Schema: {row key: {column key: number or null}}, each row requiring every column. The rows
    are those of every template version and none is required, since a version may have rows another lacks."""
    columns = template.columns(table)
    row = {
        "type": "object",
        "properties": {c: {**NUMBER, "description": template.column_label(table, c)} for c in columns},
        "required": list(columns),
        "additionalProperties": False,
    }
    rows = {key: {**row, "description": template.cell_label(table, key)} for key in template.tables[table]["rows"]}
    return {
        "type": "object",
        "properties": rows,
        "additionalProperties": False,
        "description": f"the rows of the report's template: {version_rows_text(template, table)}",
    }


def list_table_schema(template: Template, table: str) -> dict:
    """Given the template and a table whose rows are lists in JSON (表C, 四、政府信息公开行政复议、行政诉讼情况:
    template.yaml `json_rows: list`), return its JSON Schema: {row key: [number or null, …]}, each row one
    number per column in printed order (结果维持, 结果纠正, 其他结果, 尚未审结, 总计); every row of every template
    version is required."""
    columns = template.columns(table)
    row = {
        "type": "array",
        "items": NUMBER,
        "minItems": len(columns),
        "maxItems": len(columns),
        "description": " / ".join(template.column_label(table, c) for c in columns),
    }
    rows = [r for r in template.rows(table, VERSIONS[0]) if all(r in template.rows(table, v) for v in VERSIONS)]
    return {
        "type": "object",
        "properties": {r: row for r in rows},
        "required": rows,
        "additionalProperties": False,
    }


def table_schema(template: Template, table: str) -> dict:
    """The JSON Schema of one template table, by how the report JSON writes its rows (grouped_table_schema,
    list_table_schema, object_table_schema)."""
    spec = template.tables[table]
    if spec.get("templates"):
        return grouped_table_schema(template, table)
    return (
        list_table_schema(template, table) if spec.get("json_rows") == "list" else object_table_schema(template, table)
    )


def report_schema(template: Template | None = None) -> dict:
    """Given a template (default: load_template()), return the JSON Schema (draft 2020-12) of a parsed report
    as a dict. Required: schema_version, id, agency, year, template, source, sections, tables (each table's
    status), cells (notes keyed table.row.column) and notes; 表A–表C, built from the template, are checked
    when present; the keys the build adds (agency_id, page, region, findings) are optional. report.schema.json
    is this dict as written by write_schema.
    Raises ConfigError (file, key path, expected) when the default template.yaml is invalid."""
    template = template or load_template()
    string_or_null = {"type": ["string", "null"]}
    line = {"type": ["integer", "null"], "description": "1-based line (or block) of the source where this was read"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "report.schema.json",
        "title": "A parsed 政府信息公开工作年度报告",
        "type": "object",
        "required": [
            "schema_version",
            "id",
            "agency",
            "year",
            "template",
            "source",
            "sections",
            "tables",
            "cells",
            "notes",
        ],
        "properties": {
            "schema_version": {"const": 1},
            "id": {"type": "string", "pattern": "^[a-z0-9-]+$", "description": "stable id: agency pinyin + year"},
            "agency": {"type": "string", "description": "the agency's name as printed in the title"},
            "year": {"type": "integer", "minimum": 1990, "maximum": 2100, "description": "the year the report covers"},
            "year_source": {"enum": ["title", "body"]},
            "title": {"type": "string"},
            "title_line": line,
            "year_in_body": {"type": ["integer", "null"]},
            "year_in_body_line": line,
            "template": {"enum": [*VERSIONS, "pre2019"]},
            "date_signed": {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "date_signed_line": line,
            "contact": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "address, postcode, phone, email where printed",
            },
            "website": string_or_null,
            "source": {
                "type": "object",
                "required": ["file", "format", "sha256"],
                "properties": {
                    "file": {"type": "string"},
                    "path": {"type": "string"},
                    "format": {"enum": ["text", "html", "pdf", "docx"]},
                    "encoding": string_or_null,
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "bytes": {"type": "integer"},
                    "url": {"type": "string"},
                    "published": {"type": "string"},
                    "fetched": {"type": "string"},
                    "modified": {"type": "string"},
                    "original_name": {"type": "string"},
                },
            },
            "sections": {
                "type": "array",
                "items": {"type": "object", "required": ["key", "number", "heading", "line", "text"]},
            },
            **{table: table_schema(template, table) for table in template.tables},
            "tables": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {"enum": ["ok", "empty", "missing"]},
                        "lines": {"type": "array", "items": {"type": "integer"}},
                        "rows": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "pages": {
                            "type": "object",
                            "additionalProperties": {"type": "integer", "minimum": 1},
                            "description": "the 1-based PDF page of each row (PDF sources only): where its link opens",
                        },
                    },
                },
            },
            "cells": cells_schema(),
            "notes": {"type": "array", "items": {"type": "string"}},
            # Added by the build (data/json), not by `parse`:
            "agency_id": {"type": "string", "description": "the agency's id in data/agencies.yaml"},
            "agency_path": {"type": "string", "pattern": "^[a-z0-9/-]+$", "description": "the agency's page address"},
            "page": {
                "type": "string",
                "pattern": "^[a-z0-9/-]+$",
                "description": "the report's own page address (agency address / year, and a suffix when two "
                "reports of one agency and year are published)",
            },
            "agency_status": {"enum": ["confirmed", "unconfirmed"]},
            "region": {
                "type": "object",
                "description": "province / city / county, each {name, code} (GB/T 2260) or null",
            },
            "region_name": {"type": "string"},
            "witnesses": {
                "type": "array",
                "description": "the other files of this same report (a web page and its PDF, a page and a crawler's "
                "text of it; builder/revisions.py): the report is read from the best of them (`source`: a table "
                "grid over a text layer over OCR); each is served beside it",
                "items": {
                    "type": "object",
                    "required": ["file", "format", "sha256", "reading", "cells_read", "disagreements"],
                    "properties": {
                        "file": {"type": "string"},
                        "path": {"type": "string"},
                        "format": {"enum": ["text", "html", "pdf", "docx"]},
                        "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                        "url": string_or_null,
                        "published": string_or_null,
                        "fetched": string_or_null,
                        "date_signed": string_or_null,
                        "reading": {"enum": ["grid", "text", "ocr"], "description": "how the file was read"},
                        "cells_read": {"type": "integer", "description": "template cells it read a number in"},
                        "disagreements": {
                            "type": "array",
                            "description": "each cell both files read with different numbers (a witness-disagrees "
                            "finding)",
                            "items": {
                                "type": "object",
                                "required": ["table", "row", "column", "source_value", "witness_value"],
                                "properties": {
                                    "table": {"type": "string"},
                                    "row": {"type": "string"},
                                    "column": string_or_null,
                                    "source_value": {"type": "number", "description": "the number in `source`"},
                                    "witness_value": {"type": "number", "description": "the number in this file"},
                                },
                            },
                        },
                    },
                },
            },
            "findings": {
                "type": "array",
                "description": "what the checks found (builder/template/checks.yaml)",
                "items": model_schema(Finding),
            },
        },
    }


def write_schema() -> None:
    """Write report_schema() of the default template to SCHEMA_FILE (report.schema.json) as UTF-8 JSON, indented
    by one space and ending in a newline; return None. Raises OSError when the file cannot be written, and
    ConfigError as report_schema does."""
    SCHEMA_FILE.write_text(json.dumps(report_schema(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
