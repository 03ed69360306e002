"""The hub service's handlers: the API of ``server/routes.py``, behind JupyterHub's
authentication (a user's or server's token, or the hub's OAuth cookie, with the scope
``access:services!service=<name>``), each caller scoped by ``policy.py``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated, UserNotAllowed
from tornado import web

from ..server.access import Access
from ..server.routes import build


class HubScopes:
    """``@authorized`` for the hub: JupyterHub already checked the caller's scopes (the
    service's access scope) when it identified them, so an identified caller is authorized."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return bool(user)


class HubHandler(HubOAuthenticated, web.RequestHandler):
    """Identifies the hub user and what they may do, before any route runs."""

    authorizer = HubScopes()
    _access: Access | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        model = await self.hub_auth.get_user(self, sync=False)
        if model:
            try:
                model = self.check_hub_user(model)
            except UserNotAllowed:
                raise web.HTTPError(
                    403,
                    f"{model.get('kind', 'user')} {model.get('name')} may not use this service: "
                    f"it needs the scope {', '.join(sorted(self.hub_scopes or ()))} (give it to "
                    "the 'user' and 'server' roles, c.JupyterHub.load_roles)",
                    reason="forbidden",
                ) from None
            if model.get("kind", "user") != "user":
                raise web.HTTPError(403, "only hub users have workspaces", reason="forbidden")
            try:
                groups, admin = await self.settings["runai_hub_users"].lookup(model["name"])
            except httpx.HTTPError as exc:
                raise web.HTTPError(
                    502, f"cannot ask JupyterHub who {model['name']} is: {exc}", reason="hub"
                ) from None
            self._access = self.settings["runai_policy"].access(model["name"], groups, admin)
        self.current_user = model

    def get_login_url(self) -> str:
        """API callers get a JSON 403, not a redirect to the hub's login page."""
        raise web.HTTPError(
            403,
            "not authenticated: send a JupyterHub token (Authorization: token ...) or log in "
            "to JupyterHub",
            reason="forbidden",
        )

    @property
    def user_name(self) -> str:
        user = self.current_user
        return user.get("name", "") if isinstance(user, dict) else ""

    @property
    def access(self) -> Access:
        if self._access is None:  # the route is @authenticated: never reached without a user
            raise web.HTTPError(403)
        return self._access


class LandingHandler(HubOAuthenticated, web.RequestHandler):
    """The service's own page (``/services/<name>/``): logs a browser in through the hub's
    OAuth, then says who it is and where the API is."""

    @web.authenticated
    def get(self) -> None:
        user = self.current_user or {}
        prefix = self.settings["runai_prefix"]
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {"service": "jupyter-runai", "user": user.get("name"), "api": f"{prefix}api/"}
            )
        )


def handlers(prefix: str) -> list[tuple[str, type[web.RequestHandler]]]:
    return [
        *build(f"{prefix}api/", HubHandler),
        (f"{prefix}oauth_callback", HubOAuthCallbackHandler),
        (prefix, LandingHandler),
    ]
