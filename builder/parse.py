"""Pure: turns a Document (lines of cells) into a report dict under the template's canonical keys."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from builder.cells import Cell, column_kind, fit_cell, is_label, read_cell
from builder.model import Document, Line, ReportError
from builder.similarity import label_similarity
from builder.slugs import report_id
from builder.solver import cell_note, equations, place_rows, trim, value_of
from builder.stream import StreamLine, expand_streams, split_spaced_numbers, stream_layouts
from builder.template import TABLE_KEYS, Address, Template, load_template, normalize_label, strip_ordinal

SCHEMA_VERSION = 1
# what a reader or a crawler's metadata lines say of the file, kept as its provenance (report["source"])
SOURCE_META = ("url", "published", "fetched", "modified", "original_name", "title", "publisher", "document_number")
TITLE_CORE = re.compile(
    r"(?:政府信息公开|政务公开|信息公开)(?:和政务公开)?(?:工作)?(?:(?:19|20)\d{2}年)?(?:年度)?(?:报告|年报)"
)
TITLE_YEAR = re.compile(r"[（(]?((?:19|20)\d{2})年度?[）)]?")
COVER_LETTER = re.compile(r"^关于(?:报送|印发|公布|发布|上报|公开)?")
# the date and time a browser prints above a page it saves as PDF: `2024/1/5 10:23`
PRINT_STAMP = re.compile(r"^\d{2,4}[/-]\d{1,2}[/-]\d{1,2}(?:(?:上午|下午|[AP]M)?\d{1,2}:\d{2}(?::\d{2})?(?:[AP]M)?)?")
SITE_PARTS = re.compile(r"_|\||｜|——|--| - | – ")
TITLE_WORDS = ("年度报告", "政府信息公开", "政务公开", "工作报告", "年报")
NOT_A_NAME = re.compile(r"[:：，。；《》]|当前位置|^首页|^标题|^发布")
NAME_END = re.compile(r"(局|委|委员会|办公室|办|政府|中心|院|所|厅|部|会|队|站|处|馆|室|区|县|市|镇|乡|街道|公司)$")
BODY_TITLE = re.compile(r"《([^《》]{2,80}?(?:政府信息公开|政务公开)[^《》]{0,12}报告)》")
WIDTH = {c: chr(c - 0xFEE0) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
BODY_YEAR = re.compile(
    r"(?:统计数据|统计期限|统计时限).{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
    r"|《[^》]{0,40}?((?:19|20)\d{2})\s*年度?[^》]{0,8}政府信息公开[^》]{0,12}报告》"
    r"|^((?:19|20)\d{2})\s*年(?:度|以来)?[，,]"
)
DATE = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
URL = re.compile(r"(https?://[A-Za-z0-9./_\-?=&%#:~]+|www\.[A-Za-z0-9.\-]+\.[A-Za-z]{2,}[A-Za-z0-9./_\-]*)")
CONTACT = {
    "address": re.compile(r"地\s*址[:：]\s*([^；;，,）)\n]+)"),
    "postcode": re.compile(r"邮\s*编[:：]\s*(\d{6})"),
    "phone": re.compile(r"(?:联系)?电\s*话[:：]\s*([0-9０-９\-－—()（） ]{7,20}\d)"),
    "email": re.compile(r"([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})"),
}
SUBITEM = re.compile(
    r"^[*#\s]*(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+是|\d+[、.．](?!\d))"
)
SENTENCE_END = tuple("。；：！？”」）)….;:!?")
HEADER_WORDS = ("勾稽关系", "申请人情况", "法人或其他组织", "信息内容", "行政复议", "行政诉讼", "本列数据")
ALIGN_THRESHOLD = 0.75  # a label this alike to the next rows' labels is that row, misspelt
ALIGN_WINDOW = 3  # how many of the next template rows a misspelt label may be


@dataclass
class Row:
    """A table row found in the document: its template key, value tokens and where it is."""

    key: str
    tokens: list[str]
    line: int
    label: str
    prefix_only: bool = False
    runs: str = ""  # from a stream (builder.stream): "glued" numbers with no separator, or "spaced"
    score: float | None = None  # set when the label was matched by similarity, not spelling


@dataclass
class TableResult:
    """One of the three tables as read: `values` under the template's keys (table A {row: {column: value}} or
    {row: value}; table B {row: {column: count}}; table C {row: [five counts]}; None where blank or not found),
    `status` (ok, empty: found without numbers, missing: not found), `lines` [first, last] line numbers,
    `row_lines` {row key: line}, `cells` {"row.column": note} (see cell_note), and `notes` for the report."""

    values: dict
    status: str  # ok | empty | missing
    lines: list[int] = field(default_factory=list)
    row_lines: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)  # "row.column" -> note
    notes: list[str] = field(default_factory=list)


# --- the document's outline -------------------------------------------------------------------


def is_section_heading(text: str, spec: dict) -> bool:
    """True when a line is the heading of a section: its text is one of the section's headings."""
    raw = normalize_label(text)
    if re.match(r"^[(（][一二三四五六七八九十]+[)）]", raw):
        return False  # "（一）主动公开政府信息情况" is a sub-item of 总体情况, not section 二
    norm = strip_ordinal(raw).rstrip("。:：")
    if len(norm) > 40:
        return False
    return any(
        norm == (v := normalize_label(x)) or (norm.startswith(v) and len(norm) <= len(v) + 4) for x in spec["variants"]
    )


def find_sections(lines: tuple[Line, ...], template: Template) -> dict[str, int]:
    """Given the lines, return {section key: index of its heading line}, headings in template order."""
    found, start = {}, 0
    for spec in template.sections:
        for i in range(start, len(lines)):
            if len(lines[i].cells) <= 2 and is_section_heading(lines[i].text, spec):
                found[spec["key"]] = i
                start = i + 1
                break
    return found


