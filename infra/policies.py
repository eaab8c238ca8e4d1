"""Per-employer policies from files: `$RTW_POLICY_DIR/<employer_id>.json`, a list of versions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from domain.policy import DEFAULT_POLICY, Policy, policy_in_force
from infra.employers import EmployerDirectory

_VERSIONS = TypeAdapter(list[Policy])


class PolicyBook:
    """Finds the policy version in force for an employer on a day; read once per process."""

    def __init__(self, by_employer: dict[str, list[Policy]]) -> None:
        self._by_employer = by_employer

    @classmethod
    def load(cls, directory: Path | None,
             employers: EmployerDirectory | None = None) -> PolicyBook:
        """Policies from RTW_POLICY_DIR and from the employer files; an employer's versions
        come from one place or the other, never both."""
        book = cls._from_directory(directory)
        for employer_id, versions in (employers.policies() if employers else {}).items():
            if employer_id in book._by_employer:
                raise ValueError(f"{employer_id}: policies in both RTW_POLICY_DIR and its "
                                 "employer file; keep them in one")
            book._by_employer[employer_id] = versions
        return book

    @classmethod
    def _from_directory(cls, directory: Path | None) -> PolicyBook:
        if directory is None or not directory.is_dir():
            return cls({})
        by_employer: dict[str, list[Policy]] = {}
        for path in sorted(directory.glob("*.json")):
            try:
                by_employer[path.stem] = _VERSIONS.validate_python(json.loads(path.read_text()))
            except ValidationError as invalid:
                first = invalid.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise ValueError(f"{path}: version {where}: {first['msg']}") from None
            except ValueError as error:
                raise ValueError(f"{path}: not JSON: {error}") from None
        return cls(by_employer)

    def in_force(self, employer_id: str, on: date) -> Policy:
        return policy_in_force(self._by_employer.get(employer_id, []), on)

    def versions(self, employer_id: str) -> list[Policy]:
        """The employer's configured versions, oldest first (none: the default applies)."""
        return sorted(self._by_employer.get(employer_id, []), key=lambda p: p.effective_from)

    def version(self, employer_id: str, name: str) -> Policy:
        """One of the employer's versions by its name (for an employer with none, the
        built-in default); a `LookupError` naming the versions there are otherwise."""
        versions = self.versions(employer_id) or [DEFAULT_POLICY]
        for policy in versions:
            if policy.version == name:
                return policy
        raise LookupError(f"{employer_id} has no policy version {name!r} (its versions: "
                       f"{', '.join(p.version for p in versions)})")
