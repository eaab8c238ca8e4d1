"""Assessment, escalation confirmation, the rehabilitation plan and therapy referrals."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.calendar import london_date
from domain.commands import (
    AgreePlan,
    ConfirmEscalation,
    PlanAgreement,
    PlanContent,
    RecordAssessment,
    RecordPlanReview,
    ReferToTherapy,
    RevisePlan,
    UpdateTherapy,
)
from domain.decisions.escalation import escalation_unless_pending
from domain.errors import InvalidCommand
from domain.events import (
    AssessmentRecorded,
    CaseEvent,
    EscalationConfirmed,
    PlanAgreed,
    PlanReviewed,
    TherapyReferred,
    TherapyUpdated,
)
from domain.guards import (
    check_day_not_in_future,
    check_not_before_case,
    check_not_in_future,
    check_text_present,
)
from domain.state import CaseState
from domain.vocabulary import Fitness, TherapyStatus

UNFIT_ANY_WORK_BY_ASSESSMENT = "assessment: unfit for any work"

_THERAPY_NEXT: dict[TherapyStatus, frozenset[TherapyStatus]] = {
    TherapyStatus.REFERRED: frozenset(
        {TherapyStatus.WAITING, TherapyStatus.STARTED, TherapyStatus.DECLINED}
    ),
    TherapyStatus.WAITING: frozenset({TherapyStatus.STARTED, TherapyStatus.DECLINED}),
    TherapyStatus.STARTED: frozenset({TherapyStatus.COMPLETED, TherapyStatus.DECLINED}),
    TherapyStatus.COMPLETED: frozenset(),
    TherapyStatus.DECLINED: frozenset(),
}


def record_assessment(state: CaseState, command: RecordAssessment, now: datetime, actor: Actor
                      ) -> list[CaseEvent]:
    check_not_in_future("assessed_at", command.assessed_at, now)
    check_not_before_case("assessed_at", london_date(command.assessed_at), state)
    check_text_present("barriers", command.barriers)
    if command.fitness is Fitness.FIT_WITH_ADJUSTMENTS and not command.recommended_adjustments:
        raise InvalidCommand(
            "recommended_adjustments", "name at least one when fitness is fit_with_adjustments"
        )
    number = len(state.assessments) + 1
    events: list[CaseEvent] = [
        AssessmentRecorded(
            occurred_at=command.assessed_at,
            actor=actor,
            reason=f"{command.kind.value} assessment {number} by {command.assessor.name} "
            f"({command.assessor.profession}): tier {int(command.tier)}",
            number=number,
            kind=command.kind,
            assessed_at=command.assessed_at,
            assessor=command.assessor,
            tier=command.tier,
            fitness=command.fitness,
            barriers=tuple(command.barriers),
            recommended_adjustments=tuple(command.recommended_adjustments),
            consent=command.consent,
            rapid_access=command.rapid_access,
            clinical_notes=command.clinical_notes,
        )
    ]
    if command.fitness is Fitness.UNFIT_ANY_WORK:
        events += escalation_unless_pending(
            state, cause=UNFIT_ANY_WORK_BY_ASSESSMENT, now=now, actor=actor,
            reason=f"assessment {number} found the employee unfit for any work")
    return events


def confirm_escalation(state: CaseState, command: ConfirmEscalation, now: datetime,
                       actor: Actor) -> list[CaseEvent]:
    matching = [e for e in state.escalations if e.number == command.escalation_number]
    if not matching:
        numbers = ", ".join(str(e.number) for e in state.escalations) or "none"
        raise InvalidCommand("escalation_number", f"no such escalation (escalations: {numbers})")
    if matching[0].confirmed is not None:
        raise InvalidCommand("escalation_number", "that escalation was already decided")
    verb = "confirmed" if command.confirm else "dismissed"
    return [
        EscalationConfirmed(
            occurred_at=now, actor=actor, number=command.escalation_number,
            confirmed_by=command.confirmed_by, confirmed=command.confirm, comment=command.comment,
            reason=f"escalation {command.escalation_number} {verb} by {command.confirmed_by}",
        )
    ]


def _check_plan(plan: PlanContent, agreed_by: PlanAgreement, agreed_at: datetime,
                now: datetime) -> None:
    check_not_in_future("agreed_at", agreed_at, now)
    if not (agreed_by.employee and agreed_by.manager and agreed_by.oh):
        raise InvalidCommand(
            "agreed_by", "a plan is agreed by the employee, the line manager and OH together"
        )
    check_text_present("plan.goals", plan.goals)
    agreed_on = london_date(agreed_at)
    if any(day < agreed_on for day in plan.review_dates):
        raise InvalidCommand("plan.review_dates", f"must be on or after {agreed_on.isoformat()}")


def agree_plan(state: CaseState, command: AgreePlan, now: datetime, actor: Actor
               ) -> list[CaseEvent]:
    _check_plan(command.plan, command.agreed_by, command.agreed_at, now)
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=1,
            agreed_at=command.agreed_at,
            plan=command.plan, agreed_by=command.agreed_by,
            reason=f"rehabilitation plan agreed with {len(command.plan.goals)} goal(s); reviews "
            f"on {', '.join(d.isoformat() for d in sorted(command.plan.review_dates))}",
        )
    ]


def revise_plan(state: CaseState, command: RevisePlan, now: datetime, actor: Actor
                ) -> list[CaseEvent]:
    _check_plan(command.plan, command.agreed_by, command.agreed_at, now)
    version = (state.plan.version if state.plan else 0) + 1
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=version,
            agreed_at=command.agreed_at, plan=command.plan, agreed_by=command.agreed_by,
            revision_reason=command.reason,
            reason=f"plan revised to version {version}: {command.reason}",
        )
    ]


def record_plan_review(state: CaseState, command: RecordPlanReview, now: datetime,
                       actor: Actor) -> list[CaseEvent]:
    if state.plan is None:
        raise InvalidCommand("reviewed_on", "there is no agreed plan to review")
    check_day_not_in_future("reviewed_on", command.reviewed_on, now)
    return [
        PlanReviewed(
            occurred_at=now, actor=actor, plan_version=state.plan.version,
            reviewed_on=command.reviewed_on, on_track=command.on_track, notes=command.notes,
            reason=f"plan version {state.plan.version} reviewed: "
            f"{'on track' if command.on_track else 'not on track'}",
        )
    ]


def refer_to_therapy(state: CaseState, command: ReferToTherapy, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    check_day_not_in_future("referred_on", command.referred_on, now)
    check_not_before_case("referred_on", command.referred_on, state)
    number = len(state.therapies) + 1
    return [
        TherapyReferred(
            occurred_at=now, actor=actor, number=number, kind=command.kind,
            provider=command.provider, referred_on=command.referred_on,
            reason=f"therapy {number} referred",
        )
    ]


def update_therapy(state: CaseState, command: UpdateTherapy, now: datetime, actor: Actor
                   ) -> list[CaseEvent]:
    matching = [t for t in state.therapies if t.number == command.therapy_number]
    if not matching:
        raise InvalidCommand("therapy_number", f"no therapy {command.therapy_number} on the case")
    therapy = matching[0]
    allowed = _THERAPY_NEXT[therapy.status]
    if command.status not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "nothing (it has ended)"
        raise InvalidCommand(
            "status", f"a therapy that is {therapy.status.value} can become: {options}"
        )
    check_day_not_in_future("on", command.on, now)
    if command.on < therapy.referred_on:
        raise InvalidCommand("on", f"must not be before the referral {therapy.referred_on}")
    return [
        TherapyUpdated(
            occurred_at=now, actor=actor, number=therapy.number, status=command.status,
            on=command.on, status_reason=command.reason,
            reason=f"therapy {therapy.number}: {therapy.status.value} -> {command.status.value}",
        )
    ]
