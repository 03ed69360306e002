"""The Jupyter server extension: holds the Run:ai credentials and serves a small, safe API."""

from .app import RunaiApp

__all__ = ["RunaiApp"]
