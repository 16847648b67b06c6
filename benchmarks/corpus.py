"""Writes N synthetic reports for benchmarks: python benchmarks/corpus.py N FOLDER [--inconsistent 0.05] [--seed 1].

Each report is seed 000 (a 2021-template text report) with another agency, year and numbers: table B's values
are drawn per applicant column and made to satisfy the template's rules (`builder.template`), then a
controlled share of reports gets one total broken by one; table A and C values are drawn the same way.
Agencies are county-level divisions (data/divisions/divisions.csv) × a list of bureaus, spread over years
2020–2025, so agencies, regions and years repeat as in a real deployment. Narrative paragraphs are mixed
from the five seeds.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "reports").glob("0*.txt"))
BUREAUS = ("卫生健康局", "教育局", "财政局", "民政局", "自然资源局", "生态环境局", "交通运输局", "市场监督管理局")
YEARS = range(2020, 2026)
NUMBER_CELL = re.compile(r"^\d+(\.\d+)?$")


def load_counties() -> list[str]:
    """Given divisions.csv, return 'city + county' names of county-level divisions (GB/T 2260)."""
    with open(ROOT / "data" / "divisions" / "divisions.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    name = {r["code"]: r["name"] for r in rows}
    return [name.get(r["parent_code"], "") + r["name"] for r in rows if r["level"] == "county"]


def applications(rng: random.Random, template, version: str = "2021") -> dict[str, dict[str, int]]:
    """A table B satisfying the template's rules: {row key: {column key: count}}."""
    columns = template.columns("applications")
    applicants = columns[:-1]
    rows = {
        r: {c: (rng.choice((0, 0, 0, 1, 2, 5, 13)) if c in applicants[:2] else 0) for c in applicants}
        for r in template.outcome_rows(version)
    }
    rows["carried_over"] = {c: rng.choice((0, 0, 1, 2)) for c in applicants}
    rows["total"] = {c: sum(rows[r][c] for r in template.outcome_rows(version)) for c in applicants}
    rows["carried_forward"] = {c: min(rng.choice((0, 0, 1)), rows["total"][c]) for c in applicants}
    rows["new"] = {c: rows["total"][c] + rows["carried_forward"][c] - rows["carried_over"][c] for c in applicants}
    for c in applicants:  # keep every count non-negative: what is carried over was received before
        if rows["new"][c] < 0:
            rows["carried_over"][c] += rows["new"][c]
            rows["new"][c] = 0
    for row in rows.values():
        row["total"] = sum(row[c] for c in applicants)
    return {r: rows[r] for r in template.rows("applications", version)}


def review(rng: random.Random) -> list[int]:
    """Table C's 15 numbers: three groups of 维持, 纠正, 其他, 尚未审结, 总计."""
    out = []
    for _ in range(3):
        group = [rng.choice((0, 0, 0, 1, 2)) for _ in range(4)]
        out += group + [sum(group)]
    return out


def report_text(
    skeleton: list[str], agency: str, year: int, rng: random.Random, template, narrative: list[str], broken: bool
) -> str:
    """Seed 000's lines with the title, years, numbers and narrative replaced."""
    table_b = applications(rng, template)
    if broken:
        row = rng.choice(list(table_b))
        table_b[row]["total"] += 1
    b_rows = iter([[table_b[r][c] for c in template.columns("applications")] for r in table_b])
    c_row = review(rng)
    out, section, titled = [], "", False
    for line in skeleton:
        cells = line.split("\t")
        numbers = [i for i, c in enumerate(cells) if NUMBER_CELL.match(c.strip())]
        if line.startswith(("三、收到", "四、政府信息公开行政复议")):
            section = line[:2]
        if "年政府信息公开工作年度报告" in line and not titled:
            line, titled = f"{agency}{year}年政府信息公开工作年度报告", True
        elif len(numbers) >= 6 and section == "三、":  # the seed lost a cell in one row: print all seven
            line = "\t".join(cells[: numbers[0]] + [str(v) for v in next(b_rows)])
        elif "未收到" in line:  # the seed says it received nothing; these reports did
            line = "（二）依申请公开。本机关依法办理政府信息公开申请，均在法定期限内答复。"
        elif len(numbers) == 15:
            line = "\t".join(str(v) for v in c_row)
        elif numbers and section == "":
            for i in numbers:
                cells[i] = str(rng.choice((0, 0, 1, 3, 12, 489)))
            line = "\t".join(cells)
        elif len(line) > 60 and "\t" not in line and rng.random() < 0.5:
            line = rng.choice(narrative)
        out.append(line.replace("2023", str(year)).replace("2024", str(year + 1)))
    return "\n".join(out) + "\n"


def write_corpus(n: int, folder: Path, inconsistent: float = 0.05, seed: int = 1) -> list[Path]:
    """Write n reports into folder (created); return their paths. Same n and seed, same files."""
    from builder.template import load_template

    template = load_template()
    rng = random.Random(seed)
    skeleton = SEEDS[0].read_text(encoding="utf-8").splitlines()
    narrative = [
        ln
        for s in SEEDS
        for ln in s.read_text(encoding="utf-8").splitlines()
        if len(ln) > 60 and "\t" not in ln and "|" not in ln and "报告" not in ln[:30]
    ]
    counties = load_counties()
    rng.shuffle(counties)
    per_agency = len(YEARS)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        agency_no, year = divmod(i, per_agency)
        county = counties[(agency_no // len(BUREAUS)) % len(counties)]
        agency = county + BUREAUS[agency_no % len(BUREAUS)]
        text = report_text(skeleton, agency, YEARS[year], rng, template, narrative, rng.random() < inconsistent)
        path = folder / f"{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--inconsistent", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(ROOT))
    print(f"{len(write_corpus(args.n, args.folder, args.inconsistent, args.seed))} reports in {args.folder}")
