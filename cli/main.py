"""The `rtw` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cli.absences import add_absences_commands, run_absences_command
from cli.case import add_case_commands, run_case_command
from cli.evidence import add_evidence_commands
from cli.exit_codes import Exit
from cli.formats import add_format_flags
from cli.privacy import add_privacy_commands

if TYPE_CHECKING:
    from infra.settings import Settings

# The commands that open the event store, and so need RTW_AUDIT_HMAC_KEY before anything else.
SERVER_COMMANDS = ("worker", "api", "relay", "projector", "schema")
SCHEMA_WAIT_SECONDS = 60.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtw", description="rtw return-to-work engine")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole engine locally (Temporal, PostgreSQL, "
                        "worker, API) and supervise it")
    commands.add_parser("worker", help="run one Temporal worker for cases")
    commands.add_parser("api", help="run the HTTP API")
    commands.add_parser("relay", help="run the notice relay on its own (it also runs inside "
                        "each worker unless RTW_RELAY_IN_WORKER=false)")
    commands.add_parser("projector", help="run the read-model projections (worklist, KPI "
                        "facts) on their own (they also run inside each worker unless "
                        "RTW_PROJECTOR_IN_WORKER=false)")
    schema = commands.add_parser("schema", help="create the event store's and the read side's "
                                 "tables, then exit (a deployment's migrations job)")
    schema.add_argument("--wait", type=float, default=SCHEMA_WAIT_SECONDS, metavar="SECONDS",
                        help="how long to wait for PostgreSQL before giving up (default: "
                        "%(default)s)")
    add_case_commands(commands)
    add_absences_commands(commands)
    add_evidence_commands(commands)
    audit = commands.add_parser("audit", help="audit the event store")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    _audit_parsers(audit_commands)
    add_privacy_commands(commands)
    completion = commands.add_parser(
        "completion", help="print a shell completion script: "
        "eval \"$(rtw completion bash)\" (or zsh)")
    completion.add_argument("shell", choices=["bash", "zsh"])
    from cli.webhooks import add_webhooks_commands

    add_webhooks_commands(commands)
    from cli.keys import add_keys_commands

    add_keys_commands(commands)
    from cli.tokens import add_token_commands

    add_token_commands(commands)
    return parser


def package_version() -> str:
    """The installed package's version (a source tree that is not installed says so)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rtw")
    except PackageNotFoundError:
        return "(not installed)"


def add_clinical_flags(parser: Any) -> None:
    """An audit read shows clinical content only for a clinical read that names its purpose."""
    parser.add_argument("--clinical", action="store_true", help="show clinical content whole "
                        "(a clinical audit; needs --purpose)")
    parser.add_argument("--purpose", metavar="TEXT", help="why this read is made (10 to 500 "
                        "printable characters), kept in the access log")


def _audit_parsers(audit_commands: Any) -> None:
    replay = audit_commands.add_parser(
        "replay", help="replay one case's events in order, with the state after each"
    )
    replay.add_argument("case_id", metavar="CASE_ID")
    as_of = replay.add_mutually_exclusive_group()
    as_of.add_argument("--as-of", metavar="TIMESTAMP", help="the case as the record stood "
                       "then: events recorded at or before it (ISO time with offset, or a date)")
    as_of.add_argument("--position", type=int, metavar="N", help="events up to position N")
    add_format_flags(replay)
    add_clinical_flags(replay)
    verify = audit_commands.add_parser(
        "verify", help="check the hash chain of one case or of every case"
    )
    verify.add_argument("case_id", metavar="CASE_ID", nargs="?")
    verify.add_argument("--all", action="store_true", help="every case in the store")
    verify.add_argument("--against", metavar="FILE", help="also compare with a checkpoint "
                        "(`rtw audit checkpoint`): a case gone, a head moved back or rewritten")
    add_format_flags(verify, what="one JSON object: the cases, events and broken chains")
    export = audit_commands.add_parser(
        "export", help="stream events to stdout, one case or those recorded between dates"
    )
    export.add_argument("--case", metavar="CASE_ID")
    export.add_argument("--from", dest="date_from", metavar="DATE")
    export.add_argument("--to", dest="date_to", metavar="DATE")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    add_clinical_flags(export)
    access = audit_commands.add_parser("access-log", help="who read which case, when, from where")
    access.add_argument("--case", metavar="CASE_ID")
    add_format_flags(access)
    reconcile = audit_commands.add_parser(
        "reconcile", help="compare a case's stored decisions with its Temporal history"
    )
    reconcile.add_argument("case_id", metavar="CASE_ID")
    add_format_flags(reconcile, what="one JSON object: the decisions found on one side only")
    quarantine = audit_commands.add_parser(
        "quarantine", help="cases a projection set aside because it could not apply their "
        "events; --release one once the cause is fixed"
    )
    quarantine.add_argument("--release", metavar="CASE_ID",
                            help="take the case out of quarantine and project it again")
    add_format_flags(quarantine)
    checkpoint = audit_commands.add_parser(
        "checkpoint", help="write a signed summary of every chain head, to keep outside the "
        "database (`rtw audit verify --against FILE` compares with it)"
    )
    checkpoint.add_argument("--out", metavar="FILE", required=True,
                            help="where to write it (0600, replaced atomically)")


