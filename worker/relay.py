"""The relay: delivers what the outbox holds through the configured channel, once each.

It claims due notices (several relays share the outbox safely), renders each one's text from
the case as it stands now (so the outbox itself never holds words), sends it, and marks it.
A failed send is tried again later with growing pauses; after the last attempt, or at once
when trying again cannot help, the notice is marked failed, counted, and shown on its case's
worklist entry. Nothing here holds up a case: the workflows never wait for the relay.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import asyncpg

from domain.notices import NoticeKind
from domain.state import CaseState
from eventstore.replay import state_of
from eventstore.store import CaseEventStore
from infra import bootstrap
from infra.backoff import keep_running
from infra.employers import EmployerDirectory
from infra.metrics import count_notice
from infra.notice_channels.base import DeliveryFailed, NoticeChannel, OutgoingMessage
from infra.notice_texts import NoticeTexts
from infra.settings import Settings
from infra.sign_in_links import SignInLinkKey, pages_url
from readside.outbox import NoticeOutbox, StoredNotice
from worker.process import background_process

log = logging.getLogger(__name__)

# Notices sent at once by one relay; each send's own timeout stays well inside the lease.
RELAY_BATCH = 10


class CaseStates(Protocol):
    """The current state of a case, read from the event store."""

    async def state_of(self, case_id: str) -> CaseState: ...


class NoticeRelay:
    """Sends due notices; run one per worker process, or several: claims never overlap."""

    def __init__(
        self, *, outbox: NoticeOutbox, channel: NoticeChannel, cases: CaseStates,
        texts: NoticeTexts, employers: EmployerDirectory, max_attempts: int,
        lease: timedelta, first_retry: timedelta = timedelta(seconds=30),
        longest_retry: timedelta = timedelta(hours=1),
        sign_in_links: SignInLinks | None = None,
    ) -> None:
        self._outbox = outbox
        self._channel = channel
        self._cases = cases
        self._texts = texts
        self._employers = employers
        self._max_attempts = max_attempts
        self._lease = lease
        self._first_retry = first_retry
        self._longest_retry = longest_retry
        self._sign_in_links = sign_in_links

    async def run(self, stop: asyncio.Event, *, interval: float = 1.0) -> None:
        """Deliver until `stop`; an outage of the database or the channel is waited out."""
        log.info("notice relay sending through the %s channel", self._channel.name)

        async def drain() -> None:
            while not stop.is_set() and await self.deliver_due() == RELAY_BATCH:
                pass  # a full batch: more may be due at once

        await keep_running("notice relay", drain, stop, interval=interval)

    async def close(self) -> None:
        await self._channel.close()

    async def deliver_due(self) -> int:
        """One pass: claim what is due and try each once. Returns how many were claimed."""
        claimed = await self._outbox.claim(limit=RELAY_BATCH, lease=self._lease)
        # A decision's notices are claimed together: each case is read once per pass.
        states: dict[str, asyncio.Task[CaseState]] = {}
        for notice in claimed:
            if notice.case_id not in states:
                states[notice.case_id] = asyncio.ensure_future(
                    self._cases.state_of(notice.case_id))
        if claimed:
            await asyncio.gather(*(self._deliver(notice, states[notice.case_id])
                                   for notice in claimed))
        return len(claimed)

    async def _deliver(self, notice: StoredNotice, state: asyncio.Task[CaseState]) -> None:
        # A send never outlives its lease, or another relay could take the notice meanwhile.
        timeout = self._lease.total_seconds() / 2
        try:
            message = self._message(notice, await state)
            await asyncio.wait_for(self._channel.send(message), timeout=timeout)
        except DeliveryFailed as failed:
            await self._not_sent(notice, failed.reason, permanent=failed.permanent)
        except Exception as error:  # a fault of one notice must not stop the others
            await self._not_sent(notice, type(error).__name__, permanent=False)
        else:
            await self._outbox.mark_sent(notice.notice_id, channel=self._channel.name)
            count_notice(notice.recipient_role, "sent")

    async def _not_sent(self, notice: StoredNotice, reason: str, *, permanent: bool) -> None:
        if permanent or notice.attempts >= self._max_attempts:
            await self._outbox.mark_failed(notice.notice_id, error=reason)
            count_notice(notice.recipient_role, "failed")
            log.warning("notice %s (%s) to %s on case %s given up after %d attempt(s): %s",
                        notice.notice_id, notice.kind.value, notice.recipient_role.value,
                        notice.case_id, notice.attempts, reason)
            return
        await self._outbox.retry_later(notice.notice_id, delay=self._retry_delay(notice.attempts),
                                       error=reason)
        count_notice(notice.recipient_role, "retried")

    def _retry_delay(self, attempts: int) -> timedelta:
        pause: timedelta = self._first_retry * 2 ** min(attempts - 1, 20)
        return min(pause, self._longest_retry)

    def _message(self, notice: StoredNotice, state: CaseState) -> OutgoingMessage:
        person = notice.person(state)
        to = (person.email if person is not None
              else self._employers.mailbox(notice.employer_id, notice.recipient_role))
        text = notice.rendered(state, self._texts, sign_in_url=self._sign_in_url(notice))
        return OutgoingMessage(
            reference=notice.notice_id, kind=notice.kind.value, case_id=notice.case_id,
            employer_id=notice.employer_id, recipient_role=notice.recipient_role.value, to=to,
            subject=text.subject, body=text.body, personalisation=text.fields,
            notify_template_id=self._employers.notify_template(notice.employer_id, notice.kind),
        )

    def _sign_in_url(self, notice: StoredNotice) -> str | None:
        """An employee's sign-in link, written now from the link's id (its notice's event id):
        the outbox keeps the id only."""
        if notice.kind is not NoticeKind.EMPLOYEE_SIGN_IN_LINK:
            return None
        if self._sign_in_links is None:
            raise DeliveryFailed("this relay cannot write sign-in links", permanent=True)
        return self._sign_in_links.url(notice.event_id)


@dataclass(frozen=True)
class SignInLinks:
    """What the relay needs to write an employee's sign-in link: the key its secret is made
    with, and the address of the pages."""

    key: SignInLinkKey
    base_url: str

    def url(self, link_id: str) -> str:
        return self.key.url(self.base_url, link_id)


class StoredCaseStates:
    """Each case's state replayed from the event store with the domain's own rules."""

    def __init__(self, store: CaseEventStore) -> None:
        self._store = store

    async def state_of(self, case_id: str) -> CaseState:
        state = state_of(await asyncio.to_thread(self._store.history, case_id))
        if state is None:
            raise LookupError(f"case {case_id} has no stored events")
        return state


def build_relay(settings: Settings, *, pool: asyncpg.Pool, store: CaseEventStore,
                employers: EmployerDirectory) -> NoticeRelay:
    """The relay as the settings and the employer files describe it (the channel built once)."""
    return NoticeRelay(
        outbox=NoticeOutbox(pool), channel=bootstrap.notice_channel(settings),
        cases=StoredCaseStates(store), texts=NoticeTexts(employers), employers=employers,
        max_attempts=settings.notice_max_attempts,
        lease=timedelta(seconds=settings.relay_lease_seconds),
        sign_in_links=SignInLinks(SignInLinkKey.from_audit_key(store.audit_key),
                                  pages_url(settings)),
    )


async def run_relay(settings: Settings) -> None:
    """`rtw relay`: the relay alone, until SIGINT/SIGTERM (for a deployment that runs it as its
    own process rather than inside each worker)."""
    async with background_process(settings, "rtw-relay") as process:
        relay = build_relay(settings, pool=process.pool, store=process.store,
                            employers=EmployerDirectory.load(settings.employers_dir))
        try:
            await relay.run(process.stop)
        finally:
            await relay.close()
