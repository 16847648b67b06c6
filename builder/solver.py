"""Places a table's cells in the template's columns when the text lost its grid: every way a row can be
laid out, scored by the template's consistency rules (勾稽关系, builder.template.Rule/Equation, the same
objects the checks report with), the reading that breaks fewest of them chosen, and a cell that more than one
reading fits left null with its readings listed."""

from __future__ import annotations

import itertools

from builder.cells import COUNT, Cell, placements, read_cell
from builder.stream import MAX_READINGS, leading_digits, settle_runs, stream_layouts
from builder.template import Address, Equation, Template

MAX_COMBINATIONS = 50_000


def trim(tokens: list[str]) -> list[str]:
    """Given a row's value tokens, return a copy without the blank tokens at its end."""
    out = list(tokens)
    while out and not out[-1].strip():
        out.pop()
    return out


def row_layouts(tokens: list[str], width: int) -> tuple[list[tuple[Cell | None, ...]], list[str]]:
    """Given a row's value tokens, return (candidate layouts over `width` columns, text left over).
    A full row has one layout (extra leading cells are label padding); a row that lost blank
    cells has one per way to put them back, right-aligned first.
    A lost blank hidden by a padding cell (the row still counts `width`) cannot be seen here.
    Every column of tables B and C is a count."""
    cells = [read_cell(t, COUNT) for t in trim(tokens)]
    if len(cells) >= width:
        extra = [c.raw for c in cells[: len(cells) - width] if not c.blank]
        return [tuple(cells[len(cells) - width :])], extra
    return placements(tuple(cells), width), []


def equations(template: Template, table: str, version: str) -> tuple[Equation, ...]:
    """Given the template, a table key and a template version, return the table's consistency rules (勾稽关系,
    template rules_for) as equations over (row, column) cells."""
    return tuple(eq for rule in template.rules_for(table) for eq in rule.equations(version))


def violations(grid: dict[Address, object], eqs: tuple[Equation, ...]) -> int:
    """Given a filled grid {(row, column): value} and equations, return how many of them it breaks
    (Equation.holds: blank counts as 0, all-blank equations are skipped)."""
    return sum(eq.holds(grid) is False for eq in eqs)


def row_address(unit: str, column: str) -> Address:
    """The cell address of a column of a unit when each unit is one table row: (row, column)."""
    return unit, column


def as_grid(name: str, layout: dict, address=row_address) -> dict[Address, object]:
    """Given a unit's layout {column: Cell or None}, return its values by cell address. A cell that could not
    be read has no value here, like a blank: the solver has always weighed it so (checks mark it UNKNOWN)."""
    return {address(name, col): value_of(c) for col, c in layout.items()}


def best_layouts(candidates: list, grid_of, eqs: tuple[Equation, ...]) -> list[int]:
    """Given candidates and `grid_of(candidate) -> {address: value}`, return the indexes of the candidates
    that break fewest equations."""
    scores = [violations(grid_of(c), eqs) for c in candidates]
    low = min(scores)
    return [i for i, s in enumerate(scores) if s == low]


def solve(
    fixed: dict[Address, object], open_rows: dict[str, list[dict]], eqs: tuple[Equation, ...], address=row_address
) -> tuple[dict, dict]:
    """Choose a layout for every unit with several candidate layouts: the combination that breaks
    fewest of the template's equations, ties keeping the first (positional) reading. `fixed` holds the
    values of the cells already placed; `address(unit, column)` names a unit's cell as (row, column).
    Return (chosen index per unit, the other indexes that fit equally well, per unit)."""
    names = list(open_rows)
    # First each unit alone, against the equations within it (e.g. the 总计 column), to prune.
    options = {}
    for name in names:
        mine = {address(name, col) for col in open_rows[name][0]}
        own = [eq for eq in eqs if all(c in mine for c in eq.left + eq.right)]
        options[name] = (
            best_layouts(open_rows[name], lambda lay, n=name: as_grid(n, lay, address), own)
            if own
            else list(range(len(open_rows[name])))
        )
    total = 1
    for name in names:
        total *= len(options[name])
    if total > MAX_COMBINATIONS:
        return {n: options[n][0] for n in names}, {n: options[n][1:] for n in names if len(options[n]) > 1}
    combos = list(itertools.product(*(options[n] for n in names)))

    def grid_of(combo):
        """The whole table's values with each open unit laid out by its index in `combo`."""
        grid = dict(fixed)
        for name, index in zip(names, combo, strict=True):
            grid.update(as_grid(name, open_rows[name][index], address))
        return grid

    best = [combos[i] for i in best_layouts(combos, grid_of, eqs)]
    chosen = dict(zip(names, best[0], strict=True))
    alternatives = {}
    for i, name in enumerate(names):
        others = sorted({combo[i] for combo in best[1:]} - {best[0][i]})
        if others:
            alternatives[name] = others
    return chosen, alternatives


