"""Incremental by content (issue 14, item 2): findings and report pages read back from the memo (builder.memo)
give the same data/json and Markdown as a build without it, byte for byte; after one number changed in one
report, only that report is checked and rendered again, and of the report pages only its own changes."""

import io
import json
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest

from benchmarks.bench_scale import change_one_number
from builder import aggregate, checks, downloads, views
from builder import build as build_module
from builder import memo as memo_module
from builder.build import DOCS_CACHE, MEMO_DIR, build
from builder.checks import load_checks
from builder.memo import Memo, exact_json
from builder.pages import addresses, exports, reportpage
from builder.similarity import signatures_to_pairs
from builder.template import load_template
from tests.conftest import SEEDS, copy_project
from tests.test_safety import tree

pytestmark = pytest.mark.slow  # whole builds (without MkDocs)


def counted_build(root: Path, monkeypatch) -> tuple[object, dict[str, list[str]]]:
    """Build `root` without the site; return (summary, {"check": ids checked, "render": ids rendered, "views": ids
    whose views (rates, charts, downloads) were made, "source": ids whose file was read again for its lines file})."""
    calls: dict[str, list[str]] = {"check": [], "render": [], "views": [], "source": []}
    check, render, report_views = build_module.check_report, reportpage.render_report, views.report_views
    read_lines = build_module.source_lines

    def counted_check(report, template):
        calls["check"].append(report["id"])
        return check(report, template)

    def counted_render(report, template, revisions=None, links=None):
        calls["render"].append(report["id"])
        return render(report, template, revisions, links=links)

    def counted_views(report, template):
        calls["views"].append(report["id"])
        return report_views(report, template)

    def counted_source(path, report):
        calls["source"].append(report["id"])
        return read_lines(path, report)

    monkeypatch.setattr(build_module, "check_report", counted_check)
    monkeypatch.setattr(build_module, "source_lines", counted_source)
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
    assert calls["source"]  # the web pages and Word files have a lines file (UTF-8 text is its own)
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
        "source": [changed["id"]] if addresses.lines_file(changed) else [],
    }
    warm_outputs = outputs(project)

    shutil.rmtree(project / ".cache")  # the same inputs built cold: byte for byte the same
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


# --- keys by digest, downloads joined from pieces, linear candidate pairs ------------------------------------


def test_a_known_report_is_keyed_by_its_digest_and_a_changed_copy_is_not(tmp_path):
    memo = Memo(tmp_path)
    report = {"id": "a-2023", "cells": {"x": [1, 2]}, "year": 2023}
    memo.know(report, "d" * 64)
    assert memo.stand_in([report, 2026]) == [{"\0report": "d" * 64}, 2026]
    assert memo.stand_in([[{**report, "sector": "公安"}]]) == [[{"\0report": "d" * 64, "sector": "公安"}]]
    changed = {**report, "cells": {"x": [1, 3]}}  # equal keys, another value: keyed whole
    assert memo.stand_in(changed) is changed
    assert memo.stand_in({**report, "id": "b-2023"})["cells"] == {"x": [1, 2]}
    computed = []
    for value in (report, {**report}, changed):
        memo.get("report-page", [value], lambda: computed.append(1) or "page")
    assert len(computed) == 2  # the copy holding the same objects is the known report


def test_no_report_changes_after_the_memo_knows_its_digest(project, monkeypatch):
    known = []
    monkeypatch.setattr(Memo, "know", lambda self, report, digest: known.append((report, json.dumps(report))))
    build(project, site=False)
    assert known and all(json.dumps(report) == text for report, text in known)


def test_whole_set_downloads_joined_from_pieces_equal_those_made_from_frames(project):
    template = load_template()
    summary = build(project, site=False)
    reports = sorted((views.with_sector(r, []) for r in summary.reports), key=lambda r: (r["agency"], r["year"]))
    paths = {"figures": "f.csv", "cells": "c.zip", "xlsx": "f.xlsx", "json": "f.json"}
    figures, cells = aggregate.figures_frame(reports, template), aggregate.cells_frame(reports, template)
    labels, cell_labels = aggregate.figure_columns(), {**aggregate.ID_COLUMNS, **aggregate.CELL_COLUMNS}
    old = {  # the same downloads made from the frames of every report at once
        "f.csv": downloads.csv_bytes(figures, labels),
        "f.xlsx": downloads.xlsx_bytes({views.SHEETS["figures"]: figures}, labels),
        "f.json": downloads.json_bytes({"figures": figures}, labels),
        "c.zip": downloads.zip_bytes({"c.csv": downloads.csv_bytes(cells, cell_labels)}),
    }
    pieces = [downloads.report_piece(r, template) for r in reports]
    assert Memo(project / "m").get("piece", [reports[0]], lambda: pieces[0]) == pieces[0]  # memo-exact
    new, frame = downloads.set_files(paths, iter(pieces), views.SHEETS["figures"])
    assert frame.equals(figures)
    assert {k: new[k] for k in ("f.csv", "f.xlsx", "f.json")} == {k: old[k] for k in ("f.csv", "f.xlsx", "f.json")}
    joined, made = zipfile.ZipFile(io.BytesIO(new["c.zip"])), zipfile.ZipFile(io.BytesIO(old["c.zip"]))
    assert joined.testzip() is None and joined.namelist() == made.namelist() == ["c.csv"]
    assert joined.read("c.csv") == made.read("c.csv")
    assert joined.read("c.csv").count(b"\r\n") == len(cells) + 1
    no_cells, _ = downloads.set_files({"figures": "f.csv", "xlsx": "f.xlsx"}, iter(pieces), views.SHEETS["figures"])
    assert no_cells == {k: old[k] for k in ("f.csv", "f.xlsx")}  # a city or county: the figures alone


