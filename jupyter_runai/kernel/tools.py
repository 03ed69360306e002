"""Tools a workspace exposes (container ports that get a URL), as the form and ``%runai submit``
take them: ``jupyter:8888``, ``tensorboard:6006``, or a bare port. A Jupyter image gets the
Jupyter tool on port 8888 unless told otherwise. The port range is create_body.SCHEMA's rule,
checked there; here only the ``NAME:PORT`` spelling."""

from __future__ import annotations

import re
from typing import Any

from ..client import InvalidRequest

JUPYTER_TOOL: dict[str, Any] = {"port": 8888, "type": "jupyter-notebook", "name": "jupyter"}
#: Tool types Run:ai knows by name; any other name is a "custom" tool.
TYPES = {"jupyter": "jupyter-notebook", "tensorboard": "tensorboard", "vscode": "vscode"}
_TOOL = re.compile(r"(?:(?P<name>[A-Za-z][-A-Za-z0-9_]{0,63}):)?(?P<port>[0-9]{1,5})")


def is_jupyter_image(image: str) -> bool:
    """Whether an image runs a Jupyter server (jupyter/scipy-notebook, ...-gpu-jupyter)."""
    return "jupyter" in image.lower()


def default_tools(image: str) -> list[dict[str, Any]]:
    return [dict(JUPYTER_TOOL)] if is_jupyter_image(image) else []


def tool(text: str) -> dict[str, Any]:
    """One ``NAME:PORT`` (or ``PORT``) as a create body's tool; raises InvalidRequest."""
    match = _TOOL.fullmatch(text.strip())
    if match is None:
        raise InvalidRequest(
            "tools", f"{text.strip()!r} is not NAME:PORT (e.g. jupyter:8888) or a port"
        )
    name, port = match["name"], int(match["port"])
    if name is None:
        return {"port": port}
    return {"port": port, "type": TYPES.get(name.lower(), "custom"), "name": name}


def parse_tools(text: str) -> list[dict[str, Any]]:
    """Comma- or space-separated tools: ``jupyter:8888, tensorboard:6006``."""
    return [tool(part) for part in re.split(r"[,\s]+", text.strip()) if part]


def format_tools(tools: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t['name']}:{t['port']}" if t.get("name") else str(t["port"]) for t in tools)
