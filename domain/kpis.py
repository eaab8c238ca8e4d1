"""The service's figures: each case reduced to the facts an evaluation needs, and each measure
defined once, exactly, for the report, the API and the pages.

`CaseFacts` holds no clinical free text: dates, categories, counts and outcomes only, so the
table it is kept in can be read by the people who evaluate the service. Every measure is over
a period of London dates (inclusive) and says which cases it counts and from what.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.calendar import london_date
from domain.journey.oh_referral import first_consultation
from domain.practice import follows
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import RETURN_OUTCOMES, Intervention, Outcome, Route

# The source of a case opened by an HR absence notification (stay-at-work cases name theirs).
HR_NOTIFICATION = "hr_notification"
CONTACT_DEADLINE = "early_contact_due"
ASSESSMENT_DEADLINE = "first_assessment_due"


class CaseFacts(BaseModel):
    """One case as the evaluation sees it. No names, notes, diagnoses or causes."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    employer_id: str
    route: Route
    source: str
    reason_category: ReasonCategory
    policy_version: str
    opened_on: date
    first_day: date | None = None
    first_contact_on: date | None = None
    contact_met: bool | None = None
    oh_referred_on: date | None = None
    first_assessed_on: date | None = None
    assessment_met: bool | None = None
    tier: int | None = None
    escalated_on: tuple[date, ...] = ()
    therapy_waits: tuple[int, ...] = ()
    closed_on: date | None = None
    outcome: Outcome | None = None
    returned_on: date | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    follow_up_on: date | None = None
    sustained: bool | None = None
    first_consulted_on: date | None = None
    """Cases following the practice rules: the day of the first OH consultation after the
    referral (the first attended appointment, or an assessment if it came first)."""
    reopened_on: tuple[date, ...] = ()
    """The days follow-ups found a return not sustained and reopened the case (the latest
    follow-up among them while the case is open again)."""

    @classmethod
    def of(cls, state: CaseState) -> CaseFacts:
        """The facts of a case as its events have made it."""
        contact = state.early_contact
        assessments = sorted(state.assessments, key=lambda a: a.assessed_at)
        referral = state.oh_referral
        # The assessment that answers the referral to OH: the first one at or after it (an
        # earlier assessment does not meet a referral made later, say at the long-term
        # threshold). A case never referred: its first assessment.
        first_assessment = next(
            (a for a in assessments if referral is None or a.assessed_at >= referral.referred_at),
            None)
        # Cases following the practice rules: the consultation that answers the referral is
        # the first attended appointment (or assessment); older cases keep their assessment.
        consulted = (first_consultation(state, referral)
                     if referral is not None and follows(state) else None)
        answered = consulted or (first_assessment.assessed_at if first_assessment else None)
        closure = state.closure
        return cls(
            case_id=state.case_id, employer_id=state.employer_id, route=state.route,
            source=state.referral.source.value if state.referral else HR_NOTIFICATION,
            reason_category=state.reason_category, policy_version=state.policy.version,
            opened_on=london_date(state.opened_at), first_day=state.first_day,
            first_contact_on=london_date(contact.contacted_at) if contact else None,
            contact_met=_met(state.contact_due_at, contact.contacted_at if contact else None,
                             fired=CONTACT_DEADLINE in state.fired),
            oh_referred_on=london_date(referral.referred_at) if referral else None,
            first_assessed_on=(london_date(first_assessment.assessed_at)
                               if first_assessment else None),
            assessment_met=_met(
                referral.assessment_due_at if referral else None,
                answered if referral else None,
                fired=ASSESSMENT_DEADLINE in state.fired),
            tier=int(assessments[-1].tier) if assessments else None,
            escalated_on=tuple(london_date(e.raised_at) for e in state.escalations),
            therapy_waits=tuple(t.waiting_days for t in state.therapies
                                if t.waiting_days is not None),
            closed_on=closure.closed_on if closure else None,
            outcome=closure.outcome if closure else None,
            returned_on=(closure.returned_on if closure and closure.returned_on
                         else state.absence.returned_on if state.absence else None),
            intervention_by_employee=closure.intervention_by_employee if closure else None,
            intervention_by_case_manager=(closure.intervention_by_case_manager
                                          if closure else None),
            follow_up_on=state.follow_up.checked_on if state.follow_up else None,
            sustained=state.follow_up.sustained if state.follow_up else None,
            first_consulted_on=london_date(consulted) if consulted else None,
            reopened_on=state.reopened_on,
        )

    @property
    def days_absent(self) -> int | None:
        """Calendar days from the first day of absence to the first day back (or closure)."""
        if self.first_day is None or self.closed_on is None:
            return None
        return ((self.returned_on or self.closed_on) - self.first_day).days

    @property
    def days_to_first_contact(self) -> int | None:
        """From the first day of absence (a stay-at-work case: its referral) to first contact."""
        if self.first_contact_on is None:
            return None
        start = self.first_day if self.route is Route.RETURN_TO_WORK and self.first_day else (
            self.opened_on)
        return (self.first_contact_on - start).days

    @property
    def days_to_first_assessment(self) -> int | None:
        """From the referral to OH (else the case's opening) to the first assessment after
        it; for cases following the practice rules, to the first consultation after it."""
        first = self.first_consulted_on or self.first_assessed_on
        if first is None:
            return None
        return (first - (self.oh_referred_on or self.opened_on)).days


