"""Whole cases per second through the API, against a bare workflow with as many updates.

    python -m bench.journey                    # 40 cases per round, 10 at a time, 2 rounds
    python -m bench.journey --cases 60 --rounds 3

A case is notified and then driven to closure and follow-up over HTTP: early contact, an OH
assessment, an agreed plan, a two-week phased return with both weeks reviewed, completion,
closure and the follow-up (1 start + 9 actions, each a validated Update whose events are stored
before it answers). The baseline starts a bare workflow (one activity, one long timer) and sends
it 9 trivial Updates through the Temporal client, on the same dev server. The two alternate
round by round; the ratio of their medians is the figure (design target: >= 0.7).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare_journey import BareJourney, touch
from bench.stack import engine

BASELINE_QUEUE = "bench-bare-journey"
STEPS = 10


def _journey_steps() -> list[tuple[str, str, dict[str, Any]]]:
    now, today = datetime.now(UTC).isoformat(), datetime.now(UTC).date().isoformat()
    assessment = {
        "kind": "early", "assessed_at": now, "tier": 2, "fitness": "fit_with_adjustments",
        "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
        "consent": {"share_fitness_with_manager": True}, "rapid_access": False,
    }
    plan = {"agreed_at": now, "agreed_by": {"employee": True, "manager": True, "oh": True},
            "plan": {"goals": ["Full duties"], "review_dates": [today]}}
    weeks = [{"week": n, "hours": 15 * n, "duties": "Admin"} for n in (1, 2)]
    return [
        ("contact", "manager", {"contacted_at": now, "method": "phone",
                                "agreed_contact_frequency_days": 7}),
        ("assessments", "oh", assessment),  # by the signed-in (dev) OH nurse
        ("case-manager", "oh", {"user_id": "dev-oh", "name": "Dev OH nurse"}),
        ("plan", "oh", plan),
        ("phased-return", "oh", {"starts_on": today, "weeks": weeks}),
        ("phased-return/reviews", "manager", {"week": 1, "on_track": True}),
        ("phased-return/reviews", "manager", {"week": 2, "on_track": True}),
        ("phased-return/completion", "manager", {"completed_on": today}),
        ("closure", "oh", {"outcome": "returned_to_own_role", "closed_on": today,
                           "intervention_by_employee": "msk_treatment",
                           "intervention_by_case_manager": "msk_treatment"}),
        ("follow-up", "oh", {"checked_on": today, "sustained": True}),
    ]


async def one_case(http: httpx.AsyncClient, tokens: dict[str, str], run: str, n: int) -> None:
    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    created = await http.post("/v1/absences", headers=auth("hr"), json={
        "employer_id": "bench-trust", "absence_id": f"J-{run}-{n}",
        "employee": {"id": f"E{n}", "name": "Bench Employee", "email": "e@example.org"},
        "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
        "first_day": datetime.now(UTC).date().isoformat(), "reason_category": "other"})
    case = f"/v1/cases/{created.json()['case_id']}"
    for path, role, body in _journey_steps():
        response = await http.post(f"{case}/{path}", headers=auth(role), json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")


async def one_bare(client: Client, run: str, n: int) -> None:
    handle = await client.start_workflow(BareJourney.run, STEPS, id=f"bare-{run}-{n}",
                                         task_queue=BASELINE_QUEUE)
    for step in range(STEPS):
        await handle.execute_update(BareJourney.step, step)
    await handle.result()


async def rate(cases: int, concurrency: int, one: Any) -> float:
    numbers = iter(range(cases))

    async def lane() -> None:
        for number in numbers:
            await one(number)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return cases / (time.perf_counter() - started)


@dataclass
class JourneyFigures:
    journey_rate: float  # whole cases per second through the API (median over rounds)
    bare_rate: float  # bare workflows with as many updates per second

    @property
    def ratio(self) -> float:
        return self.journey_rate / self.bare_rate


async def measure(cases: int, concurrency: int, rounds: int) -> JourneyFigures:
    async with engine() as stack:
        client = stack.temporal.client
        limits = httpx.Limits(keepalive_expiry=1.0)
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as http, \
                Worker(client, task_queue=BASELINE_QUEUE, workflows=[BareJourney],
                       activities=[touch]):
            await one_case(http, stack.tokens, "warm", 0)
            await one_bare(client, "warm", 0)
            journeys, bares = [], []
            for number in range(rounds):
                run = uuid.uuid4().hex[:6]
                journeys.append(await rate(cases, concurrency,
                                           lambda n, r=run: one_case(http, stack.tokens, r, n)))
                bares.append(await rate(cases, concurrency,
                                        lambda n, r=run: one_bare(client, r, n)))
                print(f"round {number + 1}: journey {journeys[-1]:.1f} cases/s, "
                      f"bare {bares[-1]:.1f} workflows/s", flush=True)
    return JourneyFigures(statistics.median(journeys), statistics.median(bares))


async def bench(cases: int, concurrency: int, rounds: int) -> None:
    figures = await measure(cases, concurrency, rounds)
    print(f"whole cases through the API: {figures.journey_rate:.1f}/s; bare workflow with "
          f"{STEPS} updates: {figures.bare_rate:.1f}/s; ratio {figures.ratio:.2f}x "
          "(target >= 0.7x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(bench(args.cases, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
