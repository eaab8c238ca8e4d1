"""What another version of a policy would have done to cases already recorded.

A case's record holds two kinds of events: the facts that people and HR systems reported (a
contact made, an assessment, a return, a closure) and what the timer decided when a deadline
passed unmet (reminders, escalations, referrals, flags). `simulate_case` keeps the facts and lets
the timer decide again, under another version, as the workflow would have:

1. the case opens as recorded, but under the other version;
2. the recorded facts are taken in the order they were recorded; before each one, every
   deadline of the simulated case that falls due by the moment it arrived is passed to the
   domain's own `decide(state, DeadlinePassed(key))`, earliest first, as the workflow's timers
   would have done; then the fact is applied with `evolve`;
3. at the end of the record (its last event if the case closed; otherwise `until`, normally
   now) the deadlines due by then are passed too.

A fact arrives, for this purpose, when it happened, but never before an event recorded ahead of
it (the clock of a record never runs backwards): a contact reported a day late still arrives
after the reminder that the workflow sent meanwhile.

What the facts carry that the policy decided is decided again under the other version: the first
OH consultation a referral makes due, the follow-up a return makes due, the people an escalation
goes to and its number. A fact the simulated case would not have accepted (its stage differs, an
HR message that would decide nothing there) is kept as a `Divergence` and applied all the same
where its evolution can be; one that cannot (a second referral, a decision on an escalation
never raised, anything after closure) is left out and says so. A policy adopted later on the
record is not applied: the simulated version holds throughout.

The limits: people are taken to have acted when they did, whatever the other version would have
reminded them of; what they did is not checked again against the other version's limits (the
weeks of a phased return, the dates it accepts); a fact reported after it happened may have
arrived later than its record shows, so a reminder the workflow sent in between can be missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import BaseModel

from domain.actions import RULES, allowed_actions
from domain.actors import TIMER_ACTOR, Source
from domain.deadlines import Deadline, DeadlineKind, open_deadlines
from domain.decide import decide
from domain.errors import ActionNotAllowed
from domain.events import (
    OPENING_EVENTS,
    AbsenceExtended,
    AbsenceStarted,
    AssessmentRecorded,
    CaseClosed,
    CaseEscalated,
    CaseEvent,
    CheckInRecorded,
    EarlyContactRecorded,
    EscalationConfirmed,
    FitNoteAdviceDeclined,
    FitNoteRecorded,
    FollowUpRecorded,
    LeavingNotified,
    OhReferralMade,
    PhasedReturnCompleted,
    PhasedReturnExtended,
    PhasedReturnStarted,
    PhasedReturnWeekReviewed,
    PlanAgreed,
    PlanReviewed,
    PolicyAdopted,
    RedeploymentConcluded,
    RedeploymentTrialReviewed,
    RedeploymentTrialStarted,
    ReferralAccepted,
    ReferralDeclined,
    ReturnToWorkNotified,
    TherapyReferred,
    TherapyUpdated,
)
from domain.evolve import ReplayError, evolve, fold
from domain.journey import hr_facts
from domain.journey.base import Event
from domain.journey.closure import follow_up_due
from domain.journey.escalation import escalation
from domain.journey.hr_facts import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.journey.oh_referral import first_assessment_due
from domain.journey.reminders import DeadlinePassed
from domain.kpis import MEASURES, CaseFacts, Period, evaluate
from domain.policy import Policy
from domain.stages import Action, Stage
from domain.state import CaseState

__all__ = [
    "ESCALATION_KINDS", "OWED_KINDS", "REMINDER_KINDS", "CaseSimulation", "DeadlineComparison",
    "DeadlineOutcome", "DeadlineStatus", "Divergence", "KpiComparison", "Sides",
    "SimulationTotals", "compare_kpis", "deadline_outcomes", "simulate_case", "totals",
]

REMINDER_KINDS = frozenset({DeadlineKind.CONTACT_REMINDER, DeadlineKind.REMINDER})
ESCALATION_KINDS = frozenset({DeadlineKind.CONTACT_ESCALATION, DeadlineKind.ESCALATION})
OWED_KINDS = REMINDER_KINDS | ESCALATION_KINDS
"""Deadlines someone owes (a contact, a fit note, a consultation...): met or missed. The
others are the rules' own doing (a referral at day 28, the risk flag): they pass or not."""


class DeadlineStatus(StrEnum):
    """How a deadline ended on a case."""

    MET = "met"
    """No longer owed before it fell due: done in time, or made unnecessary (a return)."""
    MISSED = "missed"
    """It fell due first: the timer decided (a reminder, escalation, referral or flag)."""
    OPEN = "open"
    """Still open when the record (or the simulation) ends."""


