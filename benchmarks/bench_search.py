"""Measures a built site's search: bench_search.py SITE [QUERY ...] (default queries below).

Prints the Pagefind bundle's size on disk (index chunks, fragments) and, for each query, what a visitor with a cold
cache downloads for it and how long the results take: the site is served from 127.0.0.1 under /repo/ (as GitHub
Pages serves a project site), a fresh Debian chromium context opens a report page, and the query is typed into the
header's box; the time runs from the input event to the results shown (the box's data-search-state="done"), the
bytes are every response after the page's own load (Pagefind's script, its WebAssembly, the index's metadata, the
chunks of the query's words, the fragments of the first ten results). Pagefind stores chunks and fragments
gzipped, so these are the bytes on the wire even from a server that compresses nothing.

With --copies K --out OUT it first makes a larger site from SITE (copy_site: its region folders K times, each copy's
agencies renamed), indexes it with the build's own search step and prints that step's time and peak memory
(index_with_peak), then measures the queries on it: bench_search.py SITE [QUERY ...] --copies 34 --out /tmp/big.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from builder import search

PREFIX = "/repo"
# Agencies and places of the synthetic corpus (benchmarks/corpus.py 1000, seed 1), a phrase and template terms.
QUERIES = ("阎良区教育局", "阎良", "yanliang", "ylqjyj", "政府开放日", "行政复议", "不予公开", "卫生健康局")
TYPE_AND_WAIT = """async (query) => {
  const root = document.querySelector("[data-search-root]");
  const box = root.querySelector("[data-search-query]");
  box.focus();
  const started = performance.now();
  box.value = query;
  box.dispatchEvent(new Event("input"));
  await new Promise((resolve) => {
    const done = () => root.getAttribute("data-search-state") === "done" && resolve();
    new MutationObserver(done).observe(root, { attributes: true });
    done();
  });
  return [performance.now() - started, root.querySelectorAll("a.md-search-result__link").length];
}"""


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under PREFIX only, and counts the bytes of every file it sends (in `served`): the browser's
    own count misses what a Web Worker fetches (Pagefind's worker script)."""

    served: list[tuple[str, int]] = []

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        return super().translate_path(path[len(PREFIX) :]) if path.startswith(PREFIX + "/") else "/nonexistent"

    def copyfile(self, source, outputfile):
        start = source.tell()
        super().copyfile(source, outputfile)
        self.served.append((self.path, source.tell() - start))

    def log_message(self, *args):
        pass


def folder_stats(folder: Path) -> dict:
    """Given a folder, return {files, kb, largest_kb} of the files in it."""
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    return {"files": len(sizes), "kb": round(sum(sizes) / 1e3), "largest_kb": round(max(sizes, default=0) / 1e3, 1)}


def bundle_stats(site: Path) -> dict:
    """Given a built site, return the sizes of its Pagefind bundle: all of it, its index chunks, its fragments."""
    bundle = site / "pagefind"
    return {
        "bundle": folder_stats(bundle),
        "index": folder_stats(bundle / "index"),
        "fragment": folder_stats(bundle / "fragment"),
        "html_pages": sum(1 for _ in site.rglob("*.html")),
    }


def cold_query(browser, base: str, page_path: str, query: str) -> dict:
    """Open page_path in a fresh context, type query; return its time to results and what it downloaded."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + page_path, wait_until="load")
    page.wait_for_load_state("networkidle")
    SubPathHandler.served.clear()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    ms, shown = page.evaluate(TYPE_AND_WAIT, query)
    page.wait_for_load_state("networkidle")
    context.close()
    loaded = list(SubPathHandler.served)
    by_kind: dict[str, int] = {}
    for url, size in loaded:
        url = url.split("?", 1)[0]
        kind = url.rsplit("/", 2)[-2] if "/index/" in url or "/fragment/" in url else url.rsplit("/", 1)[-1]
        by_kind[kind] = by_kind.get(kind, 0) + size
    return {
        "query": query,
        "ms_to_results": round(ms),
        "results_shown": shown,
        "kb_downloaded": round(sum(s for _, s in loaded) / 1e3, 1),
        "requests": len(loaded),
        "kb_by_file": {k: round(v / 1e3, 1) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])[:6]},
        "requests_elsewhere": outside,
    }


DIGITS = "〇一二三四五六七八九"
_TITLE = re.compile(r'data-pagefind-meta="title" hidden>([^<]*)</span>')


def renamed(name: str, copy: int) -> str:
    """Given an agency's name and a copy's number, return the copy's agency name: the number in Chinese digits
    before the name's last character (北京市海淀区教育局, 12 -> 北京市海淀区教育一二局)."""
    return name[:-1] + "".join(DIGITS[int(d)] for d in str(copy)) + name[-1]


