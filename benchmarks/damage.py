"""Damage real reports the ways crawlers, converters and browsers do, read every variant, and count its numbers.

    .venv/bin/python benchmarks/damage.py [--no-pdf] [--kind KIND ...] [--show-wrong]

Each real report (the Pingtan web pages of 2020-2025, the five seeds) is first read clean: the HTML grid
reading, or the seed's tab-separated text, kept only when it passes the template's own arithmetic. Then each
damaged variant of it is written to a temporary file and read through `sources.read` and `parse_document`,
as the build would, and every number of the clean reading is compared:

    right   the same number
    null    no number, with a finding that says why (cell-ambiguous, cell-unreadable, row-missing, …)
    silent  no number and no finding (a loss the site does not explain)
    wrong   another number, or a number where the clean reading has a blank: must be none

The three real crawler dumps (cases/oneline_*) are measured against their hand-checked truth files. A variant
whose agency or year differs from the clean reading counts all its numbers wrong; a refused file counts them
silent. Results go to benchmarks/READING.md by hand.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder import sources  # noqa: E402
from builder.cells import read_cell  # noqa: E402
from builder.checks import check_report  # noqa: E402
from builder.model import ReportError, read_table  # noqa: E402
from builder.parse import parse_document  # noqa: E402
from builder.template import TABLE_KEYS, load_template  # noqa: E402

T = load_template()
REPORTS = ROOT / "data" / "reports"
CASES = ROOT / "tests" / "fixtures" / "cases"
HTML_REPORTS = sorted((REPORTS / "pingtan").glob("pingtan_20*.html"))
SEEDS = sorted(REPORTS.glob("0*.txt"))
# Findings that say a cell could not be read: the honest reasons for a null where a number was printed.
NULL_REASONS = {"cell-ambiguous", "cell-unreadable", "cell-unplaced", "cell-impossible", "row-missing"}
NULL_REASONS |= {"table-missing", "table-empty"}
CRAWLER_HEAD = "标题: {title}\n发布时间: 2024-01-09 19:52\n文号: \n发布机构: \n栏目: 政府信息公开年报\n"
CRAWLER_HEAD += "原文链接: https://www.example.gov.cn/zwgk/zfxxgknb/202401/t20240109_1.htm\n"
CRAWLER_HEAD += "==================== 正文 ====================\n"
FULL_WIDTH = str.maketrans({str(d): chr(0xFF10 + d) for d in range(10)})


@dataclass(frozen=True)
class Clean:
    """A report's clean reading: its name, agency, year, numbers {"table.row.column": value} and its lines
    as cell tuples without the title (`body`), with the title as printed."""

    name: str
    agency: str
    year: int
    numbers: dict
    title: str
    body: tuple[tuple[str, ...], ...]
    html: bytes | None = None


@dataclass(frozen=True)
class Variant:
    """One damaged file: its fault kind, the file's suffix and bytes, and the numbers it must give
    (the clean ones, or the clean ones with the cells the damage blanked set to None)."""

    kind: str
    suffix: str
    data: bytes
    numbers: dict


# --- the clean reading -----------------------------------------------------------------------------


def report_numbers(report: dict) -> dict:
    """Given a report dict, return its template numbers {cell path: value} (None where blank), read through the
    report model (builder.model: `table.row.column`, or `table.row` for a one-number row of table A)."""
    return {cell.path: cell.value for table in TABLE_KEYS for cell in (read_table(report, table).cells or {}).values()}


def clean_reading(path: Path) -> Clean | None:
    """Given a real report, return its clean reading, or None when it follows no template, or when a text report
    breaks its own arithmetic (its numbers are no truth to measure against). A web page's grid reading is the
    page as printed, kept even when the agency's own sums do not add up (pingtan_2020: B2)."""
    doc = sources.read(path)
    report = parse_document(doc)
    if report["template"] == "pre2019":
        return None
    sums = [f for f in check_report(report, T) if f["rule"].startswith(("B", "C")) and f["severity"] == "error"]
    if sums and doc.format != "html":
        print(f"{path.name}: breaks its own arithmetic ({len(sums)}); not used", file=sys.stderr)
        return None
    if sums:  # a grid reading is the page as printed: kept, and its damaged copies cannot lean on the sums
        print(f"{path.name}: the page as printed breaks its own arithmetic ({len(sums)}); kept", file=sys.stderr)
    title_line = report["title_line"]
    body = tuple(ln.cells for ln in doc.lines if ln.number != title_line)
    html = path.read_bytes() if doc.format == "html" else None
    return Clean(path.stem, report["agency"], report["year"], report_numbers(report), report["title"], body, html)


