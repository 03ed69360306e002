"""The notebook's Python API: workspaces as objects, one connection, no secrets.

import jupyter_runai as runai
ws = runai.create("my-notebook", project="team-a", image="jupyter/scipy-notebook", gpu=1)
ws.wait()          # a progress line while it comes up
ws.suspend()       # frees the GPU; ws.resume() brings it back
runai.workspaces() # a table of your workspaces
"""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ..client import (
    InvalidRequest,
    Phase,
    RunaiConflict,
    RunaiError,
    RunaiNotFound,
    RunaiTimeout,
)
from .look import CSS, phase_badge, tool_links
from .tools import as_tool, named_for
from .transport import Transport, default_transport
from .words import CREATE_WORDS


def view_created(view: Mapping[str, Any]) -> datetime | None:
    stamp = view.get("createdAt")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class Workspace:
    """A Run:ai workspace, as this notebook sees it. Methods act on Run:ai and return self."""

    def __init__(self, view: Mapping[str, Any], connection: Runai) -> None:
        self._view = dict(view)
        self._connection = connection

    # -- what it is -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._view["id"]

    @property
    def name(self) -> str:
        return self._view["name"]

    @property
    def project(self) -> str | None:
        return self._view.get("project")

    @property
    def phase(self) -> str:
        return self._view["phase"]

    @property
    def phase_message(self) -> str | None:
        return self._view.get("phaseMessage")

    @property
    def gpu(self) -> float | None:
        """GPUs allocated now (a fraction for a GPU portion)."""
        return (self._view.get("gpu") or {}).get("allocated")

    @property
    def gpu_requested(self) -> float | None:
        return (self._view.get("gpu") or {}).get("requested")

    @property
    def image(self) -> str | None:
        return self._view.get("image")

    @property
    def cpu(self) -> float | None:
        """CPU cores requested."""
        return self._view.get("cpu")

    @property
    def memory(self) -> str | None:
        """CPU memory requested, a quantity such as ``"8G"``."""
        return self._view.get("memory")

    @property
    def env(self) -> dict[str, str]:
        """Its environment variables with plain values."""
        return dict(self._view.get("env") or {})

    @property
    def urls(self) -> list[str]:
        return list(self._view.get("urls") or [])

    @property
    def created_at(self) -> datetime | None:
        return view_created(self._view)

    @property
    def age(self) -> timedelta | None:
        created = self.created_at
        return datetime.now(timezone.utc) - created if created else None

    @property
    def actions(self) -> dict[str, bool]:
        return dict(self._view.get("actions") or {})

    def to_dict(self) -> dict[str, Any]:
        return dict(self._view)

    # -- what it does -----------------------------------------------------------------------
    def refresh(self) -> Workspace:
        self._view = self._connection.transport.workspace(self.id)
        return self

    def suspend(self) -> Workspace:
        """Stop it and free its GPUs; its definition stays, to resume later."""
        return self._act("suspend")

    def resume(self) -> Workspace:
        return self._act("resume")

    def delete(self) -> Workspace:
        return self._act("delete")

    def _act(self, action: str) -> Workspace:
        view = self._connection.transport.act(self.id, action)
        if view is not None:
            self._view = view
        return self

    def wait(
        self, phase: str | Iterable[str] = "Running", timeout: float = 600.0, progress: bool = True
    ) -> Workspace:
        """Wait until it reaches ``phase`` (one or several), showing its progress in place.

        Raises RunaiTimeout if it has not got there in ``timeout`` seconds, and RunaiError if it
        ends somewhere else (Failed, or Stopped when that was not asked for).
        """
        wanted = {Phase(p).value for p in ([phase] if isinstance(phase, str) else phase)}
        display = _ProgressLine(self) if progress else None
        deadline = time.monotonic() + timeout
        pause = 0.5
        try:
            return self._wait(wanted, display, deadline, timeout, pause)
        finally:
            if display:
                display.show(live=False)  # the line stays: it must not spin once nobody waits

    def _wait(
        self,
        wanted: set[str],
        display: _ProgressLine | None,
        deadline: float,
        timeout: float,
        pause: float,
    ) -> Workspace:
        while True:
            if display:
                display.show()
            if self.phase in wanted:
                return self
            finished = Phase.parse(self.phase).finished
            if finished and self.phase != "Stopped":
                raise RunaiError(
                    f"workspace {self.name} is {self.phase}, not {' or '.join(sorted(wanted))}"
                    + (f": {self.phase_message}" if self.phase_message else "")
                )
            if time.monotonic() >= deadline:
                raise RunaiTimeout(
                    f"workspace {self.name} is still {self.phase} after {timeout:g}s "
                    f"(waiting for {' or '.join(sorted(wanted))})"
                    + (f": {self.phase_message}" if self.phase_message else "")
                )
            time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
            pause = min(pause * 1.5, 5.0)
            self.refresh()

    # -- how it looks -----------------------------------------------------------------------
    def describe(self) -> Details:
        """Everything known about it, as ``runai workspace describe`` would show it."""
        created = self.created_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.created_at else ""
        age = format_age(self.age.total_seconds()) if self.age else ""
        gpu = "" if self.gpu_requested is None else f"{self.gpu or 0:g} of {self.gpu_requested:g}"
        tools = self.tools
        rows = [
            ("Name", self.name),
            ("Project", self.project or ""),
            ("Id", self.id),
            ("Phase", self.phase + (f": {self.phase_message}" if self.phase_message else "")),
            ("Image", self.image or ""),
            ("GPUs allocated", gpu),
            ("CPU cores", "" if self.cpu is None else f"{self.cpu:g}"),
            ("Memory", self.memory or ""),
            ("Environment", "\n".join(f"{k}={v}" for k, v in self.env.items()) or "none"),
            ("Created", f"{created} ({age} ago) by {self._view.get('createdBy') or '?'}"),
            ("Tools", _tool_lines(tools) if tools else "none"),
            ("Can", ", ".join(a for a, ok in self.actions.items() if ok) or "nothing now"),
        ]
        return Details([(field, value) for field, value in rows if value])  # no blank rows

    @property
    def tools(self) -> list[dict[str, Any]]:
        """Its tools (the URLs it exposes): ``name``, ``type``, ``port`` (None where the view
        does not say) and ``url`` each."""
        described = self._view.get("tools")
        if described:
            return [dict(t) for t in described]
        return [{"name": None, "type": None, "port": _url_port(u), "url": u} for u in self.urls]

    def __repr__(self) -> str:
        return (
            f"<Workspace {self.project}/{self.name} {self.phase} gpu={_gpu_text(self)} "
            f"id={self.id}>"
        )

    def _repr_html_(self) -> str:
        return WorkspaceList([self])._repr_html_()


