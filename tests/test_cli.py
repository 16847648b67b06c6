"""The command line run in-process (cli.main): whole messages of parse, check and check --json are pinned."""

import json
import subprocess
import sys

from builder import cli, sources
from builder.checks import check_report
from builder.parse import parse_document
from builder.template import load_template
from tests.conftest import ROOT, SEEDS

SEED_002 = SEEDS[2]  # 城东区卫生健康局 2023: signed before the year ended, one row missing, no year in the title
SIGNED_EARLY = "落款日期 2023-01-18 早于所报告的 2023 年结束，应在 2024 年初"
ROW_MISSING = "表B中找不到“（六）其他处理 3.其他”一行，该行记为缺失"
NO_TITLE_YEAR = "标题未写年份，报告年度 2023 取自正文第3行"
SEED_002_FINDINGS = [
    ("error", "signed-before-year-end", None, None, None, 60, SIGNED_EARLY),
    ("warning", "row-missing", "applications", "other_other", None, None, ROW_MISSING),
    ("info", "title-year-missing", None, None, None, 1, NO_TITLE_YEAR),
]
NOT_FOUND = "cannot read file: No such file or directory"


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run `python -m builder ARGS` in this process: (exit code, stdout, stderr)."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_prints_report_json(capsys):
    code, out, err = run(capsys, "parse", str(SEED_002))
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report == json.loads(json.dumps(parse_document(sources.read(SEED_002, str(SEED_002))), ensure_ascii=False))
    assert (report["agency"], report["year"], report["applications"]["new"]["total"]) == ("城东区卫生健康局", 2023, 0)


def test_parse_error_names_file_and_place(capsys, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("会议纪要\n今天开会。\n", encoding="utf-8")
    assert run(capsys, "parse", str(bad)) == (
        2,
        "",
        f"error: {bad}:line 1: cannot tell the agency: no title names it "
        "(expected e.g. 'XX局2023年政府信息公开工作年度报告'), nor the body, the signature or a publisher line\n",
    )


def test_parse_missing_file_is_an_error(capsys, tmp_path):
    missing = tmp_path / "nope.txt"
    assert run(capsys, "parse", str(missing)) == (
        2,
        "",
        f"error: {missing}: {NOT_FOUND}\n",
    )


SEED_002_CHECKED = (
    f"{SEED_002}: 城东区卫生健康局 2023 (2021 template): 3 findings\n"
    f"  error   signed-before-year-end   -:line 60  {SIGNED_EARLY}\n"
    f"  warning row-missing              applications.other_other  {ROW_MISSING}\n"
    f"  info    title-year-missing       -:line 1  {NO_TITLE_YEAR}\n"
)


def test_check_prints_each_finding_on_a_line_errors_first_and_exits_1(capsys):
    assert run(capsys, "check", str(SEED_002)) == (1, SEED_002_CHECKED, "")


def test_python_dash_m_builder_runs_the_same_command_line():
    """The one test through a real `python -m builder` process: the entry point, its exit code and streams."""
    done = subprocess.run(
        [sys.executable, "-m", "builder", "check", str(SEED_002)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, SEED_002_CHECKED, "")


def test_check_json_prints_the_same_findings_as_one_object(capsys):
    code, out, err = run(capsys, "check", "--json", str(SEED_002))
    assert (code, err) == (1, "")
    printed = json.loads(out)
    assert list(printed) == ["file", "agency", "year", "template", "findings"]
    assert (printed["file"], printed["agency"], printed["year"], printed["template"]) == (
        str(SEED_002),
        "城东区卫生健康局",
        2023,
        "2021",
    )
    fields = ("severity", "rule", "table", "row", "column", "line", "message")
    assert [tuple(f[k] for k in fields) for f in printed["findings"]] == SEED_002_FINDINGS
    checked = check_report(parse_document(sources.read(SEED_002, str(SEED_002))), load_template())
    assert printed["findings"] == json.loads(json.dumps(cli.by_severity(checked)))  # every key, not only these


def test_check_json_of_a_clean_report_exits_0(capsys):
    code, out, _ = run(capsys, "check", "--json", str(SEEDS[0]))
    assert code == 0
    assert [(f["severity"], f["rule"]) for f in json.loads(out)["findings"]] == [("info", "cells-blank")]


def test_check_json_of_an_unreadable_file_prints_nothing_and_exits_2(capsys, tmp_path):
    missing = tmp_path / "nope.txt"
    assert run(capsys, "check", "--json", str(missing)) == (
        2,
        "",
        f"error: {missing}: {NOT_FOUND}\n",
    )