# --- the damage ------------------------------------------------------------------------------------


def is_number(cell: str) -> bool:
    """Whether a cell prints a bare number (what a table's value cell holds)."""
    return bool(re.fullmatch(r"[\d.,]+", cell.strip()))


def text_file(title: str | None, lines: list[str], crawler: str | None = None) -> bytes:
    """A text file of the lines under a title line (none when None), after a crawler's metadata lines."""
    head = CRAWLER_HEAD.format(title=crawler) if crawler else ""
    return (head + "\n".join(([title] if title else []) + lines) + "\n").encode("utf-8")


def join_cells(cells: tuple[str, ...], sep: str, keep_blank: bool = False) -> str:
    """A line's cells joined by `sep`; blank cells leave no trace unless `keep_blank`."""
    return sep.join(c.strip() for c in cells if keep_blank or c.strip())


def blank_zeros(body) -> tuple[tuple[tuple[str, ...], ...], set[int]]:
    """The body with every `0` value cell printed blank, and the indexes of the lines changed."""
    out, changed = [], set()
    for i, cells in enumerate(body):
        new = tuple("" if read_cell(c).value == 0 else c for c in cells)
        if new != cells and len(cells) > 1:
            changed.add(i)
            out.append(new)
        else:
            out.append(cells)
    return tuple(out), changed


def zeros_null(numbers: dict) -> dict:
    """The numbers expected when every 0 was printed blank: each 0 null."""
    return {k: (None if v == 0 else v) for k, v in numbers.items()}


def typo(label: str, rng: random.Random, how: str) -> str:
    """A row label with one character (not its ordinal) dropped or replaced by a like-looking one."""
    start = re.match(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.．、])?", label).end()
    if len(label) - start < 4:
        return label
    i = rng.randrange(start + 1, len(label) - 1)
    if how == "drop":
        return label[:i] + label[i + 1 :]
    return label[:i] + rng.choice("止正王日曰人入己已") + label[i + 1 :]


def typo_body(body, rng: random.Random, how: str, count: int = 3) -> tuple[tuple[str, ...], ...]:
    """The body with the last label cell of `count` table rows (lines ending with numbers) misspelt."""
    rows = [i for i, cells in enumerate(body) if len(cells) > 1 and is_number(cells[-1]) and not is_number(cells[0])]
    chosen = set(rng.sample(rows, min(count, len(rows))))
    out = []
    for i, cells in enumerate(body):
        if i in chosen:
            last = max(j for j, c in enumerate(cells) if c.strip() and not is_number(c))
            cells = (*cells[:last], typo(cells[last], rng, how), *cells[last + 1 :])
        out.append(cells)
    return tuple(out)


def html_blank_zeros(html: bytes) -> bytes:
    """The page with every table cell that prints only 0 printed `&nbsp;` (a blank cell)."""
    import lxml.html

    tree = lxml.html.document_fromstring(html.decode("utf-8"))
    for td in tree.iter("td"):
        if read_cell(td.text_content()).value == 0:
            for child in list(td):
                td.remove(child)
            td.text = "\xa0"
    return lxml.html.tostring(tree, encoding="unicode").encode("utf-8")


def title_forms(clean: Clean) -> dict[str, str]:
    """The title in the forms real files print it: a cover letter, the year first, full-width digits, a page
    title with the site's name after it, a title over 60 characters."""
    agency, year = clean.agency, clean.year
    return {
        "title-cover-letter": f"关于报送{agency}{year}年度政府信息公开工作年度报告的函",
        "title-year-first": f"{year}年{agency}政府信息公开工作年度报告",
        "title-fullwidth": f"{agency}{str(year).translate(FULL_WIDTH)}年度政府信息公开工作年度报告",
        "title-site-suffix": f"{agency}{year}年度政府信息公开工作年度报告_政府信息公开年报_{agency}党工委管委会",
        "title-long": f"{agency}{year}年度政府信息公开工作年度报告（根据中华人民共和国政府信息公开条例和上级政务公开"
        "工作要点编制并向社会公开发布）",
    }


