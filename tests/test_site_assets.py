"""What the published site loads: its own plotly.js at the version the Python package expects, no web
fonts, no source maps, no search files for languages it does not use, build facts that do not drift."""

import importlib.util
import json
import re

import plotly.offline
from bs4 import BeautifulSoup

from tests.conftest import ROOT

VENDOR = ROOT / "docs" / "assets" / "vendor"


def load_hooks():
    spec = importlib.util.spec_from_file_location("hooks", ROOT / "docs" / "overrides" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendored_plotly_is_the_basic_bundle_at_the_python_packages_version():
    version = plotly.offline.get_plotlyjs_version()
    bundle = VENDOR / f"plotly-basic-{version}.min.js"
    assert bundle.exists(), f"vendor plotly.js-basic-dist-min@{version} (docs/assets/vendor/README.md)"
    assert f"plotly.js (basic - minified) v{version}" in bundle.read_text(encoding="utf-8")[:300]
    assert f'"vendor/plotly-basic-{version}.min.js"' in (ROOT / "docs" / "assets" / "charts.js").read_text()
    assert "Permission is hereby granted" in (VENDOR / "plotly.js-LICENSE.txt").read_text()
    assert [p.name for p in VENDOR.glob("plotly*.js")] == [bundle.name]


def test_built_site_loads_nothing_from_another_host(default_site):
    root, _ = default_site
    site = root / "site"
    for page in [site / "index.html", site / "404.html", *site.glob("*/**/index.html")]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        loaded = [t.get("src") for t in soup.find_all(["script", "img", "iframe"])] + [
            t.get("href") for t in soup.find_all("link") if "canonical" not in (t.get("rel") or [])
        ]
        assert not [u for u in loaded if u and re.match(r"(https?:)?//", u)], page


def test_built_site_has_no_source_maps_unused_scripts_or_full_plotly(default_site):
    root, _ = default_site
    site = root / "site"
    assert not list(site.rglob("*.map"))
    assert not [p for p in site.rglob("*.js") if b"sourceMappingURL" in p.read_bytes()[-300:]]
    # Material's search is off (search is Pagefind, builder/search.py): none of its scripts is published
    assert not list(site.glob("assets/javascripts/lunr/**/*.js"))
    assert not list(site.glob("assets/javascripts/workers/search.*.js"))
    assert not (site / "assets" / "plotly.min.js").exists()
    assert not (site / "assets" / "vendor" / "README").exists()


def test_scripts_are_deferred(default_site):
    root, summary = default_site
    report = summary.reports[0]
    html = (root / "site" / report["agency_path"] / "index.html").read_text(encoding="utf-8")
    ours = re.findall(r"<script[^>]*assets/(?:sort|charts)\.js[^>]*>", html)
    assert len(ours) == 2 and all(" defer" in tag for tag in ours), ours
    assert "plotly" not in html.replace("plotly-basic", "")  # loaded by charts.js, on scroll


def test_search_files_kept_are_those_the_worker_loads(tmp_path):
    hooks = load_hooks()
    for name in ("tinyseg.js", "wordcut.js", "min/lunr.zh.min.js", "min/lunr.ja.min.js", "min/lunr.multi.min.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "min/lunr.stemmer.support.min.js").write_text("")
    unused = {p.relative_to(tmp_path).as_posix() for p in hooks.unused_search_files(tmp_path, ["zh"])}
    assert unused == {"tinyseg.js", "wordcut.js", "min/lunr.ja.min.js", "min/lunr.multi.min.js"}
    unused = {p.relative_to(tmp_path).as_posix() for p in hooks.unused_search_files(tmp_path, ["ja", "zh"])}
    assert unused == {"wordcut.js"}


def test_build_date_is_source_date_epoch_or_the_latest_date_in_the_data():
    hooks = load_hooks()
    info = {"latest_date": "2026-03-10", "data_version": "abc"}
    assert hooks.build_date(info, {}) == "2026-03-10"
    assert hooks.build_date(info, {"SOURCE_DATE_EPOCH": "1700000000"}) == "2023-11-14"


def test_every_page_shows_the_build_date_and_data_version(default_site):
    root, summary = default_site
    site = root / "site"
    info = json.loads((site / "build.json").read_text(encoding="utf-8"))
    assert info["reports"] == len(summary.reports)
    assert re.fullmatch(r"[0-9a-f]{12}", info["data_version"])
    for page in [site / "index.html", site / "404.html", *site.glob("ningxia/**/index.html")]:
        html = page.read_text(encoding="utf-8")
        assert f'<time datetime="{info["latest_date"]}">' in html and info["data_version"] in html, page


def test_data_version_ignores_file_times_and_follows_the_numbers(default_site):
    import copy

    from builder.pages.figures import build_info

    _, summary = default_site
    reports = copy.deepcopy(summary.reports)
    before = build_info(reports)
    for r in reports:
        r["source"]["modified"] = "1999-01-01T00:00:00Z"
    assert build_info(reports) == before
    reports[0]["applications"]["new"]["total"] = 12345
    assert build_info(reports)["data_version"] != before["data_version"]
