"""Tests of the divisions dataset and of region resolution, on the seeds and on names that repeat."""

from pathlib import Path

import pytest

from builder.regions import children, division_slug, find_mentions, load_divisions, region_slugs, resolve_region

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = load_divisions()

# Worked out by hand from each seed's title and body, and checked against the 民政部 list.
SEEDS = [
    ("000", "中卫市沙坡头区卫生健康局", ("640000", "宁夏回族自治区"), ("640500", "中卫市"), ("640502", "沙坡头区")),
    ("001", "隆德县卫生健康局", ("640000", "宁夏回族自治区"), ("640400", "固原市"), ("640423", "隆德县")),
    ("002", "城东区卫生健康局", ("630000", "青海省"), ("630100", "西宁市"), ("630102", "城东区")),
    ("003", "固原市卫生健康委", ("640000", "宁夏回族自治区"), ("640400", "固原市"), None),
    ("004", "攀枝花市西区卫生健康局", ("510000", "四川省"), ("510400", "攀枝花市"), ("510403", "西区")),
]


def seed_text(prefix: str) -> str:
    return next((ROOT / "data" / "reports").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def ref(pair):
    return {"code": pair[0], "name": pair[1]} if pair else None


@pytest.mark.parametrize("prefix, name, province, city, county", SEEDS)
def test_seed_resolves_to_its_region(prefix, name, province, city, county):
    region = resolve_region(name, seed_text(prefix))
    assert region["status"] == "resolved"
    assert (region["province"], region["city"], region["county"]) == (ref(province), ref(city), ref(county))


@pytest.mark.parametrize(
    "prefix, name, clues",
    [
        ("000", "中卫市沙坡头区卫生健康局", {"name:沙坡头区", "phone:0955", "website:spt.gov.cn", "text:宁夏"}),
        ("002", "城东区卫生健康局", {"name:城东区", "text:西宁市", "text:青海"}),
        ("003", "固原市卫生健康委", {"name:固原市", "website:nxgy.gov.cn"}),
    ],
)
def test_seed_clues_say_what_decided(prefix, name, clues):
    assert clues <= set(resolve_region(name, seed_text(prefix))["clues"])


def test_longest_name_wins_so_shapotou_is_not_potou():
    assert [n for n, _ in find_mentions("中卫市沙坡头区卫生健康局", DIVISIONS)] == ["中卫市", "沙坡头区"]


@pytest.mark.parametrize(
    "name, codes",
    [
        ("城关区卫生健康局", ["540102", "620102"]),
        ("和平区教育局", ["120101", "210102"]),
        ("新华区卫生健康局", ["130105", "130902", "410402"]),
        ("郊区卫生健康局", ["140311", "230811", "340711"]),
        ("铁西区卫生健康局", ["210106", "210303", "220302"]),
    ],
)
def test_bare_repeated_district_is_ambiguous_not_guessed(name, codes):
    region = resolve_region(name)
    assert region["status"] == "ambiguous"
    assert [c["code"] for c in region["candidates"]] == codes
    assert region["county"] is None


def test_other_clues_decide_between_places_of_one_name():
    assert resolve_region("城关区卫生健康局", "地址：兰州市城关区")["county"]["code"] == "620102"
    assert resolve_region("城关区卫生健康局", phone="0891-6888888")["county"]["code"] == "540102"


def test_clues_that_narrow_but_do_not_decide_are_reported():
    region = resolve_region("铁西区卫生健康局", "辽宁省")
    assert region["status"] == "ambiguous"
    assert region["province"] == {"code": "210000", "name": "辽宁省"}
    assert [c["code"] for c in region["candidates"]] == ["210106", "210303"]


def test_body_text_resolves_a_name_without_place():
    region = resolve_region("卫生健康局", "西宁市城东区 信用青海")
    assert region["status"] == "resolved" and region["county"]["code"] == "630102"


def test_nothing_to_go_on_is_unresolved():
    assert resolve_region("卫生健康局")["status"] == "unresolved"
    # 东区 is a district of 攀枝花市, but in prose (和谐东区) a two-character county name proves nothing.
    assert resolve_region("卫生健康局", "和谐东区21篇")["status"] == "unresolved"


def test_pingtan_zone_resolves_to_pingtan_county():
    region = resolve_region("平潭综合实验区")
    assert region["status"] == "resolved"
    assert (region["city"]["code"], region["county"]["code"]) == ("350100", "350128")


def test_dataset_shape():
    by_code = DIVISIONS.by_code
    levels = [d.level for d in by_code.values()]
    assert (levels.count("province"), levels.count("city")) == (34, 333)
    assert all(len(c) == 6 and c.isdigit() for c in by_code)
    assert all(d.parent_code in by_code for d in by_code.values() if d.level != "province")


def test_dataset_follows_recent_changes():
    names = DIVISIONS.by_name
    assert "莱芜市" not in names and names["莱芜区"] == ("370116",)  # 莱芜市 abolished in 2019
    assert names["会理市"] == ("513402",)  # 会理县 513425 became 会理市 513402 in 2021
    assert names["平潭县"] == ("350128",)
    assert "雄安新区" not in names  # not a division in the 民政部 list


def test_children_list_a_city():
    assert "隆德县" in [d.name for d in children("640400")]
    assert [d.name for d in children("640400")][0] == "原州区"


def test_slugs_are_ascii_and_distinct():
    assert region_slugs(resolve_region("中卫市沙坡头区卫生健康局")) == ["ningxia", "zhongwei", "shapotou"]
    assert (division_slug("610000"), division_slug("140000")) == ("shaanxi", "shanxi")
    slugs = [division_slug(d.code) for d in children(None)]
    assert len(set(slugs)) == len(slugs) and all(s.isascii() for s in slugs)
