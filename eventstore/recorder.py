"""`eventsourcing`'s PostgreSQL recorder, plus one chain head per case and the notices the
events cause, in the same transaction.

Writing the head with the events means no commit can leave a case's events and its head
disagreeing, so a missing last event is evidence of tampering, never of a crash; writing the
notices with them means no notice is lost or sent for an event that was never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier, Literal

from eventstore.chain import ChainHead
from eventstore.outbox import INSERT_NOTICE, NOTICES_DDL, NewNotice
from eventstore.schema_lock import SCHEMA_LOCK
from eventstore.subject_keys import SUBJECT_KEYS_DDL


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """Inserts events as the library does; `chain_head=` also moves the case's head."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.heads_table_name = events_table_name.removesuffix("_events") + "_chain_heads"
        heads = Identifier(self.datastore.schema, self.heads_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {heads} ("
                "case_id uuid PRIMARY KEY, last_position bigint NOT NULL, "
                "last_mac text NOT NULL, head_mac text NOT NULL)"
            ).format(heads=heads)
        )
        # Append-only in the database too: a change needs a superuser who switches triggers
        # off, and the chain still shows it.
        refuse = Identifier(self.datastore.schema, "rtw_refuse_change")
        # One exception: erasing a case stored before data keys re-seals its rows in place
        # (`reseal`), naming the case in a setting of its own transaction; the row keeps its
        # case, position, topic and notification id, and the chain is re-signed with it.
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN "
                "IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = {events_name} THEN "
                "IF current_setting('rtw.reseal_case', true) = OLD.originator_id::text "
                "AND NEW.originator_id = OLD.originator_id "
                "AND NEW.originator_version = OLD.originator_version "
                "AND NEW.topic = OLD.topic AND NEW.notification_id = OLD.notification_id "
                "THEN RETURN NEW; END IF; END IF; "
                "RAISE EXCEPTION 'rtw: % on % refused: case events are append-only', "
                "TG_OP, TG_TABLE_NAME; END$$"
            ).format(refuse=refuse, events_name=Literal(self.events_table_name))
        )
        events = Identifier(self.datastore.schema, self.events_table_name)
        for name, table, operations, scope in (
            ("rtw_events_append_only", events, "UPDATE OR DELETE", "ROW"),
            ("rtw_events_no_truncate", events, "TRUNCATE", "STATEMENT"),
            ("rtw_chain_heads_kept", heads, "DELETE", "ROW"),
            ("rtw_chain_heads_no_truncate", heads, "TRUNCATE", "STATEMENT"),
        ):
            self.sql_create_statements.append(
                SQL(
                    "CREATE OR REPLACE TRIGGER {name} BEFORE {operations} ON {table} "
                    "FOR EACH {scope} EXECUTE FUNCTION {refuse}()"
                ).format(name=Identifier(name), operations=SQL(operations), table=table,
                         scope=SQL(scope), refuse=refuse)
            )
        # The outbox commits with the events that cause its notices.
        self.sql_create_statements.append(SQL(NOTICES_DDL).format())
        # Each case's data key, wrapped (envelope encryption; `eventstore.subject_keys`).
        self.sql_create_statements.append(SQL(SUBJECT_KEYS_DDL).format())
        # Only ever forward: a stale writer cannot move a head back.
        self.upsert_head_statement = SQL(
            "INSERT INTO {heads} AS h (case_id, last_position, last_mac, head_mac) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET "
            "last_position = EXCLUDED.last_position, last_mac = EXCLUDED.last_mac, "
            "head_mac = EXCLUDED.head_mac WHERE h.last_position < EXCLUDED.last_position"
        ).format(heads=heads)
        self.select_head_statement = SQL(
            "SELECT case_id, last_position, last_mac, head_mac FROM {heads} WHERE case_id = %s"
        ).format(heads=heads)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # In turn with the other processes that create rtw's tables at start.
        curs.execute(SCHEMA_LOCK)
        super()._create_table(curs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """As the library's, but in PostgreSQL's binary format: decoding `bytea` from hex text
        was most of the time of reading a case."""
        statement = SQL(
            "SELECT originator_version, topic, state FROM {table} WHERE originator_id = %s"
        ).format(table=Identifier(self.datastore.schema, self.events_table_name))
        params: list[Any] = [originator_id]
        if gt is not None:
            statement += SQL(" AND originator_version > %s")
            params.append(gt)
        if lte is not None:
            statement += SQL(" AND originator_version <= %s")
            params.append(lte)
        statement += SQL(" ORDER BY originator_version DESC" if desc
                         else " ORDER BY originator_version ASC")
        if limit is not None:
            statement += SQL(" LIMIT %s")
            params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor(
            binary=True, row_factory=tuple_row
        ) as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(originator_id, version, topic, bytes(state))
                for version, topic, state in curs.fetchall()
            ]

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        chain_head: ChainHead | None = None,
        notices: Sequence[NewNotice] = (),
        **kwargs: Any,
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if notices and stored_events:
            case_id = stored_events[0].originator_id
            curs.executemany(INSERT_NOTICE, [notice.row(case_id) for notice in notices])
        if chain_head is not None:
            curs.execute(
                self.upsert_head_statement,
                (
                    UUID(chain_head.case_id),
                    chain_head.last_position,
                    chain_head.last_mac,
                    chain_head.head_mac,
                ),
            )

    def reseal(self, case_id: str, states: Sequence[tuple[int, bytes]], head: ChainHead
               ) -> None:
        """Rewrite the states of a case's events in place, and its head, in one transaction:
        only for erasing a case stored before data keys (see the trigger above)."""
        events = Identifier(self.datastore.schema, self.events_table_name)
        heads = Identifier(self.datastore.schema, self.heads_table_name)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT set_config('rtw.reseal_case', %s, true)", (case_id,))
            curs.executemany(
                SQL("UPDATE {events} SET state = %s WHERE originator_id = %s AND "
                    "originator_version = %s").format(events=events),
                [(state, UUID(case_id), position) for position, state in states])
            curs.execute(
                SQL("UPDATE {heads} SET last_position = %s, last_mac = %s, head_mac = %s "
                    "WHERE case_id = %s").format(heads=heads),
                (head.last_position, head.last_mac, head.head_mac, UUID(case_id)))
            curs.execute("SELECT set_config('rtw.reseal_case', '', true)")

    def select_head(self, case_id: str) -> ChainHead | None:
        with self.datastore.transaction(commit=False) as curs:
            row = curs.execute(self.select_head_statement, (UUID(case_id),)).fetchone()
        return None if row is None else ChainHead.from_row(row)