def place_rows(
    units: dict[str, list[str]],
    columns: list[str],
    eqs: tuple[Equation, ...],
    address=row_address,
    runs: dict[str, str] | None = None,
) -> tuple[dict, dict, dict]:
    """Place the value tokens of each unit (a table row, or table C's fifteen cells) in `columns`, using the
    template's equations where a unit can be read more than one way; `address(unit, column)` names each
    cell as the equations do, (row, column). Units named in `runs` come from a stream (builder.stream):
    a "glued" unit's runs of digits may each be several cells; a cell that more than one reading fits is
    null, with the readings listed. Return (values per unit, cell notes per unit.column, leftovers)."""
    fixed, open_rows, layouts, extras, cut = {}, {}, {}, {}, {}
    runs = runs or {}
    for name, tokens in units.items():
        readings = stream_layouts(tokens, len(columns), runs[name] == "glued") if runs.get(name) else None
        if readings == [] and runs.get(name) == "glued":  # too many cuts to list: those the unit's own sums allow
            readings = summed_cuts(tokens, name, columns, eqs, address)
        if readings is not None:
            cut[name] = readings
        candidates, extra = (readings, []) if readings is not None else row_layouts(tokens, len(columns))
        layouts[name] = [dict(zip(columns, lay, strict=True)) for lay in candidates] or [dict.fromkeys(columns)]
        if extra:
            extras[name] = extra
        if len(layouts[name]) == 1:
            fixed.update(as_grid(name, layouts[name][0], address))
        else:
            open_rows[name] = layouts[name]
    chosen, alternatives = solve(fixed, open_rows, eqs, address) if open_rows else ({}, {})
    grid = dict(fixed)
    for other, index in chosen.items():
        grid.update(as_grid(other, open_rows[other][index], address))
    values, notes = {}, {}
    for name, candidates in layouts.items():
        if name in cut:
            fits = [chosen.get(name, 0), *alternatives.get(name, [])]
            values[name], cut_notes = cut_values(name, cut[name], units[name], columns, grid, fits, eqs, address)
            notes |= {f"{name}.{col}": note for col, note in cut_notes.items()}
            continue
        index = chosen.get(name, 0)
        others = alternatives.get(name, [])
        if name in open_rows and breaks_own(name, candidates[index], grid, eqs, address):
            others = list(range(len(candidates)))  # no layout fits the sums: none of them is known
        values[name], unit_notes = layout_values(candidates, index, others)
        notes |= {f"{name}.{col}": note for col, note in unit_notes.items()}
    return values, notes, extras


def summed_cuts(tokens: list[str], name: str, columns: list[str], eqs: tuple[Equation, ...], address=row_address):
    """Given a glued unit's runs with more cuts than stream.MAX_READINGS (table C printed as one run of 17
    digits), return every cut over `columns` (a column may take no digits: a blank left nothing) that keeps
    each equation lying wholly within the unit (each 总计 = the other four), found depth first and checked as
    soon as an equation's cells are all cut; [] when there are none or more than MAX_READINGS (unreadable)."""
    runs = [t for t in tokens if t.strip()]
    index = {address(name, col): i for i, col in enumerate(columns)}
    checks: dict[int, list[Equation]] = {}
    for eq in eqs:
        cells = eq.left + eq.right
        if all(c in index for c in cells):
            checks.setdefault(max(index[c] for c in cells), []).append(eq)
    out: list[tuple] = []

    def cut(col: int, run: int, at: int, layout: tuple) -> bool:
        """Extend `layout` from column `col`, run `run`, digit `at`; False once there are too many cuts."""
        if col and checks.get(col - 1):
            grid = {address(name, columns[i]): value_of(c) for i, c in enumerate(layout)}
            if any(eq.holds(grid) is False for eq in checks[col - 1]):
                return True
        if col == len(columns):
            if run == len(runs):
                out.append(layout)
            return len(out) <= MAX_READINGS
        if not cut(col + 1, run, at, (*layout, None)):  # a blank here left nothing
            return False
        if run == len(runs):
            return True
        text = runs[run]
        head = len(leading_digits(text))
        for end in [*range(at + 1, head), len(text)]:  # a decimal part or unit stays with its last digits
            piece = read_cell(text[at:end])
            if end <= at or (text[at] == "0" and min(end, head) - at > 1) or piece.value is None:
                continue
            following = (run + 1, 0) if end == len(text) else (run, end)
            if not cut(col + 1, *following, (*layout, piece)):
                return False
        return True

    complete = cut(0, 0, 0, ())
    return out if complete else []


