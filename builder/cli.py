"""Commands: arguments in, messages and exit codes out; no logic of their own."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from builder import build as build_module
from builder import sources
from builder.model import ReportError
from builder.parse import parse_document


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one report's JSON, or a clear error naming the file and the place."""
    try:
        report = parse_document(sources.read(Path(args.file), args.file))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Parse every report, write data/json and the Markdown pages, and build the site."""
    root = Path(args.root).resolve()
    reports = Path(args.reports).resolve() if args.reports else None
    summary = build_module.build(root, reports, site=not args.no_site, progress=build_module.terminal_progress())
    for line in summary.lines():
        print(line)
    if not args.no_site:
        print(f"site written to {root / 'site'}; view it with: python -m http.server -d site 8000")
    return 0 if summary.reports else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m builder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse one report file and print its JSON")
    p.add_argument("file")
    p.set_defaults(func=cmd_parse)
    b = sub.add_parser("build", help="parse data/reports, write data/json and build the site into site/")
    b.add_argument("--root", default=str(build_module.ROOT), help="project folder (default: this checkout)")
    b.add_argument("--reports", help="reports folder (default: ROOT/data/reports)")
    b.add_argument("--no-site", action="store_true", help="write data/json only, skip the pages and MkDocs")
    b.set_defaults(func=cmd_build)
    args = parser.parse_args(argv)
    return args.func(args)
