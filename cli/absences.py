"""`rtw absences …`: HR's absences through the API. The parser only (argparse); the import's
work is loaded when it runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cli.exit_codes import Exit


def add_absences_commands(commands: Any) -> None:
    absences = commands.add_parser(
        "absences", help="HR's absences through the API (RTW_API_URL, RTW_TOKEN of an HR role)")
    sub = absences.add_subparsers(dest="absences_command", required=True)
    importing = sub.add_parser(
        "import", help="open a case for each absence in a CSV file (go-live)",
        description="Each row is checked with the model POST /v1/absences reads, then posted "
        "to the API. Running the same file again opens nothing twice. Exit 0 when every row "
        "was opened or already open, 1 when any was rejected.")
    importing.add_argument("file", metavar="FILE.csv", type=Path)
    importing.add_argument("--dry-run", action="store_true",
                           help="check every row, post nothing")
    importing.add_argument("--rejects", metavar="FILE", type=Path,
                           help="write each bad field (line, column, value, problem, accepted) "
                           "to this CSV file")


def run_absences_command(args: Any) -> int:
    from cli.absence_rows import BadFile
    from cli.absences_import import import_file
    from cli.api_client import CliError

    name = f"rtw absences {args.absences_command}"
    try:
        return import_file(args.file, dry_run=args.dry_run, rejects=args.rejects)
    except BadFile as error:
        print(f"{name}: {error}", file=sys.stderr)
        return Exit.USAGE
    except OSError as error:  # the rejects file
        print(f"{name}: --rejects {error.filename}: {error.strerror}", file=sys.stderr)
        return Exit.USAGE
    except CliError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return error.code
