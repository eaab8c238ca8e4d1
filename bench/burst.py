"""A burst of one action on 1,000 cases at once: how long the API takes to acknowledge each.

    python -m bench.burst                  # 1,000 cases, a bounded wait of 5 s
    python -m bench.burst --cases 300 --wait 3

The cases are notified first (POST /v1/absences, a few at a time) and left open. Then every
case's early contact (POST /v1/cases/{id}/contact, as its manager) is sent at the same moment.
The API answers 200 with the case once its Update is applied, or 202 "accepted, poll" once the
bounded wait (RTW_UPDATE_WAIT_SECONDS) has passed. The figures are the p50/p95/max of the
acknowledgements, how many were 202, and whether any request waited past the bound. The
baseline is the same action sent to one case at a time on a quiet stack, in the same run.
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

from bench.notifications import notification, percentile, timed_calls
from bench.stack import Engine, engine

# Past the bound the API sends the action as a signal and answers: allow for that call.
SLACK_SECONDS = 1.0


@dataclass
class BurstFigures:
    wait_seconds: float
    latencies: list[float]  # seconds to the answer, one per request of the burst
    statuses: dict[int, int]  # HTTP status -> how many
    quiet: float  # median acknowledgement of the same action, one request at a time

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)

    @property
    def slowest(self) -> float:
        return max(self.latencies)

    @property
    def within_bound(self) -> bool:
        return (self.slowest <= self.wait_seconds + SLACK_SECONDS
                and set(self.statuses) <= {200, 202})


def _contact() -> dict[str, Any]:
    return {"contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
            "agreed_contact_frequency_days": 7}


async def open_cases(stack: Engine, http: httpx.AsyncClient, count: int,
                     concurrency: int = 20, prefix: str = "BURST") -> list[str]:
    """Notify `count` absences (first day today, managed by the dev manager); their case ids."""
    run = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {stack.tokens['hr']}"}
    case_ids: list[str] = []

    async def notify(number: int) -> None:
        body = notification(f"{prefix}-{run}", number)
        body["manager"] = {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"}
        body["first_day"] = datetime.now(UTC).date().isoformat()
        response = await http.post("/v1/absences", json=body, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"expected 201, got {response.status_code}: {response.text}")
        case_ids.append(response.json()["case_id"])

    await timed_calls(count, concurrency, notify)
    return case_ids


async def _until_open(stack: Engine, http: httpx.AsyncClient, case_ids: list[str]) -> None:
    """Every case answers its query (its worker has run its first task)."""
    headers = {"Authorization": f"Bearer {stack.tokens['oh']}"}
    for case_id in case_ids:
        for _ in range(600):
            if (await http.get(f"/v1/cases/{case_id}", headers=headers)).status_code == 200:
                break
            await asyncio.sleep(0.1)


async def measure(cases: int, wait_seconds: float) -> BurstFigures:
    settings = {"RTW_UPDATE_WAIT_SECONDS": str(wait_seconds)}
    async with engine(settings=settings) as stack:
        limits = httpx.Limits(max_connections=cases + 10, max_keepalive_connections=cases + 10,
                              keepalive_expiry=30.0)
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=120,
                                     limits=limits) as http:
            quiet_cases = await open_cases(stack, http, 10, prefix="QUIET")
            case_ids = await open_cases(stack, http, cases)
            await _until_open(stack, http, quiet_cases + case_ids)
            headers = {"Authorization": f"Bearer {stack.tokens['manager']}"}
            quiet: list[float] = []
            for case_id in quiet_cases:
                started = time.perf_counter()
                await http.post(f"/v1/cases/{case_id}/contact", json=_contact(),
                                headers=headers)
                quiet.append(time.perf_counter() - started)
            latencies: list[float] = []
            statuses: dict[int, int] = {}

            async def act(case_id: str) -> None:
                started = time.perf_counter()
                try:
                    response = await http.post(f"/v1/cases/{case_id}/contact",
                                               json=_contact(), headers=headers)
                    status = response.status_code
                except httpx.TransportError:
                    status = 0  # no answer at all
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

            await asyncio.gather(*(act(case_id) for case_id in case_ids))
    return BurstFigures(wait_seconds=wait_seconds, latencies=latencies, statuses=statuses,
                        quiet=statistics.median(quiet))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.burst")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--wait", type=float, default=5.0,
                        help="RTW_UPDATE_WAIT_SECONDS for the API")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.cases, args.wait))
    print(f"{args.cases} actions at once, bounded wait {figures.wait_seconds:g} s: "
          f"p50 {statistics.median(figures.latencies):.2f} s, p95 {figures.p95:.2f} s, "
          f"slowest {figures.slowest:.2f} s; answers {figures.statuses}; one at a time on a "
          f"quiet stack {figures.quiet * 1e3:.0f} ms; "
          f"{'none' if figures.within_bound else 'some'} waited past the bound")


if __name__ == "__main__":
    main()