def test_the_whole_set_lists_equal_those_of_every_report_at_once(project):
    summary = build(project, site=False)
    docs = project / DOCS_CACHE / "downloads"
    assert (docs / "findings.csv").read_bytes().decode() == exports.findings_csv(summary.reports)


def test_a_cap_keeps_candidate_pairs_linear_and_changes_nothing_in_small_buckets():
    alike = [(7, 7, 7)] * 200  # one band, one bucket of 200
    assert len(signatures_to_pairs(alike, 3)) == 200 * 199 // 2
    assert len(signatures_to_pairs(alike, 3, cap=5)) == sum(min(5, 199 - k) for k in range(200))
    few = [(1, 2, 3), (1, 2, 3), (4, 5, 6), (1, 2, 4), (4, 5, 6)]
    assert signatures_to_pairs(few, 3, cap=5) == signatures_to_pairs(few, 3) == {(0, 1), (2, 4)}


def test_the_cap_is_stated_where_the_finding_is_described():
    settings = load_checks()["settings"]["copy"]
    described = next(r for r in load_checks()["rules"] if r["id"] == "copy-same-year")["description"]
    assert str(settings["max_candidates"]) in described["zh"] and str(settings["max_candidates"]) in described["en"]


def test_a_warm_build_neither_shingles_nor_matches_narratives_again(project, monkeypatch):
    calls = []
    shingles, similar = checks.text_to_shingles, checks.find_similar
    monkeypatch.setattr(checks, "text_to_shingles", lambda *a: calls.append("shingles") or shingles(*a))
    monkeypatch.setattr(checks, "find_similar", lambda *a, **k: calls.append("similar") or similar(*a, **k))
    shutil.rmtree(project / MEMO_DIR, ignore_errors=True)
    cold = build(project, site=False)
    assert "shingles" in calls and "similar" in calls
    calls.clear()
    warm = build(project, site=False)
    assert calls == [] and warm.rule_counts == cold.rule_counts


def test_pieces_deflated_apart_join_into_one_zip_with_the_crc_of_the_whole():
    texts = ["机关,1\r\n" * 300, "", 'a,"b,c"\r\n']
    pieces = [
        {
            "cells_crc": zlib.crc32(t.encode()),
            "cells_size": len(t.encode()),
            "cells_deflated": downloads.deflate_piece(t.encode()),
        }
        for t in texts
    ]
    out = io.BytesIO()
    downloads.write_cells_zip(out, "cells.csv", pieces)
    joined = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert joined.testzip() is None  # the crc of the whole, from the pieces' crcs, is right
    assert joined.read("cells.csv") == downloads.cells_head() + "".join(texts).encode()
    assert joined.infolist()[0].date_time == (2000, 1, 1, 0, 0, 0)
    assert downloads.crc32_combine(zlib.crc32(b"ab"), zlib.crc32(b"cde"), 3) == zlib.crc32(b"abcde")


# --- what a rebuild reads again: deleted, added and revised reports, the registry, the code version -----------


def warm_then_cold(root: Path) -> dict[str, bytes]:
    """Build `root` with its caches (warm), then again without any (cold); assert both give the same data/json,
    Markdown and downloads byte for byte; return them."""
    build(root, site=False)
    warm = outputs(root)
    shutil.rmtree(root / ".cache")
    build(root, site=False)
    assert outputs(root) == warm
    return warm


def test_after_a_report_is_added_revised_or_deleted_a_warm_build_equals_a_cold_one(tmp_path):
    root = copy_project(tmp_path / "p")
    reports = root / "data" / "reports"
    build(root, site=False)
    original = sorted(reports.glob("0*.txt"))[0]
    revised = reports / f"{original.stem}-revised.txt"  # the same agency-year with one number more: a revision
    shutil.copy(original, revised)
    change_one_number(revised)
    added = warm_then_cold(root)
    original.unlink()
    deleted = warm_then_cold(root)
    assert added != deleted and len(list((root / "data" / "json").glob("*.json"))) == 13


