"""The live table of workspaces: phase with colour and spinner, GPUs, age, tool links, and
Suspend / Resume / Delete where the phase allows them (Delete asks first)."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import ipywidgets as w

from ..api import format_age, phase_badge, view_created

COLUMNS = (
    ("Name", "150px"),
    ("Project", "90px"),
    ("Phase", "120px"),
    ("GPUs", "60px"),
    ("Age", "50px"),
    ("Tools", "110px"),
)


def _cell(width: str) -> w.HTML:
    return w.HTML(layout=w.Layout(width=width, overflow="hidden"))


class Row(w.VBox):
    """One workspace: its cells and buttons, and under them why it waits, when it does."""

    def __init__(self, view: dict[str, Any], act: Callable[[str, str], None]) -> None:
        self.id = view["id"]
        self.cells = [_cell(width) for _, width in COLUMNS]
        small = w.Layout(width="80px")
        self.suspend = w.Button(description="Suspend", layout=small, tooltip="free its GPUs")
        self.resume = w.Button(description="Resume", layout=small)
        self.delete = w.Button(description="Delete", layout=small, button_style="danger")
        self.confirm = w.Button(
            description="Yes, delete", button_style="danger", layout=w.Layout(width="95px")
        )
        self.cancel = w.Button(description="Cancel", layout=small)
        self.question = w.HTML()
        self.suspend.on_click(lambda _: act(self.id, "suspend"))
        self.resume.on_click(lambda _: act(self.id, "resume"))
        self.delete.on_click(lambda _: self.ask())
        self.confirm.on_click(lambda _: self.confirmed(act))
        self.cancel.on_click(lambda _: self.settle())
        self.actions = w.HBox([self.suspend, self.resume, self.delete])
        self.note = w.HTML()
        super().__init__([w.HBox([*self.cells, self.actions]), self.note])
        self.view: dict[str, Any] = {}
        self.update(view)

    def update(self, view: dict[str, Any]) -> None:
        self.view = view
        gpu = view.get("gpu") or {}
        requested = gpu.get("requested")
        links = " ".join(
            f'<a href="{html.escape(u)}" target="_blank" style="color:#1565c0">open</a>'
            for u in view.get("urls") or []
        )
        created = view_created(view)
        age = (datetime.now(timezone.utc) - created).total_seconds() if created else None
        values = [
            f"<b>{html.escape(view['name'])}</b>",
            html.escape(view.get("project") or ""),
            phase_badge(view["phase"], bool(view.get("transitional"))),
            "" if requested is None else f"{gpu.get('allocated') or 0:g}/{requested:g}",
            format_age(age),
            links,
        ]
        for cell, value in zip(self.cells, values, strict=True):
            if cell.value != value:
                cell.value = value
        message = view.get("phaseMessage") or ""
        note = (
            f'<div style="color:#616161;font-size:90%;margin-left:4px">{html.escape(message)}</div>'
            if message
            else ""
        )
        if self.note.value != note:
            self.note.value = note
        allowed = view.get("actions") or {}
        self.suspend.disabled = not allowed.get("suspend")
        self.resume.disabled = not allowed.get("resume")
        self.delete.disabled = not allowed.get("delete")

    def ask(self) -> None:
        self.question.value = f"Delete <b>{html.escape(self.view['name'])}</b>?"
        self.actions.children = [self.question, self.confirm, self.cancel]

    def confirmed(self, act: Callable[[str, str], None]) -> None:
        self.settle()
        act(self.id, "delete")

    def settle(self) -> None:
        self.actions.children = [self.suspend, self.resume, self.delete]


class WorkspaceTable(w.VBox):
    """Rows keyed by workspace id; safe to update from the watcher thread."""

    def __init__(self, act: Callable[[str, str], None]) -> None:
        self._act = act
        self._lock = threading.RLock()
        self.rows: dict[str, Row] = {}
        header = w.HBox(
            [w.HTML(f"<b>{title}</b>", layout=w.Layout(width=width)) for title, width in COLUMNS]
        )
        self.empty = w.HTML("<i>No workspaces yet.</i>")
        self.header = header
        super().__init__([header, self.empty])

    def replace(self, views: list[dict[str, Any]]) -> None:
        with self._lock:
            wanted = {v["id"] for v in views}
            for gone in set(self.rows) - wanted:
                self.rows.pop(gone).close()
            for view in views:
                self._upsert(view)
            self._layout()

    def upsert(self, view: dict[str, Any]) -> None:
        with self._lock:
            self._upsert(view)
            self._layout()

    def remove(self, workload_id: str) -> None:
        with self._lock:
            row = self.rows.pop(workload_id, None)
            if row is not None:
                row.close()
            self._layout()

    def _upsert(self, view: dict[str, Any]) -> None:
        row = self.rows.get(view["id"])
        if row is None:
            self.rows[view["id"]] = Row(view, self._act)
        else:
            row.update(view)

    def _layout(self) -> None:
        rows = sorted(
            self.rows.values(), key=lambda r: (r.view.get("project") or "", r.view["name"])
        )
        children = [self.header, *(rows or [self.empty])]
        if list(self.children) != children:
            self.children = children
