"""The site's search index: Pagefind run over the built site, with each page's title also readable in pinyin."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
# Left out of the index: the ¶ of heading links; tables, which on this site are numbers (the template's tables, totals,
# rates) or lists of other pages whose words are on those pages; charts and their data; the findings box (the checks'
# own wording, the same on every report); and links to downloads. The words people search for are in titles, headings
# and the narrative. Pagefind's indexer holds every indexed word of every page in memory (about 0.7 MB a report page,
# benchmarks/SEARCH.md), so what is left out here is memory saved at any number of reports.
EXCLUDE_SELECTORS = (
    ".headerlink",
    "table",
    ".chart",
    ".admonition",
    'a[href$=".csv"]',
    'a[href$=".xlsx"]',
    'a[href$=".json"]',
    'a[href$=".zip"]',
)
# Folders of the site never indexed: a report's numbered source lines (which repeat its page), downloads and data, lists
# of reports or findings (whose words are on the pages they list), Pagefind's and the theme's own files. Pagefind reads
# every file its glob matches, indexed or not, so these are left out of the glob, not only unmarked.
UNINDEXED_FOLDERS = frozenset(
    {"sources", "downloads", "data", "quality", "compare", "problems", "assets", "search", BUNDLE_DIR}
)
_PAGE_NUMBER = re.compile(r"\d{1,3}")  # a list's second, third... page (2/, 3/); a year is four digits
_REPORT_FOLDER = re.compile(r"\d{4}(-\d+)?")  # 2023/, or 2023-2/ for an agency's second report of that year
# Pagefind holds every indexed word of every page in memory until it writes its bundle: about 0.8 MB a report page,
# 0.1 MB a page named after an agency or place (benchmarks/SEARCH.md). A site is indexed in parts, one Pagefind run
# each, so its memory stays near 1.3 GB at any number of reports: first the pages that are not reports (the agencies',
# places' and the site's own pages, at most NAMED_PART_PAGES a part), so that a name ranks its page among the other
# named pages as in one index, then the reports, PART_PAGES a part, in the order of their addresses. The first part is
# the bundle in site/pagefind/, the others bundles in site/pagefind/part2/, part3/..., listed in PARTS_FILE: the search
# box merges them into the first (Pagefind's mergeIndex, docs/assets/search.js), searched with its WebAssembly.
PART_PAGES = 1500
NAMED_PART_PAGES = 10000
PARTS_FILE = "parts.json"
# What a part bundle needs to be merged: its entry file, metadata and index chunks and fragments (the scripts and the
# WebAssembly of the first bundle are the ones loaded).
PART_KEEPS = ("pagefind-entry.json", "index", "fragment")
_GLOB_SPECIAL = re.compile(r"([\\{}\[\]*?,])")
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
    is a report's page, whose last folder is the year it covers, 2023-2 for a second report of 2023 (README: The
    site)."""
    parts = address.split("/")
    return len(parts) >= 2 and bool(_REPORT_FOLDER.fullmatch(parts[-2]))


def is_indexed_address(address: str) -> bool:
    """Given a page's address in the site, return whether search indexes it: not in UNINDEXED_FOLDERS, not a list's
    later page (2/index.html, beijing/3/index.html), not the 404 page."""
    parts = address.split("/")
    if parts[0] in UNINDEXED_FOLDERS or address == "404.html":
        return False
    return not any(_PAGE_NUMBER.fullmatch(part) for part in parts[:-1])


def glob_of(addresses: list[str]) -> str:
    """Given pages' addresses in the site, return Pagefind's --glob that matches those files and no other
    ({index.html,ningxia/index.html}), glob characters in an address escaped."""
    return "{" + ",".join(_GLOB_SPECIAL.sub(r"\\\1", address) for address in addresses) + "}"


