"""The values passed between pipeline stages: documents read from files, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.cells import PROBLEMS
from builder.template import VERSIONS, Template, load_template


@dataclass(frozen=True)
class Line:
    """One line of a document: a paragraph (one cell) or a table row (several cells).

    `number` is the 1-based line of a text file, or the running index of the block in other
    formats; `page` is the PDF page; `table` numbers the source table a row came from when the
    format has real tables (HTML, DOCX, PDF), so the parser need not guess where tables end.
    `grid` is set when the reader saw the table's grid: for each cell, (first column, columns it
    spans) in that grid, so a blank or merged cell keeps its place; positions covered from the row
    above (a rowspan, a vertical merge) have no cell. Text that lost its grid has `grid` None.
    """

    number: int
    cells: tuple[str, ...]
    page: int | None = None
    table: int | None = None
    ocr: bool = False
    grid: tuple[tuple[int, int], ...] | None = None

    @property
    def text(self) -> str:
        """The line's non-blank cells joined by one space (a paragraph is its one cell)."""
        return " ".join(c for c in self.cells if c.strip())

    def where(self) -> str:
        """The line's place for messages: `p4:line 12` with a PDF page, else `line 12`."""
        return f"p{self.page}:line {self.number}" if self.page else f"line {self.number}"


@dataclass(frozen=True)
class Document:
    """What every reader returns: the lines of a report plus what the reader noticed.

    `path` is the file as shown in messages; `format` the reader's name; `encoding` the text encoding found
    (None for binary formats); `notes` what the reader noticed (damage, OCR); `meta` the source's own
    metadata (a PDF's or DOCX's title, a web page's title and date, pages) and, from builder.sources.read,
    sha256, bytes and what the provenance sidecar records (url, published, fetched, original_name)."""

    path: str
    format: str  # text | html | pdf | docx
    lines: tuple[Line, ...]
    encoding: str | None = None
    notes: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)


class ReportError(Exception):
    """A file that cannot be read or parsed at all; `where` names the place in it (`p4:line 12`, may be empty).

    Raised by the readers and the parser, caught by builder.cli and builder.build; str() gives
    `path:where: message`."""

    def __init__(self, path: str, message: str, where: str = ""):
        self.path, self.message, self.where = path, message, where
        super().__init__(str(self))

    def __str__(self) -> str:
        place = f":{self.where}" if self.where else ""
        return f"{self.path}{place}: {self.message}"


# --- the report ---------------------------------------------------------------------------------
#
# A parsed report as typed values. The JSON a report is written as (README "JSON", the published contract)
# is unchanged: `Report.from_json` reads it and `Report.to_json` writes it back key for key. The model only
# addresses cells differently: every table by (table, row, column), with table C's rows (lists in JSON) and
# table A's one-number rows (bare numbers in JSON) keyed by the template's columns like table B's.

Number = int | float

# How a row of a table is written in JSON: an object {column: number}, a list in the template's column order
# (table C), or one bare number (table A's one-number rows, whose column is their 第二十条 group's).
OBJECT, LIST, SCALAR = "object", "list", "scalar"
# How a cell was read (Cell.reading), from a plain printed number to one the reader could not settle; the
# placements a cell note records (`position`); the severities of a finding.
READINGS = ("printed", "ocr", "inferred", "ambiguous")
POSITIONS = ("inferred", "ambiguous")
SEVERITIES = ("error", "warning", "info")
LINE = "1-based line (or block) of the source where this was read"


def about(description: str, enum: list | None = None, required: bool = False):
    """A field of a JSON-facing dataclass with what builder.schema needs to describe it: its `description`,
    its allowed values (`enum`) and whether the JSON must have it (`required`: no default); default None."""
    json = {"description": description, **({"enum": enum} if enum else {})}
    if required:
        return field(metadata={"json": json, "required": True})
    return field(default=None, metadata={"json": json})


UNPLACED = "_unplaced"  # the cell-note key of a row's numbers beyond its columns (`table.row._unplaced`)


def json_error(path: str, expected: str, value) -> ValueError:
    """A ValueError naming the place in a report's JSON (`applications.new`), what was expected and found."""
    return ValueError(f"{path}: expected {expected}, found {value!r}")


