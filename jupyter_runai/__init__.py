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

__version__ = "0.1.0"

#: The short public API, imported on first use so `import jupyter_runai.client` stays light.
_API = {"connect", "workspaces", "workspace", "create", "projects", "status", "panel"}


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'jupyter_runai' has no attribute {name!r}")
    from .kernel import api

    if name == "connect":
        return api.connect
    return getattr(api.connect(), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


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