def _met(due: datetime | None, done: datetime | None, *, fired: bool) -> bool | None:
    """Met if done by the deadline; missed if done late or the deadline passed undone (the
    workflow then recorded it); None while it is neither."""
    if done is not None and due is not None:
        return done <= due
    if fired:
        return False
    return None


@dataclass(frozen=True)
class Period:
    """London dates, both ends included."""

    start: date
    end: date

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class Measure:
    """One figure: its name, its exact definition in words, and how it is computed."""

    name: str
    definition: str
    compute: Callable[[Sequence[CaseFacts], Period], float | int | None]


class _Cohort(list[CaseFacts]):
    """The cases of one evaluation, with those opened and those closed in its period picked
    out once: most measures ask for one or the other."""

    def __init__(self, cases: Sequence[CaseFacts], period: Period) -> None:
        super().__init__(cases)
        self.period = period
        start, end = period.start, period.end
        self.opened = [c for c in cases if start <= c.opened_on <= end]
        self.closed = [c for c in cases if c.closed_on is not None and start <= c.closed_on <= end]


def _opened(cases: Sequence[CaseFacts], period: Period) -> list[CaseFacts]:
    if isinstance(cases, _Cohort) and cases.period == period:
        return cases.opened
    return [c for c in cases if period.holds(c.opened_on)]


def _closed(cases: Sequence[CaseFacts], period: Period) -> list[CaseFacts]:
    if isinstance(cases, _Cohort) and cases.period == period:
        return cases.closed
    return [c for c in cases if period.holds(c.closed_on)]


