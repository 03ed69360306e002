"""jupyter-runai: Run:ai GPU workspaces from Jupyter."""

__version__ = "0.1.0"
