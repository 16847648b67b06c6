"""Inputs (issue 10, items 5, 7, 10, 11, 13): every report gets its page, the order of a report's files
comes from what they say, messages say what a file is, no file is passed over in silence, `add` refuses junk."""

import json
import os
import random
import shutil
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from builder import cli
from builder.build import build, parse_all
from builder.pages import addresses, site
from builder.provenance import provenance_record, sidecar_path, write_sidecar
from builder.revisions import group_revisions, text_to_when
from builder.slugs import compact_slug
from builder.sources import find_reports
from tests.conftest import ROOT, copy_project
from tests.fixtures_gen import write_docx

SEED = ROOT / "data" / "reports" / "000_bcd9cbae5e912fc9.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
TITLE = "中卫市沙坡头区卫生健康局 2023 年"
LICENSE = "行政许可\t489"
MTIME = 1_700_000_000  # every file of a fresh clone has one time: it must not decide anything


def seed_text(agency: str = "中卫市沙坡头区卫生健康局", year: int = 2023, licenses: int = 489, signed: str = "") -> str:
    """Seed 000 retitled, with another 行政许可 figure, and a signing date line at the end if given."""
    assert TITLE in SEED_TEXT and LICENSE in SEED_TEXT
    text = SEED_TEXT.replace(TITLE, f"{agency} {year} 年", 1).replace(LICENSE, f"行政许可\t{licenses}", 1)
    return text + (f"\n{agency}\n{signed}\n" if signed else "")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (MTIME, MTIME))
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def quiet(n, total, name):
    pass


# --- 5. every report has its own page -------------------------------------------------------------

# names of one agency that the registry takes as one (ningxia-zhongwei-shapotou-weijian): their pages collide
NAMES = ("中卫市沙坡头区卫生健康局", "中卫市沙坡头区卫生健康委员会", "中卫市沙坡头区卫健局", "沙坡头区卫生健康局")


def write_colliding_corpus(reports: Path) -> int:
    """Many copies of seed 000 under names and years that collide, some with the same name and year and
    other numbers (order unknown), and one byte-identical copy; return how many reports must be published."""
    n = 0
    for year in (2021, 2022, 2023):
        for i, name in enumerate(NAMES):
            write(reports / f"{year}" / f"name{i}.txt", seed_text(name, year, licenses=100 + 10 * year + i))
            n += 1
        write(reports / f"{year}" / "other.txt", seed_text(NAMES[0], year, licenses=7))  # same name, other numbers
        n += 1
    shutil.copy(reports / "2023" / "name1.txt", reports / "2023" / "zcopy.txt")  # a duplicate: not a report
    return n


def test_every_report_in_data_json_has_its_own_page_in_the_site(tmp_path):
    root = copy_project(tmp_path / "project", [])
    expected = write_colliding_corpus(root / "data" / "reports")
    summary = build(root)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "data" / "json").glob("*.json"))]
    assert len(records) == expected == len(summary.reports)
    pages = [r["page"] for r in records]
    assert len(set(pages)) == len(pages)
    for record in records:
        page = root / "site" / record["page"] / "index.html"
        assert page.is_file(), record["page"]
        text = page.read_text(encoding="utf-8")
        assert record["source"]["file"] in text and f"{record['id']}.json" in text  # its own page, not another's


def test_colliding_reports_keep_the_first_registered_name_at_the_plain_address(tmp_path):
    reports = tmp_path / "reports"
    write_colliding_corpus(reports)
    summary = parse_all(reports, quiet)
    from builder.agencies import load_registry
    from builder.build import enrich
    from builder.template import load_template

    enrich(summary.reports, load_registry(ROOT / "data" / "agencies.yaml"), load_template())
    pages = {(r["agency"], r["year"], r["source"]["file"]): r["page"] for r in summary.reports}
    base = "ningxia/zhongwei/shapotou/weijian"
    assert pages[(NAMES[0], 2023, "name0.txt")] == f"{base}/2023"  # the registry's first name: unchanged
    assert pages[(NAMES[1], 2023, "name1.txt")] == f"{base}/2023-zhongweishishapotouquweishengjiankangwei"
    assert pages[(NAMES[0], 2023, "other.txt")] == f"{base}/2023-2"  # same name, order unknown: a second body
    assert len(set(pages.values())) == len(pages)
    rendered = site.site_pages(summary.reports, [], load_template(), summary.rule_counts)
    assert all(addresses.report_page(r) in rendered for r in summary.reports)


