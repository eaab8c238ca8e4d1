"""Which action forms a case page offers to whom: the actions the case allows now (as the
workflow reports them), that the signed-in role may take, and that have a form. One rule, so
the case page's links and the form pages never disagree; the workflow still decides."""

from __future__ import annotations

from domain.actions import RULES
from domain.stages import Action
from infra.tokens import Principal
from workflows.payloads import CaseView


def offered_actions(view: CaseView, principal: Principal) -> list[Action]:
    offered = []
    for name in view.allowed_actions:
        try:
            action = Action(name)
        except ValueError:
            continue
        rule = RULES.get(action)
        if rule is not None and rule.path is not None and principal.role in rule.roles:
            offered.append(action)
    return offered


def action_href(case_id: str, action: Action) -> str:
    """The address of an action's form page."""
    return f"/cases/{case_id}/actions/{action.value}"
