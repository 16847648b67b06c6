"""Property tests: damage of the kinds real conversions do never changes a number silently."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.cells import read_cell
from builder.model import Document, Line
from builder.parse import parse_document
from tests.tablegen import APPLICANTS, T, consistent_applications, document, table_b_rows

counts = st.one_of(st.none(), st.integers(0, 30))
row_values = st.fixed_dictionaries({c: counts for c in APPLICANTS})


@given(
    st.integers(-(10**6), 10**6), st.sampled_from(["{}", "?{}", "{}?", "？{}", " {} ", "{}件", "*{}"]), st.booleans()
)
def test_read_cell_ignores_conversion_noise(n, shape, fullwidth):
    raw = shape.format(n)
    if fullwidth:
        raw = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in raw)
    assert read_cell(raw).value == n


NUMBERISH = st.text(st.sampled_from("0123456789０９.．-−+?？* ,，件万元次ab一"), max_size=12)


@given(st.one_of(st.text(max_size=20), NUMBERISH))
def test_read_cell_never_raises_and_reads_only_the_number_printed(text):
    cell = read_cell(text)
    if cell.value is None:
        return
    printed = unicodedata.normalize("NFKC", text)
    digits = "".join(ch for ch in printed if ch.isdecimal() or ch == ".")
    assert Decimal(digits) == abs(Decimal(str(cell.value))), (text, cell)
    assert cell.value >= 0 or "-" in printed.replace("−", "-"), (text, cell)


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["{}", "?{}", "{}？", " {} ", "{}万元", "*{}"]),
)
def test_amounts_round_trip_through_their_printed_text(amount, shape):
    cell = read_cell(shape.format(amount))
    assert Decimal(str(cell.value)) == amount, (shape.format(amount), cell)


@st.composite
def damaged_table(draw):
    outcomes = {k: draw(row_values) for k in T.outcome_rows("2021")}
    values = consistent_applications(outcomes, draw(row_values), draw(row_values))
    rows = table_b_rows(values)
    keys = list(values)
    body = rows[3:]
    # stray question marks glued to numbers
    for cells in body:
        for i, cell in enumerate(cells):
            if cell.isdigit() and draw(st.integers(0, 9)) == 0:
                cells[i] = draw(st.sampled_from(["?", "？"])) + cell if draw(st.booleans()) else cell + "?"
    # blank cells lost in conversion (in up to three rows)
    for index in draw(st.lists(st.integers(0, len(body) - 1), max_size=3, unique=True)):
        label_width = len(body[index]) - 7
        blanks = [i for i in range(label_width, len(body[index])) if body[index][i] == ""]
        if blanks:
            del body[index][draw(st.sampled_from(blanks))]
    # a row's values pushed onto the next line
    if draw(st.booleans()):
        index = draw(st.integers(0, len(body) - 1))
        cells = body[index]
        label_width = len(cells) - 7 if len(cells) >= 7 else 0
        if any(c for c in cells[label_width:]):
            body[index : index + 1] = [cells[:label_width], [""] * label_width + cells[label_width:]]
    sep = draw(st.sampled_from(["\t", " | "]))
    return values, keys, rows[:3] + body, sep


@pytest.mark.slow  # a long property search
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_table())
def test_damaged_table_b_reads_right_or_reports_ambiguity(case):
    values, keys, rows, sep = case
    report = parse_document(document(rows, sep))
    for key in keys:
        for column, expected in values[key].items():
            got = report["applications"][key][column]
            if got != expected:
                note = report["cells"].get(f"applications.{key}.{column}", {})
                assert note.get("position") == "ambiguous", (key, column, expected, got, note)


@st.composite
def damaged_table_c(draw):
    groups = []
    for _ in range(3):
        parts = [draw(st.one_of(st.none(), st.integers(0, 9))) for _ in range(4)]
        present = [p for p in parts if p is not None]
        groups.append([*parts, sum(present) if present else None])
    cells = ["" if v is None else str(v) for g in groups for v in g]
    for i, cell in enumerate(cells):
        if cell and draw(st.integers(0, 5)) == 0:
            cells[i] = "?" + cell if draw(st.booleans()) else cell + "?"
    blanks = [i for i, c in enumerate(cells) if c == ""]
    if blanks and draw(st.booleans()):
        del cells[draw(st.sampled_from(blanks))]  # one blank cell lost in conversion
    return groups, cells, draw(st.sampled_from(["\t", " | "]))


@pytest.mark.slow  # a long property search
@settings(max_examples=150, deadline=None)
@given(damaged_table_c())
def test_damaged_table_c_reads_right_or_reports_ambiguity(case):
    groups, cells, sep = case
    header = [["行政复议", "", "", "", "", "行政诉讼"], ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]]
    doc = document(
        table_b_rows(
            consistent_applications(
                {k: {c: 0 for c in APPLICANTS} for k in T.outcome_rows("2021")},
                dict.fromkeys(APPLICANTS, 0),
                dict.fromkeys(APPLICANTS, 0),
            )
        ),
        sep,
    )
    lines = list(doc.lines)
    at = next(i for i, ln in enumerate(lines) if "行政复议、行政诉讼" in ln.text) + 1
    extra = [Line(1000 + n, tuple(cells_)) for n, cells_ in enumerate([*header, cells])]
    report = parse_document(Document(doc.path, doc.format, tuple(lines[:at] + extra + lines[at:])))
    names = T.rows("review_litigation", "2021")
    columns = T.columns("review_litigation")
    for row, expected in zip(names, groups, strict=True):
        for column, want, got in zip(columns, expected, report["review_litigation"][row], strict=True):
            if got != want:
                note = report["cells"].get(f"review_litigation.{row}.{column}", {})
                assert note.get("position") == "ambiguous", (row, column, want, got, note)
