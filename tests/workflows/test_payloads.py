"""Messages into CaseWorkflow are typed per Update and signal, and on the wire they are exactly
what running cases were sent when commands travelled as dicts: old histories decode unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from domain.actions import RULES
from domain.actors import Actor, Person, Role, Source
from domain.commands import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.stages import Action
from workflows.payloads import (
    ACTION_INPUTS,
    AbsenceExtendedInput,
    AbsenceReasonChangedInput,
    EmployeeDetailsChangedInput,
    EmployeeLeftInput,
    EmployeeReturnedInput,
    HrFactInput,
    LineManagerChangedInput,
    NotificationInput,
)

CONVERTER = pydantic_data_converter.payload_converter
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
HR = Actor(id="hr-system", role=Role.HR, source=Source.HR_INTEGRATION)
SENT_AT = datetime(2026, 11, 23, 10, 30, 0, 250000, tzinfo=UTC)


def earlier_shape(name: str, message: BaseModel, actor: Actor) -> dict[str, Any]:
    """The payload as the API built it before each message had its own type."""
    return {name: message.model_dump(mode="json", exclude_unset=False),
            "actor": actor.model_dump(mode="json"), "trace_id": "4bf92f3577b34da6"}


@pytest.mark.parametrize("action", list(RULES), ids=lambda a: a.value)
def test_each_action_payload_is_typed_by_its_command_and_keeps_the_wire_shape(
        action: Action) -> None:
    command = RULES[action].command.model_validate(RULES[action].example)
    typed = ACTION_INPUTS[action](command=command, actor=OH, trace_id="4bf92f3577b34da6")

    sent = CONVERTER.to_payload(typed)
    assert sent.data == CONVERTER.to_payload(earlier_shape("command", command, OH)).data
    decoded = CONVERTER.from_payload(sent, ACTION_INPUTS[action])
    assert type(decoded.command) is RULES[action].command
    assert decoded == typed


FACTS: list[tuple[type[HrFactInput[Any]], BaseModel]] = [
    (AbsenceExtendedInput, ExtendAbsence(sent_at=SENT_AT, expected_last_day=date(2026, 12, 4))),
    (EmployeeReturnedInput, EmployeeReturned(sent_at=SENT_AT, returned_on=date(2026, 11, 23))),
    (EmployeeLeftInput, EmployeeLeft(sent_at=SENT_AT, left_on=date(2026, 11, 23))),
    (LineManagerChangedInput, ChangeLineManager(
        sent_at=SENT_AT, manager=Person(id="M9999", name="Pat Lee", email="pat@example.org"))),
    (EmployeeDetailsChangedInput, ChangeEmployeeDetails(sent_at=SENT_AT, weekly_hours=30)),
    (AbsenceReasonChangedInput, ChangeAbsenceReason(sent_at=SENT_AT, reason_code="S12")),
]


@pytest.mark.parametrize(("payload_class", "fact"), FACTS,
                         ids=["absence_extended", "employee_returned", "employee_left",
                              "line_manager_changed", "employee_details_changed",
                              "absence_reason_changed"])
def test_each_hr_fact_signal_has_its_own_payload_and_keeps_the_wire_shape(
        payload_class: type[HrFactInput[Any]], fact: BaseModel) -> None:
    typed = payload_class(fact=fact, actor=HR, trace_id="4bf92f3577b34da6")

    sent = CONVERTER.to_payload(typed)
    assert sent.data == CONVERTER.to_payload(earlier_shape("fact", fact, HR)).data
    assert CONVERTER.from_payload(sent, payload_class) == typed
    for other_class, _ in FACTS:
        if other_class is not payload_class:
            with pytest.raises(ValidationError):
                CONVERTER.from_payload(sent, other_class)


def test_a_command_that_does_not_fit_its_model_is_refused_naming_the_field() -> None:
    fields = {"method": "phone", "agreed_contact_frequency_days": 7}
    sent = CONVERTER.to_payload({"command": fields, "actor": OH.model_dump(mode="json")})
    with pytest.raises(ApplicationError) as refused:
        CONVERTER.from_payload(sent, ACTION_INPUTS[Action.RECORD_EARLY_CONTACT])
    assert refused.value.type == "invalid_command"
    assert refused.value.non_retryable
    assert refused.value.details[0]["field"] == "contacted_at"
    assert refused.value.message == "contacted_at: Field required"


def test_a_notice_scheduled_with_the_unused_due_at_still_decodes() -> None:
    earlier = {"notification_id": "e-1/1", "case_id": "c-1", "employer_id": "acme-trust",
               "recipient_role": "manager", "recipient": None, "subject": "Reminder",
               "body": "Please contact your team member.", "due_at": None}
    decoded = CONVERTER.from_payload(CONVERTER.to_payload(earlier), NotificationInput)
    assert decoded.notification_id == "e-1/1"
    assert "due_at" not in decoded.model_dump()
