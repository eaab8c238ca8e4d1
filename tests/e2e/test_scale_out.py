"""Scale-out on one machine: two APIs, two workers, one projector and one relay, each its own
`rtw` process, against one Temporal dev server and one PostgreSQL.

100 cases are driven to closure and follow-up over HTTP, each request to the other API than
the one before, ten cases at a time. Then nothing may be lost or doubled: every case closed,
every hash chain holding, the store and Temporal's history agreeing case by case, no event
stored twice, every notice sent once by the one relay, and both read models holding every case.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from bench.journey import STEPS, one_case
from cli.reconcile import report
from eventstore.store import CaseEventStore
from infra import bootstrap
from infra.codec import new_key_spec
from infra.settings import Settings
from infra.tokens import issue_dev_tokens
from tests.conftest import free_port

CASES = 60
AT_ONCE = 10
RECONCILE_AT_ONCE = 8

# About two minutes on a quiet 2-core machine; more when other work shares the cores.
pytestmark = pytest.mark.timeout(420)


class Processes:
    """`rtw` children, each with its own log; all stopped at the end, whatever happened."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: str, **settings: str) -> None:
        with (self.root / f"{name}.log").open("ab") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "cli.main", command], env={**self.env, **settings},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root,
            )
        self.children.append((name, child))

    def rtw(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], env=self.env,
                              cwd=self.root, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def all_running(self) -> None:
        exited = [name for name, child in self.children if child.poll() is not None]
        assert not exited, f"exited early: {exited}\n{self.logs()}"

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name, _ in self.children)

    def stop(self) -> dict[str, int]:
        """SIGTERM to every child at once, then a kill for any still running after 30 s."""
        for _, child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        codes: dict[str, int] = {}
        for name, child in self.children:
            try:
                codes[name] = child.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                codes[name] = child.wait()
        return codes


@contextmanager
def processes(root: Path, env: dict[str, str]) -> Iterator[Processes]:
    running = Processes(root, env)
    try:
        yield running
    finally:
        running.stop()


