"""Page addresses: ASCII, unique, never lost; a renamed or moved agency keeps its old addresses working."""

import re
from pathlib import Path

import pytest
import yaml

from builder.agencies import move_agency, rename_agency
from builder.build import build
from tests.conftest import ROOT, SEEDS, copy_project

pytestmark = pytest.mark.slow  # every test here builds or reads a whole site

PUBLISHED = ROOT / "data" / "published_urls.txt"


def site_urls(site: Path) -> set[str]:
    """Every page address of a built site (directory URLs), redirects included."""
    skip = ("assets/", "search/", "404")
    return {
        "/" + str(p.parent.relative_to(site)).replace(".", "").strip("/") + ("/" if p.parent != site else "")
        for p in site.rglob("index.html")
        if not str(p.relative_to(site)).startswith(skip)
    } | ({"/"} if (site / "index.html").exists() else set())


def test_every_address_is_ascii_and_every_report_has_its_own(default_site):
    root, summary = default_site
    urls = site_urls(root / "site")
    assert all(re.fullmatch(r"/[a-z0-9/-]*", u.replace("//", "/")) for u in urls), sorted(urls)
    report_pages = {
        r["agency_path"] + "/" + str(r["year"]) for r in summary.reports if r["id"].endswith(str(r["year"]))
    }
    assert len(report_pages) == len([r for r in summary.reports if r["id"].endswith(str(r["year"]))])


def test_no_published_address_is_lost(default_site):
    """data/published_urls.txt lists every address ever published; adding pages is fine, losing one fails."""
    root, _ = default_site
    published = [u for u in PUBLISHED.read_text(encoding="utf-8").split() if u]
    assert len(published) == len(set(published))
    missing = sorted(set(published) - site_urls(root / "site"))
    assert not missing, f"published addresses no longer served: {missing}"


def test_rows_tables_and_findings_have_anchors(default_site):
    root, summary = default_site
    report = next(r for r in summary.reports if r["agency"] == "城东区卫生健康局")
    html = (root / "site" / report["agency_path"] / "2023" / "index.html").read_text(encoding="utf-8")
    for anchor in (
        "table-A",
        "table-B",
        "table-C",
        "A-administrative_penalty",
        "B-new",
        "B-carried_forward",
        "C-review",
        "f-signed-before-year-end",
        "f-row-missing-applications-other-other",
    ):
        assert f'id="{anchor}"' in html, anchor


def test_renamed_and_moved_agency_keeps_old_addresses(tmp_path):
    root = copy_project(tmp_path, SEEDS)
    build(root)
    before = site_urls(root / "site")
    registry_file = root / "data" / "agencies.yaml"
    registry = yaml.safe_load(registry_file.read_text(encoding="utf-8"))
    entry = next(e for e in registry["agencies"] if e["id"] == "ningxia-zhongwei-shapotou-weijian")
    moved = move_agency(
        rename_agency(entry, "中卫市沙坡头区卫生健康委员会"), "ningxia/zhongwei/shapotou/weishengjiankangwei"
    )
    registry["agencies"] = [moved if e is entry else e for e in registry["agencies"]]
    registry_file.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build(root)
    after = site_urls(root / "site")
    assert before <= after
    old = root / "site" / "ningxia" / "zhongwei" / "shapotou" / "weijian" / "2023" / "index.html"
    assert "ningxia/zhongwei/shapotou/weishengjiankangwei/2023/" in old.read_text(encoding="utf-8")
    assert (
        root / "site" / "ningxia" / "zhongwei" / "shapotou" / "weishengjiankangwei" / "2023" / "index.html"
    ).exists()
