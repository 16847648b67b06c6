"""Reads text that lost its lines (crawler dumps, page text): sections, rows and number runs found in the stream."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache

from builder.cells import Cell, placements, read_cell
from builder.model import Line
from builder.template import TABLE_KEYS, Template, load_template, normalize_label, strip_ordinal

# A table cell in a stream: a number, with the unit some reports print after it (`1个`, `246900元`).
NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元|个|笔|件|项|条|次|家|人)?")
# Where a label starts inside a run of label text: an ordinal (`（三）`, `四、`, `2.`), not `第（一）项`.
LABEL_START = re.compile(
    r"(?=（[一二三四五六七八九十]+）(?!项))|(?=(?<![第一二三四五六七八九十])[一二三四五六七八九十]+、)"
)
ORDINAL_TAIL = re.compile(r"^[.．、]\D")
HEADING_ORDINAL = r"[一二三四五六七八九十]+[、.．]\s*"
SENTENCE_BREAK = re.compile(r"\s+")
LIST_GAP = re.compile(r"[；;，,、。\s]{0,3}")
FOLD_WIDTH = {
    c: unicodedata.normalize("NFKC", chr(c))
    for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0E]
}
SPACED_NUMBERS = re.compile(r"^\s*\d+(?:\s+\d+)+\s*$")
CELL_LINES = 20  # this many lines of one number each between sections 二 and 五: a table printed one cell a line
# a space before an ordinal starts a new label cell: `（三）不予公开 1.属于国家秘密`
LABEL_BREAK = re.compile(r"\s+(?=（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.．、]\D)")
# a table's count: no leading zero (not a phone number); a converter's `?` beside it is noise (`?0`, `0?`)
# an amount may be longer and carry its unit (`73802895.90元`)
COUNT = re.compile(
    r"^[?？]*[-+]?(?:0|[1-9]\d{0,6}|[1-9]\d{0,8}(?=\.\d|元|万元))(?:\.\d+)?(?:万元|元|个|笔|件|项)?[?？]*$"
)
# question marks a converter leaves beside digits (`0??0?00?`): noise, as in a cell (builder.cells), and no
# separator: `?00?` is the cells `?0` and `0?` glued
NUMBER_NOISE = re.compile(r"(?<=\d)[?？]+|[?？]+(?=\d)")
MAX_READINGS = 20_000  # more ways to cut one row's digits than this: the row is left unread, with the reason


@dataclass(frozen=True)
class StreamLine(Line):
    """A Line cut out of a stream. `kind` is heading, text, header (column labels), row or values;
    `glued` says the row's numbers were printed with no separator, so a run may hold several cells."""

    kind: str = "text"
    glued: bool = False


def normalize_stream(text: str) -> str:
    """Given stream text, return it with full-width digits, letters and dots folded to ASCII (NFKC
    on those only: the report's own punctuation stays as printed) and every run of whitespace one space."""
    return SENTENCE_BREAK.sub(" ", text.translate(FOLD_WIDTH)).strip()


def spaced(label: str) -> str:
    """A regex for a label that may be broken by whitespace between any two characters."""
    return r"\s*".join(re.escape(ch) for ch in normalize_label(label).replace("(", "（").replace(")", "）"))


@cache
def heading_patterns(template: Template) -> list[tuple[str, re.Pattern]]:
    """[(section key, pattern of its numbered heading)], in template order, longest variant first."""
    out = []
    for spec in template.sections:
        variants = sorted({spec["heading"], *spec["variants"]}, key=len, reverse=True)
        out.append((spec["key"], re.compile(HEADING_ORDINAL + "(?:" + "|".join(spaced(v) for v in variants) + ")")))
    return out


@cache
def row_forms(template: Template, table: str) -> tuple[str, ...]:
    """Every normalised spelling of a table's row labels, longest first."""
    forms = {f for label in template.labels(table, "rows").values() for f in label.forms()}
    return tuple(sorted(forms, key=len, reverse=True))


@cache
def known_forms(template: Template, table: str) -> tuple[str, ...]:
    """Row and column label spellings of a table, longest first: what header text is cut into."""
    forms = set(row_forms(template, table))
    forms |= {f for label in template.labels(table, "columns").values() for f in label.forms()}
    forms |= {"信息内容", "申请人情况", "法人或其他组织", "行政复议", "行政诉讼"}
    return tuple(sorted(forms, key=len, reverse=True))


