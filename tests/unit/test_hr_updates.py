"""The webhook bodies HR hears: what each event produces, and never any clinical detail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.actors import Actor, Role, Source
from domain.commands import (
    CompletePhasedReturn,
    ConsentScope,
    EmployeeLeft,
    RecordCheckIn,
    RecordFollowUp,
    ReferToTherapy,
    StartRedeploymentTrial,
)
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.hr_updates import HrUpdate, StageChange, hr_update_for
from domain.ids import case_id_for_absence
from domain.journey.redeployment import VacancyMatch
from domain.practice import PRACTICE_V1
from domain.stages import ContactMethod, ReasonCategory
from domain.state import CaseState
from domain.vocabulary import Fitness, FitNoteAssessment, MatchJudgement, Outcome, TherapyKind
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
CASE_ID = case_id_for_absence("acme-trust", "ABS-1")

# Words and values that are clinical, or that would say why the employee is off.
CLINICAL_FIELDS = {"diagnosis", "condition", "clinical_notes", "notes", "therapy", "therapies",
                   "reason_category", "reason", "barriers", "comments", "summary", "tier",
                   "intervention_by_employee", "intervention_by_case_manager"}
NOTES = "Notes-7f3a: low mood since bereavement"
CONDITION = "Condition-7f3a: depression"
BARRIER = "Barrier-7f3a: panic on the bus"


def body(update: HrUpdate | None) -> dict[str, Any]:
    """The JSON an HR system receives (without the event id the delivery adds)."""
    assert update is not None
    return update.model_dump(mode="json")


def apply(state: CaseState, command: BaseModel, at: datetime, actor: Actor = OH
          ) -> tuple[CaseState, list[HrUpdate | None]]:
    """Decide and evolve a command, with the HR update each of its events produces."""
    updates: list[HrUpdate | None] = []
    for event in decide(state, command, now=at, actor=actor):
        before, state = state, evolve(state, event)
        updates.append(hr_update_for(before, state, event))
    return state, updates


def opened(reason: ReasonCategory = ReasonCategory.MENTAL_HEALTH
           ) -> tuple[CaseState, CaseEvent]:
    # HR hears the advice with the assessment on cases before report-first (practice 2), which
    # tests/unit/test_report_consent.py covers.
    event = open_case(open_command(reason=reason), case_id=CASE_ID, now=OPENED, actor=HR_ACTOR,
                      practice=PRACTICE_V1)
    return evolve(None, event), event


def assessed(share_with_hr: bool = True, fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS,
             notes: str = NOTES) -> tuple[CaseState, list[HrUpdate | None]]:
    state, _ = opened()
    state, _ = apply(state, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    consent = ConsentScope(share_with_hr=share_with_hr, report_offered_to_employee=True)
    assessment = j.assessment(OPENED, fitness, consent).model_copy(
        update={"clinical_notes": notes, "barriers": [BARRIER]})
    return apply(state, assessment, OPENED + timedelta(hours=1))


def in_rehabilitation() -> CaseState:
    state, _ = assessed()
    at = OPENED + timedelta(hours=2)
    state, _ = apply(state, j.case_manager(), at)
    state, _ = apply(state, j.plan(at, at.date()), at)
    return state


# -- what each event produces -----------------------------------------------------------------


def test_the_first_event_of_a_case_has_no_previous_stage() -> None:
    state, event = opened()
    assert body(hr_update_for(None, state, event)) == {
        "case_id": CASE_ID,
        "employer_id": "acme-trust",
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "stage": "early_contact",
        "changes": [{"kind": "stage_changed", "stage": "early_contact", "previous_stage": None}],
    }


def test_an_event_that_changes_nothing_hr_may_see_sends_nothing() -> None:
    state, _ = opened()
    state, _ = apply(state, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    at = OPENED + timedelta(days=1)
    _, updates = apply(state, RecordCheckIn(contacted_at=at, method=ContactMethod.PHONE,
                                            notes=NOTES), at, MANAGER_ACTOR)
    assert updates == [None]


def test_a_consented_assessment_tells_hr_the_fitness_and_adjustments() -> None:
    _, [update] = assessed(share_with_hr=True)
    assert body(update)["changes"] == [
        {"kind": "stage_changed", "stage": "planning", "previous_stage": "assessment"},
        {"kind": "fitness_advice", "fitness": "fit_with_adjustments",
         "recommended_adjustments": [{"kind": "work_pattern",
                                      "detail": "Start at 10:00 for four weeks"}]},
    ]


def test_an_assessment_not_shared_with_hr_tells_only_the_stage() -> None:
    _, [update] = assessed(share_with_hr=False)
    assert body(update)["changes"] == [
        {"kind": "stage_changed", "stage": "planning", "previous_stage": "assessment"},
    ]


def test_a_phased_return_tells_hr_the_first_day_and_the_hours_of_each_week() -> None:
    at = OPENED + timedelta(days=1)
    _, [update] = apply(in_rehabilitation(), j.phased_return(date(2026, 11, 23), weeks=3), at)
    assert body(update) == {
        "case_id": CASE_ID,
        "employer_id": "acme-trust",
        "occurred_at": "2026-11-21T10:00:00+00:00",
        "stage": "phased_return",
        "changes": [
            {"kind": "stage_changed", "stage": "phased_return",
             "previous_stage": "rehabilitation"},
            {"kind": "return_planned", "phased": True, "starts_on": "2026-11-23",
             "hours_by_week": [10.0, 20.0, 30.0]},
        ],
    }


def test_a_redeployment_trial_tells_hr_the_role_its_first_day_and_its_weeks() -> None:
    trial = StartRedeploymentTrial(vacancy_ref="VAC-88", role_title="Ward clerk",
                                   starts_on=date(2026, 11, 23), trial_weeks=8, permanent=True,
                                   retraining="Phlebotomy course",
                                   match=VacancyMatch(demands=[],
                                                      judgement=MatchJudgement.SUITABLE))
    _, [update, matched] = apply(in_rehabilitation(), trial, OPENED + timedelta(days=1))
    assert matched is None
    assert body(update)["changes"][1] == {
        "kind": "return_planned", "phased": False, "starts_on": "2026-11-23",
        "role_title": "Ward clerk", "trial_weeks": 8,
    }


def test_closing_after_a_return_tells_hr_the_outcome_and_the_day_of_return() -> None:
    state = in_rehabilitation()
    at = OPENED + timedelta(days=1)
    state, _ = apply(state, j.phased_return(at.date()), at)
    done = OPENED + timedelta(days=29)
    state, _ = apply(state, CompletePhasedReturn(completed_on=done.date()), done)
    state, [closed] = apply(state, j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, done.date()), done)
    assert body(closed)["changes"] == [
        {"kind": "stage_changed", "stage": "follow_up", "previous_stage": "phased_return"},
        {"kind": "case_closed", "outcome": "returned_with_adjustments",
         "returned_on": at.date().isoformat()},
    ]
    later = done + timedelta(days=60)
    _, [followed_up] = apply(state, RecordFollowUp(checked_on=later.date(), sustained=True,
                                                   notes=NOTES), later)
    assert body(followed_up)["changes"] == [
        {"kind": "stage_changed", "stage": "closed", "previous_stage": "follow_up"},
    ]


def test_a_leaver_closes_the_case_with_no_day_of_return() -> None:
    state, _ = assessed()
    at = OPENED + timedelta(days=2)
    _, updates = apply(state, EmployeeLeft(sent_at=at, left_on=at.date()), at, HR_ACTOR)
    [closed] = [update for update in updates if update is not None]
    assert body(closed)["stage"] == "closed"
    assert body(closed)["changes"][-1] == {"kind": "case_closed", "outcome": "left_employment",
                                           "returned_on": None}


def test_an_offset_other_than_utc_is_kept_as_written() -> None:
    state, event = opened()
    summer = event.model_copy(update={"occurred_at": datetime.fromisoformat(
        "2026-06-01T09:30:00.250000+01:00")})
    assert body(hr_update_for(None, state, summer))["occurred_at"] == \
        "2026-06-01T09:30:00.250000+01:00"


# -- the body crosses Temporal typed, and old ones still decode -------------------------------


def test_a_body_survives_the_journey_through_json_unchanged() -> None:
    _, [update] = assessed()
    assert update is not None
    again = HrUpdate.model_validate_json(update.model_dump_json())
    assert again == update
    assert body(again) == body(update)


def test_a_body_in_the_earlier_dict_shape_decodes_to_the_same_json() -> None:
    # What a webhook scheduled before the body was a model carries in its activity input.
    earlier = {
        "case_id": CASE_ID, "employer_id": "acme-trust",
        "occurred_at": "2026-11-21T10:00:00.123456+00:00", "stage": "redeployment",
        "changes": [
            {"kind": "stage_changed", "stage": "redeployment",
             "previous_stage": "rehabilitation"},
            {"kind": "return_planned", "phased": False, "starts_on": "2026-11-23",
             "role_title": "Ward clerk", "trial_weeks": 8},
        ],
    }
    decoded = HrUpdate.model_validate_json(json.dumps(earlier))
    assert body(decoded) == earlier
    assert json.dumps(body(decoded), sort_keys=True) == json.dumps(earlier, sort_keys=True)


# -- never clinical ----------------------------------------------------------------------------


def _property_names(schema: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= set(schema.get("properties", {}))
        for value in schema.values():
            names |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value)
    return names


def _object_schemas(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if "properties" in schema:
            found.append(schema)
        for value in schema.values():
            found += _object_schemas(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _object_schemas(value)
    return found


def test_no_part_of_a_body_has_a_field_for_clinical_detail() -> None:
    schema = HrUpdate.model_json_schema()
    assert _property_names(schema) & CLINICAL_FIELDS == set()
    assert _property_names(schema) == {
        "case_id", "employer_id", "occurred_at", "stage", "changes", "kind", "previous_stage",
        "fitness", "recommended_adjustments", "detail", "phased", "starts_on", "hours_by_week",
        "role_title", "trial_weeks", "outcome", "returned_on",
        "notice", "recipient_role", "due_at", "effective_on", "assessment_number",
    }


def test_no_part_of_a_body_takes_a_field_it_does_not_name() -> None:
    schemas = _object_schemas(HrUpdate.model_json_schema())
    assert len(schemas) == 9
    assert all(schema.get("additionalProperties") is False for schema in schemas)
    state, event = opened()
    update = body(hr_update_for(None, state, event))
    with pytest.raises(ValidationError):
        HrUpdate.model_validate(update | {"diagnosis": "depression"})
    with pytest.raises(ValidationError):
        StageChange.model_validate(update["changes"][0] | {"reason_category": "mental_health"})


def test_no_clinical_detail_reaches_hr_along_a_whole_journey() -> None:
    state, event = opened(ReasonCategory.MENTAL_HEALTH)
    updates = [hr_update_for(None, state, event)]
    steps: list[tuple[BaseModel, Actor]] = [
        (j.early_contact(OPENED).model_copy(update={"notes": NOTES}), MANAGER_ACTOR),
        (j.assessment(OPENED).model_copy(update={"clinical_notes": NOTES,
                                                 "barriers": [BARRIER]}), OH),
        (j.fit_note(OPENED.date(), FitNoteAssessment.MAY_BE_FIT).model_copy(
            update={"condition": CONDITION, "comments": NOTES}), MANAGER_ACTOR),
        (j.case_manager(), OH),
        (j.plan(OPENED, OPENED.date()), OH),
        (ReferToTherapy(kind=TherapyKind.TALKING_THERAPY, provider="Mind matters clinic",
                        referred_on=OPENED.date()), OH),
        (j.phased_return(OPENED.date()), OH),
        (CompletePhasedReturn(completed_on=OPENED.date()), OH),
        (j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, OPENED.date()).model_copy(
            update={"comment": NOTES}), OH),
    ]
    for number, (command, actor) in enumerate(steps, start=1):
        state, produced = apply(state, command, OPENED + timedelta(minutes=number), actor)
        updates += produced

    sent = [body(update) for update in updates if update is not None]
    assert [[change["kind"] for change in update["changes"]] for update in sent] == [
        ["stage_changed"], ["stage_changed"], ["stage_changed", "fitness_advice"],
        ["stage_changed"], ["stage_changed", "return_planned"], ["stage_changed", "case_closed"],
    ]
    text = json.dumps(sent)
    for clinical in (NOTES, CONDITION, BARRIER, "mental", "talking_therapy", "Mind matters",
                     "msk_treatment", "Lumbar", "Back pain", "Sam Patel", "diagnosis"):
        assert clinical not in text
    assert not {key for update in sent for key in _keys(update)} & CLINICAL_FIELDS


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


@given(notes=st.text(min_size=1, max_size=200), share_with_hr=st.booleans(),
       fitness=st.sampled_from(Fitness))
def test_clinical_notes_never_reach_hr_whatever_they_say(
        notes: str, share_with_hr: bool, fitness: Fitness) -> None:
    # Unfit for any work also escalates: that event, like any other, is checked as well.
    _, updates = assessed(share_with_hr, fitness, notes=f"Notes-7f3a:{notes}")
    text = json.dumps([body(update) for update in updates if update], ensure_ascii=False)
    assert "Notes-7f3a" not in text
    assert ('"fitness_advice"' in text) is share_with_hr
