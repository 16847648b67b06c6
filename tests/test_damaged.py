"""Real reports damaged the ways crawlers and converters do (benchmarks/damage.py), read cell for cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.damage import report_numbers
from builder.checks import check_report
from builder.parse import parse_document
from builder.sources.text import read_text
from tests.tablegen import T
from tests.test_stream import has_reason

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "damaged").glob("*.txt"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_damaged_real_report_reads_as_recorded_cell_for_cell(path):
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = parse_document(read_text(path))
    assert (report["agency"], report["year"]) == (expected["agency"], expected["year"])
    got = report_numbers(report)
    assert {name: got.get(name) for name in expected["read"]} == expected["read"]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_damaged_real_report_is_right_or_null_with_a_finding(path):
    """The recorded reading itself: every number is the clean page's, every null where a number was printed
    has a finding that says why."""
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    findings = check_report(parse_document(read_text(path)), T)
    for name, value in expected["read"].items():
        truth = expected["truth"][name]
        if value is None and truth is not None:
            table, row, *column = name.split(".")
            assert has_reason(findings, ".".join([table, row, *column])), name
        else:
            assert value == truth, name
