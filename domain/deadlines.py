"""Every deadline of a case, when it falls, and what its passing decides.

The workflow sleeps until the earliest open deadline and then asks `decide_deadline`; each
deadline acted on is remembered in `CaseState.fired`, so none fires twice. A deadline with a
second stage (`…#2`) escalates when it is missed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.actors import Actor, Role
from domain.calendar import local_moment, london_date
from domain.disclosure import OH_ONLY_DEADLINES, shared_deadlines
from domain.events import CaseEvent
from domain.journey.early_contact import (
    ManagerRemindedOfContact,
    MissedContactEscalated,
    early_contact_due,
    early_contact_escalation,
)
from domain.journey.escalation import escalation
from domain.journey.oh_referral import oh_referral
from domain.journey.reminders import ReminderSent, RiskFlagRaised
from domain.policy import Policy
from domain.stages import RAPID_ACCESS_CATEGORIES, RETURNING, WORKING_STAGES, Stage
from domain.state import CaseState

__all__ = [
    "OH_ONLY_DEADLINES", "Deadline", "DeadlineKind", "decide_deadline", "early_contact_due",
    "early_contact_escalation", "next_deadline", "open_deadlines", "shared_deadlines",
]


class DeadlineKind(StrEnum):
    CONTACT_REMINDER = "contact_reminder"
    CONTACT_ESCALATION = "contact_escalation"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    OH_REFERRAL = "oh_referral"
    RISK_FLAG = "risk_flag"


class Deadline(BaseModel):
    """A deadline still open on the case."""

    model_config = ConfigDict(frozen=True)

    key: str = ""
    name: str
    due_at: AwareDatetime
    kind: DeadlineKind = DeadlineKind.REMINDER
    recipients: tuple[Role, ...] = ()
    why: str = ""


def _on(day: date, policy: Policy, at: time | None = None) -> datetime:
    return local_moment(day, at or policy.reminders_at)


def open_deadlines(state: CaseState) -> list[Deadline]:
    """Deadlines not yet met or acted on, earliest first."""
    if state.stage is Stage.CLOSED:
        return []
    found: list[Deadline] = []
    for rule in _RULES:
        found.extend(d for d in rule(state) if d.key not in state.fired)
    return sorted(found, key=lambda d: (d.due_at, d.key))


def next_deadline(state: CaseState) -> Deadline | None:
    deadlines = open_deadlines(state)
    return deadlines[0] if deadlines else None


def _with_second_miss(state: CaseState, first: Deadline, recipients: tuple[Role, ...],
                      cause: str) -> list[Deadline]:
    """A reminder, then (once it has gone out) an escalation if the deadline is missed again."""
    found = [first]
    if first.key in state.fired:
        found.append(
            Deadline(
                key=f"{first.key}#2", name=f"{first.name}_missed_twice",
                due_at=first.due_at + timedelta(days=state.policy.repeat_reminder_days),
                kind=DeadlineKind.ESCALATION, recipients=recipients, why=cause,
            )
        )
    return found


def _contact(state: CaseState) -> list[Deadline]:
    if state.stage is not Stage.EARLY_CONTACT or state.contact_due_at is None:
        return []
    found = [Deadline(key="early_contact_due", name="early_contact_due",
                      due_at=state.contact_due_at, kind=DeadlineKind.CONTACT_REMINDER,
                      recipients=(Role.MANAGER,))]
    if state.contact_escalation_at is not None:
        found.append(Deadline(key="early_contact_escalation", name="early_contact_escalation",
                              due_at=state.contact_escalation_at,
                              kind=DeadlineKind.CONTACT_ESCALATION, recipients=(Role.HR,)))
    return found


def _absence(state: CaseState) -> list[Deadline]:
    absence, policy = state.absence, state.policy
    if absence is None or not state.is_off_work:
        return []
    found: list[Deadline] = []
    if not state.fit_notes:
        day = absence.nth_day(policy.self_certified_days + 1)
        found.append(Deadline(key="fit_note_needed", name="fit_note_needed",
                              due_at=_on(day, policy),
                              recipients=(Role.EMPLOYEE, Role.MANAGER),
                              why=f"day {policy.self_certified_days + 1} of absence and no fit "
                              "note recorded"))
    if state.oh_referral is None:
        day = absence.nth_day(policy.long_term_threshold_days)
        found.append(Deadline(key="long_term_referral", name="long_term_referral",
                              due_at=_on(day, policy), kind=DeadlineKind.OH_REFERRAL,
                              recipients=(Role.OH,),
                              why=f"absence reached {policy.long_term_threshold_days} days: "
                              "long-term, referred to OH"))
    day = absence.nth_day(policy.risk_flag_days)
    found.append(Deadline(key="risk_flag_six_weeks", name="risk_flag_six_weeks",
                          due_at=_on(day, policy), kind=DeadlineKind.RISK_FLAG,
                          recipients=(Role.OH,),
                          why=f"absent {policy.risk_flag_days} days: risk of depression and "
                          "anxiety setting in"))
    note = state.current_fit_note
    if note is not None:
        day = note.ends_on - timedelta(days=policy.fit_note_expiry_notice_days)
        found.append(Deadline(key=f"fit_note_{note.number}_ending", name="fit_note_ending",
                              due_at=_on(day, policy),
                              recipients=(Role.EMPLOYEE, Role.MANAGER),
                              why=f"fit note {note.number} ends on {note.ends_on.isoformat()}"))
    pay = absence.sick_pay
    if pay is not None:
        half = absence.first_day + timedelta(days=pay.full_pay_days)
        nil = half + timedelta(days=pay.half_pay_days)
        for key, drops_on, level in (("sick_pay_half", half, "half"), ("sick_pay_nil", nil, "nil")):
            warn_on = drops_on - timedelta(days=policy.sick_pay_warning_days)
            found.append(Deadline(key=key, name=f"sick_pay_{level}_warning",
                                  due_at=_on(max(warn_on, absence.first_day), policy),
                                  recipients=(Role.HR, Role.EMPLOYEE),
                                  why=f"contractual sick pay drops to {level} pay on "
                                  f"{drops_on.isoformat()}"))
    return found


def _oh(state: CaseState) -> list[Deadline]:
    policy = state.policy
    found: list[Deadline] = []
    if (state.oh_referral is None and state.reason_category in RAPID_ACCESS_CATEGORIES
            and state.stage not in (Stage.REFERRAL, Stage.FOLLOW_UP)):
        found.append(Deadline(key="rapid_access_referral", name="rapid_access_referral",
                              due_at=state.opened_at + timedelta(
                                  days=policy.rapid_access_referral_days),
                              kind=DeadlineKind.OH_REFERRAL, recipients=(Role.OH,),
                              why="musculoskeletal and mental-health cases are referred early"))
    referral = state.oh_referral
    if referral is not None and not any(
        a.assessed_at >= referral.referred_at for a in state.assessments
    ) and state.stage in WORKING_STAGES:
        first = Deadline(key="first_assessment_due", name="first_assessment_due",
                         due_at=referral.assessment_due_at, recipients=(Role.OH,),
                         why="first OH consultation not recorded within "
                         f"{policy.first_assessment_days} days of referral")
        found.extend(_with_second_miss(state, first, (Role.OH,),
                                       "first OH assessment overdue twice"))
    return found


def _check_ins(state: CaseState) -> list[Deadline]:
    if (state.last_contact_at is None or state.contact_frequency_days is None
            or not state.is_off_work or state.stage not in WORKING_STAGES):
        return []
    due = state.last_contact_at + timedelta(days=state.contact_frequency_days)
    first = Deadline(key=f"check_in_{state.contacts_made}", name="check_in_due",
                     due_at=_on(london_date(due), state.policy, state.policy.working_day_ends_at),
                     recipients=(Role.MANAGER,),
                     why=f"keeping-in-touch contact due every {state.contact_frequency_days} days")
    return _with_second_miss(state, first, (Role.OH,), "keeping-in-touch contact missed twice")


def _plan_reviews(state: CaseState) -> list[Deadline]:
    plan = state.plan
    if plan is None or state.stage not in RETURNING:
        return []
    found: list[Deadline] = []
    for day in sorted(plan.content.review_dates):
        if any(reviewed >= day for reviewed in plan.reviewed_on):
            continue
        first = Deadline(key=f"plan_v{plan.version}_review_{day.isoformat()}",
                         name="plan_review_due", due_at=_on(day, state.policy),
                         recipients=(Role.OH, Role.MANAGER),
                         why=f"plan version {plan.version} review due on {day.isoformat()}")
        found.extend(_with_second_miss(state, first, (Role.OH,), "plan review missed twice"))
        break  # one review at a time
    return found


def _phased_return(state: CaseState) -> list[Deadline]:
    phased = state.phased_return
    if phased is None or phased.completed_on is not None or state.stage is not (
        Stage.PHASED_RETURN
    ):
        return []
    for week in phased.weeks:
        if week.week in phased.reviewed_weeks:
            continue
        day = phased.starts_on + timedelta(days=7 * week.week)
        return [Deadline(key=f"phased_week_{week.week}_review", name="phased_return_week_review",
                         due_at=_on(day, state.policy), recipients=(Role.MANAGER, Role.OH),
                         why=f"week {week.week} of the phased return ends; review it")]
    day = phased.starts_on + timedelta(days=7 * len(phased.weeks))
    return [Deadline(key=f"phased_return_end_{len(phased.weeks)}", name="phased_return_ends",
                     due_at=_on(day, state.policy), recipients=(Role.MANAGER, Role.OH),
                     why="the phased return schedule has ended: complete or extend it")]


def _redeployment(state: CaseState) -> list[Deadline]:
    trial = state.redeployment
    if trial is None or trial.conclusion is not None or state.stage is not Stage.REDEPLOYMENT:
        return []
    found: list[Deadline] = []
    for week in state.policy.redeployment_trial_review_weeks:
        if week <= trial.trial_weeks and week not in trial.reviewed_weeks:
            found.append(Deadline(key=f"trial_review_week_{week}", name="trial_review_due",
                                  due_at=_on(trial.starts_on + timedelta(days=7 * week),
                                             state.policy),
                                  recipients=(Role.OH, Role.MANAGER, Role.HR),
                                  why=f"redeployment trial review in week {week}"))
            break
    found.append(Deadline(key="trial_ends", name="trial_ends",
                          due_at=_on(trial.starts_on + timedelta(days=7 * trial.trial_weeks),
                                     state.policy),
                          recipients=(Role.OH, Role.HR),
                          why="the redeployment trial has ended: confirm or revert"))
    return found


def _follow_up(state: CaseState) -> list[Deadline]:
    closure = state.closure
    if state.stage is not Stage.FOLLOW_UP or closure is None or closure.follow_up_due_on is None:
        return []
    return [Deadline(key="follow_up_due", name="follow_up_due",
                     due_at=_on(closure.follow_up_due_on, state.policy), recipients=(Role.OH,),
                     why="check that the return to work was sustained")]


_RULES: tuple[Callable[[CaseState], list[Deadline]], ...] = (
    _contact, _absence, _oh, _check_ins, _plan_reviews, _phased_return, _redeployment,
    _follow_up,
)


def decide_deadline(state: CaseState, key: str, *, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    """What the passing of deadline `key` decides now; nothing if it no longer applies."""
    matching = [d for d in open_deadlines(state) if d.key == key]
    if not matching or matching[0].due_at > now:
        return []
    deadline = matching[0]
    policy = f"policy {state.policy.version}"
    if deadline.kind is DeadlineKind.CONTACT_REMINDER:
        return [ManagerRemindedOfContact(
            occurred_at=now, actor=actor, deadline=deadline.due_at,
            reason=f"no early contact recorded by the deadline {deadline.due_at.isoformat()} "
            f"({policy}: {state.policy.contact_due_working_days} working day(s) after the "
            "absence was reported)")]
    if deadline.kind is DeadlineKind.CONTACT_ESCALATION:
        return [MissedContactEscalated(
            occurred_at=now, actor=actor, deadline=deadline.due_at,
            reason=f"early contact still missing at the escalation deadline "
            f"{deadline.due_at.isoformat()} after a reminder ({policy})")]
    if deadline.kind is DeadlineKind.OH_REFERRAL:
        return [oh_referral(state, cause=deadline.name, now=now, actor=actor,
                            reason=f"{deadline.why} ({policy})", deadline_key=deadline.key)]
    if deadline.kind is DeadlineKind.RISK_FLAG:
        absent_days = (
            state.absence.day_number(london_date(now)) if state.absence else 0
        )
        return [RiskFlagRaised(occurred_at=now, actor=actor, deadline_key=deadline.key,
                               flag=deadline.name, absent_days=absent_days,
                               reason=f"{deadline.why} ({policy})")]
    if deadline.kind is DeadlineKind.ESCALATION:
        return [escalation(state, cause=deadline.why, now=now, actor=actor,
                           deadline_key=deadline.key,
                           reason=f"{deadline.why}: due {deadline.due_at.isoformat()} ({policy})")]
    return [ReminderSent(occurred_at=now, actor=actor, deadline_key=deadline.key,
                         deadline_name=deadline.name, deadline=deadline.due_at,
                         recipients=deadline.recipients,
                         reason=f"{deadline.why}: due {deadline.due_at.isoformat()} ({policy})")]