@cache
def labelled_number(template: Template) -> re.Pattern:
    """A pattern for any table row label of the template followed by a number."""
    forms = sorted(
        {f for table in TABLE_KEYS for f in row_forms(template, table) if len(f) >= 2}, key=len, reverse=True
    )
    return re.compile("(?:" + "|".join(spaced(f) for f in forms) + r")\s?\d")


def is_stream_line(text: str, template: Template) -> bool:
    """True when one line holds what should be many: three table row labels each followed by a
    number, or two numbered section headings in a text too long to be a sentence listing them."""
    text = normalize_stream(text)
    if len(text) < 80:
        return False
    if len(labelled_number(template).findall(text)) >= 3:
        return True
    return len(text) >= 1000 and sum(1 for _, pattern in heading_patterns(template) if pattern.search(text)) >= 2


def expand_streams(lines: tuple[Line, ...], template: Template) -> tuple[Line, ...]:
    """Given a document's lines, return them with every one-cell line outside a table that holds
    what should be many lines (a crawler's dump, a page's text) cut into the lines it stands for,
    a row printed with spaces between its cells cut into them, and tables printed one cell a line
    read as one stream."""
    out: list[Line] = []
    for ln in cells_to_stream(lines, template):
        if ln.table is None and len(ln.cells) > CELL_LINES and not isinstance(ln, StreamLine):
            ln = replace(ln, cells=(" ".join(ln.cells),))  # a whole report on one line, its cells tab-separated
        if ln.table is None and len(ln.cells) == 1 and not isinstance(ln, StreamLine):
            if is_stream_line(ln.cells[0], template):
                out += [
                    replace(part, page=ln.page, ocr=ln.ocr)
                    for part in stream_to_lines(ln.number, ln.cells[0], template)
                ]
                continue
            cells = spaced_row(ln.cells[0], template)
            if cells:
                out.append(StreamLine(ln.number, cells, page=ln.page, ocr=ln.ocr, kind="row"))
                continue
        out.append(ln)
    return tuple(out)


def cells_to_stream(lines: tuple[Line, ...], template: Template) -> tuple[Line, ...]:
    """Given a document's lines, return them with its tables joined into one line when the text
    put every cell on a line of its own (a page's text taken one element a line): from the heading
    of section 二 to that of section 五, when at least CELL_LINES of those lines are one number
    and nearly all are one cell. Any other document is returned as it is."""
    patterns = dict(heading_patterns(template))
    texts = [normalize_stream(ln.text) for ln in lines]
    start = next((i for i, t in enumerate(texts) if patterns["active_disclosure"].match(t)), None)
    if start is None:
        start = next((i for i, t in enumerate(texts) if patterns["applications"].match(t)), None)
    if start is None:
        return lines
    end = next((i for i in range(start, len(lines)) if patterns["problems"].match(texts[i])), len(lines))
    region = lines[start:end]
    single = [ln for ln in region if len(ln.cells) == 1 and ln.table is None]
    numbers = sum(1 for ln in single if NUMBER.fullmatch(normalize_stream(ln.text)))
    if numbers < CELL_LINES or len(single) < 0.9 * len(region):
        return lines
    joined = Line(region[0].number, (" ".join(ln.text for ln in region),), page=region[0].page)
    return (*lines[:start], joined, *lines[end:])


def find_headings(text: str, template: Template) -> list[tuple[int, int, str]]:
    """[(start, end, section key)] of the numbered section headings in the stream, in template
    order; headings listed one after another (`报告包括：一、总体情况；二、主动公开…`) are passed over
    when the heading comes again later."""
    found, pos = [], 0
    patterns = heading_patterns(template)
    for key, pattern in patterns:
        matches = list(pattern.finditer(text, pos))
        alone = [m for m in matches if not any(p.match(text, LIST_GAP.match(text, m.end()).end()) for _, p in patterns)]
        m = (alone or matches or [None])[0]  # a section left empty is followed by the next heading
        if m:
            found.append((m.start(), m.end(), key))
            pos = m.end()
    return found


def text_lines(number: int, text: str) -> list[StreamLine]:
    """Narrative text of a stream as lines: a space in a dump marks where the page had a break."""
    return [StreamLine(number, (part,)) for part in text.split(" ") if part.strip()]


