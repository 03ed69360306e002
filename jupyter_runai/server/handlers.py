"""The extension's REST API under ``{base_url}runai/api/`` (contract: ``openapi.yaml``).

Only these operations reach Run:ai: there is no generic pass-through. Every verb is
authenticated and authorized (resource ``runai``), ids are checked before any upstream call,
bodies are validated first, and every mutating action writes one audit line.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.iostream import StreamClosedError

from .. import __version__
from ..client import InvalidRequest, RunaiError, RunaiUnauthorized, RunaiUnavailable
from ..client.create_body import parse_create
from ..client.views import project_view, workspace_view
from .errors import reply_for
from .poller import CLOSE
from .upstream import Upstream

AUTH_RESOURCE = "runai"
KEEPALIVE_S = 15.0
ID = r"(?P<workload_id>[^/]+)"


class RunaiHandler(ExtensionHandlerMixin, APIHandler):
    """Base: JSON errors in one shape, the upstream, and the audit log."""

    auth_resource = AUTH_RESOURCE

    @property
    def _track_activity(self) -> bool:  # type: ignore[override]
        """Views poll with GET; only actions count as activity (so idle servers can be culled)."""
        return self.request.method != "GET"

    @property
    def upstream(self) -> Upstream:
        return self.settings["runai_upstream"]

    async def prepare(self) -> None:  # type: ignore[override]
        """Accept this server's kernels by their token (``Authorization: token <it>``), for this
        API only. A header token cannot be forged cross-site, so no XSRF check is needed, as
        for Jupyter's own token. Everything else goes through Jupyter's authentication."""
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token" and token and self.upstream.is_kernel_token(token.strip()):
            if not self.check_host():
                raise web.HTTPError(403)
            self.current_user = self._jupyter_current_user = kernel_user()
            return
        await super().prepare()

    @property
    def user_name(self) -> str:
        user = self.current_user
        return getattr(user, "username", None) or str(user)

    def reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error is ``{message, reason, upstream_status}``; never a traceback."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, RunaiError):
            reply = reply_for(exc)
            for name, value in reply.headers.items():
                self.set_header(name, value)
            self.set_status(reply.status)
            self.finish(json.dumps(reply.body))
            return
        reason = getattr(exc, "reason", None) or self._reason
        message = getattr(exc, "log_message", None) or self._reason
        if status_code >= 500 and not isinstance(exc, web.HTTPError):
            message, reason = "Internal error in jupyter-runai (see the server log).", "internal"
        self.finish(json.dumps({"message": message, "reason": reason, "upstream_status": None}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, RunaiError):  # an answer, not a bug: one line, no traceback
            self.log.warning(
                "jupyter-runai: %s %s: %s", self.request.method, self.request.path, value
            )
            return
        super().log_exception(typ, value, tb)

    def audit(self, action: str, workspace: str, result: str) -> None:
        self.log.info(
            "jupyter-runai audit: user=%s action=%s workspace=%s result=%s",
            self.user_name,
            action,
            workspace,
            result,
        )

    async def act(self, action: str, target: str, call: Any) -> Any:
        """Run a mutating call and audit it, whatever happens."""
        try:
            result = await call
        except RunaiError as exc:
            self.audit(action, target, f"error {reply_for(exc).status} {exc.message}")
            raise
        self.audit(action, target, "ok")
        return result


class StatusHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        up = self.upstream
        body: dict[str, Any] = {
            "version": __version__,
            "configured": up.configured,
            "simulated": up.simulated,
            "reachable": None,
            "credentials_accepted": None,
            "user": self.user_name,
            "default_project": up.default_project or None,
            "message": None,
        }
        try:
            clusters = await (await up.client()).list_clusters()
            body.update(reachable=True, credentials_accepted=True)
            # a simulator says so in its clusters' version ("2.24.0-sim")
            body["simulated"] = up.simulated or any(
                str(c.raw.get("version") or "").endswith("-sim") for c in clusters
            )
        except RunaiError as exc:
            reply = reply_for(exc)
            body["message"] = reply.body["message"]
            if isinstance(exc, RunaiUnauthorized):
                body.update(reachable=True, credentials_accepted=False)
            elif isinstance(exc, RunaiUnavailable) or reply.status in (502, 504):
                body["reachable"] = False
        self.reply(200, body)


class ProjectsHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        projects = await self.upstream.projects()
        self.reply(200, {"projects": [project_view(p) for p in projects]})


class ClustersHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        clusters = await (await self.upstream.client()).list_clusters()
        self.reply(
            200, {"clusters": [{"id": c.id, "name": c.name, "state": c.state} for c in clusters]}
        )


class WorkspacesHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        project = self.get_query_argument("project", None) or None
        poller = self.upstream.poller
        if poller.fresh:
            if project:
                self.upstream.check_project(project)
            views = [v for v in poller.snapshot.values() if not project or v["project"] == project]
        else:
            views = await self.upstream.workspace_views(project)
        self.reply(200, {"workspaces": views})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            raise InvalidRequest("body", "must be a JSON object") from None
        request = parse_create(body)
        self.upstream.check_project(request.project)
        client = await self.upstream.client()
        created = await self.act(
            "create",
            f"{request.project}/{request.name}",
            client.create_workspace(
                request.name, request.project, request.spec, name_prefix=request.name_prefix
            ),
        )
        view = await self.upstream.poller.refresh(created.id) or workspace_view(created)
        self.reply(202, view)


class WorkspaceHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def get(self, workload_id: str) -> None:
        ws = await self.upstream.workspace(workload_id)  # the client checks it is a UUID first
        self.reply(200, workspace_view(ws))

    @web.authenticated
    @authorized
    async def delete(self, workload_id: str) -> None:
        await perform(self, "delete", workload_id)


class WorkspaceActionHandler(RunaiHandler):
    @web.authenticated
    @authorized
    async def post(self, workload_id: str, action: str) -> None:
        await perform(self, action, workload_id)


async def perform(handler: RunaiHandler, action: str, raw_id: str) -> None:
    """Suspend, resume or delete: checked, audited, and shown to every view at once."""
    up = handler.upstream
    # a malformed id is a 400 from the client's check; one not offered here a 404, before acting
    ws = await up.workspace(raw_id)
    wid = ws.id
    client = await up.client()
    call = {
        "delete": client.delete_workspace,
        "suspend": client.suspend_workspace,
        "resume": client.resume_workspace,
    }[action]
    await handler.act(action, f"{ws.project_name}/{ws.name} ({wid})", call(wid))
    view = await up.poller.refresh(wid)
    handler.reply(202, {"message": f"{action} requested", "workspace": view})


class NotFoundHandler(RunaiHandler):
    """Anything else under the API prefix: a JSON 404, never an HTML page."""

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        raise web.HTTPError(404, f"no such jupyter-runai API route: {path}", reason="not_found")

    post = put = patch = delete = get


class EventsHandler(RunaiHandler):
    """Server-Sent Events: a snapshot, then changes, from the one shared poller."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.upstream.client()  # not configured: a JSON error, not an empty stream
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        queue = self.upstream.poller.subscribe()
        self._closed = asyncio.Event()
        try:
            self.write(": connected\n\n")
            await self.flush()
            while not self._closed.is_set():
                getter = asyncio.ensure_future(queue.get())
                closed = asyncio.ensure_future(self._closed.wait())
                done, _ = await asyncio.wait(
                    {getter, closed}, timeout=KEEPALIVE_S, return_when=asyncio.FIRST_COMPLETED
                )
                closed.cancel()
                if getter not in done:
                    getter.cancel()
                    if not self._closed.is_set():
                        self.write(": keepalive\n\n")
                        await self.flush()
                    continue
                name, data = getter.result()
                if (name, data) == CLOSE:
                    break
                self.write(f"event: {name}\ndata: {json.dumps(data)}\n\n")
                await self.flush()
        except StreamClosedError:
            pass
        finally:
            self.upstream.poller.unsubscribe(queue)
        if not self._closed.is_set():
            self.finish()

    def on_connection_close(self) -> None:
        closed = getattr(self, "_closed", None)
        if closed is not None:
            closed.set()


def kernel_user() -> User:
    """Who a kernel's request acts for: the server's own user."""
    try:
        name = os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        name = "kernel"
    return User(username=name, name=name, display_name=f"{name} (kernel)")


def handlers() -> list[tuple[str, type[RunaiHandler]]]:
    """Routes relative to the server's base_url (ExtensionApp adds it)."""
    api = "runai/api"
    return [
        (rf"/{api}/status", StatusHandler),
        (rf"/{api}/projects", ProjectsHandler),
        (rf"/{api}/clusters", ClustersHandler),
        (rf"/{api}/workspaces", WorkspacesHandler),
        (rf"/{api}/workspaces/{ID}", WorkspaceHandler),
        (rf"/{api}/workspaces/{ID}/(?P<action>suspend|resume)", WorkspaceActionHandler),
        (rf"/{api}/events", EventsHandler),
        (rf"/{api}/(?P<path>.*)", NotFoundHandler),
    ]
