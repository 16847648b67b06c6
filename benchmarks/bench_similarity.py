"""Times the copy-paste checks (check_corpus) on synthetic reports: python benchmarks/bench_similarity.py [N]."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.checks import check_corpus, load_checks, narrative_text  # noqa: E402
from builder.similarity import find_similar, shingles_to_signature, signatures_to_pairs, text_to_shingles  # noqa: E402
from builder.template import load_template  # noqa: E402

COMMON = 0x4E00 + 2500  # a vocabulary of common characters, so unrelated texts share short runs


def sentence(rng: random.Random) -> str:
    return (
        "".join(chr(rng.randrange(0x4E00, COMMON)) for _ in range(rng.randrange(15, 40))) + f"{rng.randrange(200)}件。"
    )


def make_corpus(n: int, years: int, seed: int = 7) -> tuple[list[dict], set[tuple[str, str]]]:
    """n reports over `years` years of n / years agencies: ~25% of each text is boilerplate shared by all,
    2% copy another agency's report of the same year, 2% copy their own previous year.
    Returns (reports, planted (copy id, source id) pairs)."""
    rng = random.Random(seed)
    boilerplate = [sentence(rng) for _ in range(60)]
    agencies = n // years
    reports, planted = [], set()
    for k in range(n):
        agency, year = f"机关{k % agencies}", 2020 + k // agencies
        own = [sentence(rng) for _ in range(60)]
        text = "".join(rng.sample(boilerplate, 20) + own)
        roll = rng.random()
        same_year = [r for r in reports if r["year"] == year]
        if roll < 0.02 and same_year:
            source = rng.choice(same_year)
            text = source["sections"][0]["text"][: int(len(text) * 0.8)] + "".join(own[:12])
            planted.add((f"r{k}", source["id"]))
        elif roll < 0.04 and year > 2020:
            source = reports[k - agencies]
            text = source["sections"][0]["text"].replace("1", "3")
            planted.add((f"r{k}", source["id"]))
        reports.append(
            {
                "id": f"r{k}",
                "agency": agency,
                "year": year,
                "template": "2021",
                "sections": [{"key": "overview", "text": text}],
                "tables": {},
            }
        )
    return reports, planted


def time_stages(reports: list[dict]) -> dict[str, float]:
    """Seconds for each stage of the same-year comparison, all reports in one group (the worst case)."""
    settings = load_checks()["settings"]["copy"]
    t0 = time.perf_counter()
    shingles = [text_to_shingles(narrative_text(r, settings["sections"]), settings["shingle_chars"]) for r in reports]
    t1 = time.perf_counter()
    signatures = [shingles_to_signature(s, settings["bins"], i) for i, s in enumerate(shingles)]
    t2 = time.perf_counter()
    pairs = signatures_to_pairs(signatures, settings["band_rows"])
    t3 = time.perf_counter()
    found = find_similar(shingles, settings["bins"], settings["band_rows"], settings["threshold"])
    t4 = time.perf_counter()
    return {
        "shingles": t1 - t0,
        "signatures": t2 - t1,
        "lsh": t3 - t2,
        "find_similar (sign+lsh+verify)": t4 - t3,
        "candidate_pairs": len(pairs),
        "flagged": len(found),
        "mean_shingles": sum(map(len, shingles)) / len(shingles),
    }


def main(n: int = 2000) -> None:
    template = load_template()
    for years in (1, 4):
        reports, planted = make_corpus(n, years)
        t0 = time.perf_counter()
        result = check_corpus(reports, template)
        elapsed = time.perf_counter() - t0
        flagged = {(rid, f["related"]) for rid, items in result.items() for f in items}
        reverse = {(b, a) for a, b in planted}  # the source repeats the copy too: a true finding
        print(
            f"{n} reports, {years} year(s): check_corpus {elapsed:.2f} s; planted copies {len(planted)}, "
            f"found {len(planted & flagged)}, their sources flagged {len(reverse & flagged)}, "
            f"false findings {len(flagged - planted - reverse)}"
        )
    stages = time_stages(make_corpus(n, 1)[0])
    print("stages, one year:", {k: round(v, 3) for k, v in stages.items()})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
