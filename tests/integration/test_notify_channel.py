"""The GOV.UK Notify channel: the official client sends real HTTP to a local stand-in for
Notify that checks what Notify checks (the path, the JSON, the signed token)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from infra.notice_channels import DeliveryFailed, NotifyChannel, OutgoingMessage
from localstack.temporal import free_port
from tests.support.notify_standin import (
    API_KEY,
    SERVICE_ID,
    TEMPLATE,
    FakeNotify,
    notify_standin,
)


@pytest.fixture
async def notify(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeNotify, str]]:
    # requests honours proxy variables: the stand-in is on this machine, never behind one.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with notify_standin() as (fake, base_url):
        yield fake, base_url


@pytest.fixture
async def channel(notify: tuple[FakeNotify, str]) -> AsyncIterator[NotifyChannel]:
    notify_channel = NotifyChannel(API_KEY, base_url=notify[1], timeout=5.0)
    yield notify_channel
    await notify_channel.close()


def notice(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "reference": "ntc/4f2a/1", "kind": "early_contact_due", "case_id": "case-77",
        "employer_id": "acme-trust", "recipient_role": "manager",
        "to": "jo.bloggs@acme.example", "subject": "unused by Notify", "body": "unused",
        "personalisation": {"employee_name": "Zoë Patel", "due": "Tuesday 3 March"},
        "notify_template_id": TEMPLATE,
    }
    return OutgoingMessage(**(values | changes))


async def test_a_notice_is_posted_to_notify_signed_with_the_key(
    notify: tuple[FakeNotify, str], channel: NotifyChannel,
) -> None:
    fake, _ = notify

    await channel.send(notice())

    [seen] = fake.seen
    assert seen.body == {
        "email_address": "jo.bloggs@acme.example", "template_id": TEMPLATE,
        "personalisation": {"employee_name": "Zoë Patel", "due": "Tuesday 3 March"},
        "reference": "ntc/4f2a/1",
    }
    assert seen.claims["iss"] == SERVICE_ID
    assert abs(time.time() - seen.claims["iat"]) < 30


async def test_a_template_notify_does_not_know_fails_for_good(channel: NotifyChannel) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(notice(notify_template_id="00000000-0000-4000-8000-000000000400"))

    assert failed.value.permanent
    assert failed.value.reason == "GOV.UK Notify answered 400: Template not found"


@pytest.mark.parametrize("status", [429, 500])
async def test_a_busy_or_failing_notify_fails_for_now(
    channel: NotifyChannel, status: int,
) -> None:
    with pytest.raises(DeliveryFailed, match=f"answered {status}") as failed:
        await channel.send(notice(notify_template_id=f"00000000-0000-4000-8000-000000000{status}"))

    assert not failed.value.permanent


async def test_a_key_notify_refuses_fails_for_now(
    notify: tuple[FakeNotify, str],
) -> None:
    """403 is not permanent: the key (or the clock) is wrong, not the notice; once corrected,
    the notices still waiting go out."""
    wrong_key = f"rtw_test-{SERVICE_ID}-{uuid.UUID(int=7)}"
    channel = NotifyChannel(wrong_key, base_url=notify[1], timeout=5.0)

    with pytest.raises(DeliveryFailed, match="answered 403") as failed:
        await channel.send(notice())
    await channel.close()

    assert not failed.value.permanent
    assert notify[0].seen == []


async def test_notify_out_of_reach_fails_for_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    channel = NotifyChannel(API_KEY, base_url=f"http://127.0.0.1:{free_port()}", timeout=5.0)

    with pytest.raises(DeliveryFailed, match="could not reach") as failed:
        await channel.send(notice())
    await channel.close()

    assert not failed.value.permanent
