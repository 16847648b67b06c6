"""A Markdown extension (mkdocs.yml's markdown_extensions) that hands the numbered-lines block of a source page
(source.md.j2) to the output as it is, without Python-Markdown's HTML parser.

The block is HTML the builder wrote (every text in it escaped by builder.pages.escape_text), one
`<div class="source-line">` per line of the report's file: some 400 tags a page, which Python-Markdown's raw HTML
preprocessor (md_in_html's) parses tag by tag only to store the same text again. That took about 40 % of
MkDocs' Markdown time over the N = 300 benchmark corpus. Storing the block in Markdown's HTML stash before that
preprocessor runs gives the same HTML, byte for byte (tests/test_rawblocks.py), in a fraction of the time.
"""

from __future__ import annotations

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# The first line of the block (source.md.j2) and the line that closes it; every line between is one
# `<div class="source-line" …>…</div>`, so the first line that is only `</div>` closes the block.
OPEN = '<div class="source-lines"'
CLOSE = "</div>"
# Before Python-Markdown's `html_block` preprocessor (priority 20), after `normalize_whitespace` (30).
PRIORITY = 25


class StashSourceLines(Preprocessor):
    """Replaces each numbered-lines block by a placeholder of Markdown's HTML stash, which the `raw_html`
    postprocessor puts back as it is (what the HTML preprocessor does with a raw block, without parsing it)."""

    def run(self, lines: list[str]) -> list[str]:
        """Given the page's lines, return them with each block (OPEN … CLOSE, at the start of a line) as one
        stashed placeholder between blank lines; a block without its CLOSE line is left to Markdown."""
        out: list[str] = []
        i = 0
        while i < len(lines):
            end = closing_line(lines, i) if lines[i].startswith(OPEN) else None
            if end is None:
                out.append(lines[i])
                i += 1
                continue
            block = "\n".join(lines[i : end + 1]) + ("\n" if blank_follows(lines, end) else "")
            out += ["", self.md.htmlStash.store(block), ""]
            i = end + 1
        return out


def closing_line(lines: list[str], start: int) -> int | None:
    """The index of the first line after `start` that is only CLOSE, or None."""
    try:
        return lines.index(CLOSE, start + 1)
    except ValueError:
        return None


def blank_follows(lines: list[str], end: int) -> bool:
    """Whether a blank line (spaces only, not the text's last) follows line `end`: the HTML preprocessor then
    keeps one line break at the end of the block it stores (its `blank_line_re` after the closing tag)."""
    return end + 2 < len(lines) and not lines[end + 1].strip(" ")


class RawBlocks(Extension):
    """The extension: registers StashSourceLines."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        """Register the preprocessor on `md`."""
        md.preprocessors.register(StashSourceLines(md), "source_lines", PRIORITY)


def makeExtension(**kwargs) -> RawBlocks:  # noqa: N802 (the name Python-Markdown looks for)
    """The extension, as Python-Markdown loads it by its module name (`builder.pages.rawblocks`)."""
    return RawBlocks(**kwargs)
