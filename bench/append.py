"""One decision's append through `CaseEventStore.append` against a raw one-row INSERT.

    python -m bench.append                   # 300 appends per round, 3 rounds
    python -m bench.append --count 1000 --rounds 5

An append is what the case worker does once per decision: read the case's chain head, MAC the
event onto the chain, encrypt it, and insert it with the new head in one transaction. Here each
append is one event (a reminder) onto a case opened beforehand, so every append after the first
finds a chain head to extend. The baseline inserts one row of about the same size into a plain
table, one row per transaction, through psycopg on its own connection. Both run in this process
on the same PostgreSQL, alternating round by round; the ratio of their median rates is the
figure (target >= 0.45).
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from eventstore.store import CaseEventStore
from localstack.postgres import throwaway_server
from localstack.samples import POLICY, as_new, case_events, store_case

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_insert (
    id bigserial PRIMARY KEY, originator_id uuid NOT NULL, originator_version integer NOT NULL,
    topic text NOT NULL, state bytea NOT NULL
)"""


@dataclass
class AppendFigures:
    append_rate: float  # appends per second (one event each)
    insert_rate: float  # raw one-row INSERT transactions per second

    @property
    def ratio(self) -> float:
        return self.append_rate / self.insert_rate


def _append_round(store: CaseEventStore, count: int) -> float:
    """Open a case, then time `count` one-event appends onto it."""
    absence_id = f"APPEND-{uuid.uuid4().hex[:8]}"
    case_id = store_case(store, absence_id, 1, OPENED)
    _, events = case_events(absence_id, count + 1, OPENED)
    started = time.perf_counter()
    for position, event in enumerate(events[1:], start=2):
        store.append(case_id=case_id, first_position=position, policy_version=POLICY,
                     workflow_id=case_id, run_id="run-1", events=[as_new(event)],
                     recorded_at=event.occurred_at + timedelta(minutes=1))
    return count / (time.perf_counter() - started)


def _insert_round(connection: psycopg.Connection[tuple[object, ...]], count: int) -> float:
    originator = uuid.uuid4()
    state = os.urandom(600)  # about an encrypted reminder's size
    started = time.perf_counter()
    for version in range(count):
        with connection.transaction():
            connection.execute(
                "INSERT INTO bench_raw_insert (originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %s)",
                (originator, version, "eventstore.records:CaseEventRecord", state))
    return count / (time.perf_counter() - started)


def measure(database_url: str, count: int, rounds: int) -> AppendFigures:
    store = CaseEventStore.connect(
        database_url, cipher_key=base64.b64encode(os.urandom(32)).decode(),
        audit_key=base64.b64encode(os.urandom(32)).decode())
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(RAW_TABLE)
            _append_round(store, 20)  # warm: statements prepared, pools filled
            _insert_round(connection, 20)
            appends, inserts = [], []
            for _ in range(rounds):
                inserts.append(_insert_round(connection, count))
                appends.append(_append_round(store, count))
    finally:
        store.close()
    return AppendFigures(append_rate=statistics.median(appends),
                         insert_rate=statistics.median(inserts))


def run(count: int, rounds: int) -> AppendFigures:
    with throwaway_server("rtw_bench", prefix="rtw-bench-pg-") as database_url:
        return measure(database_url, count, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.append")
    parser.add_argument("--count", type=int, default=300, help="appends (and inserts) per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = run(args.count, args.rounds)
    print(f"raw one-row INSERT: {figures.insert_rate:.0f}/s; CaseEventStore.append of one "
          f"event: {figures.append_rate:.0f}/s; ratio {figures.ratio:.2f}x (target >= 0.45x)")


if __name__ == "__main__":
    main()
