"""The absence: HR's notification opens a return-to-work case; an absence can also join a
stay-at-work case later; and the day the employee is back at work, however that is learned."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import Actor, Person, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future
from domain.journey.base import (
    EXAMPLE_ON,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineKind,
    Event,
    Evolution,
    on_day,
)
from domain.journey.early_contact import contact_deadlines
from domain.policy import Policy
from domain.practice import CURRENT_PRACTICE, PRACTICE_V3, follows
from domain.sick_pay.dates import sick_pay_dates
from domain.stages import OPEN_STAGES, Action, ReasonCategory, Stage
from domain.state import Absence, CaseState
from domain.vocabulary import Route

if TYPE_CHECKING:
    from domain.events import CaseEvent


# The input form of values.SickPayEntitlement: what a command may carry.
class SickPayEntitlement(Command):
    """Contractual sick pay left at the start of the absence, in calendar days."""

    full_pay_days: int = Field(ge=0, le=366)
    half_pay_days: int = Field(ge=0, le=366)


class PastAbsenceInput(Command):
    """An earlier absence of the employee at this employer, as HR knows it."""

    first_day: date
    last_day: date | None = Field(
        default=None, description="The last calendar day of absence; none: still going on.")
    reason_category: ReasonCategory | None = None


class EarlierAbsence(PastAbsenceInput):
    """An earlier absence as a case opens with it: one HR reported, or rtw's own case (which
    rtw gathers itself, so an HR system never names a case id)."""

    case_id: str | None = Field(default=None, max_length=100)


class EmploymentInput(Command):
    """What HR says of the employment: the sick-pay rules read it."""

    service_start: date | None = Field(
        default=None, description="The start of continuous (reckonable) service.")
    weekly_hours: float | None = Field(default=None, ge=0, le=168)
    role_title: str | None = Field(default=None, min_length=1, max_length=200)
    average_weekly_earnings_pence: int | None = Field(default=None, ge=0, le=10_000_000)
    qualifying_days: tuple[int, ...] | None = Field(
        default=None, min_length=1, max_length=7,
        description="The days of the week Statutory Sick Pay is paid for, as ISO weekday "
        "numbers (Monday 1 .. Sunday 7); none: Monday to Friday.")


MAX_PAST_ABSENCES = 200


class OpenCase(Command):
    """Open a return-to-work case from an HR absence notification."""

    employer_id: str = Field(min_length=1, max_length=100)
    absence_id: str = Field(min_length=1, max_length=100)
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy
    sick_pay: SickPayEntitlement | None = None
    reported_on: date | None = Field(
        default=None,
        description="The day the employee reported the absence; early contact is due from "
        "it. Unless given, the first day of absence: an absence HR notifies days late is "
        "already due for contact.")
    employment: EmploymentInput | None = None
    previous_absences: tuple[EarlierAbsence, ...] = Field(
        default=(), max_length=MAX_PAST_ABSENCES,
        description="The employee's earlier absences at this employer (rtw's own and any HR "
        "reports from before rtw), newest first.")


class RecordAbsence(Command):
    """A stay-at-work case's employee went off sick: the case continues on the absence path."""

    absence_id: str = Field(min_length=1, max_length=100)
    first_day: date
    sick_pay: SickPayEntitlement | None = None
    employment: EmploymentInput | None = None
    previous_absences: tuple[EarlierAbsence, ...] = Field(
        default=(), max_length=MAX_PAST_ABSENCES,
        description="The employee's earlier absences at this employer, newest first.")


class CaseOpened(Event):
    """HR notified an absence and the case began, under the policy then in force."""

    type: Literal["CaseOpened"] = "CaseOpened"
    event_version: Literal[4] = 4
    case_id: str
    employer_id: str
    absence_id: str
    employee: values.Person
    manager: values.Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy
    sick_pay: values.SickPayEntitlement | None = None
    reported_on: date | None = None
    """The day the absence was reported, from which early contact is due; None (every
    version 1 event): the day the case was opened."""
    practice: int = 0
    """The version of the practice rules the case follows (`domain.practice`); 0 for every
    case opened before version 3 of this event."""
    employment: values.Employment | None = None
    previous_absences: tuple[values.PastAbsence, ...] = ()
    """The employee's earlier absences at the employer when the case opened, newest first."""


class AbsenceStarted(Event):
    """The employee of a stay-at-work case went off sick: same case, absence path."""

    type: Literal["AbsenceStarted"] = "AbsenceStarted"
    event_version: Literal[2] = 2
    absence_id: str
    first_day: date
    sick_pay: values.SickPayEntitlement | None = None
    employment: values.Employment | None = None
    previous_absences: tuple[values.PastAbsence, ...] = ()
    """The employee's earlier absences at the employer when the absence began, newest first."""


