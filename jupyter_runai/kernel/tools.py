"""Tools a workspace exposes (container ports that get a URL), as the form, the sidebar's dialog,
``create(tools=...)`` and ``%runai submit --tool`` take them: ``jupyter:8888``,
``tensorboard:6006``, or a bare port; and as the Run:ai CLI v2 spells one,
``--external-url container=PORT`` (which has no tool name). A Jupyter image gets the Jupyter
tool on port 8888 unless told otherwise, and its port 8888 is that tool however it was asked
for. The port range is create_body.SCHEMA's rule, checked there; here only the spellings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..client import InvalidRequest

JUPYTER_TOOL: dict[str, Any] = {"port": 8888, "type": "jupyter-notebook", "name": "jupyter"}
#: An image whose name has this (any case) runs a Jupyter server and gets JUPYTER_TOOL.
JUPYTER_IMAGE_MARK = "jupyter"
#: Tool types Run:ai knows by name; any other name is a "custom" tool.
TYPES = {"jupyter": "jupyter-notebook", "tensorboard": "tensorboard", "vscode": "vscode"}
#: One tool, ``NAME:PORT`` or ``PORT`` (groups: name, port). No named groups, so that the
#: sidebar's dialog applies this very pattern (labextension/scripts/create_schema.py copies
#: these constants into its rules).
TOOL_PATTERN = r"(?:([A-Za-z][-A-Za-z0-9_]{0,63}):)?([0-9]{1,5})"
TOOL_SPELLING = "NAME:PORT (e.g. jupyter:8888) or a port"
_TOOL = re.compile(TOOL_PATTERN)


def is_jupyter_image(image: str) -> bool:
    """Whether an image runs a Jupyter server (jupyter/scipy-notebook, ...-gpu-jupyter)."""
    return JUPYTER_IMAGE_MARK in image.lower()


def default_tools(image: str) -> list[dict[str, Any]]:
    return [dict(JUPYTER_TOOL)] if is_jupyter_image(image) else []


def tool(text: str) -> dict[str, Any]:
    """One ``NAME:PORT`` (or ``PORT``) as a create body's tool; raises InvalidRequest."""
    match = _TOOL.fullmatch(text.strip())
    if match is None:
        raise InvalidRequest("tools", f"{text.strip()!r} is not {TOOL_SPELLING}")
    name, port = match[1], int(match[2])
    if name is None:
        return {"port": port}
    return {"port": port, "type": TYPES.get(name.lower(), "custom"), "name": name}


#: The keys of the CLI's ``--external-url``; only ``container`` is a tool (the others set who
#: may open it and at which address, which jupyter-runai's create body does not carry).
EXTERNAL_URL_KEYS = ("container", "url", "authusers", "authgroups")


def external_url(text: str) -> dict[str, Any]:
    """One CLI v2 ``--external-url container=PORT`` as a tool; raises InvalidRequest."""
    given: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or key not in EXTERNAL_URL_KEYS:
            raise InvalidRequest("tools", f"--external-url {text!r}: use container=PORT")
        given[key] = value
    unsupported = [key for key in given if key != "container"]
    if unsupported:
        keys = ", ".join(f"{key}=" for key in unsupported)
        raise InvalidRequest(
            "tools", f"--external-url {text!r}: {keys} cannot be set from here; give container=PORT"
        )
    if "container" not in given or not given["container"].isdigit():
        raise InvalidRequest("tools", f"--external-url {text!r}: use container=PORT")
    return {"port": int(given["container"])}


def as_tool(given: int | str | Mapping[str, Any]) -> dict[str, Any]:
    """A tool as ``create(tools=...)`` takes it: a port, ``"NAME:PORT"``, or a create body's
    tool mapping."""
    if isinstance(given, Mapping):
        return dict(given)
    if isinstance(given, bool) or not isinstance(given, (int, str)):
        raise InvalidRequest("tools", f"{given!r} is not a port, {TOOL_SPELLING} or a mapping")
    return tool(str(given))


def named_for(tools: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """The tools, with a Jupyter image's unnamed port 8888 named as the Jupyter tool it is (so a
    CLI line's ``--external-url container=8888`` gets the link the form would give)."""
    jupyter = is_jupyter_image(image)
    return [
        dict(JUPYTER_TOOL)
        if jupyter and set(t) == {"port"} and t["port"] == JUPYTER_TOOL["port"]
        else t
        for t in tools
    ]


def parse_tools(text: str) -> list[dict[str, Any]]:
    """Comma- or space-separated tools: ``jupyter:8888, tensorboard:6006``."""
    return [tool(part) for part in re.split(r"[,\s]+", text.strip()) if part]


def format_tools(tools: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t['name']}:{t['port']}" if t.get("name") else str(t["port"]) for t in tools)
