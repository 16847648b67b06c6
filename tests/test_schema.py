"""Every parsed report validates against the committed JSON Schema, which matches the template."""

import json

import jsonschema
import pytest

from builder.parse import parse_document
from builder.schema import SCHEMA_FILE, report_schema
from builder.sources import read
from tests.conftest import SEEDS


def test_committed_schema_is_the_one_generated_from_the_model_and_the_template():
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == report_schema()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_report_validates(seed):
    jsonschema.validate(parse_document(read(seed)), report_schema())


def test_schema_rejects_a_zero_written_as_text():
    report = parse_document(read(SEEDS[0]))
    report["applications"]["new"]["total"] = "0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, report_schema())


def test_schema_and_model_refuse_the_same_unknown_note():
    """The notes and findings of the schema are generated from builder.model: what one refuses, so does the other."""
    from builder.model import Report

    report = parse_document(read(SEEDS[2]))  # seed 002: `?0` cells carry notes
    report["cells"]["applications.new.natural_person"]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError, match="colour"):
        jsonschema.validate(report, report_schema())
    with pytest.raises(ValueError, match=r"cells\.applications\.new\.natural_person"):
        Report.from_json(report)


def test_schema_describes_every_field_of_a_finding():
    from builder.checks import make_finding

    finding = make_finding("B1-balance", "…", table="applications", row="new", column="total", left=1, right=2)
    assert set(report_schema()["properties"]["findings"]["items"]["properties"]) == set(finding)
