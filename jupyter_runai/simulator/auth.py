"""Bearer tokens for the simulator: real HS256 JWTs, as the Run:ai token endpoint issues JWTs.

The payload is padded so that its base64url text has no ``-`` or ``_``: runapy decodes it with the
standard alphabet, and a simulator that breaks real clients would be no simulator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    """The token is missing, malformed, badly signed or expired; the message says which."""


@dataclass
class TokenIssuer:
    """Signs and checks tokens with a key that lives as long as the simulator."""

    issuer: str
    key: bytes = b""
    #: Seconds since the epoch: the simulator's clock, so a test that moves it expires tokens.
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.key = self.key or secrets.token_bytes(32)

    def issue(self, subject: str, lifetime_s: float) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        now = int(self.clock())
        claims = {"iss": self.issuer, "sub": subject, "iat": now, "exp": now + int(lifetime_s)}
        while True:
            claims["jti"] = secrets.token_hex(8)
            payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
            if "-" not in payload and "_" not in payload:
                break
        signing_input = f"{header}.{payload}"
        signature = hmac.new(self.key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"

    def verify(self, token: str) -> dict:
        """The token's claims; raises TokenError if it is not one of ours or has expired."""
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("Malformed token.")
        signing_input = f"{parts[0]}.{parts[1]}"
        expected = hmac.new(self.key, signing_input.encode(), hashlib.sha256).digest()
        try:
            signature = _unb64(parts[2])
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            raise TokenError("Malformed token.") from None
        if not hmac.compare_digest(signature, expected) or claims.get("iss") != self.issuer:
            raise TokenError("Issuer is not familiar.")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self.clock():
            raise TokenError("Token is expired.")
        return claims
