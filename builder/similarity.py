"""Similar texts in pure Python: near-duplicate reports (shingles, MinHash, LSH) and near-identical labels."""

from __future__ import annotations

import re
import zlib
from array import array
from collections import defaultdict
from difflib import SequenceMatcher
from itertools import combinations

NOT_TEXT = re.compile(r"[^0-9A-Za-z\u3400-\u9fff]+")
DIGITS = re.compile(r"[0-9]+")


def text_to_shingles(text: str, size: int) -> array:
    """Given a text, return the distinct 32-bit hashes of its `size`-character shingles, sorted,
    in an array (4 bytes each: sets would take ten times the memory over thousands of reports).
    Spaces and punctuation are dropped and every number becomes 0, because a copied report
    changes its year and its counts while keeping its sentences."""
    text = DIGITS.sub("0", NOT_TEXT.sub("", text))
    data = text.encode("utf-32-le")  # 4 bytes a character, so a shingle is a fixed-width slice
    width = 4 * size
    return array("I", sorted({zlib.crc32(data[i : i + width]) for i in range(0, len(data) - width + 1, 4)}))


def shingles_to_signature(shingles: array, bins: int, owner: int) -> tuple[int, ...]:
    """Given shingle hashes, return a MinHash signature by one-permutation hashing: the hash space
    is cut into `bins` and each bin keeps its smallest value, one pass instead of `bins` hashes.
    An empty bin gets a value unique to `owner`, so two short texts never match on emptiness."""
    mins = [-1 - owner] * bins
    for h in shingles:
        b, v = h % bins, h // bins
        if mins[b] < 0 or v < mins[b]:
            mins[b] = v
    return tuple(mins)


def signatures_to_pairs(
    signatures: list[tuple[int, ...]], band_rows: int, cap: int | None = None
) -> set[tuple[int, int]]:
    """Given signatures, return the index pairs (i < j) that agree on every value of at least
    one band: pairs whose Jaccard similarity is likely high, found without comparing all pairs.
    With a `cap`, a band's bucket of more than cap + 1 texts pairs each text only with the `cap`
    texts after it in the bucket (by index), so that many near-identical texts cost linear time
    instead of quadratic: each still meets its neighbours, in every band."""
    pairs: set[tuple[int, int]] = set()
    if not signatures:
        return pairs
    for start in range(0, len(signatures[0]), band_rows):
        buckets: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, sig in enumerate(signatures):
            buckets[sig[start : start + band_rows]].append(i)
        for members in buckets.values():
            if cap is not None and len(members) > cap + 1:
                for k, i in enumerate(members):
                    pairs.update((i, j) for j in members[k + 1 : k + 1 + cap])
            elif len(members) > 1:
                pairs.update(combinations(members, 2))
    return pairs


def shared_share(mine: array, other: array) -> float:
    """The share of my shingles that also occur in the other text (containment, not Jaccard:
    a short report copied whole into a long one has repeated all of its own text)."""
    return len(set(mine).intersection(other)) / len(mine) if mine else 0.0


def find_similar(
    texts: list[array],
    bins: int,
    band_rows: int,
    threshold: float,
    groups: list | None = None,
    cap: int | None = None,
) -> dict[int, tuple[int, float]]:
    """Given shingle sets, return {i: (j, share)}: for each text, the other text that holds the
    largest share of it, when that share reaches `threshold`. Texts of the same group (one
    agency) are not compared. Candidates come from LSH (at most `cap` a text in each band:
    signatures_to_pairs); the share is then computed exactly, so a candidate never produces a
    false finding."""
    signatures = [shingles_to_signature(s, bins, i) for i, s in enumerate(texts)]
    best: dict[int, tuple[int, float]] = {}
    current, mine = -1, set()
    for i, j in sorted(signatures_to_pairs(signatures, band_rows, cap)):
        if groups is not None and groups[i] == groups[j]:
            continue
        if i != current:  # pairs come sorted by i: one set per text, not one per pair
            current, mine = i, set(texts[i])
        common = len(mine.intersection(texts[j]))
        for me, other in ((i, j), (j, i)):
            share = common / len(texts[me])
            if share >= threshold and share > best.get(me, (None, 0.0))[1]:
                best[me] = (other, share)
    return best


def label_similarity(printed: str, form: str) -> float:
    """How alike a printed row label and a template label are, 0..1: the share of their characters
    in common runs (difflib's ratio), so a typo or a dropped character (`其他法律行政止公开` for
    `其他法律行政法规禁止公开`) still scores high while another row's label scores low."""
    return SequenceMatcher(None, printed, form, autojunk=False).ratio()
