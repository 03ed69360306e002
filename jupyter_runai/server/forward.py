"""Hub mode: this single-user server holds no Run:ai credentials and forwards its ``runai/api``
routes to the hub's jupyter-runai service, as its user, with the server's own JupyterHub token.

Browsers and kernels still talk to their own server (Jupyter's authentication, XSRF and the kernel
token apply here first); only the routes of the API's allow-list are forwarded, so no other path
of the hub can be reached through here.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
from typing import Any

import httpx
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from .. import __version__
from .handlers import ServerHandler
from .routes import ROUTES, NotFoundRoute, limit_send_buffer, send_or_drop

#: The API's paths, without the catch-all: nothing else is forwarded.
FORWARDED = [re.compile(f"{path}$") for path, route in ROUTES if route is not NotFoundRoute]


class HubService:
    """The hub service's address, this server's hub token, and one pooled HTTP client."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url if url.endswith("/") else url + "/"
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        self._headers = {"Authorization": f"token {token}"} if token else {}
        # One pool. Plain calls go to the transport itself, under the client's layers (cookies,
        # auth, redirects, URL merging): those were half the cost of this hop, which is all that
        # hub mode adds to a call (benchmarks/hub.py); streams use the client.
        self._transport = httpx.AsyncHTTPTransport(verify=hub_ssl_context() or True)
        self._http = httpx.AsyncClient(
            base_url=f"{self.url}api/",
            timeout=httpx.Timeout(timeout, read=None),
            transport=self._transport,
            follow_redirects=False,
            trust_env=False,  # as JupyterHub's own calls to services: no HTTP(S)_PROXY inside a hub
        )
        self._timeout = httpx.Timeout(timeout).as_dict()

    def __repr__(self) -> str:
        return f"HubService({self.url!r})"

    @property
    def has_token(self) -> bool:
        return bool(self._headers)

    async def request(
        self, method: str, path: str, query: str, body: bytes | None
    ) -> httpx.Response:
        """One call, its answer read whole."""
        url = f"{self.url}api/{path}" + (f"?{query}" if query else "")
        request = httpx.Request(
            method,
            url,
            headers={**self._headers, "Content-Type": "application/json"},
            content=body,
            extensions={"timeout": self._timeout},
        )
        answer = await self._transport.handle_async_request(request)
        try:
            await answer.aread()
        finally:
            await answer.aclose()
        return answer

    def stream(self, path: str) -> Any:
        return self._http.stream("GET", path, headers=self._headers)

    def unreachable(self, exc: Exception) -> dict[str, Any]:
        return {
            "message": f"cannot reach the jupyter-runai hub service at {self.url} "
            f"({type(exc).__name__}): is it running (c.JupyterHub.services)?",
            "reason": "unreachable",
            "upstream_status": None,
        }

    async def aclose(self) -> None:
        await self._http.aclose()  # and its transport


def hub_ssl_context() -> ssl.SSLContext | None:
    """Under ``c.JupyterHub.internal_ssl`` the hub gives each server and service a certificate
    that the others accept, and the CA that signed theirs: a client context from them."""
    cert, key = os.environ.get("JUPYTERHUB_SSL_CERTFILE"), os.environ.get("JUPYTERHUB_SSL_KEYFILE")
    if not (cert and key):
        return None
    context = ssl.create_default_context(cafile=os.environ.get("JUPYTERHUB_SSL_CLIENT_CA") or None)
    context.load_cert_chain(cert, key)
    return context


class ForwardHandler(ServerHandler):
    """Every route of the API, answered by the hub service."""

    auth_resource = "runai"

    @property
    def hub(self) -> HubService:
        return self.settings["runai_hub_service"]

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        if path == "events":
            await self._stream(path)
        else:
            await self._forward(path)

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    @authorized
    async def delete(self, path: str) -> None:
        await self._forward(path)

    def _reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.finish(json.dumps(body))

    def _check(self, path: str) -> None:
        if not any(pattern.match(path) for pattern in FORWARDED):
            raise web.HTTPError(404, f"no such jupyter-runai API route: {path}", reason="not_found")

    async def _forward(self, path: str) -> None:
        self._check(path)
        body = self.request.body if self.request.method == "POST" else None
        try:
            answer = await self.hub.request(
                self.request.method or "GET", path, self.request.query, body
            )
        except httpx.HTTPError as exc:
            if path == "status":
                self._reply(200, self._status_unreachable(exc))
                return
            self._reply(502, self.hub.unreachable(exc))
            return
        if retry := answer.headers.get("Retry-After"):
            self.set_header("Retry-After", retry)
        is_json = answer.headers.get("Content-Type", "").startswith("application/json")
        if is_json and path != "status":
            self.set_status(answer.status_code)
            self.finish(answer.content)  # the service's JSON as it is: no second parse
            return
        try:
            data = answer.json()
        except ValueError:
            data = {
                "message": f"the jupyter-runai hub service answered HTTP {answer.status_code} "
                "without JSON",
                "reason": "upstream_error",
                "upstream_status": answer.status_code,
            }
        if path == "status" and answer.is_success and isinstance(data, dict):
            data["mode"] = "hub"
        self._reply(answer.status_code, data)

    def _status_unreachable(self, exc: Exception) -> dict[str, Any]:
        return {
            "version": __version__,
            "mode": "hub",
            "configured": True,
            "simulated": False,
            "reachable": False,
            "credentials_accepted": None,
            "user": self.user_name,
            "default_project": None,
            "message": self.hub.unreachable(exc)["message"],
        }

    async def _stream(self, path: str) -> None:
        """Relay the service's event stream until either side closes it."""
        self._closed = asyncio.Event()
        try:
            async with self.hub.stream(path) as answer:
                if not answer.is_success:
                    await answer.aread()
                    self._reply(answer.status_code, _json_or_none(answer))
                    return
                self.set_header("Content-Type", "text/event-stream")
                self.set_header("Cache-Control", "no-cache")
                self.set_header("X-Accel-Buffering", "no")
                limit_send_buffer(self)
                chunks = answer.aiter_raw().__aiter__()
                while not self._closed.is_set():
                    getter = asyncio.ensure_future(chunks.__anext__())
                    closed = asyncio.ensure_future(self._closed.wait())
                    await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                    closed.cancel()
                    if not getter.done():
                        getter.cancel()
                        break
                    try:
                        chunk = getter.result()
                    except StopAsyncIteration:
                        break
                    await send_or_drop(self, chunk, self._closed)
        except httpx.HTTPError as exc:
            if not self._headers_written:
                self._reply(502, self.hub.unreachable(exc))
                return
        except StreamClosedError:
            return
        if not self._closed.is_set() and not self._finished:
            self.finish()

    def on_connection_close(self) -> None:
        closed = getattr(self, "_closed", None)
        if closed is not None:
            closed.set()


def _json_or_none(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
