"""Who reads an employee's record across cases, and how much of it (`domain.disclosure`), on
the case view (`api.employee_record.absence_record_for`)."""

from __future__ import annotations

from datetime import date

import pytest

from api.employee_record import absence_record_for
from domain.actors import Role
from domain.disclosure import RecordDetail, may_read_employee_record, record_detail
from domain.stages import ReasonCategory
from domain.values import PastAbsence
from tests.unit.test_absence_pattern import FOUR_SHORT, _case, _off


@pytest.mark.parametrize(("role", "subject", "managers", "reads"), [
    (Role.OH, "oh-1", [], True),
    (Role.HR, "hr-1", [], True),
    (Role.AUDITOR, "aud-1", [], True),
    (Role.MANAGER, "M2002", ["M2002"], True),  # manages an open case of the employee
    (Role.MANAGER, "M9999", ["M2002"], False),
    (Role.MANAGER, "M2002", [], False),  # managed only closed cases
    (Role.EMPLOYEE, "E1001", [], True),  # their own record
    (Role.EMPLOYEE, "E2002", [], False),
    (Role.ADMIN, "admin", [], False),
])
def test_who_reads_an_employees_record(role: Role, subject: str, managers: list[str],
                                       reads: bool) -> None:
    assert may_read_employee_record(role, subject, "E1001", managers) is reads


def test_how_much_each_role_reads() -> None:
    assert [record_detail(r) for r in (Role.OH, Role.HR, Role.EMPLOYEE, Role.MANAGER,
                                       Role.AUDITOR, Role.ADMIN)] == [
        RecordDetail.FULL, RecordDetail.CASES, RecordDetail.CASES, RecordDetail.DATES,
        RecordDetail.DATES, None]


def test_the_case_view_shows_the_record_as_each_role_may_see_it() -> None:
    linked = _off("2026-10-20", "2026-10-28", ReasonCategory.MUSCULOSKELETAL.value, case="c-1")
    state = _case((linked, *FOUR_SHORT))

    oh = absence_record_for(state, Role.OH)
    hr = absence_record_for(state, Role.HR)
    manager = absence_record_for(state, Role.MANAGER)
    auditor = absence_record_for(state, Role.AUDITOR)

    assert oh and hr and manager and auditor
    assert oh.recurrence is True and oh.previous_absences[0].reason_category == "musculoskeletal"
    assert oh.linked_to is not None and oh.linked_to.days == 9
    assert hr.recurrence is None and hr.previous_absences[0].reason_category is None
    assert hr.linked_to is not None and hr.linked_to.days == 9
    assert manager.linked_to == auditor.linked_to
    assert manager.linked_to is not None and manager.linked_to.days is None
    # an attendance review is suggested to HR and the manager (and OH sees it), not auditors
    assert {t.suggests for t in hr.triggers} == {"attendance_review"}
    assert {t.rule for t in manager.triggers} == {"episodes", "bradford"}
    assert oh.triggers and not auditor.triggers
    assert absence_record_for(state, Role.ADMIN) is None


def test_a_case_under_older_practice_carries_no_record() -> None:
    state = _case((PastAbsence(first_day=date(2026, 10, 1), last_day=date(2026, 10, 9)),),
                  practice=2)
    assert absence_record_for(state, Role.OH) is None
