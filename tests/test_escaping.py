"""Report text never becomes markup: escape_text in every Markdown context, and whole generated pages."""

import copy
import re
from functools import cache

import markdown
import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import sources
from builder.pages import escape_paragraphs, escape_text
from builder.parse import parse_document
from builder.template import load_template
from tests.conftest import ROOT, SEEDS

MARK = "zqx"  # every hostile payload carries it, so anything it turns into can be found
HOSTILE = [
    "<script>zqx()</script>",
    "<img src=x onerror=zqx()>",
    "<zqx-tag>t</zqx-tag>",
    "[zqx](javascript:zqx())",
    "![zqx](http://e/zqx.png)",
    "<https://zqx.example/>",
    "https://zqx.example/raw",
    "{{ zqx }}",
    "{% if zqx %}x{% endif %}",
    "**zqxb**",
    "_zqxi_",
    "`zqxc`",
    "~~~zqxf",
    "```zqxf",
    "# zqxh",
    "- zqxl",
    "1. zqxo",
    "> zqxq",
    "---",
    "===",
    "{: .zqx onclick=zqx }",
    "{#zqx}",
    "{: #zqx .zqx }",
    '!!! danger "zqx"',
    "!!! zqx",
    "&lt;zqx&gt;",
    "&#60;zqx&#62;",
    "&amp;",
    "| zqx | zqx |",
    "    zqx indented",
    "\tzqx tab",
    "zqx  ",
    "\r# zqx",
    "\n- zqx",
    "\u2028# zqx",
    "\x0c# zqx",
    "\x02wzxhzdk:0\x03",
    "\x00zqx",
    "<!-- zqx -->",
    "-->",
    "<![CDATA[zqx]]>",
    'x" onmouseover="zqx',
    "x' onfocus='zqx",
    "[zqx]: http://zqx.example",
    "*[zqx]: abbr",
    "[^zqx]",
    "<zqx@example.com>",
    "\\<zqx\\>",
    "</td><td>zqx",
    "</script><script>zqx()</script>",
    "javascript:zqx()",
]
SPECIALS = "<>&\"'[](){}#*_!|`~-+=:.\\/ \t\n\r\u3000\u2028" + "abc123政府信息公开"


def md_extensions() -> tuple[list, dict]:
    """The site's Markdown extensions: mkdocs.yml's plus what MkDocs always adds (toc, tables, fenced_code)."""
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=loader)
    names, configs = ["toc", "tables", "fenced_code"], {}
    for entry in config.get("markdown_extensions", []):
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        if name not in names:
            names.append(name)
        configs[name] = options or {}
    return names, configs


EXTENSIONS, EXTENSION_CONFIGS = md_extensions()


def to_html(text: str) -> str:
    """A page's Markdown as MkDocs renders it: the YAML front matter is taken off first (its values,
    HTML-escaped by builder/pages/meta.py, go to the theme: tests/test_site_meta.py)."""
    body = re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.S)
    return markdown.markdown(body, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)


def shown(value: str) -> str:
    """The text a value should show as: what escape_text keeps, with whitespace runs as one space."""
    value = re.sub(r"[\x00-\x08\x0e-\x1b\x1f\x7f]", "\ufffd", value)
    return " ".join(value.split())


