"""A varied set of cases written as the workflow writes them, for the tests of the KPI facts and
the report: every outcome path the figures count, contact on time and late, an assessment late,
a rapid-access referral and a long-term one, therapy waits, escalations, follow-ups sustained
and not, stay-at-work referrals accepted and declined, and two employers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import (
    AcceptReferral,
    CloseCase,
    CompletePhasedReturn,
    DeadlinePassed,
    DeclineReferral,
    ReceiveReferral,
    RecordFollowUp,
    ReferToTherapy,
    UpdateTherapy,
)
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case, receive_referral
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.policy import DEFAULT_POLICY
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import (
    Fitness,
    Intervention,
    Outcome,
    ReferralSource,
    TherapyKind,
    TherapyStatus,
)
from eventstore.store import CaseEventStore
from localstack import samples as j
from tests.support.builders import EMPLOYEE, HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command
from tests.support.notices import CaseWriter

OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
ACME, BEACON = "acme-trust", "beacon-trust"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Journey:
    """One case, written decision by decision through `CaseWriter`."""

    writer: CaseWriter

    @property
    def state(self) -> CaseState:
        assert self.writer.state is not None
        return self.writer.state

    def act(self, command: BaseModel, when: datetime, actor: Actor = OH) -> Journey:
        self.writer.write(decide(self.state, command, now=when, actor=actor))
        return self

    def fire(self, key: str) -> Journey:
        """The timer of deadline `key` fires when it is due, as the workflow's would."""
        [deadline] = [d for d in open_deadlines(self.state) if d.key == key]
        return self.act(DeadlinePassed(key=key), deadline.due_at, TIMER_ACTOR)

    def close(self, outcome: Outcome, on: date, *, returned_on: date | None = None,
              employee: Intervention | None = None,
              manager: Intervention | None = None) -> Journey:
        return self.act(CloseCase(outcome=outcome, closed_on=on, returned_on=returned_on,
                                  intervention_by_employee=employee,
                                  intervention_by_case_manager=manager), at(on, 15))

    def follow_up(self, on: date, *, sustained: bool) -> Journey:
        return self.act(RecordFollowUp(checked_on=on, sustained=sustained), at(on, 11))


def absence(store: CaseEventStore, absence_id: str, first_day: date,
            reason: ReasonCategory, *, employer: str = ACME) -> Journey:
    """An absence HR notifies at 09:00 on its first day."""
    command = open_command(absence_id=absence_id, first_day=first_day, reason=reason,
                           ).model_copy(update={"employer_id": employer})
    case_id = case_id_for_absence(employer, absence_id)
    writer = CaseWriter(store)
    writer.write([open_case(command, case_id=case_id, now=at(first_day, 9), actor=HR_ACTOR)])
    return Journey(writer)


def referral(store: CaseEventStore, referral_id: str, on: date, reason: ReasonCategory,
             source: ReferralSource, *, employer: str = ACME) -> Journey:
    command = ReceiveReferral(employer_id=employer, referral_id=referral_id, employee=EMPLOYEE,
                              manager=MANAGER, source=source, reason_category=reason,
                              referred_on=on, policy=DEFAULT_POLICY,
                              summary="Struggling with lifting at work")
    writer = CaseWriter(store)
    writer.write([receive_referral(command, case_id=case_id_for_referral(employer, referral_id),
                                   now=at(on, 9), actor=HR_ACTOR)])
    return Journey(writer)


