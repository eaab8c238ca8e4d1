"""A case's history as its record stood at a moment or position: one read for the JSON history
route and the auditor's page, so both show the same events replayed by the same rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from eventsourcing.persistence import MapperDeserialisationError

from api.case_calls import check_case_employer, not_found
from api.problems import Problem
from api.record_check import checked_history
from api.services import Services
from api.tenancy import check_employer
from domain.disclosure import WITHHELD, audit_sees_clinical, event_for_audit
from domain.evolve import ReplayError
from eventstore.records import CaseEventRecord
from eventstore.replay import CaseErased, ReplayStep, as_the_record_stood, replay, state_of
from eventstore.view import EventView
from infra.tokens import Principal


@dataclass(frozen=True)
class HistoryAsItStood:
    """The steps kept (each event with the case state after it) and how many events the case
    has recorded in all, so a reader can say how many a moment leaves out."""

    steps: list[ReplayStep]
    recorded: int


async def history_as_it_stood(
    services: Services, case_id: uuid.UUID, *, as_of: datetime | None, position: int | None,
    principal: Principal | None = None, checked: bool = True,
) -> HistoryAsItStood:
    """The case's events up to `as_of` and `position`, replayed; a 404 problem for a case with
    no events, or (given the `principal`) of an employer it does not act for; a 500 problem
    for a stored event that no longer decrypts or decodes, or for events the workflow's rules
    cannot replay."""
    try:
        # Checked against the chain, unless the caller shows the chain's verdict beside the
        # events (the auditor's page), where a changed event is the evidence to be seen.
        records = (await checked_history(services, case_id) if checked else
                   await services.read_store(services.store.history, str(case_id)))
    except Problem as failed:
        if principal is not None:
            # A record that fails its chain is still another employer's case to a reader who
            # does not act for it: the same 404 as any, never a sign that the case exists.
            await check_case_employer(services, principal, case_id)
        raise failed from None
    except MapperDeserialisationError:
        raise Problem(500, "History cannot be read", "a stored event of the case cannot be "
                      "decrypted or decoded; verify the case's chain") from None
    if not records:
        raise not_found(case_id)
    if principal is not None:
        check_employer(principal, _employer_of(records, case_id), case_id)
    kept = as_the_record_stood(records, as_of=as_of, position=position)
    try:
        steps = replay(kept)
    except ReplayError as error:
        raise Problem(500, "History cannot be replayed", str(error)) from None
    return HistoryAsItStood(steps=steps, recorded=len(records))


def _employer_of(records: list[CaseEventRecord], case_id: uuid.UUID) -> str:
    """The employer the case's opening event names (a community case: its provider)."""
    try:
        opened = state_of(records[:1])
    except CaseErased:
        # Nothing of an erased case can be read, not even its employer: it answers as a missing
        # case here; the audit export shows its erasure (when, why, who asked).
        raise not_found(case_id) from None
    except ReplayError as error:
        raise Problem(500, "History cannot be replayed", str(error)) from None
    if opened is None:
        raise not_found(case_id)
    return opened.employer_id


@dataclass(frozen=True)
class AuditRead:
    """Who reads a case's history for an audit, and the purpose they named (checked by
    `api.audit_params.audit_purpose`)."""

    principal: Principal
    purpose: str | None = None

    @property
    def clinical(self) -> bool:
        """Whether this read shows clinical content (`domain.disclosure.audit_sees_clinical`)."""
        return audit_sees_clinical(self.principal.role, self.purpose)


def audited_view(view: EventView, *, clinical: bool) -> EventView:
    """The event as an audit reads it (`domain.disclosure.event_for_audit`): the same view
    with the clinical reason and fields withheld unless the read is `clinical`."""
    audited = event_for_audit(view.type, view.data, view.reason, clinical=clinical)
    if not audited.withheld:
        return view
    deadline = audited.data.get("deadline")
    return replace(view, data=audited.data, reason=audited.reason,
                   deadline=deadline if isinstance(deadline, str) and
                   deadline != WITHHELD else None)


def withheld_of(view: EventView, *, clinical: bool) -> tuple[str, ...]:
    """The names of what an audit does not read of the event (empty when clinical)."""
    return event_for_audit(view.type, view.data, view.reason, clinical=clinical).withheld


async def history_for_audit(
    services: Services, case_id: uuid.UUID, read: AuditRead, *, as_of: datetime | None,
    position: int | None, checked: bool = True,
) -> HistoryAsItStood:
    """The history an audit reads: of a case of the reader's employers only (404 otherwise),
    the events' clinical content withheld unless `read.clinical` (callers show each step's
    `audited_view`)."""
    return await history_as_it_stood(services, case_id, as_of=as_of, position=position,
                                     principal=read.principal, checked=checked)
