"""The notification activity of cases that started before the outbox.

Today's cases write their notices with their events, in one append; the relay sends them.
A case that started earlier keeps scheduling this activity until it continues as new (its
recorded commands must replay unchanged), so the activity stays, and puts each notice in the
same outbox for the relay.
"""

from __future__ import annotations

from typing import Protocol

from temporalio import activity

from workflows.payloads import SEND_NOTIFICATION, NotificationInput


class LegacyNotices(Protocol):
    """The outbox, as older cases reach it. Must keep one row per notification id."""

    async def put_legacy(self, notification: NotificationInput) -> bool: ...


class NotifyActivities:
    """Puts each notice of an older case in the outbox, once."""

    def __init__(self, outbox: LegacyNotices) -> None:
        self._outbox = outbox

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, input: NotificationInput) -> bool:
        return await self._outbox.put_legacy(input)
