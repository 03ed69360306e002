"""The jupyter-runai REST API (contract: ``openapi.yaml``), written once for both places that
serve it: the server extension (``handlers.py``, under ``{base_url}runai/api/``) and the hub
service (``hub/handlers.py``, under ``{service_prefix}api/``).

The route classes here are mixins: each place combines them with its own base handler, which
authenticates the caller and says what they may do (an ``Access``). Only these operations reach
Run:ai: there is no generic pass-through. Every verb is authenticated and authorized (resource
``runai``), ids are checked before any upstream call, bodies are validated first, and every
mutating action writes one audit line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from .. import __version__
from ..client import (
    InvalidRequest,
    Phase,
    RunaiError,
    RunaiUnauthorized,
    RunaiUnavailable,
    Workspace,
)
from ..client.create_body import parse_create_json
from ..client.views import project_view
from .access import Access, gpus_of
from .errors import reply_for
from .poller import CLOSE
from .upstream import Upstream

AUTH_RESOURCE = "runai"
KEEPALIVE_S = 15.0
#: A stream whose client has not taken what was sent within this long is closed (its data
#: would otherwise pile up in the server's memory).
WRITE_TIMEOUT_S = 30.0
ID = r"(?P<workload_id>[^/]+)"


class RunaiAPI(web.RequestHandler):
    """Base of every route: JSON errors in one shape, the upstream, the caller, the audit log.

    The place that serves the API provides ``current_user``, ``authorizer`` (for
    ``@authorized``), ``access`` and ``user_name``.
    """

    auth_resource = AUTH_RESOURCE
    access: Access
    user_name: str

    @property
    def upstream(self) -> Upstream:
        return self.settings["runai_upstream"]

    def reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error is ``{message, reason, upstream_status}``; never a traceback."""
        self.set_header("Content-Type", "application/json")
        if status_code == 405:  # RFC 9110: say which methods there are
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))
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

    @property
    def log(self) -> Any:
        return self.upstream.log

    def audit(self, action: str, workspace: str, workload_id: str | None, result: str) -> None:
        values = (self.user_name, action, workspace, workload_id or "-", result)
        self.log.info(
            "jupyter-runai audit: user=%s action=%s workspace=%s id=%s result=%s",
            *(audit_value(v) for v in values),
        )

    async def act(
        self, action: str, workspace: str, call: Any, workload_id: str | None = None
    ) -> Any:
        """Run a mutating call and audit it, whatever happens; a create is logged with the
        name Run:ai gave it (a prefix grows a suffix) and its id."""
        try:
            result = await call
        except RunaiError as exc:
            self.audit(
                action, workspace, workload_id, f"error {reply_for(exc).status} {exc.message}"
            )
            raise
        if isinstance(result, Workspace):
            workspace, workload_id = f"{result.project_name}/{result.name}", result.id
        self.audit(action, workspace, workload_id, "ok")
        return result

    async def reread(self, workload_id: str) -> dict[str, Any] | None:
        """After an action Run:ai accepted: its state now, for the answer and every view. A
        failure here does not make the action fail: the answer says what happened."""
        try:
            return await self.upstream.poller.refresh(self.access, workload_id)
        except RunaiError as exc:
            self.log.warning("jupyter-runai: re-reading %s after an action: %s", workload_id, exc)
            return self.upstream.poller.snapshot.get(workload_id)

    async def perform(self, action: str, raw_id: str) -> None:
        """Suspend, resume or delete: checked, audited, and shown to every view at once."""
        up = self.upstream
        # a malformed id is a 400 from the client's check; one this caller may not see a 404,
        # before anything is asked of Run:ai's mutating endpoints
        ws = await up.workspace(self.access, raw_id)
        wid = ws.id
        if ws.phase is Phase.DELETING and action != "delete":
            done = {"suspend": "suspended", "resume": "resumed"}[action]
            raise InvalidRequest("phase", f"{ws.name} is being deleted: it cannot be {done}")
        client = await up.client()
        call = {
            "delete": client.delete_workspace,
            "suspend": client.suspend_workspace,
            "resume": client.resume_workspace,
        }[action]
        gate = up.gpu_gate(self.access) if action == "resume" else contextlib.nullcontext()
        async with gate:
            if action == "resume":
                await up.check_gpu_limit(self.access, gpus_of(up.view(ws)), exclude=wid)
            await self.act(action, f"{ws.project_name}/{ws.name}", call(wid), wid)
            view = await self.reread(wid)
        self.reply(202, {"message": f"{action} requested", "workspace": view})


class StatusRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        up = self.upstream
        body: dict[str, Any] = {
            "version": __version__,
            "mode": up.mode,
            "configured": up.configured,
            "simulated": up.simulated,
            "reachable": None,
            "credentials_accepted": None,
            "user": self.user_name,
            "default_project": up.default_project or None,
            "default_gpu": up.settings["default_gpu"],
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


class ProjectsRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        projects = await self.upstream.projects(self.access)
        self.reply(200, {"projects": [project_view(p) for p in projects]})


class ClustersRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        clusters = await (await self.upstream.client()).list_clusters()
        self.reply(
            200, {"clusters": [{"id": c.id, "name": c.name, "state": c.state} for c in clusters]}
        )


class WorkspacesRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        project = self.get_query_argument("project", None) or None
        up = self.upstream
        if project and up.allowed and project not in up.allowed:
            up.check_project(self.access, project)  # a 403 that names what is offered
        if up.poller.fresh:
            views = list(up.poller.snapshot.values())
        else:
            views = await up.workspace_views(project)
        views = [
            v for v in views if self.access.sees(v) and (not project or v["project"] == project)
        ]
        self.reply(200, {"workspaces": views})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = parse_create_json(self.request.body)  # size, nesting, every field's rule
        async with self.upstream.gpu_gate(self.access):
            created = await self.act(
                "create",
                f"{request.project}/{request.name}",
                self.upstream.create(self.access, request),
            )
            view = await self.reread(created.id) or self.upstream.view(created)
            self.upstream.poller.changed(view)  # the next GPU check counts it, whatever happens
        self.reply(202, view)


class WorkspaceRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def get(self, workload_id: str) -> None:
        ws = await self.upstream.workspace(self.access, workload_id)  # the client checks the UUID
        view = self.upstream.view(ws)
        # what one caller has read, every list and live view shows: a kernel waiting for Running
        # must not see the next list (or its own sidebar) say Resuming until the next poll
        self.upstream.poller.changed(view)
        self.reply(200, view)

    @web.authenticated
    @authorized
    async def delete(self, workload_id: str) -> None:
        await self.perform("delete", workload_id)


class WorkspaceActionRoute(RunaiAPI):
    @web.authenticated
    @authorized
    async def post(self, workload_id: str, action: str) -> None:
        await self.perform(action, workload_id)


class NotFoundRoute(RunaiAPI):
    """Anything else under the API prefix: a JSON 404, never an HTML page."""

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        raise web.HTTPError(404, f"no such jupyter-runai API route: {path}", reason="not_found")

    post = put = patch = delete = get


class EventsRoute(RunaiAPI):
    """Server-Sent Events: a snapshot, then changes, from the one shared poller."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.upstream.client()  # not configured: a JSON error, not an empty stream
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        limit_send_buffer(self)
        queue = self.upstream.poller.subscribe(self.access)
        self._closed = asyncio.Event()
        try:
            await self.send(": connected\n\n")
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
                        await self.send(": keepalive\n\n")
                    continue
                name, data = getter.result()
                if (name, data) == CLOSE:
                    break
                await self.send(f"event: {name}\ndata: {json.dumps(data)}\n\n")
        except StreamClosedError:
            pass
        finally:
            self.upstream.poller.unsubscribe(queue)
        if not self._closed.is_set():
            self.finish()

    async def send(self, text: str) -> None:
        await send_or_drop(self, text, self._closed)

    def on_connection_close(self) -> None:
        closed = getattr(self, "_closed", None)
        if closed is not None:
            closed.set()


#: The kernel's send buffer of an event stream's socket: small and fixed (Linux would grow it to
#: 4 MB for a client that does not read, hiding what the write timeout is there to catch).
STREAM_SEND_BUFFER = 64 * 1024


def limit_send_buffer(handler: web.RequestHandler) -> None:
    stream = getattr(handler.request.connection, "stream", None)
    sock = getattr(stream, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SEND_BUFFER)


async def send_or_drop(
    handler: web.RequestHandler, data: str | bytes, closed: asyncio.Event
) -> None:
    """Write to a stream and wait until the client has taken it; a client that does not read
    within WRITE_TIMEOUT_S is disconnected, so what it does not read cannot pile up here."""
    handler.write(data)
    flushed = handler.flush()
    flushed.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved, not logged
    done, _ = await asyncio.wait({flushed}, timeout=WRITE_TIMEOUT_S)
    if not done:
        logging.getLogger("jupyter_runai").warning(
            "jupyter-runai: closing an event stream whose client stopped reading"
        )
        closed.set()
        handler.request.connection.close()  # type: ignore[union-attr]
        raise StreamClosedError()
    flushed.result()


def allowed_methods(handler: type[web.RequestHandler]) -> list[str]:
    return [
        method
        for method in ("GET", "POST", "DELETE", "PUT", "PATCH")
        if getattr(handler, method.lower()) is not getattr(web.RequestHandler, method.lower())
    ]


SAFE_AUDIT_VALUE = re.compile(r"[\w@.:/+-]+")


def audit_value(value: str) -> str:
    """A value as it goes into an audit line: plain if harmless, else JSON-quoted, so no value
    (a project name with a newline, say) can end the line or forge another."""
    return value if SAFE_AUDIT_VALUE.fullmatch(value) else json.dumps(value)


#: (path below the API prefix, route); each place serves all of them.
ROUTES: list[tuple[str, type[RunaiAPI]]] = [
    ("status", StatusRoute),
    ("projects", ProjectsRoute),
    ("clusters", ClustersRoute),
    ("workspaces", WorkspacesRoute),
    (f"workspaces/{ID}", WorkspaceRoute),
    (f"workspaces/{ID}/(?P<action>suspend|resume)", WorkspaceActionRoute),
    ("events", EventsRoute),
    ("(?P<path>.*)", NotFoundRoute),
]
#: The API prefix however it is spelled (doubled slashes, other case): a JSON 404 there too.
SPELLED_OTHERWISE = r"/+(?i:runai)/+(?i:api)(?P<path>/.*)?"


def build(prefix: str, base: type) -> list[tuple[str, type]]:
    """The API's handlers for one place: each route combined with that place's ``base``."""
    return [
        (f"{prefix}{path}", type(route.__name__.replace("Route", "Handler"), (route, base), {}))
        for path, route in ROUTES
    ]
