"""Every example in the API docs is a body the API accepts."""

from __future__ import annotations

import pytest
from fastapi.openapi.utils import get_openapi

from api.examples import EXAMPLES
from api.routes import actions
from domain.actions import RULES
from domain.stages import Action


@pytest.mark.parametrize("action", list(EXAMPLES), ids=lambda a: a.value)
def test_each_example_is_a_valid_command(action: Action) -> None:
    RULES[action].command.model_validate(EXAMPLES[action])


def test_every_action_endpoint_shows_an_example() -> None:
    document = get_openapi(title="rtw", version="0", routes=actions.router.routes)
    for action, rule in RULES.items():
        if rule.path is None:
            continue
        path = rule.path
        operation = document["paths"][f"/v1/cases/{{case_id}}/{path}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]
        assert body["example"] == EXAMPLES[action], action
