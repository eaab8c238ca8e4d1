"""A synthetic cohort: each case's script, drawn from a profile with one seeded generator.

A script is what the people around a case would do, each step at a London moment: HR notifies
an absence (or a stay-at-work referral arrives), the line manager makes early contact and keeps
in touch, OH assesses and agrees a plan, a therapy is sometimes referred and started after a
wait, the employee returns (phased or not), is redeployed or leaves, OH closes the case with the
most important intervention as the employee and as the case manager saw it, and follows the
return up. The workflow's own timers add the reminders and escalations that the script's
timing calls for (a late contact, a consultation outside the week); nothing here decides what
the engine records.

Drawing is pure and deterministic: the same profile, seed and first day give the same scripts,
case for case, and case N is the same whatever the cohort's size (the cases are drawn in turn
from one `random.Random(seed)`, the profile's shares dealt from decks it shuffles, see `Decks`).
`localstack.cohort_run` walks the scripts through the workflow.

Moments are chosen so that no step of a case falls at the moment one of its deadlines does:
reminders go out at 09:00 and working days end at 17:00 (the default policy), cases open on the
hour, and people act at half past. Steps due on the day of a deadline are taken at 08:30.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from domain.actors import Actor, Person, Role, Source
from domain.calendar import add_working_days, is_working_day, local_moment, london_date
from domain.commands import (
    AcceptReferral,
    Adjustment,
    AgreePlan,
    Assessor,
    AssignCaseManager,
    CloseCase,
    CompletePhasedReturn,
    ConcludeRedeployment,
    ConsentScope,
    DeclineReferral,
    EmployeeReturned,
    OpenCase,
    PhasedReturnWeek,
    PlanAction,
    PlanAgreement,
    PlanContent,
    ReceiveReferral,
    RecordAssessment,
    RecordCheckIn,
    RecordEarlyContact,
    RecordFitNote,
    RecordFollowUp,
    RecordPlanReview,
    ReferToOh,
    ReferToTherapy,
    ReviewPhasedReturnWeek,
    ReviewRedeploymentTrial,
    StartPhasedReturn,
    StartRedeploymentTrial,
    UpdateTherapy,
)
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.journey.redeployment import SignOffRedeployment, VacancyMatch
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import RAPID_ACCESS_CATEGORIES, Action, ContactMethod, ReasonCategory
from domain.vocabulary import (
    AdjustmentKind,
    AssessmentKind,
    Fitness,
    FitNoteAssessment,
    FitNoteOption,
    IssuerProfession,
    MatchJudgement,
    Outcome,
    RedeploymentConclusion,
    ReferralSource,
    Route,
    TherapyStatus,
    Tier,
    WorkDemand,
)
from localstack.cohort_profiles import CohortProfile, ContactTiming, Shares, Spread
from workflows.payloads import CaseWorkflowInput

# Every case runs under the built-in policy, whatever is configured: the same seed must give
# the same cohort on any installation.
POLICY: Policy = DEFAULT_POLICY

# The London times people act at (see the module's docstring).
BEFORE_REMINDERS = time(8, 30)
MORNING = time(10, 30)
LATE_MORNING = time(11, 30)
MIDDAY = time(12, 30)
EARLY_AFTERNOON = time(13, 30)
AFTERNOON = time(14, 30)
LATE_AFTERNOON = time(15, 30)
END_OF_DAY = time(16, 30)

# Closures that record the most important intervention: every discharge but a withdrawal or a
# declined referral, which end before the service has helped with anything.
NO_INTERVENTION = frozenset({Outcome.WITHDRAWN, Outcome.DECLINED})
# The cohort's line managers (each case draws one) and OH staff.
MANAGERS = 25
OH_STAFF = (("OHN-1", "Jo Reid", "OH nurse"), ("OHN-2", "Sam Okafor", "OH nurse"),
            ("OHA-3", "Priya Nair", "OH advisor"), ("OHP-4", "Dr Ana Shah", "OH physician"))
ESCALATIONS_CONFIRMED_BY = "Dr Ana Shah, OH physician"
PHYSICIAN = OH_STAFF[3]  # who assesses a tier-3 case before its plan

K = TypeVar("K")


# --- what a script is made of --------------------------------------------------------------

@dataclass(frozen=True)
class Start:
    """Open the case: start its workflow."""

    input: CaseWorkflowInput


@dataclass(frozen=True)
class Act:
    """One action on the case, taken as its Workflow Update."""

    action: Action
    command: BaseModel
    actor: Actor


@dataclass(frozen=True)
class ReportReturn:
    """HR reports the employee back at work (a signal, as HR systems send it)."""

    fact: EmployeeReturned
    actor: Actor


@dataclass(frozen=True)
class ConfirmEscalations:
    """A named OH professional confirms every escalation still awaiting a decision (how many
    there are depends on what the workflow's timers raised, so it is read from the case)."""

    confirmed_by: str
    actor: Actor


Move = Start | Act | ReportReturn | ConfirmEscalations


@dataclass(frozen=True)
class Step:
    at: datetime
    move: Move

    @property
    def name(self) -> str:
        move = self.move
        if isinstance(move, Act):
            return move.action.value
        if isinstance(move, Start):
            return "open_case"
        if isinstance(move, ReportReturn):
            return "employee_returned"
        return "confirm_escalations"


@dataclass(frozen=True)
class CaseScript:
    """One case from its opening to its last step, with the facts it was drawn with."""

    number: int
    case_id: str
    route: Route
    reason: ReasonCategory
    outcome: Outcome
    steps: tuple[Step, ...]

    @property
    def opens_at(self) -> datetime:
        return self.steps[0].at


# --- the cohort --------------------------------------------------------------------------

def cohort_start(today: date) -> date:
    """The Monday after `today`: the cohort's first cases open that week. Every run in the same
    week opens its cases on the same days, so the same seed gives the same dates."""
    return today + timedelta(days=7 - today.weekday())


def draw_cohort(profile: CohortProfile, *, seed: int, cases: int, starts_on: date
                ) -> Iterator[CaseScript]:
    """The cohort's scripts in the order their cases open (as many a working day as the
    profile has opening times, from the first working day on or after `starts_on`)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    decks = Decks(rng)
    day = _working_day_on_or_after(starts_on)
    per_day = len(profile.opening_times)
    for number in range(1, cases + 1):
        slot = (number - 1) % per_day
        if number > 1 and slot == 0:
            day = add_working_days(day, 1, POLICY.non_working_days)
        yield _Journey(rng, decks, profile, seed=seed, number=number, opens_on=day,
                       opens_at=profile.opening_times[slot]).draw()


# --- drawing one case ----------------------------------------------------------------------

class Decks:
    """Draws from shares by dealing from shuffled decks of `SIZE` cards, one deck per named set
    of shares, a fresh deck shuffled when one runs out: every `SIZE` draws from a set follow its
    shares to the card (to the percent), in an order the seeded generator decides. Independent
    draws would wander several points from a published share in a cohort of a few hundred."""

    SIZE = 100

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._decks: dict[str, list[Any]] = {}

    def deal(self, name: str, shares: Shares[K]) -> K:
        deck = self._decks.get(name)
        if not deck:
            deck = cards(shares, self.SIZE)
            self._rng.shuffle(deck)
            self._decks[name] = deck
        card: K = deck.pop()
        return card

    def chance(self, name: str, share: float) -> bool:
        """True for `share` of the draws of `name`."""
        return self.deal(name, {True: share, False: 1 - share})


def cards(shares: Shares[K], size: int) -> list[K]:
    """`size` cards, each key on as many as its share makes (largest remainders round)."""
    exact = {key: share * size for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    short = size - sum(counts.values())
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[:short]:
        counts[key] += 1
    return [key for key, count in counts.items() for _ in range(count)]


def _days(rng: random.Random, spread: Spread) -> int:
    low, mode, high = spread
    return round(rng.triangular(low, high, mode))


def _working_day_on_or_after(day: date) -> date:
    while not is_working_day(day, POLICY.non_working_days):
        day += timedelta(days=1)
    return day


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day, POLICY.non_working_days):
        day -= timedelta(days=1)
    return day


def _working_days_before(day: date, count: int) -> date:
    for _ in range(count):
        day = _working_day_on_or_before(day - timedelta(days=1))
    return day


def _after(day: date, count: int) -> date:
    """`count` working days after `day` (the day itself for 0)."""
    return add_working_days(day, count, POLICY.non_working_days)


_ADJUSTMENTS: Mapping[ReasonCategory, tuple[tuple[AdjustmentKind, str], ...]] = {
    ReasonCategory.MUSCULOSKELETAL: (
        (AdjustmentKind.AMENDED_DUTIES, "No heavy lifting for four weeks"),
        (AdjustmentKind.EQUIPMENT, "Sit-stand desk"),
    ),
    ReasonCategory.MENTAL_HEALTH: (
        (AdjustmentKind.WORK_PATTERN, "Later start for four weeks"),
        (AdjustmentKind.WORKLOAD, "Reduced caseload for a month"),
        (AdjustmentKind.TEMPORARY_FLEXIBLE_WORKING, "Flexible hours while recovering"),
    ),
    ReasonCategory.OTHER: (
        (AdjustmentKind.TIME_OFF_FOR_APPOINTMENTS, "Time off for appointments"),
        (AdjustmentKind.EXTRA_BREAKS, "Extra breaks for six weeks"),
    ),
}
_BARRIERS = ("workload", "travel to work", "confidence about returning",
             "relationship with line manager", "shift pattern")
_METHODS = (ContactMethod.PHONE, ContactMethod.PHONE, ContactMethod.VIDEO,
            ContactMethod.IN_PERSON)
_ROLES = ("Ward clerk", "Medical records officer", "Patient transport planner",
          "Outpatient receptionist")
# Every synthetic trial is in an office role that avoids what OH's advice restricts.
_VACANCY_MATCH = VacancyMatch(
    restrictions=[WorkDemand.MANUAL_HANDLING, WorkDemand.PROLONGED_STANDING],
    capabilities=["Typing", "Patient administration system"],
    demands=[WorkDemand.SCREEN_WORK, WorkDemand.PUBLIC_FACING], skills_needed=["Typing"],
    judgement=MatchJudgement.SUITABLE)


class _Journey:
    """Draws one case, step by step, in a fixed order of draws."""

    def __init__(self, rng: random.Random, decks: Decks, profile: CohortProfile, *, seed: int,
                 number: int, opens_on: date, opens_at: time) -> None:
        self.rng = rng
        self.decks = decks
        self.profile = profile
        self.number = number
        self.key = f"{profile.name.upper()}-S{seed}-{number:06d}"
        self.opens_on = opens_on
        self.opened = local_moment(opens_on, opens_at)
        self.steps: list[Step] = []
        manager = rng.randrange(1, MANAGERS + 1)
        self.manager = Person(id=f"DEMO-M{manager:02d}", name=f"Demo Manager {manager}",
                              email=f"demo.manager.{manager}@example.org")
        self.employee = Person(id=f"DEMO-E-{self.key}", name=f"Demo Employee {number}",
                               email=f"demo.employee.{seed}.{number}@example.org")
        staff_id, staff_name, profession = OH_STAFF[rng.randrange(len(OH_STAFF))]
        self.assessor = Assessor(id=staff_id, name=staff_name, profession=profession)
        self.oh = Actor(id=staff_id, role=Role.OH, source=Source.CLI)
        self.line_manager = Actor(id=self.manager.id, role=Role.MANAGER, source=Source.CLI)
        self.hr = Actor(id="demo-hr", role=Role.HR, source=Source.CLI)

    # -- the two routes ---------------------------------------------------------------------

    def draw(self) -> CaseScript:
        if self.decks.chance("stay_at_work", self.profile.stay_at_work):
            return self._stay_at_work()
        return self._return_to_work()

    def _return_to_work(self) -> CaseScript:
        profile, rng = self.profile, self.rng
        reason = self.decks.deal("reasons", profile.reasons)
        outcome = self.decks.deal("outcomes_return_to_work", profile.outcomes_return_to_work)
        first_day = self.opens_on - timedelta(days=rng.randint(*profile.days_off_before_notice))
        absence_id = f"{self.key}-A"
        case_id = case_id_for_absence(profile.employer_id, absence_id)
        self._at(self.opened, Start(CaseWorkflowInput(
            case_id=case_id, opened_by=self.hr,
            open=OpenCase(employer_id=profile.employer_id, absence_id=absence_id,
                          employee=self.employee, manager=self.manager, first_day=first_day,
                          reason_category=reason, policy=POLICY, reported_on=self.opens_on),
        )))
        contacted, frequency = self._early_contact()
        if reason in RAPID_ACCESS_CATEGORIES:
            referred = self.opened  # the workflow refers it at once (rapid access)
        else:
            referred = local_moment(_after(london_date(contacted), 1), LATE_MORNING)
            self._act(referred, Action.REFER_TO_OH, ReferToOh(
                reason="Absence expected to last beyond a few weeks"), self.line_manager)
        fitness = self.decks.deal(f"fitness[{outcome.value}]", profile.fitness_by_outcome[outcome])
        assessed = self._assessment(referred, after=contacted, fitness=fitness, reason=reason)
        planned_on = _after(london_date(assessed), rng.randint(1, 3))
        ending = self._ending(outcome, reason, first_day=first_day, planned_on=planned_on)
        self._plan(planned_on, ending.closes_on, reason, fitness)
        self._therapy(reason, planned_on, ending.closes_on)
        self._fit_notes(first_day, ending.back_at_work)
        self._check_ins(contacted, frequency, ending.back_at_work)
        self._return(ending)
        self._close(outcome, ending)
        return self._script(case_id, Route.RETURN_TO_WORK, reason, outcome)

    def _stay_at_work(self) -> CaseScript:
        profile, rng = self.profile, self.rng
        reason = self.decks.deal("reasons", profile.reasons)
        outcome = self.decks.deal("outcomes_stay_at_work", profile.outcomes_stay_at_work)
        source = self.decks.deal("referral_sources", profile.referral_sources)
        referral_id = f"{self.key}-R"
        case_id = case_id_for_referral(profile.employer_id, referral_id)
        self._at(self.opened, Start(CaseWorkflowInput(
            case_id=case_id,
            opened_by=self.line_manager if source is ReferralSource.MANAGER else self.oh,
            referral=ReceiveReferral(employer_id=profile.employer_id, referral_id=referral_id,
                                     employee=self.employee, manager=self.manager,
                                     source=source, reason_category=reason,
                                     referred_on=self.opens_on, policy=POLICY),
        )))
        triaged = local_moment(_after(self.opens_on, 1), MORNING)
        if outcome is Outcome.DECLINED:
            self._act(triaged, Action.DECLINE_REFERRAL, DeclineReferral(
                declined_by=self.assessor.name, criterion="about_work",
                reason="Outside the service's referral criteria"), self.oh)
            return self._script(case_id, Route.STAY_AT_WORK, reason, outcome)
        self._act(triaged, Action.ACCEPT_REFERRAL, AcceptReferral(
            accepted_by=self.assessor.name), self.oh)
        fitness = self.decks.deal(f"fitness[{outcome.value}]", profile.fitness_by_outcome[outcome])
        assessed = self._assessment(triaged, after=triaged, fitness=fitness, reason=reason)
        planned_on = _after(london_date(assessed), rng.randint(1, 3))
        if outcome is Outcome.WITHDRAWN:
            closes_on = _after(planned_on, rng.randint(*profile.withdrawn_after_plan_days))
        else:
            closes_on = _working_day_on_or_after(
                planned_on + timedelta(days=_days(rng, profile.stay_at_work_days)))
        ending = _Ending(closes_on=closes_on, back_at_work=None, returns_on=None)
        self._plan(planned_on, closes_on, reason, fitness)
        self._therapy(reason, planned_on, closes_on)
        self._close(outcome, ending)
        return self._script(case_id, Route.STAY_AT_WORK, reason, outcome)

    # -- the stages -------------------------------------------------------------------------

    def _early_contact(self) -> tuple[datetime, int]:
        """Contact against its deadline (the end of the next working day) and HR's alert a
        working day later; the agreed frequency of keeping in touch."""
        timing = self.decks.deal("contact_timing", self.profile.contact_timing)
        frequency = self.decks.deal("contact_frequency_days",
                                    self.profile.contact_frequency_days)
        method = self.rng.choice(_METHODS)
        at = {
            ContactTiming.SAME_DAY: local_moment(self.opens_on, LATE_AFTERNOON),
            ContactTiming.NEXT_WORKING_DAY: local_moment(_after(self.opens_on, 1), MORNING),
            ContactTiming.AFTER_REMINDER: local_moment(_after(self.opens_on, 2), MORNING),
            ContactTiming.AFTER_HR_ALERT: local_moment(_after(self.opens_on, 3), MORNING),
        }[timing]
        self._act(at, Action.RECORD_EARLY_CONTACT, RecordEarlyContact(
            contacted_at=at, method=method, agreed_contact_frequency_days=frequency),
            self.line_manager)
        return at, frequency

    def _assessment(self, referred: datetime, *, after: datetime, fitness: Fitness,
                    reason: ReasonCategory) -> datetime:
        """The first OH consultation, after the contact: on a working day within the week
        after the referral, or (for the rest) on the first working day once the week is out
        and the reminder has gone (two days more, over a weekend, and it escalates)."""
        rng, profile = self.rng, self.profile
        referred_on = london_date(referred)
        within = self.decks.chance("assessment_within_a_week", profile.assessment_within_a_week)
        days = (range(1, 7) if within else range(8, 60))
        candidates = [d for d in (referred_on + timedelta(days=n) for n in days)
                      if is_working_day(d, POLICY.non_working_days)
                      and local_moment(d, EARLY_AFTERNOON) > after]
        if not candidates:  # the contact came too late for the week
            candidates = [d for d in (referred_on + timedelta(days=n) for n in range(1, 60))
                          if is_working_day(d, POLICY.non_working_days)
                          and local_moment(d, EARLY_AFTERNOON) > after]
        day = rng.choice(candidates) if within else candidates[0]
        at = local_moment(day, EARLY_AFTERNOON)
        tier = self.decks.deal("tiers", profile.tiers)
        if fitness is Fitness.UNFIT_ANY_WORK:
            tier = Tier.SPECIALIST
        kind, detail = rng.choice(_ADJUSTMENTS[reason])
        adjustments = ([Adjustment(kind=kind, detail=detail)]
                       if fitness in (Fitness.FIT_WITH_ADJUSTMENTS, Fitness.UNFIT_OWN_ROLE)
                       else [])
        self._act(at, Action.RECORD_ASSESSMENT, RecordAssessment(
            kind=AssessmentKind.EARLY, assessed_at=at, assessor=self.assessor, tier=tier,
            fitness=fitness, barriers=[rng.choice(_BARRIERS)],
            recommended_adjustments=adjustments,
            consent=ConsentScope(share_fitness_with_manager=True,
                                 share_adjustments_with_manager=True, share_with_hr=True,
                                 report_offered_to_employee=True),
            rapid_access=reason in RAPID_ACCESS_CATEGORIES), self.oh)
        # Unfit for any work escalates, as does a consultation overdue twice.
        self._at(at, ConfirmEscalations(ESCALATIONS_CONFIRMED_BY, self.oh))
        self._route(at, tier, fitness, reason, adjustments)
        return at

    def _route(self, at: datetime, tier: Tier, fitness: Fitness, reason: ReasonCategory,
               adjustments: list[Adjustment]) -> None:
        """Triage's route: a tier-2 or tier-3 case gets its case manager (the assessor) at
        once, and a tier-3 case the OH physician's assessment within the hour, before a plan."""
        if tier is Tier.SELF_HELP:
            return
        self._act(at, Action.ASSIGN_CASE_MANAGER, AssignCaseManager(
            user_id=self.assessor.id, name=self.assessor.name), self.oh)
        if tier is not Tier.SPECIALIST or self.assessor.profession == PHYSICIAN[2]:
            return
        physician = Actor(id=PHYSICIAN[0], role=Role.OH, source=Source.CLI)
        later = at + timedelta(hours=1)
        self._act(later, Action.RECORD_ASSESSMENT, RecordAssessment(
            kind=AssessmentKind.QUALITY, assessed_at=later, tier=tier, fitness=fitness,
            recommended_adjustments=adjustments,
            assessor=Assessor(id=PHYSICIAN[0], name=PHYSICIAN[1], profession=PHYSICIAN[2]),
            consent=ConsentScope(share_fitness_with_manager=True,
                                 share_adjustments_with_manager=True, share_with_hr=True,
                                 report_offered_to_employee=True),
            rapid_access=reason in RAPID_ACCESS_CATEGORIES), physician)

    def _ending(self, outcome: Outcome, reason: ReasonCategory, *, first_day: date,
                planned_on: date) -> _Ending:
        """When an absence ends: the return (phased or not), the redeployment, or the close."""
        rng, profile = self.rng, self.profile
        if outcome in (Outcome.RETURNED_TO_OWN_ROLE, Outcome.RETURNED_WITH_ADJUSTMENTS):
            returns_on = _working_day_on_or_after(max(
                first_day + timedelta(days=_days(rng, profile.absence_days[reason])),
                planned_on + timedelta(days=10)))
            if self.decks.chance("phased_return", profile.phased_return):
                weeks = self.decks.deal("phased_return_weeks", profile.phased_return_weeks)
                agreed_on = max(_working_days_before(returns_on, 3), _after(planned_on, 1))
                completes_on = returns_on + timedelta(weeks=weeks)
                return _Ending(closes_on=_after(completes_on, rng.randint(0, 2)),
                               back_at_work=local_moment(agreed_on, LATE_MORNING),
                               returns_on=returns_on, phased_weeks=weeks)
            return _Ending(closes_on=_after(returns_on, rng.randint(1, 3)),
                           back_at_work=local_moment(returns_on, MIDDAY), returns_on=returns_on)
        if outcome is Outcome.REDEPLOYED:
            agreed_on = _after(planned_on, rng.randint(5, 15))
            returns_on = _after(agreed_on, 3)
            concluded_on = returns_on + timedelta(weeks=profile.redeployment_trial_weeks)
            return _Ending(closes_on=_after(concluded_on, rng.randint(1, 2)),
                           back_at_work=local_moment(agreed_on, LATE_MORNING),
                           returns_on=returns_on, trial_weeks=profile.redeployment_trial_weeks)
        if outcome is Outcome.WITHDRAWN:
            closes_on = _after(planned_on, rng.randint(*profile.withdrawn_after_plan_days))
        else:
            spread = (profile.ill_health_retirement_days
                      if outcome is Outcome.ILL_HEALTH_RETIREMENT
                      else profile.absence_days[reason])
            closes_on = _working_day_on_or_after(max(
                first_day + timedelta(days=_days(rng, spread)), planned_on + timedelta(days=7)))
        return _Ending(closes_on=closes_on, back_at_work=local_moment(closes_on, AFTERNOON),
                       returns_on=None)

    def _plan(self, planned_on: date, closes_on: date, reason: ReasonCategory,
              fitness: Fitness) -> None:
        """The plan, reviewed fortnightly until the case closes (each review on its day,
        before the day's reminders)."""
        reviews = [planned_on + timedelta(days=14 * n) for n in range(1, 5)
                   if planned_on + timedelta(days=14 * n) <= closes_on] or [
            planned_on + timedelta(days=14)]
        kind, detail = self.rng.choice(_ADJUSTMENTS[reason])
        at = local_moment(planned_on, LATE_AFTERNOON)
        self._act(at, Action.AGREE_PLAN, AgreePlan(
            agreed_at=at,
            plan=PlanContent(
                concerns=["Managing the return"], goals=["Back to usual duties"],
                actions=[PlanAction(owner="line manager", description="Agree the first week back",
                                    due_on=planned_on + timedelta(days=7))],
                adjustments=([Adjustment(kind=kind, detail=detail)]
                             if fitness is not Fitness.FIT else []),
                support_organisations=["Employee assistance programme"],
                review_dates=reviews),
            agreed_by=PlanAgreement(employee=True, manager=True, oh=True)), self.oh)
        for day in reviews:
            if day <= closes_on:
                self._act(local_moment(day, BEFORE_REMINDERS), Action.RECORD_PLAN_REVIEW,
                          RecordPlanReview(reviewed_on=day, on_track=True), self.oh)

    def _therapy(self, reason: ReasonCategory, planned_on: date, closes_on: date) -> None:
        """Sometimes a therapy: referred with the plan, waiting, then started (or declined)
        after its wait, and completed after its course or when the case closes."""
        rng, profile = self.rng, self.profile
        if not self.decks.chance(f"therapy[{reason.value}]", profile.therapy[reason]):
            return
        kind = self.decks.deal(f"therapy_kinds[{reason.value}]", profile.therapy_kinds[reason])
        starts_on = _working_day_on_or_after(
            planned_on + timedelta(days=_days(rng, profile.therapy_wait_days[kind])))
        declined = self.decks.chance("therapy_declined", profile.therapy_declined)
        ends_on = _working_day_on_or_after(
            starts_on + timedelta(days=_days(rng, profile.therapy_course_days)))
        if starts_on >= closes_on:
            return  # the case would close before it began: not referred
        self._act(local_moment(planned_on, END_OF_DAY), Action.REFER_TO_THERAPY,
                  ReferToTherapy(kind=kind, referred_on=planned_on), self.oh)
        waiting_on = _after(planned_on, 1)
        if waiting_on < starts_on:
            self._therapy_update(waiting_on, TherapyStatus.WAITING)
        if declined:
            self._therapy_update(starts_on, TherapyStatus.DECLINED, "Did not take up the offer")
            return
        self._therapy_update(starts_on, TherapyStatus.STARTED)
        if ends_on < closes_on:
            self._therapy_update(ends_on, TherapyStatus.COMPLETED)
        else:
            self._act(local_moment(closes_on, AFTERNOON), Action.UPDATE_THERAPY, UpdateTherapy(
                therapy_number=1, status=TherapyStatus.COMPLETED, on=closes_on), self.oh)

    def _therapy_update(self, on: date, status: TherapyStatus, reason: str | None = None) -> None:
        self._act(local_moment(on, LATE_MORNING), Action.UPDATE_THERAPY, UpdateTherapy(
            therapy_number=1, status=status, on=on, reason=reason), self.oh)

    def _fit_notes(self, first_day: date, back_at_work: datetime | None) -> None:
        """A fit note for day 8 of absence onwards (issued on the last working day before it,
        recorded before the day's reminder), each covering until a few days past the return and
        renewed before it ends; 'not fit' notes escalate, and OH confirms the next working day."""
        if back_at_work is None:
            return
        profile = self.profile
        back_on = london_date(back_at_work)
        needed_on = first_day + timedelta(days=POLICY.self_certified_days)
        issued_on = max(_working_day_on_or_before(needed_on), self.opens_on)
        at = local_moment(issued_on, BEFORE_REMINDERS if issued_on > self.opens_on else END_OF_DAY)
        starts_on = issued_on
        while True:
            ends_on = min(back_on + timedelta(days=3), starts_on + timedelta(days=90))
            not_fit = self.decks.chance("fit_note_not_fit", profile.fit_note_not_fit)
            self._act(at, Action.RECORD_FIT_NOTE, RecordFitNote(
                issued_on=issued_on, issuer_profession=IssuerProfession.DOCTOR,
                assessment=FitNoteAssessment.NOT_FIT if not_fit else FitNoteAssessment.MAY_BE_FIT,
                options=[] if not_fit else [FitNoteOption.AMENDED_DUTIES],
                starts_on=starts_on, ends_on=ends_on,
                assess_again=ends_on < back_on), self.line_manager)
            if not_fit:
                self._at(local_moment(_after(issued_on, 1), MORNING),
                         ConfirmEscalations(ESCALATIONS_CONFIRMED_BY, self.oh))
            if ends_on >= back_on + timedelta(days=3):
                return
            # Renewed before the note's ending reminder goes out.
            issued_on = ends_on - timedelta(days=POLICY.fit_note_expiry_notice_days)
            at = local_moment(issued_on, BEFORE_REMINDERS)
            starts_on = ends_on + timedelta(days=1)

    def _check_ins(self, contacted: datetime, frequency: int,
                   back_at_work: datetime | None) -> None:
        """Keeping in touch on the agreed cadence while the employee is off work; now and then
        a day late, once the manager has been reminded."""
        if back_at_work is None:
            return
        last = london_date(contacted)
        while True:
            on = last + timedelta(days=frequency)
            if self.decks.chance("check_in_a_day_late", self.profile.check_in_a_day_late):
                on += timedelta(days=1)
            at = local_moment(on, MORNING)
            if at >= back_at_work:
                return
            self._act(at, Action.RECORD_CHECK_IN, RecordCheckIn(
                contacted_at=at, method=self.rng.choice(_METHODS)), self.line_manager)
            last = on

    def _return(self, ending: _Ending) -> None:
        returns_on = ending.returns_on
        if returns_on is None or ending.back_at_work is None:
            return
        if ending.phased_weeks:
            weeks = ending.phased_weeks
            self._act(ending.back_at_work, Action.START_PHASED_RETURN, StartPhasedReturn(
                starts_on=returns_on, weeks=[
                    PhasedReturnWeek(week=n, hours=round(37.5 * n / weeks * 2) / 2,
                                     duties="Usual duties" if n == weeks else "Lighter duties")
                    for n in range(1, weeks + 1)]), self.oh)
            for week in range(1, weeks + 1):
                self._act(local_moment(returns_on + timedelta(weeks=week), BEFORE_REMINDERS),
                          Action.REVIEW_PHASED_RETURN_WEEK,
                          ReviewPhasedReturnWeek(week=week, on_track=True), self.line_manager)
            completed_on = returns_on + timedelta(weeks=weeks)
            self._act(local_moment(completed_on, BEFORE_REMINDERS),
                      Action.COMPLETE_PHASED_RETURN,
                      CompletePhasedReturn(completed_on=completed_on), self.line_manager)
        elif ending.trial_weeks:
            weeks = ending.trial_weeks
            self._act(ending.back_at_work, Action.START_REDEPLOYMENT_TRIAL, StartRedeploymentTrial(
                vacancy_ref=f"VAC-{self.key}", role_title=self.rng.choice(_ROLES),
                starts_on=returns_on, trial_weeks=weeks, permanent=True,
                match=_VACANCY_MATCH), self.hr)
            for week in POLICY.redeployment_trial_review_weeks:
                if week <= weeks:
                    self._act(local_moment(returns_on + timedelta(weeks=week), BEFORE_REMINDERS),
                              Action.REVIEW_REDEPLOYMENT_TRIAL,
                              ReviewRedeploymentTrial(week=week, on_track=True), self.oh)
            concluded_on = returns_on + timedelta(weeks=weeks)
            # OH signs the redeployment off before HR confirms it.
            self._act(local_moment(concluded_on, BEFORE_REMINDERS), Action.SIGN_OFF_REDEPLOYMENT,
                      SignOffRedeployment(on=concluded_on), self.oh)
            self._act(local_moment(concluded_on, BEFORE_REMINDERS), Action.CONCLUDE_REDEPLOYMENT,
                      ConcludeRedeployment(conclusion=RedeploymentConclusion.CONFIRMED,
                                           on=concluded_on), self.hr)
        else:
            self._at(ending.back_at_work, ReportReturn(EmployeeReturned(
                sent_at=ending.back_at_work, returned_on=returns_on), self.hr))

    def _close(self, outcome: Outcome, ending: _Ending) -> None:
        """Closure, with the most important intervention as each saw it; then, after a
        return, the follow-up on its day (or the working day after a later close)."""
        profile = self.profile
        by_employee = by_case_manager = None
        if outcome not in NO_INTERVENTION:
            by_employee = self.decks.deal("interventions_by_employee",
                                         profile.interventions_by_employee)
            by_case_manager = self.decks.deal("interventions_by_case_manager",
                                             profile.interventions_by_case_manager)
        at = local_moment(ending.closes_on, AFTERNOON)
        self._at(at, ConfirmEscalations(ESCALATIONS_CONFIRMED_BY, self.oh))
        self._act(at, Action.CLOSE_CASE, CloseCase(
            outcome=outcome, closed_on=ending.closes_on,
            intervention_by_employee=by_employee,
            intervention_by_case_manager=by_case_manager), self.oh)
        if outcome in (Outcome.RETURNED_TO_OWN_ROLE, Outcome.RETURNED_WITH_ADJUSTMENTS,
                       Outcome.REDEPLOYED, Outcome.RESOLVED_WITHOUT_ABSENCE):
            due_on = (ending.returns_on or ending.closes_on) + timedelta(
                days=POLICY.follow_up_days)
            checked_on = max(due_on, _after(ending.closes_on, 1))
            sustained = self.decks.chance("sustained", profile.sustained)
            self._act(local_moment(checked_on, BEFORE_REMINDERS), Action.RECORD_FOLLOW_UP,
                      RecordFollowUp(checked_on=checked_on, sustained=sustained), self.oh)
            if not sustained:
                # The case reopens; OH closes it again the next working day, and its second
                # follow-up finds the return sustained.
                closes_again_on = _after(checked_on, 1)
                self._act(local_moment(closes_again_on, AFTERNOON), Action.CLOSE_CASE,
                          CloseCase(outcome=outcome, closed_on=closes_again_on,
                                    intervention_by_employee=by_employee,
                                    intervention_by_case_manager=by_case_manager), self.oh)
                checked_again_on = max(due_on, _after(closes_again_on, 1))
                self._act(local_moment(checked_again_on, BEFORE_REMINDERS),
                          Action.RECORD_FOLLOW_UP,
                          RecordFollowUp(checked_on=checked_again_on, sustained=True), self.oh)

    # -- building ---------------------------------------------------------------------------

    def _at(self, at: datetime, move: Move) -> None:
        self.steps.append(Step(at=at, move=move))

    def _act(self, at: datetime, action: Action, command: BaseModel, actor: Actor) -> None:
        self._at(at, Act(action=action, command=command, actor=actor))

    def _script(self, case_id: str, route: Route, reason: ReasonCategory,
                outcome: Outcome) -> CaseScript:
        # Stable: steps at the same moment keep the order they were drawn in. A confirmation
        # planned for after the case has closed has nothing left to confirm.
        steps = sorted(self.steps, key=lambda step: step.at)
        closed = next(step.at for step in steps if isinstance(step.move, Act)
                      and step.move.action in (Action.CLOSE_CASE, Action.DECLINE_REFERRAL))
        steps = [step for step in steps
                 if not (isinstance(step.move, ConfirmEscalations) and step.at > closed)]
        return CaseScript(number=self.number, case_id=case_id, route=route, reason=reason,
                          outcome=outcome, steps=tuple(steps))


@dataclass(frozen=True)
class _Ending:
    """How a case's absence ends and when it closes."""

    closes_on: date
    back_at_work: datetime | None
    """The moment the employee counts as back (or the close, for a case that ends off work);
    None for a stay-at-work case."""
    returns_on: date | None
    phased_weeks: int = 0
    trial_weeks: int = 0

