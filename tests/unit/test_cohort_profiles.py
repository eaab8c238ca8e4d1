"""Cohort profiles hold the published figures they cite, and cohorts drawn from them follow
their shares, the same seed giving the same cases."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date

import pytest

from cli.demo import PROFILE_NAMES
from domain.actions import RULES
from domain.stages import ReasonCategory
from domain.vocabulary import RETURN_OUTCOMES, Intervention, Outcome, Route
from localstack.cohort import Act, Start, cards, cohort_start, draw_cohort
from localstack.cohort_profiles import FFWS, PROFILES, CohortProfile

SERVER_LIBRARIES = ("fastapi", "temporalio", "eventsourcing", "asyncpg", "psycopg", "uvicorn",
                    "pydantic")
# The Leicestershire Fit for Work service (2012) as published: the most important intervention
# for the return, % of clients discharged, as the client and as the case manager reported it.
PUBLISHED_INTERVENTIONS = {
    Intervention.MSK_TREATMENT: (24, 15),
    Intervention.MENTAL_HEALTH_THERAPY: (5, 1),
    Intervention.MEDIATION_WITH_EMPLOYER: (19, 21),
    Intervention.LEARNING_NEW_SKILLS: (5, 1),
    Intervention.DEBT_LEGAL_HOUSING_OR_PERSONAL: (5, 2),
    Intervention.PERSONAL_SUPPORT_CONFIDENCE: (24, 52),
    Intervention.HELP_LEAVING_JOB_NEW_EMPLOYMENT: (10, 2),
    Intervention.PAIN_TREATMENT_OR_UNDERSTANDING: (10, 6),
}
A_MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_every_set_of_shares_sums_to_one(profile: CohortProfile) -> None:
    for name, shares in profile.every_shares().items():
        assert sum(shares.values()) == pytest.approx(1.0), name
        assert all(0 <= share <= 1 for share in shares.values()), name
    for share in (profile.stay_at_work, profile.check_in_a_day_late,
                  profile.assessment_within_a_week, profile.fit_note_not_fit,
                  profile.therapy_declined, profile.phased_return, profile.sustained,
                  *profile.therapy.values()):
        assert 0 <= share <= 1


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_outcomes_meet_the_published_aim_for_returns(profile: CohortProfile) -> None:
    assert profile.return_share == pytest.approx(profile.return_aim)


def test_ffws_holds_the_published_figures() -> None:
    assert FFWS.reasons[ReasonCategory.MENTAL_HEALTH] == 0.61
    assert FFWS.reasons[ReasonCategory.MUSCULOSKELETAL] == 0.27
    assert FFWS.return_aim == 0.75
    assert {i: (FFWS.published_by_employee[i], FFWS.published_by_case_manager[i])
            for i in Intervention} == PUBLISHED_INTERVENTIONS
    # The client column sums to 102 as published; the shares keep each row's proportion.
    assert sum(FFWS.published_by_employee.values()) == 102
    assert sum(FFWS.published_by_case_manager.values()) == 100
    for intervention, (client, manager) in PUBLISHED_INTERVENTIONS.items():
        assert FFWS.interventions_by_employee[intervention] == pytest.approx(client / 102)
        assert FFWS.interventions_by_case_manager[intervention] == pytest.approx(manager / 100)


def test_the_command_offers_every_profile() -> None:
    assert tuple(PROFILES) == PROFILE_NAMES


def test_building_the_demo_command_loads_no_server_library() -> None:
    probe = ("import argparse, sys, cli.demo; "
             "cli.demo.add_demo_parser(argparse.ArgumentParser().add_subparsers()); "
             f"print(','.join(m for m in {SERVER_LIBRARIES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()

    assert loaded == ""


def test_cards_round_by_largest_remainders() -> None:
    dealt = Counter(cards({"a": 0.61, "b": 0.27, "c": 0.12}, 100))
    assert dealt == {"a": 61, "b": 27, "c": 12}
    assert Counter(cards({"x": 1 / 3, "y": 1 / 3, "z": 1 / 3}, 100)).total() == 100


def test_a_hundred_cases_follow_the_referral_mix_exactly() -> None:
    scripts = list(draw_cohort(FFWS, seed=3, cases=100, starts_on=A_MONDAY))

    assert Counter(s.reason for s in scripts) == {ReasonCategory.MENTAL_HEALTH: 61,
                                                  ReasonCategory.MUSCULOSKELETAL: 27,
                                                  ReasonCategory.OTHER: 12}
    assert Counter(s.route for s in scripts)[Route.STAY_AT_WORK] == 10


def test_three_quarters_of_a_large_cohort_are_drawn_to_return() -> None:
    scripts = list(draw_cohort(FFWS, seed=1, cases=1000, starts_on=A_MONDAY))

    returning = sum(s.outcome in RETURN_OUTCOMES for s in scripts)
    assert returning / len(scripts) == pytest.approx(0.75, abs=0.01)


def test_the_same_seed_draws_the_same_cohort_whatever_its_size() -> None:
    twenty = list(draw_cohort(FFWS, seed=3, cases=20, starts_on=A_MONDAY))
    again = list(draw_cohort(FFWS, seed=3, cases=20, starts_on=A_MONDAY))
    fifty = list(draw_cohort(FFWS, seed=3, cases=50, starts_on=A_MONDAY))
    other = list(draw_cohort(FFWS, seed=4, cases=20, starts_on=A_MONDAY))

    assert twenty == again == fifty[:20]
    assert len({s.case_id for s in twenty}) == 20
    assert {s.case_id for s in twenty}.isdisjoint(s.case_id for s in other)


def test_every_script_opens_first_runs_in_time_order_and_ends_closed() -> None:
    for script in draw_cohort(FFWS, seed=7, cases=300, starts_on=A_MONDAY):
        moments = [step.at for step in script.steps]
        assert moments == sorted(moments)
        assert isinstance(script.steps[0].move, Start)
        actions = [step.move.action for step in script.steps if isinstance(step.move, Act)]
        assert all(action in RULES for action in actions)
        ends_with = actions[-1]
        if script.outcome in RETURN_OUTCOMES:
            assert ends_with.value == "record_follow_up"
        elif script.outcome is Outcome.DECLINED:
            assert ends_with.value == "decline_referral"
        else:
            assert ends_with.value == "close_case"


def test_the_cohort_opens_on_the_monday_after_today() -> None:
    assert cohort_start(date(2026, 11, 30)) == A_MONDAY  # a Monday: the next one
    assert cohort_start(date(2026, 12, 6)) == A_MONDAY  # a Sunday
