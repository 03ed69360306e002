"""What runs in a kernel: the Python API, the panel and the %runai magics. It talks to the
server extension over HTTP and never imports the server."""

from .api import Runai, Workspace, WorkspaceList, connect

__all__ = ["Runai", "Workspace", "WorkspaceList", "connect"]
