"""Every parsed report validates against the committed JSON Schema, which matches the template."""

import json

import jsonschema
import pytest

from builder.parse import parse_document
from builder.schema import SCHEMA_FILE, report_schema
from builder.sources import read
from tests.conftest import SEEDS


def test_committed_schema_is_the_one_derived_from_the_template():
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == report_schema()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_report_validates(seed):
    jsonschema.validate(parse_document(read(seed)), report_schema())


def test_schema_rejects_a_zero_written_as_text():
    report = parse_document(read(SEEDS[0]))
    report["applications"]["new"]["total"] = "0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, report_schema())
