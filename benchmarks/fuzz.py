"""Fuzz the readers, the parser and the escaping filter with hypothesis for a fixed time; print what was tried.

    .venv/bin/python benchmarks/fuzz.py --minutes 10

Three targets, taking turns in batches of fresh random examples until the time is up:
  bytes     random bytes under every supported file name -> read + parse_document
  mutate    byte and text mutations of the real reports in data/reports (all formats) -> read + parse_document
  escape    random report text through escape_text in every Markdown context the page templates use ->
            Python-Markdown with the site's extensions -> the HTML must hold no element or attribute from the text
A pass is a report dict or a ReportError; anything else, or an input that takes longer than --slow
seconds, is saved under benchmarks/fuzz-findings/ and counted. Results go to benchmarks/FUZZ.md by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder import sources  # noqa: E402
from builder.model import ReportError  # noqa: E402
from builder.parse import parse_document  # noqa: E402
from tests.test_escaping import HOSTILE, hostile_text, markup_from_text  # noqa: E402

FINDINGS = ROOT / "benchmarks" / "fuzz-findings"
SUFFIXES = sorted(sources.SUFFIX_FORMATS)
SEEDS = sorted(p for p in (ROOT / "data" / "reports").rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
SEED_BYTES = [(p.suffix.lower(), p.read_bytes()) for p in SEEDS]
stats: Counter = Counter()


class Slow(Exception):
    pass


def on_alarm(signum, frame):
    raise Slow()


def check_file(data: bytes, suffix: str, target: str, slow: float, workdir: Path) -> None:
    """Read and parse one input; count the outcome and keep any input that crashes or hangs."""
    path = workdir / f"input{suffix}"
    path.write_bytes(data)
    stats[target] += 1
    signal.setitimer(signal.ITIMER_REAL, slow)
    try:
        parse_document(sources.read(path, path.name))
        stats[f"{target}: report"] += 1
    except ReportError:
        stats[f"{target}: ReportError"] += 1
    except Slow:
        keep(data, suffix, target, f"slower than {slow} s")
    except Exception:
        keep(data, suffix, target, traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def keep(data: bytes, suffix: str, target: str, why: str) -> None:
    stats["findings"] += 1
    FINDINGS.mkdir(parents=True, exist_ok=True)
    name = f"{target}-{hashlib.sha256(data).hexdigest()[:16]}"
    (FINDINGS / f"{name}{suffix}").write_bytes(data)
    (FINDINGS / f"{name}.txt").write_text(why, encoding="utf-8")
    print(f"FINDING {name}{suffix}: {why.strip().splitlines()[-1]}", flush=True)


@st.composite
def mutated(draw):
    """A real report with a few byte- or text-level mutations."""
    suffix, data = draw(st.sampled_from(SEED_BYTES))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice", "text", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 4096))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            other = draw(st.sampled_from(SEED_BYTES))[1]
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start : start + draw(st.integers(1, 4096))]
        elif kind == "text":
            data[at:at] = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))).encode(
                "utf-8", "surrogatepass"
            )
        elif kind == "repeat" and data:
            data[at:at] = data[at : at + draw(st.integers(1, 512))] * draw(st.integers(2, 50))
    return suffix, bytes(data)


def run(minutes: float, slow: float, batch: int) -> None:
    logging.disable(logging.WARNING)  # pdfminer logs every oddity of a damaged file; the counts are what matter
    signal.signal(signal.SIGALRM, on_alarm)
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    common = settings(
        max_examples=batch, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck)
    )

    @common
    @given(
        st.binary(max_size=20000),
        st.sampled_from(SUFFIXES),
        st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html>"]),
    )
    def fuzz_bytes(data, suffix, prefix):
        check_file(prefix + data, suffix, "bytes", slow, workdir)

    @common
    @given(mutated())
    def fuzz_mutate(case):
        check_file(case[1], case[0], "mutate", slow, workdir)

    @common
    @given(hostile_text())
    def fuzz_escape(text):
        stats["escape"] += 1
        leaked = markup_from_text(text)
        if leaked:
            keep(text.encode("utf-8", "surrogatepass"), ".md", "escape", f"markup from report text: {leaked}")

    end = time.monotonic() + minutes * 60
    started = time.monotonic()
    targets = [fuzz_bytes, fuzz_mutate, fuzz_escape]
    rounds = 0
    while time.monotonic() < end:
        for target in targets:
            try:
                target()
            except Exception:  # each input is already guarded; this is a bug in the fuzzer itself
                keep(b"", ".txt", "harness", traceback.format_exc())
        rounds += 1
        elapsed = time.monotonic() - started
        tried = stats["bytes"] + stats["mutate"] + stats["escape"]
        print(f"{elapsed / 60:5.1f} min  {tried} inputs  findings {stats['findings']}", flush=True)
    elapsed = time.monotonic() - started
    print(f"\n{elapsed / 60:.1f} minutes, {rounds} rounds of {batch} examples per target")
    for key in sorted(stats):
        print(f"  {key}: {stats[key]}")
    print(f"inputs tried: {stats['bytes'] + stats['mutate'] + stats['escape']}; findings: {stats['findings']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--slow", type=float, default=20.0, help="seconds after which one input counts as a hang")
    parser.add_argument("--batch", type=int, default=300, help="hypothesis examples per target per round")
    args = parser.parse_args()
    run(args.minutes, args.slow, args.batch)
    return 1 if stats["findings"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
