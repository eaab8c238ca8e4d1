"""`rtw token issue | revoke | list`: the API's bearer tokens, kept in the tokens file
(RTW_TOKENS_FILE) as SHA-256 digests only.

A token is printed once, when it is issued, and never stored: losing it means issuing another.
A revocation is kept in the file (dated) rather than deleting the entry, so `rtw token list`
shows what was issued and revoked; the API reads the file again when it changes, so a revoked
token stops working at its next request without a restart.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exit_codes import Exit
from cli.formats import add_format_flags

if TYPE_CHECKING:
    from infra.settings import Settings

DIGEST_SHOWN = 12  # how much of a digest `list` shows; enough to revoke by
MIN_DIGEST_PREFIX = 8
_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


class TokenError(Exception):
    """A refusal of `rtw token`: its one line, and its exit code."""

    def __init__(self, message: str, code: Exit) -> None:
        super().__init__(message)
        self.code = code


def add_token_commands(commands: Any) -> None:
    from infra.tokens import TOKEN_ROLES

    token = commands.add_parser("token", help="issue, revoke and list the API's bearer tokens "
                                "(kept as digests in RTW_TOKENS_FILE)")
    sub = token.add_subparsers(dest="token_command", required=True)
    issue = sub.add_parser("issue", help="issue a token and print it, once")
    issue.add_argument("--role", required=True, choices=[role.value for role in TOKEN_ROLES])
    issue.add_argument("--subject", required=True, metavar="ID",
                       help="who holds it: a person's or a system's id (a manager's HR id)")
    issue.add_argument("--employer", action="append", default=[], metavar="E",
                       dest="employers", help="an employer it acts for (repeat for more; "
                       "required but for admin)")
    issue.add_argument("--name", help="an OH professional's name, as the record names them")
    issue.add_argument("--profession", help="an OH professional's profession")
    issue.add_argument("--registration", help="an OH professional's registration number")
    revoke = sub.add_parser("revoke", help="revoke tokens: one by its digest, or every token "
                            "of a subject")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--digest", metavar="D", help="the token's digest (or the start of it, "
                       f"at least {MIN_DIGEST_PREFIX} characters, as `rtw token list` shows)")
    which.add_argument("--subject", metavar="ID", help="every live token of this subject")
    listing = sub.add_parser("list", help="the tokens issued: digest (start), role, subject, "
                             "employers, issued, revoked; never a token")
    add_format_flags(listing, what="a JSON array")


def run_token_command(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.resolved_tokens_file()
    what = args.token_command
    try:
        if what == "issue":
            print(issue(path, role=args.role, subject=args.subject,
                        employers=tuple(args.employers), name=args.name,
                        profession=args.profession, registration=args.registration))
            print("rtw token issue: keep this token now; it is not shown again", file=sys.stderr)
        elif what == "revoke":
            revoked = revoke(path, digest=args.digest, subject=args.subject)
            print(f"revoked {len(revoked)} token(s): "
                  + ", ".join(d[:DIGEST_SHOWN] for d in revoked))
        else:
            rows = listed(path)
            if args.format == "json":
                print(json.dumps(rows, indent=2))
            else:
                _print_table(rows)
    except TokenError as error:
        print(f"rtw token {what}: {error}", file=sys.stderr)
        return error.code
    return Exit.OK


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the tokens file at a time (two `rtw token` runs never lose an entry)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, Any]:
    from infra.tokens import TokenRegistry

    if not path.exists():
        return {"tokens": []}
    try:
        document: dict[str, Any] = json.loads(path.read_text())
        TokenRegistry.load(path)  # the file as the API reads it: refuse to build on a bad one
    except (OSError, ValueError) as error:
        raise TokenError(f"{path}: {error}", Exit.USAGE) from None
    return document


def issue(path: Path, *, role: str, subject: str, employers: tuple[str, ...],
          name: str | None = None, profession: str | None = None,
          registration: str | None = None) -> str:
    """Add a new random token to the file (its digest only) and return it."""
    from domain.actors import Role
    from infra.tokens import _entries, token_digest, write_tokens_file

    if not _ID.match(subject):
        raise TokenError("--subject: printable text of 1 to 200 characters", Exit.USAGE)
    if not employers and role != Role.ADMIN.value:
        raise TokenError("--employer: name at least one employer the token acts for (only "
                         "admin, which sees no case, needs none)", Exit.USAGE)
    token = secrets.token_urlsafe(32)
    entry: dict[str, Any] = {"sha256": token_digest(token), "role": role, "subject": subject,
                             "employers": list(dict.fromkeys(employers))}
    entry |= {field: value for field, value in (
        ("name", name), ("profession", profession), ("registration", registration)) if value}
    try:
        _entries(Path("--"), {"tokens": [entry]})  # the loader's own checks of every field
    except ValueError as error:
        raise TokenError(str(error).removeprefix("--: token 1: "), Exit.USAGE) from None
    entry["issued"] = _now()
    with _locked(path):
        document = _read(path)
        document.setdefault("tokens", []).append(entry)
        write_tokens_file(path, document)
    return token


def revoke(path: Path, *, digest: str | None = None, subject: str | None = None) -> list[str]:
    """Mark the matching live tokens revoked; their digests. None matching is refused."""
    from infra.tokens import write_tokens_file

    if digest is not None:
        digest = digest.strip().lower()
        if len(digest) < MIN_DIGEST_PREFIX or not re.fullmatch(r"[0-9a-f]+", digest):
            raise TokenError(f"--digest: at least {MIN_DIGEST_PREFIX} hex characters of a "
                             "digest, as `rtw token list` shows", Exit.USAGE)
    with _locked(path):
        document = _read(path)
        live = [item for item in document.get("tokens", []) if not item.get("revoked")]
        if digest is not None:
            matching = [item for item in live if str(item.get("sha256", "")).startswith(digest)]
            if len(matching) > 1:
                raise TokenError(f"--digest: {digest} starts {len(matching)} digests; give "
                                 "more of it", Exit.USAGE)
        else:
            matching = [item for item in live if item.get("subject") == subject]
        if not matching:
            raise TokenError("no live token matches "
                             + (f"digest {digest}" if digest else f"subject {subject!r}"),
                             Exit.REFUSED)
        when = _now()
        for item in matching:
            item["revoked"] = when
        write_tokens_file(path, document)
    return [str(item["sha256"]) for item in matching]


def listed(path: Path) -> list[dict[str, Any]]:
    """Every token the file holds, as `rtw token list` shows it: never the token itself."""
    return [{"digest": str(item.get("sha256", ""))[:DIGEST_SHOWN], "role": item.get("role"),
             "subject": item.get("subject"), "employers": item.get("employers", []),
             "issued": item.get("issued"), "revoked": item.get("revoked")}
            for item in _read(path).get("tokens", [])]


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = ("DIGEST", "ROLE", "SUBJECT", "EMPLOYERS", "ISSUED", "REVOKED")
    lines = [header] + [(r["digest"], str(r["role"]), str(r["subject"]),
                         ",".join(r["employers"]) or "-", r["issued"] or "-",
                         r["revoked"] or "-") for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip())
