"""`--json` on every command that lists or judges: the same flag, the same meaning."""

from __future__ import annotations

import argparse


def add_format_flags(parser: argparse.ArgumentParser, *, what: str = "one JSON object a "
                     "line") -> None:
    """`--format table|json` and `--json`, its short form; both set `args.format`."""
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--json", dest="format", action="store_const", const="json",
                        help=f"the same as --format json: {what}")