def section_spans(found: dict[str, int], total: int) -> dict[str, tuple[int, int]]:
    """Given heading indexes, return {key: (first line index after heading, end index)}."""
    ordered = sorted(found.items(), key=lambda kv: kv[1])
    return {
        key: (idx + 1, ordered[n + 1][1] if n + 1 < len(ordered) else total) for n, (key, idx) in enumerate(ordered)
    }


def clean_text(text: str) -> str:
    """Given a line's text, return it without Markdown marks (* and #, as converters leave them) and trimmed."""
    return re.sub(r"[*#]+", "", text).strip()


def title_readings(lines: tuple[Line, ...], first_heading: int, meta: dict) -> list[tuple]:
    """Every reading of the title as (title, agency, year, line), best first: each line before the
    first heading that reads as a title, alone and then with the line above it (the agency printed
    on its own line), then the page title in `meta`."""
    head = [ln for ln in lines[: min(first_heading, 8)] if len(ln.cells) == 1 and is_title_like(ln.text)]
    readings = []
    for i, ln in enumerate(head):
        if TITLE_CORE.search(compact_title(ln.text)):
            readings.append(parse_title(clean_text(ln.text), ln.number))
            if i:
                readings.append(parse_title(clean_text(head[i - 1].text) + clean_text(ln.text), head[i - 1].number))
    title = meta.get("title")
    if title and TITLE_CORE.search(compact_title(title)):
        readings.append(parse_title(title, None))
    return readings


def is_title_like(text: str) -> bool:
    """A line can be a title: at most 150 characters and not a sentence (no `。`, no title cited in `《》`
    inside it; a title printed whole in `《》` is still one)."""
    text = text.strip()
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1]
    return len(text) <= 150 and not any(mark in text for mark in "。《")


def title_and_agency(
    lines: tuple[Line, ...], first_heading: int, meta: dict
) -> tuple[str, str | None, int | None, int | None]:
    """Return (title, agency, year in title, title line number): the first title reading that names
    an agency (else the first reading), with the year of the first reading that has one."""
    readings = title_readings(lines, first_heading, meta)
    if not readings:
        return "", None, None, None
    title, agency, year, line = next((r for r in readings if r[1]), readings[0])
    return title, agency, year or next((r[2] for r in readings if r[2]), None), line


def compact_title(title: str) -> str:
    """A title without spaces, markdown marks or full-width digits (２０２３ is 2023)."""
    return re.sub(r"[\s*#]+", "", title.translate(WIDTH))


def agency_name(text: str) -> str | None:
    """Given the words a clue gives for the agency, return them if they can be a name: not empty,
    at most 60 characters, not a sentence or a `label:` line, without the report's own title words."""
    text = re.sub(r"的$", "", text.strip("《》“”\"'、,，.。:：;； "))
    if not 2 <= len(text) <= 60 or NOT_A_NAME.search(text) or any(w in text for w in TITLE_WORDS):
        return None
    return text


def parse_title(title: str, line: int | None) -> tuple[str, str | None, int | None, int | None]:
    """Given a title in any of its shapes (agency then year, year first, a cover letter `关于报送…的函`,
    a page title with the site's name after `_`), return (title, agency or None, year or None, line)."""
    compact = PRINT_STAMP.sub("", compact_title(title))
    parts = [p for p in SITE_PARTS.split(compact) if p]
    part = next((p for p in parts if TITLE_CORE.search(p)), compact)
    core = TITLE_CORE.search(part)
    before = COVER_LETTER.sub("", part[: core.start()] if core else part)
    year_match = TITLE_YEAR.search(before)
    if year_match:  # the year before or after the agency: the name is what is left
        before = before[: year_match.start()] + before[year_match.end() :]
    elif core:  # `…工作年度报告（2023年度）`
        year_match = TITLE_YEAR.search(part[core.start() :])
    year = int(year_match.group(1)) if year_match else None
    return title.strip(), agency_name(before), year, line


def signature_agency(lines: tuple[Line, ...]) -> tuple[str | None, int | None]:
    """The agency's name in the signature block: a short line that ends like a body's name
    (局, 委员会, 政府, …) among the last lines, the one nearest the end first."""
    for ln in reversed(lines[-8:]):
        text = clean_text(ln.text).replace(" ", "")
        if len(ln.cells) == 1 and len(text) <= 30 and NAME_END.search(text) and agency_name(text):
            return text, ln.number
    return None, None


def body_agency(lines: tuple[Line, ...]) -> tuple[str | None, int | None]:
    """The agency named in the body by the report's title in quotes (a cover letter's
    `现将《XX局2020年度政府信息公开工作年度报告》报送…`)."""
    for ln in lines[:60]:
        for m in BODY_TITLE.finditer(compact_title(ln.text)):
            agency = parse_title(m.group(1), ln.number)[1]
            if agency:
                return agency, ln.number
    return None, None


def agency_clues(lines: tuple[Line, ...], title_agency: str | None, meta: dict) -> tuple[str | None, str]:
    """Given the lines, the title's agency and the file's meta, return (agency, where it was read):
    the title, else the body, else the signature block, else the publisher in the crawler's metadata."""
    if title_agency:
        return title_agency, "title"
    for clue, (agency, _) in (("body", body_agency(lines)), ("signature", signature_agency(lines))):
        if agency:
            return agency, clue
    publisher = agency_name(meta.get("publisher") or "")
    return publisher, "publisher" if publisher else "none"


def body_year(lines: tuple[Line, ...]) -> tuple[int | None, int | None]:
    """The year the report covers, as the body states it: (year, line number)."""
    for ln in lines[:40]:
        m = BODY_YEAR.search(ln.text.replace(" ", ""))
        if m:
            return int(next(g for g in m.groups() if g)), ln.number
    return None, None