@dataclass(frozen=True)
class DeadlineOutcome:
    """One deadline of a case and how it ended; `settled_at` is when it was met or missed."""

    key: str
    name: str
    kind: DeadlineKind
    due_at: datetime
    status: DeadlineStatus
    settled_at: datetime | None = None


@dataclass(frozen=True)
class DeadlineComparison:
    """One deadline as recorded and as simulated; None where it never arose on that side."""

    key: str
    name: str
    kind: DeadlineKind
    actual: DeadlineOutcome | None
    simulated: DeadlineOutcome | None

    @property
    def changed(self) -> bool:
        """Whether it arose, fell or ended differently."""
        return _shape(self.actual) != _shape(self.simulated)


def _shape(outcome: DeadlineOutcome | None) -> tuple[datetime, DeadlineStatus] | None:
    return None if outcome is None else (outcome.due_at, outcome.status)


@dataclass(frozen=True)
class Divergence:
    """A recorded fact the simulated case would not have taken as it was recorded."""

    position: int
    """Its position in the case's record (the opening is 1)."""
    event_type: str
    simulated_stage: Stage
    problem: str
    applied: bool
    """Whether it was applied to the simulated case all the same."""


class Sides(NamedTuple):
    """A figure as recorded and as simulated."""

    actual: int
    simulated: int

    @property
    def delta(self) -> int:
        return self.simulated - self.actual


Side = Literal["actual", "simulated"]


@dataclass(frozen=True)
class CaseSimulation:
    """One case as recorded and as it would have gone under another policy version."""

    case_id: str
    employer_id: str
    actual_policy: str
    simulated_policy: str
    until: datetime
    """Where the simulation stopped: the record's last event, or `until` for a running case."""
    actual: CaseState
    simulated: CaseState
    deadlines: tuple[DeadlineComparison, ...]
    divergences: tuple[Divergence, ...]

    def outcomes(self, side: Side) -> list[DeadlineOutcome]:
        """Every deadline of one side, earliest due first."""
        found = (getattr(d, side) for d in self.deadlines)
        return [o for o in found if o is not None]

    def count(self, side: Side, status: DeadlineStatus,
              kinds: frozenset[DeadlineKind] = OWED_KINDS) -> int:
        return sum(o.status is status and o.kind in kinds for o in self.outcomes(side))

    def _sides(self, status: DeadlineStatus, kinds: frozenset[DeadlineKind]) -> Sides:
        return Sides(self.count("actual", status, kinds), self.count("simulated", status, kinds))

    @property
    def met(self) -> Sides:
        """Deadlines someone owed that were met in time."""
        return self._sides(DeadlineStatus.MET, OWED_KINDS)

    @property
    def missed(self) -> Sides:
        """Deadlines someone owed that fell due first (each sent a reminder or escalated)."""
        return self._sides(DeadlineStatus.MISSED, OWED_KINDS)

    @property
    def reminders(self) -> Sides:
        return self._sides(DeadlineStatus.MISSED, REMINDER_KINDS)

    @property
    def escalations(self) -> Sides:
        """Escalations a missed deadline caused (to HR for early contact, else to OH)."""
        return self._sides(DeadlineStatus.MISSED, ESCALATION_KINDS)

    def _escalated(self, side: Side) -> set[str]:
        return {o.key for o in self.outcomes(side)
                if o.kind in ESCALATION_KINDS and o.status is DeadlineStatus.MISSED}

    @property
    def escalations_added(self) -> tuple[str, ...]:
        """Deadline escalations the simulated case has and the recorded one has not."""
        return tuple(sorted(self._escalated("simulated") - self._escalated("actual")))

    @property
    def escalations_avoided(self) -> tuple[str, ...]:
        """Deadline escalations recorded that the simulated case would not have had."""
        return tuple(sorted(self._escalated("actual") - self._escalated("simulated")))

    @property
    def changed(self) -> tuple[DeadlineComparison, ...]:
        return tuple(d for d in self.deadlines if d.changed)


