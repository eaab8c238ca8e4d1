"""What an audit reads of each recorded event: the trail (type, actor, moments, place, reason
and facts anyone may know) always; clinical content only for a clinical audit with a purpose."""

from __future__ import annotations

import typing

import pytest

from api.audit_params import audit_purpose
from api.problems import Problem
from domain.actors import Role
from domain.disclosure import (
    CLINICAL_FIELDS,
    RECORD_FACTS,
    WITHHELD,
    audit_sees_clinical,
    event_for_audit,
    may_see_in_timeline,
    withheld_from_audit,
)
from domain.events import AnyCaseEvent
from infra.tokens import Principal
from readside.access_log import printable

EVENT_TYPES = {cls.model_fields["type"].default: cls for cls in typing.get_args(AnyCaseEvent)}


def every_field_set(event_type: str) -> dict[str, object]:
    """The stored data of an event of this type with a marker in every field."""
    return {name: f"ZZ-{name}" for name in EVENT_TYPES[event_type].model_fields
            if name not in ("type", "actor", "occurred_at", "reason")}


def test_an_assessment_keeps_who_and_when_and_withholds_the_findings_and_the_reason() -> None:
    data = every_field_set("AssessmentRecorded")

    audited = event_for_audit("AssessmentRecorded", data, "early assessment 1 by Dr A: tier 3",
                              clinical=False)

    assert audited.reason == WITHHELD
    kept = {name for name, value in audited.data.items() if value != WITHHELD}
    assert kept == {"number", "assessed_at", "assessor", "event_version"}
    assert {"clinical_notes", "barriers", "tier", "fitness", "recommended_adjustments",
            "consent", "rapid_access", "kind"} <= set(audited.withheld)


def test_a_fit_note_keeps_its_dates_and_options_and_withholds_the_condition() -> None:
    data = every_field_set("FitNoteRecorded")

    audited = event_for_audit("FitNoteRecorded", data, "fit note 1 (not_fit) from a doctor",
                              clinical=False)

    assert audited.reason == "fit note 1 (not_fit) from a doctor"
    assert audited.withheld == ("comments", "condition")
    assert audited.data["starts_on"] == "ZZ-starts_on"
    assert audited.data["options"] == "ZZ-options"


def test_a_plan_revised_for_a_reason_typed_in_free_text_withholds_that_reason() -> None:
    data = {"plan_version": 2, "plan": {"goals": ["ZZ"]}, "revision_reason": "ZZ-why"}

    audited = event_for_audit("PlanAgreed", data, "plan revised to version 2: ZZ-why",
                              clinical=False)

    assert audited.reason == WITHHELD
    assert audited.data == {"plan_version": 2, "plan": WITHHELD, "revision_reason": WITHHELD}


def test_a_first_plan_keeps_its_reason_but_not_its_private_parts() -> None:
    audited = event_for_audit("PlanAgreed", {"plan_version": 1, "plan": {"goals": ["ZZ"]}},
                              "rehabilitation plan agreed with 1 goal(s)", clinical=False)

    assert audited.reason == "rehabilitation plan agreed with 1 goal(s)"
    assert audited.withheld == ("plan",)


def test_a_reminder_about_a_deadline_that_hints_at_health_is_withheld_whole() -> None:
    data = {"deadline_name": "first_assessment_due", "deadline": "2026-11-27T09:00:00Z"}

    audited = event_for_audit("ReminderSent", data, "first assessment due", clinical=False)

    assert audited.reason == WITHHELD
    assert audited.data == {"deadline_name": WITHHELD, "deadline": WITHHELD}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_no_clinical_field_of_any_event_reaches_an_audit_without_clinical_access(
        event_type: str) -> None:
    data = every_field_set(event_type)

    withheld = withheld_from_audit(event_type, data)

    assert not (CLINICAL_FIELDS & (set(data) - withheld))
    if "reason" not in withheld:  # a shared event: nothing more than any role is shown
        assert set(data) - withheld <= set(data) - CLINICAL_FIELDS
    else:
        assert set(data) - withheld <= RECORD_FACTS


