"""Incremental by content (issue 14, item 2): findings and report pages read back from the memo (builder.memo)
give the same data/json and Markdown as a build without it, byte for byte; after one number changed in one
report, only that report is checked and rendered again, and of the report pages only its own changes."""

import shutil
from pathlib import Path

import pytest

from benchmarks.bench_scale import change_one_number
from builder import build as build_module
from builder import views
from builder.build import DOCS_CACHE, MEMO_DIR, build
from builder.memo import Memo, exact_json
from builder.pages import addresses, reportpage
from tests.conftest import copy_project
from tests.test_safety import tree

pytestmark = pytest.mark.slow  # whole builds (without MkDocs)


def counted_build(root: Path, monkeypatch) -> tuple[object, dict[str, list[str]]]:
    """Build `root` without the site; return (summary, {"check": ids checked, "render": ids rendered, "views": ids
    whose views (rates, charts, downloads) were made, "source": ids whose numbered-lines page was rendered})."""
    calls: dict[str, list[str]] = {"check": [], "render": [], "views": [], "source": []}
    check, render, report_views = build_module.check_report, reportpage.render_report, views.report_views
    render_source = reportpage.render_source

    def counted_check(report, template):
        calls["check"].append(report["id"])
        return check(report, template)

    def counted_render(report, template, revisions=None, links=None):
        calls["render"].append(report["id"])
        return render(report, template, revisions, links=links)

    def counted_views(report, template):
        calls["views"].append(report["id"])
        return report_views(report, template)

    def counted_source(report, lines):
        calls["source"].append(report["id"])
        return render_source(report, lines)

    monkeypatch.setattr(build_module, "check_report", counted_check)
    monkeypatch.setattr(reportpage, "render_source", counted_source)
    monkeypatch.setattr(views, "report_views", counted_views)
    monkeypatch.setattr(reportpage, "render_report", counted_render)
    return build(root, site=False), calls


def outputs(root: Path) -> dict[str, bytes]:
    """Every file of data/json and of the Markdown MkDocs reads, by path."""
    return {**tree(root / "data" / "json"), **{f"docs/{k}": v for k, v in tree(root / DOCS_CACHE).items()}}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("incremental"))


def test_a_warm_build_equals_a_cold_one_and_one_change_recomputes_one_report(project, tmp_path, monkeypatch):
    cold, calls = counted_build(project, monkeypatch)
    ids = sorted(r["id"] for r in cold.reports)
    assert sorted(calls["check"]) == sorted(calls["render"]) == sorted(calls["views"]) == ids and len(ids) == 13
    assert calls["source"]  # the text reports have a numbered-lines page
    first = outputs(project)

    warm, calls = counted_build(project, monkeypatch)  # every finding and report page read back
    assert calls == {"check": [], "render": [], "views": [], "source": []}
    assert outputs(project) == first
    assert warm.rule_counts == cold.rule_counts

    changed_file = next(p for p in sorted((project / "data" / "reports").glob("0*.txt")))
    change_one_number(changed_file)
    again, calls = counted_build(project, monkeypatch)
    changed = next(r for r in again.reports if r["source"]["file"].endswith(changed_file.name))
    assert calls == {
        "check": [changed["id"]],
        "render": [changed["id"]],
        "views": [changed["id"]],
        "source": [changed["id"]],
    }
    warm_outputs = outputs(project)

    shutil.rmtree(project / MEMO_DIR)  # the same inputs built cold: byte for byte the same
    _, calls = counted_build(project, monkeypatch)
    assert sorted(calls["render"]) == sorted(calls["views"]) == ids and calls["source"]
    assert outputs(project) == warm_outputs

    report_pages = {f"docs/{addresses.report_page(r)}" for r in again.reports}
    differ = {k for k in warm_outputs if warm_outputs[k] != first.get(k)}
    assert differ & report_pages == {f"docs/{addresses.report_page(changed)}"}
    assert f"{changed['id']}.json" in differ
    assert "docs/index.md" in differ  # the home page lists its figures


def test_inputs_json_cannot_give_back_are_never_cached(tmp_path):
    memo, computed = Memo(tmp_path), []
    for _ in range(2):
        assert memo.get("kind", {"cells": (1, 2)}, lambda: computed.append(1) or "page") == "page"
        assert memo.get("kind", {1: "a"}, lambda: computed.append(1) or "page") == "page"
    assert len(computed) == 4 and not list(tmp_path.rglob("*.json"))
    assert exact_json({"a": [1, None, "城关"]}) == '{"a": [1, null, "城关"]}'
    assert exact_json({"a": (1,)}) is None


def test_a_result_is_read_back_only_for_the_same_kind_and_inputs(tmp_path):
    memo = Memo(tmp_path)
    assert memo.get("findings", {"id": "a"}, lambda: [{"rule": "x"}]) == [{"rule": "x"}]
    assert memo.get("findings", {"id": "a"}, lambda: pytest.fail("computed again")) == [{"rule": "x"}]
    assert memo.get("report-page", {"id": "a"}, lambda: "page") == "page"
    assert memo.get("findings", {"id": "b"}, lambda: []) == []
    assert (memo.hits, memo.misses) == (1, 3)
    fresh = Memo(tmp_path)
    fresh.get("findings", {"id": "a"}, lambda: pytest.fail("computed again"))
    assert fresh.prune() == 2 and len(list(tmp_path.rglob("*.json"))) == 1


def test_bytes_in_a_result_are_read_back_as_the_same_bytes(tmp_path):
    result = ["section", {"a.xlsx": b"PK\x03\x04\x00\xff", "a.csv": "年度".encode()}]
    assert Memo(tmp_path).get("report-views", ["a"], lambda: result) == result
    again = Memo(tmp_path).get("report-views", ["a"], lambda: pytest.fail("computed again"))
    assert again == result and isinstance(again[1]["a.xlsx"], bytes)
