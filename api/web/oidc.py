"""Signing staff in with the organisation's OpenID Connect provider, through Authlib's client.

The flow is the authorization code flow with PKCE (S256), a `state` and a `nonce`. Until the
provider sends the browser back, what the callback needs (state, nonce, code verifier, the page
to return to) travels in a short-lived cookie sealed with authenticated encryption under a key
derived from the client secret, so any rtw process of the deployment can finish a sign-in that
another began, and nothing is kept on the server for a sign-in that is never finished.

The ID token is checked by Authlib against the provider's keys (its JWKS), and for its issuer,
audience, expiry and nonce; only then are its claims mapped to a person of a staff role.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from api.web.config import OidcConfig
from domain.actors import Role
from infra.tokens import Principal

STAFF_ROLES = (Role.OH, Role.MANAGER, Role.HR, Role.AUDITOR, Role.CLINICAL_AUDITOR, Role.ADMIN)
PROFESSION_CLAIM = "rtw_profession"
REGISTRATION_CLAIM = "rtw_registration"
SCOPE = "openid profile"
PENDING_FOR = timedelta(minutes=10)
DISCOVERY_KEPT_SECONDS = 3600.0
HTTP_TIMEOUT_SECONDS = 10.0


class SignInFailed(Exception):
    """The provider could not be reached, refused, or answered with something unproven."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


@dataclass(frozen=True)
class Pending:
    """A sign-in sent to the provider and not yet back."""

    state: str
    nonce: str
    code_verifier: str
    next: str
    started_at: datetime


@dataclass(frozen=True)
class Staff:
    """Who the provider says signed in, as rtw names them."""

    principal: Principal
    employers: list[str]


class OidcClient:
    """One provider's client: its discovery document and keys are fetched once and kept."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        registry = OAuth()
        app = registry.register(
            "rtw", client_id=config.client_id, client_secret=config.client_secret,
            server_metadata_url=discovery_url(config.issuer),
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "timeout": HTTP_TIMEOUT_SECONDS})
        if not isinstance(app, StarletteOAuth2App):
            raise TypeError("Authlib gave no OAuth 2 client")
        self._app = app
        self._key = OctKey.import_key(hmac.new(config.client_secret.encode(),
                                               b"rtw sign-in in progress",
                                               hashlib.sha256).digest())

    async def _metadata(self) -> dict[str, Any]:
        metadata = self._app.server_metadata
        if time.time() - float(metadata.get("_loaded_at", 0.0)) > DISCOVERY_KEPT_SECONDS:
            metadata.clear()  # fetched again below: a provider's endpoints and keys change
        try:
            loaded: dict[str, Any] = await self._app.load_server_metadata()
        except (httpx.HTTPError, ValueError) as failure:
            metadata.clear()
            raise unreachable() from failure
        if loaded.get("issuer") != self.config.issuer:
            # The discovery document must name the very issuer configured (OIDC Discovery 4.3).
            metadata.clear()
            named = str(loaded.get("issuer"))[:200]
            raise SignInFailed(502, "Your organisation's sign-in service is misconfigured",
                               f"It names itself {named}, but this service is set up for "
                               f"{self.config.issuer}, so it was not trusted. Tell your "
                               "administrator (RTW_OIDC_ISSUER must be exactly the issuer).")
        return loaded

    async def begin(self, redirect_uri: str, next_page: str, *,
                    now: datetime) -> tuple[str, Pending]:
        """The provider's authorization address to send the browser to, and what to keep."""
        await self._metadata()
        try:
            created = await self._app.create_authorization_url(redirect_uri)
        except AuthlibBaseError as refused:  # e.g. an http:// provider that is not loopback
            raise SignInFailed(502, "Your organisation's sign-in service is misconfigured",
                               f"It cannot be used safely ({refused.error}). Tell your "
                               "administrator.") from refused
        pending = Pending(state=created["state"], nonce=created["nonce"],
                          code_verifier=created["code_verifier"], next=next_page,
                          started_at=now)
        return str(created["url"]), pending

    async def finish(self, pending: Pending, code: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the ID token's proven claims."""
        await self._metadata()
        try:
            token = await self._app.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=pending.code_verifier)
        except (httpx.HTTPError, ValueError) as failure:
            raise unreachable() from failure
        except AuthlibBaseError as refused:
            raise SignInFailed(401, "Your organisation did not confirm the sign-in",
                               "Its sign-in service refused to complete it "
                               f"({refused.error}). Try signing in again.") from refused
        if "id_token" not in token:
            raise unproven("no ID token came back")
        try:
            claims = await self._app.parse_id_token(
                token, nonce=pending.nonce, claims_options={
                    "iss": {"essential": True, "value": self.config.issuer},
                    "aud": {"essential": True, "values": [self.config.client_id]},
                    "exp": {"essential": True}})
        except httpx.HTTPError as failure:
            raise unreachable() from failure
        except JoseError as invalid:
            raise unproven(invalid.description or invalid.error) from invalid
        except ValueError as invalid:
            raise unproven("the ID token is malformed") from invalid
        return dict(claims)

    def seal(self, pending: Pending) -> str:
        """The pending sign-in as a cookie value only this deployment can read or make."""
        body = {"state": pending.state, "nonce": pending.nonce, "cv": pending.code_verifier,
                "next": pending.next, "at": pending.started_at.isoformat()}
        return jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"},
                                   json.dumps(body).encode(), self._key)

    def unseal(self, value: str | None, *, now: datetime) -> Pending | None:
        """The pending sign-in in a cookie, unless missing, altered or older than allowed."""
        if not value or len(value) > 4000:
            return None
        try:
            plaintext = jwe.decrypt_compact(value, self._key).plaintext
            body = json.loads(plaintext or b"")
            pending = Pending(state=str(body["state"]), nonce=str(body["nonce"]),
                              code_verifier=str(body["cv"]), next=str(body["next"]),
                              started_at=datetime.fromisoformat(body["at"]))
        except (JoseError, ValueError, KeyError, TypeError):
            return None
        if not now - PENDING_FOR <= pending.started_at <= now + timedelta(minutes=1):
            return None
        return pending


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def same_state(pending: Pending, returned: str | None) -> bool:
    return bool(returned) and hmac.compare_digest(pending.state.encode(),
                                                  (returned or "").encode())


