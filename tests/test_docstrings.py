"""Every public function and class of every module of builder/ has a docstring that says more than its name."""

import ast

import pytest

from tests.docstrings import BUILDER, MIN_DOCSTRING_CHARS, public_definitions, undocumented

# Every module of the package (issue 11: every public function and class has a docstring).
DOCUMENTED = sorted(str(p.relative_to(BUILDER)) for p in BUILDER.rglob("*.py"))


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
