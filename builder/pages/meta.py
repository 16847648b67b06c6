"""Pure: what a page says about itself and its source: titles, descriptions, front matter, citations,
the provenance of a report's file, and whose a finding is (the agency's report or the site's reading)."""

from __future__ import annotations

import html
import re
import urllib.parse

import yaml
from markupsafe import Markup

from builder.pages import escape_text
from builder.template import load_template

REPORT_TITLE = "{agency} {year}年政府信息公开工作年度报告"

# Whose a finding is, in plain Chinese first. Rules not named here are notes for readers (context).
FAULT_RULES = {
    "report": {
        *load_template().arithmetic_rules(),
        "signed-before-year-end",
        "signed-late",
        "title-year-mismatch",
        "narrative-contradiction",
        "carryover-mismatch",
        "copy-previous-year",
        "copy-same-year",
        "table-empty",
    },
    "reading": {"cell-inferred", "cell-ambiguous", "cell-unreadable", "cell-unplaced"},
    "missing": {"table-missing", "section-missing", "row-missing"},
}
FAULT_NAMES = {
    "report": "报告自身的问题 The agency's report",
    "reading": "本站读取的问题 The site's reading",
    "missing": "缺失 Missing",
    "note": "说明 Note",
}
FAULT_EXPLAINED = {
    "report": "机关公布的报告本身前后不一致（数字对不上，或日期、标题不合常理）。本站照原样发布，不作更正。"
    " The agency's published report contradicts itself; the site shows it as printed.",
    "reading": "原文转换时丢失了格子或字符，本站读出的这一格不确定。数字以原文为准。"
    " The file lost cells in conversion; the site is not sure of its reading of this cell.",
    "missing": "报告中没有这一部分，或本站未能找到它；相应的格子留空，不记为 0。"
    " Not in the report, or the site could not find it; its cells are blank, not 0.",
    "note": "供读者参考的背景说明，不是错误。 Context for readers, not an error.",
}

READING = {
    "text": "纯文本，逐行读取 plain text, line by line",
    "html": "网页，按表格的行和格读取 web page, tables read row by row, cell by cell",
    "pdf": "PDF 文字层，按位置读取表格 PDF text layer, tables read by position",
    "docx": "Word 文档，按表格的行和格读取 Word document, tables read row by row, cell by cell",
}


def finding_fault(rule: str, report: dict | None = None) -> str:
    """Given a rule id (and the report it was found on), return whose the finding is: report, reading, missing
    or note. On a report read by OCR, a sum that does not add up or a table without numbers is the site's
    reading until a person checks the scan: OCR drops and misreads digits, the agency's print may be right."""
    fault = next((fault for fault, rules in FAULT_RULES.items() if rule in rules), "note")
    if fault == "report" and report is not None and read_by_ocr(report) and rule in OCR_SENSITIVE:
        return "reading"
    return fault


# Findings about the numbers themselves, which OCR can cause: see finding_fault.
OCR_SENSITIVE = {*load_template().arithmetic_rules(), "table-empty", "carryover-mismatch"}


def read_by_ocr(report: dict) -> bool:
    """True when the report's text was read by OCR (a scan, or a PDF whose fonts have no Unicode map)."""
    return any(str(n).startswith("read by OCR") for n in report.get("notes", []))


def report_title(report: dict) -> str:
    """The title of a report page and its citation (plain text, not escaped)."""
    return REPORT_TITLE.format(agency=report["agency"], year=report["year"])


def front_matter(meta: dict) -> str:
    """YAML front matter for a generated page. Every string is HTML-escaped here, because the theme
    prints page.title and page.meta values as they are (mkdocs' Jinja does not autoescape)."""

    def escaped(value):
        if isinstance(value, str):
            return html.escape(value, quote=True)
        if isinstance(value, dict):
            return {k: escaped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [escaped(v) for v in value]
        return value

    body = yaml.safe_dump(escaped(meta), allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{body}---\n\n"


def http_link(url: str | None, text: str | None = None) -> Markup | None:
    """An <a> to an address from a report's metadata (untrusted): only http(s) addresses, quoted so
    that nothing in them can leave the attribute or break a Markdown table; None for anything else."""
    if not url or not re.match(r"https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return None
    href = urllib.parse.quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")
    href = href.replace("|", "%7C").replace("'", "%27").replace("(", "%28").replace(")", "%29")
    label = escape_text(text or url.strip())
    return Markup(f'<a href="{html.escape(href, quote=True)}" rel="nofollow noopener">{label}</a>')


def reading_method(report: dict) -> str:
    """How the site read a report's file: the reader, and OCR when a scan had no text layer."""
    source = report["source"]
    if read_by_ocr(report):
        return "光学字符识别（OCR，扫描件或无法读取的文字层）：每个数字都可能读错 read by OCR: any number may be wrong"
    return READING.get(source.get("format"), str(source.get("format", "")))


def date_part(value: str | None) -> str | None:
    """Given a date or timestamp as text (`2024-01-20T08:00:00Z`), return its date part `2024-01-20`, or None."""
    return str(value)[:10] if value else None


def tex(value: str) -> str:
    """Text safe inside a BibTeX braced field."""
    return re.sub(r"([\\{}%&#$_^~])", lambda m: "\\" + m.group(1) if m.group(1) not in "\\^~" else " ", value)


def citation(report: dict) -> dict:
    """A report page's citation, for the theme's "cite this page" box (docs/overrides/partials/cite.html).

    GB/T 7714-2015 for an electronic resource: 责任者. 题名[EB/OL]. (发布日期)[引用日期]. 网址.
    The page's address and the access date are filled in by the theme (URL_MARK, DATE_MARK)."""
    title = report_title(report)
    published = date_part(report["source"].get("published")) or date_part(report.get("date_signed"))
    year = (published or "")[:4]
    gb = f"{report['agency']}. {title}[EB/OL]. " + (f"({published})" if published else "")
    fields = [
        ("author", "{" + tex(report["agency"]) + "}"),
        ("title", "{" + tex(title) + "}"),
        *([("year", year)] if year else []),
        ("url", URL_MARK),
        ("urldate", DATE_MARK),
        ("note", tex(f"据{report['agency']}公布的原文整理 Transcribed from the agency's published report")),
    ]
    bibtex = f"@misc{{{report['id']},\n" + ",\n".join(f"  {k} = {{{v}}}" for k, v in fields) + "\n}"
    return {"title": title, "agency": report["agency"], "year": report["year"], "gb": gb, "bibtex": bibtex}


URL_MARK = "@@URL@@"
DATE_MARK = "@@DATE@@"


def key_figures(figures: list[tuple[str, int | None]]) -> str:
    """'新收申请 12 件，予以公开 5 件' from (label, value) pairs, leaving out the unknown ones."""
    return "，".join(f"{label} {value} 件" for label, value in figures if value is not None)
