"""Builds that scale: parse results cached by content and parser version, a worker pool that survives a dead
worker, generated pages rewritten only when they change (issue 14: 2, 3)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from fnmatch import fnmatch
from pathlib import Path

import pytest

from builder import build as build_module
from builder import isolation, parsecache
from builder.build import build
from tests.conftest import ROOT, SEEDS, copy_project

INLINE = isolation.Limits(workers=0)


@pytest.fixture
def parse_calls(monkeypatch) -> list[str]:
    """The names of the files parse_file is called on (builds run with INLINE limits, in this process)."""
    calls = []
    parse_file = build_module.parse_file

    def counting(path, display, *args):
        calls.append(display)
        return parse_file(path, display, *args)

    monkeypatch.setattr(build_module, "parse_file", counting)
    return calls


def test_a_second_build_of_unchanged_inputs_parses_nothing(tmp_path, parse_calls):
    root = copy_project(tmp_path / "p", SEEDS)
    first = build(root, site=False, limits=INLINE)
    json1 = {p.name: p.read_bytes() for p in (root / "data" / "json").iterdir()}
    assert sorted(parse_calls) == sorted(p.name for p in SEEDS)
    assert (first.parsed, first.cached) == (len(SEEDS), 0)
    parse_calls.clear()
    second = build(root, site=False, limits=INLINE)
    assert parse_calls == []
    assert (second.parsed, second.cached) == (0, len(SEEDS))
    assert {p.name: p.read_bytes() for p in (root / "data" / "json").iterdir()} == json1
    assert f"0 files parsed, {len(SEEDS)} unchanged (read from the parse cache)" in second.lines()


def test_a_changed_file_is_parsed_again_and_only_it(tmp_path, parse_calls):
    root = copy_project(tmp_path / "p", SEEDS)
    build(root, site=False, limits=INLINE)
    changed = root / "data" / "reports" / SEEDS[0].name
    text = changed.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("一、本年新收政府信息公开申请数量"))
    changed.write_text(text.replace(row, row.replace("\t\t0\t", "\t\t7\t", 1)), encoding="utf-8")
    parse_calls.clear()
    summary = build(root, site=False, limits=INLINE)
    assert parse_calls == [SEEDS[0].name]
    assert (summary.parsed, summary.cached) == (1, len(SEEDS) - 1)
    report = next(r for r in summary.reports if r["source"]["file"] == SEEDS[0].name)
    assert report["applications"]["new"]["natural_person"] == 7
    assert len(list((root / build_module.CACHE_DIR).glob("*/*.json"))) == len(SEEDS)  # the old entry is removed


def test_another_parser_version_parses_everything_again(tmp_path, parse_calls, monkeypatch):
    root = copy_project(tmp_path / "p", SEEDS[:2])
    build(root, site=False, limits=INLINE)
    parse_calls.clear()
    monkeypatch.setattr(parsecache, "parser_version", lambda: "another parser")
    summary = build(root, site=False, limits=INLINE)
    assert sorted(parse_calls) == sorted(p.name for p in SEEDS[:2])
    assert summary.cached == 0


def test_the_parser_version_changes_with_any_parser_file(tmp_path, monkeypatch):
    package = tmp_path / "builder"
    shutil.copytree(ROOT / "builder", package)
    shutil.copytree(ROOT / "data" / "divisions", tmp_path / "data" / "divisions")
    monkeypatch.setattr(parsecache, "PACKAGE", package)
    versions = []
    for edit in (None, "builder/cells.py", "builder/sources/text.py", "builder/template/template.yaml"):
        if edit:
            with open(tmp_path / edit, "a", encoding="utf-8") as f:
                f.write("\n# changed\n")
        parsecache.parser_version.cache_clear()
        versions.append(parsecache.parser_version())
    parsecache.parser_version.cache_clear()
    assert len(set(versions)) == len(versions)


WHAT_PARSING_USES = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    root = Path(sys.argv[1])
    opened = set()
    def hook(event, args):
        if event == "open" and isinstance(args[0], str):
            opened.add(args[0])
    sys.addaudithook(hook)
    from builder import sources
    from builder.parse import parse_document
    from builder.sources import docx, html, pdf, text  # every reader
    for path in sys.argv[2:]:
        parse_document(sources.read(Path(path)))
    modules = [getattr(m, "__file__", None) or "" for name, m in sys.modules.items() if name.startswith("builder")]
    print(json.dumps({"modules": modules, "opened": sorted(opened)}))
    """
)


