"""No clinical detail in any notice, on any channel: a case whose every clinical field holds a
marker sends notices of every kind through the log, a real SMTP server and the Notify
stand-in, and the marker is in none of them, nor in the outbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from pydantic import BaseModel

from domain.actors import Actor, Role, Source
from domain.commands import ConfirmEscalation
from domain.decide import decide, open_case
from domain.ids import case_id_for_absence
from domain.notices import NoticeKind
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import Fitness
from eventstore.store import CaseEventStore
from infra.notice_channels import LogChannel, NotifyChannel, SmtpChannel, parse_smtp_url
from infra.notice_channels.base import NoticeChannel
from infra.notice_texts import NoticeTexts
from infra.sign_in_links import SignInLinkKey
from localstack import samples as j
from readside.outbox import NoticeOutbox
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.mail import Mailbox, mail_server
from tests.support.notices import OPENED, CaseWriter, employer_directory
from tests.support.notify_standin import API_KEY, TEMPLATE, notify_standin
from worker.relay import NoticeRelay, SignInLinks, StoredCaseStates

MARKER = "Zq7-CLINICAL"
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)


def marked_case(store: CaseEventStore) -> CaseState:
    """A mental-health absence whose notes, fit-note condition and comments, assessment notes
    and barriers all carry the marker; found unfit for any work (so it escalates), and the
    escalation confirmed (with the marker in the comment)."""
    command = open_command(reason=ReasonCategory.MENTAL_HEALTH)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    at = OPENED + timedelta(hours=1)
    writer = CaseWriter(store)
    state = writer.write([open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR)])
    steps: list[tuple[BaseModel, Actor]] = [
        (j.early_contact(at).model_copy(update={"notes": MARKER}), MANAGER_ACTOR),
        (j.fit_note(OPENED.date()).model_copy(update={"condition": MARKER,
                                                     "comments": MARKER}), MANAGER_ACTOR),
        (j.assessment(at, Fitness.UNFIT_ANY_WORK).model_copy(
            update={"clinical_notes": MARKER, "barriers": [MARKER]}), OH),
        # HR hears of the escalation once a named OH professional confirms it.
        (ConfirmEscalation(escalation_number=1, confirmed_by=MARKER, comment=MARKER), OH),
    ]
    for command_, actor in steps:
        state = writer.write(decide(state, command_, now=at, actor=actor))
    return state


async def add_every_kind(pool: asyncpg.Pool, case_id: str) -> None:
    """A notice of every kind to every role the case's relay could address."""
    rows = [(f"99999999-0000-4000-8000-{n:012d}/1", case_id, kind.value, role.value)
            for n, (kind, role) in enumerate(
                (kind, role) for kind in NoticeKind
                for role in (Role.MANAGER, Role.EMPLOYEE, Role.HR, Role.OH))]
    await pool.executemany(
        "INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind, "
        "recipient_role, due_at) VALUES ($1, $2::uuid, 'acme-trust', split_part($1, '/', 1), "
        "$3, $4, now())", rows)


async def send_everything(pool: asyncpg.Pool, store: CaseEventStore, channel: NoticeChannel,
                          tmp_path: Path) -> None:
    state = await asyncio.to_thread(marked_case, store)
    escalated = await pool.fetch("SELECT kind FROM rtw_notices")
    assert {row["kind"] for row in escalated} == {"case_escalated", "escalation_confirmed_hr"}
    await add_every_kind(pool, state.case_id)
    templates = {kind.value: TEMPLATE for kind in NoticeKind}
    employers = employer_directory(tmp_path, notify_templates=templates)
    relay = NoticeRelay(outbox=NoticeOutbox(pool), channel=channel,
                        cases=StoredCaseStates(store), texts=NoticeTexts(employers),
                        employers=employers, max_attempts=1, lease=timedelta(seconds=30),
                        sign_in_links=SignInLinks(SignInLinkKey.from_audit_key(store.audit_key),
                                                  "https://rtw.example"))
    while await relay.deliver_due():
        pass
    assert await pool.fetchval("SELECT count(*) FROM rtw_notices WHERE status <> 'sent'") == 0
    outbox = await pool.fetch("SELECT * FROM rtw_notices")
    assert MARKER not in repr([dict(row) for row in outbox])


async def test_no_clinical_detail_in_the_log(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="rtw.notices"):
        await send_everything(pool, store, LogChannel(), tmp_path)
    lines = [r.getMessage() for r in caplog.records if r.name == "rtw.notices"]
    assert len(lines) > 4 * len(NoticeKind)
    assert not [line for line in lines if MARKER in line]


async def test_no_clinical_detail_by_email(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path,
) -> None:
    mailbox = Mailbox()
    with mail_server(mailbox) as address:
        channel = SmtpChannel(parse_smtp_url(f"smtp://{address}"),
                              from_address="rtw@acme.example")
        await send_everything(pool, store, channel, tmp_path)
    messages = [m.message.as_string() for m in mailbox.messages()]
    assert len(messages) > 4 * len(NoticeKind)
    assert not [m for m in messages if MARKER in m or "mental" in m.lower()]


async def test_no_clinical_detail_through_notify(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with notify_standin() as (fake, base_url):
        channel = NotifyChannel(API_KEY, base_url=base_url, timeout=5.0)
        try:
            await send_everything(pool, store, channel, tmp_path)
        finally:
            await channel.close()
    assert len(fake.seen) > 4 * len(NoticeKind)
    assert not [seen for seen in fake.seen if MARKER in repr(seen.body)]