def test_a_changed_registry_gives_what_a_cold_build_gives(tmp_path):
    root = copy_project(tmp_path / "p")
    first = warm_then_cold(root)
    registry = root / "data" / "agencies.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("{name: 卫生健康,", "{name: 卫生与健康,"), "utf-8")
    assert warm_then_cold(root) != first


def test_another_code_version_recomputes_everything(project, monkeypatch):
    counted_build(project, monkeypatch)
    before = outputs(project)
    monkeypatch.setattr(memo_module, "code_version", lambda: "another builder or template")
    summary, calls = counted_build(project, monkeypatch)
    ids = sorted(r["id"] for r in summary.reports)
    assert sorted(calls["check"]) == sorted(calls["render"]) == sorted(calls["views"]) == ids
    assert outputs(project) == before


def test_revisions_read_back_by_group_equal_those_of_every_report_at_once(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in SEEDS[:4]:
        shutil.copy(path, folder / path.name)
    for n in (1, 2):  # two more files of the first report's agency-year, one with other numbers
        shutil.copy(SEEDS[0], folder / f"{SEEDS[0].stem}-{n}.txt")
        for _ in range(n - 1):
            change_one_number(folder / f"{SEEDS[0].stem}-{n}.txt")
    (folder / f"{SEEDS[0].stem}-1.txt").write_text(SEEDS[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    whole = build_module.parse_all(folder, lambda *a: None)
    assert whole.revisions or any(r.get("witnesses") for r in whole.reports)
    expected = json.dumps([whole.reports, whole.revisions], ensure_ascii=False)
    memo, cache = Memo(tmp_path / "memo"), tmp_path / "parse"
    for _ in range(2):  # computed, then read back
        by_group = build_module.parse_all(folder, lambda *a: None, cache_dir=cache, memo=memo)
        assert json.dumps([by_group.reports, by_group.revisions], ensure_ascii=False) == expected
    assert memo.hits == memo.misses > 0  # each agency-year resolved once, then read back


def test_a_derived_file_is_made_again_only_when_its_inputs_or_the_file_changed(tmp_path):
    made = []

    def make(text):
        return lambda: made.append(text) or text

    docs = build_module.DocsFolder(tmp_path / "docs")
    docs.write_derived("data/a.json", "d1", make("one"))
    docs.remove_others()  # the build's end: what each file was made from is recorded
    again = build_module.DocsFolder(tmp_path / "docs")
    again.write_derived("data/a.json", "d1", make("never"))
    assert made == ["one"] and (tmp_path / "docs" / "data" / "a.json").read_text() == "one"
    again.write_derived("data/a.json", "d2", make("two"))  # other inputs
    again.remove_others()
    (tmp_path / "docs" / "data" / "a.json").write_text("edited by hand")
    third = build_module.DocsFolder(tmp_path / "docs")
    third.write_derived("data/a.json", "d2", make("two"))  # the file changed since: made again
    assert made == ["one", "two", "two"] and (tmp_path / "docs" / "data" / "a.json").read_text() == "two"


def test_a_view_file_changed_or_removed_in_the_docs_folder_is_made_again(project):
    build(project, site=False)
    before = outputs(project)
    docs = project / DOCS_CACHE
    removed, changed = sorted(p for p in docs.rglob("*.xlsx") if "downloads" not in p.parts[-2:])[:2]
    removed.unlink()
    changed.write_bytes(b"PK edited")
    build(project, site=False)  # the views read back from the memo hold only their files' digests
    assert outputs(project) == before


def test_files_no_build_makes_any_more_are_removed_and_a_killed_build_leaves_none(tmp_path):
    docs = build_module.DocsFolder(tmp_path / "docs")
    docs.write_text("a/one.md", "1")
    docs.write_text("b/two.md", "2")
    docs.remove_others()
    second = build_module.DocsFolder(tmp_path / "docs")  # the last build's list: only what it kept is looked at
    second.write_text("a/one.md", "1")
    second.remove_others()
    assert sorted(tree(tmp_path / "docs")) == ["a/one.md"] and not (tmp_path / "docs" / "b").exists()
    killed = build_module.DocsFolder(tmp_path / "docs")
    killed.write_text("c/stray.md", "3")  # killed before remove_others: no manifest is left
    assert not killed.manifest.exists()
    third = build_module.DocsFolder(tmp_path / "docs")
    third.write_text("a/one.md", "1")
    third.remove_others()  # every file of the folder looked at
    assert sorted(tree(tmp_path / "docs")) == ["a/one.md"]
