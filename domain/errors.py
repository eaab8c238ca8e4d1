"""One error family for every refusal the journey makes."""

from __future__ import annotations


class CaseError(Exception):
    """Base of every rule the journey refuses; nothing is recorded when one is raised."""

    kind = "case_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionNotAllowed(CaseError):
    """The action is not open to the case in its current stage."""

    kind = "action_not_allowed"

    def __init__(self, action: str, stage: str, allowed: list[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"'{action}' is not allowed while the case is in stage '{stage}'; "
            f"allowed now: {allowed_text}"
        )
        self.action = action
        self.stage = stage
        self.allowed = allowed


class InvalidCommand(CaseError):
    """A field of the command breaks a rule of the journey."""

    kind = "invalid_command"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class RoleNotAllowed(CaseError):
    """The actor's role may not take this action."""

    kind = "role_not_allowed"

    def __init__(self, action: str, role: str, roles: list[str]) -> None:
        super().__init__(f"role '{role}' may not {action}; allowed roles: {', '.join(roles)}")
        self.action = action
        self.role = role
        self.roles = roles


class NotOwnTeam(CaseError):
    """A line manager tried to act on a case outside their team."""

    kind = "not_own_team"

    def __init__(self, manager_id: str) -> None:
        super().__init__(
            f"line manager '{manager_id}' is not this employee's line manager; "
            "managers see and act on their own team's cases only"
        )


class NotOwnCase(NotOwnTeam):
    """An employee tried to see or act on a case that is not about them."""

    def __init__(self, employee_id: str) -> None:
        CaseError.__init__(
            self, f"'{employee_id}' is not the employee of this case; employees see and act "
            "on their own cases only")


class PreconditionNotMet(CaseError):
    """A rule of practice the action must meet beyond its stage does not hold yet: the refusal
    names what is missing and the action that provides it."""

    kind = "precondition_not_met"

    def __init__(self, missing: str, action: str, message: str) -> None:
        super().__init__(f"{message}; missing: {missing}; first: {action}")
        self.missing = missing
        self.action = action
