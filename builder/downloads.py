"""Pure: frames -> download files (CSV with BOM and Chinese headers, JSON, XLSX, zip) and the data dictionary."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

import pandas as pd
import xlsxwriter

from builder.aggregate import CELL_COLUMNS, TABLE_KEYS, cell_identity, table_cells
from builder.rates import load_definitions
from builder.template import VERSIONS, Template

LICENCE = (
    "年度报告原文是国家机关的官方文件，不受著作权法保护（《中华人民共和国著作权法》第五条）；"
    "本站整理的数据以 CC0 1.0（公有领域贡献）发布，可自由使用，请注明来源并链接到本站页面。"
)
LICENCE_EN = "Data: CC0 1.0 (public domain dedication). The reports are official documents of state organs."
# A fixed date inside XLSX and zip files, so the same data gives the same bytes (tests/test_determinism.py).
FIXED_DATE = datetime(2000, 1, 1)
# The data dictionary names a cell as cells.csv does (aggregate.CELL_COLUMNS), without its value.
DICTIONARY_COLUMNS = {k: v for k, v in CELL_COLUMNS.items() if k not in ("value", "raw")} | {"templates": "适用模板"}


def header(labels: dict[str, str], keys) -> list[str]:
    """CSV and sheet headers: the Chinese label beside the key, `年度 year`."""
    return [f"{labels[k]} {k}" if labels.get(k) else k for k in keys]


def plain(value):
    """A cell value for a download: None stays blank (never 0), floats at most 6 decimals, ints as ints."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts of plain values (None for blanks)."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def csv_bytes(frame: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel opens Chinese), headers `中文 key`, blank for missing values."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header(labels, frame.columns))
    for row in frame_records(frame):
        writer.writerow(["" if v is None else v for v in row.values()])
    return buf.getvalue().encode("utf-8-sig")


def json_bytes(frames: dict[str, pd.DataFrame], labels: dict[str, str]) -> bytes:
    """One JSON document: the licence, the Chinese label of every field, and each frame as a list of rows."""
    used = {k: labels[k] for frame in frames.values() for k in frame.columns if k in labels}
    doc = {"licence": LICENCE_EN, "fields": used, **{name: frame_records(f) for name, f in frames.items()}}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], labels: dict[str, str]) -> bytes:
    """An XLSX workbook with one sheet per frame (headers `中文 key`), a fixed creation date so the bytes
    repeat. XlsxWriter writes its zip entries with a fixed date of its own."""
    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_urls": False, "nan_inf_to_errors": True})
    workbook.set_properties({"created": FIXED_DATE, "comments": LICENCE_EN})
    bold = workbook.add_format({"bold": True})
    for name, frame in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, header(labels, frame.columns), bold)
        for i, row in enumerate(frame_records(frame), start=1):
            sheet.write_row(i, 0, ["" if v is None else v for v in row.values()])
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of {name: bytes}, entries in the given order with a fixed date, so the same files give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE.timetuple()[:6])
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def dictionary_frame(template: Template) -> pd.DataFrame:
    """The data dictionary: every cell of the template (table, row, column, Chinese names, unit, and the
    template versions that have it), in printed order, then the key figures and rates of rates.yaml."""
    seen: dict[tuple, dict] = {}
    for version in VERSIONS:
        for table in TABLE_KEYS:
            for row, column in table_cells(template, table, version):
                entry = seen.setdefault(
                    (table, row, column),
                    {**cell_identity(template, table, row, column), "templates": []},
                )
                entry["templates"].append(version)
    rows = [{**e, "templates": "、".join(e["templates"])} for e in seen.values()]
    definitions = load_definitions()
    for f in definitions.figures:
        rows.append({"table": "figure", "row": f.key, "row_name": f.name, "column": f.cell, "unit": f.unit})
    for r in definitions.rates:
        rows.append({"table": "rate", "row": r.key, "row_name": r.name, "column_name": r.formula, "unit": "比例 0–1"})
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS), dtype=object)
