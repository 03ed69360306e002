"""Hub mode: this single-user server holds no Run:ai credentials and forwards its ``runai/api``
routes to the hub's jupyter-runai service, as its user, with the server's own JupyterHub token.

Browsers and kernels still talk to their own server (Jupyter's authentication, XSRF and the kernel
token apply here first); only the routes of the API's allow-list are forwarded, so no other path
of the hub can be reached through here.

A service that hangs (stopped, overloaded, cut off) must not hang its users: every forwarded call
is answered within ``timeout`` seconds (``c.RunaiApp.hub_service_timeout``), and once one went
unanswered the next ones are answered at once, until a probe finds the service answering again.
The event stream sends its headers at once, says when the service does not answer (an ``error``
event) and keeps trying.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from .. import __version__
from .handlers import ServerHandler
from .routes import KEEPALIVE_S, ROUTES, NotFoundRoute, limit_send_buffer, send_or_drop

#: The API's paths, without the catch-all: nothing else is forwarded.
FORWARDED = [re.compile(f"{path}$") for path, route in ROUTES if route is not NotFoundRoute]
#: Seconds between probes of a service that did not answer; and the longest a probe waits.
PROBE_INTERVAL_S = 1.0
PROBE_TIMEOUT_S = 2.0
#: Seconds between attempts to reopen the service's event stream: doubling up to the last.
STREAM_RETRY_S = (1.0, 2.0, 5.0)
#: A refusal of the stream (403, not configured) is asked again this rarely.
STREAM_REFUSED_RETRY_S = 30.0
#: What this server says when the service does not answer (reason ``service_timeout``) or cannot
#: be reached (``service_unavailable``).
NOT_ANSWERING = "the jupyter-runai service is not answering"


class ServiceError(Exception):
    """The service gave no answer: ``reply`` says so in the API's error shape."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message

    @property
    def body(self) -> dict[str, Any]:
        return {"message": self.message, "reason": self.reason, "upstream_status": None}


