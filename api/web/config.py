"""What a deployment says about its pages: branding, session length, where people reach it, and
the OpenID Connect provider its staff sign in with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.settings import Settings


@dataclass(frozen=True)
class OidcConfig:
    """The provider staff sign in with; roles and employers come from the named claims."""

    issuer: str
    client_id: str
    client_secret: str
    role_claim: str = "rtw_role"
    employers_claim: str = "rtw_employers"


@dataclass(frozen=True)
class WebConfig:
    """Defaults suit the local stack; `from_settings` reads a deployment's RTW_* settings."""

    service_name: str = "Return to work"
    organisation: str | None = None
    logo: str = "nhs"  # 'nhs', 'none' or an image file's path
    footer: str = "Occupational health"
    idle_minutes: int = 30
    public_url: str | None = None
    oidc: OidcConfig | None = None

    @property
    def logo_file(self) -> Path | None:
        """The deployment's own logo image, when it names one."""
        return None if self.logo in ("nhs", "none") else Path(self.logo)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        oidc = None
        if settings.oidc_issuer:
            if not (settings.oidc_client_id and settings.oidc_client_secret):
                raise SystemExit("RTW_OIDC_ISSUER is set, so RTW_OIDC_CLIENT_ID and "
                                 "RTW_OIDC_CLIENT_SECRET are needed too")
            oidc = OidcConfig(issuer=settings.oidc_issuer, client_id=settings.oidc_client_id,
                              client_secret=settings.oidc_client_secret,
                              role_claim=settings.oidc_role_claim,
                              employers_claim=settings.oidc_employers_claim)
        logo = settings.web_logo
        if logo not in ("nhs", "none") and not Path(logo).is_file():
            raise SystemExit(f"RTW_WEB_LOGO: {logo} is not a file ('nhs', 'none' or an image "
                             "file's path)")
        return cls(service_name=settings.web_service_name,
                   organisation=settings.web_organisation, logo=logo,
                   footer=settings.web_footer, idle_minutes=settings.web_idle_minutes,
                   public_url=settings.public_url or
                   f"http://{settings.api_host}:{settings.api_port}",
                   oidc=oidc)
