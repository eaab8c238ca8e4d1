"""The community route: a person referred to a community vocational rehabilitation service (a
primary-care service run by an occupational therapist, or a fit-note service for people in or
out of work) by their GP, a link worker, a fit note or themselves. No employer is involved and
the person has no line manager on the case.

The organisation running the service stands where the employer stands on the other routes: the
case's `employer_id` is the provider's id, so its policy (and its staff's mailboxes) apply. The
service triages the referral against its criteria as it triages a stay-at-work referral
(`domain.journey.referral`); the plan is agreed by the person and the service; the steps only a
line manager or an employer takes (early contact, answering a fit note's advice, a redeployment
to a vacancy, an absence from HR) are refused on the case with the reason. A fit note that
triggered the referral is the case's first fit note.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain import values
from domain.actors import Actor, Person
from domain.errors import ActionNotAllowed, CaseError, InvalidCommand
from domain.journey.base import TEXT, Command, Event
from domain.journey.fit_note import FitNoteRecorded, RecordFitNote, record_fit_note
from domain.policy import Policy
from domain.practice import CURRENT_PRACTICE, follows
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState, FitNote, ProposedAdjustment, Referral
from domain.vocabulary import (
    FitNoteAssessment,
    FitNoteOption,
    IssuerProfession,
    ReferralSource,
    Route,
)

COMMUNITY_SOURCES = frozenset(
    {ReferralSource.GP, ReferralSource.LINK_WORKER, ReferralSource.SELF, ReferralSource.FIT_NOTE}
)
"""Who refers a person to a community service."""


class ReceiveCommunityReferral(Command):
    """Open a community case: a person referred to the service, with no employer involved."""

    provider_id: str = Field(min_length=1, max_length=100, description="The organisation "
                             "running the service (its policy applies; stored as employer_id).")
    referral_id: str = Field(min_length=1, max_length=100)
    person: Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    in_work: bool = Field(description="Whether the person is in work (possibly off sick) or "
                          "out of work when referred.")
    policy: Policy
    summary: str | None = Field(default=None, max_length=TEXT, description="OH only.")
    fit_note: RecordFitNote | None = Field(
        default=None, description="The fit note that triggered the referral, if one did.")

    @model_validator(mode="after")
    def _source_of_the_route(self) -> ReceiveCommunityReferral:
        if self.source not in COMMUNITY_SOURCES:
            raise ValueError("a community referral comes from: "
                             + ", ".join(sorted(s.value for s in COMMUNITY_SOURCES)))
        return self


class TriggeringFitNote(BaseModel):
    """The fit note a community referral arrived with, as the case recorded it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: tuple[FitNoteOption, ...] = ()
    starts_on: date
    ends_on: date
    condition: str | None = None
    comments: str | None = None
    assess_again: bool = False
    warnings: tuple[str, ...] = ()


class CommunityReferralReceived(Event):
    """A community referral opened the case: a person, the service, no employer."""

    type: Literal["CommunityReferralReceived"] = "CommunityReferralReceived"
    case_id: str
    provider_id: str
    referral_id: str
    person: values.Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    in_work: bool
    policy: Policy
    practice: int
    summary: str | None = None
    fit_note: TriggeringFitNote | None = None


class NoEmployerInvolved(ActionNotAllowed):
    """A step only an employer or a line manager takes, asked of a community case."""

    def __init__(self, action: Action, stage: Stage, why: str) -> None:
        CaseError.__init__(self, f"'{action.value}' is not taken on a community case: {why}")
        self.action, self.stage, self.allowed = action.value, stage.value, []