@dataclass(frozen=True)
class CellNote:
    """What the parser noted beside one cell (the JSON `cells` entry `table.row[.column]`), each field None
    when the note does not say it: `line` the source line, `raw` the printed text where it differs from the
    number, `position` `inferred` (column placed by the template's sums) or `ambiguous` (another placement
    fits as well: `alternatives` lists its numbers), `unreadable` (the text is not a number), `impossible`
    (the number was refused: a key of builder.cells.PROBLEMS), `unit` printed after the number, `ocr` read
    from a scan, `label`/`label_score` the row's printed label when it was matched by similarity."""

    line: int | None = about(LINE)
    raw: str | None = about("the text printed in the source, where it differs from the number")
    position: str | None = about("how the column was placed when not read from its place", enum=list(POSITIONS))
    alternatives: tuple | None = about("the numbers another placement that fits the sums as well gives (null: blank)")
    unreadable: bool | None = about("the text is not a number; value null")
    impossible: str | None = about(
        "the number was refused (why: builder/cells.py PROBLEMS); value null", enum=list(PROBLEMS)
    )
    unit: str | None = about("a unit printed after the number (件, 人次, 万元)")
    ocr: bool | None = about("the number was read by OCR from a scan")
    label: str | None = about("the row's label as printed, when it was matched by similarity")
    label_score: float | None = about("how alike the printed label and the template's are (0 to 1)")

    @classmethod
    def from_json(cls, data: dict, path: str) -> CellNote:
        """Given a JSON cell note and its path (`applications.new.total`), return the CellNote.
        Raises ValueError naming the path for a key the model does not know."""
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown or not isinstance(data, dict):
            raise json_error(f"cells.{path}", "a cell note (" + ", ".join(cls.__dataclass_fields__) + ")", data)
        alternatives = data.get("alternatives")
        return cls(**{**data, **({"alternatives": tuple(alternatives)} if alternatives is not None else {})})

    def to_json(self) -> dict:
        """The note as JSON: only the fields it says (not None)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if getattr(self, name) is not None}
        if self.alternatives is not None:
            out["alternatives"] = list(self.alternatives)
        return out


@dataclass(frozen=True)
class Cell:
    """One cell of a template table: its address (`table`, `row`, `column`: template keys, table A's
    one-number rows under their group's column), its `value` (an int, a float for amounts in the column's
    unit such as 万元, or None: blank, missing, unreadable or refused, never a guessed 0), the parser's `note`
    on it (None when it was read plainly) and its row's source place (`row_line`, `row_page`)."""

    table: str
    row: str
    column: str
    value: Number | None
    form: str = OBJECT
    note: CellNote | None = None
    row_line: int | None = None
    row_page: int | None = None

    @property
    def path(self) -> str:
        """The cell's path in the report JSON (`cells` keys, checks.yaml claims): `table.row.column`, or
        `table.row` for a table A one-number row."""
        return ".".join(p for p in (self.table, self.row, self.json_column) if p)

    @property
    def json_column(self) -> str | None:
        """The column as findings and witness records name it in JSON: None for a one-number row."""
        return None if self.form == SCALAR else self.column

    @property
    def printed(self) -> str | None:
        """The text printed in the source where it differs from the number (else None: the number as shown)."""
        return self.note.raw if self.note else None

    @property
    def line(self) -> int | None:
        """The 1-based source line (or block) the cell was read from: its note's, else its row's."""
        return self.note.line if self.note and self.note.line is not None else self.row_line

    @property
    def page(self) -> int | None:
        """The PDF page of the cell's row (PDF sources only), else None."""
        return self.row_page

    @property
    def position(self) -> str | None:
        """`inferred` or `ambiguous` when the cell's column was not read from its place, else None."""
        return self.note.position if self.note else None

    @property
    def ocr(self) -> bool:
        """Whether the number was read by OCR from a scan (its note says so)."""
        return bool(self.note and self.note.ocr)

    @property
    def reading(self) -> str:
        """How the cell was read, the least sure way that applies (one of READINGS): `ambiguous` (another
        placement fits the sums as well: see alternatives), `inferred` (placed by the sums), `ocr`, `printed`."""
        return self.position or ("ocr" if self.ocr else "printed")

    @property
    def alternatives(self) -> tuple:
        """The other numbers an ambiguous cell may hold (None for a blank reading); () otherwise."""
        return (self.note.alternatives or ()) if self.note else ()

    @property
    def unit(self) -> str | None:
        """A unit printed after the number (件, 人次, 万元), or None."""
        return self.note.unit if self.note else None

    @property
    def problem(self) -> str | None:
        """Why the cell holds no number although something is printed: `unreadable` (not a number) or the
        refused number's reason (a key of builder.cells.PROBLEMS); None when there is no such problem."""
        if self.note and self.note.unreadable:
            return "unreadable"
        return self.note.impossible if self.note else None

    @property
    def doubtful(self) -> bool:
        """Whether the reader could not take the cell plainly: placed by the sums, ambiguous, unreadable or refused."""
        return bool(self.position or self.problem)


