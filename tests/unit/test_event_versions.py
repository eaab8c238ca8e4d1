"""Stored events of an older shape are read as today's: every upcaster, on a fixture of the
shape it lifts, and the version bookkeeping of every stored type."""

from __future__ import annotations

import json
import typing
from datetime import UTC, date, datetime
from pathlib import Path

from domain.events import (
    AbsenceStarted,
    AnyCaseEvent,
    CaseOpened,
    PlanAgreed,
    ReferralReceived,
    parse_event,
)
from domain.evolve import evolve
from domain.practice import CURRENT_PRACTICE
from domain.upcasting import UPCASTERS, VERSION_KEY, upcast
from tests.support.builders import opened_state

FIXTURES = Path(__file__).parent / "fixtures"


def current_versions() -> dict[str, int]:
    return {
        cls.model_fields["type"].default: cls.model_fields[VERSION_KEY].default
        for cls in typing.get_args(AnyCaseEvent)
    }


def test_a_version_1_plan_agreement_reads_with_its_plan_version() -> None:
    stored = json.loads((FIXTURES / "plan_agreed_v1.json").read_text())

    event = parse_event(stored)

    assert isinstance(event, PlanAgreed)
    assert event.plan_version == 2 and event.event_version == 2
    assert event.revision_reason == "hours changed"


def test_upcasting_leaves_the_stored_form_untouched() -> None:
    stored = json.loads((FIXTURES / "plan_agreed_v1.json").read_text())
    before = json.dumps(stored, sort_keys=True)

    upcast(stored)

    assert json.dumps(stored, sort_keys=True) == before


def test_a_current_event_round_trips_without_upcasting() -> None:
    stored = json.loads((FIXTURES / "plan_agreed_v1.json").read_text())
    current = parse_event(stored).model_dump(mode="json")

    assert current[VERSION_KEY] == 2
    assert upcast(current) == current
    assert parse_event(current).model_dump(mode="json") == current


def test_every_version_below_the_current_one_has_an_upcaster() -> None:
    for event_type, version in current_versions().items():
        missing = [v for v in range(1, version) if (event_type, v) not in UPCASTERS]
        assert not missing, f"{event_type}: no upcaster from version(s) {missing}"


def test_no_upcaster_lifts_past_the_current_version() -> None:
    versions = current_versions()
    for event_type, version in UPCASTERS:
        assert event_type in versions, f"upcaster for unknown type {event_type}"
        assert version < versions[event_type], f"{event_type} v{version} is already current"


def test_a_version_1_case_opening_keeps_contact_due_from_the_day_it_opened() -> None:
    stored = json.loads((FIXTURES / "case_opened_v1.json").read_text())

    event = parse_event(stored)
    state = evolve(None, event)

    assert isinstance(event, CaseOpened)
    assert (event.event_version, event.reported_on, event.practice) == (4, None, 0)
    assert event.first_day == date(2026, 11, 20)  # ten days before it opened
    assert state.contact_due_at == datetime(2026, 12, 1, 17, tzinfo=UTC)


def test_a_version_2_case_opening_follows_the_practice_rules_as_they_were() -> None:
    stored = json.loads((FIXTURES / "case_opened_v2.json").read_text())

    state = evolve(None, parse_event(stored))

    assert state.practice == 0
    assert state.absence is not None and state.absence.reported_on == date(2026, 11, 20)


def test_a_version_3_case_opening_knows_no_earlier_absences_and_no_employment() -> None:
    stored = json.loads((FIXTURES / "case_opened_v3.json").read_text())

    event = parse_event(stored)
    state = evolve(None, event)

    assert isinstance(event, CaseOpened)
    assert (event.event_version, event.practice) == (4, 2)
    assert (event.employment, event.previous_absences) == (None, ())
    assert state.absence is not None and state.absence.previous_absences == ()


def test_a_version_1_absence_start_knows_no_earlier_absences_and_no_employment() -> None:
    stored = json.loads((FIXTURES / "absence_started_v1.json").read_text())

    event = parse_event(stored)

    assert isinstance(event, AbsenceStarted)
    assert (event.event_version, event.employment, event.previous_absences) == (2, None, ())


def test_a_version_1_referral_follows_the_practice_rules_as_they_were() -> None:
    stored = json.loads((FIXTURES / "referral_received_v1.json").read_text())

    event = parse_event(stored)
    state = evolve(None, event)

    assert isinstance(event, ReferralReceived)
    assert (event.event_version, event.practice) == (3, 0)
    assert state.practice == 0


def test_a_case_opened_today_follows_the_current_practice_rules() -> None:
    state = opened_state(datetime(2026, 11, 30, 10, tzinfo=UTC))

    assert state.practice == CURRENT_PRACTICE
