"""Every example in the API docs is a body the API accepts."""

from __future__ import annotations

import pytest
from fastapi.openapi.utils import get_openapi

from api.routes import actions
from domain.actions import RULES
from domain.stages import Action


@pytest.mark.parametrize("action", list(RULES), ids=lambda a: a.value)
def test_each_example_is_a_valid_command(action: Action) -> None:
    rule = RULES[action]
    rule.command.model_validate(rule.example)


def test_every_action_endpoint_shows_its_rules_example() -> None:
    document = get_openapi(title="rtw", version="0", routes=actions.router.routes)
    for action, rule in RULES.items():
        if rule.path is None:
            continue
        operation = document["paths"][f"/v1/cases/{{case_id}}/{rule.path}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]
        assert body["example"] == rule.example, action
