"""The command line: parse prints JSON or a clear error naming the file and place."""

import json
import subprocess
import sys

from tests.conftest import ROOT, SEEDS


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd, capture_output=True, text=True)


def test_parse_prints_report_json():
    result = run("parse", str(SEEDS[2]))
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["agency"] == "城东区卫生健康局"
    assert report["applications"]["new"]["total"] == 0


def test_parse_error_names_file_and_place(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("会议纪要\n今天开会。\n", encoding="utf-8")
    result = run("parse", str(bad))
    assert result.returncode != 0
    assert result.stdout == ""
    assert str(bad) in result.stderr and "line 1" in result.stderr and "title" in result.stderr


def test_parse_missing_file_is_an_error(tmp_path):
    result = run("parse", str(tmp_path / "nope.txt"))
    assert result.returncode != 0
    assert "nope.txt" in result.stderr
