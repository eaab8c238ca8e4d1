"""Document uploads have a body limit of their own; every other request keeps the JSON one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.body_limit import BodyLimitMiddleware
from api.routes.documents import upload_allowance

JSON_LIMIT = 1_024
DOCUMENT_LIMIT = 8_192


async def echo_size(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/v1/cases/{case_id}/{rest:path}", echo_size,
                                  methods=["GET", "POST"])])
    limited = BodyLimitMiddleware(app, max_bytes=JSON_LIMIT,
                                  allowances=(upload_allowance(DOCUMENT_LIMIT),))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t")


async def test_an_upload_within_the_document_limit_passes() -> None:
    async with client() as http:
        answer = await http.post("/v1/cases/c1/documents", content=b"x" * DOCUMENT_LIMIT)

    assert (answer.status_code, answer.text) == (200, str(DOCUMENT_LIMIT))


async def test_an_upload_over_the_document_limit_is_refused_naming_it() -> None:
    async with client() as http:
        answer = await http.post("/v1/cases/c1/documents", content=b"x" * (DOCUMENT_LIMIT + 1))

    assert answer.status_code == 413
    assert answer.json()["detail"].startswith(f"documents are limited to {DOCUMENT_LIMIT} bytes")


async def test_a_chunked_upload_over_the_document_limit_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(DOCUMENT_LIMIT // 1_000 + 1):
            yield b"x" * 1_000

    async with client() as http:
        answer = await http.post("/v1/cases/c1/documents", content=chunks())

    assert answer.status_code == 413


@pytest.mark.parametrize("path", ["/v1/cases/c1/notes", "/v1/cases/c1/documents/d1",
                                  "/v1/cases/c1/documents/extra"])
async def test_other_requests_keep_the_json_limit(path: str) -> None:
    async with client() as http:
        answer = await http.post(path, content=b"x" * (JSON_LIMIT + 1))

    assert answer.status_code == 413
    assert answer.json()["detail"] == f"request bodies are limited to {JSON_LIMIT} bytes"
