"""Hostile and broken input: each file fails alone with a clear reason, paths stay safe, nothing is lost."""

import gzip
import hashlib
import html
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import isolation, sources
from builder.build import build, parse_file
from builder.model import ReportError
from builder.parse import parse_document
from tests.conftest import ROOT, SEEDS
from tests.test_escaping import HOSTILE

SEED_TEXT = SEEDS[0].read_text(encoding="utf-8")
SAFE_PATH = re.compile(r"[a-z0-9][a-z0-9._-]*")


# --- fixtures: generated here, one per case ------------------------------------------------------


def reportlab_pdf(path: Path, pages: list[list[str]], encrypt: str | None = None, image: bool = False) -> Path:
    """A PDF of text lines per page (CJK in reportlab's built-in STSong), optionally encrypted, or bare images."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    kwargs = {}
    if encrypt:
        from reportlab.lib.pdfencrypt import StandardEncryption

        kwargs["encrypt"] = StandardEncryption(encrypt, ownerPassword="owner-" + encrypt, canPrint=0)
    c = canvas.Canvas(str(path), pagesize=A4, **kwargs)
    for lines in pages:
        if image:
            from PIL import Image, ImageDraw
            from reportlab.lib.utils import ImageReader

            img = Image.new("RGB", (600, 800), "white")
            ImageDraw.Draw(img).rectangle((100, 100, 500, 140), fill=(200, 200, 200))
            c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        c.setFont("STSong-Light", 10)
        for i, line in enumerate(lines):
            c.drawString(40, 800 - 14 * i, line)
        c.showPage()
    c.save()
    return path


def text_to_html(text: str) -> str:
    """A saved web page of a text report: paragraphs, and tab-separated rows as one table."""
    out, rows = [], []
    for line in text.splitlines():
        if "\t" in line:
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if rows:
            out.append("<table>" + "".join(rows) + "</table>")
            rows = []
        if line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>报告</title></head><body><div class='article'>"
        + "\n".join(out)
        + "</div></body></html>"
    )


def seed_with(agency: str, year: int = 2023) -> str:
    """The first seed report, retitled for another agency."""
    return SEED_TEXT.replace("中卫市沙坡头区卫生健康局 2023 年", f"{agency} {year} 年", 1)


def project(tmp_path: Path, seeds=SEEDS) -> Path:
    root = tmp_path / "project"
    (root / "data" / "reports").mkdir(parents=True)
    for seed in seeds:
        shutil.copy2(seed, root / "data" / "reports" / seed.name)  # keeps the mtime, which provenance records
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


def write_broken_corpus(reports: Path) -> dict[str, str]:
    """Write one file per broken case; return {file name: a phrase its reason must contain}."""
    (reports / "empty.txt").write_bytes(b"")
    pdf = reportlab_pdf(reports / "full.pdf", [SEED_TEXT.splitlines()[i : i + 50] for i in range(0, 200, 50)])
    data = pdf.read_bytes()
    (reports / "truncated.pdf").write_bytes(data[: len(data) // 3])
    pdf.unlink()
    reportlab_pdf(reports / "encrypted.pdf", [SEED_TEXT.splitlines()[:40]], encrypt="secret")
    reportlab_pdf(reports / "pages500.pdf", [[f"第 {n} 页"] for n in range(500)])
    reportlab_pdf(reports / "scan.pdf", [[]], image=True)
    (reports / "page-saved-as.pdf").write_text(text_to_html(seed_with("某市某某局")), encoding="utf-8")
    (reports / "junk.txt").write_bytes(random.Random(6).randbytes(20000))
    (reports / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(2000))
    with open(reports / "huge.txt", "wb") as f:
        f.write(SEED_TEXT.encode("utf-8") * (50 * 2**20 // len(SEED_TEXT.encode("utf-8")) + 1))
    (reports / "big5.txt").write_bytes(seed_with("某市某局").encode("big5", errors="replace"))
    (reports / "no-tables.txt").write_text(
        "某县某某局2023年政府信息公开工作年度报告\n\n一、总体情况\n本局认真贯彻落实条例。\n", encoding="utf-8"
    )
    shutil.copy(reports / SEEDS[1].name, reports / "copy of seed 1.txt")
    return {
        "empty.txt": "empty file (0 bytes)",
        "truncated.pdf": "truncated PDF",
        "encrypted.pdf": "encrypted PDF: it needs a password",
        "pages500.pdf": "PDF has 500 pages",
        "scan.pdf": "image-only PDF",
        "junk.txt": "binary data, not text",
        "picture.txt": "binary file (a PNG image), not text",
        "huge.txt": "file too large: 50.0 MB, the limit is 30.0 MB",
        "big5.txt": "text in an unexpected encoding",
        "no-tables.txt": "no recognisable tables",
    }


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    root = project(tmp_path_factory.mktemp("broken"))
    expected = write_broken_corpus(root / "data" / "reports")
    summary = build(root, site=False)
    return root, summary, expected


@pytest.mark.slow
def test_each_broken_file_fails_alone_with_its_reason(broken):
    _, summary, expected = broken
    reasons = {o.file: o.error for o in summary.failed}
    assert set(reasons) == set(expected), reasons
    for name, phrase in expected.items():
        assert phrase in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name]


@pytest.mark.slow
def test_the_other_reports_still_build(broken):
    root, summary, _ = broken
    files = sorted(r["source"]["file"] for r in summary.reports)
    assert files == sorted([s.name for s in SEEDS] + ["page-saved-as.pdf"])
    assert len(list((root / "data" / "json").glob("*.json"))) == len(files)


@pytest.mark.slow
def test_a_pdf_that_is_really_html_is_read_as_html_with_a_note(broken):
    _, summary, _ = broken
    report = next(r for r in summary.reports if r["source"]["file"] == "page-saved-as.pdf")
    assert report["source"]["format"] == "html"
    assert any("named .pdf but holds an HTML page" in n for n in report["notes"])


@pytest.mark.slow
def test_the_same_report_twice_is_kept_once_and_listed_as_duplicate(broken):
    _, summary, _ = broken
    assert [name for name, _ in summary.duplicates] == ["copy of seed 1.txt"]
    assert summary.duplicates[0][1].startswith(f"duplicate of {SEEDS[1].name} (same content, sha256 ")
    assert sum(r["source"]["file"] == SEEDS[1].name for r in summary.reports) == 1
    lines = "\n".join(summary.lines())
    assert f"DUPLICATE copy of seed 1.txt: duplicate of {SEEDS[1].name}" in lines
    assert "FAILED pages500.pdf: PDF has 500 pages" in lines


def test_a_utf32_text_with_bom_is_read(tmp_path):
    path = tmp_path / "utf32.txt"
    path.write_bytes(SEED_TEXT.encode("utf-32"))
    report = parse_document(sources.read(path, path.name))
    assert report["source"]["encoding"] == "utf-32" and report["tables"]["applications"]["status"] != "missing"


def test_gb18030_text_is_still_read(tmp_path):
    path = tmp_path / "gb.txt"
    path.write_bytes(SEED_TEXT.encode("gb18030"))
    assert parse_document(sources.read(path, path.name))["source"]["encoding"] == "gb18030"


def test_max_bytes_is_checked_before_reading(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(SEED_TEXT, encoding="utf-8")
    with pytest.raises(ReportError, match="file too large"):
        sources.read(path, "a.txt", max_bytes=100)


# --- limits: time and memory, per file -----------------------------------------------------------


def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


def allocate(n_bytes):
    return len(bytearray(n_bytes))


def crash():
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.slow
def test_a_call_over_time_is_stopped_and_the_others_finish():
    limits = isolation.Limits(seconds=1, workers=2)
    started = time.monotonic()
    results = isolation.run_each(sleep_then, [(30, "hang"), (0, "a"), (0.1, "b")], limits)
    assert time.monotonic() - started < 10
    assert results[0].error.startswith("stopped after 1 s (time limit")
    assert [r.value for r in results[1:]] == ["a", "b"]


@pytest.mark.slow
def test_a_call_over_memory_is_stopped():
    results = isolation.run_each(allocate, [(4 * 2**30,), (1000,)], isolation.Limits(memory_bytes=256 * 2**20))
    assert results[0].error.startswith("out of memory: needed more than 256 MB")
    assert results[1].value == 1000


@pytest.mark.slow
def test_a_crashing_reader_is_reported():
    assert (
        isolation.run_each(crash, [()], isolation.Limits())[0].error == "the reader crashed: worker killed by SIGSEGV"
    )


def test_limits_name_a_bad_setting():
    with pytest.raises(ValueError, match="--timeout"):
        isolation.Limits(seconds=0)


@pytest.mark.slow
def test_a_slow_pdf_is_stopped_after_the_timeout_and_listed(tmp_path):
    root = project(tmp_path, SEEDS[:1])
    lines = SEED_TEXT.splitlines()
    reportlab_pdf(root / "data" / "reports" / "slow.pdf", [lines[:55]] * 150)
    summary = build(root, site=False, limits=isolation.Limits(seconds=1))
    assert [(o.file, o.error) for o in summary.failed] == [
        ("slow.pdf", "stopped after 1 s (time limit; raise it with --timeout)")
    ]
    assert len(summary.reports) == 1


@pytest.mark.slow
def test_cli_build_takes_the_limits(tmp_path, capsys):
    from builder import cli

    root = project(tmp_path, SEEDS[:1])
    (root / "data" / "reports" / "big.txt").write_text(SEED_TEXT + "。" * 2000, encoding="utf-8")
    argv = ["build", "--root", str(root), "--no-site", "--timeout", "30", "--max-bytes", "10000", "--jobs", "1"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"project folder: {root}"
    assert re.fullmatch(r"1 report parsed \(0 with warnings\), 1 failed, in \d+\.\d s", out[1])
    assert out[-1] == "  FAILED big.txt: file too large: 14.2 KB, the limit is 9.8 KB (--max-bytes 10000)"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["build", "--timeout", "0"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m builder build: error: argument --timeout: must be above 0, not 0"
    )


# --- paths: hostile names never write outside the output or onto another page --------------------

HOSTILE_AGENCIES = [
    "../../etc局",
    "..\\..\\windows局",
    "/etc/passwd局",
    "！！！？？？",
    "CON",
    "NUL局",
    "aux",
    "😀😀卫生健康局",
    "某" * 40 + "局",
    "<script>alert(1)</script>局",
    "%2e%2e%2f局",
    "com1",
]


@pytest.mark.slow
def test_hostile_agency_and_file_names_stay_inside_the_output(tmp_path):
    root = project(tmp_path, [])
    reports = root / "data" / "reports"
    names = [
        "..%2f..%2fetc.txt",
        "CON.txt",
        "😀.txt",
        "！！！.txt",
        "x" * 200 + ".txt",
        "<img src=x onerror=alert(1)>.txt",
        "a.txt.md",
        ".hidden-dots...txt",
        "nul.txt",
        "prn.TXT",
        "com1.txt",
        "lpt1.txt",
    ]
    for i, agency in enumerate(HOSTILE_AGENCIES):
        (reports / names[i]).write_text(seed_with(agency, 2023), encoding="utf-8")
    (reports / "new\nline.txt").write_text(seed_with("换行局"), encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text(seed_with("秘密局"), encoding="utf-8")
    (reports / "link.txt").symlink_to(outside)
    before = set(tmp_path.rglob("*"))
    summary = build(root, site=True)
    skipped = dict(summary.skipped)
    assert skipped["new\nline.txt"].startswith("file name has control or line-break characters")
    assert skipped["link.txt"].startswith("symbolic link to a file outside the reports folder")
    written = set(tmp_path.rglob("*")) - before
    for path in written:
        rel = path.relative_to(root)  # raises if anything was written outside the project
        assert rel.parts[0] in ("site", ".site-versions", "data", ".cache"), rel  # site links into .site-versions
    ids = [r["id"] for r in summary.reports]
    assert len(ids) == len(set(ids)) == len(HOSTILE_AGENCIES) - 2, summary.lines()  # two names start with "." (hidden)
    for path in (root / "data" / "json").iterdir():
        assert SAFE_PATH.fullmatch(path.name), path.name
    for path in (root / "site").rglob("*"):
        rel = path.relative_to(root / "site")
        if rel.parts[0] in ("assets", "search", "about") or path.name.startswith("sitemap"):
            continue
        for part in rel.parts:
            assert SAFE_PATH.fullmatch(part) and len(part) <= 120, rel
    pages = [r["agency_path"] for r in summary.reports]
    assert len(pages) == len(set(pages)), "two agencies share one page"
    # each report's file in a folder of its own; sources/ itself holds the viewer of numbered lines and, for files
    # that are not UTF-8 text, lines files named after the report id (here all are UTF-8: none)
    served = [p for p in (root / "site" / "sources").rglob("*") if p.is_file() and p.parent.name != "sources"]
    assert len(served) == len(summary.reports) and not list((root / "site" / "sources").glob("*/index.html"))
    for path in served:
        assert re.fullmatch(r"\.[a-z0-9]{1,8}", path.suffix), path  # the ext is sanitised too (for .md see below)


@pytest.mark.slow
def test_search_index_and_pages_hold_no_report_markup(tmp_path):
    root = project(tmp_path, SEEDS[:1])
    payload = "".join(HOSTILE[:24]).replace("\n", " ")
    text = seed_with(f"固原市{HOSTILE[0]}卫生健康委")
    text = text.replace("一、总体情况\n", f"一、总体情况\n\n{payload}\n\n{payload}\n", 1)
    (root / "data" / "reports" / f"{HOSTILE[1]}.txt").write_text(text, encoding="utf-8")
    (root / "data" / "reports" / "<b onclick=zqx()>{#zqx}.txt").write_text("<script>zqx()</script>\n", encoding="utf-8")
    summary = build(root, site=True)
    assert len(summary.reports) == 2 and len(summary.failed) == 1
    from bs4 import BeautifulSoup

    from tests.test_escaping import leaks

    for page in (root / "site").rglob("*.html"):
        if "assets" in page.parts:
            continue
        assert leaks(page.read_text(encoding="utf-8")) == [], page
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert not [s for s in soup.find_all("script") if "zqx" in s.get_text()], page
    # Pagefind's fragments hold the pages' text as text (the search box writes it with textContent; see
    # tests/test_search.py::test_report_text_in_results_is_text): the payload is there, and only as text
    fragments = [gzip.decompress(p.read_bytes()) for p in (root / "site" / "pagefind" / "fragment").iterdir()]
    docs = [json.loads(f[len(b"pagefind_dcd") :]) for f in fragments]
    hits = [d for d in docs if "zqx" in d["content"] + d["meta"]["title"]]
    assert hits
    assert any("<script>zqx()</script>" in d["meta"]["title"] for d in hits)


@pytest.mark.slow
def test_copied_source_files_are_not_served_as_pages(tmp_path):
    root = project(tmp_path, [])
    (root / "data" / "reports" / "r.md").write_text(
        seed_with("某市某局") + "\n<script>zqx()</script>\n", encoding="utf-8"
    )
    (root / "data" / "reports" / "r.html").write_text(
        text_to_html(seed_with("某县某局")).replace("</body>", "<script>zqx()</script></body>"), encoding="utf-8"
    )
    summary = build(root, site=True)
    assert len(summary.reports) == 2
    served = [p for p in (root / "site" / "sources").rglob("*") if p.is_file() and p.name != "index.html"]
    assert served and all(p.suffix == ".txt" for p in served), served
    from bs4 import BeautifulSoup

    for page in (root / "site" / "sources").rglob("index.html"):  # the files as numbered lines: escaped text
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert not [s for s in soup.find_all("script") if "zqx" in s.get_text()], page


# --- nothing lost: a killed build leaves the previous output; a re-run equals a clean run ------------


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


KILL_SCRIPT = """
import os, signal, sys, threading, time
from pathlib import Path
root = Path(sys.argv[1])
def killer():
    while True:  # the page stage: MkDocs has started writing the staged site
        if any(root.glob(".build-tmp-*/site/assets")):
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.01)
threading.Thread(target=killer, daemon=True).start()
from builder.build import build
build(root)
"""


@pytest.mark.slow
def test_a_build_killed_midway_leaves_the_previous_output_and_a_rerun_equals_a_clean_build(tmp_path):
    root = project(tmp_path / "a", SEEDS[:3])
    build(root)
    site_before, json_before = snapshot(root / "site"), snapshot(root / "data" / "json")
    for seed in SEEDS[3:]:
        shutil.copy2(seed, root / "data" / "reports" / seed.name)  # keeps the mtime, which provenance records
    run = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(root)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert list(root.glob(".build-tmp-*")), "the kill came after the build finished"
    assert snapshot(root / "site") == site_before
    assert snapshot(root / "data" / "json") == json_before
    # a crash in the middle of a swap: data/json moved aside, not yet replaced
    (root / "data" / "json").rename(root / "data" / ".json.old")
    clean_root = project(tmp_path / "b", SEEDS)
    registry = root / "data" / "agencies.yaml"  # the first build's new agencies: the clean build starts from them too
    if registry.exists():
        shutil.copy(registry, clean_root / "data" / "agencies.yaml")
    rerun = build(root)
    assert not list(root.glob(".build-tmp-*")) and not (root / "data" / ".json.old").exists()
    clean = build(clean_root)
    assert snapshot(root / "data" / "json") == snapshot(clean_root / "data" / "json")
    assert set(snapshot(root / "site")) == set(snapshot(clean_root / "site"))
    assert len(rerun.reports) == len(clean.reports) == len(SEEDS)


# --- property tests: the parser gives a report or a ReportError, never anything else ------------------

SEED_BYTES = [p.read_bytes() for p in SEEDS]


def parses_or_refuses(path: Path) -> None:
    try:
        report = parse_document(sources.read(path, path.name))
    except ReportError as exc:
        assert exc.message and "\n" not in exc.message
        return
    assert report["id"] and SAFE_PATH.fullmatch(report["id"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=5000), st.sampled_from(sorted(sources.SUFFIX_FORMATS)))
def test_random_bytes_never_raise_anything_but_report_error(tmp_path, data, suffix):
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    parses_or_refuses(path)


@st.composite
def mutated_seed(draw):
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "hostile", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 2000))]
        elif kind == "hostile":
            data[at:at] = draw(st.sampled_from(HOSTILE)).encode("utf-8")
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_seed(), st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_mutated_real_reports_never_raise_anything_but_report_error(tmp_path, data, suffix):
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    parses_or_refuses(path)


def test_parse_file_turns_every_failure_into_an_outcome(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"\x00" * 10)
    outcome = parse_file(path, "r.txt")
    assert outcome.report is None and outcome.error