def signed_date(lines: tuple[Line, ...]) -> tuple[str | None, int | None]:
    """The signing date printed on its own line near the end: ("YYYY-MM-DD", line)."""
    for ln in reversed(lines[-6:]):
        m = DATE.match(ln.text.replace(" ", ""))
        if m:
            y, mo, d = (int(x) for x in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}", ln.number
    return None, None


def contact_details(text: str) -> tuple[dict, str | None]:
    """Given a report's whole text, return ({address, postcode, phone, email}: the first of each it states, as
    printed; absent keys left out) and the first web address it names (trailing dots dropped), or None."""
    contact = {}
    for key, pattern in CONTACT.items():
        m = pattern.search(text)
        if m:
            contact[key] = m.group(1).strip()
    urls = [u.rstrip("./") + ("/" if u.endswith("/") else "") for u in URL.findall(text)]
    return contact, (urls[0] if urls else None)


# --- narrative --------------------------------------------------------------------------------


def join_paragraphs(lines: list[Line]) -> list[tuple[str, int]]:
    """Join lines broken mid-sentence (a page break inside a word) into paragraphs: [(text, first line)]."""
    paras: list[tuple[str, int]] = []
    for ln in lines:
        text = clean_text(ln.text)
        if not text:
            continue
        if paras and not paras[-1][0].endswith(SENTENCE_END) and not SUBITEM.match(text):
            paras[-1] = (paras[-1][0] + text, paras[-1][1])
        else:
            paras.append((text, ln.number))
    return paras


def split_items(paras: list[tuple[str, int]]) -> tuple[str, list[dict]]:
    """Split a section's paragraphs into (lead text, numbered sub-items)."""
    lead, items = [], []
    for text, line in paras:
        m = SUBITEM.match(text)
        if m and not m.group(1).endswith("是"):
            items.append({"number": m.group(1), "text": text[m.end() :].strip(), "line": line})
        elif items:
            items[-1]["text"] += "\n\n" + text
        else:
            lead.append(text)
    return "\n\n".join(lead), items


def narrative(lines: list[Line]) -> dict:
    """Given a section's lines, return its narrative {"text", "lead", "items"}: the lines of at most one cell
    (table rows left out) joined into paragraphs, separated by blank lines; the lead, before the first numbered
    sub-item; and the sub-items [{number: （一） or 1., text, line}] (一是… stays in the text)."""
    paras = join_paragraphs([ln for ln in lines if len([c for c in ln.cells if c.strip()]) <= 1])
    lead, items = split_items(paras)
    return {"text": "\n\n".join(p for p, _ in paras), "lead": lead, "items": items}


def drop_signature(lines: list[Line], agency: str) -> list[Line]:
    """The last section without the signature under it: the agency's name and the date, on their own lines."""
    while lines and (DATE.match(lines[-1].text.replace(" ", "")) or lines[-1].text.replace(" ", "") in (agency, "")):
        lines = lines[:-1]
    return lines


def template_sections(lines, found: dict, spans: dict, template: Template, agency: str) -> list[dict]:
    """The six sections of the template that were found, each with its narrative (tables left out)."""
    sections = []
    for spec in template.sections:
        if spec["key"] not in found:
            continue
        start, end = spans[spec["key"]]
        body = list(lines[start:end])
        if spec["key"] in TABLE_KEYS:
            body = [ln for ln in body if len(ln.text) > 40 and len([c for c in ln.cells if c.strip()]) == 1]
        if end == len(lines):
            body = drop_signature(body, agency)
        heading = lines[found[spec["key"]]]
        sections.append(
            {
                "key": spec["key"],
                "number": spec["number"],
                "heading": heading.text,
                "line": heading.number,
                **narrative(body),
            }
        )
    return sections


PART_HEADING = re.compile(r"^([一二三四五六七八九十]+)[、.．]\s*(.{2,30})$")


def free_sections(lines: tuple[Line, ...], title_line: int | None, agency: str) -> list[dict]:
    """A report before the templates, in the parts it numbers itself (一、… 七、), all of its text kept;
    its statistics tables are kept apart (pre2019_tables)."""
    body = [ln for ln in lines if ln.table is None and (title_line is None or ln.number > title_line + 1)]
    starts = [i for i, ln in enumerate(body) if len(ln.cells) == 1 and PART_HEADING.match(clean_text(ln.text))]
    parts = [(None, 0)] + [(i, i + 1) for i in starts]
    sections = []
    for n, (heading_index, begin) in enumerate(parts):
        end = starts[n] if n < len(starts) else len(body)
        text_lines = drop_signature(body[begin:end], agency) if end == len(body) else body[begin:end]
        if heading_index is None:
            if not text_lines:
                continue
            number, heading, line = "", "", text_lines[0].number
        else:
            m = PART_HEADING.match(clean_text(body[heading_index].text))
            number, heading, line = m.group(1), m.group(2), body[heading_index].number
        sections.append(
            {"key": f"part-{n}", "number": number, "heading": heading, "line": line, **narrative(text_lines)}
        )
    return sections


# --- template version --------------------------------------------------------------------------


def detect_version(lines: tuple[Line, ...], year: int | None, template: Template) -> str:
    """Given the lines, the report year and the template, return which template the report follows:
    "pre2019" for reports on 2018 and before (they predate both templates); otherwise "2021" (国办公开办函〔2021〕30号)
    or "2019" (the earlier one), decided by the column labels of table A only one of them has, else by the year."""
    if year is not None and year <= 2018:
        return "pre2019"
    labels = {v: set() for v in ("2021", "2019")}
    for version, group_list in template.tables["active_disclosure"]["templates"].items():
        for group in group_list:
            for col in group["columns"]:
                spec = template.spec("active_disclosure", "columns", col)
                labels[version].update(normalize_label(x) for x in (spec["label"], *spec.get("variants", ())))
    only_2019 = labels["2019"] - labels["2021"]
    only_2021 = labels["2021"] - labels["2019"]
    seen = {normalize_label(c) for ln in lines for c in ln.cells if c.strip()}
    score_2019 = len(seen & only_2019) + any("政府集中采购" in s for s in seen)
    score_2021 = len(seen & only_2021)
    if score_2019 != score_2021:
        return "2019" if score_2019 > score_2021 else "2021"
    return "2019" if year is not None and year <= 2019 else "2021"


