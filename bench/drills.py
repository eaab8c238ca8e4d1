"""Drills: faults thrown at a running engine while cases are in flight, and what survived.

`python -m bench.drills [--cases 50] [--pause 60]` starts `rtw run` (the supervisor, with its
PostgreSQL, Temporal dev server, worker and API) in a temporary home on free ports, opens the
cases, and then, one drill at a time, sends every case a keeping-in-touch contact (an Update
with an Idempotency-Key, retried by the client as an HR system would) while it

- SIGKILLs the worker, then the API (the supervisor restarts them),
- restarts the Temporal dev server, then PostgreSQL (stopped; the supervisor starts them again),
- pauses PostgreSQL (SIGSTOP of its process group, SIGCONT after the pause).

After each drill it checks that the engine recovered by itself, that `rtw audit verify --all`
holds, that every case's store agrees with its Temporal history (`rtw audit reconcile`), that
every acknowledged contact is stored once (0 lost, 0 duplicated), that no notice is doubled, and
that every timer that fell due fired once. The table at the end is the failure matrix.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from cli.reconcile import decisions_in_store, decisions_in_temporal, reconcile
from domain.actors import TIMER_ACTOR
from domain.deadlines import open_deadlines
from eventstore.replay import state_of
from eventstore.store import CaseEventStore
from infra import temporal_client
from infra.bootstrap import data_keys_of
from localstack.temporal import free_port

CHECKS = ("recovered", "no exits", "answered", "verify", "reconcile", "lost", "dup events",
          "dup notices", "timers")
# How long a timer may lag its deadline before it counts as not fired.
TIMER_SLACK = timedelta(seconds=90)


# -- the stack ------------------------------------------------------------------------------


class Stack:
    """`rtw run` in a temporary home, on free ports, as an operator would start it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / ".rtw"
        self.api_url = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **os.environ,
            "RTW_HOME": str(self.home),
            "RTW_API_PORT": self.api_url.rsplit(":", 1)[1],
            "RTW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
            "RTW_TEMPORAL_UI_PORT": str(free_port()),
            "RTW_LOCAL_POSTGRES_PORT": str(free_port()),
            "RTW_UPDATE_WAIT_SECONDS": "5",
        }
        self.env.pop("RTW_DATABASE_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "rtw-run.log"

    def start(self, timeout: float = 120.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "run"], cwd=self.root, env=self.env,
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rtw run exited at start:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"rtw run did not become healthy in {timeout:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for name in ("postgres",):  # a paused server would hold the shutdown
            with contextlib.suppress(LookupError, psutil.Error):
                os.killpg(self.pid(name), signal.SIGCONT)
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            self.process.kill()
            self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pid(self, name: str) -> int:
        """The pid of one of the supervisor's children: worker, api, temporal or postgres."""
        assert self.process is not None
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.Error):
                line = " ".join(child.cmdline())
                if (name in ("worker", "api") and line.endswith(f"cli.main {name}")) or (
                        name == "temporal" and "start-dev" in line) or (
                        name == "postgres" and child.name() == "postgres"):
                    return int(child.pid)
        raise LookupError(f"no {name} process under rtw run")

    def values(self) -> dict[str, str]:
        """What `rtw run` wrote to its local.env: URLs and keys."""
        pairs = (line.partition("=") for line in
                 (self.home / "local.env").read_text().splitlines())
        return {key: value for key, _, value in pairs if key}

    def tokens(self) -> dict[str, str]:
        import json

        return dict(json.loads((self.home / "dev-tokens.json").read_text()))

    def rtw(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "cli.main", *args], cwd=self.root, env=self.env,
            capture_output=True, text=True, timeout=300, check=False)


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="rtw-drills-"))
    stack = Stack(root)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- faults ---------------------------------------------------------------------------------


def _kill(name: str) -> Callable[[Stack, float], Awaitable[None]]:
    async def fault(stack: Stack, pause: float) -> None:
        os.kill(stack.pid(name), signal.SIGKILL)
    return fault


def _restart(name: str, how: signal.Signals) -> Callable[[Stack, float], Awaitable[None]]:
    """Stop the server; the supervisor sees it exit and starts it again."""
    async def fault(stack: Stack, pause: float) -> None:
        pid = stack.pid(name)
        os.kill(pid, how)
        with contextlib.suppress(psutil.Error):
            await asyncio.to_thread(psutil.Process(pid).wait, 60)
    return fault