def simulate_case(recorded: Sequence[CaseEvent], policy: Policy, *, until: datetime
                  ) -> CaseSimulation:
    """Replay one case's record under `policy` (see the module's description).

    `recorded`: the case's events in the order they were recorded, from its opening.
    `until`: how far to run a case whose record does not end closed (normally now); a moment
    before its last event counts as that event. Raises `ReplayError` for a record that does not
    open a case.
    """
    if not recorded or not isinstance(recorded[0], OPENING_EVENTS):
        raise ReplayError("a case's record begins with its opening")
    actual = fold(recorded)
    if actual is None:  # pragma: no cover - a record with an opening folds to a case
        raise ReplayError("a case's record begins with its opening")
    simulator = _Simulator(recorded[0], policy, actual)
    for position, event in enumerate(recorded[1:], start=2):
        simulator.arrive(event.occurred_at)
        if event.actor.source is Source.TIMER:
            continue
        simulator.fire_until(simulator.clock)
        simulator.take(position, event)
    end = simulator.clock if actual.stage is Stage.CLOSED else max(simulator.clock, until)
    simulator.arrive(end)
    simulator.fire_until(end)
    return CaseSimulation(
        case_id=actual.case_id, employer_id=actual.employer_id,
        actual_policy=actual.policy.version, simulated_policy=policy.version, until=end,
        actual=actual, simulated=simulator.state,
        deadlines=_compare(deadline_outcomes(recorded), deadline_outcomes(simulator.events)),
        divergences=tuple(simulator.divergences),
    )


def deadline_outcomes(events: Iterable[CaseEvent]) -> dict[str, DeadlineOutcome]:
    """How each deadline of a case ended, read from its events in recorded order.

    A deadline is missed when the timer acted on it, met when a fact took it off the case's
    open deadlines before it fell due (missed if only after), open if still open at the end.
    One the timer took off by acting on another (a referral made at day 28 ends the rapid-access
    one) is left out: nobody met or missed it.
    """
    outcomes: dict[str, DeadlineOutcome] = {}
    state: CaseState | None = None
    clock: datetime | None = None
    for event in events:
        clock = event.occurred_at if clock is None else max(clock, event.occurred_at)
        before = {d.key: d for d in open_deadlines(state)} if state is not None else {}
        fired_before = state.fired if state is not None else frozenset()
        state = evolve(state, event)
        after = {d.key: d for d in open_deadlines(state)}
        acted = state.fired - fired_before
        by_timer = event.actor.source is Source.TIMER
        for key, deadline in before.items():
            if key in after:
                continue
            if key in acted:
                outcomes[key] = _outcome(deadline, DeadlineStatus.MISSED, clock)
            elif by_timer:
                outcomes.pop(key, None)
            else:
                met = clock <= deadline.due_at
                outcomes[key] = _outcome(deadline, DeadlineStatus.MET if met
                                         else DeadlineStatus.MISSED, clock)
        for key, deadline in after.items():
            outcomes[key] = _outcome(deadline, DeadlineStatus.OPEN, None)
    return outcomes


def _outcome(deadline: Deadline, status: DeadlineStatus, at: datetime | None
             ) -> DeadlineOutcome:
    return DeadlineOutcome(key=deadline.key, name=deadline.name, kind=deadline.kind,
                           due_at=deadline.due_at, status=status, settled_at=at)


def _compare(actual: dict[str, DeadlineOutcome], simulated: dict[str, DeadlineOutcome]
             ) -> tuple[DeadlineComparison, ...]:
    compared = []
    for key in actual.keys() | simulated.keys():
        either = actual.get(key) or simulated[key]
        compared.append(DeadlineComparison(key=key, name=either.name, kind=either.kind,
                                           actual=actual.get(key), simulated=simulated.get(key)))
    return tuple(sorted(compared, key=lambda d: (min(o.due_at for o in (d.actual, d.simulated)
                                                     if o is not None), d.key)))


# The actions whose decision a recorded fact begins; the simulated case must be in a stage
# that allows one of them. Events that follow another in the same decision are not listed.
_RECORDED_BY: dict[type[Event], tuple[Action, ...]] = {
    ReferralAccepted: (Action.ACCEPT_REFERRAL,),
    ReferralDeclined: (Action.DECLINE_REFERRAL,),
    AbsenceStarted: (Action.RECORD_ABSENCE,),
    EarlyContactRecorded: (Action.RECORD_EARLY_CONTACT,),
    CheckInRecorded: (Action.RECORD_CHECK_IN,),
    AssessmentRecorded: (Action.RECORD_ASSESSMENT,),
    EscalationConfirmed: (Action.CONFIRM_ESCALATION,),
    PlanAgreed: (Action.AGREE_PLAN, Action.REVISE_PLAN),
    PlanReviewed: (Action.RECORD_PLAN_REVIEW,),
    TherapyReferred: (Action.REFER_TO_THERAPY,),
    TherapyUpdated: (Action.UPDATE_THERAPY,),
    FitNoteRecorded: (Action.RECORD_FIT_NOTE,),
    FitNoteAdviceDeclined: (Action.DECLINE_FIT_NOTE_ADVICE,),
    PhasedReturnStarted: (Action.START_PHASED_RETURN,),
    PhasedReturnWeekReviewed: (Action.REVIEW_PHASED_RETURN_WEEK,),
    PhasedReturnExtended: (Action.EXTEND_PHASED_RETURN,),
    PhasedReturnCompleted: (Action.COMPLETE_PHASED_RETURN,),
    RedeploymentTrialStarted: (Action.START_REDEPLOYMENT_TRIAL,),
    RedeploymentTrialReviewed: (Action.REVIEW_REDEPLOYMENT_TRIAL,),
    RedeploymentConcluded: (Action.CONCLUDE_REDEPLOYMENT,),
    FollowUpRecorded: (Action.RECORD_FOLLOW_UP,),
}


