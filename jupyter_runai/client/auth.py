"""Credentials, and the token cache that turns them into one shared bearer token.

Three ways to authenticate, as Run:ai offers them: a service account / access key (client
credentials, refreshed automatically), a pre-issued bearer token, and the files the Run:ai CLI v2
writes on ``runai login``. A secret or token may also come from a file (``SecretFile``: Docker and
Kubernetes secrets, systemd credentials), read at start and again when Run:ai refuses it, so a
rotated secret needs no restart. None of them shows a secret in its repr.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import stat
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RunaiConfigError, RunaiUnauthorized

log = logging.getLogger("jupyter_runai.client")

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


class SecretFile:
    """A secret kept in a file, the Docker and Kubernetes convention (``RUNAI_CLIENT_SECRET_FILE``,
    ``RUNAI_TOKEN_FILE``): read now, and again by ``reload()`` when Run:ai refuses what it held,
    so a rotated secret is picked up without a restart. Surrounding whitespace (a final newline)
    is not part of it. Messages name the file and the setting, never the content."""

    def __init__(self, path: str | os.PathLike[str], setting: str) -> None:
        self.path = Path(path).expanduser()
        self.setting = setting
        self._value = self._read()

    def __repr__(self) -> str:
        return f"SecretFile({str(self.path)!r})"

    def _read(self) -> str:
        try:
            text = self.path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or type(exc).__name__
            raise RunaiConfigError(f"cannot read {self.setting} {self.path}: {why}") from None
        value = text.strip()
        if not value:
            raise RunaiConfigError(f"{self.setting} {self.path} is empty")
        return value

    @property
    def value(self) -> str:
        return self._value

    def reload(self) -> bool:
        """Read the file again; whether it now holds something else. An unreadable file keeps
        the value it had (the refusal that asked for this is the error to report)."""
        try:
            fresh = self._read()
        except RunaiConfigError as exc:
            log.warning("jupyter-runai: %s", exc.message)
            return False
        changed, self._value = fresh != self._value, fresh
        return changed

    def exposure(self) -> str | None:
        """Who besides this process's user (and root) can read the file, or None: said in a
        warning, with its mode."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return readers_besides_me(info)


def readers_besides_me(info: os.stat_result) -> str | None:
    """Which other users a file of this mode and ownership is readable by, in words, or None."""
    if os.name != "posix":
        return None  # no Unix modes to judge
    mode, me = stat.S_IMODE(info.st_mode), os.geteuid()
    others: list[str] = []
    if mode & stat.S_IROTH:
        others.append("every user")
    if mode & stat.S_IRGRP:
        members = _group_members(info.st_gid) - {_user_name(me), "root"}
        if members:
            others.append(f"group {_group_name(info.st_gid)} ({', '.join(sorted(members))})")
    if mode & stat.S_IRUSR and info.st_uid not in (me, 0):
        others.append(f"its owner {_user_name(info.st_uid)}")
    return f"mode {mode:04o}: readable by {' and '.join(others)}" if others else None


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _group_members(gid: int) -> set[str]:
    """Users in a group: its listed members and those whose primary group it is."""
    import grp
    import pwd

    try:
        members = set(grp.getgrgid(gid).gr_mem)
    except KeyError:
        members = set()
    return members | {user.pw_name for user in pwd.getpwall() if user.pw_gid == gid}


def _plain(secret: str | SecretFile) -> str:
    return secret.value if isinstance(secret, SecretFile) else secret


def _reload(secret: str | SecretFile) -> bool:
    """Read a secret file again after a refusal; whether the secret changed (a plain one
    cannot)."""
    return isinstance(secret, SecretFile) and secret.reload()


def _shown(secret: str | SecretFile) -> str:
    """A secret as a repr shows it: a file by its path, a value never."""
    return repr(secret) if isinstance(secret, SecretFile) else "'***'"


