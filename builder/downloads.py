"""Pure: frames -> download files (CSV with BOM and Chinese headers, JSON, XLSX, zip) and the data dictionary."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import BinaryIO

import numpy as np
import pandas as pd
import xlsxwriter

from builder import aggregate
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
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value


def frame_rows(frame: pd.DataFrame) -> list[list]:
    """The frame's rows as lists of plain values (None for blanks), in column order."""
    return [[v if type(v) is str or type(v) is int else plain(v) for v in row] for row in frame.itertuples(False)]


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts of plain values (None for blanks)."""
    columns = list(frame.columns)
    return [dict(zip(columns, row, strict=True)) for row in frame_rows(frame)]


def csv_lines(rows: Iterable[list]) -> str:
    """Rows as CSV lines (the csv module's quoting and CRLF), blank for None, no header."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buf.getvalue()


def csv_bytes(frame: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel opens Chinese), headers `中文 key`, blank for missing values."""
    return (csv_lines([header(labels, frame.columns)]) + csv_lines(frame_rows(frame))).encode("utf-8-sig")


def json_bytes(frames: dict[str, pd.DataFrame], labels: dict[str, str]) -> bytes:
    """One JSON document: the licence, the Chinese label of every field, and each frame as a list of rows."""
    used = {k: labels[k] for frame in frames.values() for k in frame.columns if k in labels}
    doc = {"licence": LICENCE_EN, "fields": used, **{name: frame_records(f) for name, f in frames.items()}}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], labels: dict[str, str]) -> bytes:
    """An XLSX workbook with one sheet per frame (headers `中文 key`), a fixed creation date so the bytes
    repeat. XlsxWriter writes its zip entries with a fixed date of its own."""
    return xlsx_of_rows({name: (list(f.columns), frame_rows(f)) for name, f in sheets.items()}, labels)


def xlsx_of_rows(sheets: dict[str, tuple[list[str], list[list]]], labels: dict[str, str]) -> bytes:
    """xlsx_bytes for sheets given as (column keys, rows of plain values)."""
    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_urls": False, "nan_inf_to_errors": True})
    workbook.set_properties({"created": FIXED_DATE, "comments": LICENCE_EN})
    bold = workbook.add_format({"bold": True})
    for name, (columns, rows) in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, header(labels, columns), bold)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, ["" if v is None else v for v in row])
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


# --- downloads of many reports, assembled from per-report pieces (issue 14, item 2) ---------------------------


def report_piece(report: dict, template: Template) -> dict:
    """Given a report (with its `sector`), return its share of every download that lists many reports, so those
    are assembled by joining pieces kept by content instead of rebuilt from frames of every report:
    `figures_raw` (its figures_frame row as computed, for rankings and the compare page), `figures` (the same
    as plain values), `figures_csv` and `figures_json` (that row as a CSV line and a JSON object), `cells_crc`
    and `cells_size`
    (its cells_frame rows as CSV lines, UTF-8: their crc32 and size) and `cells_deflated` (those lines deflated
    on their own and flushed to a byte boundary, so that pieces join into one deflate stream: see
    write_cells_zip). JSON-exact, for builder.memo, when its values are."""
    figures = aggregate.figures_frame([report], template)
    raw = [v.item() if isinstance(v, np.generic) else v for v in next(figures.itertuples(False))]
    row = frame_rows(figures)[0]
    cells = csv_lines(frame_rows(aggregate.cells_frame([report], template))).encode("utf-8")
    return {
        "figures_raw": raw,
        "figures": row,
        "figures_csv": csv_lines([row]),
        "figures_json": json.dumps(dict(zip(figures.columns, row, strict=True)), **JSON_COMPACT),
        "cells_crc": zlib.crc32(cells),
        "cells_size": len(cells),
        "cells_deflated": deflate_piece(cells),
    }


JSON_COMPACT = {"ensure_ascii": False, "separators": (",", ":")}


def deflate_piece(data: bytes) -> bytes:
    """`data` as raw deflate blocks ending on a byte boundary (a sync flush), not the last block: pieces
    made this way, joined and ended by FINAL_BLOCK, are one valid deflate stream (as pigz joins its blocks)."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


FINAL_BLOCK = b"\x03\x00"  # an empty last block (fixed Huffman codes): ends a stream of joined pieces


def figures_frame_of(pieces: list[dict]) -> pd.DataFrame:
    """aggregate.figures_frame of the reports whose pieces are given, in their order, from the pieces."""
    return pd.DataFrame([p["figures_raw"] for p in pieces], columns=list(aggregate.figure_columns()), dtype=object)


def figures_csv_of(pieces: list[dict]) -> bytes:
    """csv_bytes of the figures of the pieces' reports (the same bytes), from the pieces."""
    head = csv_lines([header(aggregate.figure_columns(), aggregate.figure_columns())])
    return (head + "".join(p["figures_csv"] for p in pieces)).encode("utf-8-sig")


def figures_json_of(pieces: list[dict]) -> bytes:
    """json_bytes({"figures": …}) of the pieces' reports (the same bytes), from the pieces."""
    columns = aggregate.figure_columns()
    head = json.dumps({"licence": LICENCE_EN, "fields": columns}, **JSON_COMPACT)[:-1]
    return f'{head},"figures":[{",".join(p["figures_json"] for p in pieces)}]}}\n'.encode()


def figures_xlsx_of(pieces: list[dict], sheet: str) -> bytes:
    """xlsx_bytes({sheet: figures}) of the pieces' reports (the same bytes), from the pieces."""
    columns = aggregate.figure_columns()
    return xlsx_of_rows({sheet: (list(columns), [p["figures"] for p in pieces])}, columns)


SLIM = ("figures_raw", "figures", "figures_csv", "figures_json")  # what set_files keeps of each piece


def set_files(paths: dict[str, str], pieces: Iterable[dict], sheet: str) -> tuple[dict[str, bytes], pd.DataFrame]:
    """Given the download paths of a view of many reports (a region, the whole set: `figures`, `xlsx`, and
    optionally `cells`, `json`), the pieces of its reports (report_piece, in order) and the figures sheet's name,
    return (the files: figures as CSV and XLSX, and as JSON and every cell as a zipped CSV where `paths` names
    them; the figures frame). Reads the pieces once and keeps only their figures, so a piece's cells leave
    memory as soon as they are zipped."""
    slim: list[dict] = []
    files = {}

    def keeping_figures() -> Iterable[dict]:
        for piece in pieces:
            slim.append({k: piece[k] for k in SLIM})
            yield piece

    if "cells" in paths:
        zipped = io.BytesIO()
        write_cells_zip(zipped, paths["cells"].rsplit("/", 1)[-1].removesuffix(".zip") + ".csv", keeping_figures())
        files[paths["cells"]] = zipped.getvalue()
    else:
        slim = [{k: piece[k] for k in SLIM} for piece in pieces]
    files[paths["figures"]] = figures_csv_of(slim)
    files[paths["xlsx"]] = figures_xlsx_of(slim, sheet)
    if "json" in paths:
        files[paths["json"]] = figures_json_of(slim)
    return files, figures_frame_of(slim)


def crc32_combine(first: int, second: int, second_size: int) -> int:
    """Given the crc32 of bytes A, of bytes B and B's length, return the crc32 of A followed by B (zlib's
    crc32_combine, which Python does not expose): a crc32 is affine in its input, so A's crc carried over
    len(B) zero bytes, plus B's own, less that of the zeros alone."""
    zeros = bytes(second_size)
    return zlib.crc32(zeros, first) ^ zlib.crc32(zeros) ^ second


def cells_head() -> bytes:
    """The first bytes of every cells CSV: the BOM and the header line."""
    labels = {**aggregate.ID_COLUMNS, **aggregate.CELL_COLUMNS}
    return csv_lines([header(labels, labels)]).encode("utf-8-sig")


def write_cells_zip(out: BinaryIO, name: str, pieces: Iterable[dict]) -> None:
    """Write to `out` (a seekable binary file at its start) a zip holding one file `name`: the cells CSV of the
    pieces' reports (cells_head, then each piece's lines), deflated by joining each piece's `cells_deflated`
    (its crc32 joined by crc32_combine): nothing is compressed again but the header, and no piece stays in
    memory. The same pieces give the same bytes (a fixed date, FIXED_DATE). No ZIP64: under 4 GB."""
    encoded = name.encode("ascii")
    start = 30 + len(encoded)
    out.write(b"\0" * start)  # the local header, written once the sizes are known
    head = cells_head()
    crc, size = zlib.crc32(head), len(head)
    out.write(deflate_piece(head))
    for piece in pieces:
        crc, size = crc32_combine(crc, piece["cells_crc"], piece["cells_size"]), size + piece["cells_size"]
        out.write(piece["cells_deflated"])
    out.write(FINAL_BLOCK)
    end = out.tell()
    day = (FIXED_DATE.year - 1980) << 9 | FIXED_DATE.month << 5 | FIXED_DATE.day
    # version needed, flags, method (deflate), time, date, crc, sizes, name length, extra length
    fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, day, crc, end - start, size, len(encoded), 0)
    out.seek(0)
    out.write(struct.pack("<I", 0x04034B50) + fields + encoded)
    out.seek(end)
    # made by, then the local fields, comment length, disk, attributes (internal, external), header offset
    central = struct.pack("<IH", 0x02014B50, 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, 0) + encoded
    out.write(central)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), end, 0))


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
