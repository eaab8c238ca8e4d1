"""The named professional who assesses or confirms an escalation is the signed-in user.

The token registry names each OH principal (name, profession, registration number); the API
fills the professional of `record_assessment` and `confirm_escalation` from it, so the record
names whoever signed in, not whatever a body typed. A body may still give what the registry
lacks (a name, a profession), but never another person's id.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from api.problems import invalid_field
from domain.actors import Role
from domain.commands import Assessor, AssignCaseManager, ConfirmEscalation, RecordAssessment
from domain.journey.professional import Professional
from domain.stages import Action
from infra.tokens import Principal, TokenRegistry


def with_signed_in_professional(action: Action, command: BaseModel, principal: Principal
                                ) -> BaseModel:
    """The command with its professional filled from the signed-in user (other actions as
    they are); a 422 naming the field when the body names someone else or nobody can be named.
    """
    if action is Action.RECORD_ASSESSMENT and isinstance(command, RecordAssessment):
        assessor = _professional(command.assessor, principal, field="assessor")
        if assessor is None:
            raise invalid_field("assessor", "the signed-in user has no name and profession on "
                                "record: give them as assessor.name and assessor.profession")
        return command.model_copy(update={"assessor": Assessor.model_validate(
            assessor.model_dump())})
    if action is Action.CONFIRM_ESCALATION and isinstance(command, ConfirmEscalation):
        professional = _professional(command.professional, principal, field="professional")
        return command.model_copy(update={"professional": professional})
    return command


def _professional(given: Professional | None, principal: Principal, *, field: str
                  ) -> Professional | None:
    """The signed-in user as a professional: the registry's facts first, the body's for what
    the registry lacks; None when neither gives both a name and a profession."""
    if given is not None and given.id != principal.subject:
        raise invalid_field(f"{field}.id", f"must be the signed-in user ({principal.subject}), "
                            "or left out: the professional is whoever signs in")
    name = principal.name or (given.name if given else None)
    profession = principal.profession or (given.profession if given else None)
    if name is None or profession is None:
        return None
    registration = principal.registration or (given.registration if given else None)
    try:
        return Professional(id=principal.subject, name=name, profession=profession,
                            registration=registration)
    except ValidationError:
        raise invalid_field(field, "the signed-in user's name, profession or registration on "
                            "record cannot be recorded; ask an administrator to correct "
                            "the tokens file") from None


def check_case_manager_is_oh(action: Action, command: BaseModel, tokens: TokenRegistry, *,
                             employer_id: str) -> None:
    """A case manager is one of the OH team of the case's employer: a user the tokens file
    knows only in another role, or as OH of other employers only, is refused (one it does not
    know, say signed in another way, is taken at its word)."""
    if action is not Action.ASSIGN_CASE_MANAGER or not isinstance(command, AssignCaseManager):
        return
    known = tokens.principals_of(command.user_id)
    if not known:
        return
    oh = [p for p in known if p.role is Role.OH]
    if not oh:
        raise invalid_field("user_id", "not an OH user: a case manager is one of the OH team")
    if not any(p.acts_for(employer_id) for p in oh):
        raise invalid_field("user_id", f"not in the OH team of this case's employer "
                            f"({employer_id}): a case manager acts for the case's employer")