def receive_community_referral(
    command: ReceiveCommunityReferral, *, case_id: str, now: datetime, actor: Actor,
    practice: int = CURRENT_PRACTICE,
) -> CommunityReferralReceived:
    """A referral to a community service opens a case awaiting the service's triage. A fit
    note it arrived with is checked as any fit note is (`domain.journey.fit_note`)."""
    note = _triggering_note(command, now, actor)
    status = "in work" if command.in_work else "out of work"
    return CommunityReferralReceived(
        case_id=case_id, occurred_at=now, actor=actor,
        reason=f"community referral ({command.source.value}; {status}); no employer involved; "
        f"policy {command.policy.version} of the service in force"
        + (f"; triggered by a fit note from {note.starts_on.isoformat()}" if note else ""),
        provider_id=command.provider_id, referral_id=command.referral_id,
        person=values.Person.model_validate(command.person.model_dump()),
        source=command.source, reason_category=command.reason_category,
        referred_on=command.referred_on, in_work=command.in_work, policy=command.policy,
        practice=practice, summary=command.summary, fit_note=note,
    )


def _triggering_note(command: ReceiveCommunityReferral, now: datetime, actor: Actor
                     ) -> TriggeringFitNote | None:
    given = command.fit_note
    if given is None:
        return None
    # The fit note rules decide on the note as on any other: checked against an empty case of
    # the same policy, the events they produce give the note as recorded.
    blank = CaseState(case_id="-", version=0, route=Route.COMMUNITY, stage=Stage.REFERRAL,
                      employer_id=command.provider_id,
                      employee=values.Person.model_validate(command.person.model_dump()),
                      manager=None, reason_category=command.reason_category,
                      policy=command.policy, opened_at=now)
    try:
        recorded = next(e for e in record_fit_note(blank, given, now, actor)
                        if isinstance(e, FitNoteRecorded))
    except InvalidCommand as refused:
        raise InvalidCommand(f"fit_note.{refused.field}", refused.reason) from None
    return TriggeringFitNote.model_validate(recorded.model_dump(
        include=set(TriggeringFitNote.model_fields)))


def community_referral_received(event: CommunityReferralReceived) -> CaseState:
    """The first state of a community case: the service's triage is next; no line manager."""
    note = event.fit_note
    fit_notes = () if note is None else (FitNote(number=1, **note.model_dump()),)
    proposed: tuple[ProposedAdjustment, ...] = ()
    if note is not None and note.assessment is FitNoteAssessment.MAY_BE_FIT and follows(event):
        proposed = tuple(ProposedAdjustment(option=o, fit_note_number=1) for o in note.options)
    return CaseState(
        case_id=event.case_id, version=1, route=Route.COMMUNITY, stage=Stage.REFERRAL,
        employer_id=event.provider_id, employee=event.person, manager=None,
        reason_category=event.reason_category, policy=event.policy, practice=event.practice,
        opened_at=event.occurred_at,
        referral=Referral(referral_id=event.referral_id, source=event.source,
                          referred_on=event.referred_on, in_work=event.in_work),
        fit_notes=fit_notes, proposed_adjustments=proposed,
    )


def is_community(state: CaseState) -> bool:
    return state.route is Route.COMMUNITY


# The steps only an employer or a line manager takes, and why a community case has none.
_EMPLOYER_ONLY: dict[Action, str] = {
    Action.RECORD_EARLY_CONTACT: "early contact is the line manager's, and the person has "
    "none; the service's contacts are check-ins",
    Action.PROCEED_TO_ASSESSMENT: "there is no manager's early contact to go on without",
    Action.ACCEPT_FIT_NOTE_ADVICE: "a fit note's advice is answered by an employer, and none "
    "is involved; the plan takes it up",
    Action.DECLINE_FIT_NOTE_ADVICE: "a fit note's advice is answered by an employer, and none "
    "is involved; the plan takes it up",
    Action.START_REDEPLOYMENT_TRIAL: "redeployment is to an employer's vacancy, and no "
    "employer is involved",
}


def is_employer_step(state: CaseState, action: Action) -> bool:
    """Whether `action` is a step only an employer or a line manager takes, on a community
    case (which therefore never offers it)."""
    return is_community(state) and action in _EMPLOYER_ONLY


def check_not_employer_step(state: CaseState, action: Action) -> None:
    """Refuse, whatever the stage, a step a community case never takes, saying why."""
    if is_employer_step(state, action):
        raise NoEmployerInvolved(action, state.stage, _EMPLOYER_ONLY[action])
