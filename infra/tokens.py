"""Bearer tokens mapped to roles. Only SHA-256 digests of tokens are ever configured."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.actors import Role

TOKEN_ROLES = (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR, Role.CLINICAL_AUDITOR, Role.ADMIN)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a stable subject id and one role; for OH professionals, optionally the
    name, profession and registration number the record names them by when they assess or
    confirm (see `api.professional`)."""

    subject: str
    role: Role
    name: str | None = None
    profession: str | None = None
    registration: str | None = None
    employers: tuple[str, ...] = ()
    """The employers this principal acts for; an employee's own employer. A principal with
    none acts for no employer: it sees no case (the `admin` operator role is one such)."""

    def acts_for(self, employer_id: str) -> bool:
        """Whether this principal may see or act on the cases of `employer_id`. The `admin`
        operator role never does, whatever employers its token names: it sees no case."""
        return self.role is not Role.ADMIN and employer_id in self.employers

    @property
    def case_employers(self) -> tuple[str, ...]:
        """The employers whose cases this principal sees (none for `admin`)."""
        return () if self.role is Role.ADMIN else self.employers


_log = logging.getLogger(__name__)

# The dev manager token acts as line manager M2002, the manager of the README's example case.
DEV_SUBJECTS = {"hr": "dev-hr", "manager": "M2002", "oh": "dev-oh", "auditor": "dev-auditor",
                "clinical_auditor": "dev-clinical-auditor", "admin": "dev-admin"}


# What a token may say of the person behind it, with the longest each may be.
_PERSON = {"name": 300, "profession": 100, "registration": 50}


def _optional_text(path: Path, number: int, item: dict[str, object], field: str) -> str | None:
    """An optional printable text of a token entry; a malformed one stops the load."""
    value = item.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _PERSON[field] \
            or not value.isprintable():
        raise ValueError(f"{path}: token {number}: '{field}' must be printable text of 1 to "
                         f"{_PERSON[field]} characters")
    return value.strip()


# The dev OH token is an OH nurse, so that a local assessment names its professional.
DEV_PEOPLE = {"oh": {"name": "Dev OH nurse", "profession": "OH nurse"}}


def _employers(path: Path, number: int, item: dict[str, object]) -> tuple[str, ...]:
    """The employers a token entry acts for: a list of employer ids (may be empty)."""
    value = item.get("employers", [])
    if not isinstance(value, list) or not all(
            isinstance(e, str) and e.strip() and len(e) <= 200 and e.isprintable()
            for e in value):
        raise ValueError(f"{path}: token {number}: 'employers' must be a list of employer ids "
                         "(printable text of 1 to 200 characters)")
    return tuple(dict.fromkeys(e.strip() for e in value))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRegistry:
    """Looks a presented token up by its digest; tokens are random, so SHA-256 suffices.

    A registry loaded from a file reads the file again when it changes (its modification time,
    size or inode), so that a token revoked with `rtw token revoke` stops working for a running
    API at its next request. A file that cannot be read any more admits nobody until it is
    fixed (a revocation must never be undone by a broken file)."""

    def __init__(self, entries: dict[str, Principal], *, path: Path | None = None,
                 stamp: tuple[int, int, int] | None = None) -> None:
        self._by_digest = entries
        self._path = path
        self._stamp = stamp

    @classmethod
    def load(cls, path: Path) -> TokenRegistry:
        """Read `{"tokens": [{"sha256": ..., "role": ..., "subject": ..., "employers": [...],
        "name": ..., "profession": ..., "registration": ..., "issued": ..., "revoked": ...},
        ...]}` (all but the first three optional); a revoked entry admits nobody."""
        stamp = _stamp(path)
        return cls(_entries(path, json.loads(path.read_text())), path=path, stamp=stamp)

    def _refresh(self) -> None:
        if self._path is None:
            return
        try:
            stamp: tuple[int, int, int] | None = _stamp(self._path)
        except OSError:
            stamp = None
        if stamp is not None and stamp == self._stamp:
            return
        try:
            self._by_digest = _entries(self._path, json.loads(self._path.read_text()))
        except (OSError, ValueError, AttributeError, TypeError) as error:
            if self._by_digest or stamp != self._stamp:  # said once per broken version
                _log.error("tokens file %s cannot be read, so no token is accepted: %s",
                           self._path, error)
            self._by_digest = {}
        self._stamp = stamp

    def authenticate(self, token: str) -> Principal | None:
        return self.entry(token_digest(token))

    def entry(self, digest: str) -> Principal | None:
        """Who the live token with this digest acts as now (its entry in the file as it is
        now), or None for a digest that is revoked, not in the file, or when the file cannot
        be read. Reads the file again when it changed, as `authenticate` does."""
        self._refresh()
        return self._by_digest.get(digest.lower())

    def is_live(self, digest: str) -> bool:
        """Whether the token with this digest is still accepted (see `entry`)."""
        return self.entry(digest) is not None

    def roles_of(self, subject: str) -> frozenset[Role]:
        """The roles the tokens of `subject` carry (none for a subject the file does not know,
        such as a user who signs in another way)."""
        return frozenset(p.role for p in self.principals_of(subject))

    def principals_of(self, subject: str) -> tuple[Principal, ...]:
        """Who the live tokens of `subject` say they are (none for a subject the file does not
        know)."""
        self._refresh()
        return tuple(p for p in self._by_digest.values() if p.subject == subject)


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size, info.st_ino