def test_site_pages_never_write_two_reports_on_one_page_even_without_the_build():
    def rep(agency, rid):
        return {"id": rid, "agency": agency, "year": 2023, "agency_path": "a/b"}

    reports = [rep("甲局", "jiaju-2023"), rep("甲和乙局", "jiaheyiju-2023"), rep("甲局", "jiaju-2023-2")]
    addresses.assign_report_pages(reports)
    assert sorted(r["page"] for r in reports) == ["a/b/2023", "a/b/2023-2", "a/b/2023-jiaju"]


def test_random_collisions_never_share_a_page():
    rng = random.Random(5)
    names = ["甲局", "甲和乙局", "乙局", "甲局2", "丙局"]
    reports = []
    for n in range(2000):
        agency, year = rng.choice(names), rng.choice([2021, 2022, 2023])
        rid = f"{compact_slug(agency)}-{year}" + (f"-{n % 4 + 2}" if n % 3 == 0 else "")
        reports.append({"id": rid, "agency": agency, "year": year, "agency_path": rng.choice(["a/b", "a/c"])})
    reports = list({r["id"]: r for r in reports}.values())  # ids are unique (build.dedupe_ids)
    addresses.assign_report_pages(reports)
    pages = [r["page"] for r in reports]
    assert len(set(pages)) == len(reports)
    addresses.assign_report_pages(reports)
    assert [r["page"] for r in reports] == pages  # settled once, the same every time


# --- 7. the order of a report's files comes from what they say ---------------------------------------


def two_files(folder: Path, txt: str, docx_text: str) -> tuple[Path, Path]:
    """web/x.txt and scan/x.docx of one agency-year, both with the same file time."""
    web = write(folder / "web" / "x.txt", txt)
    (folder / "scan").mkdir(parents=True)
    scan = write_docx(docx_text, folder / "scan" / "x.docx")
    os.utime(scan, (MTIME, MTIME))
    return web, scan


def published_licenses(summary) -> dict[str, int]:
    return {r["source"]["file"]: r["active_disclosure"]["administrative_license"] for r in summary.reports}


def test_when_nothing_tells_the_order_a_page_and_its_docx_are_one_report_and_the_differing_cell_a_finding(tmp_path):
    # a text and a Word file of one report (builder.revisions: witnesses): neither is superseded, nothing is
    # lost, the Word file's grid is read, and the cell they disagree on is a finding naming both
    root = copy_project(tmp_path / "project", [])
    two_files(root / "data" / "reports", seed_text(licenses=5), seed_text(licenses=7))
    summary = build(root, site=False)
    assert published_licenses(summary) == {"x.docx": 7}
    assert summary.revisions == {}
    (report,) = summary.reports
    (witness,) = report["witnesses"]
    assert (witness["file"], witness["reading"], report["source"]["format"]) == ("x.txt", "text", "docx")
    (finding,) = [f for f in report["findings"] if f["rule"] == "witness-disagrees"]
    assert (finding["row"], finding["left"], finding["right"]) == ("administrative_license", 7, 5)
    assert "x.docx" in finding["message"] and "x.txt" in finding["message"]
    assert not any(f["rule"] == "agency-year-twice" for f in report["findings"])
    written = {p.name for p in (root / "data" / "json").glob("*.json")}
    assert written == {f"{report['id']}.json"}


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ({"signed": "2024年1月20日"}, {"signed": "2024年2月1日"}),
        ({"published": "2024-01-20 09:00"}, {"published": "2024-01-20 17:30"}),
        ({"fetched": "2024-01-15T08:00:00Z"}, {"fetched": "2024-03-02T09:30:00Z"}),
        # the signing date is the file's own word and comes first, before when it was fetched
        ({"signed": "2024年1月20日", "fetched": "2024-05-01T00:00:00Z"}, {"signed": "2024年2月1日"}),
    ],
    ids=["signed", "published", "fetched", "signed-first"],
)
def test_what_the_files_say_decides_which_is_current_never_file_time_or_path(tmp_path, older, newer):
    # x.txt sorts after x.docx's folder and has the same time: only the clues may decide; the newer is the .docx
    web, scan = two_files(
        tmp_path,
        seed_text(licenses=5, signed=older.get("signed", "")),
        seed_text(licenses=7, signed=newer.get("signed", "")),
    )
    for path, clues in ((web, older), (scan, newer)):
        if "published" in clues or "fetched" in clues:
            record = {"sha256": None, "fetched": clues.get("fetched"), "published": clues.get("published")}
            sidecar_path(path).write_text(yaml.safe_dump({k: v for k, v in record.items() if v}), encoding="utf-8")
    summary = parse_all(tmp_path, quiet)
    assert published_licenses(summary) == {"x.docx": 7}
    (record,) = summary.revisions[summary.reports[0]["id"]]
    assert (record["file"], record["relation"], record["replaced_by"]) == ("x.txt", "superseded", "x.docx")
    assert {(c["row"], c["old"], c["new"]) for c in record["changes"]} == {("administrative_license", 5, 7)}
    assert [o.superseded_by for o in summary.outcomes if o.report and o.report["source"]["file"] == "x.txt"] == [
        "scan/x.docx"
    ]


