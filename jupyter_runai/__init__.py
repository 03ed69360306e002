"""jupyter-runai: Run:ai GPU workspaces from Jupyter.

In a notebook::

    import jupyter_runai as runai
    runai.workspaces()                      # your workspaces, as a table
    ws = runai.create("nb", project="team-a", image="jupyter/scipy-notebook", gpu=1)
    ws.wait(); ws.suspend(); ws.resume(); ws.delete()
    runai.panel()                           # the form and live table
    %load_ext jupyter_runai                 # then %runai --help
"""

from __future__ import annotations

from typing import Any

# One version for the Python and npm packages: labextension/package.json holds it, and the build
# writes it into _version.py (pyproject.toml, hatch-nodejs-version). Before the imports below: the
# server's modules import it from here.
from ._version import __version__

# The short public API: plain functions that connect on first call (importing connects to
# nothing, and needs neither Jupyter nor ipywidgets). ``Workspace`` is the notebook's workspace
# object, the one these return; the REST client's own model is ``jupyter_runai.client.Workspace``.
from .client import RunaiError
from .kernel.api import (
    Runai,
    Workspace,
    WorkspaceList,
    connect,
    create,
    panel,
    projects,
    status,
    workspace,
    workspaces,
)

__all__ = [
    "Runai",
    "RunaiError",
    "Workspace",
    "WorkspaceList",
    "__version__",
    "connect",
    "create",
    "load_ipython_extension",
    "panel",
    "projects",
    "status",
    "unload_ipython_extension",
    "workspace",
    "workspaces",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_runai``: the %runai magics."""
    from .kernel.magics import RunaiMagics

    ipython.register_magics(RunaiMagics)


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.magics["line"]
    magics.pop("runai", None)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server import RunaiApp  # imported here: the client must not need Jupyter

    return [{"module": "jupyter_runai", "app": RunaiApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The JupyterLab sidebar, built into ``labextension/`` (``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "jupyter-runai"}]
