"""Provenance (`builder add`, sidecars) and revisions (several files of one agency-year)."""

import functools
import hashlib
import http.server
import json
import threading

import pytest
import yaml

from builder import pages
from builder.model import ReportError
from builder.parse import parse_document
from builder.provenance import add_report, download_name, provenance_record, sidecar_path, write_sidecar
from builder.revisions import group_revisions
from builder.sources import find_reports, read
from tests.conftest import ROOT

REPORTS = ROOT / "data" / "reports"
SOURCE_URL = "https://www.pingtan.gov.cn/x.htm"
SEED_004 = REPORTS / "004_c9a422416cd4110b.txt"
PDF_004 = REPORTS / "pdf" / "004_c9a422416cd4110b.pdf"
TABLES = ("active_disclosure", "applications", "review_litigation")


def parsed(path):
    return parse_document(read(path, path.name))


# --- add from a local path -----------------------------------------------------------------------


def test_add_copies_a_local_file_and_records_its_provenance(tmp_path):
    reports = tmp_path / "reports"
    added = add_report(str(SEED_004), reports, source_url="https://example.gov.cn/nb/2023.htm")
    assert added.path == reports / SEED_004.name
    assert added.path.read_bytes() == SEED_004.read_bytes()
    record = yaml.safe_load(sidecar_path(added.path).read_text(encoding="utf-8"))
    assert record["url"] == "https://example.gov.cn/nb/2023.htm"
    assert record["original_name"] == SEED_004.name
    assert record["method"] == "copy"
    assert record["sha256"] == read(SEED_004).meta["sha256"]
    assert record["fetched"].endswith("Z") and record["fetched"][:2] == "20"
    # the sidecar is not a report
    found, skipped = find_reports(reports)
    assert found == [added.path] and skipped == []


def test_add_never_overwrites_an_existing_file(tmp_path):
    reports = tmp_path / "reports"
    first = add_report(str(SEED_004), reports)
    again = add_report(str(SEED_004), reports)
    assert again.already_present and again.path == first.path
    other = tmp_path / SEED_004.name
    other.write_text(SEED_004.read_text(encoding="utf-8").replace("行政处罚\t8", "行政处罚\t9"), encoding="utf-8")
    second = add_report(str(other), reports)
    assert second.path.name == "004_c9a422416cd4110b-2.txt"
    assert first.path.read_bytes() == SEED_004.read_bytes()
    assert sidecar_path(second.path).exists()


def test_add_a_missing_file_says_which(tmp_path):
    with pytest.raises(ReportError, match="nope.pdf.*cannot read"):
        add_report(str(tmp_path / "nope.pdf"), tmp_path / "reports")


# --- add from a URL, served on 127.0.0.1 by the test ---------------------------------------------


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on a free local port; yield its base URL."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_add_downloads_a_url_and_records_url_and_time(server, tmp_path):
    base, www = server
    (www / "nb").mkdir()
    (www / "nb" / "t20240112_004.pdf").write_bytes(PDF_004.read_bytes())
    url = f"{base}/nb/t20240112_004.pdf"
    added = add_report(url, tmp_path / "reports")
    assert added.path.name == "t20240112_004.pdf"
    assert added.path.read_bytes() == PDF_004.read_bytes()
    record = yaml.safe_load(sidecar_path(added.path).read_text(encoding="utf-8"))
    assert (record["url"], record["method"], record["original_name"]) == (url, "download", "t20240112_004.pdf")
    assert record["content_type"] == "application/pdf"
    assert record["sha256"] == read(PDF_004).meta["sha256"]
    doc = read(added.path)
    assert doc.meta["url"] == url and doc.meta["fetched"] == record["fetched"]


