"""RunaiApp: the Jupyter server extension, its settings, and the upstream it holds.

Settings are traitlets (``c.RunaiApp.url = ...``), each falling back to the environment the way
container images and JupyterHub deployments configure things. Secrets read from the environment
are then removed from it, so kernels and terminals started by this server never inherit them.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, List, Unicode, default

from .. import __version__
from .handlers import handlers
from .upstream import Upstream

#: Environment variables that hold Run:ai secrets; removed once read.
SECRET_ENV = ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN")
#: Set for the kernels this server starts: where its API is, and a token it accepts there.
KERNEL_URL_ENV = "JUPYTER_RUNAI_URL"
KERNEL_TOKEN_ENV = "JUPYTER_RUNAI_TOKEN"  # noqa: S105 - a variable name, not a secret


class RunaiApp(ExtensionApp):
    """Run:ai workspaces for Jupyter: an authenticated, allow-listed Run:ai proxy."""

    name = "jupyter_runai"
    app_name = "RunaiApp"
    description = __doc__
    version = __version__
    load_other_extensions = True

    url = Unicode(
        "",
        config=True,
        help="Run:ai control plane URL, e.g. https://<tenant>.run.ai (env RUNAI_URL).",
    )
    client_id = Unicode(
        "", config=True, help="Run:ai service account / access key id (env RUNAI_CLIENT_ID)."
    )
    client_secret = Unicode(
        "",
        config=True,
        help="Run:ai client secret (env RUNAI_CLIENT_SECRET, removed from the environment once "
        "read so that kernels and terminals never see it).",
    )
    token = Unicode(
        "",
        config=True,
        help="A pre-issued Run:ai bearer token, instead of client credentials (env RUNAI_TOKEN, "
        "removed from the environment once read). It cannot be refreshed.",
    )
    use_cli_login = Bool(
        False,
        config=True,
        help="Use the Run:ai CLI v2 login of the server's user (~/.runai, or "
        "RUNAI_CLI_CONFIG_PATH) instead of client credentials.",
    )
    default_project = Unicode(
        "", config=True, help="Project that forms and magics preselect (env RUNAI_PROJECT)."
    )
    allowed_projects = List(
        Unicode(),
        default_value=[],
        config=True,
        help="Projects users may see and use through Jupyter; empty means all the credentials "
        "can see.",
    )
    request_timeout = Float(30.0, config=True, help="Seconds to wait for Run:ai to answer.")
    verify_tls = Bool(True, config=True, help="Verify Run:ai's TLS certificate.")
    ca_bundle = Unicode(
        "",
        config=True,
        help="Path to a CA bundle for Run:ai's certificate (by default, SSL_CERT_FILE or the "
        "system's, as httpx finds them).",
    )
    poll_interval = Float(
        5.0,
        config=True,
        help="Seconds between the shared poller's list calls while anyone watches events.",
    )
    simulator = Bool(
        False,
        config=True,
        help="Run an embedded Run:ai simulator in this server and use it (demos, Binder). "
        "Status and the log say so.",
    )
    simulator_time_scale = Float(
        1.0, config=True, help="How much faster than real time the embedded simulator runs."
    )

    @default("url")
    def _url_default(self) -> str:
        return os.environ.get("RUNAI_URL", "")

    @default("client_id")
    def _client_id_default(self) -> str:
        return os.environ.get("RUNAI_CLIENT_ID", "")

    @default("client_secret")
    def _client_secret_default(self) -> str:
        return os.environ.get("RUNAI_CLIENT_SECRET", "")

    @default("token")
    def _token_default(self) -> str:
        return os.environ.get("RUNAI_TOKEN", "")

    @default("default_project")
    def _default_project_default(self) -> str:
        return os.environ.get("RUNAI_PROJECT", "")

    def initialize_settings(self) -> None:
        assert self.serverapp is not None  # set when the server links the extension
        # one log: the server's (audit lines belong with Jupyter's own, and under JupyterHub too)
        self.log = self.serverapp.log
        # read every setting now, so secrets from the environment are captured, then scrub it
        settings: dict[str, Any] = {name: getattr(self, name) for name in self.class_own_traits()}
        for name in SECRET_ENV:
            os.environ.pop(name, None)
        self.upstream = Upstream(settings, self.log)
        self.settings["runai_upstream"] = self.upstream
        self._tell_kernels()
        if self.simulator:
            self.log.warning(
                "jupyter-runai: using an embedded Run:ai SIMULATOR, not a real cluster"
            )
        elif not self.upstream.configured:
            self.log.warning("jupyter-runai: not configured: %s", self.upstream.config_error)

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    def _tell_kernels(self) -> None:
        """Kernels inherit the server's environment: give them this API's URL and a token it
        accepts for ``runai/api`` only (never a Run:ai secret). Under JupyterHub the kernel's
        own JUPYTERHUB_API_TOKEN serves instead, so no token is made there."""
        server = self.serverapp
        assert server is not None
        wildcard = ("", "0.0.0.0", "::", "localhost", "*")  # noqa: S104 - recognised, not bound
        host = server.ip if server.ip not in wildcard else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if server.certfile else "http"
        os.environ[KERNEL_URL_ENV] = f"{scheme}://{host}:{server.port}{server.base_url}runai/api/"
        if "JUPYTERHUB_API_TOKEN" not in os.environ:
            os.environ[KERNEL_TOKEN_ENV] = self.upstream.kernel_token

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Once the port is final (it may move if busy), tell kernels again; start the embedded
        simulator with the server, so its URL is in the log at once."""
        self._tell_kernels()
        if self.simulator:
            await self.upstream.client()

    async def stop_extension(self) -> None:
        await self.upstream.close()