def variants(clean: Clean, rng: random.Random) -> Iterator[Variant]:
    """Every damaged variant of a clean report (see the module's docstring for the kinds)."""
    body, numbers, title = clean.body, clean.numbers, clean.title
    yield Variant("clean-text (tabs)", ".txt", text_file(title, [join_cells(c, "\t", True) for c in body]), numbers)
    for kind, sep in (("oneline-glued", ""), ("oneline-spaced", " ")):
        page = " ".join(join_cells(c, sep) for c in body)
        yield Variant(kind, ".txt", text_file(None, [title + " " + page], crawler=title), numbers)
    zeroed, _ = blank_zeros(body)
    page = " ".join(join_cells(c, "") for c in zeroed)
    yield Variant("oneline-glued, zeros blank", ".txt", text_file(None, [page], crawler=title), zeros_null(numbers))
    page = " ".join(join_cells(c, " ") for c in zeroed)
    yield Variant("oneline-spaced, zeros blank", ".txt", text_file(None, [page], crawler=title), zeros_null(numbers))
    yield Variant("layout (pdftotext)", ".txt", text_file(title, [join_cells(c, "    ") for c in body]), numbers)
    yield Variant("tab lost (one space)", ".txt", text_file(title, [join_cells(c, " ") for c in body]), numbers)
    lines = [join_cells(c, "\t") for c in zeroed]
    yield Variant("blank cells dropped", ".txt", text_file(title, lines), zeros_null(numbers))
    lines = [join_cells(c, " ") for c in zeroed]
    yield Variant("blank cells dropped, spaced", ".txt", text_file(title, lines), zeros_null(numbers))
    for how in ("drop", "replace"):
        for _ in range(2):
            lines = [join_cells(c, "\t", True) for c in typo_body(body, rng, how)]
            yield Variant(f"label typo ({how})", ".txt", text_file(title, lines), numbers)
    tab_lines = [join_cells(c, "\t", True) for c in body]
    for kind, form in title_forms(clean).items():
        yield Variant(kind, ".txt", text_file(form, tab_lines), numbers)
    yield Variant("title only in metadata", ".txt", text_file(None, tab_lines, crawler=title), numbers)
    if clean.html:
        yield from html_variants(clean)


def html_variants(clean: Clean) -> Iterator[Variant]:
    """The web page with an XML declaration, with a wrong declared charset, with its zeros printed `&nbsp;`."""
    html, numbers = clean.html, clean.numbers
    yield Variant("html <?xml> declaration", ".html", b'<?xml version="1.0" encoding="utf-8"?>\n' + html, numbers)
    wrong = re.sub(rb"charset=[\"']?[\w-]+", b"charset=gb2312", html, count=1, flags=re.I)
    if wrong == html:
        wrong = html.replace(b"<head>", b'<head><meta charset="gb2312">', 1)
    yield Variant("html wrong declared charset", ".html", wrong, numbers)
    yield Variant("html &nbsp; blank cells", ".html", html_blank_zeros(html), zeros_null(numbers))


