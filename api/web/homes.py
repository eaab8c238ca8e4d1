"""Where each role lands after signing in, and the pages its header links to. Pages add their
entry here: one table, so the header and the sign-in redirect never disagree."""

from __future__ import annotations

from domain.actors import Role
from infra.tokens import Principal

# (path, link text) per role; the first is the role's home.
PAGES: dict[Role, list[tuple[str, str]]] = {
    Role.OH: [("/worklist", "Worklist")],
    Role.MANAGER: [("/worklist", "My team")],
    Role.HR: [("/worklist", "Cases")],
    Role.AUDITOR: [("/audit", "Audit"), ("/worklist", "Cases")],
    Role.ADMIN: [("/docs", "API")],  # an operator: no case, so no case page
    Role.EMPLOYEE: [("/my-case", "My case"), ("/refer", "Refer yourself")],
    Role.CLINICAL_AUDITOR: [("/audit", "Audit")],
}


def home_of(principal: Principal) -> str:
    return PAGES.get(principal.role, [("/worklist", "")])[0][0]


def links_for(principal: Principal) -> list[dict[str, str]]:
    return [{"href": path, "text": text} for path, text in PAGES.get(principal.role, [])]
