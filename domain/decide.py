"""Given a state and a command, decide the events. Pure: `now` and the actor are passed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain import commands as c
from domain.actions import (
    ACTION_OF_COMMAND,
    check_own_team,
    check_role_may,
    check_stage_allows,
)
from domain.actors import Actor, Role
from domain.deadlines import decide_deadline
from domain.decisions import clinical, closure, contact, fit_notes, hr_facts, opening, returns
from domain.errors import CaseError, RoleNotAllowed
from domain.events import CaseEvent
from domain.state import CaseState

open_case = opening.open_case
receive_referral = opening.receive_referral

Decision = Callable[[CaseState, Any, datetime, Actor], list[CaseEvent]]

_ACTION_DECISIONS: dict[type[BaseModel], Decision] = {
    c.AcceptReferral: contact.accept_referral,
    c.DeclineReferral: contact.decline_referral,
    c.RecordEarlyContact: contact.record_early_contact,
    c.RecordCheckIn: contact.record_check_in,
    c.ReferToOh: contact.refer_to_oh,
    c.RecordAssessment: clinical.record_assessment,
    c.ConfirmEscalation: clinical.confirm_escalation,
    c.AgreePlan: clinical.agree_plan,
    c.RevisePlan: clinical.revise_plan,
    c.RecordPlanReview: clinical.record_plan_review,
    c.ReferToTherapy: clinical.refer_to_therapy,
    c.UpdateTherapy: clinical.update_therapy,
    c.RecordFitNote: fit_notes.record_fit_note,
    c.DeclineFitNoteAdvice: fit_notes.decline_fit_note_advice,
    c.StartPhasedReturn: returns.start_phased_return,
    c.ReviewPhasedReturnWeek: returns.review_phased_return_week,
    c.ExtendPhasedReturn: returns.extend_phased_return,
    c.CompletePhasedReturn: returns.complete_phased_return,
    c.StartRedeploymentTrial: returns.start_redeployment_trial,
    c.ReviewRedeploymentTrial: returns.review_redeployment_trial,
    c.ConcludeRedeployment: returns.conclude_redeployment,
    c.CloseCase: closure.close_case,
    c.RecordFollowUp: closure.record_follow_up,
    c.RecordAbsence: opening.record_absence,
}

_HR_FACTS: dict[type[BaseModel], Decision] = {
    c.ExtendAbsence: hr_facts.extend_absence,
    c.EmployeeReturned: hr_facts.employee_returned,
    c.EmployeeLeft: hr_facts.employee_left,
}


def decide(state: CaseState, command: BaseModel, *, now: datetime, actor: Actor
           ) -> list[CaseEvent]:
    """The events a command produces on the case; raises a CaseError to refuse it.

    People's actions are checked against the stage and the actor's role first. HR facts and
    deadlines that no longer apply decide nothing (an empty list) rather than fail, so that a
    repeated or late message cannot change the outcome.
    """
    if isinstance(command, c.DeadlinePassed):
        return decide_deadline(state, command.key, now=now, actor=actor)
    hr_fact = _HR_FACTS.get(type(command))
    if hr_fact is not None:
        if actor.role not in (Role.HR, Role.SYSTEM):
            raise RoleNotAllowed(type(command).__name__, actor.role.value, [Role.HR.value])
        return hr_fact(state, command, now, actor)
    action = ACTION_OF_COMMAND.get(type(command))
    if action is None:
        raise CaseError(f"unknown command {type(command).__name__}")
    check_stage_allows(state, action)
    check_role_may(action, actor.role)
    check_own_team(state, actor)
    return _ACTION_DECISIONS[type(command)](state, command, now, actor)
