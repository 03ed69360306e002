"""The notebook panel (``runai.panel()``, ``%runai panel``): an anywidget whose front end is the
JupyterLab sidebar's own components (``static/panel.js``, built from ``labextension/src``), so
the panel and the sidebar are one UI. It renders in JupyterLab, Notebook 7 and the other
frontends anywidget supports; a text frontend gets the text table.

This side is a thin model. The workspaces, how the live list is doing and the status check are
synced traits; the front end's actions (create, suspend, resume, delete, refresh) arrive as
messages, which the kernel carries out through the Python API's transport (the server
extension, or Run:ai directly where there is none) and answers with a message.

Traits change on the kernel's event loop only: a background thread reads the event stream (a
blocking read) and the actions' HTTP calls run on threads of their own; each hands its result to
the loop (``call_soon_threadsafe``). Outside a kernel (no running loop) they are applied at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import httpx
from traitlets import Bool, Dict, Float, List, Unicode

from .. import __version__
from ..client import RunaiError
from . import words
from .transport import StopSignal

if TYPE_CHECKING:
    from .api import Runai

STATIC = Path(__file__).with_name("static")
#: After an error, reconnect this soon (doubling to RETRY_MAX_S): a new subscription makes the
#: server poll Run:ai at once instead of waiting out its backoff.
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 5.0
#: GPUs the form proposes unless the server says otherwise (c.RunaiApp.default_gpu).
DEFAULT_GPU = 1.0


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The loop this cell runs on (the kernel's), when there is one."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def error_body(exc: RunaiError) -> dict[str, Any]:
    """An error as the front end reads it: the jupyter-runai API's shape (server/errors.py)."""
    issues = [{"field": i.field, "details": i.details} for i in getattr(exc, "issues", [])]
    return {
        "message": exc.message,
        "reason": exc.reason or words.reason_of(exc),
        "upstream_status": exc.status,
        **({"issues": issues} if issues else {}),
    }


