"""Same inputs, same outputs: a second build of unchanged inputs gives the same JSON, findings, Markdown and site,
byte for byte; an agency still unconfirmed in the registry keeps its finding."""

import json
import shutil
from pathlib import Path

import pytest

from builder import build as build_module
from builder.build import build
from tests.conftest import SEEDS, copy_project
from tests.test_safety import tree, unconfirmed_report_text

RUN_MKDOCS = build_module.run_mkdocs


def build_keeping_markdown(root: Path, keep: Path, monkeypatch):
    """Build `root`, copying the generated Markdown (the staged docs MkDocs compiles) into `keep`."""

    def run_and_keep(config: Path, docs: Path, site: Path) -> None:
        shutil.copytree(docs, keep)
        RUN_MKDOCS(config, docs, site)

    monkeypatch.setattr(build_module, "run_mkdocs", run_and_keep)
    return build(root)


pytestmark = pytest.mark.slow  # whole builds


def test_two_builds_of_the_default_data_are_identical_byte_for_byte(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "p")
    first = build_keeping_markdown(root, tmp_path / "md1", monkeypatch)
    json1, site1 = tree(root / "data" / "json"), tree(root / "site")
    registry = (root / "data" / "agencies.yaml").read_bytes()
    second = build_keeping_markdown(root, tmp_path / "md2", monkeypatch)
    assert len(json1) == len(first.reports) == len(second.reports) == 13
    assert tree(root / "data" / "json") == json1
    assert tree(tmp_path / "md2") == tree(tmp_path / "md1")
    assert tree(root / "site") == site1
    assert (root / "data" / "agencies.yaml").read_bytes() == registry
    assert second.rule_counts == first.rule_counts


def test_an_unconfirmed_agency_keeps_its_finding_and_its_json_on_the_next_build(tmp_path):
    root = copy_project(tmp_path / "p", SEEDS[:1])
    (root / "data" / "reports" / "chengguan.txt").write_text(unconfirmed_report_text(), encoding="utf-8")
    first = build(root)
    json1 = tree(root / "data" / "json")
    registry = (root / "data" / "agencies.yaml").read_text(encoding="utf-8")
    second = build(root)  # the registry now holds the unconfirmed entry the first build added
    assert first.rule_counts["agency-unconfirmed"] == second.rule_counts["agency-unconfirmed"] == 1
    assert tree(root / "data" / "json") == json1
    assert (root / "data" / "agencies.yaml").read_text(encoding="utf-8") == registry
    report = next(json.loads(v) for k, v in json1.items() if json.loads(v)["agency"] == "城关区卫生健康局")
    finding = next(f for f in report["findings"] if f["rule"] == "agency-unconfirmed")
    assert report["agency_status"] == "unconfirmed"
    assert finding["message"] == (
        f"城关区卫生健康局: unconfirmed agency {report['agency_id']} (region ambiguous), not merged with any other; "
        "confirm it by hand in data/agencies.yaml"
    )
