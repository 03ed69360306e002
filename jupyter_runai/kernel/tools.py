"""Tools a workspace exposes (container ports that get a URL), as the form and ``%runai submit``
take them: ``jupyter:8888``, ``tensorboard:6006``, or a bare port. A Jupyter image gets the
Jupyter tool on port 8888 unless told otherwise. The port range is create_body.SCHEMA's rule,
checked there; here only the ``NAME:PORT`` spelling."""

from __future__ import annotations

import re
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


def parse_tools(text: str) -> list[dict[str, Any]]:
    """Comma- or space-separated tools: ``jupyter:8888, tensorboard:6006``."""
    return [tool(part) for part in re.split(r"[,\s]+", text.strip()) if part]


def format_tools(tools: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t['name']}:{t['port']}" if t.get("name") else str(t["port"]) for t in tools)
