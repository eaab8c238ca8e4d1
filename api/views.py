"""Shape a case for the caller's role: clinical detail reaches OH only."""

from __future__ import annotations

from api.auth import Principal
from api.models import CaseOut, ClinicalOut, DeadlineOut, EarlyContactOut, PersonOut
from domain.actors import Role
from workflows.payloads import CaseView

CLINICAL_ROLES = frozenset({Role.OH})


def case_for(view: CaseView, principal: Principal) -> CaseOut:
    state = view.state
    contact = state.early_contact
    return CaseOut(
        case_id=state.case_id,
        stage=state.stage,
        employer_id=state.employer_id,
        employee=PersonOut(id=state.employee.id, name=state.employee.name),
        manager=PersonOut(id=state.manager.id, name=state.manager.name),
        first_day=state.first_day,
        opened_at=state.opened_at,
        policy_version=state.policy.version,
        deadlines=[DeadlineOut(name=d.name, due_at=d.due_at) for d in view.deadlines],
        allowed_actions=view.allowed_actions,
        early_contact=(
            EarlyContactOut(
                contacted_at=contact.contacted_at,
                method=contact.method,
                agreed_contact_frequency_days=contact.agreed_contact_frequency_days,
                recorded_by=contact.recorded_by,
            )
            if contact
            else None
        ),
        contact_reminders_sent=state.contact_reminders_sent,
        contact_escalated=state.contact_escalated,
        clinical=(
            ClinicalOut(reason_category=state.reason_category)
            if principal.role in CLINICAL_ROLES
            else None
        ),
    )
