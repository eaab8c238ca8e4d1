"""Recording each read of case data made through the API, after its input was accepted.

Called from the route body (not as a dependency) so that a refused request writes nothing.
Only whitelisted query parameters are kept, shortened: the log must never carry case content.
"""

from __future__ import annotations

import uuid

from fastapi import Request

from api.services import Services
from infra.tokens import Principal
from readside.access_log import Access, record_access

LOGGED_PARAMETERS = ("as_of", "position", "format", "from", "to", "case_id", "after_id")
MAX_DETAIL = 300


async def log_read(
    request: Request,
    services: Services,
    principal: Principal,
    action: str,
    case_id: uuid.UUID | str | None = None,
    *,
    channel: str = "api",
) -> None:
    """Record one read; the pages pass `channel="web"`."""
    detail = " ".join(
        f"{name}={request.query_params[name][:60]}"
        for name in LOGGED_PARAMETERS
        if name in request.query_params
    )[:MAX_DETAIL]
    await record_access(
        services.pool,
        Access(
            subject=principal.subject,
            role=principal.role.value,
            action=action,
            case_id=str(case_id) if case_id else None,
            channel=channel,
            client=request.client.host if request.client else "unknown",
            detail=detail,
        ),
    )
