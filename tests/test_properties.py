"""Property tests: damage of the kinds real conversions do never changes a number silently."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.cells import read_cell
from builder.model import Document, Line
from builder.parse import parse_document
from builder.sources.text import crawler_header, text_to_lines
from tests.tablegen import APPLICANTS, T, consistent_applications, document, table_b_rows
from tests.test_stream import measure

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
            if got != expected:  # never another number: null, with the readings listed
                note = report["cells"].get(f"applications.{key}.{column}", {})
                assert got is None and note.get("position") == "ambiguous", (key, column, expected, got, note)


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
            if got != want:  # never another number: null, with the readings listed
                note = report["cells"].get(f"review_litigation.{row}.{column}", {})
                assert got is None and note.get("position") == "ambiguous", (row, column, want, got, note)


# --- whole reports printed in each damaged layout ---------------------------------------------------

CRAWLER = "标题: {title}\n发布时间: 2024-01-09 19:52\n发布机构: \n原文链接: https://www.example.gov.cn/t1.htm\n"
TITLE = "某某区卫生健康局2023年政府信息公开工作年度报告"
LAYOUTS = {
    # name: (separator between a line's cells, between lines, blank cells kept, crawler metadata above)
    "crawler one line, glued": ("", " ", False, True),
    "crawler one line, spaced": (" ", " ", False, True),
    "pdftotext -layout": ("   ", "\n", False, False),
    "tab lost": (" ", "\n", False, False),
    "blank cells merged": ("\t", "\n", False, False),
    "tabs, a label misspelt": ("\t", "\n", True, False),
}
mostly_counts = st.one_of(st.integers(0, 40), st.integers(0, 40), st.integers(0, 9), st.none())
amounts = st.sampled_from([None, 0, 3, 12.5, 246.08])


def misspell(label: str, where: int) -> str:
    """A label with one of its characters after the ordinal dropped (`行政法规禁止` -> `行政法禁止`)."""
    if len(label) < 6:
        return label
    at = 2 + where % (len(label) - 3)
    return label[:at] + label[at + 1 :]


@st.composite
def whole_report(draw):
    """A consistent 2021-template report (tables A, B and C from the template) as the cell rows of its lines,
    and its right numbers {"table.row.column": value}."""
    outcomes = {k: draw(st.fixed_dictionaries({c: mostly_counts for c in APPLICANTS})) for k in T.outcome_rows("2021")}
    carried = [draw(st.fixed_dictionaries({c: mostly_counts for c in APPLICANTS})) for _ in range(2)]
    table_b = consistent_applications(outcomes, *carried)
    expected = {f"applications.{k}.{c}": v for k, row in table_b.items() for c, v in row.items()}
    lines = [[TITLE], ["一、总体情况"], ["本年度工作情况如下。"], ["二、主动公开政府信息情况"]]
    for group in T.groups("2021"):
        lines += [[group.item], ["信息内容", *(T.column_label("active_disclosure", c) for c in group.columns)]]
        for row in group.rows:
            kind = amounts if row == "administrative_fees_10k_yuan" else mostly_counts
            values = [draw(kind) for _ in group.columns]
            lines.append([T.spec("active_disclosure", "rows", row)["label"], *map(printed, values)])
            names = [row] if group.scalar else [f"{row}.{c}" for c in group.columns]
            expected |= {f"active_disclosure.{n}": v for n, v in zip(names, values, strict=True)}
    lines += [
        ["三、收到和处理政府信息公开申请情况"],
        *table_b_rows(table_b),
        ["四、政府信息公开行政复议、行政诉讼情况"],
    ]
    groups = []
    for row in T.rows("review_litigation", "2021"):
        parts = [draw(st.one_of(st.integers(0, 12), st.none())) for _ in range(4)]
        present = [p for p in parts if p is not None]
        groups.append([*parts, sum(present) if present else None])
        expected |= {f"review_litigation.{row}.{i}": v for i, v in enumerate(groups[-1])}
    header = [
        ["行政复议", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
    ]
    lines += [*header, [printed(v) for g in groups for v in g]]
    lines += [["五、存在的主要问题及改进情况"], ["无。"], ["六、其他需要报告的事项"], ["无。"], ["某某区卫生健康局"]]
    return lines, expected


def printed(value) -> str:
    """A value as a report prints it: blank for None."""
    return "" if value is None else str(value)


def print_layout(lines: list[list[str]], layout: str, where: int) -> Document:
    """The report's lines printed in a damaged layout (LAYOUTS), read back as the text reader reads a file."""
    sep, line_sep, keep_blank, crawler = LAYOUTS[layout]
    if layout == "tabs, a label misspelt":
        rows = [
            i
            for i, cells in enumerate(lines)
            if len(cells) > 3 and any(c.strip() for c in cells[-7:]) and any(c and not c.isdigit() for c in cells)
        ]  # table rows with a label to misspell (table C's numbers line has none)
        i = rows[where % len(rows)]
        last = max(j for j, c in enumerate(lines[i]) if c and not c.isdigit())
        lines = [
            *lines[:i],
            [*lines[i][:last], misspell(lines[i][last], where), *lines[i][last + 1 :]],
            *lines[i + 1 :],
        ]
    body = [sep.join(c for c in cells if keep_blank or c.strip()) for cells in lines]
    text = (CRAWLER.format(title=TITLE) if crawler else "") + line_sep.join(body)
    meta, skip = crawler_header(text.splitlines())
    return Document("generated.txt", "text", text_to_lines(text, skip), meta=meta)


def check_layout(case, layout: str, where: int) -> None:
    """Every number of the report printed in `layout` reads right, or null with a finding: never another."""
    lines, expected = case
    report = parse_document(print_layout(lines, layout, where))
    assert (report["agency"], report["year"]) == ("某某区卫生健康局", 2023)
    _, _, wrong = measure(report, expected)
    assert wrong == [], (layout, wrong)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(whole_report(), st.sampled_from(sorted(LAYOUTS)), st.integers(0, 100))
def test_report_in_any_damaged_layout_reads_right_or_null_with_a_finding(case, layout, where):
    check_layout(case, layout, where)


@pytest.mark.slow  # a long property search over every layout
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=whole_report(), where=st.integers(0, 100))
def test_each_damaged_layout_reads_right_or_null_with_a_finding(case, layout, where):
    check_layout(case, layout, where)