def _median(values: Iterable[int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _returned(cases: Sequence[CaseFacts], period: Period) -> float | None:
    closed = _closed(cases, period)
    return _rate(sum(c.outcome in RETURN_OUTCOMES for c in closed), len(closed))


def _sustained(cases: Sequence[CaseFacts], period: Period) -> float | None:
    """Every follow-up counts once: a case's latest, and each earlier one that found the
    return not sustained and reopened the case."""
    sustained = checked = 0
    for case in cases:
        checked += sum(period.holds(day) for day in case.reopened_on)
        latest_reopened = bool(case.reopened_on) and case.sustained is False
        if period.holds(case.follow_up_on) and not latest_reopened:
            checked += 1
            sustained += bool(case.sustained)
    return _rate(sustained, checked)


def _deadlines_met(cases: Sequence[CaseFacts], period: Period) -> float | None:
    judged = [met for c in _opened(cases, period)
              for met in (c.contact_met, c.assessment_met) if met is not None]
    return _rate(sum(judged), len(judged))


MEASURES: tuple[Measure, ...] = (
    Measure("referrals", "Cases opened in the period (absences notified and stay-at-work "
            "referrals).", lambda cases, period: len(_opened(cases, period))),
    Measure("cases_closed", "Cases closed in the period.",
            lambda cases, period: len(_closed(cases, period))),
    Measure("returned_to_work_rate", "Of the cases closed in the period, the share whose "
            "outcome is a return: to the own role, with adjustments, redeployed, or resolved "
            "without absence.", _returned),
    Measure("median_days_to_first_contact", "Of the cases opened in the period with a contact "
            "recorded, the median calendar days from the first day of absence (a stay-at-work "
            "case: the day it opened) to the first contact.",
            lambda cases, period: _median(c.days_to_first_contact
                                          for c in _opened(cases, period))),
    Measure("median_days_to_first_assessment", "Of the cases opened in the period with an "
            "assessment, the median calendar days from the referral to OH to the first "
            "assessment on or after it (a case never referred: from the day it opened to its "
            "first assessment). Cases following the practice rules count the first OH "
            "consultation after the referral instead: the first appointment attended, or an "
            "assessment if one came first.",
            lambda cases, period: _median(c.days_to_first_assessment
                                          for c in _opened(cases, period))),
    Measure("median_days_absent", "Of the cases closed in the period that had an absence, "
            "the median calendar days from its first day to the first day back at work (else "
            "the day the case closed).",
            lambda cases, period: _median(c.days_absent for c in _closed(cases, period))),
    Measure("sustained_return_rate", "Of the follow-ups recorded in the period, the share "
            "that found the return sustained.", _sustained),
    Measure("deadlines_met_rate", "Of the cases opened in the period, the share of early "
            "contact and first OH assessment deadlines met (done by the deadline), among those "
            "already met or missed (done late, or passed undone).", _deadlines_met),
    Measure("escalations", "Escalations raised in the period (each awaits a named OH "
            "professional's confirmation).",
            lambda cases, period: sum(period.holds(day) for c in cases
                                      for day in c.escalated_on)),
    Measure("median_days_waiting_for_therapy", "Of the cases opened in the period, the median "
            "calendar days from a therapy referral to the therapy starting (therapies that "
            "started).",
            lambda cases, period: _median(wait for c in _opened(cases, period)
                                          for wait in c.therapy_waits)),
)


@dataclass(frozen=True)
class Evaluation:
    """Every figure of a period: the measures, and the tables the report draws."""

    period: Period
    employer_id: str | None
    cases: int
    measures: dict[str, float | int | None]
    outcomes: dict[str, int]
    referrals: dict[tuple[str, str, str], int]
    interventions: dict[str, tuple[int, int]]
    policy_versions: tuple[str, ...]


def evaluate(cases: Sequence[CaseFacts], period: Period, *,
             employer_id: str | None = None) -> Evaluation:
    """The figures of `period`, over one employer's cases or (None) all of them."""
    cases = _Cohort([c for c in cases if c.employer_id == employer_id]
                    if employer_id is not None else cases, period)
    closed, opened = cases.closed, cases.opened
    by_employee = Counter(c.intervention_by_employee for c in closed
                          if c.intervention_by_employee)
    by_manager = Counter(c.intervention_by_case_manager for c in closed
                         if c.intervention_by_case_manager)
    return Evaluation(
        period=period, employer_id=employer_id, cases=len(cases),
        measures={m.name: m.compute(cases, period) for m in MEASURES},
        outcomes=dict(sorted(Counter(c.outcome.value for c in closed if c.outcome).items())),
        referrals=dict(sorted(Counter((c.route.value, c.source, c.reason_category.value)
                                      for c in opened).items())),
        interventions={i.value: (by_employee[i], by_manager[i]) for i in Intervention},
        policy_versions=tuple(sorted({c.policy_version for c in opened + closed})),
    )
