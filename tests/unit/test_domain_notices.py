"""Which notices each decision causes: kinds, recipients and non-clinical facts, never words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import DeadlinePassed
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.hr_updates import hr_update_for
from domain.ids import case_id_for_absence
from domain.notices import Notice, NoticeKind, notices_for
from domain.state import CaseState
from domain.values import SickPayEntitlement
from domain.vocabulary import Fitness
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)


def opened(**changes: object) -> CaseState:
    command = open_command().model_copy(update=changes)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    return evolve(None, open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR))


def fire(state: CaseState, key: str) -> tuple[CaseState, list[tuple[CaseEvent, list[Notice]]]]:
    """Let the deadline `key` pass: each event it decides, with the notices it causes."""
    [deadline] = [d for d in open_deadlines(state) if d.key == key]
    caused = []
    for event in decide(state, DeadlinePassed(key=key), now=deadline.due_at, actor=TIMER_ACTOR):
        state = evolve(state, event)
        caused.append((event, notices_for(state, event)))
    return state, caused


def test_a_missed_early_contact_reminds_the_manager_then_tells_hr() -> None:
    state, [(reminder, [to_manager])] = fire(opened(), "early_contact_due")
    assert to_manager == Notice(kind=NoticeKind.EARLY_CONTACT_DUE, recipient_role=Role.MANAGER,
                                recipient_id=MANAGER.id, due_at=reminder.deadline)  # type: ignore[attr-defined]
    _, [(escalated, [to_hr])] = fire(state, "early_contact_escalation")
    assert to_hr == Notice(kind=NoticeKind.EARLY_CONTACT_MISSED, recipient_role=Role.HR,
                           due_at=escalated.deadline)  # type: ignore[attr-defined]


def test_sick_pay_warnings_name_the_day_pay_drops_and_reach_hr_and_the_employee() -> None:
    state = opened(sick_pay=SickPayEntitlement(full_pay_days=30, half_pay_days=60))
    _, [(_, notices)] = fire(state, "sick_pay_half")
    assert {(n.kind, n.recipient_role, n.effective_on) for n in notices} == {
        (NoticeKind.SICK_PAY_HALF_WARNING, Role.HR, date(2026, 12, 20)),
        (NoticeKind.SICK_PAY_HALF_WARNING, Role.EMPLOYEE, date(2026, 12, 20)),
    }
    _, [(_, notices)] = fire(state, "sick_pay_nil")
    assert {n.effective_on for n in notices} == {date(2027, 2, 18)}


def test_unfit_for_any_work_alerts_oh_and_tells_hr_only_that_oh_is_looking() -> None:
    state = opened().model_copy(update={"practice": 0})  # the rules before domain.practice
    for command, actor in ((j.early_contact(OPENED), MANAGER_ACTOR),
                           (j.assessment(OPENED, Fitness.UNFIT_ANY_WORK), OH)):
        for event in decide(state, command, now=OPENED + timedelta(hours=1), actor=actor):
            state = evolve(state, event)
            notices = notices_for(state, event)
    assert {(n.kind, n.recipient_role, n.escalation_number) for n in notices} == {
        (NoticeKind.CASE_ESCALATED, Role.OH, 1), (NoticeKind.CASE_ESCALATED_HR, Role.HR, 1)}


def test_every_passing_deadline_of_a_long_absence_has_a_kind_of_its_own() -> None:
    state = opened(sick_pay=SickPayEntitlement(full_pay_days=30, half_pay_days=30))
    seen: set[NoticeKind] = set()
    for _ in range(12):
        due = [d for d in open_deadlines(state) if d.key not in state.fired]
        if not due:
            break
        state, caused = fire(state, min(due, key=lambda d: d.due_at).key)
        seen |= {notice.kind for _, notices in caused for notice in notices}
    assert NoticeKind.DEADLINE_PASSED not in seen
    assert {NoticeKind.EARLY_CONTACT_DUE, NoticeKind.FIT_NOTE_NEEDED} <= seen


def test_hr_hears_of_the_notices_sent_to_people_it_works_with_but_not_of_oh_alerts() -> None:
    state = opened()
    state, [(reminder, notices)] = fire(state, "early_contact_due")
    update = hr_update_for(state, state, reminder, notices=notices)
    assert update is not None
    assert update.model_dump(mode="json")["changes"] == [{
        "kind": "notice_sent", "notice": "early_contact_due", "recipient_role": "manager",
        "due_at": reminder.deadline.isoformat(), "effective_on": None,  # type: ignore[attr-defined]
    }]
    oh_only = [Notice(kind=NoticeKind.OH_REFERRAL_MADE, recipient_role=Role.OH)]
    assert hr_update_for(state, state, reminder, notices=oh_only) is None