def test_parsing_uses_no_file_outside_the_parser_version():
    """The parser version hashes PARSER_FILES: parsing must import and read nothing else of the project, else
    a change there would leave cached results stale."""
    out = subprocess.run(
        [sys.executable, "-c", WHAT_PARSING_USES, str(ROOT), *map(str, SEEDS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    used = json.loads(out)
    found = [Path(p).resolve() for p in used["modules"] + used["opened"] if p and "site-packages" not in p]
    rel = {str(p.relative_to(ROOT)) for p in found if p.is_relative_to(ROOT)}  # the project's files, not libraries
    rel = {
        r for r in rel if "__pycache__" not in r and not r.startswith("data/reports/") and r != "builder/__init__.py"
    }
    assert "builder/parse.py" in rel
    uncovered = sorted(r for r in rel if not any(fnmatch(r, pattern) for pattern in parsecache.PARSER_FILES))
    assert uncovered == []


# --- the worker pool ------------------------------------------------------------------------------------------


def die_on(value):
    """Return the value, or kill this worker (SIGKILL, as the kernel's OOM killer would) on "die"."""
    if value == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return value


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_other_files_still_parse():
    limits = isolation.Limits(seconds=30, workers=2)
    calls = [("a",), ("die",), ("b",), ("c",), ("die",), ("d",), ("e",)]
    with isolation.Pool(die_on, limits) as pool:
        results = pool.run(calls)
        workers = [w.proc for w in pool.idle]
        assert len(workers) == 2 and all(proc.is_alive() for proc in workers)
        assert pool.started == 4  # two at the start, one for each death
    assert [r.value for r in results] == ["a", None, "b", "c", None, "d", "e"]
    assert results[1].error == results[4].error == "the reader crashed: worker killed by SIGKILL (out of memory?)"
    assert not any(proc.is_alive() for proc in workers)  # the pool stops its workers when it ends


@pytest.mark.slow
def test_workers_are_long_lived():
    with isolation.Pool(worker_pid, isolation.Limits(workers=2)) as pool:
        pids = {r.value for r in pool.run([()] * 20)}
    assert len(pids) <= 2 and os.getpid() not in pids


def worker_pid():
    return os.getpid()


@pytest.mark.slow
def test_a_second_site_build_rewrites_no_generated_page(tmp_path):
    root = copy_project(tmp_path / "p", SEEDS[:2])
    build(root)
    docs = root / build_module.DOCS_CACHE
    before = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
    assert any(str(p).endswith(".md") for p in before)
    build(root)
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()} == before


def test_a_file_is_hashed_again_only_when_its_stat_changed(tmp_path, monkeypatch):
    report, store = tmp_path / "a.txt", tmp_path / "cache" / parsecache.FINGERPRINTS
    report.write_text("一、总体情况\n", encoding="utf-8")
    monkeypatch.setattr(parsecache, "RACY_NS", 0)  # the file was written just now: remembered all the same
    first = parsecache.Fingerprints(store)
    digest = first.sha256(report)
    first.save()
    again = parsecache.Fingerprints(store)
    assert again.sha256(report) == digest and again.hashed == 0
    stat = report.stat()
    report.write_text("一、总体情况\t", encoding="utf-8")  # same size, its old mtime put back: the ctime moved
    os.utime(report, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = parsecache.Fingerprints(store)
    assert changed.sha256(report) != digest and changed.hashed == 1


def test_a_file_changed_just_before_the_build_is_not_remembered(tmp_path):
    report, store = tmp_path / "a.txt", tmp_path / parsecache.FINGERPRINTS
    report.write_text("x", encoding="utf-8")
    fingerprints = parsecache.Fingerprints(store)
    fingerprints.sha256(report)
    fingerprints.save()
    assert json.loads(store.read_text(encoding="utf-8")) == {}  # it could change again within the clock's step


def test_a_second_build_hashes_no_unchanged_file(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "p", SEEDS[:3])
    monkeypatch.setattr(parsecache, "RACY_NS", 0)
    build(root, site=False, limits=INLINE)
    hashed = []
    sha256 = parsecache.Fingerprints.sha256
    monkeypatch.setattr(
        parsecache.Fingerprints, "sha256", lambda self, path: (sha256(self, path), hashed.append(self.hashed))[0]
    )
    build(root, site=False, limits=INLINE)
    assert len(hashed) == 2 * len(SEEDS[:3]) and set(hashed) == {0}


def test_a_file_is_hashed_once_in_a_build(tmp_path):
    report = tmp_path / "a.txt"
    report.write_text("x", encoding="utf-8")
    fingerprints = parsecache.Fingerprints(tmp_path / parsecache.FINGERPRINTS)
    assert fingerprints.sha256(report) == fingerprints.sha256(report) and fingerprints.hashed == 1