class Panel(anywidget.AnyWidget):
    """The create form and the live list of your workspaces, as the sidebar shows them."""

    _esm = STATIC / "panel.js"
    _css = STATIC / "panel.css"

    workspaces = List(Dict()).tag(sync=True)
    state = Dict({"kind": "connecting"}).tag(sync=True)
    loaded = Bool(False).tag(sync=True)
    status = Dict(default_value=None, allow_none=True).tag(sync=True)
    status_error = Dict(default_value=None, allow_none=True).tag(sync=True)
    projects = List(Unicode()).tag(sync=True)
    default_project = Unicode("").tag(sync=True)
    default_gpu = Float(DEFAULT_GPU).tag(sync=True)
    version = Unicode(__version__).tag(sync=True)

    def __init__(self, connection: Runai) -> None:
        super().__init__()
        self.connection = connection
        self.transport = connection.transport
        self.loop = _kernel_loop()
        self.error_log = words.ErrorLog()
        self._views: dict[str, dict[str, Any]] = {}
        self._stop = StopSignal()
        self._stream: StopSignal | None = None  # the open stream's own stop (a retry ends it)
        self._stop.on_set(self._end_stream)
        self._attempt = 0
        self.on_msg(self._on_message)
        self._load()
        self._watcher = threading.Thread(target=self._watch, name="runai-panel", daemon=True)
        self._watcher.start()

    def __repr__(self) -> str:
        return f"<jupyter_runai panel: {len(self._views)} workspaces>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, and the text table for frontends that show no widgets."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "text/plain": self.text()}, metadata

    def text(self) -> str:
        """The workspaces as ``runai workspace list`` prints them."""
        from .api import Workspace, WorkspaceList

        return repr(WorkspaceList(Workspace(v, self.connection) for v in self.workspaces))

    # -- what it shows ----------------------------------------------------------------------
    def _load(self) -> None:
        self._show_fetched(self._fetch())

    def _fetch(self) -> dict[str, Any]:
        """The status check, the projects and a first list (HTTP: off the loop, but at start)."""
        got: dict[str, Any] = {}
        try:
            got["status"] = self.transport.status()
            got["projects"] = [p["name"] for p in self.transport.projects()]
            got["workspaces"] = self.transport.workspaces()
        except RunaiError as exc:
            got["error"] = exc
        return got

    def _show_fetched(self, got: dict[str, Any]) -> None:
        error: RunaiError | None = got.get("error")
        if "status" not in got:
            assert error is not None
            self.error_log.add("status", error.message)
            self.status = None
            self.status_error = {"status": error.status or 0, "message": error.message}
            return
        status = got["status"]
        self.status, self.status_error = status, None
        self.default_project = status.get("default_project") or ""
        self.default_gpu = float(status.get("default_gpu") or DEFAULT_GPU)
        if error is not None:
            self.error_log.add("connect", error.message)
            self.state = {"kind": "upstream-error", "error": error_body(error)}
            return
        self.projects = got["projects"]
        self._replace(got["workspaces"])
        self.loaded = True

    def _replace(self, views: list[dict[str, Any]]) -> None:
        self._views = {v["id"]: v for v in views}
        self._publish()

    def _upsert(self, view: dict[str, Any]) -> None:
        self._views[view["id"]] = view
        self._publish()

    def _remove(self, workload_id: str) -> None:
        if self._views.pop(workload_id, None) is not None:
            self._publish()

    def _publish(self) -> None:
        views = list(self._views.values())
        if views != self.workspaces:
            self.workspaces = views

    def _live(self) -> None:
        self._attempt = 0
        if self.state != {"kind": "live"}:
            self.state = {"kind": "live"}

    def _apply(self, name: str, data: dict[str, Any]) -> None:
        """One event of the stream (on the loop)."""
        if self._stop.is_set():
            return
        if name == "snapshot":
            self._replace(data["workspaces"])
            self.loaded = True
            error = data.get("error")
            if error:
                self.error_log.add("live updates", error.get("message") or "")
                self.state = {"kind": "upstream-error", "error": error}
            else:
                self._live()
        elif name == "workspace":
            self._upsert(data["workspace"])
            self._live()
        elif name == "deleted":
            self._remove(data["id"])
            self._live()
        elif name == "error":
            self.error_log.add("live updates", data.get("message") or "")
            self.state = {"kind": "upstream-error", "error": data}

    def _broken(self, detail: str, delay: float) -> None:
        """The stream itself broke (the Jupyter server went away, a network fault)."""
        if self._stop.is_set():
            return
        self.error_log.add("live updates", detail)
        self._attempt += 1
        self.state = {
            "kind": "reconnecting",
            "attempt": self._attempt,
            "delayMs": int(delay * 1000),
            "reason": words.plain(detail, "the Jupyter server did not answer"),
        }

    # -- what the front end asks ----------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        op, number = content.get("op"), content.get("request")
        if op == "refresh":
            self._refresh()
        elif op == "create" and isinstance(content.get("body"), dict):
            self._in_background(number, lambda: self._create(content["body"]))
        elif op == "act" and content.get("action") in ("suspend", "resume", "delete"):
            workload_id, action = str(content.get("id")), content["action"]
            self._in_background(number, lambda: self._act(workload_id, action))

    def _in_background(self, number: Any, call: Callable[[], dict[str, Any] | None]) -> None:
        """Run an HTTP call off the loop; its answer (and what it changed) back on it."""

        def run() -> None:
            try:
                view = call()
            except RunaiError as exc:
                self.error_log.add("action", exc.message)
                self._post(self.send, {"reply": number, "ok": False, "error": error_body(exc)})
                return
            self._post(self._answered, number, view)

        threading.Thread(target=run, name="runai-panel-action", daemon=True).start()

    def _answered(self, number: Any, view: dict[str, Any] | None) -> None:
        self.send({"reply": number, "ok": True, "workspace": view})

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        view = self.transport.create(body)
        self._post(self._upsert, view)
        return view

    def _act(self, workload_id: str, action: str) -> dict[str, Any] | None:
        view = self.transport.act(workload_id, action)
        if view is None:
            self._post(self._remove, workload_id)
        else:
            self._post(self._upsert, view)
        return view

    def _refresh(self) -> None:
        """Check the server again and reconnect (the Refresh button)."""

        def run() -> None:
            self._post(self._show_fetched, self._fetch())
            self._end_stream()  # the watcher opens a new one at once

        threading.Thread(target=run, name="runai-panel-refresh", daemon=True).start()

    # -- the background reader ---------------------------------------------------------------
    def _post(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback`` on the kernel's loop (or here, outside a kernel)."""
        if self.loop is None:
            callback(*args)
            return
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop has closed: the kernel is going away
            self._stop.set()

    def _end_stream(self) -> None:
        stream = self._stream
        if stream is not None:
            stream.set()

    def _watch(self) -> None:
        delay = RETRY_FIRST_S
        while not self._stop.is_set():
            stream = self._stream = StopSignal()
            retry: threading.Timer | None = None
            try:
                for name, data in self.transport.watch(stream):
                    if self._stop.is_set():
                        return
                    failing = name == "error" or (name == "snapshot" and data.get("error"))
                    self._post(self._apply, name, data)
                    if failing and retry is None:
                        # subscribe again soon: the server then polls Run:ai at once
                        retry = threading.Timer(delay, stream.set)
                        retry.daemon = True
                        retry.start()
                        delay = min(delay * 2, RETRY_MAX_S)
                    elif not failing and retry is not None:
                        retry.cancel()
                        retry = None
                        delay = RETRY_FIRST_S
                    elif not failing:
                        delay = RETRY_FIRST_S
            except (RunaiError, OSError, ValueError, httpx.HTTPError) as exc:
                if not stream.is_set():
                    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                    self._post(self._broken, message, delay)
            except Exception as exc:  # the stream broke in a way we did not foresee
                if not stream.is_set():
                    self._post(self._broken, type(exc).__name__, delay)
            finally:
                if retry is not None:
                    retry.cancel()
            if self._stop.is_set():
                return
            if not stream.is_set():  # it broke (not our retry): wait a little first
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    def close(self) -> None:
        """Stop updating, then close the widget."""
        self._stop.set()
        super().close()

    @property
    def watching(self) -> bool:
        return self._watcher.is_alive()
