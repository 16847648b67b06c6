"""Nothing lost: refused folders, a guard against shrinking, outputs published whole, workers that die with the
build, messages instead of tracebacks, the page limit as an option, nothing written under the home folder."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder import cli, swap
from builder.build import build, find_root, parse_file, plural, recover_interrupted, size_text
from tests.conftest import ROOT, SEEDS, copy_project

KILL_SCRIPT_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (a symlink to a folder is followed), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def outputs(root: Path) -> dict:
    """The three published outputs of a project, whole: site/, data/json/, data/agencies.yaml."""
    registry = root / "data" / "agencies.yaml"
    return {
        "site": tree(root / "site") if (root / "site").exists() else None,
        "json": tree(root / "data" / "json") if (root / "data" / "json").exists() else None,
        "registry": registry.read_bytes() if registry.exists() else None,
    }


def unconfirmed_report_text() -> str:
    """A seed rewritten so its agency cannot be placed (城关区 of no named city): the build adds it to the
    registry as unconfirmed, so data/agencies.yaml changes."""
    text = SEEDS[2].read_text(encoding="utf-8").replace("城东区卫生健康局", "城关区卫生健康局")
    return text.replace("西宁", "某市").replace("信用青海", "信用平台").replace("青海", "某省")


def leftovers(root: Path) -> list[str]:
    """What a publish may leave only while it runs: staged files, journals, spare versions, temporary links."""
    found = [p.name for pattern in (".build-*", ".site.link-*") for p in root.glob(pattern)]
    found += [p.name for pattern in (".agencies.yaml.new-*", ".json.link-*") for p in (root / "data").glob(pattern)]
    for versions in (root / ".site-versions", root / "data" / ".json-versions"):
        if versions.is_dir() and len(list(versions.iterdir())) > 1:
            found.append(f"{versions.name}: {sorted(p.name for p in versions.iterdir())}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A project of three seeds, built once; the tests here that use it must leave its outputs as they are."""
    root = copy_project(tmp_path_factory.mktemp("built"), SEEDS[:3])
    build(root)
    return root


# --- 1. a mistyped folder is refused; a shrinking build stops --------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--reports", "{root}/data/report"], "no such folder: {root}/data/report (--reports)"),
        (["--reports", "{root}/mkdocs.yml"], "no such folder: {root}/mkdocs.yml (it is a file) (--reports)"),
        (["--reports", "{root}/empty"], "no report files in {root}/empty (--reports): the folder is empty"),
        (["--root", "{root}/nowhere"], "no such folder: {root}/nowhere (--root)"),
    ],
)
def test_a_missing_file_or_empty_reports_folder_is_refused_before_anything_is_touched(built, capsys, argv, message):
    (built / "empty").mkdir(exist_ok=True)
    before = outputs(built)
    argv = [a.format(root=built) for a in argv]
    root_args = [] if "--root" in argv else ["--root", str(built)]
    assert cli.main(["build", *root_args, *argv]) == 2
    out, err = capsys.readouterr()
    assert err.strip().splitlines()[-1] == f"error: {message.format(root=built)}"
    assert "site written to" not in out and "Traceback" not in err
    assert outputs(built) == before


def test_a_build_under_half_the_published_reports_stops_and_names_them(built, tmp_path, capsys):
    before = outputs(built)
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SEEDS[0], one / SEEDS[0].name)
    assert cli.main(["build", "--root", str(built), "--reports", str(one), "--no-site"]) == 2
    out, err = capsys.readouterr()
    kept = {r["id"] for r in build_reports(one)}
    gone = sorted(p.stem for p in (built / "data" / "json").glob("*.json") if p.stem not in kept)
    assert len(gone) == 2
    assert err.strip() == (
        f"error: this build would publish 1 report, but {built / 'data' / 'json'} now holds 3: 2 reports would no "
        f"longer be published ({', '.join(gone)}). Nothing was changed; "
        "if this is intended, run again with --allow-shrink"
    )
    assert "1 report parsed" in out
    assert outputs(built) == before


def build_reports(folder: Path) -> list[dict]:
    """The reports a folder parses into (ids as a build gives them), without writing anything."""
    from builder.build import parse_all

    return parse_all(folder, lambda *a: None).reports


def test_allow_shrink_publishes_the_smaller_build(tmp_path, capsys):
    root = copy_project(tmp_path / "p", SEEDS[:3])
    build(root, site=False)
    (root / "data" / "reports" / SEEDS[1].name).unlink()
    (root / "data" / "reports" / SEEDS[2].name).unlink()
    assert cli.main(["build", "--root", str(root), "--no-site"]) == 2
    assert len(tree(root / "data" / "json")) == 3
    assert cli.main(["build", "--root", str(root), "--no-site", "--allow-shrink"]) == 0
    assert len(tree(root / "data" / "json")) == 1
    capsys.readouterr()


