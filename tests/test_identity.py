"""A report's identity (agency, region, page address) resolved in one step, and the pages its page links to."""

import copy
import dataclasses

import pytest

from builder import agencies, identity, sources
from builder.agencies import load_registry
from builder.identity import Identity, Place, resolve_identities
from builder.parse import parse_document
from tests.conftest import SEEDS
from tests.test_inputs import NAMES, seed_text
from tests.test_safety import unconfirmed_report_text

REGISTRY = load_registry()
NINGXIA = Place("province", "宁夏回族自治区", "640000")
GUYUAN = Place("city", "固原市", "640400")
OLDER_PAGE = "ningxia/zhongwei/shapotou/weijian/2022.md"  # seed 000 retitled for 2022 (copied_year)


def parsed(path) -> dict:
    """The report parsed from a file, named by its file name."""
    return parse_document(sources.read(path, path.name))


@pytest.fixture(scope="module")
def seed_reports() -> list[dict]:
    return [parsed(path) for path in SEEDS]


def test_each_seed_gets_its_confirmed_agency_region_and_page(seed_reports):
    got = resolve_identities(seed_reports, REGISTRY)
    assert got.warnings == {}
    assert [got.by_report[r["id"]] for r in seed_reports] == [
        Identity(
            "ningxia-zhongwei-shapotou-weijian",
            "confirmed",
            (NINGXIA, Place("city", "中卫市", "640500"), Place("county", "沙坡头区", "640502")),
            "ningxia/zhongwei/shapotou/weijian",
            "ningxia/zhongwei/shapotou/weijian/2023",
        ),
        Identity(
            "ningxia-guyuan-longde-weijian",
            "confirmed",
            (NINGXIA, GUYUAN, Place("county", "隆德县", "640423")),
            "ningxia/guyuan/longde/weijian",
            "ningxia/guyuan/longde/weijian/2024",
        ),
        Identity(
            "qinghai-xining-chengdong-weijian",
            "confirmed",
            (
                Place("province", "青海省", "630000"),
                Place("city", "西宁市", "630100"),
                Place("county", "城东区", "630102"),
            ),
            "qinghai/xining/chengdong/weijian",
            "qinghai/xining/chengdong/weijian/2023",
        ),
        Identity(
            "ningxia-guyuan-weijian",
            "confirmed",
            (NINGXIA, GUYUAN),
            "ningxia/guyuan/weijian",
            "ningxia/guyuan/weijian/2019",
        ),
        Identity(
            "sichuan-panzhihua-xiqu-weijian",
            "confirmed",
            (
                Place("province", "四川省", "510000"),
                Place("city", "攀枝花市", "510400"),
                Place("county", "西区", "510403"),
            ),
            "sichuan/panzhihua/xiqu/weijian",
            "sichuan/panzhihua/xiqu/weijian/2023",
        ),
    ]
    assert got.registry["agencies"] == REGISTRY["agencies"]  # nothing new: every seed is a confirmed entry


def test_report_fields_are_the_json_keys_in_their_published_order(seed_reports):
    fields = resolve_identities(seed_reports[3:4], REGISTRY).by_report[seed_reports[3]["id"]].report_fields()
    assert fields == {
        "agency_id": "ningxia-guyuan-weijian",
        "agency_path": "ningxia/guyuan/weijian",
        "agency_status": "confirmed",
        "region": {
            "province": {"name": "宁夏回族自治区", "code": "640000"},
            "city": {"name": "固原市", "code": "640400"},
            "county": None,  # a city-level agency
        },
        "region_name": "宁夏回族自治区 固原市",
        "page": "ningxia/guyuan/weijian/2019",
    }
    assert list(fields) == ["agency_id", "agency_path", "agency_status", "region", "region_name", "page"]


def test_an_identity_is_frozen_and_the_reports_are_not_changed(seed_reports):
    before = copy.deepcopy(seed_reports)
    got = resolve_identities(seed_reports, REGISTRY)
    assert seed_reports == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.by_report[seed_reports[0]["id"]].page = "elsewhere"


