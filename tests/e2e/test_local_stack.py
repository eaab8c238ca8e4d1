"""`rtw run` on a fresh home: serves a case, stops cleanly, and resumes it after a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import free_port
from tests.support.api_harness import absence
from tests.support.mail import Mailbox, mail_server

OH_MAILBOX = "oh-team@acme.example"
HR_MAILBOX = "hr-team@acme.example"


class LocalStack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.api_port = free_port()
        self.temporal_port = free_port()
        self.env = {
            **os.environ,
            "RTW_HOME": str(workdir / ".rtw"),
            "RTW_API_PORT": str(self.api_port),
            "RTW_TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
            "RTW_TEMPORAL_UI_PORT": str(free_port()),
            "RTW_LOCAL_POSTGRES_PORT": str(free_port()),
        }
        self.env.pop("RTW_DATABASE_URL", None)
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "run"],
            cwd=self.workdir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read()  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("rtw run did not become healthy in 90 s")

    def stop(self) -> tuple[int, str]:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=60)
        return self.process.returncode, output

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def token(self, role: str) -> dict[str, str]:
        tokens = json.loads((self.workdir / ".rtw" / "dev-tokens.json").read_text())
        return {"Authorization": f"Bearer {tokens[role]}"}

    def rtw(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=self.workdir,
                              env=self.env, capture_output=True, text=True, timeout=60)


@contextmanager
def stack_mailing_by_smtp(tmp_path: Path, mailbox: Mailbox,
                          **env: str) -> Iterator[LocalStack]:
    """`rtw run` in `tmp_path` sending its notices by SMTP into `mailbox`, with acme-trust's
    OH and HR mailboxes named; `env` adds settings. Killed after the block if still running."""
    employers = tmp_path / "employers"
    employers.mkdir()
    (employers / "acme-trust.json").write_text(json.dumps(
        {"mailboxes": {"oh": OH_MAILBOX, "hr": HR_MAILBOX}}))
    with mail_server(mailbox) as address:
        local = LocalStack(tmp_path)
        local.env.update({
            "RTW_NOTIFY_CHANNEL": "smtp", "RTW_SMTP_URL": f"smtp://{address}",
            "RTW_SMTP_FROM": "rtw <rtw@acme.example>", "RTW_EMPLOYERS_DIR": str(employers),
            **env})
        yield local
        if local.process is not None and local.process.poll() is None:
            local.process.kill()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    local = LocalStack(tmp_path)
    yield local
    if local.process is not None and local.process.poll() is None:
        local.process.kill()


def test_rtw_run_serves_a_case_and_keeps_it_across_a_restart(stack: LocalStack) -> None:
    stack.start()
    body = absence(absence_id="ABS-LOCAL-1", first_day="2026-01-05")
    created = httpx.post(f"{stack.url}/v1/absences", json=body, headers=stack.token("hr"))
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    dev_tokens = stack.workdir / ".rtw" / "dev-tokens.json"
    assert oct(dev_tokens.stat().st_mode & 0o777) == "0o600"

    for _ in range(100):
        replayed = stack.rtw("audit", "replay", case_id)
        if replayed.returncode == 0:
            break
        time.sleep(0.1)
    assert replayed.returncode == 0, replayed.stderr
    assert "CaseOpened" in replayed.stdout and "early_contact" in replayed.stdout
    # The worker projects the KPI facts too: the API, which projects nothing, counts the case.
    for _ in range(100):
        figures = httpx.get(f"{stack.url}/v1/reports/kpis", headers=stack.token("oh")).json()
        if figures["projected_to"]["behind"] == 0 and figures["cases"] == 1:
            break
        time.sleep(0.1)
    assert {m["name"]: m["value"] for m in figures["measures"]}["referrals"] == 1, figures

    code, output = stack.stop()
    assert code == 0, output
    assert "http://127.0.0.1:" in output and "dev-tokens.json" in output
    assert "rtw: stopped" in output

    stack.start()
    again = httpx.get(f"{stack.url}/v1/cases/{case_id}", headers=stack.token("oh"))
    assert again.status_code == 200, again.text
    assert again.json()["stage"] == "early_contact"
    code, _ = stack.stop()
    assert code == 0


def test_audit_replay_refuses_a_malformed_case_id(stack: LocalStack) -> None:
    result = stack.rtw("audit", "replay", "not-a-case")
    assert result.returncode == 2
    assert "CASE_ID must be a case id" in result.stderr


def test_a_killed_worker_is_restarted_and_loses_nothing(stack: LocalStack) -> None:
    stack.start()
    body = absence(absence_id="ABS-LOCAL-KILL", first_day=datetime.now(UTC).date().isoformat())
    case_id = httpx.post(f"{stack.url}/v1/absences", json=body,
                         headers=stack.token("hr")).json()["case_id"]
    assert stack.process is not None
    [worker] = [child for child in psutil.Process(stack.process.pid).children()
                if "worker" in child.cmdline()]
    worker.kill()  # SIGKILL: no chance to finish anything
    worker.wait(10)

    contact = {"contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
               "agreed_contact_frequency_days": 7}
    answered = httpx.post(f"{stack.url}/v1/cases/{case_id}/contact", json=contact,
                          headers=stack.token("manager"), timeout=60)
    assert answered.status_code in (200, 202), answered.text
    for _ in range(100):
        replayed = stack.rtw("audit", "replay", case_id, "--format", "json")
        if replayed.returncode == 0 and "EarlyContactRecorded" in replayed.stdout:
            break
        time.sleep(0.2)
    types = [json.loads(line)["type"] for line in replayed.stdout.splitlines()]
    assert types == ["CaseOpened", "EarlyContactRecorded"]
    code, output = stack.stop()
    assert code == 0
    assert "worker exited" in output and "restarting" in output
