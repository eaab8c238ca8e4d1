"""`rtw report`: the service's figures for a period, as one page with charts and tables, CSV
files and the charts alone. Parsing only here; the work is in `reports/`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from infra.settings import Settings
    from reports.evaluation import KpiReport
    from reports.seqohs import SeqohsPack

EMPLOYER_ID_LONGEST = 100


def add_report_parser(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="the service's figures for a period: a page with charts and tables, "
        "and CSV files; `rtw report seqohs`: a SEQOHS evidence pack",
        description="Catch the KPI facts up with the event store, then write report.html, "
        "kpis.csv, outcomes.csv, referrals.csv, interventions.csv and each chart as SVG into "
        "DIR. Each measure's definition is on the page. With `seqohs`: write seqohs.html and "
        "seqohs.csv instead, the evidence an assessor asks for under each SEQOHS domain the "
        "record can show (and what it cannot), with sampled audit trails.")
    report.add_argument("pack", nargs="?", choices=["seqohs"],
                        help="seqohs: the SEQOHS evidence pack instead of the figures")
    report.add_argument("--from", dest="date_from", metavar="DATE",
                        help="first London date, YYYY-MM-DD, included (default: the first day "
                        "a case opened)")
    report.add_argument("--to", dest="date_to", metavar="DATE",
                        help="last London date, YYYY-MM-DD, included (default: the last day "
                        "anything was recorded)")
    report.add_argument("--employer", metavar="EMPLOYER_ID",
                        help="one employer's cases (default: every employer)")
    report.add_argument("--out", metavar="DIR", required=True,
                        help="the folder to write into (created if it does not exist)")
    report.add_argument("--sample", type=int, default=5, metavar="N",
                        help="seqohs: how many cases' whole audit trails to include (default 5)")
    report.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seqohs: which cases are drawn (the same seed draws the same)")


class _Refused(Exception):
    """Bad input: one line naming the option and what it accepts."""


def _dates(args: argparse.Namespace) -> tuple[date | None, date | None]:
    from eventstore.moments import parse_date

    days: list[date | None] = []
    for flag, text in (("--from", args.date_from), ("--to", args.date_to)):
        try:
            days.append(parse_date(text) if text is not None else None)
        except ValueError as error:
            raise _Refused(f"{flag}: {error}") from None
    first, last = days
    if first is not None and last is not None and first > last:
        raise _Refused(f"--from {first.isoformat()} is after --to {last.isoformat()}; give "
                       "--from on or before --to")
    return first, last


def _employer(text: str | None) -> str | None:
    if text is None:
        return None
    if not text.strip() or len(text) > EMPLOYER_ID_LONGEST or not text.isprintable():
        raise _Refused(f"--employer: give an employer id (1 to {EMPLOYER_ID_LONGEST} printable "
                       "characters)")
    return text


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the report; bad input is one line on stderr, exit 2, and nothing written."""
    import asyncio
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from cli.exit_codes import Exit
    from domain.calendar import london_date
    from infra.backoff import is_transient
    from reports.files import folder_problem, report_files, write_files
    from reports.page import Provenance

    folder = Path(args.out)
    try:
        first, last = _dates(args)
        employer_id = _employer(args.employer)
        problem = folder_problem(folder)
        if problem:
            raise _Refused(f"--out: {problem}; give a folder you can write to")
    except _Refused as refusal:
        print(f"rtw report: {refusal}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    if args.pack == "seqohs":
        return _seqohs(args, settings, first, last, employer_id, today=london_date(now))
    try:
        report = asyncio.run(_read(settings, first, last, employer_id, today=london_date(now)))
    except _Refused as refusal:
        print(f"rtw report: {refusal}", file=sys.stderr)
        return 2
    except Exception as error:
        if not is_transient(error):
            raise
        print(f"rtw report: PostgreSQL at RTW_DATABASE_URL did not answer "
              f"({type(error).__name__}); nothing was written", file=sys.stderr)
        return Exit.UNREACHABLE
    files = report_files(report, Provenance(
        position=report.projected.position, recorded=report.projected.recorded,
        quarantined=report.quarantined, generated_at=now))
    try:
        write_files(folder, files)
    except OSError as error:
        print(f"rtw report: --out: cannot write into {folder} ({error.strerror}); give a "
              "folder you can write to", file=sys.stderr)
        return 2
    evaluation = report.evaluation
    period = evaluation.period
    print(f"rtw report: {period.start.isoformat()} to {period.end.isoformat()}, "
          f"{evaluation.employer_id or 'every employer'}: {evaluation.cases} case(s); "
          f"events projected to {report.projected.position} of {report.projected.recorded}")
    print(f"wrote {', '.join(sorted(files))} into {folder}")
    if report.quarantined:
        print(f"rtw report: {report.quarantined} case(s) could not be projected and are not in "
              "the figures (`rtw audit quarantine` lists them)", file=sys.stderr)
    return 0


async def _read(settings: Settings, first: date | None, last: date | None,
                employer_id: str | None, *, today: date) -> KpiReport:
    """Catch the KPI facts up with the store (so no worker need be running), then read."""
    from infra import bootstrap
    from readside.kpi_facts import KpiFactsProjector
    from reports.evaluation import kpi_report

    try:
        store = await bootstrap.open_event_store(settings)
    except ValueError as error:  # an unusable key in the settings, named
        raise _Refused(str(error)) from None
    try:
        pool = await bootstrap.database_pool(settings, max_size=2)
        try:
            await KpiFactsProjector(store, pool).catch_up()
            return await kpi_report(pool, first=first, last=last, employer_id=employer_id,
                                    today=today)
        finally:
            await pool.close()
    finally:
        store.close()


def _seqohs(args: argparse.Namespace, settings: Settings, first: date | None,
            last: date | None, employer_id: str | None, *, today: date) -> int:
    """The SEQOHS evidence pack of the cases opened in the period."""
    import asyncio
    import sys
    from pathlib import Path

    from reports.seqohs import write

    if not 0 <= args.sample <= 1000:
        print("rtw report: --sample: give a number of cases from 0 to 1000", file=sys.stderr)
        return 2
    try:
        pack = asyncio.run(_gather(settings, first, last, employer_id, today=today,
                                   sample=args.sample, seed=args.seed))
    except _Refused as refusal:
        print(f"rtw report: {refusal}", file=sys.stderr)
        return 2
    written = write(pack, Path(args.out))
    print(f"rtw report seqohs: cases opened {pack.period.start.isoformat()} to "
          f"{pack.period.end.isoformat()}, {employer_id or 'every employer'}: "
          f"{sum(f.evidenced for f in pack.findings)} findings evidenced, "
          f"{sum(not f.evidenced for f in pack.findings)} not recorded; "
          f"{len(pack.trails)} audit trail(s)")
    print(f"wrote {', '.join(path.name for path in written)} into {args.out}")
    return 0


async def _gather(settings: Settings, first: date | None, last: date | None,
                  employer_id: str | None, *, today: date, sample: int, seed: int,
                  ) -> SeqohsPack:
    import asyncio

    from infra import bootstrap
    from readside.access_log import iter_access_sync
    from readside.kpi_facts import KpiFactsProjector
    from readside.kpi_query import facts_for, recorded_span
    from reports.evaluation import choose_period
    from reports.seqohs import gather

    try:
        store = await bootstrap.open_event_store(settings)
    except ValueError as error:
        raise _Refused(str(error)) from None
    try:
        pool = await bootstrap.database_pool(settings, max_size=2)
        try:
            await KpiFactsProjector(store, pool).catch_up()
            recorded = None if first and last else await recorded_span(pool, employer_id)
            period = choose_period(first, last, recorded, today=today)
            facts = await facts_for(pool, period, employer_id)
        finally:
            await pool.close()
        url = settings.require_database_url()
        return await asyncio.to_thread(
            lambda: gather(store, facts, period, accesses=iter_access_sync(url),
                           employer_id=employer_id, sample=sample, seed=seed))
    finally:
        store.close()
