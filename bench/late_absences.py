"""Absences notified ten days late, until the notices each one causes at once are written,
against bare Temporal workflow starts.

    python -m bench.late_absences                  # 100 cases per round, 20 at a time, 2 rounds
    python -m bench.late_absences --count 200 --rounds 3

Each case is POST /v1/absences with a first day ten days ago: the employee and the manager are
due a reminder that a fit note is needed at once (two notices; today's code also reminds the
manager of early contact, a third). A round ends when every case's fit-note reminders are in the
outbox, so that code from before the outbox can be measured the same way. This is the path the
transactional outbox changed: before it, each notice was a Temporal activity of its own; now
the notices are written by the append that stores their events. The baseline starts as many
trivial workflows on the same dev server; the two alternate round by round, and the ratio of
their median rates is the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
from temporalio.worker import Worker

from bench.notifications import BASELINE_QUEUE, Round, start_round, timed_calls, warm_up
from bench.stack import engine
from bench.trivial_workflow import TrivialWorkflow

NOTICES_PER_CASE = 2  # the fit-note reminders to the employee and the manager


def late_absence(run: str, number: int) -> dict[str, object]:
    return {
        "employer_id": "bench-trust",
        "absence_id": f"LATE-{run}-{number}",
        "employee": {"id": f"E{number}", "name": "Bench Employee", "email": "e@example.org"},
        "manager": {"id": f"M{number % 50}", "name": "Bench Manager", "email": "m@example.org"},
        "first_day": (datetime.now(UTC) - timedelta(days=10)).date().isoformat(),
        "reason_category": "other",
    }


# Fit-note reminders in today's outbox, and in the first outbox (code from before it moved).
_COUNTS = {
    "rtw_notices": "SELECT count(*) FROM rtw_notices WHERE kind = 'fit_note_needed'",
    "rtw_outbox": "SELECT count(*) FROM rtw_outbox WHERE subject = 'A fit note is now needed'",
}


def notices_written(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        for table, count in _COUNTS.items():
            exists = connection.execute("SELECT to_regclass(%s)", (table,)).fetchone()
            if exists and exists[0]:
                row = connection.execute(count).fetchone()
                return int(row[0]) if row else 0
    return 0


async def late_round(http: httpx.AsyncClient, token: str, database_url: str, count: int,
                     concurrency: int) -> Round:
    run = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {token}"}
    before = await asyncio.to_thread(notices_written, database_url)
    started = time.perf_counter()

    async def notify(number: int) -> None:
        response = await http.post("/v1/absences", json=late_absence(run, number),
                                   headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"expected 201, got {response.status_code}: {response.text}")

    posted = await timed_calls(count, concurrency, notify)
    wanted = before + count * NOTICES_PER_CASE
    while await asyncio.to_thread(notices_written, database_url) < wanted:
        if time.perf_counter() - started > 600:
            raise RuntimeError("the notices of a round were not all written in 10 minutes")
        await asyncio.sleep(0.05)
    return Round(rate=count / (time.perf_counter() - started), latencies=posted.latencies)


async def bench(count: int, concurrency: int, rounds: int) -> None:
    async with engine() as stack:
        client = stack.temporal.client
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                              keepalive_expiry=1.0)
        async with (
            Worker(client, task_queue=BASELINE_QUEUE, workflows=[TrivialWorkflow]),
            httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as http,
        ):
            await warm_up(stack, http)
            baseline: list[Round] = []
            late: list[Round] = []
            for _ in range(rounds):
                baseline.append(await start_round(client, count, concurrency))
                late.append(await late_round(http, stack.tokens["hr"], stack.database_url,
                                             count, concurrency))
    base = statistics.median(r.rate for r in baseline)
    cases = statistics.median(r.rate for r in late)
    print(f"{count} cases per round, {concurrency} in flight, {rounds} rounds")
    print(f"bare start_workflow: {base:.1f}/s; late absences until their fit-note reminders "
          f"are written: {cases:.1f}/s; ratio {cases / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.late_absences")
    parser.add_argument("--count", type=int, default=100, help="cases per round")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(bench(args.count, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
