"""Find public functions and classes in builder/ whose docstring is missing or too short."""

import ast
from pathlib import Path

BUILDER = Path(__file__).resolve().parent.parent / "builder"
MIN_DOCSTRING_CHARS = 20


def public_definitions(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """Given a parsed module, return (dotted name, node) for each public function and class.

    Public means a name not starting with `_`, at module level, or a method of a public class
    (dunder methods such as `__init__` are private by this rule).
    """
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            found.append((node.name, node))
            if isinstance(node, ast.ClassDef):
                found += [
                    (f"{node.name}.{item.name}", item)
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_")
                ]
    return found


def undocumented(path: Path) -> list[str]:
    """Given a Python file, return the names of its public definitions whose docstring is missing or
    shorter than MIN_DOCSTRING_CHARS characters (a restatement of the name, not a description)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        name
        for name, node in public_definitions(tree)
        if len((ast.get_docstring(node) or "").strip()) < MIN_DOCSTRING_CHARS
    ]


def census(root: Path = BUILDER) -> dict[str, tuple[int, int]]:
    """Given the package folder, return {module path relative to it: (undocumented, public)} for every .py file."""
    counts = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        counts[path.relative_to(root).as_posix()] = (len(undocumented(path)), len(public_definitions(tree)))
    return counts


if __name__ == "__main__":
    total_missing = total_public = 0
    for module, (missing, public) in census().items():
        total_missing += missing
        total_public += public
        print(f"{module:28} {missing:3} of {public:3} without a docstring")
    print(f"{'total':28} {total_missing:3} of {total_public:3}")
