"""The values passed between pipeline stages: documents read from files, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass, field


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
