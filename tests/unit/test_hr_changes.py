"""HR changes over a case's life: a new line manager, the employee's details, the absence's
reason. Each is idempotent, ordered by when HR sent it, and decides nothing once the case
closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.actors import Actor, Person, Role, Source
from domain.commands import DeadlinePassed, EmployeeLeft, RecordEarlyContact, ReferToOh
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.errors import NotOwnTeam, RoleNotAllowed
from domain.events import (
    AbsenceReasonChanged,
    CaseEvent,
    EmployeeDetailsChanged,
    LineManagerChanged,
    ManagerRemindedOfContact,
    OhReferralMade,
)
from domain.evolve import evolve
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.journey.oh_referral import RAPID_ACCESS_REFERRAL
from domain.notices import NoticeKind, notices_for
from domain.stages import ContactMethod, ReasonCategory, Stage
from domain.state import CaseState
from domain.values import Employment
from tests.support.builders import HR_ACTOR, MANAGER, MANAGER_ACTOR, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # Friday, the first day of absence
NOW = OPENED + timedelta(days=1)
SENT = NOW - timedelta(hours=1)
NEW_MANAGER = Person(id="M9999", name="Pat Lee", email="pat.lee@example.org")
NEW_MANAGER_ACTOR = Actor(id="M9999", role=Role.MANAGER, source=Source.API)


def opened(reason: ReasonCategory = ReasonCategory.OTHER) -> CaseState:
    return opened_state(OPENED, reason=reason)


def apply(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def hr(state: CaseState, command: object, at: datetime = NOW) -> list[CaseEvent]:
    return decide(state, command, now=at, actor=HR_ACTOR)  # type: ignore[arg-type]


def handed_over(state: CaseState, sent_at: datetime = SENT) -> CaseState:
    return apply(state, hr(state, ChangeLineManager(sent_at=sent_at, manager=NEW_MANAGER)))


def contact() -> RecordEarlyContact:
    return RecordEarlyContact(contacted_at=NOW, method=ContactMethod.PHONE,
                              agreed_contact_frequency_days=7, notes="Spoke by phone")


# --- the line manager ----------------------------------------------------------------------


def test_a_new_line_manager_takes_the_case_over_and_is_told() -> None:
    state = opened()

    (event,) = hr(state, ChangeLineManager(sent_at=SENT, manager=NEW_MANAGER))
    after = evolve(state, event)

    assert isinstance(event, LineManagerChanged)
    assert event.previous_manager_id == MANAGER.id and event.manager.id == "M9999"
    assert after.manager.id == "M9999" and after.manager.email == "pat.lee@example.org"
    assert after.hr_facts_applied.manager_sent_at == SENT
    (notice,) = notices_for(after, event)
    assert (notice.kind, notice.recipient_role, notice.recipient_id) == (
        NoticeKind.CASE_HANDED_OVER, Role.MANAGER, "M9999")


def test_the_old_manager_no_longer_acts_on_the_case_and_the_new_one_does() -> None:
    state = handed_over(opened())

    with pytest.raises(NotOwnTeam):
        decide(state, contact(), now=NOW, actor=MANAGER_ACTOR)
    assert decide(state, contact(), now=NOW, actor=NEW_MANAGER_ACTOR)


def test_a_reminder_for_the_manager_after_the_change_goes_to_the_new_manager() -> None:
    state = handed_over(opened())
    due = next(d for d in open_deadlines(state) if d.key == "early_contact_due")

    events = decide(state, DeadlinePassed(key=due.key), now=due.due_at, actor=HR_ACTOR)
    reminded = apply(state, events)

    assert [type(event) for event in events] == [ManagerRemindedOfContact]
    (notice,) = notices_for(reminded, events[0])
    assert (notice.kind, notice.recipient_id) == (NoticeKind.EARLY_CONTACT_DUE, "M9999")


def test_the_same_manager_again_repeated_or_older_changes_nothing() -> None:
    state = handed_over(opened())

    assert hr(state, ChangeLineManager(sent_at=SENT, manager=NEW_MANAGER)) == []
    assert hr(state, ChangeLineManager(sent_at=SENT + timedelta(minutes=5),
                                       manager=NEW_MANAGER)) == []
    # An older message naming the previous manager arrives late: the newer one stands.
    assert hr(state, ChangeLineManager(sent_at=SENT - timedelta(hours=2), manager=MANAGER)) == []
    assert hr(opened(), ChangeLineManager(sent_at=SENT, manager=MANAGER)) == []


def test_a_newer_message_naming_the_previous_manager_hands_the_case_back() -> None:
    state = handed_over(opened())

    back = handed_over_to(state, MANAGER, SENT + timedelta(minutes=30))

    assert back.manager.id == MANAGER.id


def handed_over_to(state: CaseState, manager: Person, sent_at: datetime) -> CaseState:
    return apply(state, hr(state, ChangeLineManager(sent_at=sent_at, manager=manager)))


def test_the_managers_new_email_alone_is_recorded_without_a_handover_notice() -> None:
    state = opened()
    renamed = MANAGER.model_copy(update={"email": "alex.jones@example.org"})

    (event,) = hr(state, ChangeLineManager(sent_at=SENT, manager=renamed))

    assert evolve(state, event).manager.email == "alex.jones@example.org"
    assert notices_for(evolve(state, event), event) == []


def test_hr_changes_after_the_case_closed_decide_nothing() -> None:
    state = opened()
    closed = apply(state, hr(state, EmployeeLeft(sent_at=SENT, left_on=NOW.date())))
    later = SENT + timedelta(hours=1)
    assert closed.stage is Stage.CLOSED

    assert hr(closed, ChangeLineManager(sent_at=later, manager=NEW_MANAGER)) == []
    assert hr(closed, ChangeEmployeeDetails(sent_at=later, name="Sam Patel-Jones")) == []
    assert hr(closed, ChangeAbsenceReason(sent_at=later, reason_code="S10")) == []


def test_only_hr_reports_these_changes() -> None:
    with pytest.raises(RoleNotAllowed):
        decide(opened(), ChangeLineManager(sent_at=SENT, manager=NEW_MANAGER), now=NOW,
               actor=MANAGER_ACTOR)


# --- the employee's details ------------------------------------------------------------------


def test_only_the_details_given_that_differ_change() -> None:
    state = opened()

    (event,) = hr(state, ChangeEmployeeDetails(sent_at=SENT, name="Sam Patel",
                                               email="sam.patel@example.org", weekly_hours=30))
    after = evolve(state, event)

    assert isinstance(event, EmployeeDetailsChanged)
    assert (event.name, event.email, event.weekly_hours, event.role_title) == (
        None, "sam.patel@example.org", 30, None)
    assert event.reason == "HR: employee's email, weekly hours changed"
    assert (after.employee.name, after.employee.email) == ("Sam Patel", "sam.patel@example.org")
    # The case opened without employment details: they are made from the change.
    assert after.absence is not None
    assert after.absence.employment == Employment(weekly_hours=30)


def test_hours_and_role_update_the_employment_the_case_holds() -> None:
    state = opened()
    assert state.absence is not None
    state = state.model_copy(update={"absence": state.absence.model_copy(update={
        "employment": Employment(service_start=date(2019, 4, 1), weekly_hours=37.5,
                                 role_title="Staff nurse")})})

    after = apply(state, hr(state, ChangeEmployeeDetails(sent_at=SENT, role_title="Ward sister")))

    assert after.absence is not None
    assert after.absence.employment == Employment(
        service_start=date(2019, 4, 1), weekly_hours=37.5, role_title="Ward sister")


def test_the_same_details_again_repeated_or_older_change_nothing() -> None:
    state = opened()
    changed = apply(state, hr(state, ChangeEmployeeDetails(sent_at=SENT, name="Sam Okafor")))

    assert hr(changed, ChangeEmployeeDetails(sent_at=SENT, name="Sam Okafor")) == []
    assert hr(changed, ChangeEmployeeDetails(sent_at=SENT + timedelta(minutes=1),
                                             name="Sam Okafor")) == []
    assert hr(changed, ChangeEmployeeDetails(sent_at=SENT - timedelta(minutes=1),
                                             name="Sam Patel")) == []
    assert changed.employee.name == "Sam Okafor"


def test_a_details_change_must_name_something_and_a_valid_email() -> None:
    with pytest.raises(ValidationError, match="at least one of name, email"):
        ChangeEmployeeDetails(sent_at=SENT)
    with pytest.raises(ValidationError):
        ChangeEmployeeDetails(sent_at=SENT, email="not-an-address")


# --- the absence's reason --------------------------------------------------------------------


def test_a_reason_change_records_the_code_and_its_category() -> None:
    state = opened(ReasonCategory.OTHER)

    (event,) = hr(state, ChangeAbsenceReason(sent_at=SENT, reason_code="S12"))
    after = evolve(state, event)

    assert isinstance(event, AbsenceReasonChanged)
    assert (event.reason_code, event.reason_category) == ("S12", ReasonCategory.MUSCULOSKELETAL)
    # The words anyone auditing may read name neither the code nor the category.
    assert "S12" not in event.reason and "musculoskeletal" not in event.reason
    assert after.reason_category is ReasonCategory.MUSCULOSKELETAL
    assert after.hr_facts_applied.reason_code == "S12"


def test_the_same_reason_again_repeated_or_older_changes_nothing() -> None:
    state = opened()
    changed = apply(state, hr(state, ChangeAbsenceReason(sent_at=SENT, reason_code="S10")))

    assert hr(changed, ChangeAbsenceReason(sent_at=SENT + timedelta(hours=1),
                                           reason_code="S10")) == []
    assert hr(changed, ChangeAbsenceReason(sent_at=SENT, reason_code="S13")) == []
    assert hr(changed, ChangeAbsenceReason(sent_at=SENT - timedelta(hours=1),
                                           reason_code="S13")) == []
    assert changed.reason_category is ReasonCategory.MENTAL_HEALTH


def test_a_reason_changed_to_mental_health_brings_rapid_access_to_oh() -> None:
    """The rapid-access referral is derived from the reason category: a case that becomes a
    mental-health case before it was referred is referred early, as one opened so would be."""
    state = opened(ReasonCategory.OTHER)
    assert RAPID_ACCESS_REFERRAL not in {d.key for d in open_deadlines(state)}

    changed = apply(state, hr(state, ChangeAbsenceReason(sent_at=SENT, reason_code="S10")))
    (rapid,) = [d for d in open_deadlines(changed) if d.key == RAPID_ACCESS_REFERRAL]
    referred = decide(changed, DeadlinePassed(key=rapid.key), now=rapid.due_at, actor=HR_ACTOR)

    assert [type(event) for event in referred] == [OhReferralMade]


def test_a_reason_changed_away_from_msk_drops_rapid_access_and_a_referred_case_stays() -> None:
    msk = opened(ReasonCategory.MUSCULOSKELETAL)
    assert RAPID_ACCESS_REFERRAL in {d.key for d in open_deadlines(msk)}

    other = apply(msk, hr(msk, ChangeAbsenceReason(sent_at=SENT, reason_code="S13")))
    referred = apply(msk, decide(msk, ReferToOh(reason="long absence"), now=NOW,
                                 actor=MANAGER_ACTOR))
    still = apply(referred, hr(referred, ChangeAbsenceReason(sent_at=SENT, reason_code="S13")))

    assert RAPID_ACCESS_REFERRAL not in {d.key for d in open_deadlines(other)}
    assert still.oh_referral == referred.oh_referral
