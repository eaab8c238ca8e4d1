"""`rtw webhooks …`: what operators see of the deliveries to HR systems.

`dead-letters` lists the updates an HR system never acknowledged within the bounded attempts:
ids, attempts and the last error only (never what the update said), so an operator can tell
the employer which case and which sequence number its system missed.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import re
import sys
from typing import Any, TextIO

from cli.exit_codes import Exit
from cli.formats import add_format_flags
from infra import bootstrap
from infra.settings import Settings
from readside.access_log import Access, record_access_sync
from readside.webhook_deliveries import WebhookDeliveries, WebhookFailure

LIST_LIMIT = 1000
# An employer id as the API accepts it (api.models.ID_PATTERN): nothing else reaches the log.
EMPLOYER_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")


def add_webhooks_commands(commands: Any) -> None:
    webhooks = commands.add_parser("webhooks", help="deliveries to employers' HR systems")
    webhook_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    dead = webhook_commands.add_parser(
        "dead-letters", help="updates an HR system never acknowledged within the bounded "
        "attempts, most recent first")
    dead.add_argument("--employer", metavar="EMPLOYER_ID", help="one employer's only")
    dead.add_argument("--limit", type=int, default=100, metavar="N",
                      help=f"at most N (1 to {LIST_LIMIT}, default %(default)s)")
    add_format_flags(dead)


def run_webhooks_command(args: Any, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if not 1 <= args.limit <= LIST_LIMIT:
        print(f"rtw webhooks dead-letters: --limit must be a whole number from 1 to "
              f"{LIST_LIMIT}", file=sys.stderr)
        return Exit.USAGE
    if args.employer is not None and not EMPLOYER_ID.fullmatch(args.employer):
        print("rtw webhooks dead-letters: --employer must be an employer id (letters, digits, "
              "'.', '_', ':' or '-', at most 100)", file=sys.stderr)
        return Exit.USAGE
    user = getpass.getuser()
    record_access_sync(settings.require_database_url(), Access(
        subject=user, role="admin", action="webhooks.dead-letters", case_id=None,
        channel="cli", client=f"cli:{user}",
        detail=f"employer={args.employer}" if args.employer else "all"))
    failures = asyncio.run(_dead_letters(settings, employer_id=args.employer, limit=args.limit))
    for failure in failures:
        if args.format == "json":
            print(json.dumps(failure.as_json()), file=out)
        else:
            print(_line(failure), file=out)
    if args.format != "json":
        print(f"{len(failures)} dead letter(s)", file=out)
    return Exit.OK


def _line(failure: WebhookFailure) -> str:
    sequence = "-" if failure.sequence is None else str(failure.sequence)
    return (f"{failure.last_failed_at.isoformat(timespec='seconds')}  {failure.employer_id}  "
            f"case {failure.case_id or '-'}  sequence {sequence}  event {failure.event_id}  "
            f"{failure.attempts} attempt(s)  {failure.last_error}")


async def _dead_letters(settings: Settings, *, employer_id: str | None,
                        limit: int) -> list[WebhookFailure]:
    from readside.schema import ensure_schema

    pool = await bootstrap.database_pool(settings, max_size=1)
    try:
        await ensure_schema(pool)
        return await WebhookDeliveries(pool).dead_letters(employer_id=employer_id, limit=limit)
    finally:
        await pool.close()