def test_a_root_without_docs_or_mkdocs_yml_is_a_message_not_a_traceback(tmp_path, capsys):
    root = tmp_path / "nodocs"
    (root / "data" / "reports").mkdir(parents=True)
    shutil.copy(SEEDS[0], root / "data" / "reports")
    shutil.copy(ROOT / "mkdocs.yml", root)
    assert cli.main(["build", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: no docs in {root} (the hand-written pages): is it the project folder?")
    (root / "mkdocs.yml").unlink()
    assert cli.main(["build", "--root", str(root)]) == 2
    assert capsys.readouterr().err.startswith(f"error: no mkdocs.yml in {root}")
    assert cli.main(["build", "--root", str(root), "--no-site"]) == 0  # data/json needs neither
    assert len(tree(root / "data" / "json")) == 1


# --- 6. the project folder is where you run the builder ---------------------------------------------------


def test_root_is_the_nearest_folder_holding_mkdocs_yml_else_the_current_one(tmp_path):
    (tmp_path / "proj" / "data" / "reports").mkdir(parents=True)
    (tmp_path / "proj" / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    assert find_root(tmp_path / "proj" / "data" / "reports") == tmp_path / "proj"
    assert find_root(tmp_path / "proj") == tmp_path / "proj"
    (tmp_path / "bare").mkdir()
    assert find_root(tmp_path / "bare") == tmp_path / "bare"


def test_build_and_add_use_the_current_folder_not_the_install_folder(tmp_path, monkeypatch, capsys):
    root = copy_project(tmp_path / "elsewhere", SEEDS[:1])
    monkeypatch.chdir(root / "data")
    assert cli.main(["build", "--no-site"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"project folder: {root}"
    assert len(tree(root / "data" / "json")) == 1
    new = tmp_path / "new.txt"
    new.write_text(SEEDS[1].read_text(encoding="utf-8") + "\n附：本报告另有电子版。\n", encoding="utf-8")
    assert cli.main(["add", str(new)]) == 0
    assert (root / "data" / "reports" / "new.txt").exists()
    capsys.readouterr()


# --- 2. each output is the old or the new whole, at every step of the publish --------------------------------


class Stop(Exception):
    pass


def write_state(root: Path, which: str, legacy: bool = False) -> Path:
    """Outputs marked `which`: as published folders (real folders if `legacy`, else through a publish),
    or, for which="new", staged in a build folder; return that build folder."""
    stage = root / f".build-tmp-{swap.new_tag()}"
    for rel, text in (("site/index.html", f"<p>{which}</p>"), ("site/a/b.html", which), ("json/r.json", which)):
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_text(text * 50, encoding="utf-8")
    (root / "data").mkdir(parents=True, exist_ok=True)
    if which == "new":
        return stage
    (root / "data" / "agencies.yaml").write_text(f"agencies: [{which}]\n", encoding="utf-8")
    if legacy:
        (stage / "site").rename(root / "site")
        (stage / "json").rename(root / "data" / "json")
    else:
        swap.publish(root, {root / "data" / "json": stage / "json", root / "site": stage / "site"}, {}, swap.new_tag())
    stage.rmdir()
    return stage


def publish_new(root: Path, stage: Path) -> None:
    tag = swap.new_tag()
    registry = root / "data" / "agencies.yaml"
    staged = swap.new_file_of(registry, tag)
    staged.write_text("agencies: [new]\n", encoding="utf-8")
    swap.publish(root, {root / "data" / "json": stage / "json", root / "site": stage / "site"}, {registry: staged}, tag)
    stage.rmdir()  # emptied by the publish; a build removes its own


def recover(root: Path) -> None:
    recover_interrupted(root, [root / "data" / "json", root / "site"], [root / "data" / "agencies.yaml"])


@pytest.mark.parametrize("legacy", [False, True], ids=["symlinked", "real-folders-of-an-older-builder"])
def test_a_publish_stopped_at_any_step_leaves_each_output_old_or_new_whole(tmp_path, monkeypatch, legacy):
    steps: list[str] = []
    reference = tmp_path / "reference"
    write_state(reference, "old", legacy)
    old = outputs(reference)
    monkeypatch.setattr(swap, "step_hook", lambda n, what: steps.append(what))
    publish_new(reference, write_state(reference, "new"))
    new = outputs(reference)
    assert [s.split()[0] for s in steps] == ["move", "move", "write", "switch", "switch", "replace", "remove"]
    assert all(old[k] != new[k] for k in old) and new["registry"] == b"agencies: [new]\n"
    assert (reference / "site").is_symlink() and leftovers(reference) == []
    for k in range(1, 8):

        def stop_at(n, what, k=k):
            if n == k:
                raise Stop(what)

        root = tmp_path / f"stop-{k}"
        write_state(root, "old", legacy)
        stage = write_state(root, "new")
        monkeypatch.setattr(swap, "step_hook", stop_at)
        with pytest.raises(Stop):
            publish_new(root, stage)
        monkeypatch.setattr(swap, "step_hook", None)
        now = outputs(root)
        for name in old:
            assert now[name] in (old[name], new[name]), (k, steps[k - 1], name)
        recover(root)
        committed = k > 3  # the journal is written at step 3
        assert outputs(root) == (new if committed else old), (k, steps[k - 1])
        assert leftovers(root) == [], (k, steps[k - 1])


@pytest.mark.slow
def test_a_build_killed_at_every_step_of_its_publish_leaves_each_output_old_or_new(tmp_path):
    base = copy_project(tmp_path / "base", SEEDS[:1])
    build(base)
    old = outputs(base)
    shutil.copy2(SEEDS[1], base / "data" / "reports")
    (base / "data" / "reports" / "chengguan.txt").write_text(unconfirmed_report_text(), encoding="utf-8")
    reference = Path(shutil.copytree(base, tmp_path / "reference", symlinks=True))
    build(reference)
    new = outputs(reference)
    assert all(old[k] != new[k] for k in old)
    for k in range(1, 9):
        root = Path(shutil.copytree(base, tmp_path / f"kill-{k}", symlinks=True))
        run = subprocess.run(
            [sys.executable, "-m", "builder", "build", "--root", str(root)],
            env={**KILL_SCRIPT_ENV, swap.KILL_ENV: str(k)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if k == 8:  # the publish has 7 steps: the kill never comes
            assert run.returncode == 0, run.stderr
            assert outputs(root) == new
            break
        assert run.returncode == -signal.SIGKILL, (k, run.stderr)
        now = outputs(root)
        for name in old:
            assert now[name] in (old[name], new[name]), (k, name)
        committed = (root / swap.JOURNAL).exists()
        assert committed == (k > 3), k
        recover(root)
        assert outputs(root) == (new if committed else old), k
        assert leftovers(root) == [], k


def test_a_symlinked_site_is_served_and_archived_as_plain_files(built, tmp_path):
    site = built / "site"
    assert site.is_symlink() and not Path(os.readlink(site)).is_absolute()
    # the Pages workflow's upload-pages-artifact runs: tar --dereference --hard-dereference --directory site -cf
    archive = tmp_path / "artifact.tar"
    subprocess.run(
        ["tar", "--dereference", "--hard-dereference", "--directory", str(site), "-cf", str(archive), "."], check=True
    )
    listing = subprocess.run(["tar", "-tvf", str(archive)], capture_output=True, text=True, check=True).stdout
    assert "./index.html" in listing and not any(line.startswith(("l", "h")) for line in listing.splitlines())
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "-d", "site", "0", "--bind", "127.0.0.1"],
        cwd=built,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(server.stdout.readline().split("port ")[1].split()[0])
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.read() == (site / "index.html").read_bytes()
    finally:
        server.kill()
        server.wait()


# --- 3. workers die with the build --------------------------------------------------------------------------

SLOW_BUILD = """
import sys, time
from pathlib import Path
from builder import build
def parse_slowly(*args):
    time.sleep(120)
build.parse_file = parse_slowly  # forked workers run this: parsing that outlasts the test
build.build(Path(sys.argv[1]), site=False)
"""


def children(pid: int) -> list[int]:
    """Ids of the live processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_parse_workers_die_when_the_build_is_killed(tmp_path):
    root = copy_project(tmp_path / "p", SEEDS[:3])
    build_proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(root)], env=KILL_SCRIPT_ENV)
    try:
        deadline = time.monotonic() + 60
        while len(workers := children(build_proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, "the build did not start its two parse workers"
    finally:
        build_proc.kill()
        build_proc.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if running(pid)] == []


# --- 12. messages, not tracebacks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--max-memory", "50"], "argument --max-memory: must be at least 64 MB, not 50"),
        (["--max-bytes", "abc"], "argument --max-bytes: not a whole number: 'abc'"),
        (["--max-bytes", "0"], "argument --max-bytes: must be above 0, not 0"),
        (["--timeout", "soon"], "argument --timeout: not a number: 'soon'"),
        (["--max-pages", "-3"], "argument --max-pages: must be above 0, not -3"),
    ],
)
def test_bad_option_values_are_named_in_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["build", "--root", "/nonexistent", *argv])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"python -m builder build: error: {message}"


@pytest.mark.parametrize(
    "size, text",
    [(0, "0 bytes"), (1, "1 byte"), (900, "900 bytes"), (9000, "8.8 KB"), (12176, "11.9 KB"), (30 * 2**20, "30.0 MB")],
)
def test_sizes_are_printed_in_a_unit_that_shows_them(size, text):
    assert size_text(size) == text


def test_max_bytes_9000_names_both_sizes_in_kb(tmp_path, capsys):
    pdf = ROOT / "data" / "reports" / "pdf" / "004_c9a422416cd4110b.pdf"
    root = copy_project(tmp_path / "p", [SEEDS[0], pdf])
    assert cli.main(["build", "--root", str(root), "--no-site", "--max-bytes", "9000"]) == 0
    out = capsys.readouterr().out
    assert f"  FAILED {pdf.name}: file too large: 11.9 KB, the limit is 8.8 KB (--max-bytes 9000)" in out
    assert "0.0 MB" not in out


def test_counts_are_plural_only_when_not_one(capsys):
    assert [plural(n, "finding") for n in (0, 1, 2)] == ["0 findings", "1 finding", "2 findings"]
    assert cli.main(["check", str(SEEDS[0])]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("(2021 template): 1 finding")


def test_duplicates_are_listed_apart_not_counted_as_failed(tmp_path, capsys):
    root = copy_project(tmp_path / "p", SEEDS[:1])
    shutil.copy(SEEDS[0], root / "data" / "reports" / "copy.txt")
    assert cli.main(["build", "--root", str(root), "--no-site"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("1 report parsed (0 with warnings), 0 failed, 1 duplicate file not parsed, in ")
    assert lines[-1].startswith(f"  DUPLICATE copy.txt: duplicate of {SEEDS[0].name} (same content")
    assert not any("FAILED" in line for line in lines)


def test_check_piped_into_head_ends_quietly(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "builder", "check", str(SEEDS[3])],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()  # the reader is gone before the first line, as `| head -1` soon is
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 1


# --- 14. the page limit is an option ------------------------------------------------------------------------


def test_a_300_page_pdf_is_refused_by_default_and_read_with_max_pages_300(tmp_path, capsys):
    from tests.test_hostile import reportlab_pdf

    pdf = reportlab_pdf(tmp_path / "long.pdf", [[f"第 {n} 页"] for n in range(300)])
    refused = parse_file(pdf, "long.pdf")
    assert refused.error == "PDF has 300 pages, over the limit of 200 (--max-pages)"
    read = parse_file(pdf, "long.pdf", max_pages=300)
    assert read.error is not None and "pages" not in read.error  # read, then refused as no report
    root = copy_project(tmp_path / "p", [SEEDS[0]])
    shutil.copy(pdf, root / "data" / "reports")
    assert cli.main(["build", "--root", str(root), "--no-site", "--max-pages", "299"]) == 0
    assert "  FAILED long.pdf: PDF has 300 pages, over the limit of 299 (--max-pages)" in capsys.readouterr().out


# --- 15. OCR writes nothing outside the project and the temp folder -------------------------------------------

OCR_SCRIPT = """
import sys
from pathlib import Path
from builder import sources
doc = sources.read(Path(sys.argv[1]))
print(doc.meta.get("scanned"), len(doc.lines))
"""


@pytest.mark.slow
@pytest.mark.ocr
def test_ocr_writes_nothing_under_the_home_folder(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    from builder.sources import ocr

    if not ocr.available():
        pytest.skip("no OCR engine installed")
    image = Image.new("RGB", (1200, 400), "white")
    font = ImageFont.load_default(size=48)
    ImageDraw.Draw(image).text((60, 150), "Annual report 2023", fill="black", font=font)
    scan = tmp_path / "scan.pdf"
    image.save(scan, "PDF", resolution=100)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in KILL_SCRIPT_ENV.items() if not k.startswith("XDG_") and not k.startswith("ORT_")}
    run = subprocess.run(
        [sys.executable, "-c", OCR_SCRIPT, str(scan)],
        env={**env, "HOME": str(home)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "True" and int(run.stdout.split()[1]) >= 1  # OCR ran and read the line
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "scan.pdf"]


def test_the_readme_describes_every_build_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("## Commands") : readme.index("## The site")]
    build_parser = cli.make_parser()._subparsers._group_actions[0].choices["build"]
    options = [o for action in build_parser._actions for o in action.option_strings if o.startswith("--")]
    assert {"--allow-shrink", "--max-pages", "--root"} <= set(options)
    assert [o for o in options if o != "--help" and f"`{o}" not in commands] == []


def test_tags_asked_for_in_one_millisecond_differ(monkeypatch):
    monkeypatch.setattr(swap.time, "time_ns", lambda: 1_796_054_289_133_000_000)  # the clock stands still
    tags = [swap.new_tag() for _ in range(3)]
    assert len(set(tags)) == 3 and all(swap.TAG.search(t)[1] == str(swap.os.getpid()) for t in tags)
