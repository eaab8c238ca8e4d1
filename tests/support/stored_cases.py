"""Changing stored rows as a database superuser would, for the tamper tests."""

from __future__ import annotations

import psycopg


def tamper(database_url: str, statement: str, *params: object) -> None:
    """Change rows as a superuser would: with triggers (the append-only guard) switched off."""
    with psycopg.connect(database_url) as connection:
        connection.execute("SET session_replication_role = replica")
        connection.execute(statement, params)  # type: ignore[arg-type]
