"""Worklist latency at 10,000 open cases: GET /v1/cases against a raw SELECT of the same page.

    python -m bench.worklist                     # 10,000 cases, 200 timed requests per query
    python -m bench.worklist --cases 2000 --repeats 50

The read model `rtw_worklist` is filled with rows the projector would write: each case is
opened and walked through the first stages by the domain's own rules (so stages, deadlines
and assignments are consistent), and its row is `worklist_row(state)`. The API runs as its
own process against the dev server and PostgreSQL. Each query is timed over HTTP and as the
bare asyncpg SELECT the route issues for it, alternately, so a busy neighbour slows both.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench.stack import engine
from domain.actors import Actor, Person, Role, Source
from domain.commands import OpenCase
from domain.decide import decide, open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY
from domain.stages import ReasonCategory
from domain.state import CaseState
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from localstack import samples as j
from readside.worklist import Sealer, worklist_row

COLUMNS = ["case_id", "employer_id", "route", "stage", "manager_id", "employee_key",
           "employee_sealed", "assigned_to", "opened_at", "next_deadline_at", "next_deadline_name",
           "next_shared_deadline_at", "next_shared_deadline_name", "version",
           "case_manager_id", "case_manager_name", "cover_id", "cover_name", "cover_until",
           "unassigned"]
EMPLOYERS = [f"trust-{n}" for n in range(5)]
MANAGERS = 400  # about 25 cases each: M2000 to M2399 (the dev manager token is M2002)
SELECT = ("SELECT case_id, employer_id, route, stage, employee_sealed, manager_id, "
          "assigned_to, opened_at, {due}_at AS due_at, {due}_name AS due_name FROM rtw_worklist")
HR = Actor(id="bench-hr", role=Role.HR, source=Source.HR_INTEGRATION)
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)


def case_state(number: int, now: datetime) -> CaseState:
    """Case `number`: opened up to 60 days ago, then taken 0-3 steps along the journey."""
    opened_at = now - timedelta(days=number % 60, minutes=number % 1440)
    manager = Person(id=f"M{2000 + number % MANAGERS}", name="Bench Manager", email="m@example.org")
    command = OpenCase(
        employer_id=EMPLOYERS[number % len(EMPLOYERS)], absence_id=f"ABS-{number}",
        employee=Person(id=f"E{number}", name=f"Employee {number}", email="e@example.org"),
        manager=manager, first_day=opened_at.date(),
        reason_category=list(ReasonCategory)[number % len(ReasonCategory)],
        policy=DEFAULT_POLICY,
    )
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    state = evolve(None, open_case(command, case_id=case_id, now=opened_at, actor=HR))
    steps = [
        (j.early_contact(opened_at + timedelta(hours=2)),
         Actor(id=manager.id, role=Role.MANAGER, source=Source.API)),
        (j.assessment(opened_at + timedelta(days=1)), OH),
        (j.case_manager(), OH),
        (j.plan(opened_at + timedelta(days=2), (opened_at + timedelta(days=2)).date()), OH),
    ]
    depth = min(number % 5, (now - opened_at).days // 3)
    for step, (command_, actor) in enumerate(steps[:depth]):
        at = opened_at + timedelta(hours=2 + 24 * step)
        for event in decide(state, command_, now=at, actor=actor):
            state = evolve(state, event)
    return state


CIPHER_KEY = base64.b64encode(b"bench-cipher-key-of-32-bytes-now").decode()
AUDIT_KEY = base64.b64encode(b"bench-audit-key-of-32-bytes-now!").decode()
SETTINGS = {"RTW_EVENT_CIPHER_KEY": CIPHER_KEY, "RTW_AUDIT_HMAC_KEY": AUDIT_KEY}
"""The engine's store keys, known here so that the rows are sealed as the projector seals
them: each case gets its data key, and its employee is sealed under it."""


def sealer(database_url: str) -> Sealer:
    """Seals as the projector does, giving each case its data key first."""
    store = CaseEventStore.connect(database_url, cipher_key=CIPHER_KEY, audit_key=AUDIT_KEY)
    rows = RowSeal(store.subject_keys)

    def seal(case_id: str, value: Any) -> bytes | None:
        store.subject_keys.create(case_id, "bench", str(value["id"]))
        return rows.seal(case_id, value)

    return seal


async def fill(database_url: str, cases: int) -> None:
    now = datetime.now(UTC)
    seal = sealer(database_url)
    rows = [worklist_row(case_state(number, now), seal) for number in range(cases)]
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table("rtw_worklist", records=rows, columns=COLUMNS)
        await connection.execute("ANALYZE rtw_worklist")
    finally:
        await connection.close()


@dataclass
class Query:
    """One worklist request and the SELECT the route runs for it (same page)."""

    name: str
    role: str
    params: dict[str, str]
    where: str  # in the raw SELECT, with $n arguments
    args: Callable[[], list[Any]]  # evaluated per call: `now` moves
    due: str = "next_deadline"  # OH's deadlines; other roles see the shared ones
    limit: int = 50

    def sql(self) -> str:
        where = f" WHERE {self.where}" if self.where else ""
        n = len(self.args()) + 1
        return (SELECT.format(due=self.due) + where
                + f" ORDER BY {self.due}_at ASC NULLS LAST, case_id ASC LIMIT ${n}")


async def cursor_after_pages(http: httpx.AsyncClient, token: str, pages: int) -> str:
    """The cursor of the page after `pages` pages of 50: a page deep in the list."""
    params: dict[str, str] = {"limit": "50"}
    for _ in range(pages):
        answer = await http.get("/v1/cases", params=params,
                                headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        params["cursor"] = answer.json()["next_cursor"]
    return params["cursor"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def time_pair(api: Callable[[], Awaitable[int]], raw: Callable[[], Awaitable[int]],
                    repeats: int) -> tuple[list[float], list[float], int]:
    """Alternate the two; the first round warms caches and prepared statements."""
    api_times: list[float] = []
    raw_times: list[float] = []
    api_rows = 0
    for repeat in range(repeats + 1):
        started = time.perf_counter()
        api_rows = await api()
        middle = time.perf_counter()
        raw_rows = await raw()
        ended = time.perf_counter()
        if api_rows != raw_rows:
            raise RuntimeError(f"the API returned {api_rows} rows, the SELECT {raw_rows}")
        if repeat:
            api_times.append(middle - started)
            raw_times.append(ended - middle)
    return api_times, raw_times, api_rows


async def bench(cases: int, repeats: int) -> None:
    async with engine(worker=False, settings=SETTINGS) as stack:
        started = time.perf_counter()
        await fill(stack.database_url, cases)
        print(f"filled rtw_worklist with {cases} cases in {time.perf_counter() - started:.1f}s")
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
            deep = await cursor_after_pages(http, stack.tokens["oh"], 20)
            queries = _queries(deep)
            connection = await asyncpg.connect(stack.database_url)
            try:
                print(f"{repeats} requests per query, alternating; medians and p95 in ms")
                print(f"{'query':<40} {'API med':>8} {'p95':>7} {'raw med':>8} {'p95':>7} "
                      f"{'ratio':>6} {'rows':>5}")
                for query in queries:
                    await _bench_query(http, connection, stack.tokens[query.role], query,
                                       repeats)
            finally:
                await connection.close()


def _queries(deep_cursor: str) -> list[Query]:
    """The queries a worklist sees: first page, filters, a deep page, a manager's team."""
    due_text, case_text = json.loads(base64.urlsafe_b64decode(deep_cursor))
    after_due, after_case = datetime.fromisoformat(due_text), uuid.UUID(case_text)
    return [
        Query("oh: first page", "oh", {}, "", lambda: []),
        Query("oh: employer + overdue", "oh", {"employer": "trust-2", "overdue": "true"},
              "employer_id = $1 AND next_deadline_at < $2",
              lambda: ["trust-2", datetime.now(UTC)]),
        Query("oh: stage + assigned_to", "oh", {"stage": "planning", "assigned_to": "OHN-7"},
              "stage = $1 AND assigned_to = $2", lambda: ["planning", "OHN-7"]),
        Query("oh: page 21 by cursor", "oh", {"cursor": deep_cursor},
              "(next_deadline_at > $1 OR (next_deadline_at = $1 AND case_id > $2) "
              "OR next_deadline_at IS NULL)", lambda: [after_due, after_case]),
        Query("hr: employer, not overdue", "hr", {"employer": "trust-1", "overdue": "false"},
              "employer_id = $1 AND (next_shared_deadline_at IS NULL "
              "OR next_shared_deadline_at >= $2)",
              lambda: ["trust-1", datetime.now(UTC)], due="next_shared_deadline"),
        Query("manager M2002: own team", "manager", {}, "manager_id = $1", lambda: ["M2002"],
              due="next_shared_deadline"),
    ]


async def _bench_query(http: httpx.AsyncClient, connection: asyncpg.Connection, token: str,
                       query: Query, repeats: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    params = {"limit": str(query.limit), **query.params}
    sql = query.sql()

    async def via_api() -> int:
        answer = await http.get("/v1/cases", params=params, headers=headers)
        answer.raise_for_status()
        return len(answer.json()["items"])

    async def raw() -> int:
        # The route fetches one row more than the page, to know whether there is a next one.
        rows = await connection.fetch(sql, *query.args(), query.limit + 1)
        return len(rows[: query.limit])

    api_times, raw_times, rows = await time_pair(via_api, raw, repeats)
    api_median, raw_median = statistics.median(api_times), statistics.median(raw_times)
    print(f"{query.name:<40} {api_median * 1e3:>8.2f} {percentile(api_times, 0.95) * 1e3:>7.2f}"
          f" {raw_median * 1e3:>8.2f} {percentile(raw_times, 0.95) * 1e3:>7.2f}"
          f" {api_median / raw_median:>5.1f}x {rows:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worklist")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=200, help="timed requests per query")
    args = parser.parse_args()
    asyncio.run(bench(args.cases, args.repeats))


if __name__ == "__main__":
    main()
