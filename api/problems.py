"""RFC 9457 problem details for every refusal and failure."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDocument"


class FieldError(BaseModel):
    """One bad field of a refused request."""

    field: str | None = Field(description="Dotted path of the field, e.g. 'query.limit'.")
    message: str | None


class ProblemDocument(BaseModel):
    """An RFC 9457 problem: what was wrong and, where it helps, what would be accepted."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="422: each bad field.")
    stage: str | None = Field(default=None, description="409: the case's current stage.")
    allowed_actions: list[str] | None = Field(
        default=None, description="409: the actions the case allows now."
    )
    differences: list[str] | None = Field(
        default=None, description="409: the fields a repeated notification sent differently."
    )


PROBLEM_DESCRIPTIONS = {
    400: "The body cannot be read (not UTF-8 text)",
    401: "No valid bearer token",
    403: "Your role may not do this (the allowed roles are named)",
    404: "No such case",
    409: "Not allowed in the case's current stage (the stage and allowed actions are named), "
         "or a repeat that differs from the first notification (the fields are named)",
    413: "The body is larger than RTW_MAX_BODY_BYTES",
    422: "A field is invalid (each bad field is named)",
    500: "The recorded history cannot be replayed by this version",
    503: "Temporal or PostgreSQL cannot be reached; nothing was changed",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for refusals, each answered as `application/problem+json`."""
    responses: dict[int | str, dict[str, Any]] = {}
    if 400 in statuses:  # every operation that reads a body also limits its size
        statuses = (*statuses, 413)
    for status in statuses:
        response: dict[str, Any] = {
            "description": PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": "Always `Bearer`.", "schema": {"type": "string"}}}
        responses[status] = response
    return responses


def add_problem_schema(document: dict[str, Any]) -> dict[str, Any]:
    """Put ProblemDocument (and the models it uses) into the document's components."""
    schema = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["ProblemDocument"] = schema
    return document


class Problem(Exception):
    """Raised by routes to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def invalid_field(field: str | None, message: str | None, *, detail: str | None = None
                  ) -> Problem:
    """The 422 that names one bad field and what would be accepted."""
    return Problem(422, "Invalid request", detail or f"{field}: {message}",
                   errors=[{"field": field, "message": message}])


def problem_response(
    status: int, title: str, detail: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body",)]
    return ".".join(parts) or "body"


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that says nothing of the error; logged by type and place only (request bodies may
    hold health data)."""
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method,
              request.url.path, exc_info=exc)
    return problem_response(500, "Internal Server Error",
                            "an unexpected error; nothing was acknowledged", request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, unexpected)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_path(error.get("loc", ())), "message": error.get("msg", "")}
            for error in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(422, "Invalid request", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code, str(exc.detail), str(exc.detail), request.url.path
        )