def write_varied_cases(store: CaseEventStore) -> dict[str, str]:
    """Twelve cases between November 2026 and February 2027; their ids by a short name."""
    nov = date(2026, 11, 2)  # a Monday
    ids: dict[str, str] = {}

    # Contact on the day; rapid-access referral at once; assessed within the week; physio
    # after a six-day wait; back to the own role; sustained.
    c = absence(store, "A-MSK-1", nov, ReasonCategory.MUSCULOSKELETAL)
    c.fire("rapid_access_referral")
    c.act(j.early_contact(at(nov, 14)), at(nov, 14), MANAGER_ACTOR)
    c.act(j.assessment(at(nov + timedelta(days=3))), at(nov + timedelta(days=3)))
    c.act(j.case_manager(), at(nov + timedelta(days=3), 12))
    c.act(j.plan(at(nov + timedelta(days=3), 12), nov + timedelta(days=3)),
          at(nov + timedelta(days=3), 12))
    c.act(ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY, referred_on=nov + timedelta(days=4)),
          at(nov + timedelta(days=4)))
    c.act(UpdateTherapy(therapy_number=1, status=TherapyStatus.STARTED,
                        on=nov + timedelta(days=10)), at(nov + timedelta(days=10)))
    c.close(Outcome.RETURNED_TO_OWN_ROLE, date(2026, 11, 27), returned_on=date(2026, 11, 23),
            employee=Intervention.MSK_TREATMENT, manager=Intervention.MSK_TREATMENT)
    c.follow_up(date(2027, 1, 11), sustained=True)
    ids["msk-returned"] = c.state.case_id

    # Contact late (the manager was reminded first); the assessment late too (OH reminded);
    # back with adjustments; the follow-up finds it not sustained.
    d = date(2026, 11, 4)
    c = absence(store, "A-MH-1", d, ReasonCategory.MENTAL_HEALTH)
    c.fire("rapid_access_referral")
    c.fire("early_contact_due")
    c.act(j.early_contact(at(d + timedelta(days=2), 11)), at(d + timedelta(days=2), 11),
          MANAGER_ACTOR)
    c.fire("first_assessment_due")
    c.act(j.assessment(at(d + timedelta(days=9))), at(d + timedelta(days=9)))
    c.act(j.case_manager(), at(d + timedelta(days=9), 12))
    c.act(j.plan(at(d + timedelta(days=9), 12), d + timedelta(days=9)),
          at(d + timedelta(days=9), 12))
    c.act(ReferToTherapy(kind=TherapyKind.TALKING_THERAPY, referred_on=d + timedelta(days=10)),
          at(d + timedelta(days=10)))
    c.act(UpdateTherapy(therapy_number=1, status=TherapyStatus.STARTED,
                        on=d + timedelta(days=31)), at(d + timedelta(days=31)))
    c.close(Outcome.RETURNED_WITH_ADJUSTMENTS, date(2026, 12, 18), returned_on=date(2026, 12, 14),
            employee=Intervention.MEDIATION_WITH_EMPLOYER,
            manager=Intervention.PERSONAL_SUPPORT_CONFIDENCE)
    c.follow_up(date(2027, 2, 1), sustained=False)
    ids["mh-late"] = c.state.case_id

    # Found unfit for any work: escalated; ill-health retirement.
    d = date(2026, 11, 9)
    c = absence(store, "A-OTHER-1", d, ReasonCategory.OTHER)
    c.act(j.early_contact(at(d, 16)), at(d, 16), MANAGER_ACTOR)
    c.act(j.assessment(at(d + timedelta(days=6)), fitness=Fitness.UNFIT_ANY_WORK),
          at(d + timedelta(days=6)))
    c.close(Outcome.ILL_HEALTH_RETIREMENT, date(2027, 1, 29))
    ids["retired"] = c.state.case_id

    # A four-week phased return: back from its first day.
    d = date(2026, 11, 16)
    c = absence(store, "A-MSK-2", d, ReasonCategory.MUSCULOSKELETAL)
    c.fire("rapid_access_referral")
    c.act(j.early_contact(at(d + timedelta(days=1), 9)), at(d + timedelta(days=1), 9),
          MANAGER_ACTOR)
    c.act(j.assessment(at(d + timedelta(days=5))), at(d + timedelta(days=5)))
    c.act(j.case_manager(), at(d + timedelta(days=5), 12))
    c.act(j.plan(at(d + timedelta(days=5), 12), d + timedelta(days=5)),
          at(d + timedelta(days=5), 12))
    c.act(j.phased_return(d + timedelta(days=14)), at(d + timedelta(days=7)))
    c.act(CompletePhasedReturn(completed_on=d + timedelta(days=41)), at(d + timedelta(days=41)))
    c.close(Outcome.RETURNED_TO_OWN_ROLE, d + timedelta(days=42),
            employee=Intervention.PERSONAL_SUPPORT_CONFIDENCE,
            manager=Intervention.PERSONAL_SUPPORT_CONFIDENCE)
    ids["phased"] = c.state.case_id

    # No contact at all: the manager reminded, then HR alerted; still open.
    d = date(2026, 11, 20)  # a Friday
    c = absence(store, "A-OTHER-2", d, ReasonCategory.OTHER)
    c.fire("early_contact_due")
    c.fire("early_contact_escalation")
    ids["no-contact"] = c.state.case_id

    # Contacted, then withdrawn.
    d = date(2026, 11, 23)
    c = absence(store, "A-MH-2", d, ReasonCategory.MENTAL_HEALTH)
    c.act(j.early_contact(at(d, 12)), at(d, 12), MANAGER_ACTOR)
    c.close(Outcome.WITHDRAWN, d + timedelta(days=3))
    ids["withdrawn"] = c.state.case_id

    # Assessed early, referred to OH only at the long-term threshold, and that referral's
    # first consultation overdue: its deadline is missed whatever the early assessment.
    d = date(2026, 11, 25)
    c = absence(store, "A-OTHER-3", d, ReasonCategory.OTHER)
    c.act(j.early_contact(at(d, 13)), at(d, 13), MANAGER_ACTOR)
    c.act(j.assessment(at(d + timedelta(days=2))), at(d + timedelta(days=2)))
    c.fire("long_term_referral")
    c.fire("first_assessment_due")
    due = c.state.oh_referral.assessment_due_at if c.state.oh_referral else None
    assert due is not None
    c.act(j.assessment(due + timedelta(days=2)), due + timedelta(days=2))
    ids["long-term"] = c.state.case_id

    # Stay at work: a self-referral accepted and resolved without absence, sustained.
    d = date(2026, 11, 10)
    c = referral(store, "R-SELF-1", d, ReasonCategory.MUSCULOSKELETAL, ReferralSource.SELF)
    c.act(AcceptReferral(accepted_by="OHN-7"), at(d, 14))
    c.act(j.assessment(at(d + timedelta(days=2))), at(d + timedelta(days=2)))
    c.close(Outcome.RESOLVED_WITHOUT_ABSENCE, d + timedelta(days=20),
            employee=Intervention.PAIN_TREATMENT_OR_UNDERSTANDING,
            manager=Intervention.MSK_TREATMENT)
    c.follow_up(d + timedelta(days=60), sustained=True)
    ids["saw-resolved"] = c.state.case_id

    # Stay at work: a GP referral declined against the service's criteria.
    d = date(2026, 12, 1)
    c = referral(store, "R-GP-1", d, ReasonCategory.MENTAL_HEALTH, ReferralSource.GP)
    c.act(DeclineReferral(declined_by="OHN-7", reason="Outside the service's criteria",
                          criterion="about_work"),
          at(d, 15))
    ids["saw-declined"] = c.state.case_id

    # Stay at work: a manager's referral accepted, assessed, still open.
    d = date(2026, 12, 7)
    c = referral(store, "R-MGR-1", d, ReasonCategory.OTHER, ReferralSource.MANAGER)
    c.act(AcceptReferral(accepted_by="OHN-7"), at(d, 10))
    c.act(j.assessment(at(d + timedelta(days=8))), at(d + timedelta(days=8)))
    ids["saw-open"] = c.state.case_id

    # Another employer: a return, and an absence opened in February.
    d = date(2026, 12, 2)
    c = absence(store, "B-MSK-1", d, ReasonCategory.MUSCULOSKELETAL, employer=BEACON)
    c.fire("rapid_access_referral")
    c.act(j.early_contact(at(d, 10)), at(d, 10), MANAGER_ACTOR)
    c.act(j.assessment(at(d + timedelta(days=4))), at(d + timedelta(days=4)))
    c.close(Outcome.LEFT_EMPLOYMENT, d + timedelta(days=30), returned_on=None)
    ids["beacon-left"] = c.state.case_id
    c = absence(store, "B-OTHER-1", date(2027, 2, 8), ReasonCategory.OTHER, employer=BEACON)
    ids["beacon-february"] = c.state.case_id
    return ids