def _hr_command(event: CaseEvent) -> BaseModel | None:
    """The HR message a recorded HR fact came from."""
    if isinstance(event, AbsenceExtended):
        return ExtendAbsence(sent_at=event.sent_at, expected_last_day=event.expected_last_day)
    if isinstance(event, ReturnToWorkNotified):
        return EmployeeReturned(sent_at=event.sent_at, returned_on=event.returned_on)
    if isinstance(event, LeavingNotified):
        return EmployeeLeft(sent_at=event.sent_at, left_on=event.left_on)
    return None


class _Skip(Exception):
    """A recorded fact that cannot be applied to the simulated case at all."""


# What an evolution raises when a fact meets a case it does not fit (a review of a plan the
# simulated case never agreed...).
_UNAPPLICABLE = (ReplayError, ValueError, AttributeError, TypeError, KeyError, IndexError)


class _Simulator:
    """The simulated case as the walk over the record builds it."""

    def __init__(self, opening: CaseEvent, policy: Policy, actual: CaseState) -> None:
        first = opening.model_copy(update={"policy": policy})
        self.state = evolve(None, first)
        self.events: list[CaseEvent] = [first]
        self.clock = first.occurred_at
        self.divergences: list[Divergence] = []
        self._actual = actual
        self._silent: set[str] = set()
        self._changed_at = first.occurred_at

    def arrive(self, moment: datetime) -> None:
        self.clock = max(self.clock, moment)

    def fire_until(self, moment: datetime) -> None:
        """Pass every deadline due by `moment`, earliest first, as the workflow's timers do:
        one falling due before the case last changed is passed at that change."""
        while True:
            due = next((d for d in open_deadlines(self.state) if d.key not in self._silent),
                       None)
            if due is None or due.due_at > moment:
                return
            now = max(due.due_at, self._changed_at)
            decided = decide(self.state, DeadlinePassed(key=due.key), now=now, actor=TIMER_ACTOR)
            if not decided:  # the rules found nothing to do: never again in this walk
                self._silent.add(due.key)
            for event in decided:
                self._apply(event, at=now)

    def take(self, position: int, event: CaseEvent) -> None:
        """Apply one recorded fact, decided again where the policy had a say in it."""
        if isinstance(event, PolicyAdopted):
            self._diverge(position, event, "a policy adopted on the record is not applied: the "
                          "simulated version holds throughout", applied=False)
            return
        if self.state.stage is Stage.CLOSED:
            self._diverge(position, event, "the simulated case is already closed",
                          applied=False)
            return
        refusal = self._refusal(event)
        try:
            fact = self._decided_again(event)
            self._apply(fact, at=self.clock)
        except _Skip as skipped:
            self._diverge(position, event, f"{refusal}; {skipped}" if refusal else str(skipped),
                          applied=False)
            return
        except _UNAPPLICABLE as error:
            self._diverge(position, event, refusal or f"cannot be applied: {error}",
                          applied=False)
            return
        if refusal:
            self._diverge(position, event, refusal, applied=True)

    def _apply(self, event: CaseEvent, *, at: datetime) -> None:
        self.state = evolve(self.state, event)
        self.events.append(event)
        self._changed_at = at

    def _refusal(self, event: CaseEvent) -> str | None:
        """Why the simulated case would not have taken the fact, if it would not."""
        actions = _RECORDED_BY.get(type(event))
        if actions and not any(self._stage_allows(action) for action in actions):
            refused = ActionNotAllowed(actions[0].value, self.state.stage.value,
                                       [a.value for a in allowed_actions(self.state)])
            return refused.message
        command = _hr_command(event)
        if command is not None:
            decision = hr_facts.DECISIONS[type(command)]
            if not decision(self.state, command, self.clock, event.actor):
                return (f"HR's message ({event.type}) would have decided nothing in stage "
                        f"'{self.state.stage.value}'")
        return None

    def _stage_allows(self, action: Action) -> bool:
        rule = RULES[action]
        return self.state.stage in rule.stages and self.state.route in rule.routes

    def _decided_again(self, event: CaseEvent) -> CaseEvent:
        """The fact with what the policy decided in it decided under the simulated version."""
        state, policy = self.state, self.state.policy
        if isinstance(event, OhReferralMade):
            if state.oh_referral is not None:
                raise _Skip("the simulated case was already referred to OH on "
                            f"{state.oh_referral.referred_at.isoformat()}")
            return event.model_copy(update={
                "assessment_due_at": first_assessment_due(event.occurred_at, policy)})
        if isinstance(event, CaseEscalated):
            if state.pending_escalation(event.cause):
                raise _Skip("an escalation for the same cause is still pending in the "
                            "simulated case")
            fresh = escalation(state, cause=event.cause, now=event.occurred_at,
                               actor=event.actor, reason=event.reason,
                               deadline_key=event.deadline_key)
            return event.model_copy(update={"number": fresh.number,
                                            "escalated_to": fresh.escalated_to})
        if isinstance(event, EscalationConfirmed):
            return event.model_copy(update={"number": self._simulated_escalation(event)})
        if isinstance(event, CaseClosed) and event.follow_up_due_on is not None:
            back_on = event.returned_on or event.closed_on
            return event.model_copy(update={"follow_up_due_on": follow_up_due(back_on, policy)})
        return event

    def _simulated_escalation(self, event: EscalationConfirmed) -> int:
        """The simulated escalation a recorded decision on one applies to: the pending one of
        the same cause."""
        recorded = [e for e in self._actual.escalations if e.number == event.number]
        cause = recorded[0].cause if recorded else None
        pending = [e for e in self.state.escalations if e.cause == cause and e.confirmed is None]
        if not pending:
            raise _Skip(f"escalation {event.number} was not raised in the simulated case")
        return pending[0].number

    def _diverge(self, position: int, event: CaseEvent, problem: str, *, applied: bool
                 ) -> None:
        self.divergences.append(Divergence(position=position, event_type=event.type,
                                           simulated_stage=self.state.stage, problem=problem,
                                           applied=applied))


