"""JupyterHub with jupyter-runai: one machine, runs as is.

    pip install "jupyter-runai[hub]"
    npm install -g configurable-http-proxy     # or set CONFIGURABLE_HTTP_PROXY to its path
    export RUNAI_URL=https://<tenant>.run.ai RUNAI_CLIENT_ID=... RUNAI_CLIENT_SECRET=...
    jupyterhub -f examples/jupyterhub/jupyterhub_config.py

(For a demo without Run:ai, run `jupyter runai simulator` first and export the RUNAI_* lines it
prints.) Then open http://127.0.0.1:8000 and log in as alice, bob, carol or admin with the demo
password (JUPYTERHUB_DEMO_PASSWORD, default "runai-demo").

How it fits together: the Run:ai credentials live in ONE process, the hub-managed service
`runai` (`python -m jupyter_runai.hub`). Single-user servers get only its URL
(RUNAI_HUB_SERVICE_URL) and reach it with their own JupyterHub token; the service decides per
hub user and group which Run:ai projects they may use (runai_hub_config.py). The secret never
reaches a user's server, kernel or browser.

The other mode, every user with their own Run:ai credentials and no service, is in
per_user_credentials.py (set RUNAI_PER_USER_CREDENTIALS=1 to use it).

For production, change what the "PRODUCTION:" comments say: a real authenticator, KubeSpawner (see
zero-to-jupyterhub-values.yaml), TLS, internal_ssl, and the secret from a secret store.
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - injected by JupyterHub when it loads this file

# -- the settings a deployment changes ---------------------------------------------------------
HERE = Path(__file__).resolve().parent
#: Where the hub keeps its database, cookie secret and the users' home folders.
DATA_DIR = Path(os.environ.get("JUPYTERHUB_DATA_DIR", HERE / "hub-data"))
PUBLIC_IP = "127.0.0.1"
PUBLIC_PORT = 8000  # what browsers open (the proxy)
PROXY_API_PORT = 8001  # the proxy's REST API, for the hub only
HUB_PORT = 8081  # the hub's own API, for the proxy, servers and services
SERVICE_PORT = 10101  # the jupyter-runai service
SERVICE_URL = f"http://127.0.0.1:{SERVICE_PORT}"
SERVICE_PREFIX = "/services/runai/"
#: The Run:ai settings the service takes from the hub's environment (and nothing else does).
RUNAI_ENV = ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET")
#: Every user logs in with this password (DummyAuthenticator: a demo, not authentication).
DEMO_PASSWORD = os.environ.get("JUPYTERHUB_DEMO_PASSWORD", "runai-demo")
PER_USER_CREDENTIALS = os.environ.get("RUNAI_PER_USER_CREDENTIALS", "") == "1"

# -- hub, proxy, state -------------------------------------------------------------------------
# PRODUCTION: terminate TLS at the proxy (c.JupyterHub.ssl_cert / ssl_key, or a load balancer)
# and set c.JupyterHub.internal_ssl = True so hub, proxy, services and servers talk over mutual
# TLS too.
c.JupyterHub.ip = PUBLIC_IP
c.JupyterHub.port = PUBLIC_PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.command = [
    os.environ.get("CONFIGURABLE_HTTP_PROXY")
    or shutil.which("configurable-http-proxy")
    or "configurable-http-proxy"
]
c.ConfigurableHTTPProxy.pid_file = str(DATA_DIR / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{DATA_DIR / 'jupyterhub.sqlite'}"
# PRODUCTION: the cookie secret (and CONFIGPROXY_AUTH_TOKEN) from a secret store, via env.
c.JupyterHub.cookie_secret_file = str(DATA_DIR / "jupyterhub_cookie_secret")
DATA_DIR.mkdir(parents=True, exist_ok=True)

# -- who may log in ----------------------------------------------------------------------------
# PRODUCTION: a real authenticator, e.g. oauthenticator's GenericOAuthenticator against your
# identity provider (the one Run:ai uses, for per-user credentials), with allowed_users or
# allowed_groups instead of allow_all.
# (JupyterHub 5.3+ logs that DummyAuthenticator.password is deprecated in favour of
# SharedPasswordAuthenticator; it still works, and keeps the demo to one password for everyone.)
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = DEMO_PASSWORD
c.Authenticator.allow_all = True  # JupyterHub 5+: without it (or allowed_users) nobody gets in
c.Authenticator.admin_users = {"admin"}
# Hub groups are what the service maps to Run:ai projects (runai_hub_config.py). With a real
# authenticator they usually come from the identity provider (Authenticator.manage_groups).
c.JupyterHub.load_groups = {
    "team-a": {"users": ["alice", "bob"]},
    "vision": {"users": ["carol"]},
}

# -- single-user servers -----------------------------------------------------------------------
# PRODUCTION: KubeSpawner (one pod per user) or SystemdSpawner; SimpleLocalProcessSpawner runs
# every user's server as the hub's own Unix user, with no isolation at all.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(DATA_DIR / "home" / "{username}")
c.Spawner.default_url = "/lab"
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # SimpleLocalProcessSpawner does not switch users: run as root, the hub starts every user's
    # server as root, and Jupyter refuses to run as root unless told it may.
    c.Spawner.args = ["--ServerApp.allow_root=True"]
# Servers learn where the service is, and nothing of its credentials: the spawner passes on only
# Spawner.environment and Spawner.env_keep (PATH, LANG, ...), never the hub's RUNAI_* variables.
c.Spawner.environment = {"RUNAI_HUB_SERVICE_URL": f"{SERVICE_URL}{SERVICE_PREFIX}"}

# -- the jupyter-runai service -----------------------------------------------------------------
# A hub-managed service: the hub starts it, restarts it if it exits, routes /services/runai/ to
# it and gives it JUPYTERHUB_API_TOKEN and its OAuth client. It is the only process with the Run:ai
# secret, passed on from the hub's own environment.
# PRODUCTION: put RUNAI_CLIENT_SECRET in the hub's environment from a secret store (a Kubernetes
# Secret, Vault, systemd LoadCredential), never in this file: the hub logs its config with --debug.
c.JupyterHub.services = [
    {
        "name": "runai",
        "url": SERVICE_URL,
        "command": [
            sys.executable,
            "-m",
            "jupyter_runai.hub",
            f"--config={HERE / 'runai_hub_config.py'}",
        ],
        "environment": {name: os.environ[name] for name in RUNAI_ENV if name in os.environ},
        # users are sent straight back from the hub's OAuth page, not asked to authorize it
        "oauth_no_confirm": True,
    }
]
c.JupyterHub.load_roles = [
    # users, and their servers' tokens, may call the service (it checks projects itself)
    {"name": "user", "scopes": ["self", "access:services!service=runai"]},
    {
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "access:services!service=runai",
        ],
    },
    # the service reads a caller's groups and admin flag, nothing more
    {"name": "runai-service", "scopes": ["read:users", "read:groups"], "services": ["runai"]},
]

if PER_USER_CREDENTIALS:
    # no service: each user's server gets that user's own Run:ai credentials instead
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []
    c.Spawner.environment = {}
    load_subconfig(str(HERE / "per_user_credentials.py"))  # noqa: F821 - injected by JupyterHub
