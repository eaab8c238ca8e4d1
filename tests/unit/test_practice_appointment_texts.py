"""The words of the appointment notices: when and how for the employee, nothing clinical and no
purpose for the manager, no names in OH's mailbox."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.actors import Role
from domain.notices import NoticeKind
from infra.notice_texts import NoticeContext, NoticeTexts

CASE_ID = "3f2a0c1e-1111-5222-8333-444455556666"
APPOINTMENT = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)  # Thursday, 2:30pm in London


def context(kind: NoticeKind, role: Role, due_at: datetime | None = APPOINTMENT
            ) -> NoticeContext:
    person = {Role.MANAGER: "Alex Jones", Role.EMPLOYEE: "Sam Patel"}.get(role)
    return NoticeContext(
        notice_id="notice-1", case_id=CASE_ID, employer_id="trust-a", kind=kind,
        recipient_role=role, recipient_name=person, employee_name="Sam Patel",
        manager_name="Alex Jones", first_day=date(2026, 11, 20), due_at=due_at,
        escalation_number=None, absent_days=None, effective_on=None, case_url=None)


@pytest.mark.parametrize(("kind", "how"), [
    (NoticeKind.APPOINTMENT_REMINDER_PHONE, "It is a phone call"),
    (NoticeKind.APPOINTMENT_REMINDER_VIDEO, "It is a video call"),
    (NoticeKind.APPOINTMENT_REMINDER_IN_PERSON, "It is in person"),
])
def test_the_reminder_tells_the_employee_when_and_how(kind: NoticeKind, how: str) -> None:
    text = NoticeTexts().render(context(kind, Role.EMPLOYEE))

    assert text.subject == f"Reminder: your occupational health appointment (case {CASE_ID})"
    assert text.body.startswith("Dear Sam Patel,\n")
    assert "appointment with the occupational health team on Thursday 3 December 2026 at " \
           "2:30pm." in text.body
    assert how in text.body
    assert "If you cannot make it" in text.body


def test_the_reminder_reads_well_without_the_time() -> None:
    text = NoticeTexts().render(context(NoticeKind.APPOINTMENT_REMINDER_VIDEO, Role.EMPLOYEE,
                                        due_at=None))
    assert "appointment with the occupational health team.\n" in text.body


def test_the_manager_hears_that_appointments_were_missed_and_nothing_of_their_purpose() -> None:
    text = NoticeTexts().render(context(NoticeKind.APPOINTMENTS_MISSED, Role.MANAGER, None))

    assert text.body.startswith("Dear Alex Jones,\n")
    assert "Sam Patel has not attended appointments the occupational health team booked." \
        in text.body
    assert "We do not share what the appointments were for." in text.body
    for clinical in ("consultation", "nurse", "physician", "assessment", "condition"):
        assert clinical not in text.body.lower()


def test_oh_is_asked_to_decide_by_a_date_without_names() -> None:
    due = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    text = NoticeTexts().render(context(NoticeKind.APPOINTMENTS_MISSED, Role.OH, due))

    assert text.body.startswith("Hello,\n")
    assert "Please decide in rtw by Tuesday 8 December 2026 at 5pm: offer further " \
           "appointments (rebook), discharge the employee from occupational health, or close " \
           "the case." in text.body
    assert "Sam Patel" not in text.body and "Alex Jones" not in text.body


def test_oh_is_reminded_of_an_overdue_decision() -> None:
    due = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    text = NoticeTexts().render(context(NoticeKind.MISSED_APPOINTMENTS_DECISION_DUE, Role.OH,
                                        due))
    assert "has not been recorded. It was due by Tuesday 8 December 2026 at 5pm." in text.body


def test_oh_is_asked_whether_an_appointment_after_a_return_is_still_needed() -> None:
    text = NoticeTexts().render(context(NoticeKind.APPOINTMENT_STILL_NEEDED, Role.OH))

    assert text.subject == f"Is this appointment still needed? (case {CASE_ID})"
    assert "returned to work before an occupational health appointment booked on Thursday " \
           "3 December 2026 at 2:30pm." in text.body
    assert "Sam Patel" not in text.body


def test_the_manager_is_told_when_oh_stops_offering_appointments() -> None:
    text = NoticeTexts().render(context(NoticeKind.MISSED_APPOINTMENTS_DECIDED, Role.MANAGER,
                                        None))
    assert "will not offer Sam Patel further appointments for now" in text.body
    assert "sickness absence policy" in text.body
