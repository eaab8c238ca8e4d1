"""ESR sickness absence reason codes and the categories the rules read from them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from api.models import AbsenceNotification
from domain.errors import InvalidCommand
from domain.journey.hr_facts import ChangeAbsenceReason
from domain.reason_codes import ESR_REASONS, reason_category_of
from domain.stages import RAPID_ACCESS_CATEGORIES, ReasonCategory

SENT = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_the_table_holds_esrs_reasons_s10_to_s32_then_s98_and_s99() -> None:
    expected = [f"S{number}" for number in range(10, 33)] + ["S98", "S99"]

    assert list(ESR_REASONS) == expected


@pytest.mark.parametrize("code", list(ESR_REASONS))
def test_every_code_maps_to_a_category_the_rules_use(code: str) -> None:
    assert reason_category_of(code) in set(ReasonCategory)


@pytest.mark.parametrize(("code", "category"), [
    ("S10", ReasonCategory.MENTAL_HEALTH),
    ("S32", ReasonCategory.MENTAL_HEALTH),
    ("S11", ReasonCategory.MUSCULOSKELETAL),
    ("S12", ReasonCategory.MUSCULOSKELETAL),
    ("S28", ReasonCategory.OTHER),  # injury and fracture: ESR keeps it apart from MSK
    ("S13", ReasonCategory.OTHER),
    ("S98", ReasonCategory.OTHER),
    ("S99", ReasonCategory.OTHER),
])
def test_a_code_maps_to_its_category(code: str, category: ReasonCategory) -> None:
    assert reason_category_of(code) is category


def test_only_mental_health_and_musculoskeletal_codes_get_rapid_access() -> None:
    rapid = {code for code in ESR_REASONS if reason_category_of(code) in RAPID_ACCESS_CATEGORIES}

    assert rapid == {"S10", "S11", "S12", "S32"}


def test_a_code_is_read_whatever_its_case_and_surrounding_spaces() -> None:
    assert reason_category_of(" s11 ") is ReasonCategory.MUSCULOSKELETAL
    assert ChangeAbsenceReason(sent_at=SENT, reason_code=" s11 ").reason_code == "S11"


@pytest.mark.parametrize("code", ["S33", "S9", "X10", "musculoskeletal", "S1O"])
def test_an_unknown_code_is_refused_naming_the_field_and_the_codes_accepted(code: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        reason_category_of(code)

    assert refused.value.field == "reason_code"
    assert "not an ESR sickness absence reason code" in refused.value.reason
    assert "S10, S11" in refused.value.reason and "S98, S99" in refused.value.reason


def test_a_reason_change_with_an_unknown_code_is_refused_at_the_edge() -> None:
    with pytest.raises(ValidationError) as refused:
        ChangeAbsenceReason(sent_at=SENT, reason_code="S40")

    (error,) = refused.value.errors()
    assert error["loc"] == ("reason_code",)
    assert "accepted: S10" in error["msg"]


# --- an absence notified with an ESR code ----------------------------------------------------

NOTIFIED = {"employer_id": "acme-trust", "absence_id": "ABS-1",
            "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
            "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
            "first_day": "2026-11-20"}


def test_an_absence_may_be_notified_with_an_esr_code_instead_of_a_category() -> None:
    body = AbsenceNotification.model_validate({**NOTIFIED, "reason_code": "s10"})

    assert (body.reason_code, body.reason_category) == ("S10", ReasonCategory.MENTAL_HEALTH)
    assert "reason_category" not in AbsenceNotification.model_json_schema()["required"]


def test_an_absence_notified_with_both_needs_them_to_agree() -> None:
    agreeing = AbsenceNotification.model_validate(
        {**NOTIFIED, "reason_code": "S11", "reason_category": "musculoskeletal"})
    assert agreeing.reason_category is ReasonCategory.MUSCULOSKELETAL

    with pytest.raises(ValidationError, match="S10 is a mental_health reason but "
                       "reason_category is other"):
        AbsenceNotification.model_validate(
            {**NOTIFIED, "reason_code": "S10", "reason_category": "other"})


def test_an_absence_notified_with_neither_or_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValidationError, match="reason_category"):
        AbsenceNotification.model_validate(NOTIFIED)
    with pytest.raises(ValidationError, match="accepted: S10"):
        AbsenceNotification.model_validate({**NOTIFIED, "reason_code": "S40"})
