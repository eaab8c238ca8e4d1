"""Many open cases waiting on their timers: the worker's memory, and how late timers fire.

    python -m bench.open_cases                  # 10,000 open cases, 20 probes
    python -m bench.open_cases --cases 2000

The cases are notified over HTTP (first day today: each waits on its early-contact deadline,
a timer days ahead) and a worker process runs them, as `rtw run` does. Once every case is
started and the worker is idle, its resident memory (psutil, the worker process and any
children) is the first figure (target <= 512 MiB, against the worker's RSS with no case open,
measured before in the same run).

Then probe cases are notified ten days late, so that their reminders are already due when they
open: the worker's timers fire at once while the other cases stay open. How late a timer fires
is the time from the moment its notice fell due (its due time, or the notification if that is
later) to the moment the reminder was written to the outbox (target <= 2 s at the p95).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psutil
import psycopg

from bench.burst import open_cases
from bench.notifications import percentile, timed_calls
from bench.stack import Engine, engine

MIB = 1024 * 1024


@dataclass
class OpenCaseFigures:
    cases: int
    idle_rss: float  # bytes, before any case
    rss: float  # bytes, with every case open and the worker idle
    lateness: list[float]  # seconds, one per reminder of the probes

    @property
    def p95_late(self) -> float:
        return percentile(self.lateness, 0.95) if self.lateness else float("nan")


def _rss(pid: int) -> float:
    process = psutil.Process(pid)
    return float(process.memory_info().rss
                 + sum(child.memory_info().rss for child in process.children(recursive=True)))


async def _until_idle(pid: int, *, quiet_for: float = 3.0, limit: float = 600.0) -> None:
    """Until the process has used under 5% of a core for `quiet_for` seconds."""
    process = psutil.Process(pid)
    process.cpu_percent(None)
    started = time.monotonic()
    quiet = 0.0
    while quiet < quiet_for and time.monotonic() - started < limit:
        await asyncio.sleep(1.0)
        quiet = quiet + 1.0 if process.cpu_percent(None) < 5.0 else 0.0


def _reminders(database_url: str, case_ids: list[str]) -> list[tuple[str, datetime, datetime]]:
    """(case id, due_at, created_at) of the probes' notices that have a due time."""
    with psycopg.connect(database_url) as connection:
        return [(str(case_id), due, created) for case_id, due, created in connection.execute(
            "SELECT case_id, due_at, created_at FROM rtw_notices "
            "WHERE case_id = ANY(%s::uuid[]) AND due_at IS NOT NULL",
            (case_ids,)).fetchall()]


async def _probe(stack: Engine, http: httpx.AsyncClient, probes: int) -> list[float]:
    run = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {stack.tokens['hr']}"}
    posted: dict[str, datetime] = {}

    async def notify(number: int) -> None:
        first_day = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
        body = {"employer_id": "bench-trust", "absence_id": f"PROBE-{run}-{number}",
                "employee": {"id": f"P{number}", "name": "Probe", "email": "p@example.org"},
                "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
                "first_day": first_day, "reason_category": "other"}
        at = datetime.now(UTC)
        response = await http.post("/v1/absences", json=body, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"expected 201, got {response.status_code}: {response.text}")
        posted[response.json()["case_id"]] = at

    await timed_calls(probes, 2, notify)
    case_ids = list(posted)
    found: list[tuple[str, datetime, datetime]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(_reminders, stack.database_url, case_ids)
        if len(found) >= 2 * probes:  # at least the employee's and the manager's reminders
            break
        await asyncio.sleep(0.5)
    return [(created - max(due, posted[case_id])).total_seconds()
            for case_id, due, created in found]


async def measure(cases: int, probes: int, concurrency: int = 20) -> OpenCaseFigures:
    async with engine() as stack:
        worker = stack.processes["worker"].pid
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                              keepalive_expiry=1.0)
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as http:
            await open_cases(stack, http, 1, prefix="WARM")
            await _until_idle(worker)
            idle_rss = _rss(worker)
            await open_cases(stack, http, cases, concurrency=concurrency, prefix="OPEN")
            await _until_idle(worker)
            rss = _rss(worker)
            lateness = await _probe(stack, http, probes)
    return OpenCaseFigures(cases=cases, idle_rss=idle_rss, rss=rss, lateness=lateness)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.open_cases")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--probes", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(measure(args.cases, args.probes))
    print(f"{figures.cases} open cases: worker RSS {figures.rss / MIB:.0f} MiB "
          f"(idle with one case: {figures.idle_rss / MIB:.0f} MiB; target <= 512 MiB); "
          f"reminders of {args.probes} late probes written {figures.p95_late:.2f} s after due "
          f"at the p95, {max(figures.lateness, default=float('nan')):.2f} s at worst "
          f"(target <= 2 s); {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
