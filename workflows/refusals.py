"""Refusals as the caller receives them: a non-retryable failure typed by the domain's kind."""

from __future__ import annotations

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from domain.errors import ActionNotAllowed, CaseError, InvalidCommand, RoleNotAllowed


def refusal(error: CaseError) -> ApplicationError:
    """A domain refusal as the non-retryable failure the caller receives."""
    details: dict[str, object] = {"kind": error.kind, "message": error.message}
    if isinstance(error, ActionNotAllowed):
        details.update(action=error.action, stage=error.stage, allowed_actions=error.allowed)
    if isinstance(error, InvalidCommand):
        details.update(field=error.field, reason=error.reason)
    if isinstance(error, RoleNotAllowed):
        details.update(action=error.action, role=error.role, roles=error.roles)
    return ApplicationError(error.message, details, type=error.kind, non_retryable=True)


def invalid_command(invalid: ValidationError) -> ApplicationError:
    """A command that does not fit its model, refused by its first bad field's name."""
    first = invalid.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "command"
    return refusal(InvalidCommand(field, first["msg"]))