def open_case(command: OpenCase, *, case_id: str, now: datetime, actor: Actor,
              reported_when_opened: bool = False, practice: int = CURRENT_PRACTICE
              ) -> CaseOpened:
    """An absence notified by HR opens a return-to-work case. `reported_when_opened`: as
    cases opened before `reported_on` existed, early contact is due from the opening day.
    `practice`: the version of the practice rules the case will follow."""
    if command.reported_on is not None:
        check_day_not_in_future("reported_on", command.reported_on, now)
    reported_on = command.reported_on or command.first_day
    return CaseOpened(
        case_id=case_id,
        occurred_at=now,
        actor=actor,
        reason=f"absence notified by HR; policy {command.policy.version} in force",
        employer_id=command.employer_id,
        absence_id=command.absence_id,
        employee=command.employee,
        manager=command.manager,
        first_day=command.first_day,
        reason_category=command.reason_category,
        policy=command.policy,
        sick_pay=command.sick_pay,
        reported_on=None if reported_when_opened else reported_on,
        practice=practice,
        employment=command.employment,
        previous_absences=command.previous_absences,
    )


def record_absence(
    state: CaseState, command: RecordAbsence, now: datetime, actor: Actor
) -> list[CaseEvent]:
    """A stay-at-work case becomes an absence; the same notification again changes nothing."""
    if state.absence is not None:
        if state.absence.absence_id == command.absence_id:
            return []
        raise InvalidCommand(
            "absence_id", f"the case already follows absence {state.absence.absence_id}"
        )
    if state.route is not Route.STAY_AT_WORK:
        raise InvalidCommand("absence_id", "only a stay-at-work case can take on an absence")
    return [
        AbsenceStarted(
            occurred_at=now,
            actor=actor,
            reason="the employee of a stay-at-work case went off sick; the case continues",
            absence_id=command.absence_id,
            first_day=command.first_day,
            sick_pay=command.sick_pay,
            employment=command.employment,
            previous_absences=command.previous_absences,
        )
    ]


def case_opened(event: CaseOpened) -> CaseState:
    """The first state of a return-to-work case, with its early-contact deadlines. Contact is
    due from the day the absence was reported; if that is past already, the manager is
    reminded at once, and HR hears of a missed contact only after the manager has had the
    policy's working days from the reminder."""
    reported_on = event.reported_on or london_date(event.occurred_at)
    due, escalation = contact_deadlines(reported_on, event.occurred_at, event.policy)
    return CaseState(
        case_id=event.case_id, version=1, route=Route.RETURN_TO_WORK, stage=Stage.EARLY_CONTACT,
        employer_id=event.employer_id, employee=event.employee, manager=event.manager,
        reason_category=event.reason_category, policy=event.policy, practice=event.practice,
        opened_at=event.occurred_at,
        absence=Absence(absence_id=event.absence_id, first_day=event.first_day,
                        reported_on=reported_on, sick_pay=event.sick_pay,
                        previous_absences=event.previous_absences,
                        employment=event.employment),
        contact_due_at=due,
        contact_escalation_at=escalation,
    )


def _absence_started(state: CaseState, event: AbsenceStarted) -> Changes:
    """The case follows the absence. Under the practice rules the line manager's early
    contact is due as for a newly notified absence, counted from its first day."""
    person = {"previous_absences": event.previous_absences, "employment": event.employment}
    if not follows(state):
        return {"absence": Absence(absence_id=event.absence_id, first_day=event.first_day,
                                   sick_pay=event.sick_pay, **person)}
    due, escalation = contact_deadlines(event.first_day, event.occurred_at, state.policy)
    return {"absence": Absence(absence_id=event.absence_id, first_day=event.first_day,
                               reported_on=event.first_day, sick_pay=event.sick_pay, **person),
            "contact_due_at": due, "contact_escalation_at": escalation}


def back_at_work(state: CaseState, day: date) -> Changes:
    """The employee is back (fully or phased) from `day`; the first such day counts."""
    if state.absence is None or state.absence.returned_on is not None:
        return {}
    return {"absence": state.absence.model_copy(update={"returned_on": day})}


