"""Refuse request bodies over a size limit with 413, before any of it is parsed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON


@dataclass(frozen=True)
class BodyAllowance:
    """A limit of its own for one kind of request (an upload), named in its refusal."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    refusal: str


class BodyLimitMiddleware:
    """Pure ASGI: checks Content-Length up front; reads a chunked body within the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int,
                 allowances: Sequence[BodyAllowance] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowances = tuple(allowances)

    def _limit(self, scope: Scope) -> tuple[int, str]:
        for allowance in self.allowances:
            if scope.get("method") == allowance.method and allowance.path.fullmatch(
                    scope.get("path", "")):
                return allowance.max_bytes, allowance.refusal
        return self.max_bytes, f"request bodies are limited to {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, refusal = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > max_bytes:
                await self._refuse(scope, send, refusal)
                return
            await self.app(scope, receive, send)  # the server enforces the declared length
            return
        # No usable Content-Length (a chunked upload): read it all first, within the limit.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                await self._refuse(scope, send, refusal)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, detail: str) -> None:
        body = json.dumps({
            "type": "about:blank", "title": "Content Too Large", "status": 413,
            "detail": detail,
            "instance": scope.get("path", ""),
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_JSON.encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
