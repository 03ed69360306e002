"""How kernel-side code reaches Run:ai: through the Jupyter server extension, or directly.

Inside Jupyter the kernel talks to the server extension, which holds the credentials (or, in hub
mode, forwards to the hub service): its URL and a token come from the environment the server gave
the kernel (``JUPYTER_RUNAI_URL`` and ``JUPYTER_RUNAI_TOKEN``, plus ``JUPYTER_RUNAI_SOCKET`` when
the server wants client certificates, as under JupyterHub's internal_ssl). Outside Jupyter (a
script, a terminal) the same API uses the Run:ai client with the ``RUNAI_*`` settings. Both
transports speak in workspace views (client/views.py).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx

from .. import __version__
from ..client import (
    ComplianceIssue,
    RunaiBadRequest,
    RunaiClient,
    RunaiConfigError,
    RunaiError,
    RunaiNotFound,
    RunaiTimeout,
    RunaiUnavailable,
)
from ..client.create_body import parse_create
from ..client.views import project_view, workspace_view
from .words import REASON_CLASSES, for_user

Event = tuple[str, dict[str, Any]]


class StopSignal(threading.Event):
    """An Event that also runs callbacks when set: closing a panel aborts its open stream at
    once, instead of when the next keepalive arrives."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []

    def on_set(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def set(self) -> None:
        super().set()
        for callback in self._callbacks:
            try:
                callback()
            except Exception:  # noqa: S112 - best effort: the watcher sees the flag anyway
                continue


class Transport(Protocol):
    """What the Python API, widgets and magics need; both transports provide it."""

    description: str

    def status(self) -> dict[str, Any]: ...
    def projects(self) -> list[dict[str, Any]]: ...
    def workspaces(self, project: str | None = None) -> list[dict[str, Any]]: ...
    def workspace(self, workload_id: str) -> dict[str, Any]: ...
    def create(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def act(self, workload_id: str, action: str) -> dict[str, Any] | None: ...
    def watch(self, stop: StopSignal) -> Iterator[Event]: ...
    def close(self) -> None: ...


_BY_REASON: dict[str, type[RunaiError]] = dict(REASON_CLASSES)


class ExtensionTransport:
    """The jupyter-runai server extension's API, with the token the server gave this kernel."""

    description = "via the Jupyter server"

    def __init__(
        self, url: str, token: str, timeout: float = 60.0, socket_path: str | None = None
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._headers = {"Authorization": f"token {token}"}
        transport = httpx.HTTPTransport(uds=socket_path) if socket_path else None
        self._http = httpx.Client(
            base_url=self.url, headers=self._headers, timeout=timeout, transport=transport
        )

    def __repr__(self) -> str:
        return f"ExtensionTransport({self.url!r})"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise RunaiTimeout(
                f"the Jupyter server did not answer {method} {path} in time"
            ) from None
        except httpx.TransportError as exc:
            raise RunaiUnavailable(
                f"cannot reach the Jupyter server's jupyter-runai API at {self.url} "
                f"({type(exc).__name__})"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            return body
        raise _error(response.status_code, body, self.url)

    def status(self) -> dict[str, Any]:
        return self._call("GET", "status")

    def projects(self) -> list[dict[str, Any]]:
        return self._call("GET", "projects")["projects"]

    def workspaces(self, project: str | None = None) -> list[dict[str, Any]]:
        params = {"project": project} if project else None
        return self._call("GET", "workspaces", params=params)["workspaces"]

    def workspace(self, workload_id: str) -> dict[str, Any]:
        return self._call("GET", f"workspaces/{workload_id}")

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "workspaces", json=body)

    def act(self, workload_id: str, action: str) -> dict[str, Any] | None:
        if action == "delete":
            return self._call("DELETE", f"workspaces/{workload_id}")["workspace"]
        return self._call("POST", f"workspaces/{workload_id}/{action}")["workspace"]

    def watch(self, stop: StopSignal) -> Iterator[Event]:
        """The extension's event stream, until ``stop`` is set (which closes it)."""
        timeout = httpx.Timeout(10.0, read=30.0)
        with self._http.stream("GET", "events", timeout=timeout) as response:
            stop.on_set(lambda: _abort(response))
            if not response.is_success:
                response.read()
                raise _error(response.status_code, _safe_json(response), self.url)
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if not line:
                    if "event" in fields:
                        yield fields["event"], json.loads(fields.get("data", "{}"))
                    fields = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    fields[key] = value

    def close(self) -> None:
        self._http.close()


def _abort(response: httpx.Response) -> None:
    """End a stream that another thread is blocked reading: shutting the socket down wakes
    the read at once (closing the response would wait for the next keepalive)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
    response.close()


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error(status: int, body: Any, url: str) -> RunaiError:
    """The client exception for an error answer of the extension (one clear sentence)."""
    body = body if isinstance(body, dict) else {}
    message = body.get("message") or f"the jupyter-runai API at {url} answered HTTP {status}"
    if status == 404 and "reason" not in body:
        message = (
            f"no jupyter-runai API at {url}: is the server extension installed and enabled? "
            "(jupyter server extension list)"
        )
    reason = body.get("reason")
    cls = _BY_REASON.get(reason or "", RunaiUnavailable if status >= 500 else RunaiError)
    if cls is RunaiBadRequest:
        issues = [ComplianceIssue(i["field"], i["details"]) for i in body.get("issues") or []]
        return for_user(RunaiBadRequest(message, issues, status=status, reason=reason))
    return for_user(cls(message, status=status, reason=reason))


def _in_user_words(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run:ai's HTTP report out of the exception's message, into its details (words.for_user)."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except RunaiError as exc:
            said = for_user(exc)
            if said is exc:
                raise
            raise said from None

    return call


class DirectTransport:
    """Run:ai itself, with the client's RUNAI_* settings: for scripts and terminals."""

    description = "directly"

    def __init__(self, client: RunaiClient | None = None, poll_interval: float = 5.0) -> None:
        self._client = client or RunaiClient()
        self.poll_interval = poll_interval

    def __repr__(self) -> str:
        return f"DirectTransport({self._client.url!r})"

    @_in_user_words
    def status(self) -> dict[str, Any]:
        clusters = self._client.list_clusters()
        return {
            "configured": True,
            "reachable": True,
            "credentials_accepted": True,
            "simulated": any(str(c.raw.get("version", "")).endswith("-sim") for c in clusters),
            "default_project": os.environ.get("RUNAI_PROJECT") or None,
            "version": __version__,
            "mode": "direct",
            "message": None,
        }

    @_in_user_words
    def projects(self) -> list[dict[str, Any]]:
        return [project_view(p) for p in self._client.list_projects()]

    @_in_user_words
    def workspaces(self, project: str | None = None) -> list[dict[str, Any]]:
        return [workspace_view(w) for w in self._client.list_workspaces(project)]

    @_in_user_words
    def workspace(self, workload_id: str) -> dict[str, Any]:
        return workspace_view(self._client.get_workspace(workload_id))

    @_in_user_words
    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        request = parse_create(body)
        created = self._client.create_workspace(
            request.name, request.project, request.spec, name_prefix=request.name_prefix
        )
        try:
            return self.workspace(created.id)
        except RunaiNotFound:
            return workspace_view(created)

    @_in_user_words
    def act(self, workload_id: str, action: str) -> dict[str, Any] | None:
        call: Callable[[str], None] = {
            "suspend": self._client.suspend_workspace,
            "resume": self._client.resume_workspace,
            "delete": self._client.delete_workspace,
        }[action]
        call(workload_id)
        try:
            return self.workspace(workload_id)
        except RunaiNotFound:
            return None

    def watch(self, stop: StopSignal) -> Iterator[Event]:
        """Polls, as there is no server to stream from: a snapshot every interval."""
        while not stop.is_set():
            try:
                yield "snapshot", {"workspaces": self.workspaces(), "error": None}
            except RunaiError as exc:
                yield "error", {"message": exc.message, "reason": "direct"}
            stop.wait(self.poll_interval)

    def close(self) -> None:
        self._client.close()


def default_transport() -> Transport:
    """The extension if this kernel was started by a Jupyter server that has it, else direct."""
    url, token = os.environ.get("JUPYTER_RUNAI_URL"), os.environ.get("JUPYTER_RUNAI_TOKEN")
    if url and token:
        return ExtensionTransport(url, token, socket_path=os.environ.get("JUPYTER_RUNAI_SOCKET"))
    try:
        return DirectTransport()
    except RunaiConfigError as exc:
        raise RunaiConfigError(
            "jupyter-runai found no Jupyter server to talk to and no Run:ai settings: run this "
            "in a Jupyter server with jupyter-runai, or set RUNAI_URL and RUNAI_CLIENT_ID/"
            f"RUNAI_CLIENT_SECRET ({exc.message})"
        ) from None
