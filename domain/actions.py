"""Which role may take which action in which stage: one table, used by the workflow and the API."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from domain import commands as c
from domain.actors import Actor, Role
from domain.errors import ActionNotAllowed, NotOwnTeam, RoleNotAllowed
from domain.stages import OPEN_STAGES, WORKING_STAGES, Action, Stage
from domain.state import CaseState
from domain.vocabulary import Route

OH = frozenset({Role.OH})
MANAGER_OR_OH = frozenset({Role.MANAGER, Role.OH})
HR_MANAGER_OH = frozenset({Role.HR, Role.MANAGER, Role.OH})
OH_OR_HR = frozenset({Role.OH, Role.HR})
RETURNING = frozenset({Stage.REHABILITATION, Stage.PHASED_RETURN, Stage.REDEPLOYMENT})
TREATING = RETURNING | {Stage.PLANNING}


@dataclass(frozen=True)
class ActionRule:
    """An action's command, who may take it and in which stages."""

    command: type[BaseModel]
    roles: frozenset[Role]
    stages: frozenset[Stage]
    path: str | None = None
    """Where it is posted, under `/v1/cases/{case_id}/`; None for HR facts sent elsewhere."""
    routes: frozenset[Route] = frozenset(Route)


RULES: dict[Action, ActionRule] = {
    Action.ACCEPT_REFERRAL: ActionRule(
        c.AcceptReferral, OH, frozenset({Stage.REFERRAL}), path="referral/acceptance"
    ),
    Action.DECLINE_REFERRAL: ActionRule(
        c.DeclineReferral, OH, frozenset({Stage.REFERRAL}), path="referral/decline"
    ),
    Action.RECORD_EARLY_CONTACT: ActionRule(
        c.RecordEarlyContact, MANAGER_OR_OH, frozenset({Stage.EARLY_CONTACT}), path="contact"
    ),
    Action.RECORD_CHECK_IN: ActionRule(
        c.RecordCheckIn, MANAGER_OR_OH, WORKING_STAGES, path="check-ins"
    ),
    Action.REFER_TO_OH: ActionRule(
        c.ReferToOh,
        HR_MANAGER_OH,
        frozenset({Stage.EARLY_CONTACT, Stage.ASSESSMENT}),
        path="oh-referral",
    ),
    Action.RECORD_ASSESSMENT: ActionRule(
        c.RecordAssessment, OH, WORKING_STAGES, path="assessments"
    ),
    Action.CONFIRM_ESCALATION: ActionRule(
        c.ConfirmEscalation, OH, OPEN_STAGES, path="escalations/decision"
    ),
    Action.AGREE_PLAN: ActionRule(c.AgreePlan, OH, frozenset({Stage.PLANNING}), path="plan"),
    Action.REVISE_PLAN: ActionRule(c.RevisePlan, OH, RETURNING, path="plan/revisions"),
    Action.RECORD_PLAN_REVIEW: ActionRule(
        c.RecordPlanReview, MANAGER_OR_OH, RETURNING, path="plan/reviews"
    ),
    Action.REFER_TO_THERAPY: ActionRule(c.ReferToTherapy, OH, TREATING, path="therapies"),
    Action.UPDATE_THERAPY: ActionRule(c.UpdateTherapy, OH, TREATING, path="therapies/updates"),
    Action.RECORD_FIT_NOTE: ActionRule(
        c.RecordFitNote, HR_MANAGER_OH, OPEN_STAGES, path="fit-notes"
    ),
    Action.DECLINE_FIT_NOTE_ADVICE: ActionRule(
        c.DeclineFitNoteAdvice, HR_MANAGER_OH, OPEN_STAGES, path="fit-notes/advice-declined"
    ),
    Action.START_PHASED_RETURN: ActionRule(
        c.StartPhasedReturn, OH, frozenset({Stage.REHABILITATION}), path="phased-return"
    ),
    Action.REVIEW_PHASED_RETURN_WEEK: ActionRule(
        c.ReviewPhasedReturnWeek,
        MANAGER_OR_OH,
        frozenset({Stage.PHASED_RETURN}),
        path="phased-return/reviews",
    ),
    Action.EXTEND_PHASED_RETURN: ActionRule(
        c.ExtendPhasedReturn, OH, frozenset({Stage.PHASED_RETURN}), path="phased-return/extension"
    ),
    Action.COMPLETE_PHASED_RETURN: ActionRule(
        c.CompletePhasedReturn,
        MANAGER_OR_OH,
        frozenset({Stage.PHASED_RETURN}),
        path="phased-return/completion",
    ),
    Action.START_REDEPLOYMENT_TRIAL: ActionRule(
        c.StartRedeploymentTrial, OH_OR_HR, frozenset({Stage.REHABILITATION}), path="redeployment"
    ),
    Action.REVIEW_REDEPLOYMENT_TRIAL: ActionRule(
        c.ReviewRedeploymentTrial,
        HR_MANAGER_OH,
        frozenset({Stage.REDEPLOYMENT}),
        path="redeployment/reviews",
    ),
    Action.CONCLUDE_REDEPLOYMENT: ActionRule(
        c.ConcludeRedeployment,
        OH_OR_HR,
        frozenset({Stage.REDEPLOYMENT}),
        path="redeployment/conclusion",
    ),
    Action.CLOSE_CASE: ActionRule(c.CloseCase, OH, OPEN_STAGES, path="closure"),
    Action.RECORD_FOLLOW_UP: ActionRule(
        c.RecordFollowUp, OH, frozenset({Stage.FOLLOW_UP}), path="follow-up"
    ),
    Action.RECORD_ABSENCE: ActionRule(
        c.RecordAbsence, frozenset({Role.HR}), OPEN_STAGES, routes=frozenset({Route.STAY_AT_WORK})
    ),
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
    ]


def check_stage_allows(state: CaseState, action: Action) -> None:
    """Refuse an action the case's stage does not allow."""
    rule = RULES[action]
    if state.stage not in rule.stages or state.route not in rule.routes:
        allowed = [a.value for a in allowed_actions(state)]
        raise ActionNotAllowed(action.value, state.stage.value, allowed)


def check_role_may(action: Action, role: Role) -> None:
    """Refuse an action to a role that may not take it."""
    roles = RULES[action].roles
    if role not in roles:
        raise RoleNotAllowed(action.value, role.value, sorted(r.value for r in roles))


def check_own_team(state: CaseState, actor: Actor) -> None:
    """A line manager acts only on the cases of their own team."""
    if actor.role is Role.MANAGER and actor.id != state.manager.id:
        raise NotOwnTeam(actor.id)
