"""`rtw demo cohort`: a synthetic cohort through the real engine, so that the evaluation has
something to show before real cases exist.

The cases run through the real `CaseWorkflow` on a time-skipping Temporal server started for the
run (months pass in seconds; nothing of it outlives the command), and every decision goes into
the configured event store (and its notices into the outbox) exactly as in production. The
scripts come from `localstack.cohort`, drawn from a profile in `localstack.cohort_profiles`.

Only argparse is imported at the top: `rtw --help` must stay light.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from infra.settings import Settings
    from localstack.cohort_profiles import CohortProfile
    from localstack.cohort_run import CaseResult, Progress

# The profiles `--profile` offers (the names of `localstack.cohort_profiles.PROFILES`; a test
# holds the two together).
PROFILE_NAMES = ("ffws",)
MAX_CASES = 100_000
# Cases walked side by side; more only queue up behind the one worker.
CONCURRENT_CASES = 20
TASK_QUEUE = "rtw-demo-cohort"


def add_demo_parser(commands: Any) -> None:
    demo = commands.add_parser("demo", help="synthetic cases through the real engine")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    cohort = demo_commands.add_parser(
        "cohort", help="walk a synthetic cohort through the workflow into the event store",
        description="Walk N synthetic cases, drawn from a published service's figures, through "
        "the real case workflow (on a time-skipping Temporal server started for the run, so "
        "months pass in seconds) into the event store at RTW_DATABASE_URL. The same seed gives "
        "the same cases with the same facts; the first cases open on the Monday after today, "
        "so runs in the same week give the same dates too.")
    cohort.add_argument("--cases", required=True, metavar="N",
                        help=f"how many cases (1 to {MAX_CASES:,})")
    cohort.add_argument("--seed", required=True, metavar="S",
                        help="a whole number; the same seed gives the same cases and facts")
    cohort.add_argument("--profile", default=PROFILE_NAMES[0],
                        metavar="{" + ",".join(PROFILE_NAMES) + "}",
                        help="whose figures the cohort is drawn from (default: %(default)s, the "
                        "Leicestershire Fit for Work service, 2012)")


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run `rtw demo cohort`; bad input is one line on stderr and exit code 2."""
    import sys

    from infra.settings import MISSING_AUDIT_KEY
    from localstack.cohort_profiles import PROFILES

    def refuse(problem: str) -> int:
        print(f"rtw demo cohort: {problem}", file=sys.stderr)
        return 2

    cases = _whole_number(args.cases)
    if cases is None or not 1 <= cases <= MAX_CASES:
        return refuse(f"--cases must be a whole number from 1 to {MAX_CASES}, not "
                      f"{args.cases!r}")
    seed = _whole_number(args.seed)
    if seed is None or seed < 0:
        return refuse(f"--seed must be a whole number from 0, not {args.seed!r}")
    profile = PROFILES.get(args.profile)
    if profile is None:
        return refuse(f"--profile must be one of {', '.join(sorted(PROFILES))}, not "
                      f"{args.profile!r}")
    try:
        settings.require_database_url()
    except SystemExit as missing:
        return refuse(str(missing))
    if not settings.audit_hmac_key:
        return refuse(MISSING_AUDIT_KEY)

    import asyncio

    try:
        return asyncio.run(_run(settings, profile, cases=cases, seed=seed))
    except KeyboardInterrupt:
        print("rtw demo cohort: interrupted; the cases already written stay in the event store "
              "(run again with another seed, or into an empty database)", file=sys.stderr)
        return 130


def _whole_number(text: str) -> int | None:
    try:
        return int(text, 10)
    except (TypeError, ValueError):
        return None


