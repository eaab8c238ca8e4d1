"""`rtw privacy export`: everything rtw holds about one person, for a subject access request
(UK GDPR Article 15), as one JSON document, with a short summary on stderr.

The person's cases are found through the read side (the pseudonymous `employee_key` of
`rtw_employee_cases`, `rtw_worklist` and `rtw_employee_contacts`; no read table holds the HR
id); each is then read from
the event store, its events decoded through the upcasters, and kept only if its own record
names this employee at this employer. For each case: its events, the state they make, the
read-model rows about it, the notices sent to or about the person, its documents' metadata
(never their bytes), and the access log of who read it; and the reads of the person's
record as a whole, logged with their `employee_key`, their sign-in links, their web
sessions and the legal holds placed on them (live and released: who placed each, when and
why, are data about them too). The export is itself a read: it is
written to the access log (once for the request, once per case) before anything is read.

What it writes is raw material for whoever answers the request, not the answer: the case
records name other people (managers, OH staff), and health data may be withheld where its
release would likely cause serious harm (Data Protection Act 2018, Schedule 2 paragraph 16 for
third parties, Schedule 3 Part 2 paragraph 5 for the serious harm test). The file is created
readable by its owner only.

The parser is built here with argparse only; the work is imported when the command runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import psycopg

    from eventstore.store import CaseEventStore
    from infra.settings import Settings

# The API's own id pattern (api.models.ID_PATTERN), so an id the API accepted is accepted here.
_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
EXPORT_ACTION = "privacy.export"
CASE_EXPORT_ACTION = "case.export"

# Read tables with one row per case (or several), by case id; a table not there yet is skipped.
CASE_TABLES = ("rtw_employee_cases", "rtw_worklist", "rtw_kpi_facts", "rtw_employee_contacts",
               "rtw_absence_links")
# Read tables that key by the pseudonymous employee key too, through which cases are found.
EMPLOYEE_ID_TABLES = ("rtw_worklist", "rtw_employee_contacts")


class ExportUsageError(Exception):
    """Bad input: one line naming the flag and what it accepts."""


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`export` under a `privacy` command's subparsers."""
    export: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="write everything held about one person as JSON (a subject access "
        "request), with a summary on stderr",
        description="Everything rtw holds about one employee at one employer: their cases, "
        "each case's events, the read-model rows, the notices, documents' metadata and the "
        "access log of who read their cases. The export itself is logged as a read.")
    export.add_argument("--employer", required=True, metavar="EMPLOYER_ID",
                        help="the employer's id in rtw")
    export.add_argument("--employee-id", required=True, metavar="ID",
                        help="the employee's id in the employer's HR system")
    export.add_argument("--out", metavar="FILE", help="write the JSON to FILE (created "
                        "readable by its owner only) instead of stdout")
    return export