class Details:
    """Field: value lines, as text or as an HTML table."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows

    def __repr__(self) -> str:
        width = max(len(k) for k, _ in self.rows) + 1
        indent = "\n" + " " * (width + 1)
        return "\n".join(f"{k + ':':<{width}} {indent.join(v.splitlines())}" for k, v in self.rows)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{'<br>'.join(map(html.escape, v.splitlines()))}</td></tr>"
            for k, v in self.rows
        )
        return f"<table>{cells}</table>"


class Status(dict):
    """The status check (a dict of the extension's ``status`` answer) that shows itself as one
    sentence: how this notebook reaches Run:ai, simulated or real, and what is wrong if
    anything."""

    def __init__(self, answer: Mapping[str, Any], how: str) -> None:
        super().__init__(answer)
        self.how = how

    def sentence(self) -> str:
        from .words import plain  # Run:ai's HTTP report never shows here

        kind = "simulated" if self.get("simulated") else "real"
        parts = [f"{kind} control plane"]
        if self.get("configured") is False or self.get("message"):
            message = self.get("message") or "not configured"
            parts.append(plain(message, "Run:ai is not answering right now"))
        elif self.get("credentials_accepted"):
            parts.append("credentials accepted")
        if self.get("default_project"):
            parts.append(f"default project {self['default_project']}")
        return f"Run:ai {self.how}: " + ", ".join(parts)

    def __repr__(self) -> str:
        return self.sentence()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.sentence())

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.sentence())}</p>"


class ProjectList(list):
    """The projects you may use (a list of dicts) that shows itself as a table."""

    COLUMNS = ("NAME", "GPU QUOTA", "GPUS ALLOCATED", "ID")

    def _rows(self) -> list[list[str]]:
        def number(value: Any) -> str:
            return "-" if value is None else f"{value:g}"

        return [
            [p["name"], number(p.get("gpuQuota")), number(p.get("gpuAllocated")), str(p["id"])]
            for p in self
        ]

    def __repr__(self) -> str:
        return text_table(self._rows(), self.COLUMNS) if self else "No projects."

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        if not self:
            return "<i>No projects.</i>"
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.COLUMNS)
        body = "".join(
            "<tr>"
            + "".join(f"<td style='text-align:left'>{html.escape(v)}</td>" for v in row)
            + "</tr>"
            for row in self._rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _ProgressLine:
    """One line, updated in place in a notebook (printed once per change elsewhere)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.started = time.monotonic()
        self.last_phase: str | None = None
        self.last_text = ""
        self.last_rich = ""
        self._display: Any = None  # IPython's display(), when in IPython
        self._handle: Any = None  # the line, once shown
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is not None:
            self._display = display

    def show(self, live: bool = True) -> None:
        """Show the line with what is true now: displayed on the first call, then updated in
        place only when it changes (printed once per phase outside IPython); ``live=False``
        when the wait is over (a still ring, not a spinner)."""
        ws = self.workspace
        waited = format_age(time.monotonic() - self.started) or "0s"
        note = f" ({ws.phase_message})" if ws.phase_message else ""
        text = f"{ws.name}: {ws.phase}{note}, waited {waited}"
        if self._display is not None:
            badge = phase_badge(ws.phase, Phase.parse(ws.phase).transitional, live=live)
            rich = (
                f"{CSS}<b>{html.escape(ws.name)}</b>: {badge}{html.escape(note)} "
                f"<small>waited {waited}</small>"
            )
            if rich != self.last_rich:
                self.last_rich = rich
                data = {"text/html": rich, "text/plain": text}
                if self._handle is None:
                    self._handle = self._display(data, raw=True, display_id=True)
                else:
                    self._handle.update(data, raw=True)
        elif ws.phase != self.last_phase:
            print(text)
        self.last_phase = ws.phase
        self.last_text = text


COLUMNS = ("name", "project", "phase", "gpu", "age", "image", "urls", "id")


def _tool_label(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] or url


def _url_port(url: str) -> int | None:
    """The container port a Run:ai tool URL ends with (``.../<workspace>/8888/``), if it does."""
    label = _tool_label(url)
    return int(label) if label.isdigit() else None


def _tool_lines(tools: list[dict[str, Any]]) -> str:
    """``jupyter (jupyter-notebook)  port 8888  https://...``, a line a tool, in columns, leaving
    out what is not known."""
    rows = []
    for tool in tools:
        name, kind, port = tool.get("name"), tool.get("type"), tool.get("port")
        label = " ".join(
            filter(None, [name, (f"({kind})" if name else kind) if kind and kind != name else ""])
        )
        rows.append((label, f"port {port}" if port is not None else "", tool.get("url") or ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    shown = [i for i in range(3) if widths[i]]  # no column of blanks
    return "\n".join("  ".join(f"{row[i]:<{widths[i]}}" for i in shown).rstrip() for row in rows)


def _gpu_text(ws: Workspace) -> str:
    """GPUs as requested, and as allocated when that differs: ``0.5``, ``0.5 (0 allocated)``."""
    requested, allocated = ws.gpu_requested, ws.gpu
    if requested is None:
        return "none" if not allocated else f"{allocated:g} allocated"
    if (allocated or 0) == requested:
        return f"{requested:g}"
    return f"{requested:g} ({allocated or 0:g} allocated)"


TEXT_COLUMNS = ("NAME", "PROJECT", "STATUS", "GPU (ALLOC/REQ)", "AGE", "TOOLS", "IMAGE")


def text_table(rows: list[list[str]], header: Iterable[str]) -> str:
    """Aligned columns under an upper-case header, two spaces apart, as the Run:ai CLI prints
    them (no trailing spaces)."""
    table = [list(header), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    )


class WorkspaceList(list):
    """A list of workspaces that shows itself as a table (text or HTML; and converts to pandas).

    ``print(runai.workspaces())`` prints the text table; it is a list all the same (index it,
    loop over it, ``len()`` it).
    """

    def __repr__(self) -> str:
        if not self:
            return "No workspaces."
        rows = []
        for w in self:
            if w.gpu_requested is None and not w.gpu:
                gpu = "-"
            else:
                gpu = f"{w.gpu or 0:g}/{w.gpu_requested or 0:g}"
            note = f" ({w.phase_message})" if w.phase_message else ""
            rows.append(
                [
                    w.name,
                    w.project or "",
                    w.phase + ("*" if note else ""),
                    gpu,
                    format_age(w.age.total_seconds() if w.age else None) or "-",
                    str(len(w.urls)),
                    w.image or "",
                ]
            )
        notes = [f"* {w.name}: {w.phase_message}" for w in self if w.phase_message]
        return "\n".join([text_table(rows, TEXT_COLUMNS), *notes])

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def to_dataframe(self) -> Any:
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        rows = [
            {
                "name": w.name,
                "project": w.project,
                "phase": w.phase,
                "gpu": w.gpu,
                "gpu_requested": w.gpu_requested,
                "age": w.age,
                "image": w.image,
                "urls": w.urls,
                "id": w.id,
            }
            for w in self
        ]
        return pd.DataFrame(rows, columns=[*COLUMNS[:4], "gpu_requested", *COLUMNS[4:]])

    def _repr_html_(self) -> str:
        if not self:
            return "<i>No workspaces.</i>"
        head = "".join(f"<th style='text-align:left'>{c}</th>" for c in COLUMNS)
        rows = []
        for w in self:
            links = tool_links(w.tools) if w.phase == "Running" else ""
            gpu = "" if w.gpu_requested is None else f"{w.gpu or 0:g}/{w.gpu_requested:g}"
            cells = [
                html.escape(w.name),
                html.escape(w.project or ""),
                phase_badge(w.phase, bool(w._view.get("transitional"))),
                gpu,
                format_age(w.age.total_seconds() if w.age else None),
                html.escape(w.image or ""),
                links,
                f"<code>{w.id}</code>",
            ]
            rows.append(
                "<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in cells) + "</tr>"
            )
        return f"{CSS}<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


class Runai:
    """A connection: the extension inside Jupyter, Run:ai directly elsewhere (or as given)."""

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or default_transport()
        self._default_project: str | None = None
        self._default_known = False

    def __repr__(self) -> str:
        return f"<Runai {self.transport.description}: {self.transport!r}>"

    def status(self) -> Status:
        return Status(self.transport.status(), self.transport.description)

    def projects(self) -> ProjectList:
        return ProjectList(self.transport.projects())

    def default_project(self) -> str | None:
        """The deployment's default project (asked once per connection)."""
        if not self._default_known:
            self._default_project = self.status().get("default_project")
            self._default_known = True
        return self._default_project

    def workspaces(self, project: str | None = None) -> WorkspaceList:
        return WorkspaceList(Workspace(v, self) for v in self.transport.workspaces(project))

    def workspace_by_id(self, workload_id: str) -> Workspace:
        return Workspace(self.transport.workspace(workload_id), self)

    def workspace(self, name_or_id: str, project: str | None = None) -> Workspace:
        """One workspace by id, or by name (in ``project``, or the only one of that name)."""
        try:
            workload_id = str(uuid.UUID(name_or_id))
        except ValueError:
            workload_id = None
        if workload_id is not None:
            return self.workspace_by_id(workload_id)
        matches = [w for w in self.workspaces(project) if w.name == name_or_id]
        where = f" in project {project}" if project else ""
        if not matches:
            raise RunaiNotFound(f"no workspace named {name_or_id!r}{where}")
        if len(matches) > 1:
            projects = ", ".join(sorted(w.project or "?" for w in matches))
            raise InvalidRequest(
                "project",
                f"{len(matches)} workspaces are named {name_or_id!r} (projects "
                f"{projects}): say which project",
            )
        return matches[0]

    def create(
        self,
        name: str,
        project: str | None = None,
        image: str | None = None,
        *,
        gpu: float | None = None,
        cpu: float | None = None,
        memory: str | None = None,
        env: Mapping[str, str] | None = None,
        name_prefix: bool = False,
        tools: Iterable[int | str | Mapping[str, Any]] = (),
        command: str | None = None,
        args: str | None = None,
    ) -> Workspace:
        """Create a workspace; ``project`` defaults to the configured one."""
        project = project or self.default_project()
        if not project:
            raise InvalidRequest("project", "required (no default project is configured)")
        body: dict[str, Any] = {"name": name, "project": project, "image": image or ""}
        optional = {
            "gpu": gpu,
            "cpu": cpu,
            "memory": memory,
            "env": dict(env) if env else None,
            "namePrefix": name_prefix or None,
            "command": command,
            "args": args,
            "tools": named_for([as_tool(t) for t in tools], image or "") or None,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        try:
            return Workspace(self.transport.create(body), self)
        except RunaiConflict as exc:
            taken = CREATE_WORDS["conflict"][1].format(name=name, project=project)
            raise RunaiConflict(
                taken, status=exc.status, details=exc.details or exc.message, reason="conflict"
            ) from None

    def panel(self) -> Any:
        from .panel import Panel

        return Panel(self)


_default: Runai | None = None


def connect(transport: Transport | None = None) -> Runai:
    """The notebook's connection (made on first use); pass a transport to choose another."""
    global _default
    if transport is not None or _default is None:
        _default = Runai(transport)
    return _default


# -- the short API: ``runai.workspaces()`` etc., each on the notebook's connection ---------------
def status() -> Status:
    """How this notebook reaches Run:ai: simulated or real, credentials accepted, the default
    project."""
    return connect().status()


def projects() -> ProjectList:
    """The Run:ai projects you may create workspaces in."""
    return connect().projects()


def workspaces(project: str | None = None) -> WorkspaceList:
    """Your workspaces (in ``project``, or in every project), as a table."""
    return connect().workspaces(project)


def workspace(name_or_id: str, project: str | None = None) -> Workspace:
    """One workspace by id, or by name (in ``project``, or the only one of that name)."""
    return connect().workspace(name_or_id, project)


def create(
    name: str,
    project: str | None = None,
    image: str | None = None,
    *,
    gpu: float | None = None,
    cpu: float | None = None,
    memory: str | None = None,
    env: Mapping[str, str] | None = None,
    name_prefix: bool = False,
    tools: Iterable[int | str | Mapping[str, Any]] = (),
    command: str | None = None,
    args: str | None = None,
) -> Workspace:
    """Create a workspace and return it at once (``.wait()`` for it to run).

    ``project`` defaults to the configured one; ``gpu`` below 1 is a share of one GPU, else
    whole devices; ``memory`` is a quantity such as ``"8G"``; ``tools`` are container ports to
    expose as links: ``"jupyter:8888"`` (a named tool), ``6006``, or a create body's
    ``{"port": ..., "type": ..., "name": ...}``; ``name_prefix=True`` lets Run:ai add a unique
    suffix to ``name``.
    """
    return connect().create(
        name,
        project,
        image,
        gpu=gpu,
        cpu=cpu,
        memory=memory,
        env=env,
        name_prefix=name_prefix,
        tools=tools,
        command=command,
        args=args,
    )


def panel() -> Any:
    """The create form and the live list of your workspaces: the JupyterLab sidebar's own UI, as
    a widget in the notebook (anywidget)."""
    return connect().panel()
