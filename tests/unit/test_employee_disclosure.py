"""What the employee's own page shows them: their own advice whatever they consented to share,
their appointments, and what happens next without the escalations that hold staff to account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actors import Role
from domain.disclosure import (
    employee_deadlines,
    may_see_appointments,
    may_see_fitness,
    may_see_own_advice,
    shared_deadlines,
)
from domain.journey.base import Deadline
from domain.values import ConsentScope

DUE = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def test_the_employee_sees_their_own_advice_though_they_shared_none_of_it() -> None:
    nothing_shared = ConsentScope()
    assert may_see_own_advice(Role.EMPLOYEE)
    assert not may_see_fitness(Role.MANAGER, nothing_shared)  # consent still binds the employer


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.AUDITOR, Role.ADMIN])
def test_no_one_else_sees_advice_or_appointments_through_the_employees_rules(role: Role) -> None:
    assert not may_see_own_advice(role)
    assert not may_see_appointments(role)


def test_oh_and_the_employee_see_the_appointments() -> None:
    assert may_see_appointments(Role.OH) and may_see_appointments(Role.EMPLOYEE)


def test_the_employee_sees_the_shared_deadlines_without_staff_escalations() -> None:
    deadlines = [Deadline(name=name, due_at=DUE) for name in (
        "early_contact_due", "early_contact_escalation", "fit_note_needed",
        "check_in_due_missed_twice", "first_assessment_due")]
    shown = [d.name for d in employee_deadlines(deadlines)]
    assert shown == ["early_contact_due", "fit_note_needed"]
    assert set(shown) <= {d.name for d in shared_deadlines(deadlines)}
