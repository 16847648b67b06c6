"""Commands: arguments in, messages and exit codes out; no logic of their own."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from builder import build as build_module
from builder import isolation, sources
from builder.checks import check_report
from builder.config import ConfigError
from builder.model import ReportError
from builder.parse import parse_document
from builder.provenance import add_report
from builder.template import load_template


def read_report(file: str) -> dict | None:
    """Parse one file, or print why it cannot be read (naming the file and the place) and return None."""
    try:
        return parse_document(sources.read(Path(file), file))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one report's JSON, or a clear error naming the file and the place."""
    report = read_report(args.file)
    if report is None:
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def by_severity(findings: list[dict]) -> list[dict]:
    """The findings with errors first, then warnings, then notes; in check order within each."""
    return sorted(findings, key=lambda f: ("error", "warning", "info").index(f["severity"]))


def cmd_check(args: argparse.Namespace) -> int:
    """Print a report's findings, one per line or (--json) as one JSON object {file, agency, year, template,
    findings}; exit 1 if any is an error, 2 if the file cannot be read."""
    report = read_report(args.file)
    if report is None:
        return 2
    findings = check_report(report, load_template())
    failed = 1 if any(f["severity"] == "error" for f in findings) else 0
    if args.json:
        head = {"file": args.file, **{key: report[key] for key in ("agency", "year", "template")}}
        json.dump({**head, "findings": by_severity(findings)}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return failed
    count = build_module.plural(len(findings), "finding")
    print(f"{args.file}: {report['agency']} {report['year']} ({report['template']} template): {count}")
    for f in by_severity(findings):
        place = ".".join(str(p) for p in (f["table"], f["row"], f["column"]) if p is not None)
        line = f":line {f['line']}" if f.get("line") else ""
        print(f"  {f['severity']:<7} {f['rule']:<24} {place or '-'}{line}  {f['message']}")
    return failed


def cmd_build(args: argparse.Namespace) -> int:
    """Parse every report, write data/json and the Markdown pages, and build the site."""
    root = Path(args.root).resolve() if args.root else build_module.find_root()
    reports = Path(args.reports).resolve() if args.reports else None
    limits = isolation.Limits(
        seconds=args.timeout, memory_bytes=args.max_memory * 2**20, workers=args.jobs, scheduler=args.scheduler
    )
    try:
        summary = build_module.build(
            root,
            reports,
            site=not args.no_site,
            progress=build_module.terminal_progress(),
            limits=limits,
            max_bytes=args.max_bytes,
            max_pages=args.max_pages,
            allow_shrink=args.allow_shrink,
            release=True,
        )
    except build_module.BuildRefused as exc:
        for line in exc.summary.lines() if exc.summary else []:
            print(line)
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    for line in summary.lines():
        print(line)
    if not args.no_site:
        print(f"site written to {root / 'site'}; view it with: python -m http.server -d {root / 'site'} 8000")
    return 0 if summary.counts()["reports"] else 1


def cmd_add(args: argparse.Namespace) -> int:
    """Copy or download a report into the reports folder and record where it came from beside it."""
    folder = Path(args.reports) if args.reports else build_module.find_root() / "data" / "reports"
    try:
        added = add_report(args.source, folder, source_url=args.source_url, name=args.name, force=args.force)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if added.already_present:
        print(f"{added.path} already holds this file (sha256 {added.record['sha256'][:12]}…); nothing added")
        return 0
    print(f"added {added.path} ({added.record['bytes']} bytes, sha256 {added.record['sha256'][:12]}…)")
    print(f"provenance recorded in {added.sidecar}")
    try:
        report = parse_document(sources.read(added.path, str(added.path)))
    except ReportError as exc:
        print(f"warning: the file does not parse yet ({exc}); the build will list it under Problems", file=sys.stderr)
        return 0
    print(
        f"reads as {report['agency']} {report['year']} (id {report['id']}); if another file has this id, "
        "the build shows the newer (by signing date, publication date, then the time it was added) as the "
        "report and the older as a revision, or both when nothing tells which is newer"
    )
    return 0


def at_least(kind, low, unit: str = ""):
    """An argparse type: a number of `kind` (int or float) of at least `low` (above 0 when `low` is 0).

    Its errors name what was wrong: `not a number: 'abc'`, `must be at least 64 MB, not 50`."""

    def number(text: str):
        try:
            value = kind(text)
        except ValueError:
            whole = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"not {whole}: {text!r}") from None
        if value < low or (low == 0 and not value > 0):  # `not >` also refuses nan
            raise argparse.ArgumentTypeError(
                f"must be at least {low}{unit}, not {text}" if low else f"must be above 0, not {text}"
            )
        return value

    number.__name__ = kind.__name__  # argparse names the type in its own messages
    return number


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address (`tcp://HOST:PORT`), checked as isolation.Limits checks it."""
    try:
        return isolation.Limits(scheduler=text).scheduler
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an address like tcp://HOST:8786: {text!r}") from None


def positive(kind):
    """An argparse type: a number of `kind` above zero."""
    return at_least(kind, 0)


def main(argv: list[str] | None = None) -> int:
    """Run the command named in `argv` (default: the command line); return its exit code.

    Output cut short by the reader (`check FILE | head -1`) ends quietly, exit 1, not with a traceback."""
    args = make_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
    except ConfigError as exc:  # template.yaml, checks.yaml or agencies.yaml does not fit: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away: send what is still buffered nowhere, so the exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def make_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per verb (parse, check, build, add), each with its options."""
    parser = argparse.ArgumentParser(prog="python -m builder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse one report file and print its JSON")
    p.add_argument("file")
    p.set_defaults(func=cmd_parse)
    c = sub.add_parser("check", help="parse one report and print its findings (exit 1 on any error)")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="print the findings as one JSON object, for scripts and editors")
    c.set_defaults(func=cmd_check)
    b = sub.add_parser("build", help="parse data/reports, write data/json and build the site into site/")
    b.add_argument(
        "--root",
        help="project folder (default: the current folder, or the nearest parent holding mkdocs.yml)",
    )
    b.add_argument("--reports", help="reports folder (default: ROOT/data/reports)")
    b.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if the build has under half the reports data/json now holds",
    )
    b.add_argument("--no-site", action="store_true", help="write data/json only, skip the pages and MkDocs")
    b.add_argument(
        "--timeout",
        type=positive(float),
        default=isolation.Limits.seconds,
        metavar="SECONDS",
        help="stop parsing a file after this many seconds and list it as failed (default: %(default)s)",
    )
    b.add_argument(
        "--max-bytes",
        type=positive(int),
        default=sources.MAX_BYTES,
        metavar="BYTES",
        help="refuse, unread, any report file larger than this (default: %(default)s, 30 MB)",
    )
    b.add_argument(
        "--max-memory",
        type=at_least(int, isolation.MIN_MEMORY_BYTES // 2**20, " MB"),
        default=isolation.Limits.memory_bytes // 2**20,
        metavar="MB",
        help="memory a worker may use for one file before it is stopped (at least 64; default: %(default)s)",
    )
    b.add_argument(
        "--max-pages",
        type=positive(int),
        default=sources.MAX_PDF_PAGES,
        metavar="N",
        help="refuse any PDF of more pages than this (default: %(default)s)",
    )
    b.add_argument(
        "--jobs",
        type=positive(int),
        default=isolation.Limits.workers,
        metavar="N",
        help="files parsed at once, each in its own worker process (default: %(default)s)",
    )
    b.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        type=scheduler_address,
        help="parse on the workers of this Dask scheduler instead (pip install -e '.[cluster]'; see the README)",
    )
    b.set_defaults(func=cmd_build)
    a = sub.add_parser("add", help="copy or download a report into data/reports and record its provenance beside it")
    a.add_argument("source", metavar="PATH_OR_URL", help="a local file, or an http(s) address to download")
    a.add_argument("--source-url", help="where the report was published (recorded; for a file downloaded by hand)")
    a.add_argument("--reports", help="folder to add it to (default: ROOT/data/reports; sub-folders are fine)")
    a.add_argument("--name", help="file name to store it under (default: the original name)")
    a.add_argument(
        "--force", action="store_true", help="add it even if it cannot be a report (empty, binary) or is already there"
    )
    a.set_defaults(func=cmd_add)
    return parser
