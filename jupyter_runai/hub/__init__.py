"""The jupyter-runai JupyterHub service: the one process of a hub that holds the Run:ai
credentials, serving the extension's API to every hub user, scoped to that user.

Run it as a hub-managed service (``c.JupyterHub.services``, ``command``) or on its own:
``python -m jupyter_runai.hub [--config FILE]``.
"""

from .app import RunaiHub

__all__ = ["RunaiHub"]
