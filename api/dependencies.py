"""FastAPI dependencies: the services and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import Problem
from api.services import Services
from domain.actors import Role
from infra.tokens import Principal


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# Declared so the OpenAPI document names the scheme; refusals stay our own 401 problems.
BEARER = HTTPBearer(auto_error=False, description="A token issued for one role.")


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise Problem(401, "Unauthorized", "send 'Authorization: Bearer <token>'")
    principal = get_services(request).tokens.authenticate(credentials.credentials.strip())
    if principal is None:
        raise Problem(401, "Unauthorized", "the bearer token is not valid")
    request.state.principal = principal  # the access log names who called
    return principal


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles, with a 403 naming them otherwise."""
    allowed = ", ".join(role.value for role in roles)

    async def dependency(
        principal: Annotated[Principal, Depends(get_principal)],
    ) -> Principal:
        if principal.role not in roles:
            raise Problem(
                403,
                "Forbidden",
                f"role '{principal.role.value}' may not do this; allowed roles: {allowed}",
            )
        return principal

    return dependency


ServicesDep = Annotated[Services, Depends(get_services)]
