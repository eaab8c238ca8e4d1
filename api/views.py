"""Shape a case for the caller's role, as `domain.disclosure` decides: clinical detail reaches OH
only; fitness advice reaches HR and line managers only as far as the employee consented."""

from __future__ import annotations

from datetime import UTC, datetime

from api.employee_record import absence_record_for
from api.models import (
    AbsenceOut,
    CaseOut,
    ClinicalOut,
    ClosureOut,
    ContactOut,
    DeadlineOut,
    FitnessAdviceOut,
    FitNoteOut,
    PersonOut,
    PhasedReturnOut,
    PlanOut,
    ProposedAdjustmentOut,
    RedeploymentOut,
    ReportConsentOut,
    SickPayDateOut,
    SickPayDatesOut,
)
from domain.actors import Role
from domain.calendar import london_date
from domain.disclosure import (
    OH_ONLY_DEADLINES,
    advice_shown,
    consent_status,
    may_see_clinical,
    may_see_sick_pay,
    shared_deadlines,
)
from domain.journey.ownership import owner_on
from domain.sick_pay.dates import sick_pay_dates
from domain.sick_pay.statutory import RuledDate
from domain.state import CaseState
from infra.tokens import Principal
from workflows.payloads import CaseView


def _fitness_advice(state: CaseState, role: Role, now: datetime) -> FitnessAdviceOut | None:
    assessment, shown = state.latest_assessment, advice_shown(state, role, now=now)
    if assessment is None or shown is None or not (shown.fitness or shown.adjustments):
        return None
    return FitnessAdviceOut(
        fitness=assessment.fitness if shown.fitness else None,
        recommended_adjustments=(list(assessment.recommended_adjustments) if shown.adjustments
                                 else None),
    )


def _report_consent(state: CaseState, role: Role, now: datetime) -> ReportConsentOut | None:
    status = consent_status(state, role, now=now)
    if status is None:
        return None
    return ReportConsentOut(assessment_number=status.assessment_number, status=status.status,
                            scopes=status.scopes)


def _ruled(ruled: RuledDate | None) -> SickPayDateOut | None:
    return None if ruled is None else SickPayDateOut(on=ruled.on, rule=ruled.rule,
                                                      source=ruled.source)


def _sick_pay(state: CaseState, role: Role) -> SickPayDatesOut | None:
    dates = sick_pay_dates(state) if may_see_sick_pay(role) else None
    if dates is None:
        return None
    return SickPayDatesOut(
        full_pay_ends_on=_ruled(dates.full_pay_ends_on),
        half_pay_ends_on=_ruled(dates.half_pay_ends_on),
        ssp_entitled=dates.ssp.entitled, ssp_not_entitled_because=dates.ssp.why_not,
        ssp_starts_on=_ruled(dates.ssp.starts_on), ssp_ends_on=_ruled(dates.ssp.ends_on),
        ssp1_due_on=_ruled(dates.ssp.ssp1_due_on))


def _clinical(view: CaseView) -> ClinicalOut:
    state = view.state
    plan = state.plan
    closure = state.closure
    return ClinicalOut(
        reason_category=state.reason_category,
        referral_source=state.referral.source if state.referral else None,
        oh_referral=state.oh_referral.model_dump(mode="json") if state.oh_referral else None,
        assessments=[a.model_dump(mode="json") for a in state.assessments],
        escalations=[e.model_dump(mode="json") for e in state.escalations],
        risk_flags=list(state.risk_flags),
        therapies=[t.model_dump(mode="json") | {"waiting_days": t.waiting_days}
                   for t in state.therapies],
        fit_note_details={n.number: {"condition": n.condition, "comments": n.comments}
                          for n in state.fit_notes},
        plan_private=(
            {"concerns": plan.content.concerns, "wellbeing_needs": plan.content.wellbeing_needs,
             "specific_needs": plan.content.specific_needs,
             "support_organisations": plan.content.support_organisations}
            if plan else None
        ),
        interventions=(
            {"employee": closure.intervention_by_employee,
             "case_manager": closure.intervention_by_case_manager}
            if closure else None
        ),
        deadlines=[DeadlineOut(name=d.name, due_at=d.due_at) for d in view.deadlines
                   if d.name in OH_ONLY_DEADLINES],
        appointments=state.appointments.model_dump(mode="json"),
        referral_service_id=state.referral.service_id if state.referral else None,
    )