@dataclass(frozen=True)
class Table:
    """One template table of a report (表A `active_disclosure`, 表B `applications`, 表C `review_litigation`):
    its `cells` by (row, column) in the report's order, and what the report records of where the table was
    found (`status` ok / empty / missing, `lines`, `row_lines` and `row_pages` by row; each None when the
    report does not record it). `unplaced` holds, by row, a row's numbers beyond its columns (raw texts, line);
    `stray` the cell notes on cells the grid does not have, by path."""

    key: str
    cells: dict[tuple[str, str], Cell] | None = None
    status: str | None = None
    lines: tuple[int, ...] | None = None
    row_lines: dict[str, int] | None = None
    row_pages: dict[str, int] | None = None
    unplaced: dict[str, dict] = field(default_factory=dict)
    stray: dict[str, CellNote] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell:
        """The cell at (row, column); KeyError naming the address when the report has no such cell."""
        try:
            return (self.cells or {})[(row, column)]
        except KeyError:
            raise KeyError(f"{self.key}.{row}.{column}: no such cell in this report") from None

    def get(self, row: str, column: str) -> Cell | None:
        """The cell at (row, column), or None when the report has no such cell."""
        return (self.cells or {}).get((row, column))

    def value(self, row: str, column: str) -> Number | None:
        """The number at (row, column), or None when it is blank, unknown or not in the report."""
        cell = self.get(row, column)
        return None if cell is None else cell.value

    def rows(self) -> tuple[str, ...]:
        """The row keys of the table as the report holds them, in its order."""
        return tuple(dict.fromkeys(row for row, _ in self.cells or {}))

    def row_cells(self, row: str) -> tuple[Cell, ...]:
        """The cells of one row, in the report's column order (() when the row is not there)."""
        return tuple(c for (r, _), c in (self.cells or {}).items() if r == row)

    def values(self) -> dict[tuple[str, str], Number | None]:
        """{(row, column): number or None} of every cell."""
        return {address: c.value for address, c in (self.cells or {}).items()}

    @property
    def ok(self) -> bool:
        """Whether the table was found with numbers (status `ok`)."""
        return self.status == "ok"

    def grid_json(self) -> dict:
        """The table as the report JSON writes it under its key: {row: {column: number}, [numbers] or number}."""
        out: dict = {}
        for (row, column), cell in (self.cells or {}).items():
            if cell.form == SCALAR:
                out[row] = cell.value
            elif cell.form == LIST:
                out.setdefault(row, []).append(cell.value)
            else:
                out.setdefault(row, {})[column] = cell.value
        return out

    def info_json(self) -> dict | None:
        """The table's entry under the report's `tables` (status, lines, rows, pages), or None when it has none."""
        info = {
            "status": self.status,
            "lines": list(self.lines) if self.lines is not None else None,
            "rows": self.row_lines,
            "pages": self.row_pages,
        }
        info = {k: v for k, v in info.items() if v is not None}
        return info or None

    def notes_json(self) -> dict:
        """The table's cell notes as the report's `cells` writes them: {path: note}."""
        notes = {c.path: c.note.to_json() for c in (self.cells or {}).values() if c.note is not None}
        notes |= {f"{self.key}.{row}.{UNPLACED}": dict(extra) for row, extra in self.unplaced.items()}
        notes |= {path: note.to_json() for path, note in self.stray.items()}
        return notes


def scalar_column(template: Template, table: str, row: str, version: str | None) -> str:
    """The column a one-number row of table A stands for in the template (its 第二十条 group's only column),
    looked up in the report's template version, else in any version. Raises ValueError for a row no
    one-number group holds."""
    for v in [version, *VERSIONS] if version in VERSIONS else VERSIONS:
        for group in template.groups_of(table, v):
            if row in group.rows and len(group.columns) == 1:
                return group.columns[0]
    raise json_error(f"{table}.{row}", "a row with one value per column", "one number")


def row_to_cells(
    template: Template, table: str, row: str, data, version: str | None
) -> list[tuple[str, Number | None, str]]:
    """Given one row of a table as JSON (an object, a list in column order, or one number), return its
    [(column, value, form)] in the template's terms. Raises ValueError naming the row when a list has not one
    number per column of the table."""
    if isinstance(data, dict):
        return [(column, value, OBJECT) for column, value in data.items()]
    if isinstance(data, list):
        columns = template.columns(table)
        if len(data) != len(columns):
            raise json_error(f"{table}.{row}", f"{len(columns)} numbers ({', '.join(columns)})", data)
        return [(column, value, LIST) for column, value in zip(columns, data, strict=True)]
    return [(scalar_column(template, table, row, version), data, SCALAR)]