def test_add_a_url_that_is_not_found_says_so(server, tmp_path):
    base, _ = server
    with pytest.raises(ReportError, match=r"HTTP 404"):
        add_report(f"{base}/gone.pdf", tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_cli_add_downloads_and_reports_what_it_read(server, tmp_path, capsys):
    from builder import cli

    base, www = server
    data = (REPORTS / "pingtan" / "pingtan_2024.html").read_bytes()
    (www / "report.html").write_bytes(data)
    argv = ["add", f"{base}/report.html", "--reports", str(tmp_path / "r"), "--source-url", SOURCE_URL]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    added, digest = tmp_path / "r" / "report.html", hashlib.sha256(data).hexdigest()[:12]
    assert (out.splitlines(), err) == (
        [
            f"added {added} ({len(data)} bytes, sha256 {digest}…)",
            f"provenance recorded in {added}.meta.yaml",
            "reads as 平潭综合实验区 2024 (id pingtanzongheshiyanqu-2024); if another file has this id, the build "
            "shows the newer (by signing date, publication date, then the time it was added) as the report and the "
            "older as a revision, or both when nothing tells which is newer",
        ],
        "",
    )
    record = yaml.safe_load((tmp_path / "r" / "report.html.meta.yaml").read_text(encoding="utf-8"))
    assert record["url"] == SOURCE_URL
    assert record["downloaded_from"] == f"{base}/report.html"


def test_cli_add_error_names_the_file(tmp_path, capsys):
    from builder import cli

    missing = tmp_path / "nope.txt"
    assert cli.main(["add", str(missing), "--reports", str(tmp_path)]) == 2
    assert capsys.readouterr() == ("", f"error: {missing}: cannot read file: No such file or directory\n")


@pytest.mark.parametrize(
    ("url", "disposition", "ctype", "name"),
    [
        ("http://x/a/t2023_1.htm", None, "text/html", "t2023_1.htm"),
        ("http://x/download?id=7", None, "application/pdf", "download.pdf"),
        ("http://x/d", 'attachment; filename="../../2023年报.docx"', None, "2023年报.docx"),
        ("http://x/%E5%B9%B4%E6%8A%A5.pdf", None, None, "年报.pdf"),
    ],
)
def test_download_name_stays_in_the_folder_and_has_an_extension(url, disposition, ctype, name):
    assert download_name(url, disposition, ctype) == name


# --- sidecar merged into the report's source ---------------------------------------------------------


def test_sidecar_url_reaches_the_report_source(tmp_path):
    added = add_report(str(SEED_004), tmp_path, source_url="https://example.gov.cn/nb/2023.htm")
    doc = read(added.path)
    assert doc.meta["fetched"] == added.record["fetched"]
    assert doc.meta["original_name"] == SEED_004.name
    assert parse_document(doc)["source"]["url"] == "https://example.gov.cn/nb/2023.htm"


def test_sidecar_fetch_time_reaches_the_report_source(tmp_path):
    added = add_report(str(SEED_004), tmp_path)
    assert parse_document(read(added.path))["source"]["fetched"] == added.record["fetched"]


def test_a_file_changed_after_it_was_fetched_is_noted(tmp_path):
    added = add_report(str(SEED_004), tmp_path)
    added.path.write_bytes(added.path.read_bytes() + b"\n")
    assert any("changed after it was fetched" in n for n in read(added.path).notes)


def test_a_damaged_sidecar_is_a_note_not_a_failure(tmp_path):
    target = tmp_path / SEED_004.name
    target.write_bytes(SEED_004.read_bytes())
    sidecar_path(target).write_text("url: [unclosed\n", encoding="utf-8")
    doc = read(target)
    assert "url" not in doc.meta and any("unreadable" in n for n in doc.notes)


def test_the_default_dataset_records_where_each_added_file_came_from():
    files, _ = find_reports(REPORTS)
    added = [f for f in files if f.parent != REPORTS]
    assert {f.parent.name for f in added} == {"pdf", "pingtan"} and len(added) == 9
    for f in added:
        record = yaml.safe_load(sidecar_path(f).read_text(encoding="utf-8"))
        assert record["sha256"] == read(f).meta["sha256"], f
        if f.parent.name == "pingtan":
            assert record["url"].startswith("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"), f


# --- revisions -----------------------------------------------------------------------------------


def revised_pair(tmp_path):
    """Seed 004 fetched in January and a revised copy fetched in March, with three numbers changed."""
    old = tmp_path / "004_first.txt"
    new = tmp_path / "004_revised.txt"
    text = SEED_004.read_text(encoding="utf-8")
    old.write_text(text, encoding="utf-8")
    revised = text.replace("行政许可\t3", "行政许可\t5").replace("行政处罚\t8", "行政处罚\t9")
    revised = revised.replace("\n0\t0\t0\t0\t0\t0", "\n0\t2\t0\t0\t2\t0", 1)  # table C: review corrected 2, total 2
    assert revised.count("行政许可\t5") == 1 and revised != text
    new.write_text(revised, encoding="utf-8")
    for path, when in ((old, "2024-01-15T08:00:00Z"), (new, "2024-03-02T09:30:00Z")):
        write_sidecar(
            path,
            provenance_record(path.read_bytes(), path.name, when, f"https://example.gov.cn/{path.name}", "download"),
        )
    return [parsed(path) for path in (new, old)]  # input order must not matter


def test_newest_file_is_the_report_and_older_is_a_revision_with_changed_cells(tmp_path):
    current, revisions = group_revisions(revised_pair(tmp_path))
    assert [r["source"]["file"] for r in current] == ["004_revised.txt"]
    (record,) = revisions[current[0]["id"]]
    assert (record["file"], record["fetched"], record["replaced"]) == (
        "004_first.txt",
        "2024-01-15T08:00:00Z",
        "2024-03-02T09:30:00Z",
    )
    assert record["sha256"] and record["url"] == "https://example.gov.cn/004_first.txt"
    changes = {(c["table"], c["row"], c["column"], c["old"], c["new"]) for c in record["changes"]}
    assert changes == {
        ("active_disclosure", "administrative_license", None, 3, 5),
        ("active_disclosure", "administrative_penalty", None, 8, 9),
        ("review_litigation", "review", "corrected", 0, 2),
        ("review_litigation", "review", "total", 0, 2),
    }


def test_revised_report_page_shows_when_and_which_numbers_changed(tmp_path):
    current, revisions = group_revisions(revised_pair(tmp_path))
    text = pages.render("revisions.md.j2", report=current[0], revisions=revisions[current[0]["id"]])
    assert "Revised after publication" in text and "4 number(s) differ" in text
    assert "2024-03-02T09:30:00Z" in text and "2024-01-15T08:00:00Z" in text
    rows = [line for line in text.splitlines() if line.startswith("| 表")]
    assert any("行政处罚" in r and "| 8 | 9 |" in r for r in rows)
    assert any("行政复议" in r and "| 0 | 2 |" in r for r in rows)
    assert "(#A-administrative&#95;penalty)" in text or "(#A-administrative_penalty)" in text


def test_report_without_revisions_renders_nothing():
    assert pages.render("revisions.md.j2", report={"source": {"file": "a.txt"}}, revisions=[]).strip() == ""


def test_revision_text_is_escaped(tmp_path):
    report = {
        "id": "x-2023",
        "template": "2021",
        "source": {"file": "<b>new</b>.txt", "fetched": "2024-02-01T00:00:00Z"},
        "active_disclosure": {"administrative_license": 2},  # other numbers: a revision, not a second copy
    }
    old = {
        "id": "x-2023",
        "template": "2021",
        "source": {
            "file": "<script>alert(1)</script>.txt",
            "fetched": "2024-01-01T00:00:00Z",
            "url": "javascript:alert(1)",
        },
        "active_disclosure": {"administrative_license": 1},
    }
    _, revisions = group_revisions([old, report])
    text = pages.render("revisions.md.j2", report=report, revisions=revisions["x-2023"])
    assert "<script>" not in text and "<b>" not in text and "&#60;script&#62;" in text


def test_same_numbers_in_two_files_are_witnesses_of_one_report_not_a_revision():
    current, revisions = group_revisions([parsed(SEED_004), parsed(PDF_004)])
    assert revisions == {} and len(current) == 1
    (witness,) = current[0]["witnesses"]
    assert witness["disagreements"] == [] and {witness["format"], current[0]["source"]["format"]} == {"text", "pdf"}
    text = pages.render("revisions.md.j2", report=current[0], revisions=[])
    assert "Revised after publication" not in text and "One report, 2 files" in text and witness["sha256"] in text


# --- the PDF in the default dataset ----------------------------------------------------------------


def test_default_dataset_pdf_parses_to_the_same_tables_as_the_seed_text():
    pdf, text = parsed(PDF_004), parsed(SEED_004)
    assert pdf["source"]["format"] == "pdf"
    assert (pdf["id"], pdf["agency"], pdf["year"], pdf["template"]) == (
        text["id"],
        text["agency"],
        text["year"],
        text["template"],
    )
    golden = json.loads((ROOT / "tests" / "golden" / "004_c9a422416cd4110b.json").read_text(encoding="utf-8"))
    for table in TABLES:
        assert pdf[table] == text[table] == golden[table], table
    assert PDF_004.stat().st_size < 200_000
