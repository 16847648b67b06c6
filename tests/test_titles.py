"""Titles and metadata in every form: the agency and year from the title, the body, the signature or the publisher."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.model import Document, ReportError
from builder.parse import parse_document, parse_title
from builder.sources.text import crawler_header, read_text, text_to_lines

CASES = Path(__file__).parent / "fixtures" / "cases"
BODY = "\n".join(
    [
        "一、总体情况",
        "2023年，本机关全面推进政务公开工作。",
        "五、存在的主要问题及改进情况",
        "无。",
        "六、其他需要报告的事项",
        "无。",
    ]
)


def parse_text(text: str, meta: dict | None = None) -> dict:
    return parse_document(Document("t.txt", "text", text_to_lines(text), meta=meta or {}))


@pytest.mark.parametrize("case", ["text_year_first_title.txt", "text_fullwidth_title_year.txt"])
def test_title_cases_give_agency_and_year(case):
    report = parse_document(read_text(CASES / case))
    assert (report["agency"], report["year"]) == ("某某区卫生健康局", 2023)


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        ("某某区卫生健康局2023年政府信息公开工作年度报告", "某某区卫生健康局", 2023),
        ("2023年某某区卫生健康局政府信息公开工作年度报告", "某某区卫生健康局", 2023),
        ("某某区卫生健康局２０２３年度政府信息公开工作年度报告", "某某区卫生健康局", 2023),
        ("某某区卫生健康局 2023 年政府信息公开工作年度报告", "某某区卫生健康局", 2023),
        ("关于报送某某区卫生健康局2020年度政府信息公开工作年度报告的函", "某某区卫生健康局", 2020),
        ("关于报送2020年度政府信息公开工作年度报告的函", None, 2020),
        (
            "平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会",
            "平潭综合实验区",
            2023,
        ),
        ("某某市卫生健康委员会政府信息公开工作年度报告（2023年度）", "某某市卫生健康委员会", 2023),
        ("标题:政府信息公开工作年度报告", None, None),
        (
            "2024/1/5 10:23 平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会",
            "平潭综合实验区",
            2023,
        ),
    ],
)
def test_parse_title_reads_every_shape(title, agency, year):
    assert parse_title(title, 1)[1:3] == (agency, year)


def test_title_over_sixty_characters():
    agency = "中国共产党某某市委员会某某工作领导小组办公室暨某某市人民政府某某事务管理服务中心某某分中心"
    report = parse_text(f"{agency}2023年度政府信息公开工作年度报告\n{BODY}")
    assert len(report["title"]) > 60
    assert (report["agency"], report["year"]) == (agency, 2023)


def test_cover_letter_takes_the_agency_from_the_body():
    text = (
        "关于报送2020年度政府信息公开工作年度报告的函\n"
        "区政府办公室：\n"
        "现将《某某区卫生健康局2020年度政府信息公开工作年度报告》报送你们，请审阅。\n" + BODY
    )
    report = parse_text(text)
    assert (report["agency"], report["year"], report["agency_source"]) == ("某某区卫生健康局", 2020, "body")


def test_cover_letter_takes_the_agency_from_the_signature():
    text = "关于报送2020年度政府信息公开工作年度报告的函\n" + BODY + "\n某某县市场监督管理局\n2021年1月20日"
    report = parse_text(text)
    assert (report["agency"], report["year"], report["agency_source"]) == ("某某县市场监督管理局", 2020, "signature")
    assert report["date_signed"] == "2021-01-20"


def test_title_without_agency_falls_back_to_the_publisher():
    report = parse_text("2023年度政府信息公开工作年度报告\n" + BODY, {"publisher": "某某镇人民政府"})
    assert (report["agency"], report["agency_source"]) == ("某某镇人民政府", "publisher")


def test_agency_that_cannot_be_told_fails_with_that_reason():
    with pytest.raises(ReportError, match="cannot tell the agency"):
        parse_text("2023年度政府信息公开工作年度报告\n" + BODY)


def test_agency_never_contains_the_report_title_words():
    title = "平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会"
    report = parse_text(BODY, {"title": title, "publisher": "平潭综合实验区党工委管委会"})
    assert (report["agency"], report["year"]) == ("平潭综合实验区", 2023)
    assert "年度报告" not in report["agency"] and "政府信息公开" not in report["agency"]


def test_crawler_metadata_lines_become_provenance():
    lines = [
        "标题: 某某区卫生健康局2023年政府信息公开工作年度报告",
        "发布时间: 2024-01-20 10:00",
        "文号: ",
        "发布机构: 某某区卫生健康局",
        "栏目: 政府信息公开年报",
        "原文链接: https://example.gov.cn/a/b.htm",
        "==================== 正文 ====================",
        "一、总体情况",
    ]
    meta, used = crawler_header(lines)
    assert used == 7
    assert meta == {
        "title": "某某区卫生健康局2023年政府信息公开工作年度报告",
        "published": "2024-01-20 10:00",
        "publisher": "某某区卫生健康局",
        "url": "https://example.gov.cn/a/b.htm",
    }


def test_crawler_title_line_is_never_part_of_the_agency(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(
        "标题: 某某区卫生健康局2023年政府信息公开工作年度报告\n发布时间: 2024-01-20 10:00\n"
        "原文链接: https://example.gov.cn/a/b.htm\n" + BODY,
        encoding="utf-8",
    )
    report = parse_document(read_text(path))
    assert report["agency"] == "某某区卫生健康局"
    assert report["source"]["url"] == "https://example.gov.cn/a/b.htm"
    assert report["source"]["published"] == "2024-01-20 10:00"


def test_report_text_starting_with_a_source_line_is_not_a_crawler_header():
    meta, used = crawler_header(["来源：某某区卫生健康局", "某某区卫生健康局2023年政府信息公开工作年度报告"])
    assert (meta, used) == ({}, 0)


def test_title_printed_in_book_title_marks_is_still_the_title():
    report = parse_text("《某某区卫生健康局2023年政府信息公开工作年度报告》\n" + BODY)
    assert (report["agency"], report["year"], report["agency_source"]) == ("某某区卫生健康局", 2023, "title")
