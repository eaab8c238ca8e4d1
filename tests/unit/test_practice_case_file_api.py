"""The case file's routes as the OpenAPI document shows them."""

from __future__ import annotations

from typing import Any

from fastapi.openapi.utils import get_openapi

from api.routes import case_notes, corrections, documents
from api.routes.case_notes import NOTE_READERS
from api.routes.corrections import EXAMPLE, CorrectionRequest
from domain.actors import Role


def operation(path: str, method: str) -> dict[str, Any]:
    routes = [*case_notes.router.routes, *documents.router.routes, *corrections.router.routes]
    found: dict[str, Any] = get_openapi(title="rtw", version="0", routes=routes)["paths"][
        path][method]
    return found


def test_the_correction_example_is_shown_and_is_a_valid_request() -> None:
    body = operation("/v1/cases/{case_id}/corrections", "post")["requestBody"]

    shown = body["content"]["application/json"]["examples"]["fact"]["value"]

    assert shown == EXAMPLE
    CorrectionRequest.model_validate(shown)


def test_the_upload_shows_the_accepted_types_and_its_refusals() -> None:
    upload = operation("/v1/cases/{case_id}/documents", "post")

    assert set(upload["requestBody"]["content"]) == {
        "application/pdf", "image/png", "image/jpeg", "image/tiff"}
    assert {"201", "202", "403", "413", "415", "422"} <= set(upload["responses"])
    assert "RTW_MAX_DOCUMENT_BYTES" in upload["responses"]["413"]["description"]


def test_only_oh_among_the_signed_in_roles_reads_notes() -> None:
    assert NOTE_READERS == (Role.OH,)
