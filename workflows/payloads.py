"""Typed payloads between the API, the workflow and its activities.

New fields must stay optional so that histories of running cases still decode.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from domain.actions import RULES
from domain.actors import Actor, Role
from domain.commands import (
    AdoptPolicy,
    EmployeeLeft,
    EmployeeReturned,
    ExtendAbsence,
    OpenCase,
    ReceiveReferral,
)
from domain.deadlines import Deadline
from domain.events import CaseEvent
from domain.hr_updates import HrUpdate
from domain.journey.community import ReceiveCommunityReferral
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.notices import Notice
from domain.stages import Action
from domain.state import CaseState
from domain.values import Person
from workflows.refusals import invalid_command

TASK_QUEUE = "rtw-cases"
APPEND_CASE_EVENTS = "append_case_events"
SEND_NOTIFICATION = "send_notification"
DELIVER_WEBHOOK = "deliver_webhook"


class CaseWorkflowInput(BaseModel):
    """Starts a case (from an absence, a referral or a community referral), or carries it
    across continue-as-new."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    open: OpenCase | None = None
    referral: ReceiveReferral | None = None
    community: ReceiveCommunityReferral | None = Field(
        default=None, description="A community referral (no employer involved); absent from "
        "every history before the community route.")
    opened_by: Actor | None = None
    carried_state: CaseState | None = None
    trace_id: str | None = None
    history_limit: int | None = Field(
        default=None, ge=50, description="Continue-as-new past this many history events."
    )
    carried_webhooks: list[WebhookInput] = Field(
        default_factory=list,
        description="HR updates the previous run had not delivered when it continued-as-new.",
    )
    carried_requests: list[str] = Field(
        default_factory=list,
        description="Ids of the latest actions applied, so that one sent twice (as an Update "
        "and, past the API's wait, as a deferred signal) is applied once.",
    )
    carried_outcomes: list[DeferredOutcome] = Field(
        default_factory=list, description="What became of the latest deferred actions."
    )


CommandT = TypeVar("CommandT", bound=BaseModel)


class ActionInput(BaseModel, Generic[CommandT]):
    """Update payload of one action: its own command, who acts, and their trace.

    Each action's Update takes `ActionInput[<its command model>]` (see `ACTION_INPUTS`), so the
    data converter decodes the command typed. On the wire it is `{"command": {...}, "actor":
    {...}, "trace_id": ...}`, as it was when the command travelled as a dict: histories of
    running cases decode unchanged.
    """

    model_config = ConfigDict(frozen=True)

    command: CommandT
    actor: Actor
    trace_id: str | None = None

    @field_validator("command", mode="wrap")
    @classmethod
    def _refuse_a_command_that_does_not_fit(
        cls, value: object, handler: ValidatorFunctionWrapHandler
    ) -> object:
        # Decoding an Update's payload happens before its validator runs: a failure raised here
        # reaches the caller as the same `invalid_command` refusal, naming the field.
        try:
            return handler(value)
        except ValidationError as invalid:
            raise invalid_command(invalid) from None


def _action_input(command: type[CommandT]) -> type[ActionInput[CommandT]]:
    # Parametrised at run time from the action table, which a type checker cannot follow.
    return ActionInput[command]  # type: ignore[valid-type]


ACTION_INPUTS: Mapping[Action, type[ActionInput[Any]]] = MappingProxyType({
    action: _action_input(rule.command) for action, rule in RULES.items()
})
"""Each action's Update payload class, typed by the action's command model."""


class DeferredActionInput(ActionInput[CommandT], Generic[CommandT]):
    """Signal payload of an action the API could not hand over within its wait.

    The same typed command as the action's Update, with the request id that the Update carried,
    so that whichever arrives second is not applied again. The workflow decides it when it runs
    and records a refusal among its deferred outcomes.
    """

    request_id: str = Field(min_length=1, max_length=200)


def _deferred_input(command: type[CommandT]) -> type[DeferredActionInput[CommandT]]:
    return DeferredActionInput[command]  # type: ignore[valid-type]


DEFERRED_ACTION_INPUTS: Mapping[Action, type[DeferredActionInput[Any]]] = MappingProxyType({
    action: _deferred_input(rule.command) for action, rule in RULES.items()
})
"""Each action's deferred-signal payload class."""


