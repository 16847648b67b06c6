"""Seed 000's report page, rendered whole, matches its snapshot; --update-golden rewrites snapshots only when given."""

from pathlib import Path

import pytest

from builder import sources
from builder.agencies import load_registry
from builder.build import enrich, report_links
from builder.pages import reportpage
from builder.parse import parse_document
from builder.template import load_template
from tests.conftest import ROOT, SEEDS, check_snapshot

pytest_plugins = ["pytester"]

SNAPSHOTS = Path(__file__).parent / "snapshots"
REPORT_PAGE = SNAPSHOTS / "report-000.md"


def seed_000_page() -> str:
    """The Markdown of seed 000's report page as the build renders it (before builder.views appends its charts
    and downloads): parsed with its source named as in the reports folder, given its identity and findings."""
    path = SEEDS[0]
    report = parse_document(sources.read(path, path.relative_to(ROOT / "data" / "reports").as_posix()))
    template = load_template()
    enrich([report], load_registry(), template)
    return reportpage.render_report(report, template, None, links=report_links([report])[report["id"]])


def test_seed_000_report_page_matches_its_snapshot(update_golden):
    check_snapshot(REPORT_PAGE, seed_000_page(), update_golden)


def test_a_snapshot_that_differs_fails_and_is_left_as_it_was(tmp_path):
    snapshot = tmp_path / "page.md"
    snapshot.write_text("the page as reviewed\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="page.md differs"):
        check_snapshot(snapshot, "the page as rendered now\n", update=False)
    assert snapshot.read_text(encoding="utf-8") == "the page as reviewed\n"


def test_a_missing_snapshot_fails_and_is_not_made(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="make it with pytest --update-golden"):
        check_snapshot(tmp_path / "page.md", "text", update=False)
    assert not (tmp_path / "page.md").exists()


def test_update_rewrites_the_snapshot_and_skips_instead_of_passing(tmp_path):
    snapshot = tmp_path / "snapshots" / "page.md"
    with pytest.raises(pytest.skip.Exception, match="rewrote page.md: review its diff"):
        check_snapshot(snapshot, "the page as rendered now\n", update=True)
    assert snapshot.read_text(encoding="utf-8") == "the page as rendered now\n"


def test_update_golden_is_off_unless_given_on_the_command_line(pytester):
    """A pytest session with the project's conftest: a snapshot that differs fails without --update-golden, and is
    rewritten (the test skipped) with it."""
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(
        test_page="""
        from pathlib import Path
        from conftest import check_snapshot

        def test_page(update_golden):
            check_snapshot(Path("page.md"), "new\\n", update_golden)
        """
    )
    (pytester.path / "page.md").write_text("old\n", encoding="utf-8")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
    assert (pytester.path / "page.md").read_text(encoding="utf-8") == "old\n"
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--update-golden").assert_outcomes(skipped=1)
    assert (pytester.path / "page.md").read_text(encoding="utf-8") == "new\n"
