"""The access log of the API and the pages: one row for every authenticated request, written by
one middleware before the answer leaves, whatever the answer (a read, a worklist, an action's
answer, or a refusal: 403, 404, 409, 422).

A route that reads case data names the read (`log_read`: its action, the case, the validated
parameters that chose what was read, a clinical audit's purpose); the middleware writes that
name in the request's row. A request that names no read is logged under its method and route
template. Either way a row holds only validated values: the route template (never the raw
path), path parameters that passed their check (a case id as a UUID), the principal, the
status. Never a raw query string, never a body.

The row is written before the status line is sent: if the log cannot be written, the caller
gets an error, not the data (fail closed). The log is how rtw shows who had access to health
data (UK GDPR Article 5(2), accountability; Article 32(1)(b), confidentiality and integrity of
processing).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from api.services import Services
from infra.tokens import Principal
from readside.access_log import Access, record_access

LOGGED_PARAMETERS = ("as_of", "position", "format", "from", "to", "case_id", "after_id")
MAX_DETAIL = 300
READS = "rtw_access_reads"  # the reads a request names, in its scope's state
# A parameter's value is logged only when it is made of these (dates, numbers, ids, names).
SAFE_VALUE = re.compile(r"[A-Za-z0-9:+._-]{1,60}")


@dataclass(frozen=True)
class Read:
    """A read a route names: written in its request's row by the middleware."""

    principal: Principal
    action: str
    case_id: str | None
    detail: str
    channel: str
    purpose: str | None


async def log_read(
    request: Request,
    services: Services,
    principal: Principal,
    action: str,
    case_id: uuid.UUID | str | None = None,
    *,
    channel: str = "api",
    purpose: str | None = None,
) -> None:
    """Name one read of the request, after its input was accepted; the pages pass
    `channel="web"`, a clinical audit its validated `purpose`. Under the middleware the read is
    written with the request's status when the answer starts; without it, at once."""
    detail = " ".join(
        f"{name}={request.query_params[name]}"
        for name in LOGGED_PARAMETERS
        if name in request.query_params and SAFE_VALUE.fullmatch(request.query_params[name])
    )[:MAX_DETAIL]
    read = Read(principal=principal, action=action, case_id=str(case_id) if case_id else None,
                detail=detail, channel=channel, purpose=purpose)
    reads: list[Read] | None = request.scope.get("state", {}).get(READS)
    if reads is not None:
        reads.append(read)
        return
    await record_access(services.pool, _access(read, _client(request.scope), route="",
                                               status=None))


class AccessLogMiddleware:
    """Writes the access log row(s) of every request made by a known principal (set on the
    request's state by the API's bearer check and the pages' session check) before its answer
    starts; a request that fails before answering is logged with status 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        state[READS] = []
        written = False

        async def write(status: int) -> None:
            nonlocal written
            if written:
                return
            written = True
            await _write(scope, status)

        unlogged = False

        async def send_logged(message: Message) -> None:
            nonlocal unlogged
            if unlogged:
                return  # the answer was replaced: the log could not be written
            if message["type"] == "http.response.start":
                try:
                    await write(int(message["status"]))
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                    unlogged = True
                    answer = problem_response(
                        503, "Service Unavailable", "the access log cannot be written "
                        f"({type(error).__name__}); nothing was read, retry later",
                        scope["path"])
                    answer.headers["Retry-After"] = "5"
                    await answer(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception:
            if not written:
                await write(500)
            raise


def _services(scope: Scope) -> Services | None:
    app = scope.get("app")
    services: Services | None = getattr(getattr(app, "state", None), "services", None)
    return services


async def _write(scope: Scope, status: int) -> None:
    state = scope.get("state", {})
    principal = state.get("principal")
    services = _services(scope)
    reads: list[Read] = list(state.get(READS) or [])
    if services is None or not (reads or isinstance(principal, Principal)):
        return  # nobody known asked: nothing was read
    route = _route(scope)
    if not reads and isinstance(principal, Principal):
        case_id, detail = _path_parameters(scope)
        reads = [Read(principal=principal, action=route, case_id=case_id, detail=detail,
                      channel="api" if scope["path"].startswith("/v1/") else "web",
                      purpose=None)]
    client = _client(scope)
    for read in reads:
        await record_access(services.pool, _access(read, client, route=route, status=status))


def _access(read: Read, client: str, *, route: str, status: int | None) -> Access:
    principal = read.principal
    return Access(subject=principal.subject, role=principal.role.value, action=read.action,
                  case_id=read.case_id, channel=read.channel, client=client, detail=read.detail,
                  route=route, status=status, purpose=read.purpose,
                  employers=principal.employers)


def _route(scope: Scope) -> str:
    """The method and the route template ("GET /v1/cases/{case_id}"), never the raw path."""
    template = getattr(scope.get("route"), "path", None)
    return f"{scope['method']} {template if isinstance(template, str) else '(no route)'}"


def _path_parameters(scope: Scope) -> tuple[str | None, str]:
    """The case id, if the path names a valid one, and the other path parameters that hold
    only safe characters; one that does not is named with '?' in place of its value."""
    case_id: str | None = None
    kept: list[str] = []
    for name, value in (scope.get("path_params") or {}).items():
        text = str(value)
        if name == "case_id":
            try:
                case_id = str(uuid.UUID(text))
            except ValueError:
                kept.append("case_id=?")
            continue
        kept.append(f"{name}={text}" if SAFE_VALUE.fullmatch(text) else f"{name}=?")
    return case_id, " ".join(kept)[:MAX_DETAIL]


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"

