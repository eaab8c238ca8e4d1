"""Bearer tokens mapped to roles. Only SHA-256 digests of tokens are ever configured."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from domain.actors import Role

TOKEN_ROLES = (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR, Role.ADMIN)


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
        """Whether this principal may see or act on the cases of `employer_id`."""
        return employer_id in self.employers


# The dev manager token acts as line manager M2002, the manager of the README's example case.
DEV_SUBJECTS = {"hr": "dev-hr", "manager": "M2002", "oh": "dev-oh", "auditor": "dev-auditor",
                "admin": "dev-admin"}


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
    """Looks a presented token up by its digest; tokens are random, so SHA-256 suffices."""

    def __init__(self, entries: dict[str, Principal]) -> None:
        self._by_digest = entries

    @classmethod
    def load(cls, path: Path) -> TokenRegistry:
        """Read `{"tokens": [{"sha256": ..., "role": ..., "subject": ..., "name": ...,
        "profession": ..., "registration": ...}, ...]}` (the last three optional)."""
        document = json.loads(path.read_text())
        entries: dict[str, Principal] = {}
        for number, item in enumerate(document.get("tokens", []), start=1):
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
            entries[digest] = Principal(
                subject=str(item.get("subject") or role.value), role=role, name=name,
                profession=profession, registration=registration,
                employers=_employers(path, number, item))
        return cls(entries)

    def authenticate(self, token: str) -> Principal | None:
        return self._by_digest.get(token_digest(token))

    def roles_of(self, subject: str) -> frozenset[Role]:
        """The roles the tokens of `subject` carry (none for a subject the file does not know,
        such as a user who signs in another way)."""
        return frozenset(p.role for p in self._by_digest.values() if p.subject == subject)


def issue_dev_tokens(tokens_file: Path, dev_tokens_file: Path) -> dict[str, str]:
    """Create one token per role for local use: plain text for the developer (0600), digests
    for the server. Existing files are kept so that restarts keep the same tokens."""
    if dev_tokens_file.exists() and tokens_file.exists():
        existing: dict[str, str] = json.loads(dev_tokens_file.read_text())
        return existing
    plain = {role.value: secrets.token_urlsafe(32) for role in TOKEN_ROLES}
    hashed = {
        "tokens": [
            {"sha256": token_digest(token), "role": role, "subject": DEV_SUBJECTS[role],
             **DEV_PEOPLE.get(role, {})}
            for role, token in plain.items()
        ]
    }
    _write_private(dev_tokens_file, json.dumps(plain, indent=2) + "\n")
    _write_private(tokens_file, json.dumps(hashed, indent=2) + "\n")
    return plain


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