class AlternatingApis:
    """Posts each request to the next API in turn, and remembers the cases it opened."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self._next = itertools.cycle(clients)
        self.requests = Counter[str]()
        self.opened: list[str] = []

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        client = next(self._next)
        response = await client.post(path, **kwargs)
        self.requests[str(client.base_url)] += 1
        if path == "/v1/absences":
            assert response.status_code == 201, response.text
            self.opened.append(response.json()["case_id"])
        return response


async def until_healthy(urls: list[str], running: Processes) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        for url in urls:
            for _ in range(600):
                running.all_running()
                try:
                    if (await http.get(f"{url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{url} did not become healthy\n{running.logs()}")


async def drive(apis: AlternatingApis, tokens: dict[str, str]) -> None:
    numbers = iter(range(CASES))
    run = uuid.uuid4().hex[:6]

    async def lane() -> None:
        for number in numbers:
            await one_case(cast(httpx.AsyncClient, apis), tokens, run, number)

    await asyncio.gather(*(lane() for _ in range(AT_ONCE)))


async def settled(pool: asyncpg.Pool, running: Processes) -> None:
    """Wait until every projection has reached the last event and no notice is pending."""
    for _ in range(600):
        running.all_running()
        last = await pool.fetchval("SELECT coalesce(max(notification_id), 0) FROM rtw_events")
        behind = await pool.fetchval(
            "SELECT count(*) FROM rtw_projection_positions WHERE position < $1", last)
        named = await pool.fetchval("SELECT count(*) FROM rtw_projection_positions")
        pending = await pool.fetchval(
            "SELECT count(*) FROM rtw_notices WHERE status = 'pending'")
        if named == 4 and behind == 0 and pending == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the projector or the relay did not catch up\n{running.logs()}")


async def test_two_apis_two_workers_one_projector_one_relay_lose_and_double_nothing(
    dev_server_env: WorkflowEnvironment, database_url: str, tmp_path: Path,
) -> None:
    started = time.monotonic()
    tokens = issue_dev_tokens(tmp_path / "tokens.json", tmp_path / "dev-tokens.json")
    api_ports = [free_port(), free_port()]
    temporal_address = dev_server_env.client.service_client.config.target_host
    keys = {
        "RTW_EVENT_CIPHER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "RTW_AUDIT_HMAC_KEY": base64.b64encode(os.urandom(32)).decode(),
        "RTW_PAYLOAD_KEYS": new_key_spec("scale1"),
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RTW_")},
        **keys,
        "RTW_HOME": str(tmp_path),
        "RTW_DATABASE_URL": database_url,
        "RTW_TEMPORAL_ADDRESS": temporal_address,
        "RTW_TASK_QUEUE": f"rtw-scale-{uuid.uuid4().hex[:8]}",
        "RTW_TOKENS_FILE": str(tmp_path / "tokens.json"),
        "RTW_NOTIFY_CHANNEL": "log",
        # Ten cases at a time on two cores: an answer may take longer than the default wait,
        # and a 202 would end a journey that expects each step to be done.
        "RTW_UPDATE_WAIT_SECONDS": "60",
    }
    api_urls = [f"http://127.0.0.1:{port}" for port in api_ports]

    with processes(tmp_path, env) as running:
        schema = await asyncio.to_thread(running.rtw, "schema")
        assert schema.returncode == 0, schema.stderr

        for number, port in enumerate(api_ports, start=1):
            running.start(f"api-{number}", "api", RTW_API_PORT=str(port))
        for number in (1, 2):
            running.start(f"worker-{number}", "worker", RTW_RELAY_IN_WORKER="false",
                          RTW_PROJECTOR_IN_WORKER="false", RTW_METRICS_ADDRESS="")
        running.start("projector", "projector")
        running.start("relay", "relay")
        await until_healthy(api_urls, running)

        limits = httpx.Limits(keepalive_expiry=1.0)
        async with httpx.AsyncClient(base_url=api_urls[0], timeout=90, limits=limits) as one, \
                httpx.AsyncClient(base_url=api_urls[1], timeout=90, limits=limits) as two:
            apis = AlternatingApis([one, two])
            driving = time.monotonic()
            await drive(apis, tokens)
            driven = time.monotonic() - driving
            cases = apis.opened
            assert len(set(cases)) == CASES
            # 1 start and 9 actions a case, half through each API.
            # Each case: the absence and its STEPS actions, alternating between the two APIs.
            half = CASES * (STEPS + 1) // 2
            assert sorted(apis.requests.values()) == [half, half]

            stages = Counter[str]()
            for number, case_id in enumerate(cases):
                http = (one, two)[number % 2]
                shown = await http.get(f"/v1/cases/{case_id}",
                                       headers={"Authorization": f"Bearer {tokens['oh']}"})
                assert shown.status_code == 200, shown.text
                stages[shown.json()["stage"]] += 1
            assert stages == {"closed": CASES}

        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        try:
            await settled(pool, running)
            await check_read_models(pool, cases)
            await check_notices(pool, cases, running)
        finally:
            await pool.close()
        running.all_running()

        verified = await asyncio.to_thread(running.rtw, "audit", "verify", "--all")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        checked = time.monotonic()
        await check_store_and_temporal(env, database_url, temporal_address, keys, cases)
        reconciled = time.monotonic() - checked

        codes = running.stop()
        # uvicorn, once it has shut down on SIGTERM, raises the signal again for its caller.
        clean = {name: (0, -signal.SIGTERM) if name.startswith("api") else (0,)
                 for name in codes}
        assert all(code in clean[name] for name, code in codes.items()), (
            f"{codes}\n{running.logs()}")
    print(f"\n{CASES} cases through 2 APIs and 2 workers in {driven:.1f} s "
          f"({CASES / driven:.1f}/s); reconciled in {reconciled:.1f} s; "
          f"whole test {time.monotonic() - started:.1f} s")


async def check_read_models(pool: asyncpg.Pool, cases: list[str]) -> None:
    worklist = await pool.fetch("SELECT case_id::text, stage FROM rtw_worklist")
    assert {row["case_id"]: row["stage"] for row in worklist} == dict.fromkeys(cases, "closed")
    facts = await pool.fetch("SELECT case_id::text, closed_on FROM rtw_kpi_facts")
    assert sorted(row["case_id"] for row in facts) == sorted(cases)
    assert all(row["closed_on"] is not None for row in facts)
    assert await pool.fetchval("SELECT count(*) FROM rtw_quarantine") == 0


async def check_notices(pool: asyncpg.Pool, cases: list[str], running: Processes) -> None:
    notices = await pool.fetch(
        "SELECT notice_id, case_id::text, status, attempts, channel FROM rtw_notices")
    assert notices, "the journeys queued no notice"
    assert {row["case_id"] for row in notices} <= set(cases)
    assert {(row["status"], row["attempts"], row["channel"]) for row in notices} == {
        ("sent", 1, "log")}
    # The log channel writes one line per send: each notice once, all by the one relay.
    sent = Counter(re.findall(r"notice (\S+) \(", running.log("relay")))
    assert sent == dict.fromkeys((row["notice_id"] for row in notices), 1)
    for name in ("worker-1", "worker-2", "api-1", "api-2", "projector"):
        assert not re.search(r"notice \S+ \(", running.log(name)), name


async def check_store_and_temporal(env: dict[str, str], database_url: str,
                                   temporal_address: str, keys: dict[str, str],
                                   cases: list[str]) -> None:
    """Every case's events contiguous and unique, and the same decisions in Temporal's
    history (what `rtw audit reconcile CASE` checks, here in one process for speed)."""
    settings = Settings(
        database_url=database_url, temporal_address=temporal_address,
        task_queue=env["RTW_TASK_QUEUE"], payload_keys=keys["RTW_PAYLOAD_KEYS"],
        event_cipher_key=keys["RTW_EVENT_CIPHER_KEY"], audit_hmac_key=keys["RTW_AUDIT_HMAC_KEY"],
        home=Path(env["RTW_HOME"]),
    )
    store: CaseEventStore = await bootstrap.open_event_store(settings)
    try:
        histories = {case_id: await asyncio.to_thread(store.history, case_id)
                     for case_id in cases}
    finally:
        store.close()
    event_ids = Counter(record.event_id for records in histories.values() for record in records)
    assert event_ids and max(event_ids.values()) == 1
    for case_id, records in histories.items():
        assert [r.position for r in records] == list(range(1, len(records) + 1)), case_id

    client = await bootstrap.temporal(settings)
    gate = asyncio.Semaphore(RECONCILE_AT_ONCE)

    async def reconciled(case_id: str) -> tuple[int, str]:
        async with gate:
            out = io.StringIO()
            code = await report(client, case_id, histories[case_id], out)
            return code, out.getvalue()

    results = await asyncio.gather(*(reconciled(case_id) for case_id in cases))
    differing = [text for code, text in results if code != 0]
    assert not differing, differing[:3]
