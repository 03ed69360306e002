"""Per-user Run:ai credentials: every user's server talks to Run:ai as that user, no hub service.

jupyterhub_config.py loads this file instead of configuring the `runai` service when
RUNAI_PER_USER_CREDENTIALS=1. Each user's server then runs the jupyter-runai extension in its
direct mode, with that user's own credentials, so Run:ai itself enforces who may do what and
shows the user as the workspace's creator.

Where the credentials come from: the authenticator's auth_state, which JupyterHub keeps encrypted
in its database (JUPYTERHUB_CRYPT_KEY: `openssl rand -hex 32`, from a secret store). The hook
below reads, from auth_state:

- `runai_token`, or `access_token` as oauthenticator stores it: a Run:ai bearer token, passed as
  RUNAI_TOKEN. Log users in with GenericOAuthenticator against the identity provider that Run:ai
  trusts (its Keycloak realm, or your SSO) and the token they get is their Run:ai token. It
  cannot be refreshed by the server: set `c.Authenticator.refresh_pre_spawn = True` (and
  `auth_refresh_age`) so a restart gets a fresh one, and keep server lifetimes below the token's.
- or `runai_client_id` and `runai_client_secret`: a per-user Run:ai access key (Applications /
  access keys in Run:ai), passed as RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET; these do refresh.
- optionally `runai_url`; else the hub's own RUNAI_URL is used.

The server reads these once at start and removes RUNAI_TOKEN and RUNAI_CLIENT_SECRET from its
environment, so the user's kernels and terminals do not inherit them. They are the user's own
credentials: Run:ai, not this hub, decides what each may see and do (the projects they are a
member of; their teammates' workspaces in those projects too, as in Run:ai's own UI). The example
runs each server as its user's own Unix account when the hub runs as root (LocalProcessSpawner);
with SimpleLocalProcessSpawner all servers run as one Unix user and can read each other's process
environment: use a spawner that isolates users (KubeSpawner, SystemdSpawner, LocalProcessSpawner).
"""

import os

c = get_config()  # noqa: F821 - injected by JupyterHub when it loads this file

# auth_state is stored encrypted; without JUPYTERHUB_CRYPT_KEY the hub refuses to start.
c.Authenticator.enable_auth_state = True

#: auth_state key -> environment variable of the user's server
AUTH_STATE_ENV = {
    "runai_url": "RUNAI_URL",
    "runai_token": "RUNAI_TOKEN",
    "runai_client_id": "RUNAI_CLIENT_ID",
    "runai_client_secret": "RUNAI_CLIENT_SECRET",
}


def runai_credentials_from_auth_state(spawner, auth_state):
    """Spawner.auth_state_hook: put the user's own Run:ai credentials in their server's env.

    Runs before every spawn, with the decrypted auth_state of the user being spawned (None if they
    never logged in, e.g. a server an admin started: it then starts unconfigured).
    """
    env = spawner.environment
    for name in AUTH_STATE_ENV.values():
        env.pop(name, None)  # never a value left over from the config
    if not auth_state:
        spawner.log.warning("jupyter-runai: no auth_state for %s", spawner.user.name)
        return
    for key, name in AUTH_STATE_ENV.items():
        if auth_state.get(key):
            env[name] = str(auth_state[key])
    if "RUNAI_TOKEN" not in env and auth_state.get("access_token"):
        env["RUNAI_TOKEN"] = str(auth_state["access_token"])  # oauthenticator's key
    if "RUNAI_URL" not in env and os.environ.get("RUNAI_URL"):
        env["RUNAI_URL"] = os.environ["RUNAI_URL"]


c.Spawner.auth_state_hook = runai_credentials_from_auth_state
