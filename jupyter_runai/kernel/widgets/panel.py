"""One panel: a status line, the create form, and the live table, kept up to date in the
background (the extension's event stream, or polling) until the panel is closed."""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import ipywidgets as w

from ...client import RunaiError
from ..transport import StopSignal
from .form import CreateForm
from .table import WorkspaceTable

if TYPE_CHECKING:
    from ..api import Runai

RECONNECT_S = 5.0


class Panel(w.VBox):
    """``runai.panel()`` / ``%runai panel``."""

    def __init__(self, connection: Runai) -> None:
        self.connection = connection
        self.transport = connection.transport
        self.status = w.HTML()
        self.table = WorkspaceTable(self.act)
        self.last_error: str | None = None
        self._stop = StopSignal()
        self._state: dict[str, Any] = {"connected": False}
        projects, default = self._load()
        self.form = CreateForm(
            self.transport.create, projects, default, on_created=self.table.upsert
        )
        form = w.Accordion(children=[self.form], titles=("New workspace",))
        form.selected_index = None
        super().__init__([self.status, form, self.table])
        self._watcher = threading.Thread(target=self._watch, name="runai-panel", daemon=True)
        self._watcher.start()

    def _load(self) -> tuple[list[str], str | None]:
        try:
            status = self.transport.status()
            projects = [p["name"] for p in self.transport.projects()]
            self.table.replace(self.transport.workspaces())
        except RunaiError as exc:
            self._show(False, error=exc.message)
            return [], None
        self._state.update(simulated=status.get("simulated"))
        self._show(True)
        return projects, status.get("default_project")

    def _show(self, connected: bool, error: str | None = None) -> None:
        self._state["connected"] = connected
        if error is not None:
            self.last_error = error
        dot = "#2e7d32" if connected else "#c62828"
        where = f"connected {self.transport.description}" if connected else "not connected"
        kind = "<b>simulated</b>" if self._state.get("simulated") else "real"
        simulated = f" · {kind} Run:ai" if "simulated" in self._state else ""  # once known
        stamp = time.strftime("%H:%M:%S")
        last = (
            f' · <span style="color:#c62828">last error: {html.escape(self.last_error)}</span>'
            if self.last_error
            else ""
        )
        self.status.value = (
            f'<span style="color:{dot}">●</span> Run:ai {where}{simulated} · updated {stamp}{last}'
        )

    def act(self, workload_id: str, action: str) -> None:
        """A row's button: act, then show the new state at once (the stream confirms it)."""
        try:
            view = self.transport.act(workload_id, action)
        except RunaiError as exc:
            self._show(self._state["connected"], error=f"{action} failed: {exc.message}")
            return
        if view is None:
            self.table.remove(workload_id)
        else:
            self.table.upsert(view)
        self._show(True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                for name, data in self.transport.watch(self._stop):
                    if self._stop.is_set():
                        return
                    self._apply(name, data)
            except (RunaiError, OSError, ValueError, httpx.HTTPError) as exc:
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                if not self._stop.is_set():
                    self._show(False, error=f"live updates interrupted: {message}")
            except Exception as exc:  # the stream broke in a way we did not foresee
                if not self._stop.is_set():
                    self._show(False, error=f"live updates interrupted: {type(exc).__name__}")
            self._stop.wait(RECONNECT_S)

    def _apply(self, name: str, data: dict[str, Any]) -> None:
        if name == "snapshot":
            self.table.replace(data["workspaces"])
            error = data.get("error")
            self._show(error is None, error=error["message"] if error else None)
        elif name == "workspace":
            self.table.upsert(data["workspace"])
            self._show(True)
        elif name == "deleted":
            self.table.remove(data["id"])
            self._show(True)
        elif name == "error":
            self._show(False, error=data.get("message"))

    def close(self) -> None:
        """Stop updating, then close the widgets."""
        self._stop.set()
        super().close()

    @property
    def watching(self) -> bool:
        return self._watcher.is_alive()
