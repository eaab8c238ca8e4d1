"""Absence notifications per second through the API, against bare Temporal workflow starts.

    python -m bench.notifications                          # 300 per round, 20 at a time
    python -m bench.notifications --count 500 --rounds 3

Each notification is POST /v1/absences over HTTP to the API process, answered 201 once the
case's workflow has started; a worker process runs the cases meanwhile. The baseline is
`start_workflow` of a trivial workflow (run by a worker in this process) on the same dev
server, with the same concurrency. The machines are shared, so the two alternate, round by
round, and the figures are medians over the rounds; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.stack import Engine, engine
from bench.trivial_workflow import TrivialWorkflow

BASELINE_QUEUE = "bench-trivial"


@dataclass
class Round:
    rate: float  # completed calls per second
    latencies: list[float]  # seconds per call


async def timed_calls(count: int, concurrency: int,
                      call: Callable[[int], Awaitable[None]]) -> Round:
    """`count` calls, `concurrency` in flight at any time."""
    numbers = iter(range(count))
    latencies: list[float] = []

    async def lane() -> None:
        for number in numbers:  # shared iterator: each number is taken once
            started = time.perf_counter()
            await call(number)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return Round(rate=count / (time.perf_counter() - started), latencies=latencies)


def notification(run: str, number: int) -> dict[str, object]:
    return {
        "employer_id": "bench-trust",
        "absence_id": f"BENCH-{run}-{number}",
        "employee": {"id": f"E{number}", "name": "Bench Employee", "email": "e@example.org"},
        "manager": {"id": f"M{number % 50}", "name": "Bench Manager", "email": "m@example.org"},
        "first_day": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        "reason_category": "other",
    }


async def notify_round(http: httpx.AsyncClient, token: str, count: int,
                       concurrency: int) -> Round:
    run = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {token}"}

    async def notify(number: int) -> None:
        response = await http.post("/v1/absences", json=notification(run, number),
                                   headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"expected 201, got {response.status_code}: {response.text}")

    return await timed_calls(count, concurrency, notify)


async def start_round(client: Client, count: int, concurrency: int) -> Round:
    run = uuid.uuid4().hex[:8]

    async def start(number: int) -> None:
        await client.start_workflow(TrivialWorkflow.run, id=f"trivial-{run}-{number}",
                                    task_queue=BASELINE_QUEUE)

    return await timed_calls(count, concurrency, start)


async def warm_up(stack: Engine, http: httpx.AsyncClient) -> None:
    """One case all the way to a worker's answer: every process and connection is up."""
    case = await http.post("/v1/absences", json=notification("warm", 0),
                           headers={"Authorization": f"Bearer {stack.tokens['hr']}"})
    case_id = case.json()["case_id"]
    for _ in range(300):
        seen = await http.get(f"/v1/cases/{case_id}",
                              headers={"Authorization": f"Bearer {stack.tokens['oh']}"})
        if seen.status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the worker never answered for the warm-up case")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, rounds: list[Round]) -> float:
    rate = statistics.median(r.rate for r in rounds)
    latencies = [seconds for r in rounds for seconds in r.latencies]
    print(f"{name:<44} {rate:>8.1f}/s   median {statistics.median(latencies) * 1e3:>6.1f} ms"
          f"   p95 {percentile(latencies, 0.95) * 1e3:>7.1f} ms")
    return rate


@dataclass
class NotificationFigures:
    api: list[Round]
    baseline: list[Round]

    @property
    def ratio(self) -> float:
        return (statistics.median(r.rate for r in self.api)
                / statistics.median(r.rate for r in self.baseline))


async def measure(count: int, concurrency: int, rounds: int) -> NotificationFigures:
    async with engine() as stack:
        client = stack.temporal.client
        # Idle connections expire before uvicorn's 5 s keep-alive does: otherwise a request
        # may go out on a connection the server is closing, and fail with a ReadError.
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                              keepalive_expiry=1.0)
        async with (
            Worker(client, task_queue=BASELINE_QUEUE, workflows=[TrivialWorkflow]),
            httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as http,
        ):
            await warm_up(stack, http)
            await start_round(client, concurrency, concurrency)
            baseline: list[Round] = []
            api: list[Round] = []
            for _ in range(rounds):
                baseline.append(await start_round(client, count, concurrency))
                api.append(await notify_round(http, stack.tokens["hr"], count, concurrency))
    return NotificationFigures(api=api, baseline=baseline)


async def bench(count: int, concurrency: int, rounds: int) -> None:
    figures = await measure(count, concurrency, rounds)
    baseline, api = figures.baseline, figures.api
    print(f"{count} calls per round, {concurrency} in flight, {rounds} rounds, "
          "median rate over rounds, latency over all calls")
    base_rate = report("bare start_workflow (trivial workflow)", baseline)
    api_rate = report("POST /v1/absences -> 201 (case workflow)", api)
    print(f"ratio API / bare start: {api_rate / base_rate:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications")
    parser.add_argument("--count", type=int, default=300, help="calls per round")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(bench(args.count, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
