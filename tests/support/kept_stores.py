"""Stores written by earlier code and kept as fixtures, loaded row for row into a test database."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY

FIXTURES = Path(__file__).parents[1] / "integration" / "fixtures"


@dataclass(frozen=True)
class KeptStore:
    """What a kept store holds: its cases by absence id, and how many events each has."""

    cases: dict[str, str]
    events: dict[str, int]


def load_kept_store(database_url: str, name: str = "store_5224285") -> KeptStore:
    """Insert the kept rows into the event-store tables at `database_url` exactly as dumped.

    The tables must exist: open a `CaseEventStore` on the database first (the `store` fixture
    does). The rows were written with the suite's own cipher and audit keys.
    """
    kept = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    if (kept["cipher_key"], kept["audit_key"]) != (TEST_CIPHER_KEY, TEST_AUDIT_KEY):
        raise ValueError(f"{name} was written with other keys than the suite's")
    events = kept["rtw_events"]
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO rtw_events (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)",
            [(row["originator_id"], row["originator_version"], row["topic"],
              base64.b64decode(row["state"])) for row in events],
        )
        cursor.executemany(
            "INSERT INTO rtw_chain_heads (case_id, last_position, last_mac, head_mac) "
            "VALUES (%s, %s, %s, %s)",
            [(row["case_id"], row["last_position"], row["last_mac"], row["head_mac"])
             for row in kept["rtw_chain_heads"]],
        )
    cases: dict[str, str] = kept["cases"]
    return KeptStore(
        cases=cases,
        events={absence_id: sum(row["originator_id"] == case_id for row in events)
                for absence_id, case_id in cases.items()},
    )
