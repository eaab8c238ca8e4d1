"""`Idempotency-Key` for HR integrations: the same key and body answer the same case again;
the same key with another body is refused, so a client bug cannot pass silently."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

from api.auth import Principal
from api.problems import Problem
from api.services import Services

IDEMPOTENCY_DDL = """
CREATE TABLE IF NOT EXISTS rtw_idempotency_keys (
    subject text NOT NULL,
    key text NOT NULL,
    request_sha256 text NOT NULL,
    case_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, key)
);
"""


def request_digest(body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def earlier_case(services: Services, principal: Principal, key: str | None,
                       body: BaseModel) -> str | None:
    """The case an earlier request with this key named; refuses a reused key."""
    if key is None:
        return None
    row = await services.pool.fetchrow(
        "SELECT request_sha256, case_id FROM rtw_idempotency_keys WHERE subject = $1 AND key = $2",
        principal.subject, key,
    )
    if row is None:
        return None
    if row["request_sha256"] != request_digest(body):
        raise Problem(422, "Invalid request",
                      "Idempotency-Key: already used with a different request body",
                      errors=[{"field": "Idempotency-Key",
                               "message": "use a new key for a different request"}])
    return str(row["case_id"])


async def remember(services: Services, principal: Principal, key: str | None, body: BaseModel,
                   case_id: str) -> None:
    if key is not None:
        await services.pool.execute(
            "INSERT INTO rtw_idempotency_keys (subject, key, request_sha256, case_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            principal.subject, key, request_digest(body), case_id,
        )