def deferred_signal(action: Action) -> str:
    """The signal that carries `action` when its Update could not be handed over in time."""
    return f"deferred:{action.value}"


class DeferredOutcome(BaseModel):
    """What became of one deferred action: applied, or refused and why."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    action: str
    applied: bool
    version: int = Field(description="The case's version after it was decided.")
    refusal_kind: str | None = None
    refusal: str | None = None


class ActionResult(BaseModel):
    """What an Update answers: what changed and the new version, not the whole case."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    stage: str
    version: int
    allowed_actions: list[str]
    events: list[str] = Field(default_factory=list,
                              description="Types of the events this action appended.")


FactT = TypeVar("FactT", ExtendAbsence, EmployeeReturned, EmployeeLeft, ChangeLineManager,
                ChangeEmployeeDetails, ChangeAbsenceReason)


class HrFactInput(BaseModel, Generic[FactT]):
    """Signal payload: a fact an HR system reports, typed by its signal (the aliases below)."""

    model_config = ConfigDict(frozen=True)

    fact: FactT
    actor: Actor
    trace_id: str | None = None


AbsenceExtendedInput = HrFactInput[ExtendAbsence]
EmployeeReturnedInput = HrFactInput[EmployeeReturned]
EmployeeLeftInput = HrFactInput[EmployeeLeft]
LineManagerChangedInput = HrFactInput[ChangeLineManager]
EmployeeDetailsChangedInput = HrFactInput[ChangeEmployeeDetails]
AbsenceReasonChangedInput = HrFactInput[ChangeAbsenceReason]


class AdoptPolicyInput(BaseModel):
    """Signal payload: an administrator moves the case to another version of its employer's
    policy from now on (`rtw policy migrate`)."""

    model_config = ConfigDict(frozen=True)

    command: AdoptPolicy
    actor: Actor
    trace_id: str | None = None


class CaseView(BaseModel):
    """What a query returns: the whole state with its open deadlines and actions.

    It holds personal and OH-only fields: the API shapes it by role before anyone sees it.
    """

    model_config = ConfigDict(frozen=True)

    state: CaseState
    deadlines: list[Deadline]
    allowed_actions: list[str]


class PendingEvent(BaseModel):
    """A decided event with the id that makes its append idempotent."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event: CaseEvent
    trace_id: str | None = Field(
        default=None, description="Trace of the request that caused it, when known."
    )
    corrects_event_id: str | None = Field(
        default=None, description="The earlier event a correction of fact refers to."
    )
    notices: list[Notice] = Field(
        default_factory=list,
        description="The notices the event causes, written to the outbox in the same "
        "transaction as the event (their ids: the event id, a slash, their number from 1).",
    )


class AppendEventsInput(BaseModel):
    """One decision's events, appended at known positions in one transaction."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    first_position: int = Field(ge=1)
    policy_version: str
    workflow_id: str
    run_id: str
    events: list[PendingEvent]
    employer_id: str | None = Field(
        default=None, description="The case's employer, kept with each notice in the outbox."
    )


class AppendEventsResult(BaseModel):
    """How many events were written now and how many a previous attempt had written."""

    model_config = ConfigDict(frozen=True)

    appended: int
    already_present: int


class NotificationInput(BaseModel):
    """A notice of a case that started before the outbox (and runs on until it continues as
    new): the activity puts it in the outbox. `notice` is set by today's code; inputs recorded
    before it carry only the old words, of which the outbox keeps the subject line."""

    model_config = ConfigDict(frozen=True)

    notification_id: str
    case_id: str
    employer_id: str
    recipient_role: Role
    recipient: Person | None
    subject: str
    body: str
    notice: Notice | None = None


class WebhookInput(BaseModel):
    """One HR update for the employer's webhook; `event_id` makes its delivery happen once."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    employer_id: str
    body: HrUpdate
    max_attempts: int | None = Field(
        default=None, ge=1,
        description="The attempts its retry policy allows: the last failing one dead-letters it.",
    )
    sequence: int | None = Field(
        default=None, ge=1,
        description="The event's position in the case's record: grows by one per event of the "
                    "case, across runs and retries (None for an update queued before it).",
    )


CaseWorkflowInput.model_rebuild()
