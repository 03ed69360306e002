"""ipywidgets for notebooks: the panel (status line, create form, live workspace table)."""

from .form import CreateForm
from .panel import Panel
from .table import WorkspaceTable

__all__ = ["CreateForm", "Panel", "WorkspaceTable"]