async def _run(settings: Settings, profile: CohortProfile, *, cases: int, seed: int) -> int:
    import asyncio
    import itertools
    import logging
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
    from temporalio.testing import WorkflowEnvironment

    from activities.webhooks import WebhookActivities, WebhookDirectory
    from domain.calendar import london_date
    from infra import bootstrap
    from infra.temporal_client import add_search_attributes
    from localstack.cohort import POLICY, cohort_start, draw_cohort
    from localstack.cohort_run import CohortRun
    from localstack.temporal import installed_binary
    from readside.outbox import NoticeOutbox
    from readside.schema import ensure_schema
    from readside.webhook_deliveries import WebhookDeliveries
    from worker.case_worker import build_worker
    from workflows.search_attributes import CASE_SEARCH_ATTRIBUTES

    began = time.monotonic()
    # The SDK's own notices about the test server's features are not the user's concern.
    logging.getLogger("temporalio").setLevel(logging.WARNING)
    quiet = Runtime(telemetry=TelemetryConfig(
        logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))
    store = None
    try:
        store = await bootstrap.open_event_store(settings)
        pool = await bootstrap.database_pool(settings, max_size=4)
    except Exception as error:  # one line, whatever the driver's complaint
        if store is not None:
            store.close()
        print(f"rtw demo cohort: the database at RTW_DATABASE_URL cannot be used: "
              f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
              file=sys.stderr)
        return 2
    try:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=installed_binary("temporal-test-server"),
            data_converter=pydantic_data_converter, runtime=quiet)
    except RuntimeError as error:
        await pool.close()
        store.close()
        print(f"rtw demo cohort: the time-skipping Temporal server did not start: {error}",
              file=sys.stderr)
        return 2
    http = bootstrap.webhook_http_client()
    try:
        await ensure_schema(pool)
        await add_search_attributes(env.client, "default", list(CASE_SEARCH_ATTRIBUTES))
        starts_on = cohort_start(london_date(await env.get_current_time()))
        scripts = draw_cohort(profile, seed=seed, cases=cases, starts_on=starts_on)
        first = next(scripts)
        if await asyncio.to_thread(store.chained_recorder.select_head, first.case_id):
            print(f"rtw demo cohort: seed {seed} of profile {profile.name} is already in this "
                  f"database (case {first.case_id}); use another seed or an empty database",
                  file=sys.stderr)
            return 2
        print(f"rtw demo cohort: {cases} case(s) drawn from profile {profile.name} "
              f"({profile.title}), seed {seed}; employer {profile.employer_id}, policy "
              f"{POLICY.version}; the first cases open on {starts_on.isoformat()}", flush=True)
        with ThreadPoolExecutor(max_workers=8) as executor:
            # Synthetic cases never reach an HR system: no webhook is configured here.
            worker = build_worker(
                env.client, task_queue=TASK_QUEUE, store=store, outbox=NoticeOutbox(pool),
                executor=executor, webhooks=WebhookActivities(
                    WebhookDirectory({}), WebhookDeliveries(pool), http))
            async with worker:
                run = CohortRun(env, task_queue=TASK_QUEUE, concurrency=CONCURRENT_CASES,
                                progress=_progress(cases))
                results = await run.run(itertools.chain([first], scripts))
    finally:
        await http.aclose()
        await env.shutdown()
        await pool.close()
        store.close()
    return _summary(profile, results, seconds=time.monotonic() - began,
                    opened_from=starts_on, last=run.last_day)


def _progress(cases: int) -> Callable[[Progress], None]:
    def report(progress: Progress) -> None:
        failed = f", {progress.failed} failed" if progress.failed else ""
        print(f"  {progress.seconds:5.0f} s  {progress.opened} of {cases} case(s) opened, "
              f"{progress.finished} finished{failed}; simulated day "
              f"{progress.simulated.isoformat()}", flush=True)

    return report


def _summary(profile: CohortProfile, results: list[CaseResult], *, seconds: float,
             opened_from: date, last: date | None) -> int:
    import sys
    from collections import Counter

    from domain.stages import ReasonCategory
    from domain.vocabulary import RETURN_OUTCOMES, Intervention

    finished = [r for r in results if r.failure is None]
    failed = [r for r in results if r.failure is not None]
    total = len(finished) or 1
    print(f"rtw demo cohort: {len(finished)} case(s) written to the event store in "
          f"{seconds:.0f} s; cases opened from {opened_from.isoformat()}, the last step on "
          f"{last.isoformat() if last else '-'} (London dates)")
    print(f"  report on them: rtw report --from {opened_from.isoformat()} --to "
          f"{last.isoformat() if last else opened_from.isoformat()} --employer "
          f"{profile.employer_id} --out DIR")

    def table(title: str, counts: Counter[str], keys: list[str]) -> None:
        print(f"\n{title:<34}{'cases':>7}{'share':>8}")
        for key in keys:
            if counts[key]:
                print(f"  {key:<32}{counts[key]:>7}{counts[key] / total:>8.1%}")

    outcomes = Counter(r.outcome.value for r in finished if r.outcome)
    table("Cases by outcome", outcomes, sorted(outcomes))
    returned = sum(1 for r in finished if r.outcome in RETURN_OUTCOMES)
    print(f"  {'returned to work':<32}{returned:>7}{returned / total:>8.1%}"
          f"  (aim {profile.return_aim:.0%})")
    reasons = Counter(r.reason.value for r in finished)
    table("Cases by reason", reasons, [reason.value for reason in ReasonCategory])
    routes = Counter(r.route.value for r in finished)
    table("Cases by route", routes, sorted(routes))
    followed = [r for r in finished if r.sustained is not None]
    if followed:
        sustained = sum(1 for r in followed if r.sustained)
        print(f"\n  return sustained at follow-up: {sustained} of {len(followed)} "
              f"({sustained / len(followed):.0%})")

    by_employee = Counter(r.intervention_by_employee for r in finished
                          if r.intervention_by_employee)
    by_manager = Counter(r.intervention_by_case_manager for r in finished
                         if r.intervention_by_case_manager)
    by_employees = sum(by_employee.values()) or 1
    by_managers = sum(by_manager.values()) or 1
    print(f"\n{'Most important intervention':<34}{'employee':>10}{'manager':>10}"
          f"{'published':>14}")
    for intervention in Intervention:
        published = (f"{profile.published_by_employee.get(intervention, 0)}% / "
                     f"{profile.published_by_case_manager.get(intervention, 0)}%")
        print(f"  {intervention.value:<32}{by_employee[intervention] / by_employees:>10.0%}"
              f"{by_manager[intervention] / by_managers:>10.0%}{published:>14}")
    if failed:
        print(f"\nrtw demo cohort: {len(failed)} case(s) did not finish:", file=sys.stderr)
        for result in failed[:10]:
            print(f"  case {result.number} ({result.case_id}): {result.failure}",
                  file=sys.stderr)
        return 1
    return 0

