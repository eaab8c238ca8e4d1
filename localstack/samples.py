"""Sample cases with fixed people and dates, for the tests and the benchmarks: the commands of a
whole journey, and cases written straight into the event store as the workflow would write them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from domain.actors import TIMER_ACTOR, Actor, Person, Role, Source
from domain.commands import (
    Adjustment,
    AgreePlan,
    Assessor,
    AssignCaseManager,
    CloseCase,
    ConsentScope,
    OpenCase,
    PhasedReturnWeek,
    PlanAction,
    PlanAgreement,
    PlanContent,
    RecordAssessment,
    RecordEarlyContact,
    RecordFitNote,
    StartPhasedReturn,
)
from domain.decide import open_case
from domain.events import CaseEvent, ManagerRemindedOfContact
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import ContactMethod, ReasonCategory
from domain.vocabulary import (
    RETURN_OUTCOMES,
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
from eventstore.store import CaseEventStore, NewCaseEvent

EMPLOYEE = Person(id="E1001", name="Sam Patel", email="sam@example.org")
MANAGER = Person(id="M2002", name="Alex Jones", email="alex@example.org")
HR_ACTOR = Actor(id="hr-system", role=Role.HR, source=Source.HR_INTEGRATION)
MANAGER_ACTOR = Actor(id="M2002", role=Role.MANAGER, source=Source.API)


def open_command(
    *,
    absence_id: str = "ABS-1",
    first_day: date = date(2026, 11, 20),
    reason: ReasonCategory = ReasonCategory.MUSCULOSKELETAL,
    policy: Policy = DEFAULT_POLICY,
    employer_id: str = "acme-trust",
) -> OpenCase:
    return OpenCase(
        employer_id=employer_id,
        absence_id=absence_id,
        employee=EMPLOYEE,
        manager=MANAGER,
        first_day=first_day,
        reason_category=reason,
        policy=policy,
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
    returning = outcome in RETURN_OUTCOMES
    return CloseCase(
        outcome=outcome, closed_on=on, returned_on=returned_on,
        intervention_by_employee=Intervention.MSK_TREATMENT if returning else None,
        intervention_by_case_manager=(
            Intervention.PERSONAL_SUPPORT_CONFIDENCE if returning else None
        ),
    )


POLICY = "default-2026-04"
RECORDING_DELAY = timedelta(minutes=1)


def case_events(absence_id: str, count: int, opened_at: datetime, *,
                employer_id: str = "acme-trust") -> tuple[str, list[CaseEvent]]:
    """A case opening followed by `count - 1` reminders an hour apart."""
    case_id = case_id_for_absence(employer_id, absence_id)
    opened = open_case(open_command(absence_id=absence_id, employer_id=employer_id),
                       case_id=case_id, now=opened_at, actor=HR_ACTOR)
    events: list[CaseEvent] = [opened]
    for number in range(1, count):
        events.append(
            ManagerRemindedOfContact(
                occurred_at=opened_at + timedelta(hours=number),
                actor=TIMER_ACTOR,
                reason=f"no early contact by the deadline (policy {POLICY}), reminder {number}",
                deadline=opened_at + timedelta(days=1),
            )
        )
    return case_id, events


def as_new(event: CaseEvent, event_id: str | None = None) -> NewCaseEvent:
    """The event as the append activity would store it, under a fresh id unless given one."""
    return NewCaseEvent.of(event, event_id=event_id or str(uuid.uuid4()))


def store_case(
    store: CaseEventStore, absence_id: str, count: int, opened_at: datetime, *, batch: int = 1,
    employer_id: str = "acme-trust",
) -> str:
    """Append the case's events `batch` at a time, as the workflow would."""
    case_id, events = case_events(absence_id, count, opened_at, employer_id=employer_id)
    for start in range(0, count, batch):
        store.append(
            case_id=case_id,
            first_position=start + 1,
            policy_version=POLICY,
            workflow_id=case_id,
            run_id="run-1",
            events=[as_new(event) for event in events[start : start + batch]],
            recorded_at=events[start].occurred_at + RECORDING_DELAY,
        )
    return case_id


def case_manager(user_id: str = "OHN-7", name: str = "Jo Reid") -> AssignCaseManager:
    """The OH case manager a tier-2 or tier-3 case is assigned before its plan is agreed."""
    return AssignCaseManager(user_id=user_id, name=name)