def case_for(view: CaseView, principal: Principal, *, now: datetime | None = None) -> CaseOut:
    """The case as `principal`'s role may see it (its owner as of `now`, by default now)."""
    state = view.state
    now = now or datetime.now(UTC)
    owner = owner_on(state, london_date(now))
    absence, plan, phased, trial, closure = (
        state.absence, state.plan, state.phased_return, state.redeployment, state.closure
    )
    return CaseOut(
        case_id=state.case_id,
        route=state.route,
        stage=state.stage,
        employer_id=state.employer_id,
        employee=PersonOut(id=state.employee.id, name=state.employee.name),
        manager=PersonOut(id=state.manager.id, name=state.manager.name)
        if state.manager else None,
        opened_at=state.opened_at,
        policy_version=state.policy.version,
        absence=AbsenceOut(first_day=absence.first_day,
                           expected_last_day=absence.expected_last_day,
                           returned_on=absence.returned_on) if absence else None,
        deadlines=[DeadlineOut(name=d.name, due_at=d.due_at)
                   for d in shared_deadlines(view.deadlines)],
        allowed_actions=view.allowed_actions,
        contact=ContactOut(
            early_contact_at=state.early_contact.contacted_at if state.early_contact else None,
            last_contact_at=state.last_contact_at,
            contact_frequency_days=state.contact_frequency_days,
            contacts_made=state.contacts_made,
            contact_reminders_sent=state.contact_reminders_sent,
            contact_escalated=state.contact_escalated,
        ),
        fitness_advice=_fitness_advice(state, principal.role, now),
        plan=PlanOut(version=plan.version, agreed_at=plan.agreed_at, goals=plan.content.goals,
                     actions=[a.model_dump(mode="json") for a in plan.content.actions],
                     adjustments=plan.content.adjustments,
                     review_dates=plan.content.review_dates,
                     reviewed_on=list(plan.reviewed_on),
                     completed_actions=list(plan.completed_actions)) if plan else None,
        fit_notes=[FitNoteOut(number=n.number, assessment=n.assessment, options=list(n.options),
                              starts_on=n.starts_on, ends_on=n.ends_on,
                              counts_as_not_fit=n.counts_as_not_fit, warnings=list(n.warnings))
                   for n in state.fit_notes],
        phased_return=PhasedReturnOut(
            starts_on=phased.starts_on, weeks=[w.model_dump(mode="json") for w in phased.weeks],
            reviewed_weeks=list(phased.reviewed_weeks), completed_on=phased.completed_on,
        ) if phased else None,
        redeployment=RedeploymentOut(
            vacancy_ref=trial.vacancy_ref, role_title=trial.role_title,
            starts_on=trial.starts_on, trial_weeks=trial.trial_weeks, permanent=trial.permanent,
            reviewed_weeks=list(trial.reviewed_weeks),
            conclusion=trial.conclusion.value if trial.conclusion else None,
            signed_off_on=trial.signed_off_on,
        ) if trial else None,
        closure=ClosureOut(
            outcome=closure.outcome, closed_on=closure.closed_on,
            returned_on=closure.returned_on, follow_up_due_on=closure.follow_up_due_on,
            follow_up_sustained=state.follow_up.sustained if state.follow_up else None,
        ) if closure else None,
        case_manager=PersonOut(id=owner.id, name=owner.name) if owner else None,
        proposed_adjustments=[ProposedAdjustmentOut(
            option=p.option, fit_note_number=p.fit_note_number,
            employer_can_make=p.employer_can_make) for p in state.proposed_adjustments],
        clinical=_clinical(view) if may_see_clinical(principal.role) else None,
        report_consent=_report_consent(state, principal.role, now),
        sick_pay=_sick_pay(state, principal.role),
        absence_record=absence_record_for(state, principal.role),
    )
