"""Per-user Run:ai credentials (examples/jupyterhub/per_user_credentials.py) on a real hub: each
user's server gets that user's own credentials from auth_state, acts on Run:ai as that user,
and holds nothing of anyone else's."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from extension import check_answer
from hubharness import configurable_http_proxy, process_environ, running_hub

from jupyter_runai.simulator import Simulator

#: Each user's own Run:ai service account; carol has none (her server starts unconfigured).
ACCOUNTS = {name: (f"{name}-runai", secrets.token_urlsafe(24)) for name in ("alice", "bob")}
#: What Run:ai lets each account use, as a researcher's project memberships.
PROJECTS = {"alice": "team-a", "bob": "team-b"}
ALICE_NB = {"project": "team-a", "image": "busybox"}

#: Appended to the generated hub config: the example's DummyAuthenticator, returning auth_state as
#: an OAuth authenticator would (alice: a bearer token, bob: an access key of his own).
AUTHENTICATOR = """
from jupyterhub.auth import DummyAuthenticator

RUNAI_AUTH_STATES = {states!r}


class RunaiAuthStateAuthenticator(DummyAuthenticator):
    async def authenticate(self, handler, data):
        name = await super().authenticate(handler, data)
        if not name:
            return None
        return {{"name": name, "auth_state": RUNAI_AUTH_STATES.get(name)}}


c.JupyterHub.authenticator_class = RunaiAuthStateAuthenticator
"""


def issue_token(sim: Simulator, client_id: str, secret: str) -> str:
    answer = httpx.post(
        f"{sim.url}/api/v1/token",
        json={"grantType": "client_credentials", "clientID": client_id, "clientSecret": secret},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["accessToken"]


@pytest.fixture(scope="module")
def per_user_sim() -> Iterator[Simulator]:
    with Simulator(
        time_scale=50,
        client_secret=secrets.token_urlsafe(24),
        extra_accounts=dict(ACCOUNTS.values()),
        scopes={ACCOUNTS[name][0]: [project] for name, project in PROJECTS.items()},
    ) as sim:
        yield sim


@pytest.fixture(scope="module")
def credentials(per_user_sim) -> dict[str, dict[str, str]]:
    """Each user's auth_state: alice a pre-issued bearer token, bob his access key."""
    return {
        "alice": {"runai_token": issue_token(per_user_sim, *ACCOUNTS["alice"])},
        "bob": {
            "runai_client_id": ACCOUNTS["bob"][0],
            "runai_client_secret": ACCOUNTS["bob"][1],
            "runai_url": per_user_sim.url,
        },
    }


@pytest.fixture(scope="module")
def per_user_hub(per_user_sim, credentials, unix_users, tmp_path_factory):
    """A hub in per-user mode; alice, bob and carol logged in (auth_state stored), servers up."""
    if configurable_http_proxy() is None:
        pytest.skip("JupyterHub tests need configurable-http-proxy, or node and npm to install it")
    with running_hub(
        tmp_path_factory.mktemp("hub-per-user"),
        per_user=True,
        # the hub's own RUNAI_URL serves users whose auth_state has none; no service credentials
        runai_env={"RUNAI_URL": per_user_sim.url},
        extra_config=AUTHENTICATOR.format(states=credentials),
    ) as hub:
        users = ("alice", "bob", "carol")
        for name in users:
            hub.login(name).close()
        for name in users:
            hub.start_server(name, wait=False)
        for name in users:
            hub.wait_for_server(name)
        yield hub


def server_env(hub, name: str) -> dict[str, str]:
    return process_environ(hub.server_pid(name))


def test_no_service_in_per_user_mode(per_user_hub):
    services = per_user_hub.api("GET", "services").json()
    assert "runai" not in services
    assert "RUNAI_HUB_SERVICE_URL" not in server_env(per_user_hub, "alice")


