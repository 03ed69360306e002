"""A real JupyterHub on loopback, run from examples/jupyterhub/jupyterhub_config.py.

``Hub(workdir, runai_env=...)`` writes a test config that loads the example config with
``load_subconfig`` and changes only ports (free ones), where logs go, and what tests need on top
(an admin service token for the harness; options below), then runs ``python -m jupyterhub`` as a
process in its own session. Everything it prints, and what the user servers it spawns print,
goes to ``hub.log_path``; the runai service's output to ``hub.service_log_path``. Readiness is
polled with deadlines; ``stop()`` SIGTERMs the hub (which stops its servers, service and proxy)
and kills whatever of them is left.

Run as root, the example starts each user's server as that user's own Unix account
(LocalProcessSpawner), as a platform engineer would run it: ``UnixUsers`` creates the hub's
users as real unprivileged accounts for the session (and removes them after), and lets them
reach this Python and this checkout.
"""

from __future__ import annotations

import os
import pprint
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO / "examples" / "jupyterhub"
EXAMPLE_CONFIG = EXAMPLE_DIR / "jupyterhub_config.py"
NODE_PREFIX = REPO / ".cache" / "node"
CHP_VERSION = "configurable-http-proxy@5"
#: The example's demo password (the example reads JUPYTERHUB_DEMO_PASSWORD; tests leave it unset).
DEMO_PASSWORD = "runai-demo"
USERS = ("alice", "bob", "carol", "admin")
#: Scopes of the harness's own service token: create users, tokens and servers, read state.
HARNESS_SCOPES = [
    "admin:users",
    "admin:servers",
    "admin:server_state",
    "admin:auth_state",
    "admin:groups",
    "tokens",
    "access:servers",
    "access:services",
    "list:services",
    "read:services",
    "read:hub",
]
#: Environment of the test process that must not reach the hub.
DROP_ENV_PREFIXES = ("RUNAI_", "JUPYTERHUB_", "JUPYTER_", "JPY_", "CONFIGPROXY_")
#: The Unix accounts the hub's users get (those the tests start servers for).
UNIX_USERS = ("alice", "bob", "carol", "admin")
#: How long the session hub's servers wait for the runai service (c.RunaiApp.hub_service_timeout;
#: 10 s by default): short, so that the tests of a stopped service are.
SERVICE_TIMEOUT_S = 3
AS_ROOT = os.geteuid() == 0


class HubError(AssertionError):
    """The hub (or a server) did not do what the harness waited for; the message has the log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it returns something truthy; raise TimeoutError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def configurable_http_proxy() -> str | None:
    """The proxy's command: $CONFIGURABLE_HTTP_PROXY, the one on PATH, or the repo's own copy in
    .cache/node (installed with npm on first use). None if there is none and no npm either."""
    found = os.environ.get("CONFIGURABLE_HTTP_PROXY") or shutil.which("configurable-http-proxy")
    if found:
        return found
    local = NODE_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(NODE_PREFIX), CHP_VERSION, "--no-audit", "--no-fund"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return str(local) if local.exists() else None


class UnixUsers:
    """Real unprivileged Unix accounts for the hub's users, made for the session and removed
    after (only those this made). They must be able to run this Python and import this
    checkout: folders on the way that others may not enter (root's home, 0700) get o+x (enter,
    not list) until ``remove()`` puts their modes back."""

    def __init__(self, names: Iterable[str] = UNIX_USERS) -> None:
        self.names = tuple(names)
        self.created: list[str] = []
        self.opened: dict[Path, int] = {}

    def create(self) -> UnixUsers:
        if not AS_ROOT:
            raise HubError("the hub tests run users' servers as Unix users: run them as root")
        for name in self.names:
            try:
                pwd.getpwnam(name)
            except KeyError:
                subprocess.run(
                    ["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name],
                    check=True,
                    capture_output=True,
                )
                self.created.append(name)
        for place in (Path(sys.executable), Path(sys.prefix), Path(sys.base_prefix), REPO):
            self.open_the_way(place.resolve())
        return self

    def open_the_way(self, place: Path) -> None:
        for folder in [*reversed(place.parents), place]:
            if not folder.is_dir():
                continue
            mode = stat.S_IMODE(folder.stat().st_mode)
            if not mode & stat.S_IXOTH and folder not in self.opened:
                self.opened[folder] = mode
                folder.chmod(mode | stat.S_IXOTH)

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def uid(self, name: str) -> int:
        return pwd.getpwnam(name).pw_uid

    def remove(self) -> None:
        for folder, mode in self.opened.items():
            with suppress(OSError):
                folder.chmod(mode)
        self.opened.clear()
        for name in self.created:
            kill_processes_of(self.uid(name))
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        self.created.clear()


def kill_processes_of(uid: int) -> None:
    """SIGKILL every process of a Unix user (what a hub test left behind)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)


