"""End to end: build the site from a temporary copy of the data and read the numbers off the HTML."""

import hashlib
import json

import pytest
from bs4 import BeautifulSoup

from builder.build import build
from tests.conftest import SEEDS, copy_project

pytestmark = pytest.mark.slow  # every test here builds or reads a whole site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("project"), SEEDS)
    (root / "data" / "reports" / "broken.txt").write_text("这不是一份报告。\n", encoding="utf-8")
    summary = build(root)
    return root, summary


def row_cells(html: str, anchor: str) -> list[str]:
    soup = BeautifulSoup(html, "lxml")
    row = soup.find(id=anchor).find_parent("tr")
    return [td.get_text(" ", strip=True).replace(" *", "").replace(" ?", "") for td in row.find_all("td")[1:]]


def test_build_writes_json_for_every_report(built):
    root, summary = built
    assert len(summary.reports) == 5
    ids = sorted(p.stem for p in (root / "data" / "json").glob("*.json"))
    assert ids == sorted(r["id"] for r in summary.reports)
    report = json.loads((root / "data" / "json" / "guyuanshiweishengjiankangwei-2019.json").read_text(encoding="utf-8"))
    assert report["applications"]["granted"]["research"] == 3


def test_report_page_shows_numbers_in_their_columns(built):
    root, _ = built
    html = (root / "site" / "ningxia" / "guyuan" / "weijian" / "2019" / "index.html").read_text(encoding="utf-8")
    # seed 003, line 54: "2 3 1 _ _ 6" with one blank lost; the sums put 3 under 科研机构.
    assert row_cells(html, "B-granted") == ["2", "", "3", "1", "", "", "6"]
    assert row_cells(html, "B-total") == ["4", "", "3", "1", "", "", "8"]
    assert row_cells(html, "A-administrative_penalty") == ["5", "-3", "2"]


def test_blank_cells_show_blank_not_zero(built):
    root, _ = built
    html = (root / "site" / "ningxia" / "guyuan" / "longde" / "weijian" / "2024" / "index.html").read_text(
        encoding="utf-8"
    )
    assert row_cells(html, "C-review") == ["", "", "", "", ""]
    assert "no numbers" in html.lower() or "无数据" in html


def test_one_broken_file_is_listed_and_does_not_stop_the_others(built):
    root, summary = built
    assert [o.file for o in summary.failed] == ["broken.txt"]
    assert "broken.txt" in "\n".join(summary.lines())
    html = (root / "site" / "problems" / "index.html").read_text(encoding="utf-8")
    problems = BeautifulSoup(html, "lxml").get_text()
    assert "broken.txt" in problems and "title" in problems


def test_home_page_lists_every_report_and_agency_pages_link_years(built):
    root, summary = built
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    for report in summary.reports:
        assert report["agency"] in home
    agency = (root / "site" / "qinghai" / "xining" / "chengdong" / "weijian" / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/"' in agency


def test_each_report_page_links_its_source_served_byte_for_byte(built):
    root, summary = built
    for report in summary.reports:
        page = root / "site" / report["agency_path"] / str(report["year"]) / "index.html"
        links = [a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find_all("a", href=True)]
        # the file itself (numbers link to its pages, #page=N, or to its lines in the viewer, sources/?f=…#L57;
        # a file that is not UTF-8 text also links its lines file, sources/<id>.lines.txt)
        [link] = {
            href
            for href in links
            if "/sources/" in href and not any(c in href for c in "#?") and not href.endswith(("/", ".lines.txt"))
        }
        served = (page.parent / link).resolve().read_bytes()
        assert served == (root / "data" / "reports" / report["source"]["path"]).read_bytes(), link
        assert hashlib.sha256(served).hexdigest() == report["source"]["sha256"], link


def test_built_json_validates_against_the_schema(built):
    import jsonschema

    from builder.schema import report_schema

    root, _ = built
    for path in (root / "data" / "json").glob("*.json"):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), report_schema())


def test_an_agency_that_cannot_be_placed_is_new_unconfirmed_not_merged(tmp_path):
    root = copy_project(tmp_path, SEEDS[:1])
    text = SEEDS[2].read_text(encoding="utf-8").replace("城东区卫生健康局", "城关区卫生健康局")
    text = text.replace("西宁", "某市").replace("信用青海", "信用平台").replace("青海", "某省")
    (root / "data" / "reports" / "chengguan.txt").write_text(text, encoding="utf-8")
    summary = build(root)
    report = next(r for r in summary.reports if r["agency"] == "城关区卫生健康局")
    assert report["agency_status"] == "unconfirmed"
    assert "agency-unconfirmed" in {f["rule"] for f in report["findings"]}
    registry = (root / "data" / "agencies.yaml").read_text(encoding="utf-8")
    assert registry.count("城关区卫生健康局") >= 1 and "# The agency registry" in registry  # appended, comments kept
    page = root / "site" / report["agency_path"] / "index.html"
    assert "Unconfirmed agency" in page.read_text(encoding="utf-8")
    assert build(root).reports  # a second build matches the entry it wrote, adding nothing new
    assert (root / "data" / "agencies.yaml").read_text(encoding="utf-8") == registry


def test_the_json_zip_is_compressed_and_the_same_every_time(tmp_path):
    import zipfile

    from builder.build import write_zip

    files = []
    for n in range(3):
        path = tmp_path / f"r{n}.json"
        path.write_text(json.dumps({"applications": {"new": {"total": n}}, "narrative": "公开" * 2000}), "utf-8")
        files.append(path)
    write_zip(tmp_path / "a.zip", files)
    write_zip(tmp_path / "b.zip", files)
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in zf.infolist())
        assert [zf.read(p.name) for p in files] == [p.read_bytes() for p in files]
    assert (tmp_path / "a.zip").stat().st_size < sum(p.stat().st_size for p in files) / 5
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_build_that_releases_its_reports_prints_the_same_summary(tmp_path):
    """The command line's build lets go of the reports before MkDocs (release=True); what it prints is what a
    build that keeps them prints, stage times aside."""
    root = copy_project(tmp_path, SEEDS)
    kept = build(root, site=False)
    released = build(root, site=False, release=True)
    assert kept.reports and released.reports == [] and released.revisions == {}
    assert released.counts() == kept.counts() and released.counts()["reports"] == len(kept.reports)

    def steady(summary):
        return [line for line in summary.lines() if not line.startswith(("stages", "1 file", "0 files"))]

    assert [line.split(", in ")[0] for line in steady(released)] == [line.split(", in ")[0] for line in steady(kept)]
