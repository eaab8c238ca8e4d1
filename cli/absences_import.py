"""`rtw absences import FILE.csv`: the absences open at go-live, each row checked by the model
`POST /v1/absences` reads and then posted to the API as an HR system would post it, so the
token's role, the repeat rules and the access log hold for every row.

Running the same file again opens nothing twice: the case id is derived from employer and
absence id, the API answers a repeat 200 ("already open"), and each row carries an
Idempotency-Key derived from its body.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from cli.absence_rows import (
    REJECT_HEADER,
    BadFile,
    Column,
    Rejection,
    Row,
    absence_model,
    accepted_for,
    check_row,
    column_for,
    columns_of,
    read_rows,
)
from cli.api_client import CliError, client, problem_line, unreachable
from cli.exit_codes import Exit, for_status
from cli.progress import Progress


@dataclass
class Tally:
    """What the import did, row by row."""

    rows: int = 0
    done: int = 0
    opened: int = 0
    already_open: int = 0
    valid: int = 0  # a dry run: rows the model accepts
    rejections: list[Rejection] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)

    def reject(self, found: list[Rejection]) -> None:
        self.rejections.extend(found)
        self.rejected_lines.update(r.line for r in found)

    def summary(self, *, dry_run: bool) -> str:
        rejected = len(self.rejected_lines)
        if dry_run:
            return (f"dry run: {self.rows} row(s): {self.valid} valid, {rejected} rejected; "
                    "nothing was posted")
        return (f"{self.rows} row(s): {self.opened} opened, {self.already_open} already open, "
                f"{rejected} rejected")


def idempotency_key(body: dict[str, Any]) -> str:
    """The same row always sends the same key (a row changed since sends another, and the
    API then judges it by the absence's natural key)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "rtw-import-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def read_file(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadFile(f"{path}: {error.strerror}") from None
    if b"\x00" in data:
        raise BadFile(f"{path}: not CSV (a binary file)")
    try:
        return data.decode("utf-8-sig").splitlines(keepends=True)
    except UnicodeDecodeError:
        raise BadFile(f"{path}: not CSV (not UTF-8 text)") from None


def refusal(row: Row, response: httpx.Response, columns: list[Column]) -> list[Rejection]:
    """The API's refusal of one row, a rejection per field it names."""
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    found: list[Rejection] = []
    for error in problem.get("errors") or []:
        name = column_for([error.get("field") or ""], columns)
        found.append(Rejection(line=row.line, column=name, value=row.cells.get(name, ""),
                               problem=str(error.get("message")),
                               accepted=accepted_for(name, columns)))
    for difference in problem.get("differences") or []:
        name = column_for([difference], columns)
        found.append(Rejection(
            line=row.line, column=name, value=row.cells.get(name, ""),
            problem=f"{response.status_code}: this absence was notified before with another "
                    f"{difference}", accepted="the value first notified (send a correction)"))
    if not found and response.status_code == 404 and row.cells.get("referral_id"):
        found.append(Rejection(line=row.line, column="referral_id",
                               value=row.cells["referral_id"], problem=problem_line(response),
                               accepted="a referral already notified to rtw, or leave empty"))
    if not found:
        found.append(Rejection(line=row.line, column="", value="",
                               problem=problem_line(response), accepted=""))
    return found


def repeated(row: Row, body: dict[str, Any], first_seen: dict[tuple[str, str], int]
             ) -> list[Rejection]:
    """A second row for the same absence (employer and absence id) is rejected, naming the
    first: the file, not the order of its rows, should say which is right."""
    key = (str(body["employer_id"]), str(body["absence_id"]))
    if key not in first_seen:
        first_seen[key] = row.line
        return []
    return [Rejection(line=row.line, column="absence_id", value=key[1],
                      problem=f"the same absence as line {first_seen[key]}",
                      accepted="one row per absence (employer_id and absence_id)")]


def post_row(api: httpx.Client, row: Row, body: dict[str, Any], columns: list[Column],
             tally: Tally) -> None:
    response = api.post("/v1/absences", json=body,
                        headers={"Idempotency-Key": idempotency_key(body)})
    code = for_status(response.status_code)
    if response.status_code == 201:
        tally.opened += 1
    elif response.status_code < 300:
        tally.already_open += 1  # 200: a repeat; 202: joins a referral's case
    elif code in (Exit.AUTH, Exit.UNREACHABLE):
        raise CliError(f"line {row.line}: {problem_line(response)}", code)
    else:
        tally.reject(refusal(row, response, columns))


def write_rejects(path: Path, rejections: list[Rejection]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(REJECT_HEADER)
        for r in rejections:
            writer.writerow((r.line, r.column, r.value, r.problem, r.accepted))


def import_file(path: Path, *, dry_run: bool, rejects: Path | None,
                out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check and post every row; the summary on `out`, each rejection in the rejects file (or
    on `err` without one). Exit 1 when any row was rejected."""
    out = out or sys.stdout
    err = err or sys.stderr
    model = absence_model()
    columns = columns_of(model)
    rows = list(read_rows(read_file(path), columns))
    if rejects is not None:
        write_rejects(rejects, [])  # a path that cannot be written is found before posting
    tally = Tally(rows=len(rows))
    progress = Progress("import", total=len(rows), stream=err)
    api: httpx.Client | None = None if dry_run else client()
    finished = False
    try:
        first_seen: dict[tuple[str, str], int] = {}
        for row in rows:
            body, found = check_row(row, columns, model)
            if body is not None:
                found = repeated(row, body, first_seen)
                body = None if found else body
            if body is None:
                tally.reject(found)
            elif dry_run:
                tally.valid += 1
            else:
                assert api is not None  # noqa: S101 - made above unless a dry run
                post_row(api, row, body, columns, tally)
            tally.done += 1
            progress.advance()
        finished = True
    except httpx.HTTPError as error:
        raise CliError(f"{unreachable(error)}; rows before it were posted, and posting the "
                       "file again opens none of them twice", Exit.UNREACHABLE) from None
    finally:
        progress.close()
        if api is not None:
            api.close()
        if rejects is not None:
            write_rejects(rejects, tally.rejections)
        if not finished:
            print(f"stopped after {tally.done} of {tally.rows} row(s): {tally.opened} opened, "
                  f"{tally.already_open} already open, {len(tally.rejected_lines)} rejected",
                  file=err)
    if rejects is None:
        for r in tally.rejections:
            print(f"line {r.line}: {r.column or 'row'}: {r.problem}"
                  + (f" (accepted: {r.accepted})" if r.accepted else ""), file=err)
    suffix = f" (each in {rejects})" if rejects is not None and tally.rejections else ""
    print(tally.summary(dry_run=dry_run) + suffix, file=out)
    return Exit.FAILED if tally.rejections else Exit.OK