async def _pause_postgres(stack: Stack, pause: float) -> None:
    group = os.getpgid(stack.pid("postgres"))  # the postmaster leads its own session
    os.killpg(group, signal.SIGSTOP)
    try:
        await asyncio.sleep(pause)
    finally:
        os.killpg(group, signal.SIGCONT)


@dataclass(frozen=True)
class Drill:
    name: str
    fault: Callable[[Stack, float], Awaitable[None]]
    kills: frozenset[str] = frozenset()  # children the drill itself ends


DRILLS = (
    Drill("SIGKILL worker", _kill("worker"), frozenset({"worker"})),
    Drill("SIGKILL API", _kill("api"), frozenset({"api"})),
    Drill("restart Temporal", _restart("temporal", signal.SIGTERM), frozenset({"temporal"})),
    Drill("restart PostgreSQL", _restart("postgres", signal.SIGINT), frozenset({"postgres"})),
    Drill("pause PostgreSQL", _pause_postgres),
)


# -- the cases in flight --------------------------------------------------------------------


@dataclass
class Ledger:
    """What the engine acknowledged to the client: each must be stored exactly once."""

    opened: dict[str, str] = field(default_factory=dict)  # case id -> absence id
    contacts: dict[str, list[str]] = field(default_factory=dict)  # case id -> contacted_at
    unacknowledged: int = 0
    timer_events: int = 0


async def _send(http: httpx.AsyncClient, method: str, url: str, *, token: str,
                body: dict[str, Any], key: str, give_up_after: float) -> httpx.Response | None:
    """Send until the engine answers for sure (2xx or a refusal), retrying with the same key
    what a fault left unanswered; None if it never did."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    deadline = time.monotonic() + give_up_after
    pause = 0.2
    while time.monotonic() < deadline:
        try:
            response = await http.request(method, url, json=body, headers=headers)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code < 500:
            return response
        await asyncio.sleep(pause)
        pause = min(pause * 2, 3.0)
    return None


async def open_cases(http: httpx.AsyncClient, tokens: dict[str, str], count: int,
                     ledger: Ledger) -> None:
    # Forty days off already: the long-absence deadlines fall due at once and their timers fire
    # while the drills run.
    first_day = (datetime.now(UTC) - timedelta(days=40)).date().isoformat()

    async def one(n: int) -> None:
        absence_id = f"DRILL-{uuid.uuid4().hex[:10]}"
        body = {"employer_id": "acme-trust", "absence_id": absence_id,
                "employee": {"id": f"E{n:05d}", "name": "Drill Person",
                             "email": "drill@example.org"},
                "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
                "first_day": first_day, "reason_category": "other"}
        answer = await _send(http, "POST", "/v1/absences", token=tokens["hr"], body=body,
                             key=absence_id, give_up_after=120)
        if answer is None or answer.status_code not in (200, 201):
            raise RuntimeError(f"could not open a case: {answer and answer.text}")
        case_id = str(answer.json()["case_id"])
        ledger.opened[case_id] = absence_id
        contact = {"contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
                   "agreed_contact_frequency_days": 7}
        made = await _send(http, "POST", f"/v1/cases/{case_id}/contact",
                           token=tokens["manager"], body=contact, key=f"{absence_id}-contact",
                           give_up_after=120)
        if made is None or made.status_code not in (200, 202):
            raise RuntimeError(f"could not record contact: {made and made.text}")
        ledger.contacts[case_id] = [str(contact["contacted_at"])]

    await _bounded(count, one)


async def contact_wave(http: httpx.AsyncClient, tokens: dict[str, str], ledger: Ledger,
                       *, give_up_after: float) -> None:
    """One keeping-in-touch contact per case, each acknowledged (or counted as not)."""
    async def one(case_id: str) -> None:
        contacted_at = datetime.now(UTC).isoformat()
        body = {"contacted_at": contacted_at, "method": "phone"}
        answer = await _send(http, "POST", f"/v1/cases/{case_id}/check-ins",
                             token=tokens["manager"], body=body, key=str(uuid.uuid4()),
                             give_up_after=give_up_after)
        if answer is not None and answer.status_code in (200, 202):
            ledger.contacts[case_id].append(contacted_at)
        else:
            ledger.unacknowledged += 1

    await _bounded(list(ledger.opened), one)


async def _bounded(items: Any, work: Callable[[Any], Awaitable[None]], limit: int = 10) -> None:
    gate = asyncio.Semaphore(limit)

    async def guarded(item: Any) -> None:
        async with gate:
            await work(item)

    await asyncio.gather(*(guarded(i) for i in (range(items) if isinstance(items, int)
                                                  else items)))


# -- the checks -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """Per check: the count of faults found (0 is a pass), and a note when it could not run."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(count == 0 for count in self.counts.values())


