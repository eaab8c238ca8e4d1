"""The case file over HTTP: notes, documents and corrections of fact, against a real worker,
Temporal dev server and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.services import Services
from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.temporal_client import traced_client
from infra.tokens import TokenRegistry
from tests.conftest import TEST_PAYLOAD_KEYS
from tests.support.api_harness import absence, auth, principals, serve_app
from tests.support.workflow_harness import Harness, running_worker

DOCUMENT_LIMIT = 64 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"Letter from the consultant. " * 50
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
ZIP = b"PK\x03\x04" + b"\x00" * 64


class CaseFile:
    def __init__(self, http: httpx.AsyncClient, harness: Harness) -> None:
        self.http = http
        self.harness = harness

    async def open_case(self) -> str:
        answer = await self.http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["case_id"])

    async def upload(self, case_id: str, content: bytes, *, media_type: str = "application/pdf",
                     role: Role = Role.OH, title: str = "Consultant's letter"
                     ) -> httpx.Response:
        return await self.http.post(f"/v1/cases/{case_id}/documents", params={"title": title},
                                    content=content,
                                    headers={**auth(role), "Content-Type": media_type})

    async def stored_documents(self) -> int:
        count: int = await self.harness.pool.fetchval("SELECT count(*) FROM rtw_documents")
        return count

    async def reads_logged(self, case_id: str) -> list[tuple[str, str]]:
        rows = await self.harness.pool.fetch(
            "SELECT action, role FROM rtw_access_log WHERE case_id = $1 ORDER BY id",
            uuid.UUID(case_id))
        return [(row["action"], row["role"]) for row in rows]


@asynccontextmanager
async def case_file_api(base_client: Client, store: CaseEventStore, database_url: str
                        ) -> AsyncIterator[CaseFile]:
    """The API with a small document limit, in front of a real worker."""
    tracer = trace.get_tracer("rtw-test")
    client = traced_client(base_client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer)
    async with running_worker(client, store, database_url) as harness:
        services = Services(
            temporal=client, store=store, pool=harness.pool, tracer=tracer,
            tokens=TokenRegistry(principals()),
            task_queue=harness.task_queue, max_document_bytes=DOCUMENT_LIMIT,
        )
        async with serve_app(services) as http:
            yield CaseFile(http, harness)


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
              ) -> AsyncIterator[CaseFile]:
    async with case_file_api(dev_server_env.client, store, database_url) as case_file:
        yield case_file


async def post(api: CaseFile, url: str, body: dict[str, Any], role: Role,
               expect: int = 200) -> dict[str, Any]:
    response = await api.http.post(url, json=body, headers=auth(role))
    assert response.status_code == expect, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def history(api: CaseFile, case_id: str) -> list[dict[str, Any]]:
    response = await api.http.get(f"/v1/cases/{case_id}/history", headers=auth(Role.OH))
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


# -- notes ------------------------------------------------------------------------------------

async def test_oh_writes_notes_and_reads_them_dated_and_authored(api: CaseFile) -> None:
    case_id = await api.open_case()
    notes_url = f"/v1/cases/{case_id}/notes"
    await post(api, notes_url, {"text": "Phoned: low mood, poor sleep"}, Role.OH)
    await post(api, notes_url, {"text": "Agreed to talk about hours next week",
                                "visibility": "shared_with_employee"}, Role.OH)

    response = await api.http.get(notes_url, headers=auth(Role.OH))

    assert response.status_code == 200, response.text
    notes = response.json()["notes"]
    assert [(n["number"], n["text"], n["visibility"], n["author_id"], n["author_role"])
            for n in notes] == [
        (1, "Phoned: low mood, poor sleep", "oh_only", "test-oh", "oh"),
        (2, "Agreed to talk about hours next week", "shared_with_employee", "test-oh", "oh")]
    assert all(datetime.fromisoformat(n["written_at"]).tzinfo is not None for n in notes)
    assert ("case.notes", "oh") in await api.reads_logged(case_id)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.AUDITOR, Role.ADMIN], ids=str)
async def test_only_oh_reads_or_writes_notes(api: CaseFile, role: Role) -> None:
    case_id = await api.open_case()
    await post(api, f"/v1/cases/{case_id}/notes", {"text": "OH only"}, Role.OH)

    read = await api.http.get(f"/v1/cases/{case_id}/notes", headers=auth(role))
    written = await api.http.post(f"/v1/cases/{case_id}/notes", json={"text": "x"},
                                  headers=auth(role))

    assert read.status_code == 403 and written.status_code == 403
    assert "OH only" not in read.text
    assert ("case.notes", role.value) not in await api.reads_logged(case_id)


async def test_a_notes_text_never_reaches_the_case_view_or_the_reason(api: CaseFile) -> None:
    case_id = await api.open_case()
    await post(api, f"/v1/cases/{case_id}/notes", {"text": "Sensitive words"}, Role.OH)

    for role in (Role.OH, Role.HR, Role.MANAGER):
        view = await api.http.get(f"/v1/cases/{case_id}", headers=auth(role))
        assert "Sensitive words" not in view.text
    [entry] = [e for e in await history(api, case_id) if e["type"] == "CaseNoteAdded"]
    assert "Sensitive words" not in entry["reason"]


# -- documents --------------------------------------------------------------------------------

async def test_oh_uploads_a_document_and_downloads_the_same_bytes(api: CaseFile) -> None:
    case_id = await api.open_case()

    uploaded = await api.upload(case_id, PDF)

    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert (document["number"], document["media_type"], document["size_bytes"],
            document["sha256"]) == (1, "application/pdf", len(PDF),
                                    hashlib.sha256(PDF).hexdigest())
    downloaded = await api.http.get(document["download"], headers=auth(Role.OH))
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    listed = await api.http.get(f"/v1/cases/{case_id}/documents", headers=auth(Role.OH))
    assert [d["document_id"] for d in listed.json()["documents"]] == [document["document_id"]]
    assert {("case.documents", "oh"), ("case.document", "oh")} <= set(
        await api.reads_logged(case_id))


async def test_the_case_records_the_document_by_digest_never_its_content(api: CaseFile
                                                                         ) -> None:
    case_id = await api.open_case()
    document = (await api.upload(case_id, PDF, title="Fit note, scanned")).json()

    [entry] = [e for e in await history(api, case_id) if e["type"] == "DocumentAttached"]

    assert entry["data"]["document_id"] == document["document_id"]
    assert entry["data"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert entry["data"]["title"] == "Fit note, scanned"
    assert "Letter from the consultant" not in str(entry)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.AUDITOR], ids=str)
async def test_a_document_is_for_oh_only(api: CaseFile, role: Role) -> None:
    case_id = await api.open_case()
    document = (await api.upload(case_id, PDF)).json()

    downloaded = await api.http.get(document["download"], headers=auth(role))
    listed = await api.http.get(f"/v1/cases/{case_id}/documents", headers=auth(role))
    uploaded = await api.upload(case_id, PDF, role=role)

    assert (downloaded.status_code, listed.status_code, uploaded.status_code) == (403, 403, 403)
    assert b"consultant" not in downloaded.content
    assert await api.stored_documents() == 1


async def test_content_of_no_accepted_type_is_refused_naming_the_accepted_ones(api: CaseFile
                                                                               ) -> None:
    case_id = await api.open_case()

    refused = await api.upload(case_id, ZIP, media_type="application/pdf")

    assert refused.status_code == 415, refused.text
    for accepted in ("application/pdf", "image/png", "image/jpeg", "image/tiff"):
        assert accepted in refused.json()["detail"]
    assert await api.stored_documents() == 0


async def test_a_type_declared_unlike_the_content_is_refused(api: CaseFile) -> None:
    case_id = await api.open_case()

    refused = await api.upload(case_id, PDF, media_type="image/png")
    accepted = await api.upload(case_id, PNG, media_type="image/png")

    assert refused.status_code == 415, refused.text
    assert "declared image/png but its content is application/pdf" in refused.json()["detail"]
    assert accepted.status_code == 201, accepted.text


async def test_a_document_over_the_limit_is_refused_naming_the_limit(api: CaseFile) -> None:
    case_id = await api.open_case()

    refused = await api.upload(case_id, b"%PDF-" + b"x" * DOCUMENT_LIMIT)

    assert refused.status_code == 413, refused.text
    assert f"documents are limited to {DOCUMENT_LIMIT} bytes" in refused.json()["detail"]
    assert "RTW_MAX_DOCUMENT_BYTES" in refused.json()["detail"]
    assert await api.stored_documents() == 0


async def test_a_document_within_its_limit_may_exceed_the_json_body_limit(api: CaseFile
                                                                          ) -> None:
    case_id = await api.open_case()
    large = b"%PDF-" + b"y" * (DOCUMENT_LIMIT - 10)

    uploaded = await api.upload(case_id, large)

    assert uploaded.status_code == 201, uploaded.text


async def test_an_upload_the_case_cannot_record_leaves_nothing_stored(api: CaseFile) -> None:
    refused = await api.upload(str(uuid.uuid4()), PDF)

    assert refused.status_code == 404, refused.text
    assert await api.stored_documents() == 0


async def test_a_document_of_another_case_is_not_served(api: CaseFile) -> None:
    case_id, other = await api.open_case(), await api.open_case()
    document = (await api.upload(case_id, PDF)).json()

    answer = await api.http.get(f"/v1/cases/{other}/documents/{document['document_id']}",
                                headers=auth(Role.OH))

    assert answer.status_code == 404, answer.text


# -- corrections ------------------------------------------------------------------------------

async def assessed_case(api: CaseFile) -> str:
    """A case with early contact (entry 2) and an OH assessment (entry 3)."""
    case_id = await api.open_case()
    base = f"/v1/cases/{case_id}"
    now = datetime.now(UTC).isoformat()
    await post(api, f"{base}/contact", {"contacted_at": now, "method": "phone",
                                        "agreed_contact_frequency_days": 7}, Role.MANAGER)
    await post(api, f"{base}/assessments", {
        "kind": "early", "assessor": {"id": "test-oh", "name": "Jo Reid",
                                      "profession": "OH nurse"},
        "tier": 2, "fitness": "fit", "barriers": [],
        "recommended_adjustments": [], "consent": {}, "rapid_access": False,
        "assessed_at": now}, Role.OH)
    return case_id


async def test_a_professional_opinion_cannot_be_corrected(api: CaseFile) -> None:
    case_id = await assessed_case(api)
    before = await history(api, case_id)
    [assessment] = [e for e in before if e["type"] == "AssessmentRecorded"]

    refused = await api.http.post(f"/v1/cases/{case_id}/corrections", json={
        "position": assessment["position"], "correction": "fitness was unfit"},
        headers=auth(Role.OH))

    assert refused.status_code == 422, refused.text
    assert "record a new opinion instead" in refused.json()["detail"]
    # Nothing was recorded (the report's offer to the employee may follow the assessment).
    assert "EntryCorrected" not in [e["type"] for e in await history(api, case_id)]


async def test_a_factual_correction_is_recorded_linked_to_the_original(api: CaseFile) -> None:
    case_id = await assessed_case(api)
    [contact] = [e for e in await history(api, case_id) if e["type"] == "EarlyContactRecorded"]

    accepted = await api.http.post(f"/v1/cases/{case_id}/corrections", json={
        "position": contact["position"], "correction": "The call was by video, not phone."},
        headers=auth(Role.OH))

    assert accepted.status_code == 200, accepted.text
    events = await history(api, case_id)
    original = events[contact["position"] - 1]
    correction = events[-1]
    assert original == contact  # the corrected entry stands as it was recorded
    assert correction["type"] == "EntryCorrected"
    assert correction["corrects_event_id"] == contact["event_id"]
    assert correction["data"]["corrected_position"] == contact["position"]
    assert correction["data"]["correction"] == "The call was by video, not phone."
    exported = await api.http.get("/v1/audit/export", params={"case_id": case_id},
                                  headers=auth(Role.AUDITOR))
    assert exported.status_code == 200, exported.text
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert [(line["type"], line["corrects_event_id"]) for line in lines][-1] == (
        "EntryCorrected", contact["event_id"])
    assert contact["event_id"] in {line["event_id"] for line in lines}


async def test_a_corrected_note_is_listed_with_its_correction(api: CaseFile) -> None:
    case_id = await api.open_case()
    await post(api, f"/v1/cases/{case_id}/notes", {"text": "Seen on 3 Nov"}, Role.OH)
    [note] = [e for e in await history(api, case_id) if e["type"] == "CaseNoteAdded"]

    await post(api, f"/v1/cases/{case_id}/corrections",
               {"position": note["position"], "correction": "Seen on 4 Nov"}, Role.OH)

    [listed] = (await api.http.get(f"/v1/cases/{case_id}/notes",
                                   headers=auth(Role.OH))).json()["notes"]
    assert listed["text"] == "Seen on 3 Nov"
    assert [c["correction"] for c in listed["corrections"]] == ["Seen on 4 Nov"]


async def test_a_correction_names_an_entry_the_case_has(api: CaseFile) -> None:
    case_id = await api.open_case()

    refused = await api.http.post(f"/v1/cases/{case_id}/corrections",
                                  json={"position": 99, "correction": "x"},
                                  headers=auth(Role.OH))

    assert refused.status_code == 422, refused.text
    assert "there is no entry 99" in refused.json()["detail"]


async def test_only_oh_corrects_the_record(api: CaseFile) -> None:
    case_id = await api.open_case()

    refused = await api.http.post(f"/v1/cases/{case_id}/corrections",
                                  json={"position": 1, "correction": "x"},
                                  headers=auth(Role.MANAGER))

    assert refused.status_code == 403, refused.text


async def test_the_documented_correction_example_is_accepted_after_early_contact(
        api: CaseFile) -> None:
    case_id = await api.open_case()
    await post(api, f"/v1/cases/{case_id}/contact", {
        "contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
        "agreed_contact_frequency_days": 7}, Role.MANAGER)
    document = (await api.http.get("/openapi.json")).json()
    example = document["paths"]["/v1/cases/{case_id}/corrections"]["post"]["requestBody"][
        "content"]["application/json"]["examples"]["fact"]["value"]

    await post(api, f"/v1/cases/{case_id}/corrections", example, Role.OH)

    assert (await history(api, case_id))[-1]["data"]["corrected_type"] == "EarlyContactRecorded"
