"""Every deadline of a case, when it falls, and what its passing decides.

Each stage module says when its own deadlines fall (`deadlines(state)`); this module gathers
them. The workflow sleeps until the earliest open deadline and then asks `decide_deadline`; each
deadline acted on is remembered in `CaseState.fired`, so none fires twice. A deadline with a
second stage (`…#2`) escalates when it is missed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.absence_pattern import deadlines as absence_pattern_deadlines
from domain.actors import Actor
from domain.calendar import london_date
from domain.disclosure import OH_ONLY_DEADLINES, shared_deadlines
from domain.events import CaseEvent
from domain.journey import (
    absence,
    appointments,
    closure,
    early_contact,
    medical_reports,
    oh_referral,
    phased_return,
    plan,
    redeployment,
    referral,
    report_consent,
    therapy,
    triage,
)
from domain.journey.base import MISSED_TWICE, Deadline, DeadlineKind, Deadlines
from domain.journey.early_contact import (
    ManagerRemindedOfContact,
    MissedContactEscalated,
    early_contact_due,
    early_contact_escalation,
)
from domain.journey.escalation import deadlines as escalation_deadlines
from domain.journey.escalation import escalation
from domain.journey.fit_note import deadlines as fit_note_deadlines
from domain.journey.reminders import ReminderSent, RiskFlagRaised
from domain.stages import Stage
from domain.state import CaseState

__all__ = [
    "OH_ONLY_DEADLINES",
    "TASKS",
    "Deadline",
    "DeadlineKind",
    "decide_deadline",
    "early_contact_due",
    "early_contact_escalation",
    "is_task",
    "next_deadline",
    "open_deadlines",
    "outstanding_deadlines",
    "shared_deadlines",
]

# Each stage says which of its deadlines are open; the order does not matter (see the sort).
_STAGES: tuple[Deadlines, ...] = (
    early_contact.deadlines, absence.deadlines, oh_referral.deadlines, plan.deadlines,
    phased_return.deadlines, redeployment.deadlines, closure.deadlines,
    appointments.deadlines,
    referral.deadlines, therapy.deadlines,
    triage.deadlines,
    escalation_deadlines, fit_note_deadlines,
    absence_pattern_deadlines,
    report_consent.deadlines, medical_reports.deadlines,
)


def _unmet(state: CaseState, keep_fired: Callable[[Deadline], bool]) -> list[Deadline]:
    """The stages' deadlines not yet met, earliest first: those not yet acted on, and those
    acted on that `keep_fired` keeps."""
    if state.stage is Stage.CLOSED:
        return []
    found: list[Deadline] = []
    for rule in _STAGES:
        found.extend(d for d in rule(state) if d.key not in state.fired or keep_fired(d))
    return sorted(found, key=lambda d: (d.due_at, d.key))


def open_deadlines(state: CaseState) -> list[Deadline]:
    """Deadlines not yet met or acted on, earliest first."""
    return _unmet(state, lambda _: False)


# Deadlines that ask someone to do something. Once one is missed (its reminder sent, or its
# escalation made), the case stays overdue until the thing is done: the rule that yields it stops
# yielding it then. Milestones and heads-up notices are not tasks (a fit note ending, a sick-pay
# warning, the end of a phased return or trial, the six-week risk flag), nor are appointment
# reminders: once sent, they are done.
TASKS = frozenset({
    "early_contact_due", "early_contact_escalation", "check_in_due", "fit_note_needed",
    "long_term_referral", "rapid_access_referral", "first_assessment_due",
    "referral_triage_due", "escalation_review_due", "plan_action_due", "plan_revision_due",
    "plan_review_due", "phased_return_week_review", "trial_review_due", "follow_up_due",
    "first_treatment_due", "self_help_check_in_due", "reassessment_due",
    "specialist_assessment_due", "specialist_referral_due", "fit_note_assess_again",
    "missed_appointments_decision_due",
})
def is_task(deadline: Deadline) -> bool:
    """Whether missing `deadline` leaves something undone until someone does it."""
    return deadline.name.removesuffix(MISSED_TWICE) in TASKS


def outstanding_deadlines(state: CaseState) -> list[Deadline]:
    """What a worklist sorts a case by, earliest first: its open deadlines, and the tasks
    already missed (reminded or escalated) but still not done, which stay overdue until done."""
    return _unmet(state, is_task)


def next_deadline(state: CaseState) -> Deadline | None:
    """The earliest open deadline: the one the workflow sleeps until."""
    deadlines = open_deadlines(state)
    return deadlines[0] if deadlines else None


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
        return [oh_referral.oh_referral(state, cause=deadline.name, now=now, actor=actor,
                                        reason=f"{deadline.why} ({policy})",
                                        deadline_key=deadline.key)]
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
    if deadline.kind is DeadlineKind.APPOINTMENT:
        return appointments.deadline_passed(state, deadline, now=now, actor=actor)
    if deadline.kind is DeadlineKind.REPORT_FIRST:
        return report_consent.deadline_passed(state, deadline, now=now, actor=actor)
    return [ReminderSent(occurred_at=now, actor=actor, deadline_key=deadline.key,
                         deadline_name=deadline.name, deadline=deadline.due_at,
                         recipients=deadline.recipients,
                         reason=f"{deadline.why}: due {deadline.due_at.isoformat()} ({policy})")]
