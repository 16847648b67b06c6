"""Every public function and class of the listed modules has a docstring that says more than its name."""

import ast

import pytest

from tests.docstrings import BUILDER, MIN_DOCSTRING_CHARS, public_definitions, undocumented

# The modules whose docstrings are complete; the list grows until it is every module of builder/.
DOCUMENTED = [
    "agencies.py",
    "build.py",
    "cells.py",
    "checks.py",
    "isolation.py",
    "model.py",
    "parse.py",
    "provenance.py",
    "regions.py",
    "revisions.py",
    "schema/__init__.py",
    "similarity.py",
    "sources/__init__.py",
    "sources/docx.py",
    "sources/html.py",
    "sources/ocr.py",
    "sources/pdf.py",
]


@pytest.mark.parametrize("module", DOCUMENTED)
def test_public_definitions_have_docstrings(module):
    assert undocumented(BUILDER / module) == []


def test_public_definitions_are_found():
    tree = ast.parse(
        "class A:\n"
        '    """A class that is documented well enough."""\n'
        "    def run(self): pass\n"
        "    def _hidden(self): pass\n"
        "    def __init__(self): pass\n"
        "def f(): 'f does f'\n"
        "def _g(): pass\n"
        "class _B:\n"
        "    def visible_but_private_class(self): pass\n"
    )
    assert [name for name, _ in public_definitions(tree)] == ["A", "A.run", "f"]


def test_short_docstring_counts_as_missing(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        'def named():\n    "Named."\n\ndef described():\n    "Given a thing, return it unchanged."\n', encoding="utf-8"
    )
    assert MIN_DOCSTRING_CHARS > len("Named.")
    assert undocumented(path) == ["named"]