def read_table(report: dict, key: str, template: Template | None = None) -> Table:
    """Given a report as JSON data and a table key, return its Table: every cell addressed by the template's
    row and column keys, with its note and source place. The one reader of a report's grids: checks,
    revisions, pages and Report.from_json all read tables through it. `template` defaults to
    builder.template.load_template(). Raises ValueError naming the place for a row that does not fit the
    table (a list without one number per column, a bare number in a row of several columns) or a note
    the model does not know."""
    template = template or load_template()
    info = (report.get("tables") or {}).get(key) or {}
    prefix = f"{key}."
    notes = {path: note for path, note in (report.get("cells") or {}).items() if path.startswith(prefix)}
    cells = None
    if key in report:
        grid = report[key]
        if not isinstance(grid, dict):
            raise json_error(key, "a mapping of rows", grid)
        rows, pages, version = info.get("rows") or {}, info.get("pages") or {}, report.get("template")
        cells = {
            (c.row, c.column): c
            for row, data in grid.items()
            for c in row_cells(template, key, row, data, version, (rows.get(row), pages.get(row)), notes)
        }
    used = {c.path for c in (cells or {}).values() if c.note is not None}
    unplaced = {path.split(".")[1]: note for path, note in notes.items() if path.endswith(f".{UNPLACED}")}
    stray = {
        path: CellNote.from_json(note, path)
        for path, note in notes.items()
        if path not in used and not path.endswith(f".{UNPLACED}")
    }
    lines = info.get("lines")
    return Table(
        key,
        cells,
        info.get("status"),
        tuple(lines) if lines is not None else None,
        info.get("rows"),
        info.get("pages"),
        unplaced,
        stray,
    )


def json_row_cells(report: dict, table: str, row: str, template: Template, notes: dict | None = None) -> list[Cell]:
    """The Cells of one row of a report's table (as JSON data), with the row's source line and page and, when
    `notes` (the report's `cells`, or those of the table) has one, the cell's note; [] when the report has no
    such row. Raises ValueError as row_to_cells and CellNote.from_json do."""
    grid = report.get(table)
    if not isinstance(grid, dict) or row not in grid:
        return []
    info = (report.get("tables") or {}).get(table) or {}
    place = ((info.get("rows") or {}).get(row), (info.get("pages") or {}).get(row))
    return row_cells(template, table, row, grid[row], report.get("template"), place, notes or {})


def row_cells(
    template: Template, table: str, row: str, data, version: str | None, place: tuple, notes: dict
) -> list[Cell]:
    """The Cells of one row given as JSON (`data`, see row_to_cells), with the row's (line, page) and each
    cell's note from `notes` ({path: note}). Raises ValueError as row_to_cells and CellNote.from_json do."""
    out = []
    for column, value, form in row_to_cells(template, table, row, data, version):
        path = f"{table}.{row}" if form == SCALAR else f"{table}.{row}.{column}"
        note = notes.get(path)
        note = None if note is None else CellNote.from_json(note, path)
        out.append(Cell(table, row, column, value, form, note, *place))
    return out


def find_cell(report: dict, path: str, template: Template | None = None) -> Cell | None:
    """Given a report as JSON data and a cell's path, `table.row.column` (any table: table C and table A's
    one-number rows by the template's column keys) or `table.row` (a one-number row of table A, as the
    report's `cells` notes name it), return the Cell with its note and place, or None when the report has
    no such cell (another template version, a missing table). Reads only that row: the accessor for single
    cells (checks.yaml claims, rates.yaml figures) beside read_table for whole tables."""
    template = template or load_template()
    table, _, rest = path.partition(".")
    row, _, column = rest.partition(".")
    return pick_cell(json_row_cells(report, table, row, template, report.get("cells")), column)


def pick_cell(cells: list[Cell], column: str) -> Cell | None:
    """Of one row's Cells (json_row_cells), the one at `column` (the first of that column), or, for an empty
    column key, the row's one number (a one-number row of table A); None when there is none."""
    for cell in cells:
        if cell.column == column if column else cell.form == SCALAR:
            return cell
    return None


