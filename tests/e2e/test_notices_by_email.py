"""`rtw run` sending notices by email to a real SMTP server: a late-notified absence reminds its
manager within a minute, once, across a restart; a worker killed between sending a notice and
marking it sends it again once, under the same reference."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.test_local_stack import LocalStack, stack_mailing_by_smtp
from tests.support.api_harness import absence
from tests.support.mail import Delivered, Mailbox


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def stack(tmp_path: Path, mailbox: Mailbox) -> Iterator[LocalStack]:
    # A killed relay's claim runs out in seconds rather than minutes.
    with stack_mailing_by_smtp(tmp_path, mailbox, RTW_RELAY_LEASE_SECONDS="4") as local:
        yield local


def wait_for(check: Callable[[], bool], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {within:.0f} s")


def reference(message: Delivered) -> str:
    return str(message.message["X-RTW-Notice"])


def kill_the_worker_on_first_delivery(stack: LocalStack, mailbox: Mailbox) -> list[str]:
    """Arrange for the first message to kill the worker (its relay) with SIGKILL after the
    server kept it and before the relay hears "250": sent, never marked."""
    killed: list[str] = []

    def kill(delivered: Delivered) -> None:
        if killed or stack.process is None:
            return
        killed.append(reference(delivered))
        for child in psutil.Process(stack.process.pid).children():
            if "worker" in child.cmdline():
                child.kill()

    mailbox.on_delivery = kill
    return killed


def test_a_late_absence_reminds_its_manager_by_email_once_even_through_a_crash(
    stack: LocalStack, mailbox: Mailbox,
) -> None:
    stack.start()
    killed = kill_the_worker_on_first_delivery(stack, mailbox)
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    body = absence(first_day=ten_days_ago, reason_category="mental_health")
    opened = time.monotonic()
    created = httpx.post(f"{stack.url}/v1/absences", json=body, headers=stack.token("hr"))
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    def reminded() -> bool:
        return any(address == body["manager"]["email"] and "early contact" in
                   str(m.message["Subject"]).lower()
                   for m in mailbox.messages() for address in m.rcpt_tos)

    wait_for(reminded, within=60, what="the manager's early-contact reminder")
    assert time.monotonic() - opened < 60
    assert killed, "the first message should have killed the worker"

    # Every notice due now arrives; the one whose sender died arrives again, once.
    def all_sent_and_the_killed_one_again() -> bool:
        counts = Counter(reference(m) for m in mailbox.messages())
        return counts[killed[0]] == 2 and len(counts) >= 3
    wait_for(all_sent_and_the_killed_one_again, within=60,
             what="the notice whose sender was killed, sent again")
    time.sleep(6)  # longer than a lease: nothing else comes back
    # Sends in flight beside it when the worker died were not marked either: each of those
    # went once more too, and nothing went a third time.
    counts = Counter(reference(m) for m in mailbox.messages())
    assert counts[killed[0]] == 2
    assert set(counts.values()) <= {1, 2}, counts
    for ref in counts:
        ids = {str(m.message["Message-ID"]) for m in mailbox.messages() if reference(m) == ref}
        assert len(ids) == 1, ids  # a resend is recognisable as the same message
    assert {ref.split("/")[0] for ref in counts} <= {
        e["event_id"] for e in stack_history(stack, case_id)}
    for message in mailbox.messages():
        assert case_id in message.message.get_content()
        assert "mental" not in message.message.get_content().lower()

    code, output = stack.stop()
    assert code == 0, output
    before = len(mailbox.messages())
    stack.start()
    time.sleep(6)
    assert len(mailbox.messages()) == before  # a restart sends nothing twice
    stack.stop()


def stack_history(stack: LocalStack, case_id: str) -> list[dict[str, str]]:
    history = httpx.get(f"{stack.url}/v1/cases/{case_id}/history",
                        headers=stack.token("auditor"))
    assert history.status_code == 200, history.text
    return list(history.json()["events"])
