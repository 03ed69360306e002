"""RunaiHub: the service's settings, and the web server it runs where JupyterHub says.

Settings come from ``--config FILE`` (a Python file of ``c.RunaiHub.* = ...``), the command line
(``--RunaiHub.gpu_limit=4``) and, for Run:ai, the environment (``RUNAI_URL``,
``RUNAI_CLIENT_ID``, ``RUNAI_CLIENT_SECRET``, ``RUNAI_TOKEN``, ``RUNAI_CLI_CONFIG_PATH``), which
the hub passes to this service only.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import ssl
from typing import Any
from urllib.parse import urlparse

import httpx
from jupyterhub.services.auth import HubOAuth
from tornado import web
from tornado.httpserver import HTTPServer
from traitlets import Dict, Float, Int, List, Unicode, default
from traitlets.config import Application

from .. import __version__
from ..server.forward import hub_ssl_context
from ..server.settings import RunaiSettings, hide_process, launcher_warning
from ..server.upstream import Upstream
from .handlers import handlers
from .policy import HubUsers, Policy


class RunaiHub(Application, RunaiSettings):
    """The jupyter-runai JupyterHub service."""

    name = "jupyter-runai-hub"
    description = __doc__
    version = __version__
    aliases = {"config": "RunaiHub.config_file"}  # type: ignore[assignment]  # noqa: RUF012

    config_file = Unicode("", config=True, help="A Python config file (c.RunaiHub.* = ...).")
    group_projects = Dict(
        value_trait=List(Unicode()),
        config=True,
        help="Hub group -> the Run:ai projects its members may use ('*': all).",
    )
    default_projects = List(
        Unicode(),
        config=True,
        help="Projects of users in no group of group_projects (default: none; '*': all).",
    )
    admin_groups = List(
        Unicode(),
        config=True,
        help="Hub groups whose members see and act on every workspace (hub admins always do).",
    )
    gpu_limit = Float(
        0.0,
        config=True,
        help="GPUs one user may hold at once, over all their workspaces; 0: no limit.",
    )
    auth_cache_seconds = Int(
        10,
        min=0,
        config=True,
        help="Seconds the service trusts what JupyterHub said of a token, and of a user's groups "
        "and admin flag: a revoked token or a group removal takes effect within this long "
        "(JupyterHub's own default for services is 300 s).",
    )
    service_url = Unicode(
        config=True,
        help="Where to listen (env JUPYTERHUB_SERVICE_URL, which JupyterHub sets for managed "
        "services).",
    )
    ip = Unicode(
        "",
        config=True,
        help="Address to listen on (default: the host of service_url). In a container whose "
        "URL names a Kubernetes Service (http://hub:10101), set 0.0.0.0.",
    )
    service_prefix = Unicode(
        config=True,
        help="URL prefix of the service (env JUPYTERHUB_SERVICE_PREFIX, e.g. /services/runai/).",
    )

    @default("log_level")
    def _log_level_default(self) -> int:
        return logging.INFO  # audit lines are INFO

    @default("log_format")
    def _log_format_default(self) -> str:
        return "[%(levelname)1.1s %(asctime)s %(name)s] %(message)s"

    @default("service_url")
    def _service_url_default(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_URL", "")

    @default("service_prefix")
    def _service_prefix_default(self) -> str:
        name = os.environ.get("JUPYTERHUB_SERVICE_NAME", "runai")
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{name}/")

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        if self.config_file:
            self.load_config_file(self.config_file)

    def make_app(self) -> web.Application:
        settings = self.runai_settings()  # read now, then secrets leave the environment
        upstream = Upstream(settings, self.log, track_owners=True)
        upstream.mode = "hub-service"
        self.upstream = upstream
        if upstream.credentials is not None:
            hide_process()  # the service's user may also run other things
            if warning := launcher_warning(settings):
                self.log.warning("jupyter-runai hub service: %s", warning)
        if not upstream.configured:
            self.log.warning("jupyter-runai hub service: not configured: %s", upstream.config_error)
        self._http = httpx.AsyncClient(
            timeout=settings["request_timeout"], verify=hub_ssl_context() or True
        )
        prefix = (
            self.service_prefix if self.service_prefix.endswith("/") else self.service_prefix + "/"
        )
        # the handlers' HubOAuth (a singleton): made here, so that it trusts the hub briefly
        HubOAuth.instance(cache_max_age=self.auth_cache_seconds)
        return web.Application(
            handlers(prefix),
            runai_upstream=upstream,
            runai_prefix=prefix,
            runai_policy=Policy(
                dict(self.group_projects),
                list(self.default_projects),
                list(self.admin_groups),
                self.gpu_limit,
            ),
            runai_hub_users=HubUsers(
                os.environ.get("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api"),
                os.environ.get("JUPYTERHUB_API_TOKEN", ""),
                self._http,
                ttl=self.auth_cache_seconds,
            ),
            cookie_secret=os.urandom(32),
            xsrf_cookies=False,
            log_function=self._log_request,
        )

    def _log_request(self, handler: web.RequestHandler) -> None:
        """Path only: a query string may carry a token."""
        status = handler.get_status()
        level = logging.INFO if status < 400 else logging.WARNING
        user = getattr(handler, "user_name", "") if status != 403 else ""
        self.log.log(
            level,
            "%d %s %s (%s) %.1fms",
            status,
            handler.request.method,
            handler.request.path,
            user or "-",
            1000 * handler.request.request_time(),
        )

    async def serve(self) -> None:
        if not self.service_url:
            raise SystemExit(
                "jupyter-runai hub service: JUPYTERHUB_SERVICE_URL is not set (run it "
                "from c.JupyterHub.services, or pass --RunaiHub.service_url)"
            )
        where = urlparse(self.service_url)
        tls = _server_ssl() if where.scheme == "https" else None
        server = HTTPServer(self.make_app(), ssl_options=tls)
        server.listen(where.port or 80, self.ip or where.hostname or "127.0.0.1")
        self.log.info(
            "jupyter-runai hub service %s at %s%s",
            __version__,
            self.service_url.rstrip("/"),
            self.service_prefix,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        server.stop()
        await self.upstream.close()
        await self._http.aclose()
        self.log.info("jupyter-runai hub service stopped")

    def start(self) -> None:
        asyncio.run(self.serve())


def _server_ssl() -> ssl.SSLContext | None:
    """An https service URL under internal_ssl: serve with the hub-issued certificate and require
    one from callers (the hub, the proxy and the single-user servers have them)."""
    cert, key = os.environ.get("JUPYTERHUB_SSL_CERTFILE"), os.environ.get("JUPYTERHUB_SSL_KEYFILE")
    if not (cert and key):
        return None
    context = ssl.create_default_context(
        ssl.Purpose.CLIENT_AUTH, cafile=os.environ.get("JUPYTERHUB_SSL_CLIENT_CA") or None
    )
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def main(argv: list[str] | None = None) -> None:
    RunaiHub.launch_instance(argv)