@dataclass(frozen=True)
class ClientCredentials:
    """A Run:ai service account or access key: ``POST /api/v1/token`` with client_credentials.
    ``client_secret`` may be a ``SecretFile``."""

    client_id: str
    client_secret: str | SecretFile = field(repr=False)

    @property
    def secret(self) -> str:
        return _plain(self.client_secret)

    @property
    def hint(self) -> str:
        if isinstance(self.client_secret, SecretFile):
            return (
                f"check RUNAI_CLIENT_ID and the secret in {self.client_secret.path} "
                f"({self.client_secret.setting})"
            )
        return (
            "check RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET (or the client_id/client_secret "
            "settings)"
        )

    def reload(self) -> bool:
        return _reload(self.client_secret)

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(client_id={self.client_id!r}, "
            f"client_secret={_shown(self.client_secret)})"
        )


@dataclass(frozen=True)
class BearerToken:
    """A token issued elsewhere. A plain one cannot be refreshed, so it works until it expires;
    one in a ``SecretFile`` is read again when Run:ai refuses it (whoever renews it writes the
    file)."""

    token: str | SecretFile = field(repr=False)

    @property
    def value(self) -> str:
        return _plain(self.token)

    @property
    def hint(self) -> str:
        if isinstance(self.token, SecretFile):
            return (
                f"the bearer token in {self.token.path} ({self.token.setting}) was not accepted "
                "(expired?): write a fresh one there"
            )
        return "the bearer token was not accepted (expired?): set RUNAI_TOKEN to a fresh one"

    def reload(self) -> bool:
        return _reload(self.token)

    def __repr__(self) -> str:
        return f"BearerToken({_shown(self.token)})"


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


def secret_setting(
    value: str,
    path: str,
    name: str,
    file_name: str,
    warn: Callable[..., None] = log.warning,
) -> str | SecretFile | None:
    """A secret given as a value or as a file (not both), warning when others can read the file."""
    if value and path:
        raise RunaiConfigError(f"{name} and {file_name} are both set: use one")
    if not path:
        return value or None
    secret = SecretFile(path, file_name)
    exposed = secret.exposure()
    if exposed:
        warn(
            "jupyter-runai: %s %s is readable by other users (%s): make it 0600, owned by the "
            "user this runs as",
            file_name,
            secret.path,
            exposed,
        )
    return secret


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """``RUNAI_TOKEN`` (or ``RUNAI_TOKEN_FILE``), else ``RUNAI_CLIENT_ID`` with
    ``RUNAI_CLIENT_SECRET`` (or ``RUNAI_CLIENT_SECRET_FILE``), else a CLI login."""
    env = os.environ if env is None else env
    token = secret_setting(
        env.get("RUNAI_TOKEN", ""),
        env.get("RUNAI_TOKEN_FILE", ""),
        "RUNAI_TOKEN",
        "RUNAI_TOKEN_FILE",
    )
    if token:
        return BearerToken(token)
    client_id = env.get("RUNAI_CLIENT_ID")
    secret = secret_setting(
        env.get("RUNAI_CLIENT_SECRET", ""),
        env.get("RUNAI_CLIENT_SECRET_FILE", ""),
        "RUNAI_CLIENT_SECRET",
        "RUNAI_CLIENT_SECRET_FILE",
    )
    if client_id and secret:
        return ClientCredentials(client_id, secret)
    if client_id or secret:
        missing = (
            "RUNAI_CLIENT_SECRET (or RUNAI_CLIENT_SECRET_FILE)" if client_id else "RUNAI_CLIENT_ID"
        )
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
        """Whether a refused token can be replaced by a new one (a plain bearer token cannot;
        one from a file may have been renewed there)."""
        creds = self.credentials
        return not isinstance(creds, BearerToken) or isinstance(creds.token, SecretFile)

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
            try:
                token, expires = await self._issue(creds)
            except RunaiUnauthorized:
                if not creds.reload():  # a secret file rotated since it was read: try the new one
                    raise
                token, expires = await self._issue(creds)
        elif isinstance(creds, BearerToken):
            token, expires = creds.value, None  # cannot be refreshed here: let Run:ai judge it
        else:
            token = creds.token()
            expires = jwt_expiry(token)
        if expires is not None:
            issued = jwt_issued_at(token)
            start = issued if issued is not None and issued < expires else obtained
            self._margin = refresh_margin(expires - start)
        self._token, self._expires = token, expires

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after a 401, unless another caller has already replaced it; a token
        from a file is read from it again."""
        if self._token == token:
            self._token = self._expires = None
            if isinstance(self.credentials, BearerToken):
                self.credentials.reload()