def run_export(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Run `rtw privacy export`; bad input is one line and exit code 2, nothing read or
    logged."""
    from cli.exit_codes import Exit

    try:
        employer_id = _checked_id(args.employer, "--employer")
        employee_id = _checked_id(args.employee_id, "--employee-id")
        if not settings.audit_hmac_key:
            from infra.settings import MISSING_AUDIT_KEY

            raise ExportUsageError(MISSING_AUDIT_KEY)
        database_url = settings.require_database_url()
        if args.out:
            _check_writable(args.out)
        store = _open_store(settings)
        try:
            export = gather(database_url, store, employer_id=employer_id,
                            employee_id=employee_id)
        finally:
            store.close()
        if args.out:
            _write_file(export, args.out)
        else:
            _write(export, out or sys.stdout)
    except ExportUsageError as error:
        print(f"rtw privacy export: {error}", file=sys.stderr)
        return Exit.USAGE
    print(summary(export, to=args.out), file=sys.stderr)
    return Exit.OK


def _checked_id(value: str, flag: str) -> str:
    if not _ID.fullmatch(value):
        raise ExportUsageError(f"{flag} must be 1 to 100 letters, digits or . _ : -, "
                               f"not {value[:40]!r}")
    return value


def _open_store(settings: Settings) -> CaseEventStore:
    from infra import bootstrap

    try:
        return bootstrap.event_store(settings)
    except ValueError as error:  # a key that cannot be used, named by the settings
        raise ExportUsageError(str(error)) from None


def _check_writable(path: str) -> None:
    """Before anything is read: the file can be written (its folder exists and takes it)."""
    import os

    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ExportUsageError(f"--out: cannot write {path} (give a file in a folder you "
                               "may write to)")


def _write_file(export: dict[str, Any], path: str) -> None:
    """Write it whole or not at all: to a file beside it, readable by its owner only, then
    moved into place."""
    import os

    partial = f"{path}.part"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "w", encoding="utf-8") as target:
            _write(export, target)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def _write(export: dict[str, Any], target: TextIO) -> None:
    import json

    json.dump(export, target, indent=2, default=_jsonable, ensure_ascii=False)
    target.write("\n")


def _jsonable(value: object) -> object:
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return str(value)


# -- gathering ------------------------------------------------------------------------------


def gather(database_url: str, store: CaseEventStore, *, employer_id: str,
           employee_id: str) -> dict[str, Any]:
    """Everything held about the employee at the employer, as one JSON-ready document."""
    import getpass
    from datetime import UTC, datetime

    import psycopg
    from psycopg.rows import dict_row

    from domain.ids import employee_key
    from readside.access_log import Access, iter_access_sync, record_access_sync
    from readside.legal_holds import HOLDS_OF_EMPLOYEE_SQL

    key = employee_key(employer_id, employee_id)
    user = getpass.getuser()

    def log(action: str, case_id: str | None, detail: str) -> None:
        record_access_sync(database_url, Access(
            subject=user, role="auditor", action=action, case_id=case_id, channel="cli",
            client=f"cli:{user}", detail=detail))

    # Logged with the pseudonymous key, never the HR id: the log needs no encryption.
    log(EXPORT_ACTION, None, f"employer={employer_id} employee_key={key}")
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as connection:
        tables = _existing_tables(connection)
        candidates = _case_ids(connection, tables, employer_id=employer_id, employee_id=employee_id,
                               key=key)
        cases: list[dict[str, Any]] = []
        for case_id in candidates:
            case = _case(store, case_id, employer_id=employer_id, employee_id=employee_id)
            if case is None:
                continue
            log(CASE_EXPORT_ACTION, case_id, "subject access request")
            case["read_models"] = _opened(store, case_id,
                                          _rows_by_case(connection, tables, case_id))
            case["notices"] = _select(connection, tables, "rtw_notices",
                                      "SELECT * FROM rtw_notices WHERE case_id = %s"
                                      " ORDER BY created_at, notice_id", case_id)
            case["documents"] = _select(
                connection, tables, "rtw_documents",
                "SELECT case_id, document_id, media_type, size_bytes, stored_at"
                " FROM rtw_documents WHERE case_id = %s ORDER BY stored_at", case_id)
            case["access_log"] = list(iter_access_sync(database_url, case_id=case_id))
            cases.append(case)
        # Reads of the person's record as a whole (no one case), logged with their key.
        record_reads = _select(
            connection, tables, "rtw_access_log",
            "SELECT id, accessed_at, subject, role, action, channel, client, detail"
            " FROM rtw_access_log WHERE case_id IS NULL AND detail LIKE %s ORDER BY id",
            f"%employee_key={key}%")
        links = _select(connection, tables, "rtw_employee_links",
                        "SELECT link_id, created_at, expires_at, used_at FROM rtw_employee_links"
                        " WHERE employer_id = %s AND (employee_key = %s OR employee_id = %s)"
                        " ORDER BY created_at", employer_id, key, employee_id)
        # Their own sign-ins to their page (the session's secret digest left out).
        sessions = _select(
            connection, tables, "rtw_web_sessions",
            "SELECT role, person, signed_in_with, created_at, last_seen_at FROM rtw_web_sessions"
            " WHERE role = 'employee' AND subject = %s AND person -> 'employers' ? %s"
            " ORDER BY created_at", employee_id, employer_id)
        holds = _select(connection, tables, "rtw_legal_holds", HOLDS_OF_EMPLOYEE_SQL,
                        employer_id, key)
    return {
        "request": {
            "employer_id": employer_id,
            "employee_id": employee_id,
            "employee_key": key,
            "exported_at": datetime.now(UTC).isoformat(),
            "exported_by": f"cli:{user}",
        },
        "cases": cases,
        "record_access_log": record_reads,
        "sign_in_links": links,
        "web_sessions": sessions,
        "legal_holds": holds,
    }


def _existing_tables(connection: psycopg.Connection[Any]) -> set[str]:
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name LIKE 'rtw%%'").fetchall()
    return {row["table_name"] for row in rows}


def _select(connection: psycopg.Connection[Any], tables: set[str], table: str, sql: str,
            *params: Any) -> list[dict[str, Any]]:
    if table not in tables:
        return []
    return [dict(row) for row in connection.execute(sql, params).fetchall()]


def _case_ids(connection: psycopg.Connection[Any], tables: set[str], *, employer_id: str,
              employee_id: str, key: str) -> list[str]:
    """The cases any read table ties to the employee at the employer, oldest first."""
    found: dict[str, Any] = {}
    for row in _select(connection, tables, "rtw_employee_cases",
                       "SELECT case_id, opened_at FROM rtw_employee_cases"
                       " WHERE employee_key = %s AND employer_id = %s", key, employer_id):
        found[str(row["case_id"])] = row["opened_at"]
    for table in EMPLOYEE_ID_TABLES:
        for row in _select(connection, tables, table,
                           f"SELECT case_id, opened_at FROM {table}"  # noqa: S608 - a constant
                           " WHERE employer_id = %s AND employee_key = %s",
                           employer_id, key):
            found.setdefault(str(row["case_id"]), row["opened_at"])
    return sorted(found, key=lambda case_id: (found[case_id], case_id))


SEALED_COLUMNS = {"employee_sealed": "employee", "reason_sealed": "reason_category"}
"""Read-table columns sealed under the case's data key, and what the export calls them opened."""


def _opened(store: CaseEventStore, case_id: str,
            rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The rows with their sealed columns opened (the person is owed what they say, not the
    ciphertext); None where the case's key is gone."""
    from eventstore.row_seal import open_value

    sealed = [row[column] for table_rows in rows.values() for row in table_rows
              for column in SEALED_COLUMNS if row.get(column) is not None]
    if not sealed:
        return rows
    key = store.subject_keys.get_many([case_id]).get(case_id)
    return {table: [{SEALED_COLUMNS.get(column, column):
                     open_value(key, value) if column in SEALED_COLUMNS else value
                     for column, value in row.items()} for row in table_rows]
            for table, table_rows in rows.items()}


def _rows_by_case(connection: psycopg.Connection[Any], tables: set[str],
                  case_id: str) -> dict[str, list[dict[str, Any]]]:
    return {table: _select(connection, tables, table,
                           f"SELECT * FROM {table} WHERE case_id = %s",  # noqa: S608 - a constant
                           case_id)
            for table in CASE_TABLES if table in tables}


def _case(store: CaseEventStore, case_id: str, *, employer_id: str,
          employee_id: str) -> dict[str, Any] | None:
    """The case's events (read through the upcasters) and the state they make; None unless
    its own record names this employee at this employer (a read table never decides alone
    whose a case is)."""
    from domain.evolve import ReplayError
    from eventstore.replay import state_of
    from eventstore.view import EventView

    records = store.history(case_id)
    if not records:
        return None
    try:
        state = state_of(records)
    except ReplayError as error:
        return None if not _names(records, employer_id, employee_id) else {
            "case_id": case_id, "events": [EventView.read(r).as_json() for r in records],
            "state": None, "state_error": str(error)}
    if state is None or state.employer_id != employer_id or state.employee.id != employee_id:
        return None
    return {"case_id": case_id, "events": [EventView.read(r).as_json() for r in records],
            "state": state.model_dump(mode="json")}


def _names(records: list[Any], employer_id: str, employee_id: str) -> bool:
    """Whether the case's first event names the employee at the employer (for a case whose
    events no longer replay)."""
    from domain.upcasting import upcast

    data = upcast(records[0].data)
    employee = data.get("employee") or {}
    return bool(data.get("employer_id") == employer_id and employee.get("id") == employee_id)


# -- summary --------------------------------------------------------------------------------


def summary(export: dict[str, Any], *, to: str | None) -> str:
    """A few lines for whoever runs the export: what was found and where it went."""
    request, cases = export["request"], export["cases"]
    who = f"employee {request['employee_id']} at {request['employer_id']}"
    where = f"written to {to}" if to else "written to stdout"
    holds = export.get("legal_holds") or []
    held = (f"; {len(holds)} legal hold(s), "
            f"{sum(1 for h in holds if h['released_at'] is None)} live" if holds else "")
    if not cases:
        return f"rtw privacy export: nothing held about {who} (no case found){held}; {where}"
    events = sum(len(c["events"]) for c in cases)
    notices = sum(len(c["notices"]) for c in cases)
    documents = sum(len(c["documents"]) for c in cases)
    reads = [entry for c in cases for entry in c["access_log"]]
    readers = {(entry["subject"], entry["role"]) for entry in reads}
    lines = [f"rtw privacy export: {who}: {len(cases)} case(s), {events} event(s), "
             f"{notices} notice(s), {documents} document(s), {len(reads)} read(s) by "
             f"{len(readers)} reader(s){held}; {where}"]
    lines += [f"  case {line}" for line in _case_lines(cases)]
    lines.append("  before release: review for other people's data and the serious harm test")
    return "\n".join(lines)


def _case_lines(cases: list[dict[str, Any]]) -> Iterator[str]:
    for case in cases:
        state = case["state"]
        if not state:
            yield f"{case['case_id']}: events only (they do not replay)"
            continue
        closure = state.get("closure")
        yield (f"{case['case_id']}: {state.get('route')} opened "
               f"{str(state.get('opened_at'))[:10]}, stage {state.get('stage')}"
               + (f", closed {closure['closed_on']}" if closure else ""))