@dataclass(frozen=True)
class KpiComparison:
    """One measure of `domain.kpis` over the recorded cases and over the simulated ones."""

    measure: str
    definition: str
    actual: float | int | None
    simulated: float | int | None

    @property
    def delta(self) -> float | int | None:
        if self.actual is None or self.simulated is None:
            return None
        difference = self.simulated - self.actual
        return round(difference, 4) if isinstance(difference, float) else difference


def compare_kpis(simulations: Sequence[CaseSimulation], period: Period, *,
                 employer_id: str | None = None) -> tuple[KpiComparison, ...]:
    """Every measure, side by side: computed the one way (`CaseFacts.of` and `evaluate`) from
    the recorded states and from the simulated ones."""
    actual = evaluate([CaseFacts.of(s.actual) for s in simulations], period,
                      employer_id=employer_id)
    simulated = evaluate([CaseFacts.of(s.simulated) for s in simulations], period,
                         employer_id=employer_id)
    return tuple(KpiComparison(measure=m.name, definition=m.definition,
                               actual=actual.measures[m.name],
                               simulated=simulated.measures[m.name])
                 for m in MEASURES)


@dataclass(frozen=True)
class SimulationTotals:
    """The figures of `CaseSimulation` added up over cases."""

    cases: int
    met: Sides
    missed: Sides
    reminders: Sides
    escalations: Sides
    escalations_added: int
    escalations_avoided: int
    cases_changed: int
    divergences: int


def totals(simulations: Sequence[CaseSimulation]) -> SimulationTotals:
    def summed(figure: str) -> Sides:
        pairs = [getattr(s, figure) for s in simulations]
        return Sides(sum(p.actual for p in pairs), sum(p.simulated for p in pairs))

    return SimulationTotals(
        cases=len(simulations), met=summed("met"), missed=summed("missed"),
        reminders=summed("reminders"), escalations=summed("escalations"),
        escalations_added=sum(len(s.escalations_added) for s in simulations),
        escalations_avoided=sum(len(s.escalations_avoided) for s in simulations),
        cases_changed=sum(bool(s.changed) for s in simulations),
        divergences=sum(len(s.divergences) for s in simulations),
    )