def stream_tokens(text: str) -> list[tuple[str, str, bool]]:
    """Given a table's text, return [(kind, text, space before)] with kind `text` or `number`.
    A digit glued before `.`/`、` and a label is that label's ordinal (`00000002.其他…`: 0000000, 2.其他…)."""
    tokens: list[tuple[str, str, bool]] = []
    pos, space = 0, False
    while pos < len(text):
        if text[pos] == " ":
            space, pos = True, pos + 1
            continue
        m = NUMBER.match(text, pos)
        if m and not (text[pos] in "-+" and not space and tokens and tokens[-1][0] == "text"):
            run = m.group()
            if ORDINAL_TAIL.match(text[m.end() : m.end() + 2]) and run.isdigit():
                # the last digit is the ordinal of the label that follows
                if len(run) > 1:
                    tokens.append(("number", run[:-1], space))
                    space = False
                tokens.append(("text", run[-1], space))
            else:
                tokens.append(("number", run, space))
            pos, space = m.end(), False
            continue
        end = pos
        while end < len(text) and text[end] != " " and not (text[end].isdigit() or NUMBER.match(text, end)):
            end += 1
        end = max(end, pos + 1)
        if tokens and tokens[-1][0] == "text" and not space:
            tokens[-1] = ("text", tokens[-1][1] + text[pos:end], tokens[-1][2])
        else:
            tokens.append(("text", text[pos:end], space))
        pos, space = end, False
    return tokens


def split_known(text: str, forms: tuple[str, ...]) -> list[str]:
    """Given header text with its labels glued together, return it cut at every known label."""
    cells, rest = [], ""
    i = 0
    while i < len(text):
        form = next((f for f in forms if text.startswith(f, i)), None)
        if form:
            if rest:
                cells.append(rest)
                rest = ""
            cells.append(form)
            i += len(form)
        else:
            rest += text[i]
            i += 1
    return cells + ([rest] if rest else [])


