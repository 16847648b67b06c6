"""The site as GitHub Pages serves a project site, under /repo/: every link, asset and anchor resolves."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from tests.conftest import copy_project

SUB_PATH = "/repo/"
SITE_URL = "https://example.github.io/repo/"  # what .github/workflows/pages.yml sets for a project site
COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".txt", ".csv", ".svg")


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under SUB_PATH only, as GitHub Pages does: gzip for text when the browser
    accepts it, and the site's own 404.html (status 404) for anything missing."""

    def translate_path(self, path: str) -> str:
        url_path = urllib.parse.urlsplit(path).path
        if not url_path.startswith(SUB_PATH):
            return str(Path(self.directory) / "\x00outside")
        return super().translate_path("/" + url_path[len(SUB_PATH) :])

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.is_dir():
            return super().send_head()  # redirects /dir to /dir/
        status = 200 if path.is_file() else 404
        if status == 404:
            path = Path(self.directory) / "404.html"
        body = path.read_bytes()
        gzipped = path.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        return _Body(body)

    def log_message(self, format, *args):  # quiet test output
        pass


class _Body:
    """The file-like object send_head returns, over bytes already read."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


@contextmanager
def environment(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@functools.cache
def build_subpath_site(basetemp: Path):
    """The default dataset built with SITE_URL set as the Pages workflow sets it: (root, summary).
    Cached per test session (pytest's base temp folder), so every module shares one build."""
    from builder.build import build

    root = copy_project(basetemp / "subpath-site")
    with environment(SITE_URL=SITE_URL):
        return root, build(root)


@functools.cache
def serve_subpath(site: Path) -> str:
    """Serve a built site under SUB_PATH on 127.0.0.1 for the rest of the session; return its base URL."""
    handler = functools.partial(SubPathHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}{SUB_PATH}"


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory):
    # pytest imports this file as `test_site_subpath`, other test files as `tests.test_site_subpath`:
    # use the latter's cached build, so that the session builds once
    from tests.test_site_subpath import build_subpath_site as shared_build

    return shared_build(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def subpath_server(subpath_site):
    """(base URL ending in /repo/, build summary)."""
    from tests.test_site_subpath import serve_subpath as shared_server

    root, summary = subpath_site
    return shared_server(root / "site"), summary


def fetch(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, 4xx and 5xx included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def page_references(url: str, body: bytes) -> list[str]:
    """Every address an HTML page links to or loads (links, stylesheets, scripts, images), absolute."""
    soup = BeautifulSoup(body, "html.parser")
    refs = [tag.get("href") for tag in soup.find_all(["a", "link"])] + [
        tag.get("src") for tag in soup.find_all(["script", "img", "iframe"])
    ]
    return [urllib.parse.urljoin(url, ref) for ref in refs if ref and not ref.startswith(("mailto:", "tel:"))]


def crawl(start: str) -> tuple[dict[str, int], dict[str, set[str]], list[tuple[str, str]]]:
    """Follow every same-host address from `start`: ({url: status}, {page: its element ids},
    [(page, url with a #fragment)]). Addresses on other hosts are links to follow by hand, not crawled."""
    host = urllib.parse.urlsplit(start).netloc
    status, ids, fragments = {}, {}, []
    todo, seen = [start], {start}
    while todo:
        url = todo.pop()
        code, kind, body = fetch(url)
        status[url] = code
        if code != 200 or kind != "text/html":
            continue
        ids[url] = {tag["id"] for tag in BeautifulSoup(body, "html.parser").find_all(id=True)}
        for ref in page_references(url, body):
            target, fragment = urllib.parse.urldefrag(ref)
            if urllib.parse.urlsplit(target).netloc != host:
                continue
            if fragment:
                fragments.append((url, ref))
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return status, ids, fragments


@pytest.fixture(scope="module")
def crawled(subpath_server):
    base, _ = subpath_server
    return base, *crawl(base)


def test_every_internal_link_and_asset_resolves_under_a_sub_path(crawled):
    base, status, _, _ = crawled
    broken = sorted(url for url, code in status.items() if code != 200)
    assert not broken, broken
    assert all(url.startswith(base) for url in status), "a link leaves the sub-path"
    assert len(status) > 50  # the crawl reached the report, agency and region pages and their assets


@functools.cache
def viewer_line_count(url: str) -> int | None:
    """How many lines the viewer of a file's lines (docs/assets/source.js) shows for the file at `url`; None if
    the file is not served."""
    from tests.test_trace import viewer_lines

    code, _, body = fetch(url)
    return len(viewer_lines(body.decode("utf-8").lstrip("\ufeff"))) if code == 200 else None


def viewer_has_line(target) -> bool:
    """Whether `target` (a URL split from its #fragment) is the viewer's `sources/?f=FILE` and FILE has line N of
    its #LN: the viewer makes those anchors in the browser, from the file."""
    parts = urllib.parse.urlsplit(target.url)
    shown = urllib.parse.parse_qs(parts.query).get("f")
    line = re.fullmatch(r"L(\d+)", target.fragment)
    if not (parts.path.endswith("/sources/") and shown and line):
        return False
    count = viewer_line_count(urllib.parse.urljoin(target.url, shown[0]))
    return count is not None and 1 <= int(line.group(1)) <= count


def test_every_anchor_resolves(crawled):
    _, _, ids, fragments = crawled
    missing = [
        (page, ref)
        for page, ref in fragments
        if (target := urllib.parse.urldefrag(ref))
        and not (target.url.endswith(".pdf") and re.fullmatch(r"page=\d+", target.fragment))  # tests/test_trace.py
        and urllib.parse.unquote(target.fragment) not in ids.get(target.url, ())
        and not viewer_has_line(target)
    ]
    assert not missing, missing[:20]
    assert any(viewer_has_line(urllib.parse.urldefrag(ref)) for _, ref in fragments)  # the viewer's lines checked


def test_404_page_works_from_any_depth(subpath_server):
    base, _ = subpath_server
    url = base + "no/such/page/"
    code, _, body = fetch(url)
    assert code == 404
    assert "404" in body.decode()
    refs = [
        r for r in page_references(url, body) if urllib.parse.urlsplit(r).netloc == urllib.parse.urlsplit(base).netloc
    ]
    assert refs
    broken = [r for r in refs if fetch(urllib.parse.urldefrag(r).url)[0] != 200]
    assert not broken, broken


def test_sitemap_lists_every_page_at_its_published_address(subpath_site, subpath_server):
    root, summary = subpath_site
    base, _ = subpath_server
    tree = ElementTree.fromstring((root / "site" / "sitemap.xml").read_bytes())
    urls = [el.text for el in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(urls) > len(summary.reports)
    assert all(u.startswith(SITE_URL) for u in urls)
    report = summary.reports[0]
    assert f"{SITE_URL}{report['agency_path']}/{report['year']}/" in urls
    assert all(fetch(base + u.removeprefix(SITE_URL))[0] == 200 for u in urls)


def test_pages_workflow_sets_site_url_from_the_repository(root):
    workflow = (root / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert "SITE_URL" in workflow and "configure-pages" in workflow
    assert "!ENV [SITE_URL" in (root / "mkdocs.yml").read_text(encoding="utf-8")