def breaks_own(name: str, layout: dict, grid: dict, eqs: tuple[Equation, ...], address=row_address) -> bool:
    """Whether a unit's chosen layout, in the solved grid, breaks an equation that holds one of its cells: then
    the sums did not place its cells (the printed table may break them too), and no layout is more than a guess."""
    mine = {address(name, col) for col in layout}
    grid = grid | as_grid(name, layout, address)
    # an equation with a blank or missing cell outside this unit tells nothing sure of where its cells go
    own = tuple(
        eq
        for eq in eqs
        if any(c in mine for c in eq.left + eq.right)
        and all(grid.get(c) is not None or c in mine for c in eq.left + eq.right)
        or all(c in mine for c in eq.left + eq.right)
    )
    return violations(grid, own) > 0


def layout_values(candidates: list[dict], index: int, others: list[int]) -> tuple[dict, dict]:
    """Given a unit's candidate layouts, the index of the one chosen and those that fit the sums as well, return
    (values, notes) by column: a cell every fitting layout reads the same keeps its number (`inferred` when the
    chosen layout is not the positional one); any other is null, `ambiguous`, with every reading listed (the
    chosen one too): a number the sums cannot place is never published as a guess."""
    layout = candidates[index]
    values, notes = {}, {}
    for col, cell in layout.items():
        note = cell_note(cell, None)
        readings = {value_of(candidates[i][col]) for i in (index, *others)}
        values[col] = value_of(cell)
        if len(readings) > 1:
            values[col] = None
            note |= {"position": "ambiguous", "alternatives": sorted(readings, key=lambda v: (v is None, str(v)))}
        elif index != 0 and cell is not None and not cell.blank:
            note["position"] = "inferred"
        if note:
            notes[col] = note
    return values, notes


def cut_values(name, readings, tokens, columns, grid, fits, eqs, address=row_address) -> tuple[dict, dict]:
    """Given a stream row's readings, the table's solved grid and the indexes of the readings that
    fit it best, return (values, notes) by column: the readings that count are those best ones when
    they break no equation of this row, else every reading the text allows (so no cut is a guess)."""
    raw = " ".join(t for t in tokens if t.strip())
    if not readings:
        note = {"raw": raw, "unreadable": True}
        return dict.fromkeys(columns), {col: dict(note) for col in columns}
    mine = {address(name, col) for col in columns}
    own = [eq for eq in eqs if any(c in mine for c in eq.left + eq.right)]
    grid = grid | {address(name, col): value_of(c) for col, c in zip(columns, readings[fits[0]], strict=True)}
    fitting = fits if violations(grid, own) == 0 else list(range(len(readings)))
    return settle_runs(readings, fitting, columns, raw)


def value_of(cell: Cell | None):
    """Given a Cell or None (no cell there), return its number (int, or float for an amount), or None when
    there is no cell or it is blank, unreadable or refused."""
    return cell.value if cell else None


def cell_note(cell: Cell | None, line: int | None) -> dict:
    """What to say about a cell beside its number: raw text where it differs, unreadable text, a number
    refused (`impossible`: why, a key of cells.PROBLEMS), a unit printed after the number."""
    note: dict = {} if line is None else {"line": line}
    if cell is None:
        return note
    if not cell.readable:
        note["raw"] = cell.raw
        note["unreadable"] = True
    elif cell.problem:
        note["raw"] = cell.raw
        note["impossible"] = cell.problem
    elif cell.value is not None and cell.raw.strip() != str(cell.value):
        note["raw"] = cell.raw
    if cell.unit:
        note["unit"] = cell.unit
    return note
