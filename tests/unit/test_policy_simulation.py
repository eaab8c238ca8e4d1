"""Recorded cases replayed under another policy version: the facts kept, the timer's decisions
taken again by the domain's own rules, and the difference read deadline by deadline and in the
service's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actors import Actor, Role, Source
from domain.commands import (
    ConfirmEscalation,
    EmployeeLeft,
    EmployeeReturned,
    RecordEarlyContact,
    RecordFollowUp,
    ReferToOh,
)
from domain.deadlines import DeadlineKind
from domain.events import CheckInRecorded, ReturnToWorkNotified
from domain.evolve import ReplayError
from domain.journey.policy_change import PolicyAdopted
from domain.kpis import Period
from domain.policy import DEFAULT_POLICY, Policy
from domain.simulation import (
    DeadlineStatus,
    compare_kpis,
    deadline_outcomes,
    simulate_case,
    totals,
)
from domain.stages import ContactMethod, ReasonCategory, Stage
from domain.vocabulary import Fitness, Outcome
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.driven_cases import DrivenCase

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday, the first day of absence
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
ADMIN = Actor(id="ops", role=Role.ADMIN, source=Source.CLI)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 31))


def policy(version: str, **rules: object) -> Policy:
    return DEFAULT_POLICY.model_copy(update={"version": version, **rules})


def contact(at: datetime, every: int = 28) -> RecordEarlyContact:
    return RecordEarlyContact(contacted_at=at, method=ContactMethod.PHONE,
                              agreed_contact_frequency_days=every)


def opened(absence_id: str = "ABS-1", reason: ReasonCategory = ReasonCategory.OTHER,
           rules: Policy = DEFAULT_POLICY) -> DrivenCase:
    return DrivenCase(open_command(absence_id=absence_id, reason=reason, policy=rules), OPENED)


def late_contact_case() -> DrivenCase:
    """Contact due Monday 17:00, escalated to HR Tuesday 17:00, made on Wednesday."""
    wednesday = datetime(2026, 11, 25, 10, tzinfo=UTC)
    return opened().act(contact(wednesday), wednesday, MANAGER_ACTOR)


def assessed_case(*, assessed: datetime, fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS,
                  rules: Policy = DEFAULT_POLICY) -> DrivenCase:
    """Contact in time on Monday; HR refers to OH on Monday at noon; OH assesses."""
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    case = opened(rules=rules).act(contact(monday), monday, MANAGER_ACTOR)
    case.act(ReferToOh(reason="Absence expected to last"), monday + timedelta(hours=2), HR_ACTOR)
    return case.act(j.assessment(assessed, fitness), assessed, OH)


# -- the same policy gives back the record -------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(contact_hours=st.integers(min_value=1, max_value=24 * 9),
       referral_hours=st.integers(min_value=1, max_value=24 * 20),
       assessment_hours=st.integers(min_value=1, max_value=24 * 14),
       reason=st.sampled_from(list(ReasonCategory)))
def test_a_case_simulated_under_its_own_policy_is_the_case_recorded(
    contact_hours: int, referral_hours: int, assessment_hours: int, reason: ReasonCategory,
) -> None:
    contacted = OPENED + timedelta(hours=contact_hours)
    case = opened(reason=reason).act(contact(contacted, every=7), contacted, MANAGER_ACTOR)
    referred = contacted + timedelta(hours=referral_hours)
    if case.wait_until(referred).state.oh_referral is None:
        case.act(ReferToOh(reason="needs OH"), referred, HR_ACTOR)
    assessed = referred + timedelta(hours=assessment_hours)
    case.act(j.assessment(assessed), assessed, OH)
    case.wait_until(assessed + timedelta(days=3))

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=case.now)

    assert simulation.simulated == simulation.actual
    assert not simulation.changed and not simulation.divergences
    assert all(k.delta in (0, 0.0, None) for k in compare_kpis([simulation], NOVEMBER))


# -- early contact ------------------------------------------------------------------------


def test_late_contact_under_a_policy_with_more_contact_days_is_met_and_not_escalated() -> None:
    case = late_contact_case()
    five_days = policy("acme-2027-01", contact_due_working_days=5)

    simulation = simulate_case(case.events, five_days, until=case.now)

    by_key = {d.key: d for d in simulation.deadlines}
    due, escalation = by_key["early_contact_due"], by_key["early_contact_escalation"]
    assert due.actual is not None and due.simulated is not None
    assert (due.actual.status, due.simulated.status) == (DeadlineStatus.MISSED,
                                                         DeadlineStatus.MET)
    assert due.simulated.due_at == datetime(2026, 11, 27, 17, tzinfo=UTC)  # Friday 17:00
    assert escalation.actual is not None and escalation.simulated is not None
    assert (escalation.actual.status, escalation.simulated.status) == (DeadlineStatus.MISSED,
                                                                       DeadlineStatus.MET)
    assert simulation.reminders == (1, 0) and simulation.escalations == (1, 0)
    assert simulation.escalations_avoided == ("early_contact_escalation",)
    assert simulation.escalations_added == ()
    assert simulation.simulated.contact_reminders_sent == 0
    assert not simulation.simulated.contact_escalated
    assert (simulation.actual_policy, simulation.simulated_policy) == ("default-2026-04",
                                                                       "acme-2027-01")


def test_a_policy_with_no_grace_day_makes_a_next_day_contact_late() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    case = opened().act(contact(monday), monday, MANAGER_ACTOR)
    same_day = policy("same-day", contact_due_working_days=0)

    simulation = simulate_case(case.events, same_day, until=case.now)

    [due] = [d for d in simulation.deadlines if d.key == "early_contact_due"]
    assert due.actual is not None and due.simulated is not None
    assert (due.actual.status, due.simulated.status) == (DeadlineStatus.MET,
                                                         DeadlineStatus.MISSED)
    assert due.simulated.due_at == datetime(2026, 11, 20, 17, tzinfo=UTC)
    assert due.simulated.settled_at == due.simulated.due_at  # the reminder at the deadline
    assert simulation.missed == (0, 1)


def test_contact_reported_late_still_arrives_after_the_reminder_recorded_before_it() -> None:
    # Made on Monday at 16:00, inside the deadline, but reported on Tuesday after the reminder.
    monday_four = datetime(2026, 11, 23, 16, tzinfo=UTC)
    tuesday = datetime(2026, 11, 24, 9, tzinfo=UTC)
    case = opened().act(contact(monday_four), tuesday, MANAGER_ACTOR)
    assert [e.type for e in case.events][:3] == ["CaseOpened", "ManagerRemindedOfContact",
                                                 "EarlyContactRecorded"]

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=case.now)

    assert simulation.simulated.contact_reminders_sent == 1
    assert not simulation.changed


# -- the first OH consultation ------------------------------------------------------------


def test_a_shorter_first_assessment_target_adds_a_missed_deadline_and_a_reminder() -> None:
    case = assessed_case(assessed=datetime(2026, 11, 27, 10, tzinfo=UTC))  # referral + 3d 22h
    three_days = policy("acme-fast", first_assessment_days=3)

    simulation = simulate_case(case.events, three_days, until=case.now)

    by_key = {d.key: d for d in simulation.deadlines}
    first = by_key["first_assessment_due"]
    assert first.actual is not None and first.simulated is not None
    assert (first.actual.status, first.simulated.status) == (DeadlineStatus.MET,
                                                             DeadlineStatus.MISSED)
    assert first.simulated.due_at == datetime(2026, 11, 26, 12, tzinfo=UTC)
    # The second miss would have escalated on Saturday: the assessment came first.
    twice = by_key["first_assessment_due#2"]
    assert twice.actual is None and twice.simulated is not None
    assert twice.simulated.status is DeadlineStatus.MET
    assert simulation.reminders.delta == 1 and simulation.escalations == (0, 0)
    referral = simulation.simulated.oh_referral
    assert referral is not None and referral.assessment_due_at == first.simulated.due_at


def test_a_much_shorter_target_escalates_a_consultation_missed_twice() -> None:
    case = assessed_case(assessed=datetime(2026, 11, 27, 10, tzinfo=UTC))
    one_day = policy("acme-next-day", first_assessment_days=1)

    simulation = simulate_case(case.events, one_day, until=case.now)

    assert simulation.escalations_added == ("first_assessment_due#2",)
    [raised] = simulation.simulated.escalations
    assert (raised.number, raised.cause) == (1, "first OH assessment overdue twice")
    assert raised.raised_at == datetime(2026, 11, 26, 12, tzinfo=UTC)  # 1 + 2 days on


def test_kpi_deltas_side_by_side() -> None:
    late = late_contact_case()
    assessed = assessed_case(assessed=datetime(2026, 11, 27, 10, tzinfo=UTC))
    stricter = policy("acme-strict", contact_due_working_days=5, first_assessment_days=1)

    simulations = [simulate_case(c.events, stricter, until=c.now) for c in (late, assessed)]
    kpis = {k.measure: k for k in compare_kpis(simulations, NOVEMBER)}

    # Recorded: contact missed once and met once, one assessment met: 2 of 3.
    # Simulated: both contacts met, the assessment missed: 2 of 3 again, but escalated once.
    met = kpis["deadlines_met_rate"]
    assert (met.actual, met.simulated, met.delta) == (0.6667, 0.6667, 0.0)
    escalations = kpis["escalations"]
    assert (escalations.actual, escalations.simulated, escalations.delta) == (0, 1, 1)
    assert kpis["referrals"].delta == 0
    assert kpis["median_days_to_first_assessment"].delta == 0.0
    assert kpis["median_days_absent"].actual is None and kpis["median_days_absent"].delta is None
    summed = totals(simulations)
    assert (summed.cases, summed.cases_changed) == (2, 2)
    # Missed on both sides: the fit note due on day 8 (Friday 09:00) was never recorded.
    assert summed.met == (3, 4) and summed.missed == (3, 3)
    assert summed.escalations_avoided == 1
    assert summed.escalations_added == 1


# -- what the facts carried that the policy decided -----------------------------------------


def test_an_escalation_found_at_assessment_is_numbered_in_the_simulated_case() -> None:
    # Under a one-day target the consultation is missed twice (escalation 1); the assessment
    # then finds the employee unfit for any work (escalation 2), which OH confirms.
    one_day = policy("one-day", first_assessment_days=1)
    assessed = datetime(2026, 11, 27, 10, tzinfo=UTC)
    case = assessed_case(assessed=assessed, fitness=Fitness.UNFIT_ANY_WORK, rules=one_day)
    case.act(ConfirmEscalation(escalation_number=2, confirmed_by="Dr Shah"),
             assessed + timedelta(hours=1), OH)
    assert [e.number for e in case.state.escalations] == [1, 2]

    simulation = simulate_case(case.events, DEFAULT_POLICY.model_copy(
        update={"hr_informed_of_escalations": False}), until=case.now)

    [found] = simulation.simulated.escalations
    assert (found.number, found.cause, found.confirmed) == (
        1, "assessment: unfit for any work", True)
    assert found.escalated_to == (Role.OH,)  # the simulated policy tells HR of none
    assert simulation.escalations_avoided == ("first_assessment_due#2",)
    assert not simulation.divergences


def test_a_manual_referral_after_a_simulated_one_is_left_out_and_said() -> None:
    # Recorded: no rapid access (a 14-day window), referred by hand on day 3. Simulated: the
    # policy refers MSK cases at once, so the manual referral is a second one.
    slow = policy("slow", rapid_access_referral_days=14)
    case = opened(reason=ReasonCategory.MUSCULOSKELETAL, rules=slow)
    case.act(ReferToOh(reason="by hand"), OPENED + timedelta(days=3), HR_ACTOR)

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=OPENED + timedelta(days=5))

    [skipped] = simulation.divergences
    assert skipped.event_type == "OhReferralMade" and not skipped.applied
    assert "already referred to OH" in skipped.problem
    referral = simulation.simulated.oh_referral
    assert referral is not None and referral.cause == "rapid_access_referral"
    assert referral.referred_at == OPENED


def test_the_follow_up_is_due_by_the_simulated_policy() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    case = opened().act(contact(monday), monday, MANAGER_ACTOR)
    closed = datetime(2026, 12, 4, 12, tzinfo=UTC)
    case.act(j.close(Outcome.RETURNED_TO_OWN_ROLE, closed.date(), returned_on=date(2026, 12, 3)),
             closed, OH)

    simulation = simulate_case(case.events, policy("short-follow-up", follow_up_days=7),
                               until=datetime(2026, 12, 8, tzinfo=UTC))

    closure = simulation.simulated.closure
    assert closure is not None and closure.follow_up_due_on == date(2026, 12, 10)
    assert [d.key for d in simulation.changed] == ["follow_up_due"]


# -- divergences --------------------------------------------------------------------------


def test_a_fact_the_simulated_stage_refuses_is_recorded_and_applied_where_it_can_be() -> None:
    at = OPENED + timedelta(hours=2)
    # A record no workflow would write: a check-in before early contact.
    forged = [*opened().events, CheckInRecorded(
        occurred_at=at, actor=MANAGER_ACTOR, reason="kept in touch", contacted_at=at,
        method=ContactMethod.PHONE, agreed_contact_frequency_days=7)]

    simulation = simulate_case(forged, DEFAULT_POLICY, until=OPENED + timedelta(hours=3))

    [refused] = simulation.divergences
    assert (refused.position, refused.event_type, refused.simulated_stage) == (
        2, "CheckInRecorded", Stage.EARLY_CONTACT)
    assert refused.problem.startswith("'record_check_in' is not allowed while the case is in "
                                      "stage 'early_contact'")
    assert refused.applied and simulation.simulated.contacts_made == 1


def test_hr_news_the_simulated_case_would_ignore_is_a_divergence() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    case = opened().act(contact(monday), monday, MANAGER_ACTOR)
    closed = datetime(2026, 12, 4, 12, tzinfo=UTC)
    case.act(j.close(Outcome.RETURNED_TO_OWN_ROLE, closed.date(), returned_on=date(2026, 12, 3)),
             closed, OH)
    # HR's return arrives while the case is in follow-up: it decides nothing, recorded or not.
    late_news = [*case.events, _returned(closed + timedelta(hours=1))]

    simulation = simulate_case(late_news, DEFAULT_POLICY, until=closed + timedelta(days=1))

    [ignored] = simulation.divergences
    assert ignored.event_type == "ReturnToWorkNotified"
    assert "would have decided nothing in stage 'follow_up'" in ignored.problem


def _returned(at: datetime) -> ReturnToWorkNotified:
    return ReturnToWorkNotified(occurred_at=at, actor=HR_ACTOR, returned_on=date(2026, 12, 3),
                                sent_at=at, reason="HR: returned")


def test_a_policy_adopted_on_the_record_is_not_applied() -> None:
    case = late_contact_case()
    adopted = PolicyAdopted(occurred_at=OPENED + timedelta(hours=1), actor=ADMIN,
                            from_version="default-2026-04", to_version="other",
                            policy=policy("other"), reason="moved")
    record = [case.events[0], adopted, *case.events[1:]]

    simulation = simulate_case(record, policy("simulated"), until=case.now)

    [kept_out] = simulation.divergences
    assert (kept_out.event_type, kept_out.applied) == ("PolicyAdopted", False)
    assert simulation.simulated.policy.version == "simulated"
    assert simulation.actual.policy.version == "other"


def test_nothing_is_applied_after_the_simulated_case_closed() -> None:
    case = opened()
    left_at = OPENED + timedelta(days=1)
    case.act(left(left_at), left_at, HR_ACTOR)
    record = [*case.events, _returned(left_at + timedelta(hours=1))]

    simulation = simulate_case(record, DEFAULT_POLICY, until=case.now)

    assert simulation.simulated.stage is Stage.CLOSED
    [after] = simulation.divergences
    assert (after.problem, after.applied) == ("the simulated case is already closed", False)


def left(at: datetime) -> EmployeeLeft:
    return EmployeeLeft(sent_at=at, left_on=at.date())


def test_a_record_that_opens_no_case_is_refused() -> None:
    case = late_contact_case()
    with pytest.raises(ReplayError):
        simulate_case(case.events[1:], DEFAULT_POLICY, until=case.now)


# -- how far a running case is simulated ---------------------------------------------------


def test_a_running_case_is_simulated_until_the_moment_given() -> None:
    case = opened()  # nothing recorded since the opening
    wednesday = datetime(2026, 11, 25, 12, tzinfo=UTC)

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=wednesday)

    assert simulation.until == wednesday
    assert [(d.key, d.simulated and d.simulated.status) for d in simulation.deadlines[:2]] == [
        ("early_contact_due", DeadlineStatus.MISSED),
        ("early_contact_escalation", DeadlineStatus.MISSED)]
    assert {d.actual and d.actual.status for d in simulation.deadlines[:2]} == {
        DeadlineStatus.OPEN}


def test_a_closed_case_is_simulated_to_its_last_event_and_no_further() -> None:
    case = opened()
    left_at = OPENED + timedelta(hours=2)
    case.act(left(left_at), left_at, HR_ACTOR)

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=case.now)

    assert simulation.until == left_at
    assert simulation.simulated.stage is Stage.CLOSED


def test_until_before_the_record_ends_counts_as_its_end() -> None:
    case = late_contact_case()
    simulation = simulate_case(case.events, DEFAULT_POLICY, until=OPENED)
    assert simulation.until == case.events[-1].occurred_at


# -- reading how deadlines ended ----------------------------------------------------------


def test_deadline_outcomes_read_from_a_record() -> None:
    case = late_contact_case()
    case.act(EmployeeReturned(sent_at=datetime(2026, 11, 26, 9, tzinfo=UTC),
                              returned_on=date(2026, 11, 26)),
             datetime(2026, 11, 26, 9, tzinfo=UTC), HR_ACTOR)

    outcomes = deadline_outcomes(case.events)

    assert outcomes["early_contact_due"].status is DeadlineStatus.MISSED
    assert outcomes["early_contact_due"].kind is DeadlineKind.CONTACT_REMINDER
    assert outcomes["early_contact_escalation"].status is DeadlineStatus.MISSED
    # Made unnecessary by the return before it fell due on day 8.
    assert outcomes["fit_note_needed"].status is DeadlineStatus.MET
    assert outcomes["fit_note_needed"].settled_at == datetime(2026, 11, 26, 9, tzinfo=UTC)


def test_a_deadline_the_timer_made_unnecessary_is_neither_met_nor_missed() -> None:
    case = opened(reason=ReasonCategory.MUSCULOSKELETAL).wait_until(OPENED)  # rapid access
    outcomes = deadline_outcomes(case.events)
    assert outcomes["rapid_access_referral"].status is DeadlineStatus.MISSED
    assert "long_term_referral" not in outcomes


def test_follow_up_recorded_in_time_is_met() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    case = opened().act(contact(monday), monday, MANAGER_ACTOR)
    closed = datetime(2026, 12, 4, 12, tzinfo=UTC)
    case.act(j.close(Outcome.RETURNED_TO_OWN_ROLE, closed.date(), returned_on=date(2026, 12, 3)),
             closed, OH)
    checked = datetime(2026, 12, 20, 12, tzinfo=UTC)
    case.act(RecordFollowUp(checked_on=checked.date(), sustained=True), checked, OH)

    outcomes = deadline_outcomes(case.events)

    assert outcomes["follow_up_due"].status is DeadlineStatus.MET