def run_as(user: str, argv: list[str], stdin: str = "", timeout: float = 120) -> str:
    """Run a command as a Unix user (from root), with a plain environment; its output."""
    home = pwd.getpwnam(user).pw_dir
    done = subprocess.run(
        [shutil.which("runuser") or "/usr/sbin/runuser", "-u", user, "--", *argv],
        input=stdin,
        env={"PATH": os.defpath, "HOME": home, "LANG": "C.UTF-8"},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise HubError(f"{argv[:2]} as {user}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return done.stdout


def write_secret(folder: Path, name: str, secret: str) -> Path:
    """A secret in a file as the README says: a folder and a file only this user can read."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secret + "\n")
    return path


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid`` (pid -> start time, to recognise it later)."""
    table = _proc_table()
    found: dict[int, str] = {}
    parents = [pid]
    while parents:
        parent = parents.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and child not in found:
                found[child] = started
                parents.append(child)
    return found


def process_environ(pid: int) -> dict[str, str]:
    """A process's environment as it was started (/proc/<pid>/environ)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}


class Hub:
    """A JupyterHub process running the example config. See the module docstring.

    Options:
      runai_env: RUNAI_* variables for the hub's environment (the example passes RUNAI_URL,
        RUNAI_CLIENT_ID, RUNAI_CLIENT_SECRET on to the runai service).
      service_poll_interval: passed to the service as --RunaiHub.poll_interval.
      service_command: replaces the runai service's command (e.g. to run it under coverage).
      internal_ssl: JUPYTERHUB_INTERNAL_SSL=1, the example's switch for mutual TLS between hub,
        proxy and servers (certificates under ``internal_certs``). The runai service keeps an
        http URL: JupyterHub 6.1.1 cannot start a managed service at an https URL. The service
        still gets JUPYTERHUB_SSL_* (to call the hub's https API); it must serve plain http when
        its JUPYTERHUB_SERVICE_URL is http.
      service_https: with internal_ssl, give the service an https URL anyway (and patch the hub
        to start it). Note the trust layout: the service's certificate is signed by notebooks-ca,
        which servers do not trust, and it accepts client certificates of hub-ca and
        proxy-client-ca only, so the proxy reaches it but user servers cannot, directly.
      last_activity_interval: seconds between the hub's activity polls of the proxy.
      per_user: RUNAI_PER_USER_CREDENTIALS=1 (per_user_credentials.py, no service), with a
        JUPYTERHUB_CRYPT_KEY so auth_state can be stored.
      extra_config: Python appended to the generated config (``c`` is the config).
      env: more environment variables for the hub.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        runai_env: dict[str, str] | None = None,
        service_poll_interval: float | None = 0.2,
        service_command: list[str] | None = None,
        internal_ssl: bool = False,
        service_https: bool = False,
        last_activity_interval: float | None = None,
        per_user: bool = False,
        extra_config: str = "",
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = workdir / "hub-data"
        self.internal_certs = self.data_dir / "internal-ssl"  # where the example puts them
        self.config_path = workdir / "jupyterhub_test_config.py"
        self.log_path = workdir / "hub.log"
        self.service_log_path = workdir / "service.log"
        self.internal_ssl = internal_ssl
        self.per_user = per_user
        self.port, self.proxy_api_port, self.hub_port, self.service_port = (
            free_port() for _ in range(4)
        )
        self.url = f"http://127.0.0.1:{self.port}"
        service_scheme = "https" if internal_ssl and service_https else "http"
        self.service_url = f"{service_scheme}://127.0.0.1:{self.service_port}"
        self.admin_token = secrets.token_hex(32)
        self.process: subprocess.Popen | None = None
        self._log_file = None
        self._children: dict[int, str] = {}

        chp = configurable_http_proxy()
        if chp is None:
            raise HubError("configurable-http-proxy is not installed and npm is missing")
        self.env = {
            key: value for key, value in os.environ.items() if not key.startswith(DROP_ENV_PREFIXES)
        }
        # the spawner finds jupyterhub-singleuser on PATH: this venv's, even if not activated
        bindir = str(Path(sys.executable).parent)
        self.env["PATH"] = os.pathsep.join([bindir, self.env.get("PATH", os.defpath)])
        self.env.update(
            JUPYTERHUB_DATA_DIR=str(self.data_dir),
            CONFIGURABLE_HTTP_PROXY=chp,
            JUPYTER_PLATFORM_DIRS="1",
        )
        if per_user:
            self.env.update(
                RUNAI_PER_USER_CREDENTIALS="1", JUPYTERHUB_CRYPT_KEY=secrets.token_hex(32)
            )
        if internal_ssl:
            self.env["JUPYTERHUB_INTERNAL_SSL"] = "1"
        self.env.update(runai_env or {})
        self.env.update(env or {})

        settings = {
            "port": self.port,
            "proxy_api_port": self.proxy_api_port,
            "hub_port": self.hub_port,
            "service_url": self.service_url,
            "service_log": str(self.service_log_path),
            "service_command": service_command,
            "service_args": (
                [f"--RunaiHub.poll_interval={service_poll_interval}"]
                if service_poll_interval is not None
                else []
            ),
            "admin_token": self.admin_token,
            "harness_scopes": HARNESS_SCOPES,
            "service_https": internal_ssl and service_https,
            "last_activity_interval": last_activity_interval,
        }
        self.config_path.write_text(
            TEST_CONFIG.format(example=str(EXAMPLE_CONFIG), settings=pprint.pformat(settings))
            + extra_config
        )
        self.http = httpx.Client(base_url=self.url, timeout=30)

    # -- process --------------------------------------------------------------------------------
    def start(self, timeout: float = 60) -> Hub:
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.config_path)],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def running() -> bool:
            self._track()
            if self.process.poll() is not None:
                raise HubError(f"the hub exited with {self.process.returncode}\n{self.logs()}")
            return "JupyterHub is now running" in self.log_text()

        try:
            wait_for(running, timeout, "the hub to start")
            wait_for(lambda: self._get_ok("/hub/api/"), timeout, "the hub API via the proxy")
        except BaseException:
            self.stop()
            raise
        return self

    def _get_ok(self, path: str) -> bool:
        try:
            return self.http.get(path).status_code == 200
        except httpx.TransportError:
            return False

    def _track(self) -> None:
        """Remember the hub's processes (proxy, service, servers, kernels): a hub that dies may
        leave them running, no longer its children, and stop() kills them."""
        if self.process is not None and self.process.poll() is None:
            self._children.update(descendants(self.process.pid))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the hub (it stops its servers, service and proxy), then kill what is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._track()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        table = _proc_table()
        for pid, started in self._children.items():
            if table.get(pid, (0, ""))[1] == started:  # still the same process
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.http.close()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- logs -----------------------------------------------------------------------------------
    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def service_log_text(self) -> str:
        path = self.service_log_path
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        """Everything the hub, its proxy, servers and service printed, for messages."""
        return f"--- hub.log\n{self.log_text()}\n--- service.log\n{self.service_log_text()}"

    # -- REST API -------------------------------------------------------------------------------
    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        """``/hub/api/{path}``, with the harness's admin token unless another is given."""
        headers = {"Authorization": f"token {token or self.admin_token}"}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(method, f"/hub/api/{path}", headers=headers, **kwargs)

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        """Any path through the proxy (``/user/alice/...``, ``/services/runai/...``)."""
        headers = {"Authorization": f"token {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(method, path, headers=headers, **kwargs)

    def create_user(self, name: str) -> dict:
        answer = self.api("POST", f"users/{name}")
        if answer.status_code not in (201, 409):
            raise HubError(f"create user {name}: {answer.status_code} {answer.text}")
        return self.user_model(name)

    def user_model(self, name: str) -> dict:
        answer = self.api("GET", f"users/{name}")
        if answer.status_code != 200:
            raise HubError(f"GET user {name}: {answer.status_code} {answer.text}")
        return answer.json()

    def user_token(self, name: str, scopes: list[str] | None = None, expires_in: int = 3600) -> str:
        """A new API token of user ``name`` (the user's own permissions unless ``scopes``)."""
        body: dict[str, Any] = {"note": "hub test harness", "expires_in": expires_in}
        if scopes is not None:
            body["scopes"] = scopes
        answer = self.api("POST", f"users/{name}/tokens", json=body)
        if answer.status_code != 201:
            raise HubError(f"token for {name}: {answer.status_code} {answer.text}")
        return answer.json()["token"]

    def start_server(self, name: str, timeout: float = 60, wait: bool = True) -> dict | None:
        """Start ``name``'s default server (creating the user if need be) and, unless ``wait`` is
        False, wait until the hub says it is ready; its server model."""
        self.create_user(name)
        answer = self.api("POST", f"users/{name}/server")
        if answer.status_code not in (201, 202, 400):  # 400: already running
            raise HubError(f"start server of {name}: {answer.status_code} {answer.text}")
        return self.wait_for_server(name, timeout) if wait else None

    def wait_for_server(self, name: str, timeout: float = 60) -> dict:
        """Wait until ``name``'s default server is ready (it must have been started); its model."""

        def ready() -> dict | None:
            self._track()
            if not self.running:
                raise HubError(f"the hub exited\n{self.logs()}")
            server = self.user_model(name)["servers"].get("")
            if server is None:
                raise HubError(f"the server of {name} is not running\n{self.logs()}")
            return server if server["ready"] else None

        try:
            return wait_for(ready, timeout, f"the server of {name} to be ready")
        except TimeoutError as exc:
            raise HubError(f"{exc}\n{self.logs()}") from None

    def stop_server(self, name: str, timeout: float = 30) -> None:
        answer = self.api("DELETE", f"users/{name}/server")
        if answer.status_code not in (202, 204, 400):
            raise HubError(f"stop server of {name}: {answer.status_code} {answer.text}")
        wait_for(
            lambda: "" not in self.user_model(name)["servers"],
            timeout,
            f"the server of {name} to stop",
        )

    def server_pid(self, name: str) -> int:
        """The process id of ``name``'s running default server (from its spawner state)."""
        server = self.user_model(name)["servers"][""]
        return int(server["state"]["pid"])

    def login(self, name: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        """Log in through the hub's login form, as a browser does; the client holds the cookies.

        This runs the authenticator (so it stores the user's auth_state)."""
        client = httpx.Client(base_url=self.url, timeout=30)
        client.get("/hub/login")
        answer = client.post(
            "/hub/login",
            data={
                "username": name,
                "password": password,
                "_xsrf": client.cookies.get("_xsrf", ""),
            },
        )
        if answer.status_code != 302 or "/hub/login" in answer.headers.get("location", ""):
            client.close()
            raise HubError(f"login of {name}: {answer.status_code} {answer.text[:500]}")
        return client


@contextmanager
def running_hub(workdir: Path, **options: Any) -> Iterator[Hub]:
    """``with running_hub(tmp, runai_env=...) as hub:`` a started hub, stopped on exit."""
    hub = Hub(workdir, **options)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def runai_env(sim: Any, folder: Path) -> dict[str, str]:
    """The hub's RUNAI_* for a simulator, as the README says to give them: the secret in a file
    in ``folder`` (0700; the file 0600), the hub told only its path."""
    secret = write_secret(folder, "runai-client-secret", sim.client_secret)
    return {
        "RUNAI_URL": sim.url,
        "RUNAI_CLIENT_ID": sim.client_id,
        "RUNAI_CLIENT_SECRET_FILE": str(secret),
    }


TEST_CONFIG = '''\
"""Generated by tests/hubharness.py: the example config, on free ports, plus test access."""

import shlex
from urllib.parse import urlparse

c = get_config()  # noqa: F821
load_subconfig({example!r})  # noqa: F821

S = {settings}

# ports (paths: the example puts everything under $JUPYTERHUB_DATA_DIR, set by the harness);
# the proxy API's scheme stays the example's (https with JUPYTERHUB_INTERNAL_SSL=1)
c.JupyterHub.port = S["port"]
c.JupyterHub.hub_port = S["hub_port"]
_api = urlparse(c.ConfigurableHTTPProxy.api_url)
_netloc = f"{{_api.hostname}}:{{S['proxy_api_port']}}"
c.ConfigurableHTTPProxy.api_url = _api._replace(netloc=_netloc).geturl()

services = c.JupyterHub.services if isinstance(c.JupyterHub.services, list) else []
for service in services:
    if service["name"] == "runai":
        service["url"] = S["service_url"]
        command = (S["service_command"] or service["command"]) + S["service_args"]
        # the same command, its output in a log file of its own
        service["command"] = [
            "/bin/sh", "-c", "exec \\"$0\\" \\"$@\\" >>" + shlex.quote(S["service_log"]) + " 2>&1",
            *command,
        ]
environment = c.Spawner.environment
if isinstance(environment, dict) and "RUNAI_HUB_SERVICE_URL" in environment:
    environment["RUNAI_HUB_SERVICE_URL"] = S["service_url"] + "/services/runai/"

# the harness's own admin token
c.JupyterHub.services.append({{"name": "test-harness", "api_token": S["admin_token"]}})
c.JupyterHub.load_roles.append(
    {{"name": "test-harness", "scopes": S["harness_scopes"], "services": ["test-harness"]}}
)

if S["service_https"]:
    # JupyterHub 6.1.1 checks that a managed service is up with the hub's *server-side* TLS
    # context ("Cannot create a client socket with a PROTOCOL_TLS_SERVER context") and exits;
    # let it build its client context instead.
    from jupyterhub.app import JupyterHub as _JupyterHub

    _start_service = _JupyterHub.start_service

    async def _start_service_with_client_tls(self, name, service, ssl_context=None):
        return await _start_service(self, name, service)

    _JupyterHub.start_service = _start_service_with_client_tls
if S["last_activity_interval"] is not None:
    c.JupyterHub.last_activity_interval = S["last_activity_interval"]

'''
