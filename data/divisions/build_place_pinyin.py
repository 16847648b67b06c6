"""Rebuild place_pinyin.csv: division names pypinyin reads wrong, with their reading from phrase data or by hand.

Run with the project's venv and the pypinyin-dict wheel unpacked on the path (see README.md):
`PYTHONPATH=<unpacked wheel> .venv/bin/python data/divisions/build_place_pinyin.py`.
"""

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin_dict.phrase_pinyin_data import cc_cedict, large_pinyin

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from builder.regions import load_divisions, short_name  # noqa: E402

OUT = Path(__file__).with_name("place_pinyin.csv")
# Phrase dictionaries of pypinyin-dict 0.9.0, in order of trust: CC-CEDICT names most places; large_pinyin adds some.
SOURCES = (("cc_cedict", cc_cedict.phrases_dict), ("large_pinyin", large_pinyin.phrases_dict))
# Readings of the phrase data that are wrong for the place: pypinyin's own reading is right.
REJECT = {
    "栖霞": "Qixia (南京 栖霞区, 烟台 栖霞市), not xī xiá",
    "石鼓": "Shigu (衡阳 石鼓区), not dàn gǔ",
    "扎鲁特": "Zhalute (扎鲁特旗, Jarud), not zā lǔ tè",
    "扎囊": "Zhanang (扎囊县, Dranang), not zā náng",
    "麦盖提": "Maigaiti (麦盖提县, Makit), not mài gě tí",
    "称多": "Chengduo (称多县, Chindu; 称 chēng), not chèn duō",
}
# Readings no phrase dictionary has right, checked by hand: (name, reading, why).
ADD = [
    ("陕西", "shǎan xī", "Shaanxi, the official spelling that sets it apart from 山西 Shanxi"),
    ("襄都", "xiāng dū", "都 of a place is dū (襄都区, 邢台, named 2020)"),
    ("信都", "xìn dū", "都 of a place is dū (信都区, 邢台, named 2020)"),
    ("郫都", "pí dū", "都 of a place is dū (郫都区, 成都)"),
    ("三都", "sān dū", "都 of a place is dū (三都水族自治县)"),
    ("都安", "dū ān", "都 of a place is dū (都安瑶族自治县)"),
    ("泊头", "bó tóu", "Botou (泊头市, 沧州)"),
    ("康巴什", "kāng bā shí", "Kangbashi (康巴什区, 鄂尔多斯): 什 is shí"),
    ("塔什库尔干", "tǎ shí kù ěr gān", "Tashikuergan (塔什库尔干塔吉克自治县): 什 is shí"),
    ("闵行", "mǐn háng", "Minhang (闵行区, 上海)"),
    ("绥棱", "suí líng", "Suiling (绥棱县): 棱 of a place is líng, as in 穆棱"),
    ("丹棱", "dān líng", "Danling (丹棱县, 眉山)"),
    ("长阳", "cháng yáng", "Changyang (长阳土家族自治县)"),
    ("龙圩", "lóng xū", "Longxu (龙圩区, 梧州): 圩 of a Guangxi place is xū"),
    ("覃塘", "qín táng", "Qintang (覃塘区, 贵港)"),
    ("筠连", "jūn lián", "Junlian (筠连县, 宜宾)"),
    ("民乐", "mín lè", "Minle (民乐县, 张掖)"),
    ("红寺堡", "hóng sì bǔ", "Hongsibu (红寺堡区, 吴忠): 堡 of a northwestern place is bǔ, as in 吴堡"),
    ("宕昌", "tàn chāng", "Tanchang (宕昌县, 陇南)"),
]


def plain(reading: str) -> str:
    """Given a reading with tone marks (cháng níng), return its slug syllables run together (changning)."""
    return "".join(to_normal(s) for s in reading.split())


def phrase_reading(name: str) -> tuple[str, str] | None:
    """Given a name, return (reading, source) from the first phrase dictionary that has it, or None."""
    for source, phrases in SOURCES:
        if name in phrases:
            return " ".join(p[0] for p in phrases[name]), source
    return None


def rows_for(names: dict[str, list[str]]) -> list[list[str]]:
    """Given {short name: codes}, return a row per name whose phrase reading differs from pypinyin's own."""
    rows = []
    for name, codes in names.items():
        found = phrase_reading(name)
        if name in REJECT or not found or plain(found[0]) == "".join(lazy_pinyin(name)):
            continue
        rows.append([name, found[0], found[1], " ".join(codes)])
    for name, reading, why in ADD:
        rows.append([name, reading, f"hand: {why}", " ".join(names.get(name, []))])
    return rows


def main() -> None:
    d = load_divisions()
    names: dict[str, list[str]] = {}
    for code, division in sorted(d.by_code.items()):
        names.setdefault(short_name(division.name, d.ethnic), []).append(code)
    rows = sorted(rows_for(names), key=lambda r: r[3])
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "reading", "source", "codes"])
        w.writerows(rows)
    print(f"{OUT}: {len(rows)} names")


if __name__ == "__main__":
    main()