def chunks(items: list[str], size: int) -> list[list[str]]:
    """Given a list and a size, return the list cut into consecutive pieces of at most `size` items."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def parts_of(site: Path, limit: int | None = None, named_limit: int | None = None) -> list[list[str]]:
    """Given the built site, return the addresses of the pages each Pagefind run indexes: all the indexed pages
    (is_indexed_address) in one part when they are at most `limit` (PART_PAGES), else those that are not reports, at
    most `named_limit` (NAMED_PART_PAGES) a part, then the reports, `limit` a part, each in the order of their
    addresses. One part where it fits: Pagefind ignores a query's word that a part does not have, so a phrase also
    finds that part's pages with its other words (benchmarks/SEARCH.md): parts cost some relevance."""
    limit = limit or PART_PAGES
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    indexed = [address for address in pages if is_indexed_address(address)]
    if len(indexed) <= limit:
        return [indexed]
    reports = [address for address in indexed if is_report_address(address)]
    named = [address for address in indexed if not is_report_address(address)]
    return chunks(named, named_limit or NAMED_PART_PAGES) + chunks(reports, limit)


def mark_pages(site: Path) -> None:
    """Add its search terms (add_search_terms) to each page of the built site that search indexes
    (is_indexed_address)."""
    for path in site.rglob("*.html"):
        address = path.relative_to(site).as_posix()
        if not is_indexed_address(address):
            continue
        page = path.read_text(encoding="utf-8")
        marked = add_search_terms(page, address)
        if marked != page:
            path.write_text(marked, encoding="utf-8")


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


def run_pagefind(command: list[str], site: Path, subdir: str, addresses: list[str]) -> None:
    """Run Pagefind over the site's pages at `addresses` (their glob in a configuration file, which has no length
    limit, unlike a command's argument), leaving out EXCLUDE_SELECTORS, writing its bundle to site/`subdir`. Raises
    RuntimeError with Pagefind's own message when it fails."""
    config = {"glob": glob_of(addresses), "exclude_selectors": list(EXCLUDE_SELECTORS)}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        args = ["--site", str(site.resolve()), "--output-subdir", subdir, "--silent"]
        done = subprocess.run([*command, *args], capture_output=True, text=True, cwd=folder)
    if done.returncode != 0:
        raise RuntimeError(f"search: Pagefind failed on {site}: {(done.stderr or done.stdout).strip()[-2000:]}")


def keep_part_files(bundle: Path) -> None:
    """Given a part's bundle folder (site/pagefind/part2), remove what the search box loads from the first bundle
    only: Pagefind's scripts, interfaces and WebAssembly (PART_KEEPS)."""
    for path in bundle.iterdir():
        if path.name in PART_KEEPS or path.suffix == ".pf_meta":
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def index_site(site: Path) -> bool:
    """Mark the built site's pages for indexing (mark_pages), then run Pagefind over each part of them (parts_of):
    the first part's bundle in site/pagefind/ (less the interfaces the site does not use), the others' in
    site/pagefind/partN/, listed in site/pagefind/parts.json; remove Material's unused search scripts
    (MATERIAL_SEARCH). Returns False, with a message on stderr, when Pagefind is not installed (the site then builds
    without search). Raises RuntimeError with Pagefind's own message when it fails."""
    command = pagefind_command()
    if command is None:
        print(
            "search: Pagefind not found, the site has no search index; install it with `npm ci` (package.json)",
            file=sys.stderr,
        )
        return False
    mark_pages(site)
    parts = parts_of(site)
    for number, addresses in enumerate(parts, start=1):
        subdir = BUNDLE_DIR if number == 1 else f"{BUNDLE_DIR}/part{number}"
        run_pagefind(command, site, subdir, addresses)
        if number > 1:
            keep_part_files(site / subdir)
    others = [f"part{number}/" for number in range(2, len(parts) + 1)]
    (site / BUNDLE_DIR).mkdir(exist_ok=True)
    (site / BUNDLE_DIR / PARTS_FILE).write_text(json.dumps(others), encoding="utf-8")
    for name in UNUSED_FILES:
        (site / BUNDLE_DIR / name).unlink(missing_ok=True)
    if not (site / "search" / "search_index.json").exists():
        for folder in MATERIAL_SEARCH:
            shutil.rmtree(site / folder, ignore_errors=True)
    return True
