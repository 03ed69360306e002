"""jupyter-runai: Run:ai GPU workspaces from Jupyter."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server import RunaiApp  # imported here: the client must not need Jupyter

    return [{"module": "jupyter_runai", "app": RunaiApp}]
