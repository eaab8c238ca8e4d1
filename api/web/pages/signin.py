"""Signing in and out: `/` is the sign-in page. Staff sign in with the organisation's OpenID
Connect provider when one is configured; the local stack and machine clients use an access
token rtw issued. Either way the browser gets a session cookie, never the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.web.guard import (
    TOKEN_SIGN_IN,
    check_same_origin,
    end_session,
    local_path,
    session_principal,
    start_session,
)
from api.web.homes import home_of
from api.web.rendering import render
from api.web.route import PageRoute
from infra.tokens import Principal, token_digest
from readside.web_sessions import WebSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_TOKEN = 200


def session_for(principal: Principal, signed_in_with: str,
                employers: list[str] | None = None, *,
                token_digest: str | None = None) -> WebSession:
    """What a session keeps of the person who signed in (no token, no case data); a session
    started with a token keeps the token's digest, which the pages check at every request
    (see `api.web.guard.session_principal`)."""
    person: dict[str, object] = {key: value for key, value in (
        ("name", principal.name), ("profession", principal.profession),
        ("registration", principal.registration)) if value}
    acting_for = list(principal.employers) if employers is None else employers
    if acting_for:
        person["employers"] = acting_for
    return WebSession(subject=principal.subject, role=principal.role.value, person=person,
                      signed_in_with=signed_in_with, token_digest=token_digest)


@router.get("/")
async def sign_in_page(request: Request, next: str | None = None,
                       signed_out: bool = False) -> Response:
    principal = await session_principal(request)
    if principal is not None:
        return RedirectResponse(local_path(next, home_of(principal)), status_code=303)
    return render(request, "signin.jinja", {
        "title": "Sign in", "next": local_path(next, ""), "signed_out": signed_out,
        "oidc": request.app.state.services.web.oidc is not None})


@router.post("/sign-in")
async def sign_in(
    request: Request,
    access_token: Annotated[str, Form(max_length=MAX_TOKEN)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_same_origin(request)
    token = access_token.strip()
    principal = request.app.state.services.tokens.authenticate(token) if token else None
    if principal is None:
        message = ("Enter your access token" if not token
                   else "The access token is not valid: check it was copied whole")
        return render(request, "signin.jinja", {
            "title": "Sign in", "next": local_path(next, ""), "error": message,
            "oidc": request.app.state.services.web.oidc is not None}, status_code=401)
    response = RedirectResponse(local_path(next, home_of(principal)), status_code=303)
    await start_session(request, response, session_for(
        principal, TOKEN_SIGN_IN, list(principal.employers), token_digest=token_digest(token)))
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    check_same_origin(request)
    response = RedirectResponse("/?signed_out=true", status_code=303)
    await end_session(request, response)
    return response
