"""A case's sick pay dates (practice version 3) and the warnings they give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.actors import Role
from domain.deadlines import TASKS, decide_deadline, open_deadlines
from domain.decide import decide, open_case, receive_referral
from domain.evolve import evolve
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.journey.absence import (
    EarlierAbsence,
    EmploymentInput,
    PastAbsenceInput,
    RecordAbsence,
    SickPayEntitlement,
)
from domain.journey.referral import ReceiveReferral
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.practice import PRACTICE_V2, PRACTICE_V3
from domain.sick_pay.dates import sick_pay_dates
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import ReferralSource
from localstack.samples import EMPLOYEE, MANAGER
from tests.support.builders import HR_ACTOR, open_command

OPENED = datetime(2026, 6, 1, 9, tzinfo=UTC)
FIRST_DAY = date(2026, 6, 1)  # a Monday, after the 6 April 2026 changes


def _case(*, practice: int = PRACTICE_V3, service_start: date | None = date(2020, 1, 1),
          sick_pay: SickPayEntitlement | None = None,
          previous: tuple[PastAbsenceInput, ...] = (), scheme: str = "agenda_for_change"
          ) -> CaseState:
    policy = DEFAULT_POLICY.model_copy(update={"contractual_sick_pay": scheme})
    command = open_command(first_day=FIRST_DAY, policy=policy).model_copy(update={
        "sick_pay": sick_pay, "previous_absences": previous,
        "employment": EmploymentInput(service_start=service_start)})
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    return evolve(None, open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR,
                                  practice=practice))


def _sick_pay_deadlines(state: CaseState) -> dict[str, datetime]:
    return {d.name: d.due_at for d in open_deadlines(state)
            if d.name.startswith(("sick_pay", "ssp"))}


def test_agenda_for_change_and_ssp_dates_for_a_case_with_a_service_start() -> None:
    dates = sick_pay_dates(_case())

    assert dates is not None
    assert dates.full_pay_ends_on is not None and dates.half_pay_ends_on is not None
    assert dates.full_pay_ends_on.on == date(2026, 11, 30)  # six months' full pay
    assert dates.half_pay_ends_on.on == date(2027, 5, 31)  # six months' half pay
    assert dates.ssp.ends_on is not None and dates.ssp.ends_on.on == date(2026, 12, 11)
    assert dates.ssp.ssp1_due_on is not None
    assert dates.ssp.ssp1_due_on.on == date(2026, 11, 2)


def test_hr_day_counts_win_for_the_contractual_dates() -> None:
    dates = sick_pay_dates(_case(sick_pay=SickPayEntitlement(full_pay_days=30,
                                                             half_pay_days=60)))

    assert dates is not None and dates.full_pay_ends_on is not None
    assert dates.full_pay_ends_on.on == date(2026, 6, 30)
    assert "as HR sent" in dates.full_pay_ends_on.rule
    assert dates.half_pay_ends_on is not None and dates.half_pay_ends_on.on == date(2026, 8, 29)


def test_no_contractual_dates_without_a_service_start_or_under_no_scheme() -> None:
    for state in (_case(service_start=None), _case(scheme="none")):
        dates = sick_pay_dates(state)
        assert dates is not None
        assert dates.full_pay_ends_on is None and dates.half_pay_ends_on is None
        assert dates.ssp.entitled


def test_earlier_absences_reduce_both_schemes() -> None:
    earlier = PastAbsenceInput(first_day=date(2026, 4, 13), last_day=date(2026, 5, 8))

    dates = sick_pay_dates(_case(previous=(earlier,)))

    assert dates is not None and dates.full_pay_ends_on is not None
    assert dates.full_pay_ends_on.on == date(2026, 11, 4)  # 26 days came off full pay
    assert dates.ssp.paid_before == 20
    assert dates.ssp.ends_on is not None and dates.ssp.ends_on.on == date(2026, 11, 13)


def test_cases_before_practice_3_have_no_ruled_dates() -> None:
    assert sick_pay_dates(_case(practice=PRACTICE_V2)) is None


def test_a_practice_3_case_is_warned_before_each_drop_and_before_ssp_ends() -> None:
    warnings = _sick_pay_deadlines(_case())

    assert warnings == {
        "sick_pay_half_warning": datetime(2026, 11, 17, 9, tzinfo=UTC),  # half pay from 1 Dec
        "ssp1_due": datetime(2026, 11, 2, 9, tzinfo=UTC),
        "ssp_ending_warning": datetime(2026, 11, 28, 9, tzinfo=UTC),  # none from 12 Dec
        "sick_pay_nil_warning": datetime(2027, 5, 18, 8, tzinfo=UTC),  # 09:00 BST; nil from 1 June
    }


def test_the_ssp_deadlines_go_to_hr_and_the_employee_and_ssp1_to_hr_only() -> None:
    by_name = {d.name: d for d in open_deadlines(_case())}

    assert by_name["ssp_ending_warning"].recipients == (Role.HR, Role.EMPLOYEE)
    assert by_name["ssp1_due"].recipients == (Role.HR,)
    # no rtw action records the form given, so it is not a task that stays overdue
    assert "ssp1_due" not in TASKS


def test_a_practice_2_case_keeps_exactly_the_old_warnings() -> None:
    pay = SickPayEntitlement(full_pay_days=30, half_pay_days=30)

    assert _sick_pay_deadlines(_case(practice=PRACTICE_V2, sick_pay=pay)) == {
        "sick_pay_half_warning": datetime(2026, 6, 17, 8, tzinfo=UTC),  # half pay from 1 July
        "sick_pay_nil_warning": datetime(2026, 7, 17, 8, tzinfo=UTC),  # nil pay from 31 July
    }
    assert _sick_pay_deadlines(_case(practice=PRACTICE_V2)) == {}


def test_the_warnings_notices_carry_the_day_the_change_takes_effect() -> None:
    state = _case()
    by_name = {d.name: d for d in open_deadlines(state)}

    for name, kind, effective in (
            ("sick_pay_half_warning", NoticeKind.SICK_PAY_HALF_WARNING, date(2026, 12, 1)),
            ("ssp_ending_warning", NoticeKind.SSP_ENDING_WARNING, date(2026, 12, 12)),
            ("ssp1_due", NoticeKind.SSP1_DUE, date(2026, 12, 12))):
        deadline = by_name[name]
        [event] = decide_deadline(state, deadline.key, now=deadline.due_at, actor=HR_ACTOR)
        notices = notices_for(evolve(state, event), event)
        assert {n.kind for n in notices} == {kind}
        assert {n.effective_on for n in notices} == {effective}


def test_a_stay_at_work_case_going_off_sick_brings_the_employment_and_earlier_absences(
        ) -> None:
    referred = evolve(None, receive_referral(
        ReceiveReferral(employer_id="acme-trust", referral_id="REF-9", employee=EMPLOYEE,
                        manager=MANAGER, source=ReferralSource.SELF,
                        reason_category=ReasonCategory.MUSCULOSKELETAL,
                        referred_on=FIRST_DAY - timedelta(days=14), policy=DEFAULT_POLICY),
        case_id=case_id_for_referral("acme-trust", "REF-9"),
        now=OPENED - timedelta(days=14), actor=HR_ACTOR, practice=PRACTICE_V3))
    earlier = EarlierAbsence(first_day=date(2026, 4, 13), last_day=date(2026, 4, 24),
                             case_id="c-earlier")

    [started] = decide(referred, RecordAbsence(
        absence_id="ABS-9", first_day=FIRST_DAY,
        employment=EmploymentInput(service_start=date(2020, 1, 1)),
        previous_absences=(earlier,)), now=OPENED, actor=HR_ACTOR)
    state = evolve(referred, started)

    assert state.absence is not None
    assert [a.case_id for a in state.absence.previous_absences] == ["c-earlier"]
    dates = sick_pay_dates(state)
    assert dates is not None and dates.full_pay_ends_on is not None
    # Six months' full pay less the twelve days off in April.
    assert dates.full_pay_ends_on.on == date(2026, 11, 30) - timedelta(days=12)
