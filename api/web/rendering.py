"""Rendering a page: the NHS.UK frontend's Jinja macros, the deployment's branding, and the
headers every page carries (a per-response script nonce, no caching of health data)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    select_autoescape,
)

from api.web.config import WebConfig
from infra.tokens import Principal

TEMPLATES = Path(__file__).parent / "templates"
ASSET_PATH = "/static/nhsuk/assets"

ENVIRONMENT = Environment(
    loader=ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja")]),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=ChainableUndefined,  # the NHS.UK macros read optional parameters' members
)


def _content_security_policy(nonce: str) -> str:
    # Scripts only from rtw itself, plus the one inline line of the NHS.UK template (by nonce);
    # no frames, no form posts to anywhere else, nothing from a CDN.
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def navigation(principal: Principal | None) -> list[dict[str, str]]:
    """The header's links for the signed-in role (home first)."""
    if principal is None:
        return []
    from api.web.homes import links_for  # one table of pages per role

    return links_for(principal)


def render(request: Request, template: str, context: dict[str, Any], *,
           status_code: int = 200, principal: Principal | None = None) -> HTMLResponse:
    """A whole page; `principal` (the signed-in person) fills the header's account area."""
    config: WebConfig = request.app.state.services.web
    nonce = secrets.token_urlsafe(16)
    page = ENVIRONMENT.get_template(template).render(
        request=request, principal=principal, brand=config, assetPath=ASSET_PATH,
        cspNonce=nonce, navigation=navigation(principal), **context)
    response = HTMLResponse(page, status_code=status_code)
    response.headers["Content-Security-Policy"] = _content_security_policy(nonce)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
