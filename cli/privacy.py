"""`rtw privacy …`: what the trust does for a data subject's rights.

`rtw privacy hold | release | holds` keep an employee's records past retention and against
erasure while a legal claim is expected or under way (`cli.privacy_holds`); erasing a held
employee is refused (exit 1), nothing erased.

`rtw privacy erase --employer E --employee-id ID --reason TEXT` erases every case of one
employee (UK GDPR Art. 17): their data keys are destroyed, their running cases ended and deleted
from Temporal, their rows removed from every read model, and each case's chain gains an event
saying that, when and why (never what). It talks to PostgreSQL and Temporal itself, with the
server settings (RTW_DATABASE_URL, the keys, RTW_TEMPORAL_ADDRESS).
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from functools import partial
from typing import TYPE_CHECKING, Any, TextIO

from cli.exit_codes import Exit

if TYPE_CHECKING:
    from infra.settings import Settings

MAX_REASON = 500


def add_privacy_commands(commands: Any) -> None:
    """The `privacy` command and its subcommands."""
    from cli.privacy_export import add_export_parser
    from cli.privacy_holds import add_holds_parsers

    privacy = commands.add_parser("privacy", help="a data subject's rights: erase, export; "
                                  "legal holds")
    subcommands = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = subcommands.add_parser(
        "erase", help="erase every case of one employee: destroy their data keys, end and "
        "delete their workflows, remove their read rows; each case records that, when and why")
    erase.add_argument("--employer", required=True, metavar="EMPLOYER_ID")
    erase.add_argument("--employee-id", required=True, metavar="ID",
                       help="the employee's id in the employer's HR system")
    erase.add_argument("--reason", required=True, metavar="TEXT",
                       help="why (e.g. 'erasure request ref 2026-114'); it is kept in clear "
                       "on each case's record: never name the person")
    erase.add_argument("--requested-by", metavar="NAME", default=None,
                       help="who asked for the erasure (default: the operator's login name)")
    add_export_parser(subcommands)
    add_holds_parsers(subcommands)


def _check(field: str, value: str, *, limit: int = 200) -> str:
    """The value stripped, if it is 1 to `limit` printable characters; else ValueError naming
    the flag (the rule every privacy command applies to what it records)."""
    from readside.legal_holds import checked_text

    return checked_text(field, value, limit=limit)


def run_privacy_command(args: Any, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.privacy_command == "export":
        from cli.privacy_export import run_export

        return run_export(args, settings, out)
    if args.privacy_command in ("hold", "release", "holds"):
        from cli.privacy_holds import run_holds_command

        return run_holds_command(args, settings, out)
    if args.privacy_command == "erase":
        try:
            employer = _check("--employer", args.employer, limit=100)
            employee = _check("--employee-id", args.employee_id, limit=100)
            reason = _check("--reason", args.reason, limit=MAX_REASON)
            requested_by = _check("--requested-by", args.requested_by
                                  or f"operator:{getpass.getuser()}")
        except ValueError as error:
            print(f"rtw privacy erase: {error}", file=sys.stderr)
            return Exit.USAGE
        return asyncio.run(_erase(settings, employer, employee, reason=reason,
                                  requested_by=requested_by, out=out))
    return Exit.USAGE


async def _erase(settings: Settings, employer: str, employee: str, *, reason: str,
                 requested_by: str, out: TextIO) -> int:
    from activities.privacy import Eraser, NotErasable
    from infra import bootstrap
    from readside.erasure import remove_read_rows
    from readside.schema import ensure_schema

    store = await bootstrap.open_event_store(settings)
    pool = await bootstrap.database_pool(settings, max_size=2)
    try:
        await ensure_schema(pool)
        temporal = await bootstrap.temporal(settings)
        eraser = Eraser(store, temporal, partial(remove_read_rows, pool), pool=pool)
        try:
            case_ids = await eraser.erase_employee(employer, employee, reason=reason,
                                                   requested_by=requested_by)
        except NotErasable as error:
            print(f"rtw privacy erase: {error}; nothing was erased", file=sys.stderr)
            return Exit.FAILED
        if not case_ids:
            print(f"rtw privacy erase: employer {employer} has no case of that employee",
                  file=sys.stderr)
            return Exit.FAILED
        for case_id in case_ids:
            print(f"erased case {case_id}", file=out)
        print(f"erased {len(case_ids)} case(s) of one employee of {employer}", file=out)
        return Exit.OK
    finally:
        await pool.close()
        await asyncio.to_thread(store.close)
