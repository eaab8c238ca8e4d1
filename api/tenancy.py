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
