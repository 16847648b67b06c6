"""Tests of the agency registry: matching by name and region, the never-guess rule, and stable addresses."""

import json
from pathlib import Path

import pytest

from builder.agencies import (
    agency_path,
    check_registry,
    load_registry,
    match_agency,
    move_agency,
    new_entry,
    normalize_name,
    redirects,
    registry_to_yaml,
    rename_agency,
    report_path,
    unique_path,
    with_entry,
)
from builder.regions import load_divisions, region_code, resolve_region

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry()


def match(name, text="", registry=REGISTRY):
    return match_agency(registry, name, resolve_region(name, text))


def seed_text(prefix: str) -> str:
    return next((ROOT / "data" / "reports").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "prefix, name, path",
    [
        ("000", "中卫市沙坡头区卫生健康局", "ningxia/zhongwei/shapotou/weijian"),
        ("001", "隆德县卫生健康局", "ningxia/guyuan/longde/weijian"),
        ("002", "城东区卫生健康局", "qinghai/xining/chengdong/weijian"),
        ("003", "固原市卫生健康委", "ningxia/guyuan/weijian"),
        ("004", "攀枝花市西区卫生健康局", "sichuan/panzhihua/xiqu/weijian"),
    ],
)
def test_every_seed_matches_its_confirmed_entry(prefix, name, path):
    entry, warnings = match(name, seed_text(prefix))
    assert (agency_path(entry), entry["status"], warnings) == (path, "confirmed", [])


def test_pingtan_reports_match_the_zone():
    entry, warnings = match("平潭综合实验区")
    assert warnings == []
    assert report_path(entry, 2024) == "fujian/fuzhou/pingtan/zhengfu/2024"
    assert entry["region"]["county"] == {"name": "平潭县", "code": "350128"}


@pytest.mark.parametrize(
    "variant", ["固原市卫生健康委员会", "固原市卫生健康委", "  固原市 卫生健康委　", "# 固原市卫生健康委员会"]
)
def test_name_variants_collapse_to_one_agency(variant):
    entry, warnings = match(variant)
    assert (entry["id"], warnings) == ("ningxia-guyuan-weijian", [])


def test_unknown_spelling_of_a_known_agency_is_matched_and_flagged():
    entry, warnings = match("固原市卫生和计划生育委员会")
    assert entry["id"] == "ningxia-guyuan-weijian"
    assert "固原市卫生和计划生育委员会" in entry["names"]
    assert [w["code"] for w in warnings] == ["new_name"]


def test_ambiguous_region_is_never_merged():
    registry = with_entry(
        REGISTRY,
        {
            **new_entry(REGISTRY, "城关区卫生健康局", resolve_region("城关区卫生健康局", "兰州市")),
            "status": "confirmed",
        },
    )
    entry, warnings = match("城关区卫生健康局", registry=registry)
    assert entry["status"] == "unconfirmed"
    assert entry["id"] not in {e["id"] for e in registry["agencies"]}
    assert [(w["code"], w["candidates"]) for w in warnings] == [("region_ambiguous", ["540102", "620102"])]


def test_new_agency_in_known_region_is_unconfirmed_with_warning():
    entry, warnings = match("沙坡头区教育局")
    assert (agency_path(entry), entry["status"], entry["sector"]) == (
        "ningxia/zhongwei/shapotou/jiaoyu",
        "unconfirmed",
        "教育",
    )
    assert [w["code"] for w in warnings] == ["new_agency"]


def test_colliding_paths_get_a_suffix():
    assert unique_path("a/b", {"a/b", "a/b-2"}) == "a/b-3"
    first, _ = match("沙坡头区教育局")
    registry = with_entry(REGISTRY, first)
    second = new_entry(registry, "沙坡头区教育体育局", resolve_region("沙坡头区教育体育局"))
    assert agency_path(second) == "ningxia/zhongwei/shapotou/jiaoyu-2"
    assert check_registry(with_entry(registry, second)) == []


def test_move_and_rename_keep_old_addresses():
    entry = next(e for e in REGISTRY["agencies"] if e["id"] == "ningxia-guyuan-weijian")
    renamed = rename_agency(entry, "固原市卫生健康委员会")
    assert (renamed["name"], agency_path(renamed)) == ("固原市卫生健康委员会", "ningxia/guyuan/weijian")
    moved = move_agency(renamed, "ningxia/guyuan/weijianwei")
    assert moved["paths"] == ["ningxia/guyuan/weijianwei", "ningxia/guyuan/weijian"]
    assert redirects(with_entry(REGISTRY, moved)) == [("ningxia/guyuan/weijian", "ningxia/guyuan/weijianwei")]


def test_normalize_name():
    assert normalize_name("＃ 固原市卫生健康委　\n") == "固原市卫生健康委"


def test_registry_is_sound():
    assert check_registry(REGISTRY) == []


def test_registry_check_names_each_fault_of_a_broken_registry():
    first, second = REGISTRY["agencies"][:2]
    broken = {
        **REGISTRY,
        "agencies": [
            *REGISTRY["agencies"],
            {**second, "id": first["id"], "paths": ["ningxia/Guyuan/卫健"]},  # a taken id, a path not ASCII
            {**second, "id": "another", "paths": [agency_path(first)]},  # a taken path
        ],
    }
    assert [(w["code"], w["name"], w["message"]) for w in check_registry(broken)] == [
        ("duplicate_id", second["name"], f"id {first['id']} also used by {first['name']}"),
        ("bad_path", second["name"], "path 'ningxia/Guyuan/卫健' is not lowercase ASCII a-z0-9-/"),
        ("duplicate_path", second["name"], f"path {agency_path(first)} also used by {first['name']}"),
    ]


def test_registry_writes_back_as_it_reads(tmp_path):
    (tmp_path / "agencies.yaml").write_text(registry_to_yaml(REGISTRY), encoding="utf-8")
    assert load_registry(tmp_path / "agencies.yaml") == REGISTRY


@pytest.mark.parametrize("golden", sorted((ROOT / "tests" / "golden").glob("*.json")), ids=lambda p: p.stem)
def test_every_golden_reports_agency_is_a_confirmed_entry(golden):
    name = json.loads(golden.read_text(encoding="utf-8"))["agency"]
    entry, warnings = match(name)
    assert (entry["status"], warnings) == ("confirmed", [])
    assert entry in REGISTRY["agencies"] and normalize_name(name) in entry["names"]


def test_registry_regions_agree_with_dataset_and_names():
    by_code = load_divisions().by_code
    for entry in REGISTRY["agencies"]:
        for level in ("province", "city", "county"):
            ref = entry["region"][level]
            assert ref is None or by_code[ref["code"]].name == ref["name"], entry["id"]
        assert region_code(resolve_region(entry["name"])) == region_code(entry["region"]), entry["id"]
