"""The Jupyter server extension: holds the Run:ai credentials and serves a small, safe API.

``RunaiApp`` is imported on first use: the hub service shares this package's routes and rules
but not Jupyter's server application, whose import takes seconds."""

from __future__ import annotations

from typing import Any

__all__ = ["RunaiApp"]


def __getattr__(name: str) -> Any:
    if name == "RunaiApp":
        from .app import RunaiApp

        return RunaiApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
