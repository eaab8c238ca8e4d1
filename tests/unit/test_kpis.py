"""The service's figures from case facts: each measure as the README defines it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import DeadlinePassed, RecordFollowUp
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.evolve import evolve
from domain.kpis import MEASURES, CaseFacts, Period, evaluate
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import Intervention, Outcome, Route
from localstack import samples as j
from tests.support.builders import MANAGER_ACTOR, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday, the first day of absence
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
WINTER = Period(date(2026, 11, 1), date(2027, 2, 28))


def act(state: CaseState, command: BaseModel, at: datetime, actor: Actor = OH) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):
        state = evolve(state, event)
    return state


def returned_case(absence_id: str = "ABS-1", *, contact_late: bool = False) -> CaseState:
    state = opened_state(OPENED, absence_id=absence_id)
    if contact_late:
        assert state.contact_due_at is not None
        state = act(state, DeadlinePassed(key="early_contact_due"), state.contact_due_at,
                    TIMER_ACTOR)
    contact_at = OPENED + timedelta(days=5 if contact_late else 3)
    state = act(state, j.early_contact(contact_at), contact_at, MANAGER_ACTOR)
    assessed_at = contact_at + timedelta(days=2)
    state = act(state, j.assessment(assessed_at), assessed_at)
    state = act(state, j.case_manager(), assessed_at)
    state = act(state, j.plan(assessed_at, assessed_at.date()), assessed_at)
    closed_at = datetime(2026, 12, 10, 12, tzinfo=UTC)
    state = act(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, closed_at.date(),
                               returned_on=date(2026, 12, 7)), closed_at)
    checked = datetime(2027, 1, 20, 12, tzinfo=UTC)
    return act(state, RecordFollowUp(checked_on=checked.date(), sustained=True), checked)


def test_a_case_returned_to_its_own_role_reduces_to_its_milestones_without_clinical_text(
) -> None:
    facts = CaseFacts.of(returned_case())
    assert (facts.route, facts.source, facts.opened_on) == (
        Route.RETURN_TO_WORK, "hr_notification", date(2026, 11, 20))
    assert (facts.days_to_first_contact, facts.contact_met) == (3, True)
    assert facts.days_to_first_assessment == 5  # no OH referral: from the opening
    assert (facts.days_absent, facts.outcome, facts.sustained) == (17, Outcome.RETURNED_TO_OWN_ROLE,
                                                                   True)
    assert "Lumbar" not in facts.model_dump_json()  # the assessment's clinical notes


def test_each_measure_over_a_period() -> None:
    cases = [CaseFacts.of(returned_case("ABS-1")),
             CaseFacts.of(returned_case("ABS-2", contact_late=True)),
             CaseFacts.of(opened_state(OPENED, absence_id="ABS-3"))]

    evaluation = evaluate(cases, WINTER)

    assert evaluation.measures == {
        "referrals": 3, "cases_closed": 2, "returned_to_work_rate": 1.0,
        "median_days_to_first_contact": 4.0, "median_days_to_first_assessment": 6.0,
        "median_days_absent": 17.0, "sustained_return_rate": 1.0,
        "deadlines_met_rate": 0.5, "escalations": 0, "median_days_waiting_for_therapy": None,
    }
    assert evaluation.outcomes == {"returned_to_own_role": 2}
    assert evaluation.referrals == {("return_to_work", "hr_notification", "musculoskeletal"): 3}
    assert evaluation.interventions[Intervention.MSK_TREATMENT.value] == (2, 0)
    assert evaluation.interventions[Intervention.PERSONAL_SUPPORT_CONFIDENCE.value] == (0, 2)
    assert evaluation.policy_versions == ("default-2026-04",)


def test_a_period_counts_only_what_happened_in_it() -> None:
    cases = [CaseFacts.of(returned_case())]
    december = evaluate(cases, Period(date(2026, 12, 1), date(2026, 12, 31)))
    assert december.measures["referrals"] == 0 and december.measures["cases_closed"] == 1
    assert december.measures["sustained_return_rate"] is None  # the follow-up is in January
    assert evaluate(cases, WINTER, employer_id="another-trust").measures["referrals"] == 0


def test_every_measure_has_a_definition_and_a_unique_name() -> None:
    assert len({m.name for m in MEASURES}) == len(MEASURES)
    assert all(m.definition.endswith(".") and len(m.definition) > 20 for m in MEASURES)


@given(st.lists(st.sampled_from([True, False, None]), min_size=0, max_size=40))
def test_rates_are_shares_or_absent(contacts: list[bool | None]) -> None:
    base = CaseFacts.of(opened_state(OPENED))
    cases = [base.model_copy(update={"case_id": str(n), "contact_met": met})
             for n, met in enumerate(contacts)]
    rate = evaluate(cases, WINTER).measures["deadlines_met_rate"]
    judged = [m for m in contacts if m is not None]
    assert rate == (round(sum(judged) / len(judged), 4) if judged else None)


def test_an_assessment_before_the_referral_to_oh_does_not_answer_it() -> None:
    # Assessed on day 3, referred to OH at the long-term threshold, and the referral's first
    # consultation then overdue: the deadline is missed, and no time to assessment yet.
    state = opened_state(OPENED, absence_id="ABS-LONG", reason=ReasonCategory.OTHER)
    state = act(state, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    state = act(state, j.assessment(OPENED + timedelta(days=2)), OPENED + timedelta(days=2))
    for key in ("long_term_referral", "first_assessment_due"):
        [deadline] = [d for d in open_deadlines(state) if d.key == key]
        state = act(state, DeadlinePassed(key=key), deadline.due_at, TIMER_ACTOR)
    before = CaseFacts.of(state)
    assert state.oh_referral is not None
    assessed = state.oh_referral.referred_at + timedelta(days=9)

    after = CaseFacts.of(act(state, j.assessment(assessed), assessed))

    assert (before.assessment_met, before.days_to_first_assessment) == (False, None)
    assert (after.assessment_met, after.days_to_first_assessment) == (False, 9)
    assert after.first_assessed_on == assessed.date()


def test_the_readme_defines_each_measure_exactly_as_the_code_does() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for measure in MEASURES:
        assert f"| `{measure.name}` | {measure.definition} |" in readme, measure.name