def configuration_problem(settings: Settings, *, sends: bool, serves: bool = True
                          ) -> str | None:
    """Read every configuration file once before starting, so a mistake is one clear line.
    A process that `sends` notices (a worker with its relay, `rtw relay`, `rtw run`) also
    checks its channel's settings and that the employer files can serve that channel: a
    missing key or mailbox is found at start, not when a notice is due. A process that
    `serves` (the worker, the API) reads the token file too."""
    from activities.webhooks import WebhookDirectory
    from infra.employers import EmployerDirectory
    from infra.notice_channels import ChannelNotConfigured, build_channel
    from infra.notice_texts import NoticeTexts
    from infra.policies import PolicyBook
    from infra.tokens import TokenRegistry

    if sends:
        try:
            build_channel(settings)
        except ChannelNotConfigured as error:
            return str(error)
    try:
        employers = EmployerDirectory.load(settings.employers_dir)
        if sends:
            employers.check_for_channel(settings.notify_channel)
    except (OSError, ValueError) as error:
        return f"RTW_EMPLOYERS_DIR: {error}"
    try:
        NoticeTexts(employers).check()
    except ValueError as error:
        return f"notice texts: {error}"
    try:
        PolicyBook.load(settings.policy_dir, employers)
    except (OSError, ValueError) as error:
        return f"RTW_POLICY_DIR: {error}"
    try:
        WebhookDirectory.load(settings.webhooks_file, employers)
    except (OSError, ValueError) as error:
        return f"RTW_WEBHOOKS_FILE: {error}"
    if serves:
        tokens = settings.resolved_tokens_file()
        try:
            TokenRegistry.load(tokens)
        except FileNotFoundError:
            return (f"RTW_TOKENS_FILE: no token file at {tokens} (`rtw run` makes one for "
                    "local use)")
        except (OSError, ValueError) as error:
            return f"RTW_TOKENS_FILE: {error}"
    return None


def database_url_problem(settings: Settings) -> str | None:
    """A missing or malformed RTW_DATABASE_URL, as one line (before anything waits on it)."""
    from urllib.parse import urlparse

    url = settings.database_url
    if not url:
        return ("RTW_DATABASE_URL is not set (postgresql://user:password@host:port/db); "
                "`rtw run` writes it to .rtw/local.env for the local stack")
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - reading it checks it
    except ValueError as error:
        return f"RTW_DATABASE_URL: {error}"
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname:
        return "RTW_DATABASE_URL must be postgresql://user:password@host:port/db"
    return None


