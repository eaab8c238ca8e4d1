"""A domain refusal reaches the caller as the right problem document: the workflow turns each
`CaseError` into a non-retryable failure, the API maps that failure to an HTTP status."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field
from temporalio.client import WorkflowUpdateFailedError

from api.case_calls import refusal_problem
from api.problems import PROBLEM_JSON, Problem, install_problem_handlers
from domain.errors import ActionNotAllowed, CaseError, InvalidCommand, NotOwnTeam, RoleNotAllowed
from workflows.case import refusal


def answered(error: CaseError) -> Problem:
    return refusal_problem(WorkflowUpdateFailedError(refusal(error)))


def test_an_action_in_the_wrong_stage_is_a_409_naming_the_stage_and_what_is_allowed() -> None:
    problem = answered(ActionNotAllowed("agree_plan", "early_contact",
                                        ["record_early_contact", "record_fit_note"]))

    assert problem.status == 409
    assert problem.extra == {"stage": "early_contact",
                             "allowed_actions": ["record_early_contact", "record_fit_note"]}
    assert "agree_plan" in problem.detail and "early_contact" in problem.detail


def test_a_bad_field_is_a_422_naming_the_field_and_why() -> None:
    problem = answered(InvalidCommand("agreed_at", "must not be in the future"))

    assert problem.status == 422
    assert problem.extra == {"errors": [{"field": "agreed_at",
                                         "message": "must not be in the future"}]}


@pytest.mark.parametrize("error", [
    RoleNotAllowed("agree_plan", "manager", ["oh"]),
    NotOwnTeam("M9999"),
], ids=["role", "team"])
def test_a_role_or_team_refusal_is_a_403_that_says_who_may(error: CaseError) -> None:
    problem = answered(error)

    assert problem.status == 403
    assert problem.detail == error.message


def test_any_other_refusal_is_a_409_with_its_reason() -> None:
    problem = answered(CaseError("the case has no plan to review"))

    assert problem.status == 409
    assert "no plan to review" in problem.detail


class _Body(BaseModel):
    limit: int = Field(ge=1, le=200)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/refuse")
    async def refuse() -> None:
        raise Problem(409, "Refused", "not now", stage="closed")

    @app.post("/validate")
    async def validate(body: _Body) -> None:
        return None

    @app.post("/crash")
    async def crash() -> None:
        raise RuntimeError("diagnosis: should never reach the caller")

    return app


async def post(path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://rtw") as client:
        return await client.post(path, **kwargs)  # type: ignore[arg-type]


async def test_problems_are_answered_as_problem_json_with_their_extra_fields() -> None:
    response = await post("/refuse")

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {"type": "about:blank", "title": "Refused", "status": 409,
                               "detail": "not now", "instance": "/refuse", "stage": "closed"}


async def test_an_invalid_body_names_each_bad_field_without_the_body_prefix() -> None:
    response = await post("/validate", json={"limit": 0})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


async def test_an_unexpected_error_is_a_500_that_reveals_nothing_of_it() -> None:
    response = await post("/crash")

    assert response.status_code == 500
    assert "diagnosis" not in response.text
