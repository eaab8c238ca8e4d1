"""Signed-in browser sessions of the workspace pages.

The browser holds only a random session id in an HttpOnly cookie; this table keeps its SHA-256
digest and who signed in, so a stolen database row cannot be replayed as a cookie, signing out
ends the session on the server, and an idle session expires here rather than on trust in the
browser. No case content is ever stored here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

WEB_SESSIONS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_web_sessions (
    digest text PRIMARY KEY,
    subject text NOT NULL,
    role text NOT NULL,
    person jsonb NOT NULL DEFAULT '{}'::jsonb,
    signed_in_with text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rtw_web_sessions_seen ON rtw_web_sessions (last_seen_at);
ALTER TABLE rtw_web_sessions ADD COLUMN IF NOT EXISTS token_digest text;
"""


@dataclass(frozen=True)
class WebSession:
    """Who a session belongs to; `person` holds what the record names them by (name,
    profession, registration, employers), never case data."""

    subject: str
    role: str
    person: dict[str, object]
    signed_in_with: str
    token_digest: str | None = None
    """For a session started with an access token, the SHA-256 digest of that token (never
    the token), so that each request can ask whether the token is still live and act as its
    entry says now. A column of its own rather than a key of `person`: `person` is what the
    record names someone by and is what a privacy export shows of their sessions, and the
    digest is neither; a column also lets an operator find or end every session of one token
    with plain SQL. None for sessions started another way (and for token sessions opened
    before the column existed, which the pages therefore end)."""


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_session(pool: asyncpg.Pool, session: WebSession, *, now: datetime) -> str:
    """Store a new session and return its id, which only the browser's cookie will hold."""
    session_id = secrets.token_urlsafe(32)
    await pool.execute(
        "INSERT INTO rtw_web_sessions (digest, subject, role, person, signed_in_with, "
        "token_digest, created_at, last_seen_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $7)",
        _digest(session_id), session.subject, session.role, json.dumps(session.person),
        session.signed_in_with, session.token_digest, now)
    return session_id


async def touch_session(pool: asyncpg.Pool, session_id: str, *, now: datetime,
                        idle: timedelta) -> WebSession | None:
    """The session, if it was seen within `idle`; seeing it now keeps it alive. An idle one
    is deleted, so that its cookie can never come back to life."""
    row = await pool.fetchrow(
        "UPDATE rtw_web_sessions SET last_seen_at = $2 WHERE digest = $1 AND last_seen_at > $3 "
        "RETURNING subject, role, person, signed_in_with, token_digest",
        _digest(session_id), now, now - idle)
    if row is None:
        await pool.execute("DELETE FROM rtw_web_sessions WHERE digest = $1 OR last_seen_at <= $2",
                           _digest(session_id), now - idle)
        return None
    return WebSession(subject=row["subject"], role=row["role"],
                      person=json.loads(row["person"]), signed_in_with=row["signed_in_with"],
                      token_digest=row["token_digest"])


async def close_session(pool: asyncpg.Pool, session_id: str) -> None:
    await pool.execute("DELETE FROM rtw_web_sessions WHERE digest = $1", _digest(session_id))
