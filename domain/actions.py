"""One rule per action: its command, its decision, who may take it, in which stages, where the
API takes it and its example body. The workflow, the API, the command line and the docs all read
this one table; each rule is declared in its stage's module in `domain.journey`."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel

from domain.actors import Actor, Role
from domain.errors import ActionNotAllowed, NotOwnCase, NotOwnTeam, RoleNotAllowed
from domain.journey import (
    absence,
    appointments,
    assessment,
    case_notes,
    closure,
    community,
    corrections,
    early_contact,
    escalation,
    fit_note,
    medical_reports,
    oh_referral,
    ownership,
    phased_return,
    plan,
    redeployment,
    referral,
    report_consent,
    therapy,
    triage,
)
from domain.journey.base import ActionRule, Precondition, Preconditions
from domain.stages import Action
from domain.state import CaseState

__all__ = [
    "ACTION_OF_COMMAND", "PRECONDITIONS", "RULES", "ActionRule", "allowed_actions",
    "check_own_team", "check_preconditions", "check_role_may", "check_stage_allows",
]

_DECLARED: dict[Action, ActionRule] = {
    **referral.RULES, **early_contact.RULES, **oh_referral.RULES, **assessment.RULES,
    **escalation.RULES, **plan.RULES, **therapy.RULES, **fit_note.RULES, **phased_return.RULES,
    **redeployment.RULES, **closure.RULES, **absence.RULES, **appointments.RULES,
    **case_notes.RULES, **corrections.RULES,
    **ownership.RULES, **triage.RULES, **report_consent.RULES,
    **medical_reports.RULES,
}

# In the order of `Action`, which is the order actions are offered in; an action without a
# rule fails here, at import, rather than when someone first takes it.
RULES: dict[Action, ActionRule] = {action: _DECLARED[action] for action in Action}

# The rules of practice each action must meet beyond its stage, from every module declaring any.
_PRECONDITION_TABLES: tuple[Preconditions, ...] = (
    therapy.PRECONDITIONS,
    triage.PRECONDITIONS,
    early_contact.PRECONDITIONS,
    report_consent.PRECONDITIONS,
    medical_reports.PRECONDITIONS,
)
PRECONDITIONS: dict[Action, tuple[Precondition, ...]] = {
    action: tuple(check for table in _PRECONDITION_TABLES for check in table.get(action, ()))
    for action in Action
}

ACTION_OF_COMMAND: dict[type[BaseModel], Action] = {
    rule.command: action for action, rule in RULES.items()
}


def allowed_actions(state: CaseState) -> list[Action]:
    """The actions the case's stage allows now, whoever takes them."""
    return [
        action
        for action, rule in RULES.items()
        if state.stage in rule.stages and state.route in rule.routes
        and not community.is_employer_step(state, action)
    ]


def check_stage_allows(state: CaseState, action: Action) -> None:
    """Refuse an action the case's stage does not allow (or its route: a community case takes
    no step of an employer's or a line manager's)."""
    community.check_not_employer_step(state, action)
    rule = RULES[action]
    if state.stage not in rule.stages or state.route not in rule.routes:
        allowed = [a.value for a in allowed_actions(state)]
        raise ActionNotAllowed(action.value, state.stage.value, allowed)


def check_preconditions(state: CaseState, action: Action, actor: Actor) -> None:
    """Refuse an action the rules of practice do not allow yet (see `Precondition`)."""
    for check in PRECONDITIONS[action]:
        check(state, actor)


def check_role_may(action: Action, role: Role) -> None:
    """Refuse an action to a role that may not take it."""
    roles = RULES[action].roles
    if role not in roles:
        raise RoleNotAllowed(action.value, role.value, sorted(r.value for r in roles))


def check_own_team(state: CaseState, actor: Actor,
                   employers: Collection[str] | None = None) -> None:
    """A line manager acts only on the cases of their own team; an employee only on their own
    cases. A community case has no line manager: no manager acts on it.

    Managers are identified per employer: two employers may each have a manager M1, and each
    manages only their own employer's team. `employers` are those the caller acts for; a
    workflow, which receives only actions the API has already checked against the case's
    employer, passes none."""
    if actor.role is Role.MANAGER and (
            state.manager is None or actor.id != state.manager.id
            or (employers is not None and state.employer_id not in employers)):
        raise NotOwnTeam(actor.id)
    if actor.role is Role.EMPLOYEE and actor.id != state.employee.id:
        raise NotOwnCase(actor.id)
