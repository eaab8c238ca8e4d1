"""Tenancy: a principal sees and acts on the cases of its own employers only.

A case of another employer is answered exactly as a case that does not exist (404, the same
body), so that a caller learns nothing of other employers' cases, not even that they exist.
"""

from __future__ import annotations

import uuid

from api.problems import Problem
from infra.tokens import Principal


def no_such_case(case_id: uuid.UUID | str) -> Problem:
    """The one answer for a missing case and for another employer's case."""
    return Problem(404, "Not Found", f"no case {case_id}")


def check_employer(principal: Principal, employer_id: str, case_id: uuid.UUID | str) -> None:
    """Refuse, as if the case did not exist, a case whose employer the principal does not act
    for."""
    if not principal.acts_for(employer_id):
        raise no_such_case(case_id)


def not_your_employer(field: str, employer_id: str) -> Problem:
    """The 403 for a request that names, in `field`, an employer the caller does not act for
    (opening a case, a report, a filter). It says nothing of that employer's cases: the same
    answer whether or not the employer exists or has any."""
    return Problem(403, "Forbidden",
                   f"{field}: you do not act for employer {employer_id!r}; use one of the "
                   "employers your token or account names",
                   errors=[{"field": field, "message": "an employer you act for"}])


def check_acts_for(principal: Principal, field: str, employer_id: str) -> None:
    """Refuse (403 naming `field`) a request for an employer the caller does not act for."""
    if not principal.acts_for(employer_id):
        raise not_your_employer(field, employer_id)
