"""MkDocs hooks (mkdocs.yml `hooks:`): the build's date and data version for the theme; drop what no page loads; hold
each page's HTML compressed from its reading to its writing."""

from __future__ import annotations

import json
import os
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

BUILD_INFO = "build.json"  # written into docs/ by builder.pages.site.site_pages
SOURCE_MAP_COMMENT = re.compile(rb"\n?/[*/]# sourceMappingURL=[^\n]*\s*$")
INDENT = re.compile(r"\n\s+")
PREFORMATTED = re.compile(r"<(pre|textarea)\b.*?</\1>", re.S | re.I)


def build_date(info: dict, environ=os.environ) -> str:
    """The date printed as "built": SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the
    latest date in the data, so that building the same data twice gives the same pages."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()
    return info.get("latest_date") or ""


def on_config(config):
    """Put the build facts (date, data version, counts) into `config.extra.build` for the theme."""
    path = Path(config["docs_dir"]) / BUILD_INFO
    info = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    config["extra"]["build"] = {**info, "date": build_date(info)}
    return config


def without_indentation(html: str) -> str:
    """A page's HTML without its blank lines and the spaces that start its lines (the theme's indentation, a
    tenth of a report page), except inside <pre> and <textarea>, where they are text. The page shows the same:
    white space after a line break is white space as the line break alone is."""
    out, last = [], 0
    for match in PREFORMATTED.finditer(html):
        out += [INDENT.sub("\n", html[last : match.start()]), match.group()]
        last = match.end()
    return "".join([*out, INDENT.sub("\n", html[last:])])


# MkDocs 1.6 reads and renders every page's Markdown before it writes the first (mkdocs/commands/build.py: build), and
# keeps each page's Markdown and HTML to the end: about 70 KB a page, 1 GB at 14,000 pages. Nothing reads a page's
# Markdown after it is rendered (the search plugin, which would, is off), nor its HTML except its own template, so the
# Markdown is dropped and the HTML held compressed (about a sixth) until the page's template is rendered, then freed.
# The sitemap and 404 page are written before the pages and read only titles and addresses; the anchor checks after
# the pages read the anchors each page's rendering recorded, not its HTML.
_HELD: dict[str, bytes] = {}


def on_page_content(html, page, config, files):
    """A page just rendered: drop its Markdown and hold its HTML compressed; it stands empty until on_page_context."""
    page.markdown = ""  # not None: MkDocs reads a page without Markdown as untitled
    _HELD[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
    return ""


def on_page_context(context, page, config, nav):
    """A page about to be written: its HTML back from on_page_content."""
    held = _HELD.pop(page.file.src_uri, None)
    if held is not None:
        page.content = zlib.decompress(held).decode("utf-8")
    return context


def on_post_page(output, page, config):
    """Every page written without its indentation (without_indentation): pages stay small at any number of reports.
    The page's HTML is freed once written."""
    page.content = ""
    return without_indentation(output)


def unused_search_files(lunr_dir: Path, languages: list[str]) -> list[Path]:
    """Material's lunr language files the search worker never loads for `languages`: it loads
    min/lunr.stemmer.support, min/lunr.<lang> for each non-English language, min/lunr.multi for
    several, tinyseg.js for ja and wordcut.js for hi/th (material/templates/assets/javascripts)."""
    keep = {"min/lunr.stemmer.support.min.js"} | {f"min/lunr.{lang}.min.js" for lang in languages if lang != "en"}
    if len(languages) > 1:
        keep.add("min/lunr.multi.min.js")
    if "ja" in languages:
        keep.add("tinyseg.js")
    if {"hi", "th"} & set(languages):
        keep.add("wordcut.js")
    return [p for p in sorted(lunr_dir.rglob("*.js")) if p.relative_to(lunr_dir).as_posix() not in keep]


def on_post_build(config):
    """Remove source maps (and the comments naming them) and search files for unused languages."""
    site = Path(config["site_dir"])
    for path in site.glob("assets/**/*.map"):
        path.unlink()
    for path in [*site.glob("assets/**/*.js"), *site.glob("assets/**/*.css")]:
        data = path.read_bytes()
        stripped = SOURCE_MAP_COMMENT.sub(b"\n", data)
        if stripped != data:
            path.write_bytes(stripped)
    search = config["plugins"].get("search") or config["plugins"].get("material/search")
    lunr = site / "assets" / "javascripts" / "lunr"
    if search is not None and lunr.is_dir():
        for path in unused_search_files(lunr, list(search.config["lang"] or ["en"])):
            path.unlink()
