"""The create form: every field checked as you type (create_body's rules, all at once), errors
next to the field they concern with the field marked red, Create enabled only when there is
something to create, one click one create, Enter in Name submits."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ...client import ComplianceIssue, InvalidRequest, RunaiBadRequest, RunaiError
from ...client.create_body import create_issues
from ..look import CSS, colour
from ..tools import default_tools, format_tools, parse_tools
from . import words

IMAGE_PRESETS = (
    "jupyter/scipy-notebook",
    "pytorch/pytorch:latest",
    "nvcr.io/nvidia/pytorch:24.08-py3",
    "tensorflow/tensorflow:latest-gpu-jupyter",
)
FORM_CSS = (
    "<style>"
    ".runai-invalid input,.runai-invalid textarea,.runai-invalid select"
    f"{{border-color:{colour('error')}!important;box-shadow:inset 0 0 0 1px {colour('error')}}}"
    ".runai-field-error,.runai-field-error .widget-html-content"
    "{font-size:95%;line-height:1.35;white-space:normal;height:auto}"
    "</style>"
)


def field_of(issue_field: str) -> str:
    """Which form field an error names (ours, or Run:ai's spec paths)."""
    name = (
        issue_field.split(".")[-1] if issue_field.startswith(("spec.", "compute.")) else issue_field
    )
    name = name.split("[")[0].split(".")[0]
    aliases = {
        "projectId": "project",
        "clusterId": "project",
        "gpuDevicesRequest": "gpu",
        "gpuPortionRequest": "gpu",
        "gpuRequestType": "gpu",
        "cpuCoreRequest": "cpu",
        "cpuMemoryRequest": "memory",
        "environmentVariables": "env",
        "exposedUrls": "tools",
        "namePrefix": "name_prefix",
    }
    return aliases.get(name, name)


class CreateForm(w.VBox):
    """Name, project, image, GPUs, CPU, memory, tools, environment, name-as-prefix, Create."""

    FIELDS = ("name", "project", "image", "gpu", "cpu", "memory", "tools", "env", "name_prefix")

    def __init__(
        self,
        create: Callable[[dict[str, Any]], dict[str, Any]],
        projects: list[str],
        default_project: str | None = None,
        on_created: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._create = create
        self._on_created = on_created
        self.busy = False  # a create in flight: further clicks do nothing
        self.created: dict[str, Any] | None = None  # the body just created, until an edit
        self.shown: set[str] = set()  # fields whose errors show (edited, or after a click)
        self.errors_log = words.ErrorLog()
        self.name = w.Text(placeholder="my-notebook", continuous_update=True)
        self.project = w.Dropdown(
            options=projects,
            value=default_project
            if default_project in projects
            else (projects[0] if projects else None),
        )
        self.image = w.Combobox(
            options=IMAGE_PRESETS,
            value=IMAGE_PRESETS[0],
            placeholder="an image",
            ensure_option=False,
        )
        # numbers as typed, checked as you type: never rounded or clamped (a bounded widget
        # would turn -1 into 0 unseen); create_body says what Run:ai takes
        self.gpu = w.FloatText(value=0, step=0.5, continuous_update=True)
        self.cpu = w.FloatText(value=1, step=0.5, continuous_update=True)
        self.memory = w.Text(placeholder="e.g. 8G")
        self.tools = w.Text(
            value=format_tools(default_tools(self.image.value)),
            placeholder="e.g. jupyter:8888, tensorboard:6006",
        )
        self._tools_edited = False
        self.env = w.Textarea(placeholder="KEY=value, one per line", rows=2)
        self.name_prefix = w.Checkbox(
            value=False,
            description="use the name as a prefix",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        # under the field, as wide as the form, shown only when there is something to say
        self.errors = {
            field: w.HTML(
                layout=w.Layout(
                    flex="1 1 100%",
                    margin="0 0 6px calc(7.5 * var(--jp-widgets-font-size, 13px) + 4px)",
                    display="none",
                )
            )
            for field in self.FIELDS
        }
        for html_widget in self.errors.values():
            html_widget.add_class("runai-field-error")
        self.submit = w.Button(
            description="Create",
            button_style="primary",
            icon="rocket",
            disabled=True,
            tooltip="Create the workspace",
            layout=w.Layout(width="auto"),
        )
        self.message = w.HTML(layout=w.Layout(margin="0 0 0 8px"))
        self.style = w.HTML(f"{CSS}{FORM_CSS}", layout=w.Layout(height="0", margin="0"))
        self.submit.on_click(self.click)
        self.name.on_msg(self._name_message)  # Enter in Name: the frontend's "submit" event
        self.inputs = {
            "name": self.name,
            "project": self.project,
            "image": self.image,
            "gpu": self.gpu,
            "cpu": self.cpu,
            "memory": self.memory,
            "tools": self.tools,
            "env": self.env,
            "name_prefix": self.name_prefix,
        }
        for field, widget in self.inputs.items():
            widget.add_class(f"runai-field-{field.replace('_', '-')}")  # for CSS and tests
            widget.observe(lambda _change, field=field: self._edited(field), "value")
        labels = {
            "name": "Name",
            "project": "Project",
            "image": "Image",
            "gpu": "GPUs",
            "cpu": "CPU cores",
            "memory": "Memory",
            "tools": "Tools",
            "env": "Environment",
            "name_prefix": "",
        }
        rows = []
        for field in self.FIELDS:
            widget = self.inputs[field]
            if field != "name_prefix":
                widget.layout.width = "auto"  # beside its label down to ~250 px wide
                widget.layout.flex = "1 1 10em"
                widget.layout.min_width = "8em"
                widget.layout.max_width = "280px"
            label = w.Label(labels[field], layout=w.Layout(width="7.5em", flex="0 0 7.5em"))
            rows.append(
                w.HBox(
                    [label, widget, self.errors[field]],
                    layout=w.Layout(flex_flow="row wrap", align_items="flex-start"),
                )
            )
        super().__init__([self.style, *rows, w.HBox([self.submit, self.message])])

    # -- checking as you type ---------------------------------------------------------------
    def _edited(self, field: str) -> None:
        if field == "tools":
            self._tools_edited = True
        if field == "image" and not self._tools_edited:
            self.tools.value = format_tools(default_tools(self.image.value))
            self._tools_edited = False  # still the default, following the image
        self.created = None
        self.shown.add(field)
        if field == "name_prefix":
            self.shown.add("name")
        self._say("")
        self.check()

    def issues(self) -> list[ComplianceIssue]:
        """Every field that breaks a rule, one issue each."""
        found: list[ComplianceIssue] = []
        try:
            body = self.body()
        except InvalidRequest as exc:
            found += exc.issues
            body = self.body(strict=False)
        taken = {field_of(i.field) for i in found}
        found += [i for i in create_issues(body) if field_of(i.field) not in taken]
        return found

    def check(self) -> list[ComplianceIssue]:
        """Show the issues of the fields shown so far; enable Create when there are none."""
        issues = self.issues()
        by_field: dict[str, str] = {}
        for issue in issues:
            by_field.setdefault(field_of(issue.field), issue.details)
        for field in self.FIELDS:
            self.show_error(field, by_field.get(field, "") if field in self.shown else "")
        self.submit.disabled = bool(issues) or self.busy or self.created is not None
        return issues

    def show_error(self, field: str, text: str) -> None:
        value = (
            f'<span style="color:{colour("error")}">{html.escape(text, quote=False)}</span>'
            if text
            else ""
        )
        if self.errors[field].value != value:
            self.errors[field].value = value
            self.errors[field].layout.display = "flex" if text else "none"
        widget = self.inputs.get(field)
        if widget is not None and field != "name_prefix":
            if text:
                widget.add_class("runai-invalid")
            else:
                widget.remove_class("runai-invalid")

    def body(self, strict: bool = True) -> dict[str, Any]:
        """The concise create body (raises InvalidRequest for a bad env line or tool)."""
        env: dict[str, str] = {}
        problems: list[ComplianceIssue] = []
        for number, line in enumerate(self.env.value.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                problems.append(ComplianceIssue("env", f"line {number} is not KEY=value"))
                break
            env[key.strip()] = value
        try:
            tools = parse_tools(self.tools.value)
        except InvalidRequest as exc:
            problems += exc.issues
            tools = []
        if problems and strict:
            error = InvalidRequest(problems[0].field, problems[0].details)
            error.issues = problems
            raise error
        body: dict[str, Any] = {
            "name": self.name.value.strip(),
            "project": self.project.value or "",
            "image": self.image.value.strip(),
            "namePrefix": self.name_prefix.value,
        }
        if self.gpu.value:
            body["gpu"] = self.gpu.value  # as typed: 1.5 is refused, never made 1
        if self.cpu.value:
            body["cpu"] = self.cpu.value
        if self.memory.value.strip():
            body["memory"] = self.memory.value.strip()
        if tools:
            body["tools"] = tools
        if env:
            body["env"] = env
        return body

    # -- creating ---------------------------------------------------------------------------
    def _name_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self.click()

    def click(self, _button: Any = None) -> dict[str, Any] | None:
        """Create, or show why not next to the fields; returns the new workspace view.
        A click while a create is in flight, or before anything was edited since the last
        create, does nothing."""
        if self.busy or self.created is not None:
            return None
        self.shown.update(self.FIELDS)
        if self.check():
            self._say("Not created: fix the fields marked in red.", error=True)
            return None
        body = self.body()
        self.busy = True
        self.submit.disabled = True
        self._say("Creating...")
        try:
            created = self._create(body)
        except RunaiBadRequest as exc:
            return self._refused(exc)
        except RunaiError as exc:
            field, text = words.for_create(exc, body["name"], body["project"])
            self.errors_log.add("create", exc.message)
            if field is not None:
                self.show_error(field, text)  # Create stays off until that field is edited
                self._say("Not created: see the field marked in red.", error=True)
            else:
                self._say(text, error=True)
                self.submit.disabled = False  # worth another try
            return None
        finally:
            self.busy = False
        self.created = body
        self.submit.disabled = True  # until the next edit: a second click creates nothing
        self._say(f"Created {created['name']} in {created.get('project')}.")
        if self._on_created:
            self._on_created(created)
        return created

    def _refused(self, exc: RunaiBadRequest) -> None:
        self.errors_log.add("create", exc.message)
        placed = False
        for issue in exc.issues:
            field = field_of(issue.field)
            if field in self.errors:
                self.show_error(field, issue.details)
                placed = True
        if placed:
            self._say("Not created: fix the fields marked in red.", error=True)
        else:
            details = "; ".join(i.details for i in exc.issues) or "Run:ai refused the request"
            self._say(f"Not created: {details}.", error=True)
            self.submit.disabled = False
        return None

    def _say(self, text: str, error: bool = False) -> None:
        role = "error" if error else "ok"
        shown = (
            f'<span style="color:{colour(role)}">{html.escape(text, quote=False)}</span>'
            if text
            else ""
        )
        if self.message.value != shown:
            self.message.value = shown