def leaks(html: str, values: list[str] = ()) -> list[str]:
    """Given built HTML and the report text put into it, return every way that text became markup:
    an element or attribute carrying the marker, an event handler, a script link, or a value
    that does not show literally."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for el in soup.find_all(True):
        if MARK in el.name or (el.name in ("script", "style", "iframe", "object", "embed") and MARK in str(el)):
            found.append(f"element <{el.name}>")
        for key, value in el.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            toc_anchor = (key == "id" and re.fullmatch(r"h[1-6]", el.name)) or (
                key == "href" and "headerlink" in el.get("class", []) and value.startswith("#")
            )
            # our own links are built from slugs ([a-z0-9-]), which may spell the marker: that is not markup (the
            # viewer of a file's lines names its file after ?f=)
            slug_link = key in ("href", "src") and re.fullmatch(
                r"(https?://[^/\s]+/)?[a-z0-9_./#=-]*(\?f=[a-z0-9_./-]+)?(#L\d+)?", value
            )
            # a <meta> tag's content (description, Open Graph title) is plain text to every reader of it
            meta_text = el.name == "meta" and key == "content"
            if (
                MARK in key.lower()
                or key.lower().startswith("on")
                or (MARK in value.lower() and not (toc_anchor or slug_link or meta_text))
            ):
                found.append(f"attribute {key}={value!r} on <{el.name}>")
            if toc_anchor and not re.fullmatch(r"#?[\w-]*", value):
                found.append(f"heading anchor {value!r}")
            if key in ("href", "src") and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                found.append(f"{key}={value!r}")
        if (
            el.name == "div"
            and "admonition" in el.get("class", [])
            and MARK in el.find(class_="admonition-title", string=True).__str__()
        ):
            found.append("admonition from report text")
    text = " ".join(soup.get_text().split())
    found += [f"not shown literally: {v!r}" for v in values if shown(v) not in text]
    return found


# Every Markdown context the page templates put a value in.
CONTEXTS = [
    "{}\n",
    "**1** {}\n",
    "# {} 年度报告\n",
    "## 表A {} {{ #table-A }}\n",
    "| a | b |\n|---|---|\n| {} | x |\n",
    '!!! warning "t"\n\n    - {}\n',
    "- [{}](../x/)\n",
    "<small>Source: {}, lines 1–2</small>\n",
    "text before\n{}\n",
    "<!-- generated from {}; edit -->\n# T\n",
]


def markup_from_text(text: str) -> list[str]:
    """Given report text, return how it leaked as markup in any context (empty when all is well)."""
    out = []
    for context in CONTEXTS:
        html = to_html(context.format(escape_text(text)))
        out += [f"{context!r}: {leak}" for leak in leaks(html, [text] if "<!--" not in context else [])]
    html = to_html(escape_paragraphs(text) + "\n")
    out += [f"paragraphs: {leak}" for leak in leaks(html)]
    return out


@st.composite
def hostile_text(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(SPECIALS, max_size=12)), min_size=1, max_size=5))
    return "".join(parts)


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_hostile_payload_is_inert_in_every_context(payload):
    assert markup_from_text(payload) == []
    assert markup_from_text(f"固原市{payload}卫生健康委") == []


def test_the_checker_sees_markup_when_text_is_not_escaped():
    assert leaks(to_html("<img src=x onerror=zqx()>\n"))
    assert leaks(to_html("**zqxb**\n"), ["**zqxb**"])
    assert leaks(to_html('!!! danger "zqx"\n'))
    assert leaks(to_html("# a { .zqx }\n"))


@pytest.mark.slow  # a long property search
@settings(max_examples=300, deadline=None)
@given(hostile_text())
def test_random_report_text_never_becomes_markup(text):
    assert markup_from_text(text) == []


# --- whole pages: hostile text in a real report, through the site's page generation -----------------


@cache
def seed_report() -> dict:
    return parse_document(sources.read(SEEDS[3], SEEDS[3].name))


def site_markdown(report: dict, failed: list[dict]) -> dict[str, str]:
    from builder.agencies import REGISTRY, load_registry
    from builder.build import enrich
    from builder.pages import site

    template = load_template()
    registry, counts = enrich([report], load_registry(REGISTRY), template)
    return site.site_pages([report], failed, template, counts)


def hostile_report(agency, lead, note, raw, file) -> dict:
    report = copy.deepcopy(seed_report())
    report["agency"] = agency
    report["sections"][0]["lead"] = lead
    report["sections"][0]["text"] = lead
    report["notes"] = [note]
    report["cells"] = {"applications.granted.research": {"raw": raw, "line": 54}}
    report["source"] = {**report["source"], "file": file, "path": file}
    report["website"] = raw
    return report


@pytest.mark.slow  # a long property search
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text(), hostile_text(), hostile_text(), hostile_text(), hostile_text())
def test_hostile_report_text_never_becomes_markup_on_any_page(agency, lead, note, raw, file):
    report = hostile_report(agency + "局", lead or "x", note or "x", raw or "x", (file or "x") + ".txt")
    pages = site_markdown(report, [{"file": file + ".pdf", "error": note}])
    report_pages = [path for path in pages if path.endswith(f"/{report['year']}.md")]
    assert len(report_pages) == 1, sorted(pages)  # the page that must show the agency and the note literally
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        # parser notes stay in the JSON, off the public pages (issue 13); the agency's name is shown
        shown_here = [report["agency"]] if path in report_pages else []
        assert leaks(to_html(text), shown_here) == [], path
    assert leaks(to_html(pages["problems.md"]), [file + ".pdf", note]) == []


def test_fixed_hostile_report_pages_are_inert():
    payload = "".join(HOSTILE[:12])
    report = hostile_report(f"固原市{payload}卫生健康委", payload, payload, payload, payload + ".txt")
    pages = site_markdown(report, [{"file": payload + ".pdf", "error": payload}])
    for path, text in pages.items():
        if path.endswith(".md"):
            assert leaks(to_html(text)) == [], path