def unreachable() -> SignInFailed:
    return SignInFailed(502, "Your organisation's sign-in service is not answering",
                        "You have not been signed in. Try again in a few minutes; if it "
                        "keeps happening, tell your administrator.")


def unproven(why: str) -> SignInFailed:
    return SignInFailed(401, "Your sign-in could not be verified",
                        "The answer from your organisation's sign-in service did not prove "
                        f"who you are ({why}), so you have not been signed in. Try again.")


class NotStaff(Exception):
    """Signed in at the provider, but the claims give no staff role here (or malformed ones)."""


def staff_from_claims(claims: dict[str, Any], config: OidcConfig) -> Staff:
    """Map the ID token's claims: `sub`, `name`, the role and employers claims, and, for OH
    professionals, their profession and registration. Anything unexpected refuses."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 200:
        raise NotStaff("The account has no usable subject identifier.")
    value = claims.get(config.role_claim)
    roles = {role.value: role for role in STAFF_ROLES}
    if not isinstance(value, str) or value not in roles:
        raise NotStaff(f"Your organisation's account does not give you a role in this service "
                       f"(the '{config.role_claim}' claim must be one of: "
                       f"{', '.join(roles)}).")
    role = roles[value]
    employers = claims.get(config.employers_claim, [])
    if not isinstance(employers, list) or not all(
            isinstance(e, str) and e and len(e) <= 200 for e in employers):
        raise NotStaff(f"The '{config.employers_claim}' claim of your account is not a list "
                       "of employer identifiers.")
    oh = role is Role.OH
    principal = Principal(
        subject=subject, role=role, name=_text(claims.get("name")),
        profession=_text(claims.get(PROFESSION_CLAIM)) if oh else None,
        registration=_text(claims.get(REGISTRATION_CLAIM)) if oh else None,
        employers=tuple(employers))
    return Staff(principal=principal, employers=list(employers))


def _text(value: object) -> str | None:
    return value[:200] if isinstance(value, str) and value.strip() else None
