"""Who is signed in to the pages, and the checks every page request passes.

The session cookie holds a random id only (HttpOnly, SameSite=Strict, Secure over https); the
server keeps who it belongs to (`readside.web_sessions`). Every POST must come from rtw's own
pages (its Origin, or failing that its Referer, is rtw's), so another site cannot make a
signed-in browser act.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response

from api.dependencies import get_services
from domain.actors import Role
from infra.tokens import Principal, TokenRegistry
from readside.web_sessions import WebSession, close_session, open_session, touch_session

COOKIE = "rtw_session"
TOKEN_SIGN_IN = "token"  # noqa: S105 (a way of signing in, not a secret)
"""`signed_in_with` of a session started with an access token (the others: "oidc", "link")."""


class SignInNeeded(Exception):
    """No live session: the page sends the browser to sign in, then back."""


class PageRefused(Exception):
    """A page answer other than the page: shown as an NHS error page with its status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail



def principal_of(session: WebSession) -> Principal:
    person = session.person
    return Principal(subject=session.subject, role=Role(session.role),
                     name=_text(person.get("name")), profession=_text(person.get("profession")),
                     registration=_text(person.get("registration")),
                     employers=tuple(e for e in _list(person.get("employers"))
                                     if isinstance(e, str)))


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def session_principal(request: Request) -> Principal | None:
    """The signed-in person, or None; a live session's idle clock restarts. A session started
    with a token whose token is no longer live is deleted here, like an idle one, so the page
    sends the browser to sign in again."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    services = get_services(request)
    session = await touch_session(services.pool, session_id, now=services.now(),
                                  idle=timedelta(minutes=services.web.idle_minutes))
    if session is None:
        return None
    if session.signed_in_with == TOKEN_SIGN_IN:
        principal = _token_principal(services.tokens, session)
        if principal is None:
            await close_session(services.pool, session_id)
            return None
    else:
        principal = principal_of(session)
    request.state.principal = principal  # the access log names who called
    return principal


def _token_principal(tokens: TokenRegistry, session: WebSession) -> Principal | None:
    """Who a session started with a token acts as now: exactly who the token itself is now in
    the tokens file (its subject, role, name and employers as its entry says at this request),
    so a session never keeps acting for an employer the token no longer has. None once the
    token is revoked or gone from the file, or the file cannot be read, and for a token
    session that kept no digest (opened before sessions kept one): such a session ends."""
    if not session.token_digest:
        return None
    return tokens.entry(session.token_digest)


async def signed_in(request: Request) -> Principal:
    """A dependency for every page behind sign-in."""
    principal = await session_principal(request)
    if principal is None:
        raise SignInNeeded
    request.state.principal = principal  # for the access log (api.access_log)
    return principal


def page_roles(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """Admit only `roles` to a page; anyone else signed in sees a 403 page naming them."""
    allowed = ", ".join(role.value for role in roles)

    async def dependency(request: Request) -> Principal:
        principal = await signed_in(request)
        if principal.role not in roles:
            raise PageRefused(403, "You cannot see this page",
                              f"This page is for: {allowed}. You are signed in as "
                              f"{principal.role.value}.")
        return principal

    return dependency


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request) -> None:
    """Refuse a POST whose Origin (or Referer) is not rtw's own address."""
    own = {_origin(str(request.base_url))}
    public = get_services(request).web.public_url
    if public:
        own.add(_origin(public))
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null" or _origin(claimed) not in own:
        raise PageRefused(403, "This form did not come from this service",
                          "The form was sent from another site or without its origin, so "
                          "nothing was changed. Open the page again and send it from there.")


async def start_session(request: Request, response: Response, session: WebSession) -> None:
    services = get_services(request)
    session_id = await open_session(services.pool, session, now=services.now())
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path="/",
                        secure=_secure(request))


async def end_session(request: Request, response: Response) -> None:
    session_id = request.cookies.get(COOKIE)
    if session_id and len(session_id) <= 100:
        await close_session(get_services(request).pool, session_id)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))


def _secure(request: Request) -> bool:
    public = get_services(request).web.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def local_path(target: str | None, default: str) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