def _store(values: dict[str, str]) -> CaseEventStore:
    return CaseEventStore.connect(values["RTW_DATABASE_URL"],
                                  cipher_key=values.get("RTW_EVENT_CIPHER_KEY"),
                                  audit_key=values["RTW_AUDIT_HMAC_KEY"])


def _contacted(record_data: dict[str, Any]) -> datetime | None:
    value = record_data.get("contacted_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


async def settle(stack: Stack, ledger: Ledger, store: CaseEventStore, within: float) -> None:
    """Wait until every acknowledged contact is stored (a 202 is applied a little later)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        missing = 0
        for case_id, sent in ledger.contacts.items():
            stored = {_contacted(r.data) for r in await asyncio.to_thread(store.history,
                                                                           case_id)}
            missing += sum(1 for s in sent if datetime.fromisoformat(s) not in stored)
        if not missing:
            return
        await asyncio.sleep(1)


async def check(stack: Stack, ledger: Ledger, drill: Drill, pids_before: dict[str, int],
                recovered_in: float | None) -> Outcome:
    outcome = Outcome()
    outcome.counts["recovered"] = 0 if recovered_in is not None and stack.alive else 1
    exits = 0
    for name, pid in pids_before.items():
        if name in drill.kills:
            continue
        with contextlib.suppress(LookupError):
            exits += stack.pid(name) != pid
    outcome.counts["no exits"] = exits + (0 if stack.alive else 1)
    outcome.counts["answered"], ledger.unacknowledged = ledger.unacknowledged, 0
    values = stack.values()
    store = await asyncio.to_thread(_store, values)
    try:
        await settle(stack, ledger, store, within=120)
        verified = await asyncio.to_thread(stack.rtw, "audit", "verify", "--all")
        outcome.counts["verify"] = 0 if verified.returncode == 0 else (
            verified.stdout.count("BROKEN") or 1)
        if verified.returncode != 0:
            outcome.notes.append(f"verify: {(verified.stdout + verified.stderr)[-300:]}")
        client = await temporal_client.connect(values["RTW_TEMPORAL_ADDRESS"],
                                               values.get("RTW_TEMPORAL_NAMESPACE", "default"),
                                               payload_keys=values.get("RTW_PAYLOAD_KEYS"),
                                               data_keys=data_keys_of(store))
        unmatched = lost = doubled = timers = 0
        now = datetime.now(UTC)
        for case_id in ledger.opened:
            records = await asyncio.to_thread(store.history, case_id)
            try:
                result = reconcile(await decisions_in_temporal(client, case_id),
                                   decisions_in_store(records))
                unmatched += len(result.only_in_store) + len(result.only_in_temporal)
            except Exception as error:  # a case that cannot be reconciled is a failure
                unmatched += 1
                outcome.notes.append(f"reconcile {case_id}: {type(error).__name__}")
            contacts = Counter(_contacted(r.data) for r in records
                               if r.event_type in ("EarlyContactRecorded", "CheckInRecorded"))
            sent = [datetime.fromisoformat(s) for s in ledger.contacts.get(case_id, [])]
            lost += sum(1 for s in sent if contacts[s] == 0)
            lost += 0 if records and records[0].event_type == "CaseOpened" else 1
            ids = Counter(r.event_id for r in records)
            doubled += sum(n - 1 for n in ids.values()) + sum(
                n - 1 for n in contacts.values())
            fired = Counter((r.event_type, str(r.data.get("deadline_name", "")),
                             str(r.data.get("deadline", "")))
                            for r in records if r.actor_id == TIMER_ACTOR.id)
            timers += sum(n - 1 for n in fired.values())
            ledger.timer_events += sum(fired.values())
            state = state_of(records)
            if state is not None:
                timers += sum(1 for d in open_deadlines(state) if d.due_at < now - TIMER_SLACK)
        outcome.counts["reconcile"] = unmatched
        outcome.counts["lost"] = lost
        outcome.counts["dup events"] = doubled
        outcome.counts["timers"] = timers
        outcome.counts["dup notices"] = await asyncio.to_thread(
            _doubled_notices, values["RTW_DATABASE_URL"],
            {r.event_id for c in ledger.opened for r in store.history(c)})
    finally:
        store.close()
    return outcome


def _doubled_notices(database_url: str, event_ids: set[str]) -> int:
    """Notices written twice (same case, recipient, kind and deadline under two ids), or
    written for an event the store does not hold."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT notice_id, case_id, recipient_role, kind, due_at, escalation_number "
            "FROM rtw_notices"
        ).fetchall()
    same = Counter((str(r[1]), r[2], r[3], r[4], r[5]) for r in rows)
    orphans = sum(1 for r in rows if str(r[0]).split("/", 1)[0] not in event_ids)
    return sum(n - 1 for n in same.values()) + orphans


