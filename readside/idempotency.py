"""The `Idempotency-Key` table: which case a client's key named, and for which request body."""

from __future__ import annotations

import hashlib
import json

import asyncpg
from pydantic import BaseModel

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


class KeyReused(Exception):
    """The key was used before with another request body."""


def request_digest(body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def case_for_key(pool: asyncpg.Pool, subject: str, key: str,
                       body: BaseModel) -> str | None:
    """The case an earlier request with this key named; raises KeyReused for another body."""
    row = await pool.fetchrow(
        "SELECT request_sha256, case_id FROM rtw_idempotency_keys WHERE subject = $1 AND key = $2",
        subject, key,
    )
    if row is None:
        return None
    if row["request_sha256"] != request_digest(body):
        raise KeyReused(key)
    return str(row["case_id"])


async def remember_key(pool: asyncpg.Pool, subject: str, key: str, body: BaseModel,
                       case_id: str) -> None:
    await pool.execute(
        "INSERT INTO rtw_idempotency_keys (subject, key, request_sha256, case_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        subject, key, request_digest(body), case_id,
    )