def test_files_with_the_same_numbers_and_no_order_are_one_report_not_a_revision():
    def rep(path, url=None):
        source = {"file": path, "path": path, **({"url": url} if url else {})}
        return {"id": "x-2023", "template": "2021", "notes": [], "source": source, "applications": {}}

    current, revisions = group_revisions([rep("b.txt"), rep("a.txt"), rep("c.pdf", "https://x.gov.cn/c.pdf")])
    assert [r["source"]["file"] for r in current] == ["c.pdf"]  # shown: the one whose source is known
    assert revisions == {}  # witnesses of one report, not revisions
    assert [(w["file"], w["disagreements"]) for w in current[0]["witnesses"]] == [("a.txt", []), ("b.txt", [])]


def test_contradicting_clues_never_lose_a_file():
    def rep(path, signed=None, published=None, fetched=None, n=0):
        source = {"file": path, "path": path, "published": published, "fetched": fetched}
        return {"id": "x-2023", "template": "2021", "notes": [], "date_signed": signed, "source": source,
                "active_disclosure": {"administrative_license": n}}  # fmt: skip

    # a > b by signing date, b > c by publication date, c > a by fetch time: a loop, so no order
    files = [
        rep("a", signed="2024-02-01", fetched="2024-01-01T00:00:00Z", n=1),
        rep("b", signed="2024-01-01", published="2024-05-01", n=2),
        rep("c", published="2024-04-01", fetched="2024-06-01T00:00:00Z", n=3),
    ]
    current, revisions = group_revisions(files)
    assert sorted(r["source"]["file"] for r in current) == ["a", "b", "c"] and revisions == {}
    assert sorted(r["id"] for r in current) == ["x-2023", "x-2023-2", "x-2023-3"]


def test_dates_are_read_as_printed_and_impossible_ones_tell_nothing():
    assert text_to_when("2024-01-30 10:05") == ("2024-01-30", "10:05:00")
    assert text_to_when("2024年1月3日") == ("2024-01-03", None)
    assert text_to_when("2024-03-02T09:30:00Z") == ("2024-03-02", "09:30:00")
    assert text_to_when("2024年2月30日") is None and text_to_when(None) is None


def test_file_times_are_not_recorded_as_provenance(tmp_path, capsys):
    path = write(tmp_path / "a.txt", seed_text())
    code, out, _ = run(capsys, "parse", path)
    assert code == 0 and "modified" not in json.loads(out)["source"]


# --- 10. messages say what the file is and what is wrong with it ---------------------------------


def docx_bytes(tmp_path: Path) -> bytes:
    return write_docx(seed_text(), tmp_path / "made.docx").read_bytes()


