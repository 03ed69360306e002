"""A Run:ai control plane on loopback, faithful to the official spec, for demos and tests."""

from .runner import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Simulator

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Simulator"]