def test_an_event_type_the_rule_has_never_seen_keeps_only_the_facts_of_the_record() -> None:
    data = {"number": 1, "diagnosis": "ZZ", "anything_new": "ZZ"}

    audited = event_for_audit("SomethingRecordedLater", data, "ZZ", clinical=False)

    assert audited.data == {"number": 1, "diagnosis": WITHHELD, "anything_new": WITHHELD}
    assert audited.reason == WITHHELD


def test_an_erasure_shows_an_auditor_that_when_and_why_it_happened() -> None:
    data = {"type": "CaseDataErased", "occurred_at": "2032-12-01T02:30:00+00:00",
            "ground": "retention", "requested_by": "rtw-retention-schedule",
            "events_erased": 14, "method": "data_key_destroyed", "resealed_events": 0}
    audited = event_for_audit("CaseDataErased", data,
                              "retention period over: cases are kept 6 years after closure",
                              clinical=False)
    assert audited.withheld == ()
    assert audited.data == data and audited.reason.startswith("retention period over")


def test_a_clinical_audit_reads_the_event_whole() -> None:
    data = every_field_set("AssessmentRecorded")

    audited = event_for_audit("AssessmentRecorded", data, "tier 3", clinical=True)

    assert (audited.data, audited.reason, audited.withheld) == (data, "tier 3", ())


@pytest.mark.parametrize(("role", "purpose", "sees"), [
    (Role.CLINICAL_AUDITOR, "Serious incident review SI-2026-114", True),
    (Role.CLINICAL_AUDITOR, None, False),
    (Role.AUDITOR, "Serious incident review SI-2026-114", False),
    (Role.OH, "Serious incident review SI-2026-114", False),
])
def test_only_the_clinical_auditor_naming_a_purpose_sees_clinical_content_in_an_audit(
        role: Role, purpose: str | None, sees: bool) -> None:
    assert audit_sees_clinical(role, purpose) is sees


CLINICAL_AUDITOR = Principal(subject="ca-1", role=Role.CLINICAL_AUDITOR)
AUDITOR = Principal(subject="a-1", role=Role.AUDITOR)


@pytest.mark.parametrize(("purpose", "message"), [
    (None, "a clinical audit names its purpose"),
    ("   ", "a clinical audit names its purpose"),
    ("too short", "give 10 to 500 characters, not 9"),
    ("x" * 501, "give 10 to 500 characters, not 501"),
    ("Serious incident\nreview SI-1", "printable characters only"),
    ("Serious incident\u2028review SI-1", "printable characters only"),
    ("Serious\tincident review", "printable characters only"),
])
def test_a_purpose_that_is_missing_or_not_one_line_of_10_to_500_characters_is_refused(
        purpose: str | None, message: str) -> None:
    with pytest.raises(Problem) as refused:
        audit_purpose(CLINICAL_AUDITOR, purpose)

    assert refused.value.status == 422
    assert [error["field"] for error in refused.value.extra["errors"]] == ["purpose"]
    assert message in refused.value.detail


def test_a_purpose_is_kept_trimmed_and_an_auditor_needs_none() -> None:
    assert audit_purpose(CLINICAL_AUDITOR, "  Serious incident review  ") == (
        "Serious incident review")
    assert audit_purpose(AUDITOR, None) is None


@pytest.mark.parametrize(("text", "written"), [
    ("M2002", "M2002"),
    ("evil\n2026-11-30T10:00:00+00:00  api  forged",
     "evil\\x0a2026-11-30T10:00:00+00:00  api  forged"),
    ("a\rb\x1bc\x7fd\x85e", "a\\x0db\\x1bc\\x7fd\\x85e"),
    ("line\u2028sep", "line\\u2028sep"),
])
def test_a_logged_text_never_carries_a_character_that_could_end_a_line(
        text: str, written: str) -> None:
    assert printable(text) == written
    assert len(printable(text).splitlines()) == 1


def test_an_auditors_timeline_on_the_case_page_leaves_out_what_an_audit_withholds() -> None:
    assert may_see_in_timeline(Role.AUDITOR, "FitNoteRecorded", {})
    assert not may_see_in_timeline(Role.AUDITOR, "OhReferralMade", {})
    assert not may_see_in_timeline(Role.CLINICAL_AUDITOR, "AssessmentRecorded", {})
