"""The create form: each field checked as you type, API errors shown next to the field they name."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ...client import InvalidRequest, RunaiBadRequest, RunaiError, check_name
from ...client.create_body import parse_create

IMAGE_PRESETS = (
    "jupyter/scipy-notebook",
    "pytorch/pytorch:latest",
    "nvcr.io/nvidia/pytorch:24.08-py3",
    "tensorflow/tensorflow:latest-gpu-jupyter",
)
LABEL = w.Layout(width="110px", flex="0 0 110px")  # no shrinking when an error is long
INPUT = "280px"
ERROR_STYLE = "color:#c62828;font-size:90%"


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
        "namePrefix": "name_prefix",
    }
    return aliases.get(name, name)


class CreateForm(w.VBox):
    """Name, project, image, GPUs, CPU, memory, environment, name-as-prefix, Create."""

    FIELDS = ("name", "project", "image", "gpu", "cpu", "memory", "env", "name_prefix")

    def __init__(
        self,
        create: Callable[[dict[str, Any]], dict[str, Any]],
        projects: list[str],
        default_project: str | None = None,
        on_created: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._create = create
        self._on_created = on_created
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
        self.gpu = w.BoundedFloatText(value=0, min=0, max=1024, step=0.25)
        self.cpu = w.BoundedFloatText(value=1, min=0, max=1024, step=0.5)
        self.memory = w.Text(placeholder="e.g. 8G")
        self.env = w.Textarea(placeholder="KEY=value, one per line", rows=2)
        self.name_prefix = w.Checkbox(
            value=False, description="use the name as a prefix", indent=False
        )
        self.errors = {field: w.HTML() for field in self.FIELDS}
        self.submit = w.Button(description="Create", button_style="primary", icon="rocket")
        self.message = w.HTML()
        self.name.observe(self._check_name, "value")
        self.name_prefix.observe(self._check_name, "value")
        self.submit.on_click(self.click)
        rows = [
            ("Name", self.name),
            ("Project", self.project),
            ("Image", self.image),
            ("GPUs", self.gpu),
            ("CPU cores", self.cpu),
            ("Memory", self.memory),
            ("Environment", self.env),
            ("", self.name_prefix),
        ]
        for _, widget in rows[:-1]:
            widget.layout.width = INPUT
            widget.layout.flex = f"0 0 {INPUT}"
        labels = [
            w.HBox([w.Label(text, layout=LABEL), widget, self.errors[field]])
            for (text, widget), field in zip(rows, self.FIELDS, strict=True)
        ]
        super().__init__([*labels, w.HBox([self.submit, self.message])])

    def _check_name(self, _change: Any = None) -> None:
        name = self.name.value
        if not name:
            self.show_error("name", "")
            return
        try:
            check_name(name, prefix=self.name_prefix.value)
            self.show_error("name", "")
        except InvalidRequest as exc:
            self.show_error("name", exc.issues[0].details)

    def show_error(self, field: str, text: str) -> None:
        self.errors[field].value = (
            f'<span style="{ERROR_STYLE}">{html.escape(text, quote=False)}</span>' if text else ""
        )

    def body(self) -> dict[str, Any]:
        """The concise create body (raises InvalidRequest naming the field)."""
        env = {}
        for number, line in enumerate(self.env.value.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise InvalidRequest("env", f"line {number} is not KEY=value")
            env[key.strip()] = value
        body: dict[str, Any] = {
            "name": self.name.value.strip(),
            "project": self.project.value or "",
            "image": self.image.value.strip(),
            "namePrefix": self.name_prefix.value,
        }
        if self.gpu.value:
            body["gpu"] = int(self.gpu.value) if self.gpu.value >= 1 else self.gpu.value
        if self.cpu.value:
            body["cpu"] = self.cpu.value
        if self.memory.value.strip():
            body["memory"] = self.memory.value.strip()
        if env:
            body["env"] = env
        return body

    def click(self, _button: Any = None) -> dict[str, Any] | None:
        """Create, or show why not next to the fields; returns the new workspace view."""
        for field in self.FIELDS:
            self.show_error(field, "")
        self.message.value = ""
        try:
            body = self.body()
            parse_create(body)  # the same rules the server applies, before any call
            self.submit.disabled = True
            try:
                created = self._create(body)
            finally:
                self.submit.disabled = False
        except RunaiBadRequest as exc:
            placed = False
            for issue in exc.issues:
                field = field_of(issue.field)
                if field in self.errors:
                    self.show_error(field, issue.details)
                    placed = True
            self._say(
                exc.message if not placed else "Not created: see the fields marked in red.",
                error=True,
            )
            return None
        except RunaiError as exc:
            self._say(f"Not created: {exc.message}", error=True)
            return None
        self._say(f"Created {created['name']} in {created.get('project')}.")
        if self._on_created:
            self._on_created(created)
        return created

    def _say(self, text: str, error: bool = False) -> None:
        style = ERROR_STYLE if error else "color:#2e7d32"
        self.message.value = f'<span style="{style}">{html.escape(text, quote=False)}</span>'