def zip_without_word(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("data.csv", "a,b\n")
    return path


BAD_FILES = {
    # name: (how to make it, what the message must say)
    "binary.pdf": (lambda p, t: p.write_bytes(os.urandom(3000)), "not a PDF: it holds binary data of no known kind"),
    "png.pdf": (lambda p, t: p.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500)), "not a PDF: it holds a PNG image"),
    "binary.html": (lambda p, t: p.write_bytes(b"\x01\x02" * 1500), "binary data, not an HTML page"),
    "folder": (lambda p, t: p.mkdir(), "this is a folder, not a file"),
    "missing": (lambda p, t: None, "cannot read file: No such file or directory"),
    "cut.docx": (lambda p, t: p.write_bytes(docx_bytes(t)[:3000]), "damaged Word (.docx) document: its ZIP package"),
    "archive.docx": (lambda p, t: zip_without_word(p), "a ZIP archive without word/document.xml"),
    "noext": (lambda p, t: p.write_bytes(b"%PDF-1.4\n" + os.urandom(100)), "no file extension; it holds a PDF"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_an_unreadable_file_is_named_with_what_it_holds(tmp_path, capsys, name):
    make, phrase = BAD_FILES[name]
    path = tmp_path / name
    make(path, tmp_path)
    code, _, err = run(capsys, "parse", path)
    assert code == 2 and phrase in err and str(path) in err, err
    assert "Package not found" not in err and "truncated" not in err and "no report title" not in err


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_bom_is_read_with_a_note(tmp_path, capsys, encoding):
    path = tmp_path / "wide.txt"
    path.write_bytes(seed_text().encode(encoding))
    code, out, _ = run(capsys, "parse", path)
    report = json.loads(out)
    assert code == 0 and report["agency"] == "中卫市沙坡头区卫生健康局" and report["source"]["encoding"] == encoding
    assert report["active_disclosure"]["administrative_license"] == 489
    assert any("without a byte-order mark" in n for n in report["notes"])


def test_a_very_long_file_name_is_read_and_add_refuses_it_saying_why(tmp_path, capsys):
    path = write(tmp_path / ("报" * 81 + ".txt"), seed_text())  # 247 bytes: no room for a sidecar's suffix
    assert len(path.name.encode()) > 245
    code, out, _ = run(capsys, "parse", path)
    assert code == 0 and json.loads(out)["year"] == 2023
    code, _, err = run(capsys, "add", path, "--reports", tmp_path / "reports")
    assert code == 2 and "file name too long" in err and "--name" in err
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def alias_bomb() -> str:
    lines, previous = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'], "a"
    for name in "bcdefghijkl":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join([*lines, f"url: *{previous}", f"fetched: *{previous}"]) + "\n"


def test_a_valid_report_beside_an_alias_bomb_sidecar_is_read_at_once_with_a_note(tmp_path, capsys):
    path = write(tmp_path / "x.txt", seed_text())
    sidecar_path(path).write_text(alias_bomb(), encoding="utf-8")
    started = time.monotonic()
    code, out, _ = run(capsys, "parse", path)
    report = json.loads(out)
    assert code == 0 and time.monotonic() - started < 10
    assert "url" not in report["source"] and any("uses YAML aliases" in n for n in report["notes"])


def test_a_sidecar_value_that_is_not_one_value_is_ignored_with_a_note(tmp_path, capsys):
    path = write(tmp_path / "x.txt", seed_text())
    sidecar_path(path).write_text("url: [1, 2]\nfetched: '2024-01-01T00:00:00Z'\n", encoding="utf-8")
    code, out, _ = run(capsys, "parse", path)
    report = json.loads(out)
    assert report["source"]["fetched"] == "2024-01-01T00:00:00Z" and "url" not in report["source"]
    assert any("'url' is not a single value" in n for n in report["notes"])


# --- 11. every file under the reports folder is read or listed with its reason -----------------------


def hostile_folder(folder: Path) -> dict[str, str]:
    """A reports folder of odd entries; return {entry: a phrase its reason must say} (None: it is read)."""
    outside = folder.parent / "outside"
    outside.mkdir()
    write(outside / "r.txt", seed_text(licenses=3))
    write(folder / "ok.txt", seed_text())
    write(folder / "x..y.txt", seed_text(licenses=1))
    write(folder / ("报" * 81 + ".txt"), seed_text(licenses=6))  # too long a name to have a sidecar beside it
    write(folder / ".hidden.txt", seed_text(licenses=2))
    write(folder / "..dots.txt", seed_text(licenses=4))
    write(folder / ".private" / "r.txt", seed_text(licenses=5))
    os.mkfifo(folder / "pipe.txt")
    (folder / "broken.txt").symlink_to("nowhere.txt")
    (folder / "loop1.txt").symlink_to("loop2.txt")
    (folder / "loop2.txt").symlink_to("loop1.txt")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "orphan.pdf.meta.yaml").write_text("url: https://x.gov.cn/\n", encoding="utf-8")
    return {
        "ok.txt": None,
        "x..y.txt": None,
        "报" * 81 + ".txt": None,
        ".hidden.txt": "hidden file",
        "..dots.txt": "hidden file",
        ".private": "hidden folder",
        "pipe.txt": "not a regular file: it is a FIFO",
        "broken.txt": "broken symbolic link: it points to nowhere.txt",
        "loop1.txt": "symbolic link loop",
        "loop2.txt": "symbolic link loop",
        "linked": "symbolic link to a folder",
        "orphan.pdf.meta.yaml": "provenance record of orphan.pdf, which is not in the folder",
    }


def test_every_entry_of_the_reports_folder_is_read_or_listed_with_its_reason(tmp_path):
    folder = tmp_path / "reports"
    expected = hostile_folder(folder)
    found, skipped = find_reports(folder)
    assert sorted(p.name for p in found) == sorted(name for name, why in expected.items() if why is None)
    reasons = {p.name: why for p, why in skipped}
    assert set(reasons) == {name for name, why in expected.items() if why}
    for name, why in reasons.items():
        assert expected[name] in why, (name, why)


