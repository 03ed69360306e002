"""The server extension's handlers: the API of ``routes.py`` under ``{base_url}runai/api/``,
behind Jupyter's own authentication and authorization, plus this server's kernels' token.

In hub mode the same routes are forwarded to the hub's jupyter-runai service (``forward.py``).
"""

from __future__ import annotations

import getpass
import os
import secrets
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .access import Access
from .routes import SPELLED_OTHERWISE, NotFoundRoute, build

PREFIX = "/runai/api/"  # ExtensionApp puts the server's base_url in front


class ServerHandler(ExtensionHandlerMixin, APIHandler):
    """Jupyter's authentication for the API, and the Access of a server's own user."""

    @property
    def _track_activity(self) -> bool:  # type: ignore[override]
        """Views read with GET (the event stream too); only actions count as activity, so an
        idle server can still be culled with a panel open."""
        return self.request.method != "GET"

    async def prepare(self) -> None:  # type: ignore[override]
        """Accept this server's kernels by their token (``Authorization: token <it>``), for this
        API only. A header token cannot be forged cross-site, so no XSRF check is needed, as
        for Jupyter's own token. Everything else goes through Jupyter's authentication."""
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        kernel_token = self.settings["runai_kernel_token"]
        if scheme.lower() == "token" and token and kernel_token.accepts(token.strip()):
            if not self.check_host():
                raise web.HTTPError(403)
            self.current_user = self._jupyter_current_user = kernel_user()
            return
        await super().prepare()

    @allow_unauthenticated  # a CORS preflight carries no credentials, as in Jupyter's own
    def options(self, *args: Any, **kwargs: Any) -> None:
        """CORS preflight as Jupyter answers it, but 204 with no body (Jupyter's is a 200 that
        says JSON and carries nothing)."""
        self.set_status(204)
        super().options(*args, **kwargs)

    @property
    def user_name(self) -> str:
        """Who acts, for status and the audit log. A request with the server's token has a new
        random user each time in Jupyter; it is the server's own user, and says so."""
        if getattr(self, "token_authenticated", False):
            return f"{server_user()} (token)"
        user = self.current_user
        return getattr(user, "username", None) or str(user)

    @property
    def access(self) -> Access:
        """The server's user owns it and everything its credentials see."""
        return Access.everything(self.user_name)


class KernelToken:
    """The token this server gives its kernels: accepted on ``runai/api`` only."""

    def __init__(self) -> None:
        self.value = secrets.token_urlsafe(32)

    def __repr__(self) -> str:
        return "KernelToken(...)"

    def accepts(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self.value.encode())


def server_user() -> str:
    """The server's own user: the hub user under JupyterHub, else the OS user."""
    try:
        return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        return "server"


def kernel_user() -> User:
    """Who a kernel's request acts for: the server's own user."""
    name = server_user()
    return User(username=name, name=name, display_name=f"{name} (kernel)")


def handlers(hub: bool = False) -> list[tuple[str, type[web.RequestHandler]]]:
    """Routes relative to the server's base_url: served here, or forwarded to the hub service."""
    if hub:
        from .forward import ForwardHandler

        routes: list[tuple[str, type[web.RequestHandler]]] = [
            (rf"{PREFIX}(?P<path>.*)", ForwardHandler)
        ]
    else:
        routes = build(PREFIX, ServerHandler)
    not_found = type("MisspelledHandler", (NotFoundRoute, ServerHandler), {})
    return [*routes, (SPELLED_OTHERWISE, not_found)]
