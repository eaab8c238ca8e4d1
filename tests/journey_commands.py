"""Commands for walking a case through its journey, dated from a given moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.commands import (
    Adjustment,
    AgreePlan,
    Assessor,
    CloseCase,
    ConsentScope,
    PhasedReturnWeek,
    PlanAction,
    PlanAgreement,
    PlanContent,
    RecordAssessment,
    RecordEarlyContact,
    RecordFitNote,
    StartPhasedReturn,
)
from domain.stages import ContactMethod
from domain.vocabulary import (
    AdjustmentKind,
    AssessmentKind,
    Fitness,
    FitNoteAssessment,
    FitNoteOption,
    Intervention,
    IssuerProfession,
    Outcome,
    Tier,
)

NURSE = Assessor(id="OHN-7", name="Jo Reid", profession="OH nurse")
CONSENT_TO_SHARE = ConsentScope(share_fitness_with_manager=True,
                                share_adjustments_with_manager=True, share_with_hr=True,
                                report_offered_to_employee=True)


def early_contact(at: datetime) -> RecordEarlyContact:
    return RecordEarlyContact(contacted_at=at, method=ContactMethod.PHONE,
                              agreed_contact_frequency_days=7, notes="Agreed weekly calls")


def assessment(at: datetime, fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS,
               consent: ConsentScope = CONSENT_TO_SHARE) -> RecordAssessment:
    return RecordAssessment(
        kind=AssessmentKind.EARLY, assessed_at=at, assessor=NURSE, tier=Tier.CASE_COORDINATION,
        fitness=fitness, barriers=["travel to work"],
        recommended_adjustments=[Adjustment(kind=AdjustmentKind.WORK_PATTERN,
                                            detail="Start at 10:00 for four weeks")],
        consent=consent, rapid_access=False, clinical_notes="Lumbar strain, improving",
    )


def plan(at: datetime, today: date) -> AgreePlan:
    return AgreePlan(
        agreed_at=at,
        plan=PlanContent(
            concerns=["Worried about lifting"], wellbeing_needs=["Sleep"],
            goals=["Back to full duties within six weeks"],
            actions=[PlanAction(owner="line manager", description="Arrange a desk assessment",
                                due_on=today + timedelta(days=7))],
            adjustments=[Adjustment(kind=AdjustmentKind.EQUIPMENT, detail="Sit-stand desk")],
            support_organisations=["Employee assistance programme"],
            review_dates=[today + timedelta(days=14)],
        ),
        agreed_by=PlanAgreement(employee=True, manager=True, oh=True),
    )


def phased_return(starts_on: date, weeks: int = 4) -> StartPhasedReturn:
    return StartPhasedReturn(
        starts_on=starts_on,
        weeks=[PhasedReturnWeek(week=n, hours=10.0 * n, duties="Light duties")
               for n in range(1, weeks + 1)],
    )


def fit_note(issued_on: date, assessment: FitNoteAssessment = FitNoteAssessment.NOT_FIT,
             days: int = 14) -> RecordFitNote:
    options = [FitNoteOption.PHASED_RETURN] if assessment is FitNoteAssessment.MAY_BE_FIT else []
    return RecordFitNote(issued_on=issued_on, issuer_profession=IssuerProfession.DOCTOR,
                         assessment=assessment, options=options, starts_on=issued_on, days=days,
                         condition="Back pain")


def close(outcome: Outcome, on: date, returned_on: date | None = None) -> CloseCase:
    returning = outcome in (Outcome.RETURNED_TO_OWN_ROLE, Outcome.RETURNED_WITH_ADJUSTMENTS,
                            Outcome.REDEPLOYED, Outcome.RESOLVED_WITHOUT_ABSENCE)
    return CloseCase(
        outcome=outcome, closed_on=on, returned_on=returned_on,
        intervention_by_employee=Intervention.MSK_TREATMENT if returning else None,
        intervention_by_case_manager=(
            Intervention.PERSONAL_SUPPORT_CONFIDENCE if returning else None
        ),
    )
