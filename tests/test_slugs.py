"""Place names romanised right: every division's slug against the checked list, place names inside agency names,
and registered addresses that stay where they were published."""

import csv

import pytest

from builder.agencies import load_registry
from builder.parse import parse_document
from builder.regions import DATA_DIR, all_division_slugs, division_slug, load_divisions, region_slugs, short_name
from builder.slugs import compact_slug, read_place_readings, report_id, slugify
from builder.sources import read
from tests.conftest import ROOT

CASES = ROOT / "tests" / "fixtures" / "cases"


def checked_slugs() -> dict[str, tuple[str, str]]:
    """data/divisions/slugs_checked.csv: {code: (name, slug)}, every division's slug as checked by hand."""
    with open(DATA_DIR / "slugs_checked.csv", encoding="utf-8", newline="") as f:
        return {r["code"]: (r["name"], r["slug"]) for r in csv.DictReader(f)}


def test_every_division_slug_is_the_checked_one():
    d = load_divisions()
    checked = checked_slugs()
    assert set(checked) == set(d.by_code)
    assert all(checked[code][0] == d.by_code[code].name for code in checked)
    slugs = all_division_slugs(d)
    wrong = {
        code: (checked[code][0], slugs[code], checked[code][1]) for code in checked if slugs[code] != checked[code][1]
    }
    assert not wrong, f"(name, slug, checked slug) by code: {wrong}"


@pytest.mark.parametrize(
    "code, slug",
    [
        ("310105", "changning"),  # 长宁区, 上海: not zhangning
        ("411100", "luohe"),  # 漯河市: not tahe
        ("141024", "hongtong"),  # 洪洞县: not hongdong
        ("440114", "huadu"),  # 花都区: not huadou
        ("510117", "pidu"),  # 郫都区: not pidou
        ("341621", "guoyang"),  # 涡阳县: not woyang
        ("410621", "xunxian"),  # 浚县: not junxian
        ("411104", "shaoling"),  # 召陵区: not zhaoling
        ("320113", "qixia"),  # 栖霞区: CC-CEDICT's xixia rejected
        ("140428", "zhangzi"),  # 长子县 is read zhang, as pypinyin has it
        ("610000", "shaanxi"),  # 陕西, set apart from 山西 shanxi
        ("140109", "wanbailin"),  # 万柏林区: 林 belongs to the name, not to a suffix 林区
    ],
)
def test_names_the_issue_lists(code, slug):
    assert division_slug(code) == slug


@pytest.mark.parametrize(
    "agency, slug",
    [
        ("上海市长宁区卫生健康委员会", "shanghaishichangningquweishengjiankangweiyuanhui"),  # not shi zhang ning
        ("长宁区卫生健康委员会", "changningquweishengjiankangweiyuanhui"),
        ("西安市长安区教育局", "xianshichanganqujiaoyuju"),  # 长安 reads right alone, but 市长 must not join
        ("辽宁省朝阳市财政局", "liaoningshengchaoyangshicaizhengju"),
        ("漯河市召陵区人民政府", "luoheshishaolingqurenminzhengfu"),
        ("中国人民银行唐山市中心支行", "zhongguorenminyinhang" + "tangshanshizhongxinzhixing"),  # 银行 kept whole
        ("陕西省卫生健康委员会", "shaanxishengweishengjiankangweiyuanhui"),
        ("山西省卫生健康委员会", "shanxishengweishengjiankangweiyuanhui"),
    ],
)
def test_agency_names_read_their_places_as_places(agency, slug):
    assert compact_slug(agency) == slug


def test_slugify_keeps_syllables_apart_and_ascii_as_it_is():
    assert slugify("长宁区 Office 2") == "chang-ning-qu-office-2"


@pytest.mark.parametrize(
    "case, expected", [("text_place_changning.txt", "changning"), ("text_place_hongtong.txt", "hongtong")]
)
def test_case_report_ids_romanise_the_place(case, expected):
    report = parse_document(read(CASES / case))
    assert expected in report["id"], report["id"]
    assert report["id"] == report_id(report["agency"], report["year"])


def test_place_readings_give_one_syllable_per_character(tmp_path):
    readings = read_place_readings(DATA_DIR / "place_pinyin.csv")
    assert readings["长宁"] == ("chang", "ning") and readings["漯河"] == ("luo", "he")
    bad = tmp_path / "place_pinyin.csv"
    bad.write_text("name,reading,source,codes\n长宁,chang,x,310105\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"place_pinyin.csv:2: 长宁 has 2 characters"):
        read_place_readings(bad)


def test_every_place_reading_is_the_short_name_of_the_divisions_it_lists():
    d = load_divisions()
    with open(DATA_DIR / "place_pinyin.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        codes = r["codes"].split()
        assert codes and all(short_name(d.by_code[c].name, d.ethnic) == r["name"] for c in codes), r


def test_registered_agencies_sit_under_their_regions_current_slugs():
    """A registered agency's current address begins with its region's slugs; when a division's slug is corrected,
    this fails until the agency is moved (agencies.move_agency) and its old address kept as a redirect."""
    registry = load_registry()
    for entry in registry["agencies"]:
        if entry.get("status") != "confirmed":
            continue
        region = {**entry["region"], "status": "resolved"}
        assert entry["paths"][0].startswith("/".join(region_slugs(region)) + "/"), entry["id"]
