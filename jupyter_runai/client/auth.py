"""Credentials, and the token cache that turns them into one shared bearer token.

Three ways to authenticate, as Run:ai offers them: a service account / access key (client
credentials, refreshed automatically), a pre-issued bearer token, and the files the Run:ai CLI v2
writes on ``runai login``. None of them shows a secret in its repr.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RunaiConfigError

#: Refresh a token at most this long before its ``exp``...
REFRESH_MARGIN_S = 60.0
#: ...and, for a shorter-lived token, when this share of its lifetime is left.
REFRESH_MARGIN_SHARE = 0.1


def refresh_margin(lifetime_s: float) -> float:
    """How long before its expiry a token of this lifetime is replaced.

    A tenth of its lifetime, capped at 60 s: an hour's token is replaced a minute before it
    expires, a 3 s token 0.3 s before (a fixed 60 s would replace it before every call).
    """
    return min(REFRESH_MARGIN_S, REFRESH_MARGIN_SHARE * max(lifetime_s, 0.0))


@dataclass(frozen=True)
class ClientCredentials:
    """A Run:ai service account or access key: ``POST /api/v1/token`` with client_credentials."""

    client_id: str
    client_secret: str = field(repr=False)

    hint = "check RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET (or the client_id/client_secret settings)"

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret='***')"


@dataclass(frozen=True)
class BearerToken:
    """A token issued elsewhere; it cannot be refreshed, so it works until it expires."""

    token: str = field(repr=False)

    hint = "the bearer token was not accepted (expired?): set RUNAI_TOKEN to a fresh one"

    def __repr__(self) -> str:
        return "BearerToken('***')"


@dataclass(frozen=True)
class CliLogin:
    """The login of the Run:ai CLI v2 (``runai login``), read from its config folder.

    ``authentication.json`` holds ``accessToken``, a base64url-encoded JWT; ``config.json`` holds
    ``control_plane.url``. The files are read again whenever the token is refused, so a fresh
    ``runai login`` is picked up without restarting anything.
    """

    config_path: Path = field(
        default_factory=lambda: Path(
            os.environ.get("RUNAI_CLI_CONFIG_PATH", "~/.runai")
        ).expanduser()
    )

    hint = "the Run:ai CLI login has expired or was refused: run 'runai login' again"

    @property
    def exists(self) -> bool:
        return (self.config_path / "authentication.json").is_file()

    def token(self) -> str:
        path = self.config_path / "authentication.json"
        try:
            encoded = json.loads(path.read_text())["accessToken"]
        except (OSError, ValueError, KeyError, TypeError):
            raise RunaiConfigError(f"no Run:ai CLI login in {path}: run 'runai login'") from None
        try:
            decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        return decoded if decoded.count(".") == 2 else encoded

    def control_plane_url(self) -> str | None:
        try:
            config = json.loads((self.config_path / "config.json").read_text())
        except (OSError, ValueError):
            return None
        url = (config.get("control_plane") or {}).get("url") if isinstance(config, dict) else None
        return url if isinstance(url, str) and url else None


Credentials = ClientCredentials | BearerToken | CliLogin


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """``RUNAI_TOKEN``, else ``RUNAI_CLIENT_ID`` + ``RUNAI_CLIENT_SECRET``, else a CLI login."""
    env = os.environ if env is None else env
    if env.get("RUNAI_TOKEN"):
        return BearerToken(env["RUNAI_TOKEN"])
    client_id, secret = env.get("RUNAI_CLIENT_ID"), env.get("RUNAI_CLIENT_SECRET")
    if client_id and secret:
        return ClientCredentials(client_id, secret)
    if client_id or secret:
        missing = "RUNAI_CLIENT_SECRET" if client_id else "RUNAI_CLIENT_ID"
        raise RunaiConfigError(f"{missing} is not set (client credentials need both)")
    login = CliLogin()
    return login if login.exists else None


def _jwt_time(token: str, claim: str) -> float | None:
    """A time claim (epoch seconds) of a JWT, or None if it has none we can read."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    value = claims.get(claim) if isinstance(claims, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim (epoch seconds) of a JWT, or None if it has none we can read."""
    return _jwt_time(token, "exp")


def jwt_issued_at(token: str) -> float | None:
    """The ``iat`` claim (epoch seconds) of a JWT, or None if it has none we can read."""
    return _jwt_time(token, "iat")


class TokenCache:
    """One bearer token shared by every call; one refresh however many callers need it.

    ``issue`` obtains a fresh token and its expiry (epoch seconds or None). It runs under a lock,
    and callers that waited on the lock find the new token already cached.

    A token is reused until ``refresh_margin(lifetime)`` before its expiry: a tenth of its
    lifetime, at most 60 s. The lifetime is ``exp - iat`` when the JWT carries both (so clock
    skew does not matter), else the time from when we obtained it to its expiry.
    """

    def __init__(
        self,
        credentials: Credentials,
        issue: Callable[[ClientCredentials], Awaitable[tuple[str, float | None]]],
    ) -> None:
        self.credentials = credentials
        self._issue = issue
        self._token: str | None = None
        self._expires: float | None = None
        self._margin = REFRESH_MARGIN_S
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TokenCache({self.credentials!r})"

    @property
    def refreshable(self) -> bool:
        """Whether a refused token can be replaced by a new one."""
        return not isinstance(self.credentials, BearerToken)

    def _fresh(self) -> bool:
        if self._token is None:
            return False
        return self._expires is None or time.time() < self._expires - self._margin

    async def get(self) -> str:
        if self._fresh():
            return self._token  # type: ignore[return-value]
        async with self._lock:
            if not self._fresh():
                await self._refresh()
            return self._token  # type: ignore[return-value]

    async def _refresh(self) -> None:
        creds = self.credentials
        obtained = time.time()
        if isinstance(creds, ClientCredentials):
            token, expires = await self._issue(creds)
        elif isinstance(creds, BearerToken):
            token, expires = creds.token, None  # cannot be refreshed: let Run:ai judge it
        else:
            token = creds.token()
            expires = jwt_expiry(token)
        if expires is not None:
            issued = jwt_issued_at(token)
            start = issued if issued is not None and issued < expires else obtained
            self._margin = refresh_margin(expires - start)
        self._token, self._expires = token, expires

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after a 401, unless another caller has already replaced it."""
        if self._token == token:
            self._token = self._expires = None