def print_pdf(html_path: Path, cache: Path) -> bytes | None:
    """The page printed to PDF by headless Chromium (cached by name), or None when Chromium is missing."""
    out = cache / (html_path.stem + ".pdf")
    if not out.exists():
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", "--timeout=15000"]
        try:
            subprocess.run([*cmd, html_path.resolve().as_uri()], capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    return out.read_bytes() if out.exists() else None


# --- measuring -------------------------------------------------------------------------------------


def has_reason(findings: list[dict], name: str) -> bool:
    """Whether a finding explains why cell `name` ("table.row.column") has no number."""
    table, row, *column = name.split(".")
    if table == "review_litigation" and column and column[0].isdigit():  # a truth file's column index
        column = [T.columns("review_litigation")[int(column[0])]]
    return any(
        f["rule"] in NULL_REASONS
        and f["table"] in (table, None)
        and f["row"] in (row, None)
        and f["column"] in (*column, None)
        for f in findings
    )


def measure(report: dict | None, expected: dict) -> tuple[Counter, list]:
    """Given a report (None: refused) and its right numbers, return (Counter of right/null/silent/wrong over the
    cells that print a number, [(cell, right, read)] of the wrong ones); a number where a blank is printed is wrong."""
    counts, wrong = Counter(), []
    if report is None:
        counts["silent"] += sum(1 for v in expected.values() if v is not None)
        return counts, wrong
    findings = check_report(report, T)
    got = report_numbers(report)
    for name, want in expected.items():
        value = got.get(name)
        if value is None and want is None:
            continue  # a blank read as blank (or its row not found: nothing claimed); not counted
        if value == want:
            counts["right"] += 1
        elif value is None:
            counts["null" if has_reason(findings, name) else "silent"] += 1
        else:
            counts["wrong"] += 1
            wrong.append((name, want, value))
    return counts, wrong


def read_variant(variant: Variant, folder: Path, name: str) -> tuple[dict | None, str]:
    """Write a variant to a file and read it as the build does: (report or None, why refused)."""
    path = folder / f"{name}{variant.suffix}"
    path.write_bytes(variant.data)
    try:
        return parse_document(sources.read(path)), ""
    except ReportError as exc:
        return None, exc.message


def run_variant(variant: Variant, clean_id: tuple[str, int], folder: Path, name: str, totals, wrongs) -> None:
    """Read one variant, measure it, and add its counts (and its wrong cells) to the totals of its kind."""
    report, refused = read_variant(variant, folder, name)
    counts, wrong = measure(report, variant.numbers)
    tally = totals[variant.kind]
    tally["files"] += 1
    if report is None:
        tally["refused"] += 1
        wrongs[variant.kind].append((name, "refused", refused, ""))
    elif (report["agency"], report["year"]) != clean_id:
        tally["title wrong"] += 1
        wrongs[variant.kind].append((name, "agency/year", clean_id, (report["agency"], report["year"])))
        counts = Counter({"wrong": sum(1 for v in variant.numbers.values() if v is not None)})
    tally.update(counts)
    wrongs[variant.kind] += [(name, *w) for w in wrong]


def truth_variants() -> Iterator[tuple[str, tuple[str, int], Variant]]:
    """The three real crawler dumps with their hand-checked truth (cases README: keys mapped to the project's)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from tests.test_stream import truth_cells  # the truth files' key map lives with their test

    for dump in sorted(CASES.glob("oneline_*.txt")):
        truth = json.loads(dump.with_suffix(".truth.json").read_text(encoding="utf-8"))
        numbers = {}
        for name, value in truth_cells(truth).items():
            table, row, *col = name.split(".")
            if table == "review_litigation" and col[0].isdigit():
                name = f"{table}.{row}.{T.columns(table)[int(col[0])]}"
            numbers[name] = value
        ident = (truth["agency"], truth["year"])
        yield dump.stem, ident, Variant("real crawler dump (truth)", ".txt", dump.read_bytes(), numbers)


def main(argv: list[str] | None = None) -> int:
    """Run every variant of every report; print a table per fault kind and, with --show-wrong, each wrong cell."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pdf", action="store_true", help="skip the Chromium-printed PDFs")
    parser.add_argument("--kind", action="append", help="only variants whose kind starts with this")
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong or refused cell")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    totals: dict[str, Counter] = defaultdict(Counter)
    wrongs: dict[str, list] = defaultdict(list)
    cache = ROOT / ".cache" / "damage"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs: list[tuple[str, tuple[str, int], Variant]] = list(truth_variants())
        for path in [*HTML_REPORTS, *SEEDS]:
            clean = clean_reading(path)
            if clean is None:
                continue
            ident = (clean.agency, clean.year)
            jobs += [(f"{clean.name}.{n}", ident, v) for n, v in enumerate(variants(clean, rng))]
            if clean.html and not args.no_pdf:
                pdf = print_pdf(path, cache)
                if pdf:
                    jobs.append(
                        (f"{clean.name}.pdf", ident, Variant("chromium print to PDF", ".pdf", pdf, clean.numbers))
                    )
        for name, ident, variant in jobs:
            if args.kind and not variant.kind.startswith(tuple(args.kind)):
                continue
            run_variant(variant, ident, folder, name, totals, wrongs)
    print_table(totals)
    if args.show_wrong:
        for kind, items in wrongs.items():
            for item in items:
                print(kind, *item, sep="\t")
    return 0


def print_table(totals: dict[str, Counter]) -> None:
    """Print the counts per fault kind as a Markdown table, with a total line."""
    cols = ("files", "refused", "title wrong", "right", "null", "silent", "wrong")
    print("| fault kind | " + " | ".join(cols) + " | right share |")
    print("|---" * (len(cols) + 2) + "|")
    grand = Counter()
    for kind, tally in totals.items():
        grand.update(tally)
        print(row_text(kind, tally, cols))
    print(row_text("**all**", grand, cols))


def row_text(kind: str, tally: Counter, cols: tuple[str, ...]) -> str:
    """One line of the table: the counts and the share of cells read right."""
    cells = sum(tally[c] for c in ("right", "null", "silent", "wrong"))
    share = f"{100 * tally['right'] / cells:.1f}%" if cells else "-"
    return f"| {kind} | " + " | ".join(str(tally[c]) for c in cols) + f" | {share} |"


if __name__ == "__main__":
    sys.exit(main())
