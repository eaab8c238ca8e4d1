"""`Idempotency-Key` for HR integrations: the same key and body answer the same case again;
the same key with another body is refused, so a client bug cannot pass silently."""

from __future__ import annotations

from pydantic import BaseModel

from api.problems import invalid_field
from api.services import Services
from infra.tokens import Principal
from readside.idempotency import KeyReused, case_for_key, remember_key


async def earlier_case(services: Services, principal: Principal, key: str | None,
                       body: BaseModel) -> str | None:
    """The case an earlier request with this key named; refuses a reused key."""
    if key is None:
        return None
    try:
        return await case_for_key(services.pool, principal.subject, key, body)
    except KeyReused:
        raise invalid_field(
            "Idempotency-Key", "use a new key for a different request",
            detail="Idempotency-Key: already used with a different request body") from None


async def remember(services: Services, principal: Principal, key: str | None, body: BaseModel,
                   case_id: str) -> None:
    if key is not None:
        await remember_key(services.pool, principal.subject, key, body, case_id)
