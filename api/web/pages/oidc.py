"""Staff sign in with their organisation's OpenID Connect provider (when one is configured).

`/sign-in/oidc` sends the browser to the provider; the provider sends it back to
`/sign-in/oidc/callback`, which proves the answer (see `api.web.oidc`), opens a session and
moves on to the page asked for. Both steps answer with a short page that moves on at once, not a
redirect, on purpose:
- the sign-in page's form may only send to rtw (`form-action 'self'`), and browsers apply that
  to a redirect after the form too, so a redirect to the provider would be blocked;
- on the way back the browser arrived from the provider's site, and treats a redirect chain
  begun on another site as cross-site, so it would leave out the SameSite=Strict session cookie
  just set. A navigation started by rtw's own page carries it.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.services import Services
from api.web.guard import PageRefused, local_path, session_principal, start_session
from api.web.homes import home_of
from api.web.oidc import (
    NotStaff,
    OidcClient,
    SignInFailed,
    same_state,
    staff_from_claims,
)
from api.web.pages.signin import session_for
from api.web.rendering import render
from api.web.route import PageRoute, error_page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
log = logging.getLogger(__name__)

PENDING_COOKIE = "rtw_oidc"
CALLBACK = "/sign-in/oidc/callback"
MAX_PARAMETER = 2000


def _client(request: Request) -> OidcClient:
    services: Services = request.app.state.services
    config = services.web.oidc
    if config is None:
        raise PageRefused(404, "Page not found",
                          "Signing in with an organisation account is not set up here.")
    client: OidcClient | None = getattr(request.app.state, "oidc_client", None)
    if client is None or client.config != config:
        client = OidcClient(config)  # kept: the provider's discovery document and keys
        request.app.state.oidc_client = client
    return client


def _callback_url(request: Request) -> str:
    public = request.app.state.services.web.public_url
    base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
    return base + CALLBACK


def _secure(request: Request) -> bool:
    public = request.app.state.services.web.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


@router.get("/sign-in/oidc")
async def begin_sign_in(request: Request, next: str | None = None) -> Response:
    client = _client(request)
    services: Services = request.app.state.services
    principal = await session_principal(request)
    if principal is not None:
        return RedirectResponse(local_path(next, home_of(principal)), status_code=303)
    try:
        url, pending = await client.begin(_callback_url(request), local_path(next, ""),
                                          now=services.now())
    except SignInFailed as failed:
        raise PageRefused(failed.status, failed.title, failed.detail) from failed
    response = render(request, "oidc_onward.jinja", {
        "title": "Continue to your organisation's sign-in", "target": url,
        "link": "Continue to your organisation's sign-in"})
    # Lax, not Strict: it must come back with the browser from the provider's site.
    response.set_cookie(PENDING_COOKIE, client.seal(pending), max_age=600, httponly=True,
                        samesite="lax", path=CALLBACK, secure=_secure(request))
    return response


@router.get(CALLBACK)
async def finish_sign_in(request: Request, code: str | None = None,
                         state: str | None = None, error: str | None = None) -> Response:
    client = _client(request)
    services: Services = request.app.state.services
    pending = client.unseal(request.cookies.get(PENDING_COOKIE), now=services.now())
    try:
        if error is not None:
            log.info("organisation sign-in not completed: %r", error[:100])
            if error == "access_denied":
                raise SignInFailed(401, "You did not sign in",
                                   "Signing in with your organisation account was cancelled, "
                                   "so you are not signed in. You can start again.")
            raise SignInFailed(401, "Your organisation did not sign you in",
                               "Its sign-in service ended the sign-in without confirming who "
                               "you are. You can start again.")
        if pending is None or not same_state(pending, state):
            log.warning("organisation sign-in refused: unknown, expired or forged state")
            raise SignInFailed(400, "This sign-in was not started here or has expired",
                               "Nothing was signed in. Go back to the sign-in page and "
                               "choose to sign in with your organisation again.")
        if not code or len(code) > MAX_PARAMETER:
            raise SignInFailed(400, "Your organisation did not sign you in",
                               "Its answer had no authorisation code. You can start again.")
        claims = await client.finish(pending, code, _callback_url(request))
        staff = staff_from_claims(claims, client.config)
        target = local_path(pending.next, home_of(staff.principal))
    except SignInFailed as failed:
        return _without_pending(request, await error_page(request, failed.status,
                                                          failed.title, failed.detail))
    except NotStaff as refused:
        log.warning("organisation sign-in refused: %s", refused)
        return _without_pending(request, await error_page(
            request, 403, "You cannot use this service with this account", str(refused)
            + " Ask your administrator to give your account a role in this service."))
    response = render(request, "oidc_onward.jinja",
                      {"title": "You are signed in", "target": target, "link": "Continue"},
                      principal=staff.principal)
    await start_session(request, response,
                        session_for(staff.principal, "oidc", employers=staff.employers))
    log.info("signed in with the organisation's provider: %r (%s)",
             staff.principal.subject, staff.principal.role.value)
    return _without_pending(request, response)


def _without_pending(request: Request, response: Response) -> Response:
    """A pending sign-in is used once, whatever its outcome."""
    response.delete_cookie(PENDING_COOKIE, path=CALLBACK, httponly=True, samesite="lax",
                           secure=_secure(request))
    return response
