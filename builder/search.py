"""The site's search index: Pagefind run over the built site, with each page's title also readable in pinyin."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

from builder.slugs import cut_at_words, place_words

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_DIR = "pagefind"  # site/pagefind/: Pagefind's scripts, index chunks and fragments (partials/search.html)
# The element partials/content.html puts around a page's own content; only pages that have it are indexed.
BODY_MARK = "<div data-pagefind-body"
_TITLE = re.compile(r'<div data-pagefind-body data-pagefind-meta="title:([^"]*)">')
_HAN = re.compile(r"[\u3400-\u9fff]+")
# Left out of the index: the ¶ of heading links, and the template's tables (the same labels on every report and
# numbers nobody searches for; their numbers stay findable on the report pages themselves). Markdown writes a
# number column's cells right-aligned; builder/pages may wrap the template's tables in .template-table.
EXCLUDE_SELECTORS = (".headerlink", ".template-table", 'td[style*="text-align: right"]')
# A page's search terms count more than its h1 (Pagefind weighs an h1 7, text 1, at most 10).
TERMS_WEIGHT = 10


def words_to_terms(words: list[list[str]]) -> list[str]:
    """Given a title's words as pinyin syllables ([["sha", "po", "tou", "qu"], ["wei", "sheng", ...]]), return
    the search terms for them: for every run of words from each word to the end, its syllables joined and its
    initials joined (shapotouquweishengjiankangju, sptqwsjkj, weishengjiankangju, wsjkj). Pagefind matches a
    query word as a prefix, so `shapotou` and `sptq` both find 沙坡头区卫生健康局."""
    terms: list[str] = []
    for start in range(len(words)):
        run = [s for word in words[start:] for s in word]
        for term in ("".join(run), "".join(s[0] for s in run)):
            if len(term) > 1 and term not in terms:  # one letter finds everything
                terms.append(term)
    return terms


def title_to_words(title: str) -> list[list[str]]:
    """Given a page title, return its Chinese words as pinyin syllables, place names read as places (builder.slugs:
    中卫市沙坡头区卫生健康局 -> zhong wei shi / sha po tou qu / wei sheng jian kang ju); the text between place
    names is one word per run of Chinese characters; anything not Chinese is left out."""
    words = []
    for piece, reading in cut_at_words(title, place_words()):
        if reading is not None:  # a place name: its own reading, or () when pypinyin reads it right
            words.append(list(reading) or lazy_pinyin(piece))
        else:
            words += [lazy_pinyin(run) for run in _HAN.findall(piece)]
    return [[s.lower() for s in word] for word in words if word]


def title_to_terms(title: str) -> str:
    """Given a page title, return its pinyin search terms as one line of text (see words_to_terms)."""
    return " ".join(words_to_terms(title_to_words(title)))


def is_report_address(address: str) -> bool:
    """Given a page's address in the site (ningxia/zhongwei/shapotou/weijian/2023/index.html), return whether it
    is a report's page, whose last folder is the year it covers (README: The site)."""
    parts = address.split("/")
    return len(parts) >= 2 and parts[-2].isdigit() and len(parts[-2]) == 4


def search_terms(title: str, named: bool) -> str:
    """Given a page's title and whether the page is named after what it is about (an agency's or a place's page,
    not a report's), return the text to index with it: the title's pinyin terms, after the title itself on a named
    page, so that an agency's name finds its page before its yearly reports, which repeat the name."""
    terms = title_to_terms(title)
    return f"{title} {terms}" if named else terms


def add_search_terms(page: str, address: str) -> str:
    """Given a built page's HTML and its address in the site, return it with its search terms (search_terms) in a
    hidden element at the start of its indexed content, weighed above an h1; unchanged when it has no indexed
    content or nothing to add."""
    found = _TITLE.search(page)
    if not found:
        return page
    terms = search_terms(html.unescape(found.group(1)), named=not is_report_address(address)).strip()
    if not terms:
        return page
    hidden = f'<div class="search-terms" hidden data-pagefind-weight="{TERMS_WEIGHT}">{html.escape(terms)}</div>'
    return page[: found.end()] + hidden + page[found.end() :]


def pagefind_command(root: Path = ROOT, environ=os.environ) -> list[str] | None:
    """Return the command that runs Pagefind's extended build (which segments Chinese): $PAGEFIND_BINARY_PATH, else
    the one `npm ci` installs from package.json (node_modules/.bin/pagefind), else `pagefind_extended` or
    `pagefind` on the PATH; None when there is none."""
    if environ.get("PAGEFIND_BINARY_PATH"):
        return [environ["PAGEFIND_BINARY_PATH"]]
    local = root / "node_modules" / ".bin" / "pagefind"
    if local.exists():
        return [str(local)]
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return [found] if found else None


def index_site(site: Path) -> bool:
    """Add each indexed page's search terms (search_terms) to the built site's HTML, then run Pagefind over it,
    writing its bundle to site/pagefind/. Returns False, with a message on stderr, when Pagefind is not installed
    (the site then builds without search). Raises RuntimeError with Pagefind's own message when it fails."""
    command = pagefind_command()
    if command is None:
        print(
            "search: Pagefind not found, the site has no search index; install it with `npm ci` (package.json)",
            file=sys.stderr,
        )
        return False
    for path in site.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        if BODY_MARK in page:
            marked = add_search_terms(page, path.relative_to(site).as_posix())
            if marked != page:
                path.write_text(marked, encoding="utf-8")
    args = ["--site", str(site), "--output-subdir", BUNDLE_DIR, "--silent"]
    for selector in EXCLUDE_SELECTORS:
        args += ["--exclude-selectors", selector]
    done = subprocess.run([*command, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"search: Pagefind failed on {site}: {(done.stderr or done.stdout).strip()[-2000:]}")
    return True
