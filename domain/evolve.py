"""Given a state and an event, the next state. The workflow and the audit replay share it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain import events as e
from domain.deadlines import early_contact_due, early_contact_escalation
from domain.stages import Stage
from domain.state import (
    Absence,
    Assessment,
    CaseState,
    Closure,
    EarlyContact,
    Escalation,
    FitNote,
    FollowUp,
    OhReferral,
    PhasedReturn,
    Plan,
    Redeployment,
    Referral,
    Therapy,
)
from domain.vocabulary import RETURN_OUTCOMES, RedeploymentConclusion, Route, TherapyStatus


class ReplayError(Exception):
    """Stored events that cannot follow one another (a broken or foreign stream)."""


def evolve(state: CaseState | None, event: e.CaseEvent) -> CaseState:
    """Apply one event; the first event of a stream opens the case."""
    if state is None:
        if isinstance(event, e.CaseOpened):
            return _opened(event)
        if isinstance(event, e.ReferralReceived):
            return _referred(event)
        raise ReplayError(
            f"a case must begin with CaseOpened or ReferralReceived, not {event.type}"
        )
    if isinstance(event, e.OPENING_EVENTS):
        raise ReplayError(f"{event.type} can only be the first event of a case")
    apply = _APPLY.get(type(event))
    if apply is None:
        raise ReplayError(f"unknown event type {type(event).__name__}")
    changes = apply(state, event)
    deadline_key = getattr(event, "deadline_key", None)
    if deadline_key:
        changes["fired"] = state.fired | {deadline_key}
    return state.model_copy(update={"version": state.version + 1, **changes})


def fold(events: Iterable[e.CaseEvent]) -> CaseState | None:
    """Rebuild a case from its events, oldest first."""
    state: CaseState | None = None
    for event in events:
        state = evolve(state, event)
    return state


def _opened(event: e.CaseOpened) -> CaseState:
    due = early_contact_due(event.occurred_at, event.policy)
    return CaseState(
        case_id=event.case_id, version=1, route=Route.RETURN_TO_WORK, stage=Stage.EARLY_CONTACT,
        employer_id=event.employer_id, employee=event.employee, manager=event.manager,
        reason_category=event.reason_category, policy=event.policy, opened_at=event.occurred_at,
        absence=Absence(absence_id=event.absence_id, first_day=event.first_day,
                        sick_pay=event.sick_pay),
        contact_due_at=due, contact_escalation_at=early_contact_escalation(due, event.policy),
    )


def _referred(event: e.ReferralReceived) -> CaseState:
    return CaseState(
        case_id=event.case_id, version=1, route=Route.STAY_AT_WORK, stage=Stage.REFERRAL,
        employer_id=event.employer_id, employee=event.employee, manager=event.manager,
        reason_category=event.reason_category, policy=event.policy, opened_at=event.occurred_at,
        referral=Referral(referral_id=event.referral_id, source=event.source,
                          referred_on=event.referred_on),
    )


Changes = dict[str, Any]


def _referral_accepted(s: CaseState, ev: e.ReferralAccepted) -> Changes:
    referral = s.referral.model_copy(update={"accepted_by": ev.accepted_by}) if s.referral else None
    return {"stage": Stage.ASSESSMENT, "referral": referral}


def _closed(s: CaseState, ev: e.CaseClosed) -> Changes:
    closure = Closure(
        outcome=ev.outcome, closed_on=ev.closed_on, returned_on=ev.returned_on,
        intervention_by_employee=ev.intervention_by_employee,
        intervention_by_case_manager=ev.intervention_by_case_manager,
        follow_up_due_on=ev.follow_up_due_on,
    )
    follow_up = ev.outcome in RETURN_OUTCOMES and ev.follow_up_due_on is not None
    return {"stage": Stage.FOLLOW_UP if follow_up else Stage.CLOSED, "closure": closure}


def _absence_started(s: CaseState, ev: e.AbsenceStarted) -> Changes:
    return {"absence": Absence(absence_id=ev.absence_id, first_day=ev.first_day,
                               sick_pay=ev.sick_pay)}


def _contact(s: CaseState, ev: e.EarlyContactRecorded | e.CheckInRecorded) -> Changes:
    changes: Changes = {
        "last_contact_at": max(ev.contacted_at, s.last_contact_at or ev.contacted_at),
        "contact_frequency_days": ev.agreed_contact_frequency_days,
        "contacts_made": s.contacts_made + 1,
    }
    if isinstance(ev, e.EarlyContactRecorded):
        changes["early_contact"] = EarlyContact(
            contacted_at=ev.contacted_at, method=ev.method,
            agreed_contact_frequency_days=ev.agreed_contact_frequency_days,
            recorded_by=ev.actor.id,
        )
        changes["stage"] = Stage.ASSESSMENT
    return changes


def _oh_referral(s: CaseState, ev: e.OhReferralMade) -> Changes:
    return {"oh_referral": OhReferral(referred_at=ev.occurred_at, cause=ev.cause,
                                      assessment_due_at=ev.assessment_due_at)}


def _escalated(s: CaseState, ev: e.CaseEscalated) -> Changes:
    return {"escalations": (*s.escalations, Escalation(
        number=ev.number, raised_at=ev.occurred_at, cause=ev.cause,
        escalated_to=ev.escalated_to))}


def _escalation_confirmed(s: CaseState, ev: e.EscalationConfirmed) -> Changes:
    return {"escalations": tuple(
        x.model_copy(update={"confirmed": ev.confirmed, "confirmed_by": ev.confirmed_by})
        if x.number == ev.number else x
        for x in s.escalations)}


def _assessed(s: CaseState, ev: e.AssessmentRecorded) -> Changes:
    assessment = Assessment(
        number=ev.number, kind=ev.kind, assessed_at=ev.assessed_at, assessor=ev.assessor,
        tier=ev.tier, fitness=ev.fitness, barriers=ev.barriers,
        recommended_adjustments=ev.recommended_adjustments, consent=ev.consent,
        rapid_access=ev.rapid_access, clinical_notes=ev.clinical_notes,
    )
    changes: Changes = {"assessments": (*s.assessments, assessment)}
    if s.stage is Stage.ASSESSMENT:
        changes["stage"] = Stage.PLANNING
    return changes


def _plan_agreed(s: CaseState, ev: e.PlanAgreed) -> Changes:
    plan = Plan(version=ev.plan_version, agreed_at=ev.agreed_at, content=ev.plan,
                agreed_by=ev.agreed_by)
    changes: Changes = {"plan": plan,
                        "plan_history": (*s.plan_history, s.plan) if s.plan else s.plan_history}
    if s.stage is Stage.PLANNING:
        changes["stage"] = Stage.REHABILITATION
    return changes


def _plan_reviewed(s: CaseState, ev: e.PlanReviewed) -> Changes:
    if s.plan is None:
        return {}
    return {"plan": s.plan.model_copy(update={"reviewed_on": (*s.plan.reviewed_on,
                                                               ev.reviewed_on)})}


def _therapy_referred(s: CaseState, ev: e.TherapyReferred) -> Changes:
    return {"therapies": (*s.therapies, Therapy(number=ev.number, kind=ev.kind,
                                                provider=ev.provider, referred_on=ev.referred_on))}


def _therapy_updated(s: CaseState, ev: e.TherapyUpdated) -> Changes:
    def update(t: Therapy) -> Therapy:
        if t.number != ev.number:
            return t
        changes: Changes = {"status": ev.status}
        if ev.status is TherapyStatus.STARTED:
            changes["started_on"] = ev.on
        if ev.status in (TherapyStatus.COMPLETED, TherapyStatus.DECLINED):
            changes["ended_on"] = ev.on
        return t.model_copy(update=changes)

    return {"therapies": tuple(update(t) for t in s.therapies)}


def _fit_note(s: CaseState, ev: e.FitNoteRecorded) -> Changes:
    note = FitNote(number=ev.number, issued_on=ev.issued_on,
                   issuer_profession=ev.issuer_profession, assessment=ev.assessment,
                   options=ev.options, starts_on=ev.starts_on, ends_on=ev.ends_on,
                   condition=ev.condition, comments=ev.comments, assess_again=ev.assess_again,
                   warnings=ev.warnings)
    return {"fit_notes": (*s.fit_notes, note)}


def _fit_note_advice_declined(s: CaseState, ev: e.FitNoteAdviceDeclined) -> Changes:
    notes = tuple(n.model_copy(update={"advice_declined": True}) if n.number == ev.number else n
                  for n in s.fit_notes)
    changes: Changes = {"fit_notes": notes}
    phased = s.phased_return
    if s.stage is Stage.PHASED_RETURN and phased is not None and phased.completed_on is None:
        # Back on the off-work path: the return that rested on the advice stops.
        changes["stage"] = Stage.REHABILITATION
        changes["phased_return"] = None
        if s.absence is not None:
            changes["absence"] = s.absence.model_copy(update={"returned_on": None})
    return changes


def _back_at_work(s: CaseState, day: Any) -> Changes:
    if s.absence is None or s.absence.returned_on is not None:
        return {}
    return {"absence": s.absence.model_copy(update={"returned_on": day})}


def _phased_started(s: CaseState, ev: e.PhasedReturnStarted) -> Changes:
    return {"stage": Stage.PHASED_RETURN, **_back_at_work(s, ev.starts_on),
            "phased_return": PhasedReturn(starts_on=ev.starts_on, weeks=ev.weeks,
                                          on_oh_advice=ev.on_oh_advice)}


def _phased_reviewed(s: CaseState, ev: e.PhasedReturnWeekReviewed) -> Changes:
    p = s.phased_return
    return {} if p is None else {"phased_return": p.model_copy(
        update={"reviewed_weeks": (*p.reviewed_weeks, ev.week)})}


def _phased_extended(s: CaseState, ev: e.PhasedReturnExtended) -> Changes:
    p = s.phased_return
    return {} if p is None else {"phased_return": p.model_copy(
        update={"weeks": (*p.weeks, *ev.weeks), "on_oh_advice": ev.on_oh_advice})}


def _phased_completed(s: CaseState, ev: e.PhasedReturnCompleted) -> Changes:
    p = s.phased_return
    return {} if p is None else {"phased_return": p.model_copy(
        update={"completed_on": ev.completed_on})}


def _trial_started(s: CaseState, ev: e.RedeploymentTrialStarted) -> Changes:
    return {"stage": Stage.REDEPLOYMENT, **_back_at_work(s, ev.starts_on),
            "redeployment": Redeployment(vacancy_ref=ev.vacancy_ref, role_title=ev.role_title,
                                         starts_on=ev.starts_on, trial_weeks=ev.trial_weeks,
                                         permanent=ev.permanent, retraining=ev.retraining)}


def _trial_reviewed(s: CaseState, ev: e.RedeploymentTrialReviewed) -> Changes:
    r = s.redeployment
    return {} if r is None else {"redeployment": r.model_copy(
        update={"reviewed_weeks": (*r.reviewed_weeks, ev.week)})}


def _trial_concluded(s: CaseState, ev: e.RedeploymentConcluded) -> Changes:
    r = s.redeployment
    if r is None:
        return {}
    changes: Changes = {"redeployment": r.model_copy(
        update={"conclusion": ev.conclusion, "concluded_on": ev.on})}
    if ev.conclusion is RedeploymentConclusion.REVERTED:
        changes["stage"] = Stage.REHABILITATION
    return changes


def _extended(s: CaseState, ev: e.AbsenceExtended) -> Changes:
    return {} if s.absence is None else {"absence": s.absence.model_copy(
        update={"expected_last_day": ev.expected_last_day,
                "last_extension_sent_at": ev.sent_at})}


def _returned(s: CaseState, ev: e.ReturnToWorkNotified) -> Changes:
    return _back_at_work(s, ev.returned_on)


def _left(s: CaseState, ev: e.LeavingNotified) -> Changes:
    return {"left_on": ev.left_on}


def _follow_up(s: CaseState, ev: e.FollowUpRecorded) -> Changes:
    return {"stage": Stage.CLOSED,
            "follow_up": FollowUp(checked_on=ev.checked_on, sustained=ev.sustained)}


def _reminded_of_contact(s: CaseState, ev: e.ManagerRemindedOfContact) -> Changes:
    return {"contact_reminders_sent": s.contact_reminders_sent + 1,
            "fired": s.fired | {"early_contact_due"}}


def _contact_escalated(s: CaseState, ev: e.MissedContactEscalated) -> Changes:
    return {"contact_escalated": True, "fired": s.fired | {"early_contact_escalation"}}


def _risk_flag(s: CaseState, ev: e.RiskFlagRaised) -> Changes:
    return {"risk_flags": (*s.risk_flags, ev.flag)}


def _nothing(s: CaseState, ev: Any) -> Changes:
    return {}


_APPLY: dict[type[Any], Callable[[CaseState, Any], Changes]] = {
    e.ReferralAccepted: _referral_accepted,
    e.ReferralDeclined: _nothing,
    e.AbsenceStarted: _absence_started,
    e.EarlyContactRecorded: _contact,
    e.CheckInRecorded: _contact,
    e.ManagerRemindedOfContact: _reminded_of_contact,
    e.MissedContactEscalated: _contact_escalated,
    e.ReminderSent: _nothing,
    e.OhReferralMade: _oh_referral,
    e.RiskFlagRaised: _risk_flag,
    e.CaseEscalated: _escalated,
    e.EscalationConfirmed: _escalation_confirmed,
    e.AssessmentRecorded: _assessed,
    e.PlanAgreed: _plan_agreed,
    e.PlanReviewed: _plan_reviewed,
    e.TherapyReferred: _therapy_referred,
    e.TherapyUpdated: _therapy_updated,
    e.FitNoteRecorded: _fit_note,
    e.FitNoteAdviceDeclined: _fit_note_advice_declined,
    e.PhasedReturnStarted: _phased_started,
    e.PhasedReturnWeekReviewed: _phased_reviewed,
    e.PhasedReturnExtended: _phased_extended,
    e.PhasedReturnCompleted: _phased_completed,
    e.RedeploymentTrialStarted: _trial_started,
    e.RedeploymentTrialReviewed: _trial_reviewed,
    e.RedeploymentConcluded: _trial_concluded,
    e.AbsenceExtended: _extended,
    e.ReturnToWorkNotified: _returned,
    e.LeavingNotified: _left,
    e.CaseClosed: _closed,
    e.FollowUpRecorded: _follow_up,
}
