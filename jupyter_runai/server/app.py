"""RunaiApp: the Jupyter server extension, its settings, and the upstream it holds.

Settings are traitlets (``c.RunaiApp.url = ...``, shared with the hub service in ``settings.py``),
each falling back to the environment the way container images and JupyterHub deployments
configure things. Secrets read from the environment are then removed from it, so kernels and
terminals started by this server never inherit them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_unix_socket
from traitlets import Float, Unicode, default

from .. import __version__
from ..client import RunaiConfigError
from .handlers import KernelToken, handlers
from .settings import RunaiSettings, hide_process, launcher_warning
from .upstream import Upstream

#: Set for the kernels this server starts: where its API is, and a token it accepts there.
KERNEL_URL_ENV = "JUPYTER_RUNAI_URL"
KERNEL_TOKEN_ENV = "JUPYTER_RUNAI_TOKEN"  # noqa: S105 - a variable name, not a secret
#: Set instead of a TCP address when the server wants client certificates (JupyterHub's
#: internal_ssl), which a kernel does not have: a Unix socket only this user can open.
KERNEL_SOCKET_ENV = "JUPYTER_RUNAI_SOCKET"


class RunaiApp(ExtensionApp, RunaiSettings):
    """Run:ai workspaces for Jupyter: an authenticated, allow-listed Run:ai proxy."""

    name = "jupyter_runai"
    app_name = "RunaiApp"
    description = __doc__
    version = __version__
    load_other_extensions = True

    hub_service_url = Unicode(
        "",
        config=True,
        help="Hub mode: the URL of the hub's jupyter-runai service (e.g. "
        "http://127.0.0.1:10101/services/runai/; env RUNAI_HUB_SERVICE_URL). This server then "
        "holds no Run:ai credentials and forwards runai/api to the service as its user.",
    )

    hub_service_timeout = Float(
        10.0,
        min=0.1,
        config=True,
        help="Hub mode: seconds this server waits for the hub's jupyter-runai service before "
        "it answers that the service is not answering (a JSON 504; at once after that, until "
        "the service answers again). The event stream says so with an error event and keeps "
        "trying.",
    )

    @default("hub_service_url")
    def _hub_service_url_default(self) -> str:
        return os.environ.get("RUNAI_HUB_SERVICE_URL", "")

    def initialize_settings(self) -> None:
        assert self.serverapp is not None  # set when the server links the extension
        # one log: the server's (audit lines belong with Jupyter's own, and under JupyterHub too)
        self.log = self.serverapp.log
        settings = self.runai_settings()  # read now, then secrets leave the environment
        self.kernel_token = KernelToken()
        self.settings["runai_kernel_token"] = self.kernel_token
        self.upstream: Upstream | None = None
        self.hub_service: Any = None
        if self.hub_service_url:
            from .forward import HubService

            self.hub_service = HubService(self.hub_service_url, self.hub_service_timeout)
            self.settings["runai_hub_service"] = self.hub_service
            self.log.info("jupyter-runai: hub mode, via the service at %s", self.hub_service.url)
            if not self.hub_service.has_token:
                self.log.warning(
                    "jupyter-runai: hub mode needs JUPYTERHUB_API_TOKEN (set by JupyterHub)"
                )
        else:
            self.upstream = Upstream(settings, self.log)
            self.settings["runai_upstream"] = self.upstream
            if self.upstream.credentials is not None and hide_process():
                self.log.info(
                    "jupyter-runai: this server's /proc entries are hidden from its kernels"
                )
            if self.upstream.credentials is not None and (warning := launcher_warning(settings)):
                self.log.warning("jupyter-runai: %s", warning)
            if self.simulator:
                self.log.warning(
                    "jupyter-runai: using an embedded Run:ai SIMULATOR, not a real cluster"
                )
            elif not self.upstream.configured:
                self.log.warning("jupyter-runai: not configured: %s", self.upstream.config_error)
        self._socket_server: HTTPServer | None = None
        self._tell_kernels()

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers(hub=bool(self.hub_service_url)))

    def _tell_kernels(self) -> None:
        """Kernels inherit the server's environment: give them this API's URL and a token it
        accepts for ``runai/api`` only (never a Run:ai secret)."""
        server = self.serverapp
        assert server is not None
        wildcard = ("", "0.0.0.0", "::", "localhost", "*")  # noqa: S104 - recognised, not bound
        host = server.ip if server.ip not in wildcard else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if server.certfile else "http"
        os.environ[KERNEL_URL_ENV] = f"{scheme}://{host}:{server.port}{server.base_url}runai/api/"
        os.environ[KERNEL_TOKEN_ENV] = self.kernel_token.value

    def _keep_out_of_terminals(self, serverapp: Any) -> None:
        """Terminals inherit the server's environment too, but the token is for kernels: ask
        the terminal manager to remove it from theirs (terminado drops keys set to None)."""
        manager = serverapp.web_app.settings.get("terminal_manager")
        if manager is None or not hasattr(manager, "extra_env"):
            return
        manager.extra_env = {
            **(manager.extra_env or {}),
            **dict.fromkeys((KERNEL_URL_ENV, KERNEL_TOKEN_ENV, KERNEL_SOCKET_ENV)),
        }

    def _open_kernel_socket(self) -> None:
        """A server that wants client certificates (JupyterHub's internal_ssl) cannot be reached
        by its kernels over TCP: serve them on a Unix socket in a folder only this user can
        open. Authentication is unchanged: the kernel token opens runai/api and nothing else."""
        server = self.serverapp
        assert server is not None
        folder = Path(tempfile.mkdtemp(prefix="jupyter-runai-"))  # mode 0700
        path = str(folder / "api.sock")
        self._socket_server = HTTPServer(server.web_app)
        self._socket_server.add_socket(bind_unix_socket(path, mode=0o600))
        os.environ[KERNEL_SOCKET_ENV] = path
        os.environ[KERNEL_URL_ENV] = f"http://localhost{server.base_url}runai/api/"
        self.log.info("jupyter-runai: kernels reach runai/api through %s", path)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Once the port is final (it may move if busy), tell kernels again; start the embedded
        simulator with the server, so its URL is in the log at once."""
        self._tell_kernels()
        if serverapp.client_ca:
            self._open_kernel_socket()
        self._keep_out_of_terminals(serverapp)
        if self.upstream is not None and self.simulator:
            try:
                await self.upstream.client()
            except RunaiConfigError as exc:  # its port is taken: the API says so too
                self.log.error("jupyter-runai: %s", exc)

    def _close_kernel_socket(self) -> None:
        if self._socket_server is not None:
            self._socket_server.stop()
            path = os.environ.pop(KERNEL_SOCKET_ENV, None)
            if path:
                Path(path).unlink(missing_ok=True)
                Path(path).parent.rmdir()

    async def stop_extension(self) -> None:
        self._close_kernel_socket()
        if self.upstream is not None:
            await self.upstream.close()
        if self.hub_service is not None:
            await self.hub_service.aclose()