# --- finding rows -------------------------------------------------------------------------------


def split_label(cells: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Given a row's cells, return (label cells, value cells after the last label cell)."""
    last_label = -1
    for i, cell in enumerate(cells):
        if is_label(cell):
            last_label = i
    labels = [c for c in cells[: last_label + 1] if c.strip()]
    return labels, list(cells[last_label + 1 :])


def match_row(label_cells: list[str], candidates: dict, allowed: list[str]) -> tuple[str | None, bool]:
    """Given label cells and {key: Label}, return (matched row key, matched by prefix only).
    The most specific (last) label cell is tried first; only `allowed` keys, earliest first."""
    for cell in reversed(label_cells):
        norm = strip_ordinal(normalize_label(cell))
        if not norm:
            continue
        best = None
        for key in allowed:
            for form in candidates[key].forms():
                if norm == form or (norm.startswith(form) and len(form) >= 3):
                    if best is None or len(form) > best[1]:
                        best = (key, len(form), False)
                elif len(norm) >= 4 and form.startswith(norm) and best is None:
                    best = (key, len(norm), True)
        if best:
            return best[0], best[2]
    return None, False


def align_row(label_cells: list[str], candidates: dict, allowed: list[str]) -> tuple[str | None, float]:
    """Given the label cells of a row that no spelling matches, return (row key, score): the
    template row among the next ALIGN_WINDOW of `allowed` whose label is most alike the last
    label cell, if it reaches ALIGN_THRESHOLD; else (None, best score)."""
    norm = strip_ordinal(normalize_label(label_cells[-1])) if label_cells else ""
    best: tuple[str | None, float] = (None, 0.0)
    if len(norm) < 3:
        return best
    for key in allowed[:ALIGN_WINDOW]:
        score = max(label_similarity(norm, form) for form in candidates[key].forms())
        if score > best[1]:
            best = (key, score)
    return best if best[1] >= ALIGN_THRESHOLD else (None, best[1])


def label_note(row: Row) -> dict:
    """What a cell note says of its row's label when it was matched by similarity."""
    return {} if row.score is None else {"label": row.label, "label_score": round(row.score, 2)}


def stream_runs(line: Line) -> str:
    """How a line cut out of a stream printed its numbers: "glued", "spaced", or "" (not a stream)."""
    if not isinstance(line, StreamLine):
        return ""
    return "glued" if line.glued else "spaced"


def is_header(label_cells: list[str], column_forms: set[str], ocr: bool = False) -> bool:
    """Given a line's label cells and the normalised labels of the table's columns, return True when it is a
    header line: every cell is a column label or holds a header word (申请人情况, 法人或其他组织, 行政复议, …);
    on a line read by OCR, a column label misread (`研机构`) counts when it reaches ALIGN_THRESHOLD."""
    norms = [strip_ordinal(normalize_label(c)) for c in label_cells]

    def names_column(norm: str) -> bool:
        if norm in column_forms or any(w in norm for w in HEADER_WORDS):
            return True
        return ocr and max((label_similarity(norm, f) for f in column_forms), default=0) >= ALIGN_THRESHOLD

    return bool(norms) and all(names_column(n) for n in norms)


def find_rows(lines: list[Line], table: str, version: str, template: Template) -> list[Row]:
    """Given the lines of a table, return its rows in order, each matched to a template row key.
    A row's label may be split over lines, and its values pushed onto the next line."""
    keys = list(template.rows(table, version))
    labels = template.labels(table, "rows")
    column_forms = {f for lab in template.labels(table, "columns").values() for f in lab.forms()}
    rows: list[Row] = []
    pending: Row | None = None  # a label that reads like a column header ("总计"): a row only if values follow
    next_index = 0
    for ln in lines:
        if isinstance(ln, StreamLine) and ln.kind == "header":
            continue
        label_cells, value_cells = split_label(ln.cells)
        value_cells = split_spaced_numbers(value_cells)
        runs = stream_runs(ln)
        has_values = any(holds_number(c) for c in value_cells)
        if not label_cells:
            if has_values and pending:
                rows.append(pending)
                next_index = keys.index(pending.key) + 1
                rows[-1].tokens, pending = value_cells, None
            elif has_values and rows and not any(t.strip() for t in rows[-1].tokens):
                rows[-1].tokens = value_cells  # values pushed onto the next line
            continue
        pending = None
        key, prefix = match_row(label_cells, labels, keys[next_index:])
        score = None
        if key is None and has_values:
            key, score = align_row(label_cells, labels, keys[next_index:])
        if not has_values and is_header(label_cells, column_forms, ln.ocr):
            if key is not None and len(label_cells) == 1:
                pending = Row(key, [], ln.number, label_cells[0])
            continue
        if key is None:
            if rows and rows[-1].prefix_only:  # the rest of a label broken over two lines
                if has_values and not any(t.strip() for t in rows[-1].tokens):
                    rows[-1].tokens = value_cells
                rows[-1].prefix_only = False
            continue
        next_index = keys.index(key) + 1
        rows.append(Row(key, value_cells, ln.number, " ".join(label_cells), prefix, runs, score))
    return rows


# --- placing values -----------------------------------------------------------------------------


def holds_number(raw: str) -> bool:
    """True when a cell prints a number, read or refused: a glued run such as `01120133216` (fifteen
    cells of a stream) is refused as one value, but it is where the numbers are."""
    cell = read_cell(raw)
    return cell.value is not None or cell.problem is not None


def read_grid(
    rows: list[Row], table: str, version: str, columns: list[str], template: Template, lines: list[Line] = ()
) -> TableResult:
    """Place every row's values in the table's columns: rows whose line kept its grid by position,
    rows that lost blank cells by the sums."""
    row_keys = list(template.rows(table, version))
    found = {r.key: r for r in rows}
    eqs = equations(template, table, version)
    labels = template.labels(table, "columns")
    by_grid = rows_by_grid(rows, lines, [labels[c].forms() for c in columns])
    runs = {r.key: r.runs for r in rows if r.runs}
    placed, notes, extras = place_rows({r.key: r.tokens for r in rows if r.key not in by_grid}, columns, eqs, runs=runs)
    ocr_lines = {ln.number for ln in lines if ln.ocr}
    for key, cells in by_grid.items():
        placed[key] = {col: value_of(c) for col, c in zip(columns, cells, strict=True)}
        notes.update(grid_notes(key, columns, cells, found[key].line in ocr_lines))
    values = {key: placed.get(key, dict.fromkeys(columns)) for key in row_keys}
    # every cell of a row matched by similarity carries that match in its note
    notes |= {f"{r.key}.{col}": notes.get(f"{r.key}.{col}", {}) for r in rows if r.score is not None for col in columns}
    cells = {}
    for name, note in notes.items():
        row = found[name.split(".")[0]]
        cells[name] = {"line": row.line, **note, **label_note(row)}
    messages = [
        f"line {found[k].line}: row {k} has more cells than columns; not placed: {', '.join(x)}"
        for k, x in extras.items()
    ]
    cells.update({f"{k}._unplaced": {"raw": x, "line": found[k].line} for k, x in extras.items()})
    ambiguous = sorted(
        {n.split(".")[0] for n, note in notes.items() if note.get("position") == "ambiguous"}, key=row_keys.index
    )
    messages += [
        f"line {found[k].line}: row {k} lost cells in conversion and more than one placement fits the sums"
        for k in ambiguous
    ]
    return TableResult(values, "ok", cells=cells, notes=messages, row_lines={r.key: r.line for r in rows})


# --- tables read by their grid ----------------------------------------------------------------
# A reader that saw the table's grid (HTML, DOCX, ruled PDF) gives each cell its grid columns: such a
# row is read by position, a blank is null, and nothing is re-placed by the sums.

Spans = list[tuple[Cell, int, int]]  # a row's value cells with their grid columns [start, end)


def line_spans(line: Line, tokens: list[str]) -> Spans | None:
    """Given a line and the value cells found at its end, return them with their grid columns,
    or None when the line has no grid or does not end with those cells."""
    count = len(tokens)
    if line.grid is None or count == 0 or list(line.cells[len(line.cells) - count :]) != list(tokens):
        return None
    return [(read_cell(t), start, start + width) for t, (start, width) in zip(tokens, line.grid[-count:], strict=True)]


def row_spans(row: Row, lines: list[Line]) -> Spans | None:
    """Given a found row, return its value cells with grid columns from the line they were read on
    (the row's own line, or a next one its values were pushed onto), or None."""
    after = [ln for ln in lines if ln.number >= row.line][:3]
    return next((found for ln in after if (found := line_spans(ln, row.tokens)) is not None), None)


def grid_edges(
    spans: list[Spans], header: list[Line], forms: list[tuple[str, ...]], complete: bool = True
) -> list[int] | None:
    """Given the value cells of a table's rows, the header lines above them and the label forms of
    the template's columns, return the grid column edges of those columns (one more than there are
    columns): those of the commonest row with one cell per column, else those of header cells
    naming every column side by side, else the last grid columns when the grid is `complete`
    (it has every column, even one left blank). None when nothing fits."""
    width = len(forms)
    full = Counter(tuple(s for _, s, _ in row) + (row[-1][2],) for row in spans if len(row) == width)
    if full:
        return list(full.most_common(1)[0][0])
    named = header_edges(header, forms)
    if named:
        return named
    end = max((e for row in spans for _, _, e in row), default=0)
    return list(range(end - width, end + 1)) if complete and end >= width else None


def header_cells(header: list[Line], forms: list[tuple[str, ...]]):
    """Given header lines, yield (template column index, grid start, grid end) of every cell naming a column."""
    for line in header:
        for text, (start, width) in zip(line.cells, line.grid, strict=True):
            col = header_column(text, forms, line.ocr)
            if col is not None:
                yield col, start, start + width


def header_column(text: str, forms: list[tuple[str, ...]], ocr: bool) -> int | None:
    """Given a header cell's text, the label forms of the table's columns and whether it was OCR'd, return the
    index of the column it names, or None: its label exactly, or, read by OCR (which misreads characters:
    `研机构` for 科研机构), the most alike label when it reaches ALIGN_THRESHOLD."""
    norm = strip_ordinal(normalize_label(text))
    col = next((j for j, f in enumerate(forms) if norm in f), None)
    if col is not None or not ocr or len(norm) < 2:
        return col
    score, best = max(((label_similarity(norm, form), j) for j, f in enumerate(forms) for form in f), default=(0, None))
    return best if score >= ALIGN_THRESHOLD else None


def header_edges(header: list[Line], forms: list[tuple[str, ...]]) -> list[int] | None:
    """The column edges the header gives when it names every column once, side by side, else None."""
    named: dict[int, tuple[int, int]] = {}
    for col, start, end in header_cells(header, forms):
        named[col] = (start, end)  # the lowest header line is the most specific
    if len(named) != len(forms):
        return None
    spans = [named[j] for j in range(len(forms))]
    if any(a[1] != b[0] for a, b in itertools.pairwise(spans)):
        return None
    return [s for s, _ in spans] + [spans[-1][1]]


def spans_to_cells(spans: Spans, edges: list[int]) -> list[Cell | None] | None:
    """Given a row's value cells and the column edges, return a cell or None per template column, or
    None when the row does not fit the grid (a cell straddles a column edge, or a number lies
    outside the columns: the grid is not the template's). A blank merged cell blanks every column
    it covers; a number merged across columns belongs to none of them and is kept as unreadable."""
    cells: list[Cell | None] = [None] * (len(edges) - 1)
    for cell, start, end in spans:
        outside = end <= edges[0] or start >= edges[-1]
        if outside and cell.blank:
            continue  # an empty cell of a label or padding column
        if outside or start not in edges or end not in edges:
            return None
        first, last = edges.index(start), edges.index(end)
        merged = last - first > 1 and not cell.blank
        for col in range(first, last):
            cells[col] = Cell(cell.raw, None, readable=False) if merged else cell
    return cells


def header_agrees(header: list[Line], edges: list[int], forms: list[tuple[str, ...]]) -> bool:
    """Whether the column headers above a table's rows sit over the columns its data fills: every
    header cell that names a template column overlaps that column (a header cell may be wider
    than its column, as in a Word export whose header grid is offset by half a cell)."""
    return all(start < edges[col + 1] and edges[col] < end for col, start, end in header_cells(header, forms))


def rows_by_grid(
    rows: list[Row], lines: list[Line], forms: list[tuple[str, ...]], since: int = 0
) -> dict[str, list[Cell | None]]:
    """Given found rows, the table's lines and the label forms of its columns in order, return
    {row key: a cell or None per column} for the rows whose line kept its grid. None of them when
    the grid contradicts the headers printed above the rows (after line `since`): a grid built
    from text that had already lost its columns is not the template's."""
    spans = {r.key: found for r in rows if (found := row_spans(r, lines)) is not None}
    if not spans:
        return {}
    first = min(r.line for r in rows)
    table = next(ln.table for ln in lines if ln.number == first)
    header = [ln for ln in lines if since < ln.number < first and ln.table == table and ln.grid is not None]
    # An OCR'd grid has a column only where numbers line up: never count columns from its right edge.
    complete = not any(ln.ocr for ln in lines if ln.grid is not None)
    edges = grid_edges(list(spans.values()), header, forms, complete)
    if edges is None or not header_agrees(header, edges, forms):
        return {}
    placed = {key: spans_to_cells(row, edges) for key, row in spans.items()}
    return {key: cells for key, cells in placed.items() if cells is not None}


# --- the three tables ---------------------------------------------------------------------------


def has_numbers(lines: list[Line]) -> bool:
    """Given a table's lines, return True when any cell after a line's label cells prints a number (holds_number)."""
    return any(holds_number(c) for ln in lines for c in split_label(ln.cells)[1])


def read_applications(lines: list[Line], version: str, template: Template) -> TableResult:
    """Given the lines of table B (三、收到和处理政府信息公开申请情况), the template version (2021 or 2019) and
    the template, return its TableResult: {row: {column: count or None}} for every row of that version and the
    seven applicant columns: a row whose line kept its grid read by position, one that lost blank cells placed
    by the template's sums (read_grid). Status
    missing without lines, empty without rows or numbers; the rows not found are named in the notes."""
    columns = list(template.columns("applications"))
    rows = find_rows(lines, "applications", version, template)
    if not rows:
        return empty_result("applications", version, template, "missing" if not lines else "empty", lines)
    result = read_grid(rows, "applications", version, columns, template, lines)
    if not has_numbers(lines):
        result.status = "empty"
    result.lines = [rows[0].line, rows[-1].line]
    missing = [k for k in template.rows("applications", version) if k not in result.row_lines]
    if missing:
        result.notes.append(f"rows not found: {', '.join(missing)}")
    return result


def read_active(lines: list[Line], version: str, template: Template) -> TableResult:
    """Given the lines of table A (二、主动公开政府信息情况), the template version and the template, return its
    TableResult: per row of that version, {column: value} or, for a one-column group, the value alone (a count,
    or for administrative_fees_10k_yuan an amount in 万元); None where blank or the row is not found. Rows whose
    line kept its grid are read by position (rows_by_grid), the others cell by cell from the left. Cells beyond
    the group's columns are dropped with a note. Status ok, empty (rows, no numbers) or missing (no rows)."""
    values, cells_note, row_lines, notes = {}, {}, {}, []
    rows = {r.key: r for r in find_rows(lines, "active_disclosure", version, template)}
    labels = template.labels("active_disclosure", "columns")
    since = 0
    for group in template.groups(version):
        found = [rows[k] for k in group.rows if k in rows]
        by_grid = rows_by_grid(found, lines, [labels[c].forms() for c in group.columns], since) if found else {}
        since = max([r.line for r in found], default=since)
        for key in group.rows:
            row = rows.get(key)
            tokens = trim(row.tokens) if row else []
            if key not in by_grid and row and lost_cells(row, tokens, len(group.columns)):
                values[key], cut_notes = read_stream_active_row(row, tokens, group)
                row_lines[key] = row.line
                cells_note |= cut_notes
                continue
            cells = by_grid.get(key) or [read_cell(t) for t in tokens]
            if len(cells) > len(group.columns):
                extra = cells[len(group.columns) :]
                cells = cells[: len(group.columns)]
                if any(c is not None and not c.blank for c in extra):
                    # more numbers than columns: which belongs where is unknown, so none is published
                    notes.append(f"line {row.line}: row {key} has more cells than columns")
                    printed = " ".join(t for t in tokens if t.strip())
                    cells = [Cell(printed, None, readable=False) for _ in group.columns]
            cells += [None] * (len(group.columns) - len(cells))
            kinds = [column_kind(template.spec("active_disclosure", "columns", col)) for col in group.columns]
            cells = [cell and fit_cell(cell, kind) for cell, kind in zip(cells, kinds, strict=True)]
            if row:
                row_lines[key] = row.line
                for col, cell in zip(group.columns, cells, strict=True):
                    note = cell_note(cell, row.line) | label_note(row)
                    if note.keys() - {"line"}:
                        cells_note[f"{key}.{col}" if not group.scalar else key] = note
            row_values = {col: value_of(c) for col, c in zip(group.columns, cells, strict=True)}
            values[key] = row_values[group.columns[0]] if group.scalar else row_values
    status = "ok" if row_lines and has_numbers(lines) else ("empty" if row_lines else "missing")
    found_lines = sorted(row_lines.values())
    return TableResult(values, status, found_lines[:1] + found_lines[-1:], row_lines, cells_note, notes)


def flat_address(_unit: str, column: str) -> Address:
    """The cell address of a column "row.column" of table C's one unit of fifteen cells: (row, column)."""
    row, col = column.split(".")
    return row, col


def lost_cells(row: Row, tokens: list[str], width: int) -> bool:
    """Whether a table A row read without a grid printed fewer cells than its `width` columns, so that where each
    number belongs is unknown: a stream row that more than one reading fits, or a text row with fewer value cells
    than columns (blank cells dropped: `行政规范性文件<TAB>4` may be 4 in any of three columns). A row whose
    separators kept its blank cells (`4<TAB><TAB>`) is read by position."""
    if width < 2:
        return False
    if row.runs:
        return stream_layouts(tokens, width, row.runs == "glued") is not None
    printed = [t for t in row.tokens if t.strip()]
    return 0 < len(printed) and len(row.tokens) < width


def read_stream_active_row(row: Row, tokens: list[str], group) -> tuple[dict, dict]:
    """A table A row with fewer cells than columns (lost_cells: a stream's `行政许可11315`, a text row whose blank
    cells were dropped): read every way the text allows; table A has no sums, so a cell more than one reading
    fits is null with every reading."""
    placed, notes, _ = place_rows({row.key: tokens}, list(group.columns), (), runs={row.key: row.runs})
    cell_notes = {name: {"line": row.line, **note, **label_note(row)} for name, note in notes.items()}
    return placed[row.key], cell_notes


def read_review(lines: list[Line], template: Template) -> TableResult:
    """Given the lines of table C (四、政府信息公开行政复议、行政诉讼情况) and the template, return its TableResult:
    {review, litigation_direct, litigation_after_review: [upheld, corrected, other, pending, total]}, read as the
    fifteen numbers in one row (or continued over lines) after the header lines: by position when that row kept
    its grid (review_by_grid), else with cells whose place was lost placed by the rule that each 总计 is the sum
    of the other four. Status empty or missing without numbers."""
    columns = list(template.columns("review_litigation"))
    row_keys = list(template.rows("review_litigation", "2021"))
    tokens, token_lines, kinds = [], [], set()
    for ln in lines:
        value_cells = split_spaced_numbers(split_label(ln.cells)[1])
        if any(holds_number(c) for c in value_cells):
            tokens += trim(value_cells)
            token_lines.append(ln.number)
            kinds.add(stream_runs(ln))
    if not tokens:
        status = "empty" if lines else "missing"
        span = [lines[0].number, lines[-1].number] if lines else []
        return TableResult({k: [None] * len(columns) for k in row_keys}, status, span)
    # The fifteen cells are one unit whose columns are "row.column"; C1 holds within each row.
    flat = [f"{k}.{c}" for k in row_keys for c in columns]
    eqs = equations(template, "review_litigation", "2021")
    by_grid, extras = review_by_grid(lines, len(flat)), {}
    if by_grid:
        placed = {"C": {col: value_of(c) for col, c in zip(flat, by_grid, strict=True)}}
        notes = grid_notes("C", flat, by_grid, any(ln.ocr for ln in lines))
    else:
        runs = "glued" if "glued" in kinds else "spaced" if "spaced" in kinds else ""
        placed, notes, extras = place_rows({"C": tokens}, flat, eqs, flat_address, {"C": runs})
    values = {k: [placed["C"][f"{k}.{c}"] for c in columns] for k in row_keys}
    line = token_lines[0]
    cells = {name.removeprefix("C."): {"line": line, **note} for name, note in notes.items()}
    messages = [f"line {line}: more than {len(flat)} numbers; not placed: {', '.join(x)}" for x in extras.values()]
    if any(n.get("position") == "ambiguous" for n in notes.values()):
        messages.append(f"line {line}: cells were lost in conversion and more than one placement fits the sums")
    return TableResult(values, "ok", [token_lines[0], token_lines[-1]], dict.fromkeys(row_keys, line), cells, messages)


def review_by_grid(lines: list[Line], width: int) -> list[Cell | None] | None:
    """Table C read by its grid when its numbers are one row of a table whose grid was kept:
    a cell or None for each of the `width` columns; else None."""
    numbered = [ln for ln in lines if any(holds_number(c) for c in split_label(ln.cells)[1])]
    spans = line_spans(numbered[0], split_label(numbered[0].cells)[1]) if len(numbered) == 1 else None
    edges = grid_edges([spans], [], [()] * width, not numbered[0].ocr) if spans else None
    return spans_to_cells(spans, edges) if edges else None


def grid_notes(key: str, columns: list[str], cells: list[Cell | None], ocr: bool) -> dict[str, dict]:
    """The notes on a row read by its grid: {"key.column": note} for raw text that differs from its
    number or cannot be read, and every number read by OCR marked `ocr`."""
    notes = {}
    for col, cell in zip(columns, cells, strict=True):
        note = cell_note(cell, None)
        if ocr and cell is not None and not cell.blank:
            note["ocr"] = True
        if note:
            notes[f"{key}.{col}"] = note
    return notes


def empty_result(table: str, version: str, template: Template, status: str, lines: list[Line]) -> TableResult:
    """Given a table key, template version, the template, a status (empty or missing) and the table's lines,
    return a TableResult with every cell of that version's rows None and `lines` [first, last] when any."""
    columns = template.columns(table)
    values = {k: dict.fromkeys(columns) for k in template.rows(table, version)}
    return TableResult(values, status, [lines[0].number, lines[-1].number] if lines else [])


def ocr_marks(key: str, result: TableResult, ocr_lines: set[int], columns: list[str]) -> dict[str, dict]:
    """Given a table's key, its TableResult, the numbers of the lines read by OCR and the table's columns (table
    C's rows are lists in that order), return {cell name: {"line", "ocr": True}} for every number of a row read
    from an OCR'd line, however it was placed (grid, sums, cell by cell): an OCR'd number is always marked."""
    marks = {}
    for row, value in result.values.items():
        line = result.row_lines.get(row)
        if line not in ocr_lines:
            continue
        if isinstance(value, dict):
            named = [(f"{key}.{row}.{col}", v) for col, v in value.items()]
        elif isinstance(value, list):
            named = [(f"{key}.{row}.{col}", v) for col, v in zip(columns, value, strict=False)]
        else:
            named = [(f"{key}.{row}", value)]
        marks |= {name: {"line": line, "ocr": True} for name, v in named if v is not None}
    return marks


def row_pages(row_lines: dict[str, int], pages: dict[int, int]) -> dict:
    """Given {row key: line} and {line: PDF page} (empty for formats without pages), return
    {"pages": {row key: page}} for the rows on a page, else {}: the page a row's link opens (#page=N)."""
    found = {key: pages[line] for key, line in row_lines.items() if line in pages}
    return {"pages": found} if found else {}


def locate_table(lines: tuple[Line, ...], spans: dict, key: str, template: Template) -> list[Line]:
    """The lines of a table: its section when the heading was found, else from its cue line (template.yaml
    `cue`) to the next heading."""
    cue = template.tables[key]["cue"]
    if key in spans:
        start, end = spans[key]
        return list(lines[start:end])
    for i, ln in enumerate(lines):
        if cue in normalize_label(ln.text):
            end = min((s for s, _ in spans.values() if s > i), default=len(lines))
            return list(lines[i:end])
    return []


# --- the report ---------------------------------------------------------------------------------


def parse_document(doc: Document, template: Template | None = None) -> dict:
    """Given a Document, return the report dict (see schema/report.schema.json): title, agency, year, template
    version (2021, 2019 or pre2019), the six sections' narrative, tables A, B and C under the template's keys,
    cell notes, source and notes. Raises ReportError when the document has no text, or no title naming the
    agency and the year."""
    template = template or load_template()
    lines = expand_streams(doc.lines, template)
    if not lines:
        raise ReportError(doc.path, "no text in the file")
    found = find_sections(lines, template)
    first_heading = min(found.values(), default=len(lines))
    title, title_agency, title_year, title_line = title_and_agency(lines, first_heading, doc.meta)
    agency, agency_source = agency_clues(lines, title_agency, doc.meta)
    year_in_body, year_line = body_year(lines)
    year = title_year or year_in_body
    if agency is None:
        raise ReportError(
            doc.path,
            "cannot tell the agency: no title names it (expected e.g. 'XX局2023年政府信息公开工作年度报告'),"
            " nor the body, the signature or a publisher line",
            "line 1",
        )
    if year is None:
        raise ReportError(doc.path, "cannot tell the year: neither the title nor the body states it", "line 1")
    version = detect_version(lines, year, template)
    spans = section_spans(found, len(lines))
    full_text = "\n".join(ln.text for ln in lines)
    contact, website = contact_details(full_text)
    date, date_line = signed_date(lines)
    notes = list(doc.notes)
    tables = {}
    if version != "pre2019":
        tables["active_disclosure"] = read_active(
            locate_table(lines, spans, "active_disclosure", template), version, template
        )
        tables["applications"] = read_applications(
            locate_table(lines, spans, "applications", template), version, template
        )
        tables["review_litigation"] = read_review(locate_table(lines, spans, "review_litigation", template), template)
    if version == "pre2019":
        sections = free_sections(lines, title_line, agency)
    else:
        sections = template_sections(lines, found, spans, template, agency)
    report = {
        "schema_version": SCHEMA_VERSION,
        "id": report_id(agency, year),
        "agency": agency,
        "year": year,
        "year_source": "title" if title_year else "body",
        "agency_source": agency_source,
        "title": title,
        "title_line": title_line,
        "year_in_body": year_in_body,
        "year_in_body_line": year_line,
        "template": version,
        "date_signed": date,
        "date_signed_line": date_line,
        "contact": contact,
        "website": website,
        "source": {
            "file": doc.path.rsplit("/", 1)[-1],
            "path": doc.path,
            "format": doc.format,
            "encoding": doc.encoding,
            "sha256": doc.meta.get("sha256"),
            "bytes": doc.meta.get("bytes"),
            **{k: doc.meta[k] for k in SOURCE_META if doc.meta.get(k)},
        },
        "sections": sections,
        "tables": {},
        "cells": {},
        "notes": notes,
    }
    pages = {ln.number: ln.page for ln in lines if ln.page}
    ocr_lines = {ln.number for ln in lines if ln.ocr}
    for key, result in tables.items():
        report[key] = result.values
        report["tables"][key] = {"status": result.status, "lines": result.lines, "rows": result.row_lines}
        report["tables"][key].update(row_pages(result.row_lines, pages))
        report["cells"].update({f"{key}.{name}": note for name, note in result.cells.items()})
        for name, mark in ocr_marks(key, result, ocr_lines, list(template.columns(key))).items():
            report["cells"][name] = {**mark, **report["cells"].get(name, {})}
        report["notes"] += [f"{key}: {n}" for n in result.notes]
    if version == "pre2019":
        report["pre2019_tables"] = [
            [list(ln.cells) for ln in lines if ln.table == t]
            for t in sorted({ln.table for ln in lines if ln.table is not None})
        ]
    return report