class StreamRefused(Exception):
    """The service answered the event stream with an error (its JSON body, if any)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body if isinstance(body, dict) else {}


class HubService:
    """The hub service's address, this server's hub token, one pooled HTTP client, and whether
    the service is answering."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.timeout = timeout
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
        #: Since when (epoch seconds) the service has not answered, or None while it does.
        self.silent_since: float | None = None
        self._probe: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"HubService({self.url!r})"

    @property
    def has_token(self) -> bool:
        return bool(self._headers)

    # -- plain calls ------------------------------------------------------------------------
    async def request(
        self, method: str, path: str, query: str, body: bytes | None
    ) -> httpx.Response:
        """One call, its answer read whole, within ``timeout`` seconds; raises ServiceError
        when there is no answer (at once while the service is known to be silent)."""
        if self.silent_since is not None:
            raise self.silent()
        url = f"{self.url}api/{path}" + (f"?{query}" if query else "")
        try:
            async with asyncio.timeout(self.timeout):
                return await self._send(method, url, body)
        except (TimeoutError, httpx.TimeoutException):
            self._went_silent()
            mutating = method != "GET"
            raise ServiceError(
                504,
                "service_timeout",
                f"{NOT_ANSWERING}: no answer from {self.url} within {self.timeout:g} s"
                + (
                    "; what was asked may still take effect: watch the workspace"
                    if mutating
                    else ""
                )
                + ". Is it running? (c.JupyterHub.services)",
            ) from None
        except httpx.TransportError as exc:
            raise self.unreachable(exc) from None

    async def _send(self, method: str, url: str, body: bytes | None) -> httpx.Response:
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

    def unreachable(self, exc: Exception) -> ServiceError:
        """Nothing was delivered: the service refused the connection, or it broke."""
        return ServiceError(
            503,
            "service_unavailable",
            f"{NOT_ANSWERING}: cannot reach {self.url} ({type(exc).__name__}). Is it running? "
            "(c.JupyterHub.services)",
        )

    def silent(self) -> ServiceError:
        """Answered at once while the service is known not to answer: nothing was sent."""
        since = time.strftime("%H:%M:%S", time.localtime(self.silent_since or time.time()))
        return ServiceError(
            503,
            "service_unavailable",
            f"{NOT_ANSWERING}: no answer from {self.url} since {since}; nothing was sent, and "
            f"it is asked again every {PROBE_INTERVAL_S:g} s. Is it running? "
            "(c.JupyterHub.services)",
        )

    # -- knowing when it answers again --------------------------------------------------------
    def _went_silent(self) -> None:
        if self.silent_since is None:
            self.silent_since = time.time()
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._probe_until_answered())

    async def _probe_until_answered(self) -> None:
        """Ask the service's own page (cheap: it never calls Run:ai) until anything answers."""
        timeout = min(PROBE_TIMEOUT_S, self.timeout)
        while self.silent_since is not None:
            try:
                async with asyncio.timeout(timeout):
                    await self._send("GET", self.url, None)
            except (TimeoutError, httpx.HTTPError):
                await asyncio.sleep(PROBE_INTERVAL_S)
                continue
            self.answered()

    def answered(self) -> None:
        """The service answered (a call, a probe, its event stream): calls go to it again."""
        self.silent_since = None

    # -- the event stream ---------------------------------------------------------------------
    async def events(self) -> AsyncIterator[bytes]:
        """The service's event stream, one whole event (or comment) at a time. Raises
        ServiceError when it does not answer within ``timeout`` (or, once open, sends nothing
        for longer than its keepalive period plus ``timeout``), StreamRefused for an error
        answer, and ends when the service ends it. A stream tries the service whether or not
        plain calls found it silent: it has its own pace, and answers nobody's request."""
        silence = KEEPALIVE_S + self.timeout
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(self.timeout):
                    answer = await stack.enter_async_context(
                        self._http.stream("GET", "events", headers=self._headers)
                    )
                    if not answer.is_success:
                        await answer.aread()
                        raise StreamRefused(answer.status_code, _json_or_none(answer))
                self.answered()
                chunks = answer.aiter_raw().__aiter__()
                buffered = b""
                while True:
                    try:
                        async with asyncio.timeout(silence):
                            chunk = await chunks.__anext__()
                    except StopAsyncIteration:
                        return
                    buffered += chunk
                    *whole, buffered = buffered.split(b"\n\n")
                    for event in whole:
                        yield event + b"\n\n"
        except (TimeoutError, httpx.TimeoutException):
            self._went_silent()
            raise ServiceError(
                504,
                "service_timeout",
                f"{NOT_ANSWERING}: no events from {self.url} within {self.timeout:g} s; "
                "trying again",
            ) from None
        except httpx.TransportError as exc:
            raise self.unreachable(exc) from None

    async def aclose(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
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
            await self._stream()
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
        except ServiceError as exc:
            if path == "status":
                self._reply(200, self._status_unreachable(exc))
                return
            if exc.status == 503:
                self.set_header("Retry-After", f"{PROBE_INTERVAL_S:g}")
            self._reply(exc.status, exc.body)
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

    def _status_unreachable(self, exc: ServiceError) -> dict[str, Any]:
        return {
            "version": __version__,
            "mode": "hub",
            "configured": True,
            "simulated": False,
            "reachable": False,
            "credentials_accepted": None,
            "user": self.user_name,
            "default_project": None,
            "message": exc.message,
        }

    async def _stream(self) -> None:
        """Relay the service's event stream, whole events at a time, until the client goes.
        The headers go out at once; while the service does not answer, the client gets an
        ``error`` event saying so (once per outage) and keepalives, and this keeps trying."""
        self._closed = asyncio.Event()
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        limit_send_buffer(self)
        said: dict[str, Any] | None = None
        attempt = 0
        try:
            await self._send(": connected\n\n")
            while not self._closed.is_set():
                delay = STREAM_RETRY_S[min(attempt, len(STREAM_RETRY_S) - 1)]
                try:
                    async with contextlib.aclosing(self.hub.events()) as events:
                        while (event := await self._next(events)) is not None:
                            await self._send(event)
                            said, attempt = None, 0
                    if self._closed.is_set():
                        return
                    problem = None  # the service ended it (a restart): open it again
                except ServiceError as exc:
                    problem = exc.body
                except StreamRefused as exc:
                    problem = {
                        "message": exc.body.get("message")
                        or f"the jupyter-runai service refused the event stream ({exc.status})",
                        "reason": exc.body.get("reason") or "upstream_error",
                        "upstream_status": exc.status,
                    }
                    delay = STREAM_REFUSED_RETRY_S
                if problem is not None and problem != said:
                    await self._send(f"event: error\ndata: {json.dumps(problem)}\n\n")
                    said = problem
                attempt += 1
                await self._wait(delay)
        except StreamClosedError:
            return
        if not self._finished:
            with contextlib.suppress(StreamClosedError):
                self.finish()

    async def _next(self, events: AsyncIterator[bytes]) -> bytes | None:
        """The service's next event, or None when it ends the stream or the client goes away
        (not noticed only at the next keepalive: the wait for the service is given up)."""
        getter = asyncio.ensure_future(anext(events))
        closed = asyncio.ensure_future(self._closed.wait())
        await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        if not getter.done():
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await getter
            return None
        try:
            return getter.result()
        except StopAsyncIteration:
            return None

    async def _send(self, data: str | bytes) -> None:
        await send_or_drop(self, data, self._closed)

    async def _wait(self, seconds: float) -> None:
        """Wait before trying again, with a keepalive so the client's read does not time out."""
        if not self._closed.is_set():
            await self._send(": waiting for the jupyter-runai service\n\n")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closed.wait()

    def on_connection_close(self) -> None:
        closed = getattr(self, "_closed", None)
        if closed is not None:
            closed.set()


def _json_or_none(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