def test_an_unplaceable_agency_is_unconfirmed_and_keeps_its_address_in_the_next_build(tmp_path):
    path = tmp_path / "chengguan.txt"
    path.write_text(unconfirmed_report_text(), encoding="utf-8")
    report = parsed(path)
    first = resolve_identities([report], REGISTRY)
    found = first.by_report[report["id"]]
    assert (found.status, found.places, found.region_code, found.region_name) == ("unconfirmed", (), None, "")
    assert (found.agency_path, found.page) == ("unresolved/weijian", "unresolved/weijian/2023")
    assert [(w["code"], w["candidates"]) for w in first.warnings[report["id"]]] == [
        ("region_ambiguous", ["540102", "620102"])
    ]
    assert [e["id"] for e in first.registry["agencies"]][-1] == found.agency_id  # the new unconfirmed entry
    second = resolve_identities([report], first.registry)  # the registry the first build wrote
    assert second.by_report == first.by_report and second.warnings == first.warnings
    assert second.registry["agencies"] == first.registry["agencies"]


def test_two_names_of_one_agency_in_one_year_get_two_pages_the_registrys_first_name_the_plain_one(tmp_path):
    reports = []
    for name in reversed(NAMES[:2]):  # the registry's first name comes last: the order of files does not decide
        path = tmp_path / f"{len(reports)}.txt"
        path.write_text(seed_text(name, 2023), encoding="utf-8")
        reports.append(parsed(path))
    got = resolve_identities(reports, REGISTRY)
    base = "ningxia/zhongwei/shapotou/weijian"
    assert [got.by_report[r["id"]].page for r in reports] == [
        f"{base}/2023-zhongweishishapotouquweishengjiankangwei",
        f"{base}/2023",
    ]
    assert {got.by_report[r["id"]].agency_id for r in reports} == {"ningxia-zhongwei-shapotou-weijian"}
    assert [w["code"] for w in got.warnings[reports[0]["id"]]] == ["new_name"]


def test_the_registry_is_indexed_once_per_build_not_once_per_report(seed_reports, monkeypatch):
    made = []

    class Counted(agencies.RegistryIndex):
        def __init__(self, registry):
            made.append(1)
            super().__init__(registry)

    monkeypatch.setattr(identity, "RegistryIndex", Counted)
    resolve_identities(seed_reports, REGISTRY)
    assert len(made) == 1


# --- what a report's page links to: passed to the renderer, never carried in the report ---------------


@pytest.fixture(scope="module")
def copied_year(tmp_path_factory) -> list[dict]:
    """Seed 000 for 2022 and, unchanged but for its year, for 2023: the later one copies the earlier one."""
    from builder.build import enrich
    from builder.template import load_template

    folder = tmp_path_factory.mktemp("copied")
    reports = []
    for year in (2022, 2023):
        (folder / f"{year}.txt").write_text(seed_text(NAMES[0], year), encoding="utf-8")
        reports.append(parsed(folder / f"{year}.txt"))
    enrich(reports, REGISTRY, load_template())
    return reports


def test_links_name_the_pages_of_the_reports_a_finding_is_about(copied_year):
    from builder.build import report_links

    older, newer = copied_year
    assert [f["related"] for f in newer["findings"] if f.get("related")] == [older["id"]]
    assert report_links(copied_year) == {
        older["id"]: {},
        newer["id"]: {older["id"]: OLDER_PAGE},
    }
    assert all("related_pages" not in r for r in copied_year)  # the report carries no page data


def test_the_report_page_links_what_it_is_given_and_nothing_else(copied_year):
    from builder.build import report_links
    from builder.pages import reportpage
    from builder.template import load_template

    newer = copied_year[1]
    linked = reportpage.render_report(newer, load_template(), links=report_links(copied_year)[newer["id"]])
    assert f" ([{copied_year[0]['id']}](../../../../{OLDER_PAGE}))" in linked
    assert "2022.md" not in reportpage.render_report(newer, load_template())


def test_a_remembered_report_page_is_rendered_again_when_its_links_change(copied_year, tmp_path):
    from builder.build import report_links, report_renderer
    from builder.memo import Memo
    from builder.template import load_template

    newer, template = copied_year[1], load_template()
    with_links = report_renderer(Memo(tmp_path), report_links(copied_year))(newer, template)
    without = report_renderer(Memo(tmp_path), {})(newer, template)
    assert f"(../../../../{OLDER_PAGE}))" in with_links and "2022.md" not in without