def deadlines(state: CaseState) -> list[Deadline]:
    """While the employee is off work: a fit note needed, long-term referral, the risk flag,
    a fit note ending, sick pay dropping."""
    absence, policy = state.absence, state.policy
    if absence is None or not state.is_off_work:
        return []
    found: list[Deadline] = []
    if not state.fit_notes:
        day = absence.nth_day(policy.self_certified_days + 1)
        found.append(Deadline(key="fit_note_needed", name="fit_note_needed",
                              due_at=on_day(day, policy),
                              recipients=(Role.EMPLOYEE, Role.MANAGER),
                              why=f"day {policy.self_certified_days + 1} of absence and no fit "
                              "note recorded"))
    if state.oh_referral is None:
        day = absence.nth_day(policy.long_term_threshold_days)
        found.append(Deadline(key="long_term_referral", name="long_term_referral",
                              due_at=on_day(day, policy), kind=DeadlineKind.OH_REFERRAL,
                              recipients=(Role.OH,),
                              why=f"absence reached {policy.long_term_threshold_days} days: "
                              "long-term, referred to OH"))
    day = absence.nth_day(policy.risk_flag_days)
    found.append(Deadline(key="risk_flag_six_weeks", name="risk_flag_six_weeks",
                          due_at=on_day(day, policy), kind=DeadlineKind.RISK_FLAG,
                          recipients=(Role.OH,),
                          why=f"absent {policy.risk_flag_days} days: risk of depression and "
                          "anxiety setting in"))
    note = state.current_fit_note
    if note is not None:
        day = note.ends_on - timedelta(days=policy.fit_note_expiry_notice_days)
        found.append(Deadline(key=f"fit_note_{note.number}_ending", name="fit_note_ending",
                              due_at=on_day(day, policy),
                              recipients=(Role.EMPLOYEE, Role.MANAGER),
                              why=f"fit note {note.number} ends on {note.ends_on.isoformat()}"))
    if follows(state, PRACTICE_V3):
        found.extend(_sick_pay_deadlines(state))
        return found
    pay = absence.sick_pay
    if pay is not None:
        half = absence.first_day + timedelta(days=pay.full_pay_days)
        nil = half + timedelta(days=pay.half_pay_days)
        for key, drops_on, level in (("sick_pay_half", half, "half"), ("sick_pay_nil", nil, "nil")):
            warn_on = drops_on - timedelta(days=policy.sick_pay_warning_days)
            found.append(Deadline(key=key, name=f"sick_pay_{level}_warning",
                                  due_at=on_day(max(warn_on, absence.first_day), policy),
                                  recipients=(Role.HR, Role.EMPLOYEE),
                                  why=f"contractual sick pay drops to {level} pay on "
                                  f"{drops_on.isoformat()}"))
    return found


def _sick_pay_deadlines(state: CaseState) -> list[Deadline]:
    """Practice version 3: the sick pay dates come from rules (`domain.sick_pay.dates`). HR and
    the employee are warned before contractual pay drops to half and to nil and before SSP
    ends; HR is reminded when form SSP1 is due."""
    dates, absence, policy = sick_pay_dates(state), state.absence, state.policy
    if dates is None or absence is None:
        return []
    found: list[Deadline] = []
    warn = timedelta(days=policy.sick_pay_warning_days)
    # Each warned ahead of the first day without the pay; the reason names the day it shows.
    for key, name, first_without, drops, what in (
            ("sick_pay_half", "sick_pay_half_warning", dates.half_pay_from,
             dates.half_pay_from, "contractual sick pay drops to half pay on"),
            ("sick_pay_nil", "sick_pay_nil_warning", dates.nil_pay_from, dates.nil_pay_from,
             "contractual sick pay drops to nil pay on"),
            ("ssp_ending", "ssp_ending_warning", dates.ssp_stops_from, dates.ssp.ends_on,
             "Statutory Sick Pay is paid up to")):
        if first_without is None or drops is None:
            continue
        found.append(Deadline(key=key, name=name,
                              due_at=on_day(max(first_without.on - warn, absence.first_day),
                                            policy),
                              recipients=(Role.HR, Role.EMPLOYEE),
                              why=f"{what} {drops.on.isoformat()}: {drops.rule} "
                              f"({drops.source})"))
    ssp1 = dates.ssp.ssp1_due_on
    if ssp1 is not None:
        found.append(Deadline(key="ssp1_due", name="ssp1_due",
                              due_at=on_day(max(ssp1.on, absence.first_day), policy),
                              recipients=(Role.HR,),
                              why=f"{ssp1.rule}, {ssp1.on.isoformat()} ({ssp1.source})"))
    return found


EVOLUTION: Evolution = {AbsenceStarted: _absence_started}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_ABSENCE: ActionRule(
        command=RecordAbsence, decide=record_absence, roles=frozenset({Role.HR}),
        stages=OPEN_STAGES, routes=frozenset({Route.STAY_AT_WORK}),
        example={"absence_id": "ABS-2026-000124", "first_day": EXAMPLE_ON},
    ),
}