def _schema(settings: Settings, *, wait: float) -> int:
    """`rtw schema`: 0 once every table is there; 1 if PostgreSQL did not answer in time."""
    from infra.backoff import is_transient
    from worker.projector import create_schema

    async def bounded() -> None:
        async with asyncio.timeout(wait):
            await create_schema(settings)

    try:
        asyncio.run(bounded())
    except TimeoutError:
        print(f"rtw: PostgreSQL did not answer within {wait:g} s; no table created",
              file=sys.stderr)
        return 1
    except Exception as error:
        if not is_transient(error):
            raise
        reason = (str(error).splitlines() or [""])[0]
        print(f"rtw: PostgreSQL: {type(error).__name__}: {reason}", file=sys.stderr)
        return 1
    print("rtw: schema ready", file=sys.stderr)
    return Exit.OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "case":
        return run_case_command(args)  # a client of the API: needs no server settings
    if args.command == "absences":
        return run_absences_command(args)
    if args.command == "completion":
        from cli.completion import script

        print(script(_parser(), args.shell), end="")
        return Exit.OK
    from pydantic import ValidationError

    from infra.logs import configure_logging, uvicorn_logging
    from infra.settings import MISSING_AUDIT_KEY, Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = Settings()
        configure_logging(settings.log_format, settings.log_level)
    except ValidationError as error:
        first = error.errors()[0]
        field = "RTW_" + str(first["loc"][0]).upper()
        print(f"rtw: {field}: {first['msg']}", file=sys.stderr)
        return Exit.USAGE
    keys_problem = settings.keys_problem() if args.command in ("worker", "api") else None
    if keys_problem:  # rtw never runs unencrypted: one line naming every missing key
        print(f"rtw {args.command}: {keys_problem}", file=sys.stderr)
        return Exit.USAGE
    if args.command in SERVER_COMMANDS and not settings.audit_hmac_key:
        print(f"rtw: {MISSING_AUDIT_KEY}", file=sys.stderr)
        return Exit.USAGE
    if args.command in ("projector", "schema"):
        problem = database_url_problem(settings)
        if problem:
            print(f"rtw: {problem}", file=sys.stderr)
            return Exit.USAGE
    if args.command in ("worker", "api", "relay", "projector"):
        sends = args.command == "relay" or (args.command == "worker" and settings.relay_in_worker)
        problem = configuration_problem(settings, sends=sends,
                                        serves=args.command in ("worker", "api"))
        if problem:
            print(f"rtw: {problem}", file=sys.stderr)
            return Exit.USAGE
    if args.command == "run":
        from localstack.supervisor import Supervisor

        # Before any server starts (the token file is `rtw run`'s own to write).
        problem = configuration_problem(settings, sends=True, serves=False)
        if problem:
            print(f"rtw: {problem}", file=sys.stderr)
            return Exit.USAGE

        return Supervisor(settings).run()
    if args.command == "worker":
        from worker.case_worker import run_worker

        asyncio.run(run_worker(settings))
        return Exit.OK
    if args.command == "relay":
        from worker.relay import run_relay

        asyncio.run(run_relay(settings))
        return Exit.OK
    if args.command == "projector":
        from worker.projector import run_projector

        asyncio.run(run_projector(settings))
        return Exit.OK
    if args.command == "schema":
        return _schema(settings, wait=args.wait)
    if args.command == "api":
        import uvicorn

        from api.app import create_app

        uvicorn.run(create_app(settings=settings), host=settings.api_host,
                    port=settings.api_port, log_level=settings.log_level.lower(),
                    **uvicorn_logging())  # type: ignore[arg-type]
        return Exit.OK
    if args.command in ("report", "demo", "policy"):
        from cli.evidence import run_evidence_command

        return _against_the_servers(args.command, lambda: run_evidence_command(args, settings))
    if args.command == "audit":
        from cli.audit import run

        return _against_the_servers(f"audit {args.audit_command}",
                                    lambda: run(args.audit_command, args, settings))
    if args.command == "webhooks":
        from cli.webhooks import run_webhooks_command

        return _against_the_servers(f"webhooks {args.webhooks_command}",
                                    lambda: run_webhooks_command(args, settings))
    if args.command == "keys":
        from cli.keys import run_keys_command

        return run_keys_command(args, settings)
    if args.command == "privacy":
        from cli.privacy import run_privacy_command

        return _against_the_servers(f"privacy {args.privacy_command}",
                                    lambda: run_privacy_command(args, settings))
    if args.command == "token":
        from cli.tokens import run_token_command

        return run_token_command(args, settings)
    return Exit.USAGE


def _against_the_servers(name: str, command: Callable[[], int]) -> int:
    """A command that opens PostgreSQL or Temporal itself: a setting it lacks is exit 2, an
    outage exit 5, each one line."""
    try:
        return command()
    except SystemExit as stop:
        if not isinstance(stop.code, str):  # a missing setting, as Settings names it
            raise
        print(f"rtw {name}: {stop.code}", file=sys.stderr)
        return Exit.USAGE
    except Exception as error:
        from cli.outages import is_outage, outage_line

        if not is_outage(error):
            raise
        print(f"rtw {name}: {outage_line(error)}", file=sys.stderr)
        return Exit.UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
