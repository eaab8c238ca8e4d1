"""The `rtw` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError

from worker.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtw", description="rtw return-to-work engine")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole engine locally (Temporal, PostgreSQL, "
                        "worker, API) and supervise it")
    commands.add_parser("worker", help="run one Temporal worker for cases")
    commands.add_parser("api", help="run the HTTP API")
    audit = commands.add_parser("audit", help="audit the event store")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    replay = audit_commands.add_parser("replay", help="replay one case's events in order")
    replay.add_argument("case_id", metavar="CASE_ID")
    replay.add_argument("--format", choices=["table", "json"], default="table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = "RTW_" + str(first["loc"][0]).upper()
        print(f"rtw: {field}: {first['msg']}", file=sys.stderr)
        return 2
    if args.command == "run":
        from worker.supervisor import Supervisor

        return Supervisor(settings).run()
    if args.command == "worker":
        from worker.case_worker import run_worker

        asyncio.run(run_worker(settings))
        return 0
    if args.command == "api":
        import uvicorn

        from api.app import create_app

        uvicorn.run(create_app(settings=settings), host=settings.api_host,
                    port=settings.api_port, log_level="info")
        return 0
    if args.command == "audit" and args.audit_command == "replay":
        from worker.audit_cli import replay_command

        return replay_command(args.case_id, args.format, settings)
    return 2


if __name__ == "__main__":
    sys.exit(main())
