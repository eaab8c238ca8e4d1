"""The exit codes of every `rtw` command, in one place, so a script can tell a refusal from an
outage without reading the message. The README's table is written from this module."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """What a command's exit code means."""

    OK = 0
    #: The command ran and found a problem: a broken chain, a case Temporal and the store
    #: disagree on, a case still quarantined, rows of an import rejected.
    FAILED = 1
    #: Bad input before anything was sent: an unknown flag, a malformed id or date, a file
    #: that cannot be read, a missing setting.
    USAGE = 2
    #: The API did not accept the token (401) or the role may not do this (403).
    AUTH = 3
    #: The API refused the request: no such case (404), not allowed now (409), a field it
    #: does not accept (400, 413, 422).
    REFUSED = 4
    #: The API, PostgreSQL or Temporal could not be reached, or answered 502, 503 or 504.
    UNREACHABLE = 5


MEANINGS: dict[Exit, str] = {
    Exit.OK: "done; nothing wrong found",
    Exit.FAILED: "ran, and found something wrong (a broken chain, a difference, rejected rows)",
    Exit.USAGE: "bad input: a flag, an id, a date, a file or a setting (nothing was sent)",
    Exit.AUTH: "the API refused the token (401) or the role (403)",
    Exit.REFUSED: "the API refused the request (400, 404, 409, 413, 422)",
    Exit.UNREACHABLE: "the API, PostgreSQL or Temporal could not be reached (or 502/503/504)",
}


def for_status(status: int) -> Exit:
    """The exit code of a command whose last HTTP answer had this status."""
    if status < 400:
        return Exit.OK
    if status in (401, 403):
        return Exit.AUTH
    if status in (502, 503, 504):
        return Exit.UNREACHABLE
    if status < 500:
        return Exit.REFUSED
    return Exit.FAILED
