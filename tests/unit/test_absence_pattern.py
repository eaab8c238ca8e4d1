"""The employee's earlier absences: linking, recurrence, short-term absence triggers, and the
heads-up notices they send at the opening. Worked examples, and properties of the counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.absence_pattern import (
    ATTENDANCE_REVIEW_SUGGESTED,
    OH_REFERRAL_SUGGESTED,
    RECURRENCE,
    Suggestion,
    TriggerRule,
    absence_pattern,
    bradford_factor,
    deadlines,
    episodes_in_window,
    merge_previous,
    recurrence_of,
    triggers_met,
)
from domain.actors import Role
from domain.deadlines import OH_ONLY_DEADLINES, open_deadlines, shared_deadlines
from domain.decide import open_case
from domain.events import ReminderSent
from domain.evolve import evolve
from domain.ids import case_id_for_absence, employee_key
from domain.journey.absence import PastAbsenceInput
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import ReasonCategory, Stage
from domain.state import CaseState
from domain.values import PastAbsence
from tests.support.builders import HR_ACTOR, open_command

OPENED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 11, 20)
MSK = ReasonCategory.MUSCULOSKELETAL.value
MENTAL = ReasonCategory.MENTAL_HEALTH.value


def _off(first: str, last: str | None, reason: str | None = None,
         case: str | None = None) -> PastAbsence:
    return PastAbsence(first_day=date.fromisoformat(first),
                       last_day=date.fromisoformat(last) if last else None,
                       reason_category=reason, case_id=case)


def _case(previous: tuple[PastAbsence, ...], *, policy: Policy = DEFAULT_POLICY,
          practice: int = 3, reason: ReasonCategory = ReasonCategory.MUSCULOSKELETAL
          ) -> CaseState:
    command = open_command(first_day=FIRST_DAY, policy=policy, reason=reason).model_copy(
        update={"previous_absences": tuple(
            PastAbsenceInput(first_day=p.first_day, last_day=p.last_day,
                             reason_category=p.reason_category) for p in previous)})
    event = open_case(command, case_id=case_id_for_absence("acme-trust", "ABS-1"),
                      now=OPENED_AT, actor=HR_ACTOR, practice=practice)
    return evolve(None, event)


# --- the employee key ---------------------------------------------------------------------------


def test_the_employee_key_is_stable_per_employer_and_names_nobody() -> None:
    key = employee_key("acme-trust", "E-1001")
    assert key == employee_key("acme-trust", "E-1001")
    assert key != employee_key("other-trust", "E-1001")
    assert "E-1001" not in key and "acme" not in key
    assert key != case_id_for_absence("acme-trust", "E-1001")


# --- worked examples: recurrence ----------------------------------------------------------------


@pytest.mark.parametrize(("previous", "interval", "expected"), [
    # the same category ended 100 days before: within a 365-day interval
    ((_off("2026-08-01", "2026-08-12", MSK),), 365, "2026-08-01"),
    # the same category, but longer ago than the interval
    ((_off("2025-08-01", "2025-08-12", MSK),), 365, None),
    # another category: no recurrence, however recent
    ((_off("2026-11-01", "2026-11-05", MENTAL),), 365, None),
    # no category known (HR's own report without one): no recurrence
    ((_off("2026-11-01", "2026-11-05"),), 365, None),
    # two of the same category: the latest one is named
    ((_off("2026-10-01", "2026-10-04", MSK), _off("2026-06-01", "2026-06-04", MSK)), 365,
     "2026-10-01"),
    # a short interval: ended 19 days before, interval 14 days
    ((_off("2026-10-25", "2026-11-01", MSK),), 14, None),
])
def test_a_recurrence_is_the_same_reason_category_within_the_policy_interval(
        previous: tuple[PastAbsence, ...], interval: int, expected: str | None) -> None:
    found = recurrence_of(FIRST_DAY, MSK, previous, interval)
    assert (found.first_day.isoformat() if found else None) == expected


# --- worked examples: the triggers ----------------------------------------------------------------


def test_the_bradford_factor_of_a_worked_example() -> None:
    # Three earlier spells of 2, 3 and 5 days in the 52 weeks, and this one (1 day so far):
    # S = 4, D = 11, so 4 x 4 x 11 = 176.
    previous = (_off("2026-09-01", "2026-09-02"), _off("2026-06-01", "2026-06-03"),
                _off("2026-02-02", "2026-02-06"))
    assert bradford_factor(FIRST_DAY, previous) == 176


def test_a_spell_before_the_52_weeks_counts_only_its_days_inside_them() -> None:
    # 52 weeks to 20 Nov 2026 begin 22 Nov 2025: a spell from 18 to 24 Nov 2025 adds 3 days.
    previous = (_off("2025-11-18", "2025-11-24"),)
    assert bradford_factor(FIRST_DAY, previous) == 2 * 2 * (3 + 1)
    assert bradford_factor(FIRST_DAY, (_off("2025-11-01", "2025-11-21"),)) == 1


@pytest.mark.parametrize(("previous", "episodes"), [
    ((), 1),
    ((_off("2026-10-01", "2026-10-02"), _off("2026-05-01", "2026-05-02")), 3),
    # 12 months to 20 Nov 2026 begin 21 Nov 2025: an absence ending 20 Nov 2025 is outside
    ((_off("2025-11-10", "2025-11-20"),), 1),
    ((_off("2025-11-10", "2025-11-21"),), 2),
    # a later or same-day absence is not an earlier one
    ((_off("2026-11-20", "2026-11-21"), _off("2026-12-01", None)), 1),
])
def test_episodes_count_the_absences_in_the_rolling_12_months_with_this_one(
        previous: tuple[PastAbsence, ...], episodes: int) -> None:
    assert episodes_in_window(FIRST_DAY, previous) == episodes


FOUR_SHORT = (_off("2026-10-05", "2026-10-06"), _off("2026-08-03", "2026-08-04"),
              _off("2026-04-06", "2026-04-07"))  # with this one: 4 episodes, S=4 D=7 -> 112


@pytest.mark.parametrize(("trigger", "threshold", "expected"), [
    ("episodes", 250, [TriggerRule.EPISODES]),
    ("bradford", 250, []),
    ("bradford", 100, [TriggerRule.BRADFORD]),
    ("both", 100, [TriggerRule.EPISODES, TriggerRule.BRADFORD]),
    ("both", 250, [TriggerRule.EPISODES]),
    ("none", 1, []),
])
def test_the_policy_chooses_which_short_term_triggers_apply(
        trigger: str, threshold: int, expected: list[TriggerRule]) -> None:
    policy = DEFAULT_POLICY.model_copy(update={"short_term_trigger": trigger,
                                               "bradford_threshold": threshold})
    met = triggers_met(FIRST_DAY, FOUR_SHORT, policy)
    assert [t.rule for t in met] == expected
    assert all(t.suggests is Suggestion.ATTENDANCE_REVIEW for t in met)


def test_three_episodes_do_not_meet_the_default_trigger_of_four() -> None:
    assert triggers_met(FIRST_DAY, FOUR_SHORT[:2], DEFAULT_POLICY) == ()


def test_a_met_trigger_says_the_rule_that_produced_it() -> None:
    (met,) = triggers_met(FIRST_DAY, FOUR_SHORT, DEFAULT_POLICY)
    assert met.why == "4 absences in the rolling 12 months, counting this one (policy trigger: 4)"


# --- the case: practice 3 only, heads-up notices at the opening ----------------------------------


def test_a_linked_second_absence_links_to_the_first_and_recurs_to_oh() -> None:
    first = _off("2026-10-01", "2026-10-09", MSK)  # 9 days, ended 6 weeks before
    state = _case((first,))

    pattern = absence_pattern(state)

    assert pattern is not None
    assert pattern.linked_to == first
    assert pattern.recurrence == first
    due = {d.name: d for d in deadlines(state)}
    assert set(due) == {RECURRENCE}
    assert due[RECURRENCE].recipients == (Role.OH,) and due[RECURRENCE].due_at == OPENED_AT
    assert RECURRENCE in OH_ONLY_DEADLINES
    assert RECURRENCE not in {d.name for d in shared_deadlines(open_deadlines(state))}


def test_a_case_under_older_practice_sees_no_pattern() -> None:
    state = _case((_off("2026-10-01", "2026-10-09", MSK),), practice=2)
    assert absence_pattern(state) is None
    assert deadlines(state) == []


def test_a_met_trigger_suggests_an_attendance_review_to_hr_and_the_manager() -> None:
    state = _case(FOUR_SHORT, reason=ReasonCategory.OTHER)
    (deadline,) = deadlines(state)
    assert deadline.name == ATTENDANCE_REVIEW_SUGGESTED
    assert deadline.recipients == (Role.HR, Role.MANAGER)
    assert "4 absences in the rolling 12 months" in deadline.why
    assert state.stage is Stage.EARLY_CONTACT  # a suggestion, not a decision


def test_an_employer_may_have_triggers_suggest_an_oh_referral() -> None:
    policy = DEFAULT_POLICY.model_copy(update={"short_term_trigger_suggests": "oh_referral"})
    state = _case(FOUR_SHORT, policy=policy, reason=ReasonCategory.OTHER)
    (deadline,) = deadlines(state)
    assert (deadline.name, deadline.recipients) == (OH_REFERRAL_SUGGESTED, (Role.OH,))
    assert OH_REFERRAL_SUGGESTED in OH_ONLY_DEADLINES


def test_the_heads_up_becomes_a_notice_of_its_own_kind_once_sent() -> None:
    state = _case((_off("2026-10-01", "2026-10-09", MSK),))
    (deadline,) = deadlines(state)
    sent = ReminderSent(occurred_at=OPENED_AT, actor=HR_ACTOR, deadline_key=deadline.key,
                        deadline_name=deadline.name, deadline=deadline.due_at,
                        recipients=deadline.recipients, reason=deadline.why)
    after = evolve(state, sent)

    assert [n.kind for n in notices_for(after, sent)] == [NoticeKind.ABSENCE_RECURRENCE]
    assert deadlines(after) and RECURRENCE not in {d.name for d in open_deadlines(after)}


# --- merging rtw's own record with HR's ----------------------------------------------------------


def test_rtw_s_own_absence_wins_over_hr_s_report_of_the_same_dates() -> None:
    own = (_off("2026-10-01", "2026-10-09", MSK, case="c-1"),)
    reported = (_off("2026-10-01", "2026-10-08"), _off("2026-12-01", None),
                _off("2025-01-06", "2025-01-10"))
    merged = merge_previous(own, reported, limit=10)
    assert [a.first_day.isoformat() for a in merged] == ["2026-12-01", "2026-10-01",
                                                         "2025-01-06"]
    assert merged[1].case_id == "c-1"
    assert len(merge_previous(own, reported, limit=2)) == 2


# --- properties -----------------------------------------------------------------------------------

_days = st.integers(min_value=1, max_value=800)
_spells = st.lists(st.tuples(_days, st.integers(min_value=0, max_value=30)), max_size=12)


def _absences(spells: list[tuple[int, int]]) -> tuple[PastAbsence, ...]:
    return tuple(PastAbsence(first_day=FIRST_DAY - timedelta(days=back),
                             last_day=min(FIRST_DAY - timedelta(days=back - length),
                                          FIRST_DAY - timedelta(days=1)))
                 for back, length in spells)


@given(_spells)
def test_the_bradford_factor_is_spells_squared_times_days(spells: list[tuple[int, int]]) -> None:
    previous = _absences(spells)
    window_start = FIRST_DAY - timedelta(weeks=52) + timedelta(days=1)
    inside = [a for a in previous if a.last_day is not None and a.last_day >= window_start]
    days = 1 + sum((a.last_day - max(a.first_day, window_start)).days + 1  # type: ignore[operator]
                   for a in inside)
    assert bradford_factor(FIRST_DAY, previous) == (1 + len(inside)) ** 2 * days


@given(_spells, _spells)
def test_more_absences_never_lower_the_counts(spells: list[tuple[int, int]],
                                              more: list[tuple[int, int]]) -> None:
    previous, added = _absences(spells), _absences(spells + more)
    assert episodes_in_window(FIRST_DAY, added) >= episodes_in_window(FIRST_DAY, previous)
    assert bradford_factor(FIRST_DAY, added) >= bradford_factor(FIRST_DAY, previous) >= 1


@given(_spells)
def test_the_counts_do_not_depend_on_the_order_given(spells: list[tuple[int, int]]) -> None:
    previous = _absences(spells)
    backwards = tuple(reversed(previous))
    assert episodes_in_window(FIRST_DAY, previous) == episodes_in_window(FIRST_DAY, backwards)
    assert bradford_factor(FIRST_DAY, previous) == bradford_factor(FIRST_DAY, backwards)
    assert 1 <= episodes_in_window(FIRST_DAY, previous) <= 1 + len(previous)