def label_cells(text: str, forms: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Given the label text before a row's numbers, return (header cells, row label cells).
    The text is cut where an ordinal starts a label; text that is not a numbered label (column
    headers glued before the first row) goes to the header, as does anything before a row label
    that ends the text."""
    compact = normalize_label(text).replace("(", "（").replace(")", "）")
    parts = [p for p in LABEL_START.split(compact) if p]
    parts = [q for p in parts for q in re.split(r"(?=(?<!\d)\d[.．、](?!\d))", p) if q]
    header, row = [], []
    for part in parts:
        if re.match(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d[.．、])", part):
            row.append(part)
        elif row:
            row[-1] += part
        else:
            header.append(part)
    if not row and header:
        last = header.pop()
        bare = strip_ordinal(last)
        form = next((f for f in forms if bare.endswith(f)), None)
        if form and len(bare) > len(form):
            header.append(last[: len(last) - len(form)])
            last = form
        row = [last]
    return header, row


def table_lines(number: int, text: str, table: str, template: Template) -> list[StreamLine]:
    """Given the text of one table section, return its header lines and rows: each row is its label
    cells then its number runs; the row is `glued` when no space separates them."""
    forms, header_forms = row_forms(template, table), known_forms(template, table)
    lines: list[StreamLine] = []
    tokens = stream_tokens(NUMBER_NOISE.sub("", text))
    i = 0
    while i < len(tokens):
        label = ""
        while i < len(tokens) and tokens[i][0] == "text":
            label += (" " if tokens[i][2] and label else "") + tokens[i][1]
            i += 1
        numbers = []
        while i < len(tokens) and tokens[i][0] == "number":
            numbers.append(tokens[i])
            i += 1
        if not numbers:
            cells = split_known(normalize_label(label), header_forms)
            lines.append(StreamLine(number, tuple(cells), kind="header" if len(cells) > 1 else "text"))
            continue
        # the space before a row's first number parts it from its label, not from another cell: a lone run
        # after a space (`总计 21317000001324019`) may still be several cells glued
        glued = not any(space for _, _, space in numbers[1:])
        header, row = label_cells(label, forms) if label.strip() else ([], [])
        if header:
            cells = [c for h in header for c in split_known(h, header_forms)]
            lines.append(StreamLine(number, tuple(cells), kind="header"))
        values = tuple(run for _, run, _ in numbers)
        lines.append(StreamLine(number, (*row, *values), kind="row" if row else "values", glued=glued))
    return lines


def stream_to_lines(number: int, text: str, template: Template) -> list[StreamLine]:
    """Given one line of stream text (line `number` of the file), return the lines it stands for:
    narrative cut at its spaces, each numbered section heading alone, each table's rows."""
    text = normalize_stream(text)
    headings = find_headings(text, template)
    lines = loose_lines(number, text[: headings[0][0]] if headings else text, template)
    for n, (start, end, key) in enumerate(headings):
        stop = headings[n + 1][0] if n + 1 < len(headings) else len(text)
        lines.append(StreamLine(number, (text[start:end].strip(),), kind="heading"))
        body = text[end:stop].strip()
        if key in TABLE_KEYS:
            lines += table_lines(number, body, key, template)
        else:
            lines += text_lines(number, body)
    return lines


def loose_lines(number: int, text: str, template: Template) -> list[StreamLine]:
    """Stream text outside any heading found in it: table rows when row labels are followed by
    numbers there (the heading was on an earlier line), of the table whose labels it holds most;
    else narrative."""
    if not labelled_number(template).search(text):
        return text_lines(number, text)
    compact = normalize_label(text)
    table = max(TABLE_KEYS, key=lambda t: sum(compact.count(f) for f in row_forms(template, t) if len(f) >= 3))
    return table_lines(number, text, table, template)


def spaced_row(line: str, template: Template | None = None) -> tuple[str, ...] | None:
    """Given a line with no tab or `|`, return its cells when it is a table row printed with spaces
    between its numbers (`pdftotext -layout`, copy and paste: `规章 2 1 15`, `2 1 0 1 4`): its
    label cells then one cell a number. One number after a label is a row only when the label ends
    with a template row's (`行政处罚 157`, `2.没有现成信息需要另行制作 0`: the row's other cells blank).
    Any other line: None."""
    words = line.split()
    count = 0
    while count < len(words) and COUNT.match(words[len(words) - 1 - count]):
        count += 1
    label = " ".join(words[: len(words) - count])
    if len(label) > 60 or label.endswith((":", "：")) or count == 0:
        return None
    if count == 1:
        template = template or load_template()
        forms = [f for table in TABLE_KEYS for f in row_forms(template, table)]
        if not label or not any(strip_ordinal(normalize_label(label)).endswith(f) for f in forms):
            return None
    return tuple(p for p in LABEL_BREAK.split(label) if p) + tuple(words[len(words) - count :])


def split_spaced_numbers(cells: list[str]) -> list[str]:
    """Given a row's value cells, return them with a cell of several space-separated numbers
    (`12 3`: a lost tab or column rule) cut into one cell a number: two numbers are never one. A part with a
    leading zero (`1 00`: one number a PDF's letter-spacing broke) is no number of its own: such a cell is
    kept whole, and the cell reader refuses it (unreadable, with a finding), never reads 1."""
    return [part for cell in cells for part in (cell.split() if is_spaced_numbers(cell) else [cell])]


def is_spaced_numbers(cell: str) -> bool:
    """True when `cell` is several numbers separated by spaces, each one a number as printed (no leading 0)."""
    return bool(SPACED_NUMBERS.match(cell)) and all(p == "0" or not p.startswith("0") for p in cell.split())


# --- cutting glued digits ------------------------------------------------------------------------


def digit_cuts(run: str, parts: int) -> list[tuple[str, ...]]:
    """Every way to cut a run of digits into `parts` numbers, none with a leading zero. A run that ends
    with a decimal part or a unit (`39573802895.90元`) is cut in its leading digits only; the last piece keeps
    the tail (`395`, `73802895.90元`)."""
    head = leading_digits(run)
    tail = run[len(head) :]
    if parts == 1:
        return [(run,)] if head in ("0", "") or not head.startswith("0") else []
    out = []
    for cut in itertools.combinations(range(1, len(head)), parts - 1):
        bounds = (0, *cut, len(head))
        pieces = tuple(head[a:b] for a, b in itertools.pairwise(bounds))
        if all(p == "0" or not p.startswith("0") for p in pieces):
            out.append((*pieces[:-1], pieces[-1] + tail))
    return out


def leading_digits(run: str) -> str:
    """The digits a run starts with (`395` of `395.5元`)."""
    return re.match(r"\d*", run).group()


def splittable(run: str) -> int:
    """How many cells a run can hold at most: one per leading digit (the last one keeps the run's decimal
    part and unit), or one for a run that does not start with a digit."""
    return max(len(leading_digits(run)), 1)


def run_cuts(runs: tuple[str, ...], cells: int) -> list[tuple[str, ...]]:
    """Every way to cut the runs, in order, into `cells` numbers in all."""
    if not runs:
        return [()] if cells == 0 else []
    head, rest = runs[0], runs[1:]
    room = sum(splittable(r) for r in rest)
    out = []
    for k in range(max(1, cells - room), min(splittable(head), cells - len(rest)) + 1):
        for first in digit_cuts(head, k) if leading_digits(head) else [(head,)]:
            out += [first + tail for tail in run_cuts(rest, cells - k)]
    return out


def cut_counts(run: str) -> list[int]:
    """[how many ways to cut the run into k numbers with no leading zero, for k = 0..len(run)]."""
    run = leading_digits(run)  # a decimal part or unit stays with the last piece
    if not run:
        return [0, 1]
    ways = [[0] * (len(run) + 1) for _ in range(len(run) + 1)]  # ways[i][k]: first i digits in k numbers
    ways[0][0] = 1
    for i in range(1, len(run) + 1):
        for j in range(i):
            if i - j == 1 or run[j] != "0":
                for k in range(1, i + 1):
                    ways[i][k] += ways[j][k - 1]
    return ways[len(run)]


def count_readings(runs: tuple[str, ...], width: int) -> int:
    """How many readings glued_layouts would list at most, to refuse a row before listing them."""
    total = [1]
    for run in runs:
        counts = cut_counts(run)
        merged = [0] * (len(total) + len(counts) - 1)
        for a, x in enumerate(total):
            for b, y in enumerate(counts):
                merged[a + b] += x * y
        total = merged
    return sum(n * math.comb(width, k) for k, n in enumerate(total) if 0 < k <= width)


def stream_layouts(tokens: list[str], width: int, glued: bool) -> list[tuple[Cell | None, ...]] | None:
    """Given a stream row's number runs, return every reading the text allows over `width` columns:
    blank cells (which a dump prints as nothing) put back in any gap and, when the runs were
    `glued`, each run cut into one or more numbers (no leading zeros). None when the runs already
    fill the row or there are none (nothing to read two ways), [] when there are more readings than MAX_READINGS."""
    runs = tuple(t for t in tokens if t.strip())
    if not runs or len(runs) >= width:
        return None
    if not glued:
        return placements(tuple(read_cell(r) for r in runs), width)
    if count_readings(runs, width) > MAX_READINGS:
        return []
    seen, out = set(), []
    for k in range(len(runs), min(width, sum(splittable(r) for r in runs)) + 1):
        for cut in run_cuts(runs, k):
            for layout in placements(tuple(read_cell(p) for p in cut), width):
                key = tuple(c.value if c else None for c in layout)
                if key not in seen:
                    seen.add(key)
                    out.append(layout)
    return out


def settle_runs(candidates: list[tuple], fitting: list[int], columns: list[str], raw: str) -> tuple[dict, dict]:
    """Given a stream row's readings and the indexes of those that fit the template's sums, return
    (values by column, notes by column): a cell that reads the same in every fitting reading has
    that value; any other is null, with every reading listed (never a guess)."""
    values, notes = {}, {}
    for n, col in enumerate(columns):
        cells = [candidates[i][n] for i in fitting]
        readings = {c.value if c else None for c in cells}
        note = {"raw": raw}
        if len(readings) == 1:
            values[col] = readings.pop()
            refused = next((c for c in cells if c is not None and values[col] is None and not c.blank), None)
            if refused:  # every reading holds here a number no column can: say so, never a silent blank
                note |= {"impossible": refused.problem} if refused.problem else {"unreadable": True}
        else:
            values[col] = None
            note |= {"position": "ambiguous", "alternatives": sorted(readings, key=lambda v: (v is None, str(v)))}
        notes[col] = note
    return values, notes
