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
# partials/content.html gives the title as text just before it (Pagefind's title meta).
_TITLE = re.compile(r'<span class="search-title" data-pagefind-meta="title" hidden>([^<]*)</span>\s*' + BODY_MARK + ">")
_HAN = re.compile(r"[\u3400-\u9fff]+")
# Left out of the index: the ¶ of heading links, and tables. A table on this site is numbers (the template's tables,
# totals, charts' data) or a list of other pages (regions, agencies, findings), whose words are on those pages; the
# words people search for are in titles, headings and prose. Measured at 10,600 pages, list pages otherwise come
# first for every common word and send tens of KB each as result fragments.
EXCLUDE_SELECTORS = (".headerlink", "table")
# Pagefind's ready-made search interfaces, which the site does not load (docs/assets/search.js uses pagefind.js).
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)
# Material's own search (its lunr scripts and worker), which the theme copies into every site: never loaded while
# its search plugin is off, so removed unless that plugin wrote its index (search/search_index.json).
MATERIAL_SEARCH = ("assets/javascripts/lunr", "assets/javascripts/workers")
# A page's pinyin terms, and the h1 of a page named after an agency or place, count more than an h1 (Pagefind weighs
# an h1 7, text 1, at most 10); the hidden element for the terms is in partials/content.html.
TERMS_WEIGHT = 10
TERMS_SLOT = f'<div class="search-terms" hidden data-pagefind-weight="{TERMS_WEIGHT}"></div>'


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


def add_search_terms(page: str, address: str) -> str:
    """Given a built page's HTML and its address in the site, return it with its title's pinyin terms written into
    the empty hidden element partials/content.html leaves at the end of the indexed content, and, on a page named
    after what it is about (an agency's or a place's, not a report's), its first h1 weighed as much, so that an
    agency's name finds its page before its yearly reports, which repeat the name. Unchanged when the page has no
    indexed content."""
    found = _TITLE.search(page)
    if not found or TERMS_SLOT not in page:
        return page
    title = html.unescape(found.group(1))
    terms = title_to_terms(title)
    if not is_report_address(address):
        h1 = page.find("<h1", found.end())
        if h1 >= 0:
            page = page[:h1] + f'<h1 data-pagefind-weight="{TERMS_WEIGHT}"' + page[h1 + 3 :]
        terms = f"{title} {terms}"
    return page.replace(TERMS_SLOT, TERMS_SLOT.replace("></div>", f">{html.escape(terms)}</div>"), 1)


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
    """Add each indexed page's search terms (add_search_terms) to the built site's HTML, then run Pagefind over
    it, writing its bundle to site/pagefind/ (less the interfaces the site does not use), and remove Material's
    unused search scripts (MATERIAL_SEARCH). Returns False, with a
    message on stderr, when Pagefind is not installed (the site then builds without search). Raises RuntimeError
    with Pagefind's own message when it fails."""
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
    for name in UNUSED_FILES:
        (site / BUNDLE_DIR / name).unlink(missing_ok=True)
    if not (site / "search" / "search_index.json").exists():
        for folder in MATERIAL_SEARCH:
            shutil.rmtree(site / folder, ignore_errors=True)
    return True
