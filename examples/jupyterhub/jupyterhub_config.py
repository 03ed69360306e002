"""JupyterHub with jupyter-runai: one machine, runs as is.

    pip install "jupyter-runai[hub]"
    npm install -g configurable-http-proxy     # or set CONFIGURABLE_HTTP_PROXY to its path
    # the Run:ai secret in a file only the hub's Unix user can read: never in an environment
    install -m 600 /dev/null /etc/jupyter-runai-secret && "$EDITOR" /etc/jupyter-runai-secret
    export RUNAI_URL=https://<tenant>.run.ai RUNAI_CLIENT_ID=... \
           RUNAI_CLIENT_SECRET_FILE=/etc/jupyter-runai-secret
    useradd -m alice; useradd -m bob; useradd -m carol; useradd -m admin   # hub run as root
    jupyterhub -f examples/jupyterhub/jupyterhub_config.py

(For a demo without Run:ai, run `jupyter runai simulator --secret-file FILE` first and export the
RUNAI_* lines it prints.) Then open http://127.0.0.1:8000 and log in as alice, bob, carol or admin
with the demo password (JUPYTERHUB_DEMO_PASSWORD, default "runai-demo").

How it fits together: the Run:ai credentials live in ONE process, the hub-managed service
`runai` (`python -m jupyter_runai.hub`). The hub hands it the secret file's path, never the secret,
so nothing the hub stores (its database), logs or passes to its proxy holds it; the service reads
the file (and again when Run:ai refuses it, so a rotated secret needs no restart). Single-user
servers get only the service's URL (RUNAI_HUB_SERVICE_URL) and reach it with their own JupyterHub
token; the service decides per hub user and group which Run:ai projects they may use
(runai_hub_config.py). The secret never reaches a user's server, kernel or browser.

Users' servers: run as root, the hub starts each as that user's own Unix account
(LocalProcessSpawner: the accounts must exist), so no user can read another's processes; run as
anyone else, it can only start them all as itself (SimpleLocalProcessSpawner: a demo with no
isolation between users). JUPYTERHUB_SPAWNER=localprocess|simple chooses.

The other mode, every user with their own Run:ai credentials and no service, is in
per_user_credentials.py (set RUNAI_PER_USER_CREDENTIALS=1 to use it).

For production, change what the "PRODUCTION:" comments say: a real authenticator, KubeSpawner (see
zero-to-jupyterhub-values.yaml), TLS at the proxy, and JUPYTERHUB_INTERNAL_SSL=1 (mutual TLS between
the hub, its proxy, the service and the servers).
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - injected by JupyterHub when it loads this file

# -- the settings a deployment changes ---------------------------------------------------------
HERE = Path(__file__).resolve().parent
#: Where the hub keeps its database, cookie secret and certificates (0700: the hub's alone).
DATA_DIR = Path(os.environ.get("JUPYTERHUB_DATA_DIR", HERE / "hub-data"))
PUBLIC_IP = "127.0.0.1"
PUBLIC_PORT = 8000  # what browsers open (the proxy)
PROXY_API_PORT = 8001  # the proxy's REST API, for the hub only
HUB_PORT = 8081  # the hub's own API, for the proxy, servers and services
SERVICE_PORT = 10101  # the jupyter-runai service
SERVICE_URL = f"http://127.0.0.1:{SERVICE_PORT}"
SERVICE_PREFIX = "/services/runai/"
#: The Run:ai settings the service takes from the hub's environment (and nothing else does):
#: where Run:ai is, who the service is, and the PATH of the file with its secret.
RUNAI_ENV = ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET_FILE", "RUNAI_TOKEN_FILE")
#: Secrets as values: refused here, because the hub, its proxy and its database would hold them.
SECRET_VALUES = ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN")
#: Every user logs in with this password (DummyAuthenticator: a demo, not authentication).
DEMO_PASSWORD = os.environ.get("JUPYTERHUB_DEMO_PASSWORD", "runai-demo")
PER_USER_CREDENTIALS = os.environ.get("RUNAI_PER_USER_CREDENTIALS", "") == "1"
#: Mutual TLS between the hub, its proxy, the service and the single-user servers.
INTERNAL_SSL = os.environ.get("JUPYTERHUB_INTERNAL_SSL", "") == "1"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SPAWNER = os.environ.get("JUPYTERHUB_SPAWNER") or ("localprocess" if AS_ROOT else "simple")

for name in SECRET_VALUES:
    if os.environ.get(name):
        sys.exit(
            f"jupyterhub_config.py: {name} is in the hub's environment, where the hub, its proxy "
            "and (passed to a service) its database would hold it. Write it to a file only the "
            f"hub's user can read (chmod 600) and set {name}_FILE to that file's path instead."
        )

# -- hub, proxy, state -------------------------------------------------------------------------
# PRODUCTION: terminate TLS at the proxy (c.JupyterHub.ssl_cert / ssl_key, or a load balancer),
# and set JUPYTERHUB_INTERNAL_SSL=1.
c.JupyterHub.ip = PUBLIC_IP
c.JupyterHub.port = PUBLIC_PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.ConfigurableHTTPProxy.api_url = (
    f"{'https' if INTERNAL_SSL else 'http'}://127.0.0.1:{PROXY_API_PORT}"
)
c.ConfigurableHTTPProxy.command = [
    os.environ.get("CONFIGURABLE_HTTP_PROXY")
    or shutil.which("configurable-http-proxy")
    or "configurable-http-proxy"
]
c.ConfigurableHTTPProxy.pid_file = str(DATA_DIR / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{DATA_DIR / 'jupyterhub.sqlite'}"
# PRODUCTION: the cookie secret (and CONFIGPROXY_AUTH_TOKEN) from a secret store, via env.
c.JupyterHub.cookie_secret_file = str(DATA_DIR / "jupyterhub_cookie_secret")
# Nobody but the hub's user reads the hub's state: the folder 0700, the database 0600 (made
# before SQLite makes it with the umask's 0644; its journal files take the same mode).
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
DATA_DIR.chmod(0o700)
_database = DATA_DIR / "jupyterhub.sqlite"
os.close(os.open(_database, os.O_WRONLY | os.O_CREAT, 0o600))
_database.chmod(0o600)
if INTERNAL_SSL:
    # the hub makes a CA and a certificate for each part; the proxy's API is then https too
    c.JupyterHub.internal_ssl = True
    c.JupyterHub.internal_certs_location = str(DATA_DIR / "internal-ssl")

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
# PRODUCTION: KubeSpawner (one pod per user) or SystemdSpawner.
c.Spawner.default_url = "/lab"
if SPAWNER == "localprocess":
    # each user's server as that user's own Unix account (it must exist): no user can read
    # another's processes, their environment or their files
    c.JupyterHub.spawner_class = "localprocess"
else:
    # SimpleLocalProcessSpawner runs every user's server as the hub's own Unix user: any user
    # can read any other's kernels and files. A one-person demo only.
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(DATA_DIR / "home" / "{username}")
    if AS_ROOT:
        # ... and as root, Jupyter refuses to run unless told it may
        c.Spawner.args = ["--ServerApp.allow_root=True"]
# Servers learn where the service is, and nothing of its credentials: the spawner passes on only
# Spawner.environment and Spawner.env_keep (PATH, LANG, ...), never the hub's RUNAI_* variables.
c.Spawner.environment = {"RUNAI_HUB_SERVICE_URL": f"{SERVICE_URL}{SERVICE_PREFIX}"}

# -- the jupyter-runai service -----------------------------------------------------------------
# A hub-managed service: the hub starts it, restarts it if it exits, routes /services/runai/ to
# it and gives it JUPYTERHUB_API_TOKEN and its OAuth client. It is the only process that reads the
# Run:ai secret: the hub passes on the file's path (RUNAI_CLIENT_SECRET_FILE), which is all the
# hub's database stores of it.
# PRODUCTION: the file from a secret store (a Kubernetes Secret mounted as a file, Vault agent,
# systemd LoadCredential), 0600 and owned by the hub's user, never the value in this file or an
# environment: the hub logs its config with --debug and stores a service's environment.
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
