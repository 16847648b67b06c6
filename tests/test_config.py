"""The three YAML files are validated on load: a typo gives one line naming the file, the key path and what was
expected, and every command exits 2 with it (no traceback)."""

import shutil
from pathlib import Path

import pytest

from builder import agencies, checks, cli, template
from builder.config import ConfigError
from tests.conftest import ROOT, SEEDS

SEED = SEEDS[0]


def edited(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of `source` at `target` with `old` (which must be there, once) replaced by `new`."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


def project(root: Path) -> Path:
    """A project folder with one report to build (the registry is added by the test)."""
    (root / "data" / "reports").mkdir(parents=True)
    shutil.copy(SEED, root / "data" / "reports" / SEED.name)
    return root


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


TEMPLATE_TYPOS = {
    "missing key": (
        "granted: {label: 予以公开, ",
        "granted: {",
        "tables.applications.rows.granted.label: missing; expected the printed label (a string)",
    ),
    "wrong type": (
        "granted: {label: 予以公开, ",
        "granted: {label: 12, ",
        "tables.applications.rows.granted.label: expected the printed label (a string), found 12",
    ),
    "misspelt key": (
        "granted: {label: 予以公开, ",
        "granted: {lable: 予以公开, ",
        "tables.applications.rows.granted.lable: unknown key; expected one of label, variants, number, group, "
        "outcome, templates, unit",
    ),
    "unknown rule operand": (
        "    right: [outcomes]\n",
        "    right: [outcome]\n",
        "rules[1].right[0]: expected a row of applications or outcomes, found 'outcome'",
    ),
    "unknown column operand": (
        "    right: [upheld, corrected, other, pending]\n",
        "    right: [upheld, corrected, others, pending]\n",
        "rules[3].right[2]: expected a column of review_litigation (upheld, corrected, other, pending, total), "
        "found 'others'",
    ),
    "wrong rule direction": (
        "    over: rows\n    left: [total]\n    right: [upheld",
        "    over: row\n    left: [total]\n    right: [upheld",
        "rules[3].over: expected one of columns, rows, found 'row'",
    ),
    "group row": (
        "rows: [administrative_penalty, administrative_coercion]\n          scalar",
        "rows: [administrative_penalty, administrative_coersion]\n          scalar",
        "tables.active_disclosure.templates.2021[2].rows[1]: expected a row of active_disclosure (regulations, "
        "normative_documents, administrative_license, other_management_services, administrative_penalty, "
        "administrative_coercion, administrative_fees_10k_yuan, government_procurement), "
        "found 'administrative_coersion'",
    ),
    "not YAML": (
        "granted: {label: 予以公开, ",
        "granted: {label: [予以公开, ",
        "line 114: not valid YAML (expected ',' or ']', but got '}')",
    ),
}


@pytest.mark.parametrize("case", TEMPLATE_TYPOS, ids=str)
def test_a_template_typo_names_file_key_and_expectation(case, tmp_path, monkeypatch, capsys):
    old, new, expected = TEMPLATE_TYPOS[case]
    bad = edited(template.TEMPLATE_FILE, tmp_path / "template.yaml", old, new)
    monkeypatch.setattr(template, "TEMPLATE_FILE", bad)
    assert run(["parse", str(SEED)], capsys) == (2, "", f"error: {bad}: {expected}\n")


def test_every_command_stops_on_a_template_typo_with_one_line(tmp_path, monkeypatch, capsys):
    old, new, expected = TEMPLATE_TYPOS["unknown rule operand"]
    bad = edited(template.TEMPLATE_FILE, tmp_path / "template.yaml", old, new)
    monkeypatch.setattr(template, "TEMPLATE_FILE", bad)
    line = f"error: {bad}: {expected}\n"
    project(tmp_path / "root")
    assert run(["parse", str(SEED)], capsys) == (2, "", line)
    assert run(["check", str(SEED)], capsys) == (2, "", line)
    assert run(["build", "--root", str(tmp_path / "root"), "--no-site"], capsys) == (2, "", line)
    code, _, err = run(["add", str(SEED), "--reports", str(tmp_path / "added")], capsys)
    assert (code, err) == (2, line)


CHECKS_TYPOS = {
    "missing key": (
        "  blank_examples: 5 ",
        "  # blank_examples: 5 ",
        "settings.blank_examples: missing; expected a whole number",
    ),
    "wrong type": (
        "  first_year: 2008",
        "  first_year: '2008'",
        "settings.first_year: expected a whole number, found '2008'",
    ),
    "unknown severity": (
        "  - id: table-missing\n    severity: warning",
        "  - id: table-missing\n    severity: fatal",
        "rules[0].severity: expected one of error, warning, info, found 'fatal'",
    ),
    "unknown check": (
        "  - id: table-missing\n",
        "  - id: table-mising\n",
        "rules[0].id: expected a check of builder/checks.py, found 'table-mising'",
    ),
    "unknown cell of a claim": (
        "accept: [[review_litigation.review.total]]",
        "accept: [[review_litigation.reveiw.total]]",
        "claims[4].accept[0][0]: expected a row of review_litigation, "
        "found 'reveiw' in 'review_litigation.reveiw.total'",
    ),
    "pattern that does not compile": (
        "patterns: ['行政许可(?:决定)?",
        "patterns: ['行政许可((?:决定)?",
        "claims[2].patterns[0]: expected a regular expression, found '行政许可((?:决定)?(?:共|计)?(\\\\d+)件' "
        "(missing ), unterminated subpattern at position 4)",
    ),
}


@pytest.mark.parametrize("case", CHECKS_TYPOS, ids=str)
def test_a_checks_typo_names_file_key_and_expectation(case, tmp_path, monkeypatch, capsys):
    old, new, expected = CHECKS_TYPOS[case]
    bad = edited(checks.CHECKS_FILE, tmp_path / "checks.yaml", old, new)
    monkeypatch.setattr(checks, "CHECKS_FILE", bad)
    assert run(["check", str(SEED)], capsys) == (2, "", f"error: {bad}: {expected}\n")


REGISTRY_TYPOS = {
    "entry without id": (
        "- id: ningxia-guyuan-longde-weijian\n  name:",
        "- name:",
        "agencies[1].id: missing; expected the agency's id, its address part (a string)",
    ),
    "code not quoted": (
        "code: '640502'",
        "code: 640502",
        "agencies[0].region.county.code: expected a 6-digit division code (a quoted string), found 640502",
    ),
    "no paths": (
        "  paths: [ningxia/guyuan/weijian]\n",
        "",
        "agencies[3].paths: missing; expected its addresses, the current one first (a list)",
    ),
    "misspelt top key": ("\nagencies:\n", "\nagency:\n", "agency: unknown key; expected one of sectors, agencies"),
}


@pytest.mark.parametrize("case", REGISTRY_TYPOS, ids=str)
def test_a_registry_typo_stops_the_build_with_one_line(case, tmp_path, capsys):
    old, new, expected = REGISTRY_TYPOS[case]
    root = project(tmp_path / "root")
    bad = edited(agencies.REGISTRY, root / "data" / "agencies.yaml", old, new)
    assert run(["build", "--root", str(root), "--no-site"], capsys) == (2, "", f"error: {bad}: {expected}\n")


def test_the_shipped_files_are_valid():
    assert [r.id for r in template.load_template(template.TEMPLATE_FILE).rules][:1] == ["B1-balance"]
    assert "B1-balance" in checks.load_checks(checks.CHECKS_FILE)["by_id"]
    assert agencies.load_registry(agencies.REGISTRY)["agencies"]


def test_a_registry_the_build_wrote_is_valid(tmp_path):
    """The entries the build adds (unconfirmed, region unresolved) fit the schema they are read back with."""
    registry = agencies.load_registry(agencies.REGISTRY)
    entry = agencies.new_entry(registry, "某某局", {"status": "unresolved"})
    path = tmp_path / "agencies.yaml"
    shutil.copy(agencies.REGISTRY, path)
    path.write_text(agencies.registry_to_yaml({**registry, "agencies": [*registry["agencies"], entry]}), "utf-8")
    assert agencies.load_registry(path)["agencies"][-1] == entry


def test_config_error_reads_as_one_line():
    error = ConfigError(ROOT / "x.yaml", "rules[0].left[1]", "expected a row of applications, found 'nwe'")
    assert str(error) == f"{ROOT / 'x.yaml'}: rules[0].left[1]: expected a row of applications, found 'nwe'"
    assert str(ConfigError("x.yaml", "", "not valid YAML")) == "x.yaml: (top level): not valid YAML"