def copy_site(site: Path, copies: int, out: Path) -> int:
    """Copy a built site to `out` with its region folders (each top-level folder holding report pages) copied
    `copies` times in all, the k-th copy under REGION-k/ with each agency's name changed (renamed) on every page of
    its folder, so that a site of N reports stands for one of N x copies distinct agencies' reports. The numbered
    source pages are not copied (search never reads them). Returns the number of report pages in `out`."""
    regions = {
        p.relative_to(site).parts[0]
        for p in site.rglob("index.html")
        if search.is_report_address(p.relative_to(site).as_posix())
    } - search.UNINDEXED_FOLDERS
    shutil.copytree(site, out, ignore=lambda folder, names: ["sources"] if Path(folder) == site else [])
    shutil.rmtree(out / search.BUNDLE_DIR, ignore_errors=True)
    for region in sorted(regions):
        pages = {p: p.read_text(encoding="utf-8") for p in (site / region).rglob("*.html")}
        names = {}  # an agency's folder -> its name, from its reports' titles
        for path, page in pages.items():
            found = _TITLE.search(page)
            if found and search.is_report_address(path.relative_to(site).as_posix()):
                names[path.parent.parent] = found.group(1).split(" ")[0]
        for copy in range(1, copies):
            for path, page in pages.items():
                name = names.get(path.parent) or names.get(path.parent.parent)
                target = out / f"{region}-{copy}" / path.relative_to(site / region)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page.replace(name, renamed(name, copy)) if name else page, encoding="utf-8")
    return sum(1 for p in out.rglob("index.html") if search.is_report_address(p.relative_to(out).as_posix()))


def index_with_peak(site: Path, part_pages: int = search.PART_PAGES) -> dict:
    """Run the build's search step (builder.search.index_site, in parts of `part_pages` pages) over a built site in a
    child process; return its wall seconds, CPU seconds, the peak memory of its largest process (Pagefind's, by
    getrusage) and the number of pages and parts indexed."""
    started = time.perf_counter()
    code = (
        f"from builder import search; search.PART_PAGES = {part_pages}; search.index_site(search.Path({str(site)!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mib": round(usage.ru_maxrss / 1024),
        "pages_indexed": sum(1 for _ in (site / search.BUNDLE_DIR).glob("**/fragment/*")),
        "parts": 1 + len(json.loads((site / search.BUNDLE_DIR / search.PARTS_FILE).read_text(encoding="utf-8"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("queries", nargs="*", default=QUERIES)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--copies", type=int, help="first copy SITE's region folders this many times in all (copy_site)"
    )
    parser.add_argument("--out", type=Path, help="where --copies writes the copied site, then indexed and measured")
    parser.add_argument("--part-pages", type=int, default=search.PART_PAGES, help="pages per Pagefind run")
    args = parser.parse_args()
    if args.copies:
        reports = copy_site(args.site, args.copies, args.out)
        print(json.dumps({"report_pages": reports, **index_with_peak(args.out, args.part_pages)}), flush=True)
        args.site = args.out
    print(json.dumps(bundle_stats(args.site), ensure_ascii=False), flush=True)
    report_page = next(p for p in sorted(args.site.rglob("index.html")) if p.parent.name.isdigit())
    page_path = report_page.parent.relative_to(args.site).as_posix() + "/"
    handler = functools.partial(SubPathHandler, directory=str(args.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
            for query in args.queries:
                print(json.dumps(cold_query(browser, base, page_path, query), ensure_ascii=False), flush=True)
            browser.close()
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main()