def test_the_build_lists_every_skipped_entry_in_its_summary_and_problems_page(tmp_path):
    root = copy_project(tmp_path / "project", [])
    expected = hostile_folder(root / "data" / "reports")
    summary = build(root)
    listed = "\n".join(summary.lines())
    problems = (root / "site" / "problems" / "index.html").read_text(encoding="utf-8")
    for name, why in expected.items():
        if why:
            assert f"SKIPPED {name}: " in listed, name
            assert name in problems, name
    assert {r["source"]["file"] for r in summary.reports} == {"ok.txt", "x..y.txt", "报" * 81 + ".txt"}


# --- 13. add refuses junk, duplicates and addresses that are not http(s) ------------------------------


@pytest.mark.parametrize(
    ("name", "data", "phrase"),
    [
        ("empty.txt", b"", "empty file (0 bytes)"),
        ("x.pdf", bytes(range(256)) * 20, "not a PDF: it holds binary data of no known kind"),
        ("x.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary file (a PNG image), not text"),
        ("x.docx", b"PK\x03\x04" + bytes(200), "damaged Word (.docx) document"),
    ],
)
def test_add_refuses_what_cannot_be_a_report_unless_forced(tmp_path, capsys, name, data, phrase):
    source, reports = tmp_path / name, tmp_path / "reports"
    source.write_bytes(data)
    code, out, err = run(capsys, "add", source, "--reports", reports)
    assert code == 2 and phrase in err and "--force" in err and str(source) in err, err
    assert not reports.exists() or not any(reports.iterdir())
    code, out, err = run(capsys, "add", source, "--reports", reports, "--force")
    assert code == 0 and (reports / name).read_bytes() == data and sidecar_path(reports / name).exists()


def test_add_refuses_bytes_already_anywhere_in_the_reports_tree(tmp_path, capsys):
    reports = tmp_path / "reports"
    write(reports / "2023" / "deep" / "first.txt", seed_text())
    source = write(tmp_path / "second.txt", seed_text())
    code, _, err = run(capsys, "add", source, "--reports", reports)
    assert code == 2 and "already in the reports folder as 2023/deep/first.txt" in err
    assert not (reports / "second.txt").exists()
    code, _, _ = run(capsys, "add", source, "--reports", reports, "--force")
    assert code == 0 and (reports / "second.txt").exists()


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["ftp://example.gov.cn/r.pdf"], "must be an http:// or https:// address (its scheme is 'ftp:')"),
        (["file:///etc/passwd"], "must be an http:// or https:// address"),
        (["SEED", "--source-url", "ftp://example.gov.cn/r.pdf"], "--source-url must be an http:// or https://"),
        (["SEED", "--source-url", "www.example.gov.cn/r.pdf"], "--source-url must be an http:// or https://"),
        (["SEED", "--source-url", "https://"], "--source-url is not a valid web address"),
        (["SEED", "--source-url", "https://x.gov.cn/a b.pdf"], "--source-url is not a valid web address"),
    ],
)
def test_add_takes_only_http_addresses(tmp_path, capsys, argv, phrase):
    reports = tmp_path / "reports"
    argv = [str(SEED) if a == "SEED" else a for a in argv]
    code, _, err = run(capsys, "add", *argv, "--reports", reports, "--force")
    assert code == 2 and phrase in err, err
    assert not reports.exists()


def test_add_records_a_valid_source_url(tmp_path, capsys):
    reports = tmp_path / "reports"
    code, _, _ = run(capsys, "add", SEED, "--reports", reports, "--source-url", "https://www.spt.gov.cn/nb/2023.htm")
    record = yaml.safe_load(sidecar_path(reports / SEED.name).read_text(encoding="utf-8"))
    assert code == 0 and record["url"] == "https://www.spt.gov.cn/nb/2023.htm"


def test_add_of_the_same_file_again_adds_nothing(tmp_path, capsys):
    reports = tmp_path / "reports"
    run(capsys, "add", SEED, "--reports", reports)
    code, out, _ = run(capsys, "add", SEED, "--reports", reports)
    assert (
        code == 0
        and "nothing added" in out
        and sorted(p.name for p in reports.iterdir())
        == [
            SEED.name,
            SEED.name + ".meta.yaml",
        ]
    )


def test_a_sidecar_published_date_reaches_the_report(tmp_path):
    path = write(tmp_path / "x.txt", seed_text())
    write_sidecar(path, {**provenance_record(path.read_bytes(), "x.txt", "2024-01-01T00:00:00Z", None, "copy"),
                         "published": "2024-01-20"})  # fmt: skip
    (summary_report,) = parse_all(tmp_path, quiet).reports
    assert summary_report["source"]["published"] == "2024-01-20"
