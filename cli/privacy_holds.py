"""`rtw privacy hold | release | holds`: legal holds, which keep an employee's records past
their retention period and against an erasure request while a legal claim is expected or under
way (UK GDPR Art. 17(3)(e)). The table and its rules are `readside.legal_holds`.

Exit codes: 0 done; 2 bad input (one line naming the flag, nothing changed); 1 refused by the
holds as they stand (a second hold while one is live, a release with none live; nothing
changed). A hold and its release are recorded in the holds table itself (who, when, why; a hold
is never deleted); listing the holds is a read of data about people, so it is written to the
access log, like an export.

The parser is built here with argparse only; the work is imported when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any, TextIO

from cli.exit_codes import Exit

if TYPE_CHECKING:
    from infra.settings import Settings
    from readside.legal_holds import LegalHold, LegalHolds

HOLDS_ACTION = "privacy.holds"
NOT_NAMING = ("it is kept in clear and shown to operators: never name the person "
              "(e.g. 'employment tribunal claim ref ET/2026/114')")


def add_holds_parsers(subparsers: Any) -> None:
    """`hold`, `release` and `holds` under a `privacy` command's subparsers."""
    hold = subparsers.add_parser(
        "hold", help="place a legal hold on one employee: their cases are kept past their "
        "retention period and refused to erasure until it is released")
    _employee_flags(hold)
    hold.add_argument("--reason", required=True, metavar="TEXT",
                      help=f"why (1 to 500 printable characters); {NOT_NAMING}")
    hold.add_argument("--placed-by", metavar="NAME", default=None,
                      help="who placed it (default: the operator's login name)")
    release = subparsers.add_parser(
        "release", help="release an employee's live legal hold (it is kept, as released): "
        "retention and erasure apply to their cases again")
    _employee_flags(release)
    release.add_argument("--reason", required=True, metavar="TEXT",
                         help=f"why it ends (1 to 500 printable characters, e.g. 'claim "
                         f"settled'); {NOT_NAMING}")
    release.add_argument("--released-by", metavar="NAME", default=None,
                         help="who released it (default: the operator's login name)")
    holds = subparsers.add_parser(
        "holds", help="list the live legal holds (by employee key, never the HR id)")
    holds.add_argument("--employer", metavar="EMPLOYER_ID", default=None,
                       help="only this employer's holds")
    holds.add_argument("--all", action="store_true",
                       help="released holds too, with when, by whom and why")
    holds.add_argument("--json", action="store_true", help="one JSON document")


def _employee_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--employer", required=True, metavar="EMPLOYER_ID")
    parser.add_argument("--employee-id", required=True, metavar="ID",
                        help="the employee's id in the employer's HR system (only its "
                        "pseudonymous key is stored)")


def run_holds_command(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Run `rtw privacy hold | release | holds`."""
    from cli.privacy import MAX_REASON, _check

    command = f"rtw privacy {args.privacy_command}"
    operator = f"operator:{getpass.getuser()}"
    try:
        if args.privacy_command == "holds":
            employer = (_check("--employer", args.employer, limit=100)
                        if args.employer is not None else None)
            database_url = settings.require_database_url()
            return asyncio.run(_list(settings, database_url, employer,
                                     include_released=args.all, as_json=args.json, out=out))
        employer = _check("--employer", args.employer, limit=100)
        employee = _check("--employee-id", args.employee_id, limit=100)
        reason = _check("--reason", args.reason, limit=MAX_REASON)
        if args.privacy_command == "hold":
            by = _check("--placed-by", args.placed_by or operator)
        else:
            by = _check("--released-by", args.released_by or operator)
        settings.require_database_url()
    except ValueError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return Exit.USAGE
    return asyncio.run(_change(settings, args.privacy_command, employer, employee,
                               reason=reason, by=by, out=out))


async def _change(settings: Settings, command: str, employer: str, employee: str, *,
                  reason: str, by: str, out: TextIO) -> int:
    from readside.legal_holds import HoldRefused

    async with _holds(settings) as holds:
        try:
            if command == "hold":
                hold = await holds.place(employer, employee, reason=reason, placed_by=by)
            else:
                hold = await holds.release(employer, employee, reason=reason, released_by=by)
        except HoldRefused as error:
            print(f"rtw privacy {command}: {error}; nothing changed", file=sys.stderr)
            return Exit.FAILED
    if command == "hold":
        print(f"legal hold {hold.hold_id} placed on employee {hold.employee_key} of "
              f"{employer}: retention and erasure will leave their cases until it is released",
              file=out)
    else:
        print(f"legal hold {hold.hold_id} on employee {hold.employee_key} of {employer} "
              "released: retention and erasure apply to their cases again", file=out)
    return Exit.OK


async def _list(settings: Settings, database_url: str, employer: str | None, *,
                include_released: bool, as_json: bool, out: TextIO) -> int:
    from readside.access_log import Access, record_access_sync

    user = getpass.getuser()
    await asyncio.to_thread(record_access_sync, database_url, Access(
        subject=user, role="auditor", action=HOLDS_ACTION, case_id=None, channel="cli",
        client=f"cli:{user}", detail=f"employer={employer or '*'} all={include_released}"))
    async with _holds(settings) as holds:
        found = await holds.listed(employer_id=employer, include_released=include_released)
    if as_json:
        json.dump({"holds": [hold.as_json() for hold in found]}, out, indent=2,
                  ensure_ascii=False)
        out.write("\n")
        return Exit.OK
    if not found:
        print("no legal hold" if include_released else "no live legal hold", file=out)
    for hold in found:
        print(_line(hold), file=out)
    return Exit.OK


def _line(hold: LegalHold) -> str:
    line = (f"{hold.employer_id}  employee {hold.employee_key}  hold {hold.hold_id} "
            f"{hold.placed()}")
    if hold.released_at is not None:
        line += (f"; released {hold.released_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC by "
                 f"{hold.released_by} "
                 f"(reason: {hold.release_reason})")
    return line


@asynccontextmanager
async def _holds(settings: Settings) -> AsyncIterator[LegalHolds]:
    """The holds on a short pool of the read side's database, its tables made first."""
    from infra import bootstrap
    from readside.legal_holds import LegalHolds
    from readside.schema import ensure_schema

    pool = await bootstrap.database_pool(settings, max_size=2)
    try:
        await ensure_schema(pool)
        yield LegalHolds(pool)
    finally:
        await pool.close()
