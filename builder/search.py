"""The site's search index: Pagefind run over the built site, with each page's title also readable in pinyin."""

from __future__ import annotations

import html
import json
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
# Left out of the index: the ¶ of heading links; tables, which on this site are numbers (the template's tables, totals,
# rates) or lists of other pages whose words are on those pages; charts and their data; the findings box (the checks'
# own wording, the same on every report); and links to downloads. The words people search for are in titles, headings
# and the narrative. Pagefind's indexer holds every indexed word of every page in memory (about 70 bytes a character
# of text, benchmarks/SEARCH.md), so what is left out here is memory saved at any number of reports.
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
# Pagefind holds every indexed word of every page in memory until it writes its bundle: about 0.7 MB a report page
# (benchmarks/SEARCH.md). A site of more pages is indexed in parts of at most PART_PAGES pages, one Pagefind run each,
# so the indexer's memory stays under about 1.5 GB at any number of reports; the first part is the bundle in
# site/pagefind/, the others bundles in site/pagefind/part2/, part3/..., listed in PARTS_FILE, which the search box
# merges into the first (Pagefind's mergeIndex, docs/assets/search.js) and searches with the first one's WebAssembly.
PART_PAGES = 2000
PARTS_FILE = "parts.json"
# What a part bundle needs to be merged: its entry file, metadata and index chunks and fragments (the scripts and the
# WebAssembly of the first bundle are the ones loaded).
PART_KEEPS = ("pagefind-entry.json", "index", "fragment")
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


def glob_of(units: list[str]) -> str:
    """Given site addresses of files and folders (index.html, about, ningxia/zhongwei), return Pagefind's --glob for
    the HTML files among them ({index.html,about/**/*.html,ningxia/zhongwei/**/*.html})."""
    return "{" + ",".join(u if u.endswith(".html") else f"{u}/**/*.html" for u in units) + "}"


def count_pages(folder: Path) -> int:
    """Given a folder of the site, return the number of HTML pages in it and its subfolders."""
    return sum(1 for _ in folder.rglob("*.html"))


def units_of(site: Path, folder: Path, limit: int) -> list[tuple[str, int]]:
    """Given the site, one of its folders and a number of pages, return the folder's indexed files and subfolders
    as (address, pages) that each hold at most `limit` pages where the folder allows it: a subfolder over the limit
    is replaced by its own files and subfolders (a province by its cities), in the order of their addresses."""
    units = []
    for entry in sorted(folder.iterdir()):
        address = entry.relative_to(site).as_posix()
        if entry.is_dir() and is_indexed_address(f"{address}/index.html"):
            pages = count_pages(entry)
            units += units_of(site, entry, limit) if pages > limit else [(address, pages)] if pages else []
        elif entry.suffix == ".html" and is_indexed_address(address):
            units.append((address, 1))
    return units


def parts_of(site: Path, limit: int = PART_PAGES) -> list[str]:
    """Given the built site, return the --glob of each part Pagefind indexes in one run (PART_PAGES): the site's
    indexed files and folders (units_of) taken in order, a part closed when the next would take it over `limit`
    pages."""
    parts: list[list[str]] = [[]]
    size = 0
    for address, pages in units_of(site, site, limit):
        if parts[-1] and size + pages > limit:
            parts.append([])
            size = 0
        parts[-1].append(address)
        size += pages
    return [glob_of(units) for units in parts if units]


def mark_pages(site: Path) -> None:
    """Prepare the built site's pages that Pagefind reads (parts_of) for indexing: a page search indexes
    (is_indexed_address) gets its search terms (add_search_terms); any other (a list's later page) loses its
    data-pagefind-body mark, so that Pagefind leaves it out."""
    for path in site.rglob("*.html"):
        address = path.relative_to(site).as_posix()
        if address.split("/")[0] in UNINDEXED_FOLDERS:
            continue
        page = path.read_text(encoding="utf-8")
        if BODY_MARK not in page:
            continue
        marked = add_search_terms(page, address) if is_indexed_address(address) else page.replace(BODY_MARK, "<div")
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


def run_pagefind(command: list[str], site: Path, subdir: str, glob: str) -> None:
    """Run Pagefind over the site's files that match `glob`, leaving out EXCLUDE_SELECTORS, writing its bundle to
    site/`subdir`. Raises RuntimeError with Pagefind's own message when it fails."""
    args = ["--site", str(site), "--output-subdir", subdir, "--glob", glob, "--silent"]
    for selector in EXCLUDE_SELECTORS:
        args += ["--exclude-selectors", selector]
    done = subprocess.run([*command, *args], capture_output=True, text=True)
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
    parts = parts_of(site, PART_PAGES)
    for number, glob in enumerate(parts, start=1):
        subdir = BUNDLE_DIR if number == 1 else f"{BUNDLE_DIR}/part{number}"
        run_pagefind(command, site, subdir, glob)
        if number > 1:
            keep_part_files(site / subdir)
    others = [f"part{number}/" for number in range(2, len(parts) + 1)]
    (site / BUNDLE_DIR / PARTS_FILE).write_text(json.dumps(others), encoding="utf-8")
    for name in UNUSED_FILES:
        (site / BUNDLE_DIR / name).unlink(missing_ok=True)
    if not (site / "search" / "search_index.json").exists():
        for folder in MATERIAL_SEARCH:
            shutil.rmtree(site / folder, ignore_errors=True)
    return True
