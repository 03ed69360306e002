"""The live table of workspaces: phase with colour (a spinner while it changes), GPUs, an age that
follows the clock, tool links while Running, and Suspend / Resume / Delete where the phase
allows them (Delete asks first).

One grid: a row is one HTML widget (its cells, laid out by CSS so that the columns align and
narrow widths drop the Project column) and one box holding only the buttons its phase allows,
made when first needed. Rows share their Layout and Style models, so a row costs about four
widget comms, not dozens: hundreds of workspaces stay cheap.

Not thread-safe by design: the panel changes it on the kernel's event loop only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from ..api import format_age, view_created
from ..look import CSS, colour, phase_badge, tool_links
from . import words

COLUMNS = ("Name", "Project", "Phase", "GPUs", "Age", "Tools")
#: The cells' grid: names and tools take the spare room; phase, GPUs and age never clip.
GRID = "minmax(6em,4fr) minmax(4em,1.5fr) 7.5em 4em 3em minmax(6.5em,2fr)"
NARROW_GRID = "minmax(6em,4fr) 7.5em 4em 3em minmax(6.5em,2fr)"
TABLE_CSS = (
    "<style>"
    ".runai-box{container-type:inline-size;container-name:runai-row}"
    f".runai-cells{{display:grid;grid-template-columns:{GRID};column-gap:8px;"
    "align-items:center;min-height:var(--jp-widgets-inline-height,28px);"
    "color:var(--jp-ui-font-color1,inherit)}"
    ".runai-cells>span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0}"
    ".runai-head{font-weight:600}"
    ".runai-cells>span.runai-tools{white-space:normal}.runai-tools a{white-space:nowrap}"
    ".runai-note{font-size:90%;line-height:1.3;padding:0 0 4px 2px;white-space:normal;"
    f"color:{colour('muted')}}}"
    f".runai-note.runai-bad{{color:{colour('error')}}}"
    ".runai-stale .runai-cells{font-style:italic}"
    "@container runai-row (max-width:44em){"
    f".runai-cells{{grid-template-columns:{NARROW_GRID}}}.runai-project{{display:none}}}}"
    # narrower still (a notebook beside the file browser at 700 px): each row on two lines,
    # the name first, then phase, GPUs, age and tools, each saying what it is
    "@container runai-row (max-width:36em){"
    ".runai-cells{display:flex;flex-wrap:wrap;column-gap:.9em;line-height:1.5}"
    ".runai-cells>span:empty{display:none}"
    ".runai-name{flex:1 0 100%}.runai-head{display:none}"
    f".runai-gpu::before{{content:'GPUs ';color:{colour('muted')}}}"
    f".runai-age::before{{content:'age ';color:{colour('muted')}}}}}"
    "</style>"
)
ACTIONS = {"suspend": "Suspend", "resume": "Resume", "delete": "Delete"}


def live_age(seconds: float | None) -> str:
    """An age that moves with the clock, in steps that re-render a row at most every 10 s
    (each re-render replaces the row's HTML: a hover or a selection in it starts again)."""
    if seconds is not None and seconds < 60:
        return f"{int(seconds) // 10 * 10}s"
    return format_age(seconds)


class _Shared:
    """Layout and Style models every row uses (one comm each, however many rows)."""

    def __init__(self) -> None:
        self.cells = w.Layout(width="auto", min_width="0")
        self.cell_style = HTMLStyle()
        self.actions = w.Layout(
            display="flex",
            justify_content="flex-end",
            align_items="flex-start",
            flex_flow="row nowrap",
        )
        self.button = w.Layout(width="auto", margin="2px 0 2px 4px")
        self.button_style = w.ButtonStyle()


class Row:
    """One workspace: its cells and note (one HTML widget) and its buttons."""

    def __init__(self, table: WorkspaceTable, view: dict[str, Any]) -> None:
        self.table = table
        self.id = view["id"]
        self.view: dict[str, Any] = view
        self.html = w.HTML(layout=table.shared.cells, style=table.shared.cell_style)
        self.actions = w.Box(layout=table.shared.actions)
        self.buttons: dict[str, w.Button] = {}
        self.asking = False
        self.error = ""  # why the last action on this row failed, in the user's words
        self.update(view)

    @property
    def name(self) -> str:
        return self.view["name"]

    def button(self, kind: str) -> w.Button:
        """The row's ``kind`` button, made on first use."""
        made = self.buttons.get(kind)
        if made is None:
            labels = {**ACTIONS, "confirm": "Yes, delete", "cancel": "Cancel"}
            danger = kind in ("delete", "confirm")
            made = w.Button(
                description=labels[kind],
                tooltip=f"{labels[kind]} {self.name}" if kind in ACTIONS else "",
                button_style="danger" if danger else "",
                layout=self.table.shared.button,
                style=self.table.shared.button_style,
            )
            made.on_click(lambda _b, kind=kind: self.clicked(kind))
            self.buttons[kind] = made
        return made

    def clicked(self, kind: str) -> None:
        if kind == "delete":
            self.asking = True
        elif kind == "cancel":
            self.asking = False
        elif kind == "confirm":
            self.asking = False
            self.table.act(self, "delete")
        else:
            self.table.act(self, kind)
        if self.table.rows.get(self.id) is self:  # not deleted meanwhile
            self.render()

    def update(self, view: dict[str, Any]) -> None:
        if view.get("phase") != self.view.get("phase"):
            self.error = ""  # about a phase that has passed
        self.view = view
        self.render()

    def render(self) -> None:
        """Set the HTML and buttons from the view, the clock and the table's state (only
        what changed is sent)."""
        view = self.view
        live = not self.table.stale
        gpu = view.get("gpu") or {}
        requested = gpu.get("requested")
        created = view_created(view)
        age = (self.table.clock() - created).total_seconds() if created else None
        running = view["phase"] == "Running"
        tools = view.get("tools") or [{"url": u} for u in view.get("urls") or []]
        name, project = view["name"], view.get("project") or ""
        cells = [
            ("name", f"<b>{html.escape(name)}</b>", f"{project}/{name}"),
            ("project", html.escape(project), project),
            ("phase", phase_badge(view["phase"], bool(view.get("transitional")), live), ""),
            (
                "gpu",
                "0" if not requested else f"{gpu.get('allocated') or 0:g}/{requested:g}",
                "allocated/requested GPUs",
            ),
            ("age", live_age(age), ""),
            ("tools", tool_links(tools) if running else "", ""),
        ]
        spans = "".join(
            f'<span class="runai-{key}"'
            + (f' title="{html.escape(tip)}"' if tip else "")
            + f">{value}</span>"
            for key, value, tip in cells
        )
        notes = []
        if self.error:
            notes.append(f'<div class="runai-note runai-bad">{html.escape(self.error)}</div>')
        if self.asking:
            notes.append(
                f'<div class="runai-note">Delete <b>{html.escape(name)}</b>? '
                "Its definition goes too; this cannot be undone.</div>"
            )
        if view.get("phaseMessage"):  # why it waits, or why it failed (marked as an error)
            bad = " runai-bad" if view["phase"] == "Failed" else ""
            message = html.escape(view["phaseMessage"])
            notes.append(f'<div class="runai-note{bad}">{message}</div>')
        stale = "" if live else " runai-stale"
        value = (
            f'<div class="runai-box{stale}"><div class="runai-cells">{spans}</div>'
            f"{''.join(notes)}</div>"
        )
        if self.html.value != value:
            self.html.value = value
        allowed = view.get("actions") or {}
        if self.asking and allowed.get("delete"):
            kinds = ["confirm", "cancel"]
        else:
            self.asking = False
            kinds = [k for k in ACTIONS if allowed.get(k)]
        children = tuple(self.button(k) for k in kinds)
        if tuple(self.actions.children) != children:
            self.actions.children = children
        busy = self.table.busy == self.id
        for button in children:
            if button.disabled != busy:
                button.disabled = busy

    def close(self) -> None:
        for button in self.buttons.values():
            button.close()
        self.actions.close()
        self.html.close()


class WorkspaceTable(w.GridBox):
    """Rows keyed by workspace id, sorted by project and name."""

    def __init__(
        self,
        act: Callable[[str, str], str | None],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._act = act
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.stale = False
        self.busy: str | None = None  # the row whose action is in flight
        self.shared = _Shared()
        self.rows: dict[str, Row] = {}
        head = "".join(f'<span class="runai-{c.lower()}">{c}</span>' for c in COLUMNS)
        self.header = w.HTML(
            f'{CSS}{TABLE_CSS}<div class="runai-box"><div class="runai-cells runai-head">'
            f"{head}</div></div>",
            layout=self.shared.cells,
            style=self.shared.cell_style,
        )
        self.corner = w.Box(layout=self.shared.actions)
        self.empty = w.HTML("<i>No workspaces yet.</i>", layout=w.Layout(grid_column="1 / span 2"))
        super().__init__(
            [self.header, self.corner, self.empty],
            layout=w.Layout(
                grid_template_columns="minmax(0,1fr) auto",
                grid_gap="0 4px",
                align_items="flex-start",
                width="100%",
            ),
        )

    def act(self, row: Row, action: str) -> None:
        """A row's button: one action at a time per row; a failure shows on the row."""
        if self.busy is not None:
            return
        self.busy = row.id
        row.error = ""
        row.render()
        try:
            row.error = self._act(row.id, action) or ""
        finally:
            self.busy = None
        if row.id in self.rows:
            row.render()

    def replace(self, views: list[dict[str, Any]]) -> None:
        wanted = {v["id"] for v in views}
        for gone in set(self.rows) - wanted:
            self.rows.pop(gone).close()
        for view in views:
            self._upsert(view)
        self._layout()

    def upsert(self, view: dict[str, Any]) -> None:
        self._upsert(view)
        self._layout()

    def remove(self, workload_id: str) -> None:
        row = self.rows.pop(workload_id, None)
        if row is not None:
            row.close()
        self._layout()

    def set_stale(self, stale: bool) -> None:
        """Mark every row as not live (while disconnected), or live again (when a row's
        "Run:ai is not answering" is moot)."""
        if stale != self.stale:
            self.stale = stale
            if not stale:
                for row in self.rows.values():
                    if words.is_outage(row.error):
                        row.error = ""
            self.tick()

    def tick(self) -> None:
        """Re-render every row against the clock (ages move; only changed rows are sent)."""
        for row in self.rows.values():
            row.render()

    def row_named(self, name: str) -> Row:
        return next(r for r in self.rows.values() if r.name == name)

    def _upsert(self, view: dict[str, Any]) -> None:
        row = self.rows.get(view["id"])
        if row is None:
            self.rows[view["id"]] = Row(self, view)
        else:
            row.update(view)

    def _layout(self) -> None:
        rows = sorted(self.rows.values(), key=lambda r: (r.view.get("project") or "", r.name))
        cells: list[w.Widget] = [self.header, self.corner]
        for row in rows:
            cells += [row.html, row.actions]
        if not rows:
            cells.append(self.empty)
        if list(self.children) != cells:
            self.children = cells
