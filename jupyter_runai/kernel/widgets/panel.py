"""One panel: a status line, the create form, and the live table, kept up to date until the
panel is closed.

Widget state changes on the kernel's event loop only: a background thread reads the extension's
event stream (a blocking read) and hands each event to the loop (``call_soon_threadsafe``);
clicks arrive on the loop anyway, and a timer on the loop moves the ages on. ipywidgets does not
promise that changing widgets from another thread is safe, so no other thread touches them.
Outside a kernel (no running loop) the events are applied on the reading thread.
"""

from __future__ import annotations

import asyncio
import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import ipywidgets as w

from ...client import RunaiConfigError, RunaiError, RunaiForbidden, RunaiUnauthorized
from ..look import colour
from ..transport import StopSignal
from . import words
from .form import CreateForm
from .table import WorkspaceTable

if TYPE_CHECKING:
    from ..api import Runai

#: After an error, reconnect this soon (doubling to RETRY_MAX_S): a new subscription makes the
#: server poll Run:ai at once instead of waiting out its backoff.
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 5.0
#: How often the ages move (a row's HTML is sent only when its text changed).
TICK_S = 1.0


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The loop this cell runs on (the kernel's), when there is one."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Panel(w.VBox):
    """``runai.panel()`` / ``%runai panel``."""

    def __init__(self, connection: Runai) -> None:
        self.connection = connection
        self.transport = connection.transport
        self.loop = _kernel_loop()
        self.status = w.HTML()
        self.table = WorkspaceTable(self.act)
        self.last_error: str | None = None
        self.error_log = words.ErrorLog()
        self.connected = False
        self.updated_at: str | None = None
        self._simulated: bool | None = None
        self._stop = StopSignal()
        self._stream: StopSignal | None = None  # the open stream's own stop (a retry ends it)
        self._stop.on_set(self._end_stream)
        self._tick_handle: asyncio.TimerHandle | None = None
        projects, default = self._load()
        self.form = CreateForm(
            self.transport.create, projects, default, on_created=self.table.upsert
        )
        self.form.errors_log = self.error_log
        form = w.Accordion(children=[self.form], titles=("New workspace",), selected_index=0)
        super().__init__([self.status, form, self.table])
        self._watcher = threading.Thread(target=self._watch, name="runai-panel", daemon=True)
        self._watcher.start()
        if self.loop is not None:
            self._tick_handle = self.loop.call_later(TICK_S, self._tick)

    # -- what it shows ----------------------------------------------------------------------
    def _load(self) -> tuple[list[str], str | None]:
        try:
            status = self.transport.status()
            projects = [p["name"] for p in self.transport.projects()]
            self.table.replace(self.transport.workspaces())
        except RunaiError as exc:
            self.error_log.add("connect", exc.message)
            advice = isinstance(exc, (RunaiUnauthorized, RunaiConfigError, RunaiForbidden))
            self._show(
                False, error=exc.message if advice else words.for_connection(None, exc.reason)
            )
            return [], None
        self._simulated = bool(status.get("simulated"))
        self._show(True)
        return projects, status.get("default_project")

    def _show(self, connected: bool, error: str | None = None) -> None:
        """The status line. Connected again clears the last error; disconnected marks the
        rows stale (they show what Run:ai said last, and say since when)."""
        self.connected = connected
        if connected:
            self.last_error = None
            self.updated_at = time.strftime("%H:%M:%S")
        elif error is not None:
            self.last_error = error
        self.table.set_stale(not connected)
        dot = colour("ok" if connected else "error")
        where = f"connected {self.transport.description}" if connected else "not connected"
        kind = ""
        if self._simulated is not None:
            kind = " · <b>simulated</b> Run:ai" if self._simulated else " · real Run:ai"
        if connected:
            when = f" · updated {self.updated_at}"
        elif self.table.rows:
            when = f" · the table is as of {self.updated_at or 'the start'}, not live"
        else:
            when = ""
        last = (
            f' · <span style="color:{colour("error")}">{html.escape(self.last_error)}</span>'
            if self.last_error and not connected
            else ""
        )
        value = (
            f'<div style="line-height:1.4;padding:4px 0"><span style="color:{dot}">●</span> '
            f"Run:ai {where}{kind}{when}{last}</div>"
        )
        if self.status.value != value:
            self.status.value = value

    def act(self, workload_id: str, action: str) -> str | None:
        """A row's button: act, then show the new state at once (the stream confirms it).
        Returns what to show on the row when it failed."""
        row = self.table.rows.get(workload_id)
        name = row.name if row else workload_id
        try:
            view = self.transport.act(workload_id, action)
        except RunaiError as exc:
            self.error_log.add(f"{action} {name}", exc.message)
            return words.for_action(exc, action, name)
        if view is None:
            self.table.remove(workload_id)
        else:
            self.table.upsert(view)
        return None

    def _apply(self, name: str, data: dict[str, Any]) -> None:
        """One event of the stream (on the loop)."""
        if self._stop.is_set():
            return
        if name == "snapshot":
            self.table.replace(data["workspaces"])
            error = data.get("error")
            if error:
                self.error_log.add("live updates", error.get("message") or "")
                self._show(
                    False, error=words.for_connection(error.get("message"), error.get("reason"))
                )
            else:
                self._show(True)
        elif name == "workspace":
            self.table.upsert(data["workspace"])
            self._show(True)
        elif name == "deleted":
            self.table.remove(data["id"])
            self._show(True)
        elif name == "error":
            self.error_log.add("live updates", data.get("message") or "")
            self._show(False, error=words.for_connection(data.get("message"), data.get("reason")))

    def _broken(self, detail: str) -> None:
        """The stream itself broke (the Jupyter server went away, a network fault)."""
        if self._stop.is_set():
            return
        self.error_log.add("live updates", detail)
        self._show(False, error=words.for_connection(None, None))

    def _tick(self) -> None:
        if self._stop.is_set() or self.loop is None:
            return
        self.table.tick()
        self._tick_handle = self.loop.call_later(TICK_S, self._tick)

    # -- the background reader ---------------------------------------------------------------
    def _post(self, callback: Callable[..., None], *args: Any) -> None:
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
                    self._post(self._broken, message)
            except Exception as exc:  # the stream broke in a way we did not foresee
                if not stream.is_set():
                    self._post(self._broken, type(exc).__name__)
            finally:
                if retry is not None:
                    retry.cancel()
            if self._stop.is_set():
                return
            if not stream.is_set():  # it broke (not our retry): wait a little first
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    def close(self) -> None:
        """Stop updating, then close the widgets."""
        self._stop.set()
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        super().close()

    @property
    def watching(self) -> bool:
        return self._watcher.is_alive()