def test_each_server_creates_workspaces_as_its_own_user(per_user_hub, per_user_sim):
    for name in ("alice", "bob"):
        token = per_user_hub.user_token(name)
        answer = per_user_hub.request(
            "POST",
            f"/user/{name}/runai/api/workspaces",
            token,
            json={"name": f"per-user-{name}", "project": PROJECTS[name], "image": "busybox"},
        )
        assert answer.status_code == 202, f"{answer.text}\n{per_user_hub.logs()}"

    headers = {
        "Authorization": "Bearer "
        + issue_token(per_user_sim, per_user_sim.client_id, per_user_sim.client_secret)
    }
    listed = httpx.get(f"{per_user_sim.url}/api/v1/workloads", headers=headers).json()
    created_by = {}
    for workload in listed["workloads"]:
        one = httpx.get(
            f"{per_user_sim.url}/api/v1/workloads/workspaces/{workload['id']}", headers=headers
        ).json()
        created_by[one["name"]] = one["createdBy"]
    assert created_by == {
        "per-user-alice": ACCOUNTS["alice"][0],
        "per-user-bob": ACCOUNTS["bob"][0],
    }


def user_api(hub, name: str, method: str, path: str, body=None) -> httpx.Response:
    answer = hub.request(method, f"/user/{name}/runai/api/{path}", hub.user_token(name), json=body)
    check_answer(answer, f"/user/{name}/runai/api")
    return answer


def test_run_ai_scopes_each_user_to_their_own_projects(per_user_hub, per_user_sim):
    """Per-user credentials leave scoping to Run:ai: alice (a member of team-a) and bob (of
    team-b) each see and touch their own project's workspaces only, through the extension."""
    hub = per_user_hub
    made = user_api(hub, "alice", "POST", "workspaces", {"name": "alice-scoped", **ALICE_NB})
    assert made.status_code == 202, made.text
    wid = made.json()["id"]
    for name in ("alice", "bob"):
        projects = user_api(hub, name, "GET", "projects").json()["projects"]
        assert [p["name"] for p in projects] == [PROJECTS[name]]
    assert "alice-scoped" not in {
        w["name"] for w in user_api(hub, "bob", "GET", "workspaces").json()["workspaces"]
    }
    # bob cannot read or act on alice's workspace, nor create in her project: Run:ai says no
    for method, path in [
        ("GET", f"workspaces/{wid}"),
        ("POST", f"workspaces/{wid}/suspend"),
        ("DELETE", f"workspaces/{wid}"),
    ]:
        refused = user_api(hub, "bob", method, path)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["reason"] == "forbidden"
    # team-a is not among the projects Run:ai shows bob: for him it does not exist
    refused = user_api(hub, "bob", "POST", "workspaces", {"name": "bob-in-a", **ALICE_NB})
    assert refused.status_code == 404 and "team-a" in refused.json()["message"], refused.text
    # ... and nothing happened to it
    mine = user_api(hub, "alice", "GET", f"workspaces/{wid}").json()
    assert mine["phase"] not in {"Stopping", "Stopped", "Deleting"}, mine
    assert user_api(hub, "alice", "DELETE", f"workspaces/{wid}").status_code == 202


def test_no_server_holds_another_users_credentials(per_user_hub, per_user_sim, credentials):
    alice, bob = server_env(per_user_hub, "alice"), server_env(per_user_hub, "bob")
    # each got their own, from their auth_state
    assert alice["RUNAI_TOKEN"] == credentials["alice"]["runai_token"]
    assert alice["RUNAI_URL"] == per_user_sim.url  # the hub's, as alice's auth_state has none
    assert (bob["RUNAI_CLIENT_ID"], bob["RUNAI_CLIENT_SECRET"]) == ACCOUNTS["bob"]
    assert "RUNAI_TOKEN" not in bob and "RUNAI_CLIENT_ID" not in alice
    # and nothing of the other's, nor of the simulator's main account
    alice_text, bob_text = "\0".join(alice.values()), "\0".join(bob.values())
    assert credentials["alice"]["runai_token"] not in bob_text
    assert ACCOUNTS["alice"][1] not in bob_text
    assert ACCOUNTS["bob"][1] not in alice_text
    for text in (alice_text, bob_text):
        assert per_user_sim.client_secret not in text
    # nor in any log
    logs = per_user_hub.logs()
    for secret in (ACCOUNTS["alice"][1], ACCOUNTS["bob"][1], credentials["alice"]["runai_token"]):
        assert secret not in logs


def test_a_user_without_credentials_gets_an_unconfigured_server(per_user_hub):
    env = server_env(per_user_hub, "carol")
    assert not {"RUNAI_TOKEN", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET"} & set(env)
    token = per_user_hub.user_token("carol")
    answer = per_user_hub.request("GET", "/user/carol/runai/api/workspaces", token)
    assert answer.status_code == 503
    assert answer.json()["reason"] == "not_configured"
