"""builder/pages/rawblocks.py: a source page's numbered lines give the same HTML with the extension as without."""

from __future__ import annotations

import markdown

from builder import sources
from builder.build import source_lines
from builder.pages import reportpage
from builder.parse import parse_document
from tests.test_escaping import EXTENSION_CONFIGS, EXTENSIONS, HOSTILE
from tests.test_trace import HOSTILE_LINE, TEXT_SEED

WITHOUT = [name for name in EXTENSIONS if name != "builder.pages.rawblocks"]


def page_body(lines: list[tuple[int, tuple[str, ...]]]) -> str:
    """The Markdown of the seed report's source page with `lines`, without its front matter."""
    report = parse_document(sources.read(TEXT_SEED, TEXT_SEED.name))
    report["page"] = "ningxia/zhongwei/shapotou/weijian/2023"
    return reportpage.render_source(report, lines).split("---\n", 2)[2]


def html(text: str, extensions: list[str]) -> str:
    """`text` as Python-Markdown renders it with `extensions` (and mkdocs.yml's options)."""
    configs = {k: v for k, v in EXTENSION_CONFIGS.items() if k in extensions}
    return markdown.markdown(text, extensions=extensions, extension_configs=configs)


def test_the_site_uses_the_extension():
    assert "builder.pages.rawblocks" in EXTENSIONS


def test_the_seed_file_page_is_the_same_html_with_and_without_the_extension():
    report = parse_document(sources.read(TEXT_SEED, TEXT_SEED.name))
    body = page_body(source_lines(TEXT_SEED, report))
    assert body.count('<div class="source-line"') > 50
    assert html(body, EXTENSIONS) == html(body, WITHOUT)


def test_hostile_lines_are_the_same_html_with_and_without_the_extension():
    lines = [(1, ("标题",)), (2, (HOSTILE_LINE,)), (3, ("</div>", "", "</div>"))]
    lines += [(4 + i, (text, "<div>")) for i, text in enumerate(HOSTILE)]
    body = page_body(lines)
    assert html(body, EXTENSIONS) == html(body, WITHOUT)


def test_a_page_without_lines_is_the_same_html_with_and_without_the_extension():
    body = page_body([])
    assert html(body, EXTENSIONS) == html(body, WITHOUT)


def test_a_block_without_its_closing_line_is_left_to_markdown():
    text = '<div class="source-lines">\n<div class="source-line" id="L1">x</div>\n\n*y*\n'
    assert html(text, EXTENSIONS) == html(text, WITHOUT)
