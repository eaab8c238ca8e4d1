"""A notice delivered twice (a retried activity) is stored once."""

from __future__ import annotations

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.notify import NotifyActivities
from domain.actors import Role
from domain.ids import case_id_for_absence
from readside.outbox import OutboxChannel
from readside.schema import ensure_schema
from tests.support.builders import MANAGER
from workflows.payloads import NotificationInput


async def test_a_retried_notification_is_recorded_once(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await ensure_schema(pool)
        notify = NotifyActivities(OutboxChannel(pool))
        notice = NotificationInput(
            notification_id="3f2b9c1e-0000-4000-8000-000000000001/1",
            case_id=case_id_for_absence("acme-trust", "ABS-1"),
            employer_id="acme-trust",
            recipient_role=Role.MANAGER,
            recipient=MANAGER,
            subject="Reminder: early contact is due",
            body="Please make early contact.",
        )
        env = ActivityEnvironment()
        first = await env.run(notify.send_notification, notice)
        retried = await env.run(notify.send_notification, notice)

        assert (first, retried) == (True, False)
        assert await pool.fetchval("SELECT count(*) FROM rtw_outbox") == 1
    finally:
        await pool.close()