# -- the run --------------------------------------------------------------------------------


async def run_drill(stack: Stack, drill: Drill, ledger: Ledger, *, pause: float) -> Outcome:
    pids = {name: stack.pid(name) for name in ("worker", "api", "temporal", "postgres")}
    tokens = stack.tokens()
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=10) as http:
        wave = asyncio.create_task(contact_wave(http, tokens, ledger,
                                                give_up_after=pause + 150))
        await asyncio.sleep(0.3)  # some contacts in flight when the fault lands
        started = time.monotonic()
        await drill.fault(stack, pause)
        recovered_in = await _until_healthy(http, within=120)
        if recovered_in is not None:
            recovered_in += time.monotonic() - started
        await wave
    return await check(stack, ledger, drill, pids, recovered_in)


async def _until_healthy(http: httpx.AsyncClient, within: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < within:
        with contextlib.suppress(httpx.HTTPError):
            if (await http.get("/healthz", timeout=3)).status_code == 200:
                return time.monotonic() - started
        await asyncio.sleep(0.3)
    return None


async def run_drills(*, cases: int, pause: float, only: list[str] | None = None,
                     stack: Stack | None = None) -> dict[str, Outcome]:
    """Every drill (or those named in `only`) in turn on one stack; the outcome of each."""
    chosen = [d for d in DRILLS if only is None or d.name in only]
    outcomes: dict[str, Outcome] = {}
    with contextlib.ExitStack() as owned:
        running = stack or owned.enter_context(running_stack())
        ledger = Ledger()
        async with httpx.AsyncClient(base_url=running.api_url, timeout=10) as http:
            await open_cases(http, running.tokens(), cases, ledger)
        for drill in chosen:
            started = time.monotonic()
            ledger.timer_events = 0
            outcome = outcomes[drill.name] = await run_drill(running, drill, ledger, pause=pause)
            contacts = sum(len(sent) for sent in ledger.contacts.values())
            print(f"drill {drill.name}: {'ok' if outcome.passed else 'FAILED'} in "
                  f"{time.monotonic() - started:.0f} s ({len(ledger.opened)} cases, {contacts} "
                  f"contacts acknowledged so far, {ledger.timer_events} timer events)",
                  flush=True)
        if not all(o.passed for o in outcomes.values()):
            print(running.tail(), file=sys.stderr)
    return outcomes


def matrix(outcomes: dict[str, Outcome]) -> str:
    """The failure matrix: a row per drill, a column per check, ✓ or ✗ with the count."""
    width = max(len(name) for name in [*outcomes, "drill"])
    header = "drill".ljust(width) + " | " + " | ".join(CHECKS)
    lines = [header, "-" * len(header)]
    for name, outcome in outcomes.items():
        cells = []
        for column in CHECKS:
            count = outcome.counts.get(column)
            mark = "-" if count is None else ("✓ 0" if count == 0 else f"✗ {count}")
            cells.append(mark.center(len(column)))
        lines.append(name.ljust(width) + " | " + " | ".join(cells))
    notes = [f"  {name}: {note}" for name, o in outcomes.items() for note in o.notes]
    return "\n".join(lines + (["notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drills", description=__doc__)
    parser.add_argument("--cases", type=int, default=50, help="cases in flight (default 50)")
    parser.add_argument("--pause", type=float, default=60.0,
                        help="seconds PostgreSQL stays paused (default 60)")
    parser.add_argument("--only", action="append", choices=[d.name for d in DRILLS],
                        help="run only this drill (repeatable)")
    args = parser.parse_args(argv)
    outcomes = asyncio.run(run_drills(cases=args.cases, pause=args.pause, only=args.only))
    print(matrix(outcomes))
    return 0 if all(o.passed for o in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
