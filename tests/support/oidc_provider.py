"""A real OpenID Connect provider for the tests: `oidc-provider-mock` as its own process.

It serves discovery, an authorization page, a token endpoint and its signing keys (JWKS) over
HTTP, signs ID tokens with its own RSA key and refuses authorization requests without a nonce.
A test names the user's claims through the provider's users API before signing in; on the
authorization page the user types their subject (`sub`) and presses "Authorize" (or "Deny").

The provider is reached as `localhost` while rtw is served at `127.0.0.1`: two different sites
to a browser, as an organisation's provider and rtw are, so SameSite cookies behave as they do
in real use.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from localstack.temporal import free_port

CLIENT_ID = "rtw-test-client"
CLIENT_SECRET = "rtw-test-client-secret-0123456789abcdef"


@dataclass(frozen=True)
class Provider:
    issuer: str

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """The claims the provider will put in `sub`'s ID token."""
        answer = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        answer.raise_for_status()

    async def authorize(self, http: httpx.AsyncClient, authorization_url: str,
                        sub: str) -> str:
        """What the authorization page does when `sub` presses "Authorize": the address the
        provider sends the browser back to (rtw's callback, with the code and state)."""
        answer = await http.post(authorization_url, data={"sub": sub})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


@contextmanager
def running_provider(*, token_max_age: int | None = None) -> Iterator[Provider]:
    """The provider on a free port until the block ends; `token_max_age` (seconds, may be
    negative) sets how long its tokens live."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
         "--port", str(port), "--require-nonce",
         *([f"--token-max-age={token_max_age}"] if token_max_age is not None else [])],
        stdout=subprocess.DEVNULL, stderr=log)
    issuer = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration",
                             timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                errors = log.read().decode(errors="replace")
                raise RuntimeError(f"the OIDC provider did not start: {errors[-2000:]}")
            time.sleep(0.1)
        yield Provider(issuer=issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