def _entries(path: Path, document: dict[str, object]) -> dict[str, Principal]:
    entries: dict[str, Principal] = {}
    items = document.get("tokens", [])
    if not isinstance(items, list):
        raise ValueError(f"{path}: 'tokens' must be a list")
    for number, item in enumerate(items, start=1):
        digest = str(item.get("sha256", "")).lower()
        if len(digest) != 64:
            raise ValueError(f"{path}: token {number}: 'sha256' must be 64 hex characters")
        try:
            role = Role(item["role"])
        except (KeyError, ValueError):
            raise ValueError(
                f"{path}: token {number}: 'role' must be one of "
                + ", ".join(r.value for r in TOKEN_ROLES)
            ) from None
        name, profession, registration = (_optional_text(path, number, item, field)
                                           for field in _PERSON)
        employers = _employers(path, number, item)
        if item.get("revoked"):
            continue
        entries[digest] = Principal(
            subject=str(item.get("subject") or role.value), role=role, name=name,
            profession=profession, registration=registration, employers=employers)
    return entries


# The employers of local runs: the README's example case, the demo cohort and the benchmarks'
# synthetic employers.
DEV_EMPLOYERS = ("acme-trust", "demo-ffws", "bench-trust",
                 *(f"trust-{n}" for n in range(5)))


def issue_dev_tokens(tokens_file: Path, dev_tokens_file: Path,
                     employers: tuple[str, ...] = DEV_EMPLOYERS) -> dict[str, str]:
    """Create one token per role for local use: plain text for the developer (0600), digests
    for the server; each acts for `employers` (the admin token too, which sees no case all the
    same). Existing files are kept so that restarts keep the same tokens; their employers are
    brought up to `employers` (a tokens file written before tokens carried employers)."""
    if dev_tokens_file.exists() and tokens_file.exists():
        existing: dict[str, str] = json.loads(dev_tokens_file.read_text())
        _with_dev_employers(tokens_file, employers)
        return existing
    plain = {role.value: secrets.token_urlsafe(32) for role in TOKEN_ROLES}
    hashed = {
        "tokens": [
            {"sha256": token_digest(token), "role": role, "subject": DEV_SUBJECTS[role],
             "employers": list(employers), **DEV_PEOPLE.get(role, {})}
            for role, token in plain.items()
        ]
    }
    _write_private(dev_tokens_file, json.dumps(plain, indent=2) + "\n")
    write_tokens_file(tokens_file, hashed)
    return plain


def _with_dev_employers(tokens_file: Path, employers: tuple[str, ...]) -> None:
    document = json.loads(tokens_file.read_text())
    changed = False
    for item in document.get("tokens", []):
        if item.get("subject") in DEV_SUBJECTS.values() and not item.get("revoked"):
            merged = list(dict.fromkeys([*item.get("employers", []), *employers]))
            if merged != item.get("employers"):
                item["employers"] = merged
                changed = True
    if changed:
        write_tokens_file(tokens_file, document)


def write_tokens_file(path: Path, document: Mapping[str, object]) -> None:
    """Replace the tokens file at once (a reader sees the old file or the new, never half of
    one), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