@dataclass(frozen=True)
class Finding:
    """One finding of the checks (builder.checks, rules in template.yaml and checks.yaml), as the report JSON
    writes it under `findings`: `rule` its id, `severity` error / warning / info, `message` in words, where it
    is (`table`, `row`, `column`: template keys, each None when the finding is not about one; `line` the
    source line), the two sides it compares (`left`: what the report says, `right`: what it should equal or
    the other file's number; None when there is no comparison), `related` another report's id, `share` the
    share of text two reports have in common."""

    rule: str = about("the rule's id (template.yaml rules, checks.yaml rules)", required=True)
    severity: str = about("how grave", enum=list(SEVERITIES), required=True)
    message: str = about("what was found, in words", required=True)
    table: str | None = about("the table key it is about")
    row: str | None = about("the row key it is about")
    column: str | int | None = about("the column key it is about (null for a one-number row of table A)")
    left: object = about("what the report says (a number, a sum, a count, a year)")
    right: object = about("what it should equal, or the other file's number")
    line: int | None = about(LINE)
    related: str | None = about("the id of another report it concerns")
    share: float | None = about("the share of text two reports have in common (0 to 1)")

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        """Given a finding as JSON, return the Finding; absent keys are None. Raises ValueError for a key the
        model does not know or a missing rule, severity or message."""
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown or not all(k in data for k in ("rule", "severity", "message")):
            raise json_error("findings", "a finding (" + ", ".join(cls.__dataclass_fields__) + ")", data)
        return cls(**data)

    def to_json(self) -> dict:
        """The finding as JSON: every field, None as null (as builder.checks.make_finding writes it)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @property
    def path(self) -> str | None:
        """The cell or row the finding is about as a report path (`applications.new.total`), or None."""
        if not self.table:
            return None
        return ".".join(str(p) for p in (self.table, self.row, self.column) if p is not None)

    @property
    def found(self):
        """What the report says (`left`)."""
        return self.left

    @property
    def expected(self):
        """What it should equal, or the other file's number (`right`)."""
        return self.right


@dataclass(frozen=True)
class Report:
    """A parsed (and, after the build, checked) report: its template `tables` by key, every cell addressed
    `report.cell(table, row, column)`; its `findings` (None before the checks ran); and `fields`, every other
    key of the report JSON as written (id, agency, year, template, source, sections, notes, …).
    from_json(to_json()) is lossless: to_json gives back the JSON it was read from, key for key."""

    fields: dict
    tables: dict[str, Table]
    findings: tuple[Finding, ...] | None = None

    @classmethod
    def from_json(cls, data: dict, template: Template | None = None) -> Report:
        """Given a report as JSON data (parse's dict, or data/json), return the Report. `template` defaults to
        load_template(). Raises ValueError naming the place for JSON that does not fit the model."""
        template = template or load_template()
        keys = tuple(template.tables)
        unknown = [path for path in data.get("cells") or {} if path.split(".")[0] not in keys]
        if unknown:
            raise json_error(f"cells.{unknown[0]}", "a note on a cell of a template table", unknown[0])
        unknown = [t for t in data.get("tables") or {} if t not in keys]
        if unknown:
            raise json_error(f"tables.{unknown[0]}", "a template table (" + ", ".join(keys) + ")", unknown[0])
        tables = {
            key: read_table(data, key, template) for key in keys if key in data or key in (data.get("tables") or {})
        }
        findings = data.get("findings")
        fields = {k: v for k, v in data.items() if k not in (*keys, "tables", "cells", "findings")}
        return cls(fields, tables, None if findings is None else tuple(Finding.from_json(f) for f in findings))

    def to_json(self) -> dict:
        """The report as JSON data (the contract of README "JSON" and builder/schema/report.schema.json)."""
        out = dict(self.fields)
        out["tables"] = {k: info for k, t in self.tables.items() if (info := t.info_json()) is not None}
        out["cells"] = {path: note for t in self.tables.values() for path, note in t.notes_json().items()}
        out |= {k: t.grid_json() for k, t in self.tables.items() if t.cells is not None}
        if self.findings is not None:
            out["findings"] = [f.to_json() for f in self.findings]
        return out

    def table(self, key: str) -> Table:
        """The table under a template key; an empty Table (no cells, no status) when the report has none."""
        return self.tables.get(key) or Table(key)

    def cell(self, table: str, row: str, column: str) -> Cell:
        """The cell at (table, row, column), every table addressed alike (table C and table A's one-number
        rows by the template's column keys). Raises KeyError naming the address when there is no such cell."""
        return self.table(table).cell(row, column)

    def value(self, table: str, row: str, column: str) -> Number | None:
        """The number at (table, row, column), or None when it is blank, unknown or not in the report."""
        return self.table(table).value(row, column)

    def cells(self):
        """Every cell of every table, table by table in the report's order."""
        return (c for t in self.tables.values() for c in (t.cells or {}).values())

    @property
    def template(self) -> str | None:
        """The template version the report follows: `2021`, `2019` or `pre2019`."""
        return self.fields.get("template")
