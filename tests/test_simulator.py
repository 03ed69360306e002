"""The simulator over raw HTTP: what a Run:ai client that is not ours would see."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from conformance import RecordingTransport
from harness import bearer, set_clock, set_faults, stats, wait_until

from jupyter_runai.simulator import Simulator
from jupyter_runai.simulator.state import DEFAULT_SEED


def recording(exchanges):
    return RecordingTransport(exchanges, request_must_conform=False)


UNKNOWN_ID = "3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10"


async def create(raw, headers, sim, name, project="team-a", **spec):
    projects = (await raw.get("/api/v1/org-unit/projects", headers=headers)).json()["projects"]
    target = next(p for p in projects if p["name"] == project)
    body = {
        "name": name,
        "projectId": target["id"],
        "clusterId": target["clusterId"],
        "spec": {"image": "busybox", **spec},
    }
    return await raw.post("/api/v1/workloads/workspaces", json=body, headers=headers)


# -- tokens -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"grantType": "client_credentials", "clientID": "sim-client", "clientSecret": "sim-secret"},
        {"grantType": "client_credentials", "clientId": "sim-client", "clientSecret": "sim-secret"},
        {"GRANTTYPE": "client_credentials", "clientid": "sim-client", "CLIENTSECRET": "sim-secret"},
        {"grantType": "app_token", "AppId": "sim-client", "AppSecret": "sim-secret"},
    ],
)
async def test_token_keys_match_case_insensitively(raw, body):
    response = await raw.post("/api/v1/token", json=body)
    assert response.status_code == 200
    token = response.json()["accessToken"]
    _header, payload, _signature = token.split(".")
    # runapy decodes the payload with the standard base64 alphabet: it must have no - or _
    assert "-" not in payload and "_" not in payload
    claims = json.loads(base64.b64decode(payload + "=="))
    assert claims["sub"] == "sim-client"
    assert claims["exp"] - claims["iat"] == 3600
    assert response.json()["expiresIn"] == 3600


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"grantType": "client_credentials", "clientID": "sim-client", "clientSecret": "no"},
            401,
            "Invalid",
        ),
        ({"grantType": "client_credentials", "clientID": "sim-client"}, 400, "missing"),
        ({"grantType": "password", "username": "u", "password": "p"}, 400, "grantType"),
    ],
)
async def test_token_errors(raw, body, status, message):
    response = await raw.post("/api/v1/token", json=body)
    assert response.status_code == status
    assert response.json()["code"] == status
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing bearer token"),
        ("Bearer nonsense", "Malformed token"),
        ("Bearer a.b.c", "Malformed token"),
        ("Basic c2ltOnNpbQ==", "Missing bearer token"),
    ],
)
async def test_bad_bearer_tokens_get_401(raw, header, message):
    headers = {"Authorization": header} if header else {}
    response = await raw.get("/api/v1/workloads", headers=headers)
    assert response.status_code == 401
    assert message in response.json()["message"]


async def test_foreign_and_expired_tokens_get_401(raw, sim):
    with Simulator() as other:
        foreign = bearer(other)
    response = await raw.get("/api/v1/clusters", headers=foreign)
    assert response.status_code == 401
    assert response.json()["message"] == "Issuer is not familiar."
    set_faults(sim, token_lifetime_s=2)  # exp is whole seconds: 1 to 2 s from now
    set_clock(sim, frozen=True)  # tokens expire on the simulator's clock
    short = bearer(sim)
    assert (await raw.get("/api/v1/clusters", headers=short)).status_code == 200
    set_clock(sim, advance=2.1)
    expired = await raw.get("/api/v1/clusters", headers=short)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]


# -- workspaces ---------------------------------------------------------------------------------
async def test_phases_in_order(exchanges):
    with Simulator(time_scale=5) as sim:
        async with httpx.AsyncClient(base_url=sim.url, transport=recording(exchanges)) as raw:
            seen = await watch_phases(raw, sim)
    assert seen == ["Creating", "Pending", "Initializing", "Running"]


async def watch_phases(raw, sim):
    """The phases a workspace goes through, read after each step of a frozen clock."""
    headers = bearer(sim)
    set_clock(sim, frozen=True)
    created = await create(raw, headers, sim, "watch", compute={"gpuDevicesRequest": 1})
    assert created.status_code == 202
    ws = created.json()
    assert ws["actualPhase"] == "Creating" and ws["desiredPhase"] == "Running"
    seen = []
    for _ in range(100):  # 100 steps of 0.1 simulated s: far past the 3.5 s it needs
        phase = (await raw.get(f"/api/v1/workloads/{ws['workloadId']}", headers=headers)).json()[
            "phase"
        ]
        if not seen or seen[-1] != phase:
            seen.append(phase)
        if phase == "Running":
            break
        set_clock(sim, advance=0.1 / 5)
    return seen


async def test_an_image_that_cannot_be_pulled_fails_its_workspace_and_frees_its_gpus(raw, sim):
    headers = bearer(sim)
    set_faults(sim, unpullable_images=["no/such:image"])
    set_clock(sim, frozen=True)
    whole = {"gpuDevicesRequest": 4}  # team-a's whole quota
    bad = await create(raw, headers, sim, "unpullable", image="no/such:image", compute=whole)
    next_in_line = (await create(raw, headers, sim, "next-in-line", compute=whole)).json()
    set_clock(sim, advance=4 / 50)  # Creating 1 + Pending 0.5 + Initializing 2 = 3.5
    failed = await raw.get(f"/api/v1/workloads/{bad.json()['workloadId']}", headers=headers)
    view = failed.json()
    assert view["phase"] == "Failed"
    assert (
        view["phaseMessage"].startswith("ImagePullBackOff:")
        and "no/such:image" in view["phaseMessage"]
    )
    assert "phaseReason" not in view  # the spec's reasons are the scheduler's
    assert view["allocatedResources"]["gpu"] == 0
    set_clock(sim, advance=4 / 50)  # its GPUs went to the next in line
    path = f"/api/v1/workloads/{next_in_line['workloadId']}"
    assert (await raw.get(path, headers=headers)).json()["phase"] == "Running"


async def test_suspend_resume_delete_answers(raw, sim):
    headers = bearer(sim)
    ws = (await create(raw, headers, sim, "cycle")).json()
    path = f"/api/v1/workloads/workspaces/{ws['workloadId']}"
    for action in ("suspend", "suspend", "resume", "resume"):  # idempotent
        response = await raw.post(f"{path}/{action}", headers=headers)
        assert response.status_code == 202
        assert response.json() == {"code": 202, "message": "Request has been accepted."}
    deleted = await raw.delete(path, headers=headers)
    assert deleted.status_code == 202
    assert (await raw.get(path, headers=headers)).json()["desiredPhase"] == "Deleted"
    refused = await raw.post(f"{path}/resume", headers=headers)
    assert refused.status_code == 400
    set_clock(sim, advance=1.0 / 50)  # Deleting takes 1 s
    assert (await raw.get(path, headers=headers)).status_code == 404
    assert (await raw.delete(path, headers=headers)).status_code == 404


async def test_ids_are_checked(raw, sim):
    headers = bearer(sim)
    for path in (
        "/api/v1/workloads/not-a-uuid",
        "/api/v1/workloads/workspaces/12345",
        "/api/v1/workloads/workspaces/..%2F..%2Fapi/suspend",
    ):
        response = (
            await raw.get(path, headers=headers)
            if "suspend" not in path
            else (await raw.post(path, headers=headers))
        )
        assert response.status_code == 400, path
        assert "not a UUID" in response.json()["message"]
    missing = await raw.get(f"/api/v1/workloads/workspaces/{UNKNOWN_ID}", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == 404


async def test_invalid_bodies_name_the_field(raw, sim):
    headers = bearer(sim)
    response = await create(
        raw, headers, sim, "bad", compute={"gpuDevicesRequest": -1, "cpuMemoryRequest": "lots"}
    )
    assert response.status_code == 400
    fields = {issue["field"] for issue in response.json()["complianceIssues"]}
    assert fields == {"spec.compute.gpuDevicesRequest", "spec.compute.cpuMemoryRequest"}
    no_json = await raw.post("/api/v1/workloads/workspaces", content=b"{", headers=headers)
    assert no_json.status_code == 400
    assert "not valid JSON" in no_json.json()["message"]
    bad_name = await create(raw, headers, sim, "Not_A_Label")
    assert bad_name.status_code == 400
    assert bad_name.json()["complianceIssues"][0]["field"] == "name"
    assert stats(sim).get("GET /api/v1/workloads") is None
    listed = await raw.get("/api/v1/workloads", headers=headers)
    assert listed.json()["workloads"] == []


@pytest.mark.parametrize(
    ("name", "spec", "field"),
    [
        ("nlname\n", {}, "name"),
        ("ok", {"compute": {"cpuMemoryRequest": "8G\n"}}, "spec.compute.cpuMemoryRequest"),
        ("ok", {"compute": {"cpuMemoryRequest": "..."}}, "spec.compute.cpuMemoryRequest"),
        (
            "ok",
            {"environmentVariables": [{"name": "A\n", "value": "1"}]},
            "spec.environmentVariables[0].name",
        ),
        (
            "ok",
            {"storage": {"pvc": [{"claimName": "../../etc", "path": "/d", "existingPvc": True}]}},
            "spec.storage.pvc[0].claimName",
        ),
    ],
)
async def test_refuses_what_kubernetes_would(raw, sim, name, spec, field):
    """Whole-string rules, as Run:ai and Kubernetes apply them: a final newline is no escape."""
    headers = bearer(sim)
    response = await create(raw, headers, sim, name, **spec)
    assert response.status_code == 400
    assert field in [issue["field"] for issue in response.json()["complianceIssues"]]
    listed = await raw.get("/api/v1/workloads", headers=headers)
    assert listed.json()["workloads"] == []


async def test_nan_is_not_json(raw, sim):
    headers = {**bearer(sim), "Content-Type": "application/json"}
    body = b'{"name": "x", "projectId": "1", "clusterId": "c", "spec": {"image": "b", '
    response = await raw.post(
        "/api/v1/workloads/workspaces",
        content=body + b'"compute": {"cpuCoreRequest": NaN}}}',
        headers=headers,
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


async def test_quota_compliance_issue(raw, sim):
    headers = bearer(sim)
    response = await create(raw, headers, sim, "greedy", compute={"gpuDevicesRequest": 5})
    assert response.status_code == 400
    [issue] = response.json()["complianceIssues"]
    assert issue["field"] == "compute.gpuDevicesRequest"
    assert "no more than 4" in issue["details"]


async def test_duplicate_name_is_409_per_project(raw, sim):
    headers = bearer(sim)
    assert (await create(raw, headers, sim, "same")).status_code == 202
    again = await create(raw, headers, sim, "same")
    assert again.status_code == 409
    assert "already exists" in again.json()["message"]
    assert (await create(raw, headers, sim, "same", project="team-b")).status_code == 202


# -- listing ------------------------------------------------------------------------------------
async def test_list_filters_sorts_and_pages(raw, sim):
    headers = bearer(sim)
    for name, project in [("b-one", "team-a"), ("a-two", "team-b"), ("c-three", "team-a")]:
        assert (await create(raw, headers, sim, name, project=project)).status_code == 202

    async def names(**params):
        response = await raw.get("/api/v1/workloads", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [w["name"] for w in response.json()["workloads"]]

    assert await names() == ["b-one", "a-two", "c-three"]
    assert await names(filterBy="projectName==team-a") == ["b-one", "c-three"]
    assert await names(filterBy="projectName==team-a,name=$three") == ["c-three"]
    assert await names(filterBy="name!=a-two") == ["b-one", "c-three"]
    assert await names(filterBy="name=@-t") == ["a-two", "c-three"]
    assert await names(filterBy="name!@-t") == ["b-one"]
    assert await names(filterBy="name=^b-") == ["b-one"]
    assert await names(filterBy="createdAt>=2020-01-01T00:00:00Z") == ["b-one", "a-two", "c-three"]
    assert await names(filterBy="createdAt<=2020-01-01T00:00:00Z") == []
    assert await names(filterBy="allocatedGPU<=0") == ["b-one", "a-two", "c-three"]
    assert await names(sortBy="name") == ["a-two", "b-one", "c-three"]
    assert await names(sortBy="name", sortOrder="desc") == ["c-three", "b-one", "a-two"]
    assert await names(search="ONE") == ["b-one"]
    page = await raw.get("/api/v1/workloads", params={"limit": 2}, headers=headers)
    assert page.json()["next"] == 2
    last = await raw.get("/api/v1/workloads", params={"limit": 2, "offset": 2}, headers=headers)
    assert [w["name"] for w in last.json()["workloads"]] == ["c-three"]
    assert "next" not in last.json()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit: must be between 1 and 500"),
        ({"limit": 501}, "limit: must be between 1 and 500"),
        ({"offset": -1}, "offset"),
        ({"filterBy": "colour==red"}, "filterBy"),
        ({"filterBy": "name~~x"}, "filterBy"),
        ({"filterBy": "createdAt=@2020"}, "dates take only"),
        ({"sortBy": "colour"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"deleted": "maybe"}, "deleted"),
    ],
)
async def test_bad_list_parameters_get_400(raw, sim, params, message):
    headers = bearer(sim)
    await create(raw, headers, sim, "one")
    response = await raw.get("/api/v1/workloads", params=params, headers=headers)
    assert response.status_code == 400
    assert message in response.json()["message"]


async def test_projects_filter(raw, sim):
    headers = bearer(sim)
    response = await raw.get(
        "/api/v1/org-unit/projects", params={"filterBy": "name==team-b"}, headers=headers
    )
    [project] = response.json()["projects"]
    assert project["name"] == "team-b" and project["totalResources"]["gpuQuota"] == 8
    quota = await raw.get(
        "/api/v1/org-unit/projects", params={"filterBy": "totalGpuQuota>=5"}, headers=headers
    )
    assert [p["name"] for p in quota.json()["projects"]] == ["team-b"]


# -- hooks, seed, command line ------------------------------------------------------------------
async def test_stats_count_route_templates(raw, sim):
    headers = bearer(sim)
    await raw.get(f"/api/v1/workloads/{UNKNOWN_ID}", headers=headers)
    await raw.get(f"/api/v1/workloads/{UNKNOWN_ID}", headers=headers)
    counts = stats(sim)
    assert counts["GET /api/v1/workloads/{workloadId}"] == 2
    assert counts["POST /api/v1/token"] == 1
    await raw.delete("/_simulator/stats")
    assert stats(sim) == {"GET /_simulator/stats": 1}


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"error_rate": 2}, "error_rate: must be a number from 0 to 1"),
        ({"error_status": 418}, "error_status: must be one of"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"gremlins": 1}, "gremlins: unknown fault"),
        ({"times": 1.5}, "times"),
        ({"unpullable_images": "no/such"}, "unpullable_images: must be a list of image names"),
    ],
)
async def test_bad_faults_are_refused_whole(raw, sim, faults, message):
    response = await raw.post("/_simulator/faults", json={"latency_ms": 10, **faults})
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert (await raw.get("/_simulator/faults")).json()["latency_ms"] == 0


async def test_faults_limited_to_a_route_and_a_count(raw, sim):
    headers = bearer(sim)
    set_faults(
        sim, error_rate=1, error_status=429, retry_after=7, match="GET /api/v1/clusters", times=1
    )
    limited = await raw.get("/api/v1/clusters", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert (await raw.get("/api/v1/clusters", headers=headers)).status_code == 200
    assert (await raw.get("/api/v1/org-unit/projects", headers=headers)).status_code == 200


async def test_dropped_connection_after_the_action(raw, sim):
    headers = bearer(sim)
    set_faults(sim, drop_connections=True, match="POST /api/v1/workloads/workspaces", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await create(raw, headers, sim, "ghost")
    listed = await raw.get("/api/v1/workloads", headers=headers)
    assert [w["name"] for w in listed.json()["workloads"]] == ["ghost"]


async def test_seed_file(tmp_path, exchanges):
    seed = {
        "clusters": [{"name": "lab", "domain": "lab.example"}],
        "projects": [{"id": "7", "name": "vision", "gpuQuota": 2, "cluster": "lab"}],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with Simulator(seed=path) as custom:
        headers = bearer(custom)
        async with httpx.AsyncClient(base_url=custom.url, transport=recording(exchanges)) as http:
            projects = (await http.get("/api/v1/org-unit/projects", headers=headers)).json()
            clusters = (await http.get("/api/v1/clusters", headers=headers)).json()
    assert [(p["id"], p["name"]) for p in projects["projects"]] == [("7", "vision")]
    assert [c["name"] for c in clusters] == ["lab"]
    assert projects["projects"][0]["clusterId"] == clusters[0]["uuid"]


async def test_an_account_that_is_a_member_of_some_projects_sees_only_those(tmp_path, exchanges):
    """Run:ai's access rules for a researcher: a project's workloads are visible to its
    members; any other project's are absent from lists and 403 by id, and creating there is
    403. An account with no projects listed (an administrator) sees everything."""
    seed = {
        **json.loads(DEFAULT_SEED.read_text()),
        "serviceAccounts": [
            {"clientId": "ann", "clientSecret": "ann-secret", "projects": ["team-a"]},
            {"clientId": "ben", "clientSecret": "ben-secret", "projects": ["team-b"]},
        ],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with Simulator(seed=path) as scoped:
        async with httpx.AsyncClient(base_url=scoped.url, transport=recording(exchanges)) as http:

            async def login(client_id: str, secret: str) -> dict[str, str]:
                answer = await http.post(
                    "/api/v1/token",
                    json={
                        "grantType": "client_credentials",
                        "clientID": client_id,
                        "clientSecret": secret,
                    },
                )
                return {"Authorization": f"Bearer {answer.json()['accessToken']}"}

            ann, ben, admin = (
                await login("ann", "ann-secret"),
                await login("ben", "ben-secret"),
                bearer(scoped),
            )
            made = await create(http, ann, scoped, "anns")
            assert made.status_code == 202, made.text
            wid = made.json()["workloadId"]

            async def names(headers) -> tuple[list[str], list[str]]:
                projects = await http.get("/api/v1/org-unit/projects", headers=headers)
                workloads = await http.get("/api/v1/workloads", headers=headers)
                return (
                    [p["name"] for p in projects.json()["projects"]],
                    [w["name"] for w in workloads.json()["workloads"]],
                )

            assert await names(ann) == (["team-a"], ["anns"])
            assert await names(ben) == (["team-b"], [])
            assert await names(admin) == (["team-a", "team-b"], ["anns"])
            for method, route in [
                ("GET", f"/api/v1/workloads/{wid}"),
                ("GET", f"/api/v1/workloads/workspaces/{wid}"),
                ("POST", f"/api/v1/workloads/workspaces/{wid}/suspend"),
                ("POST", f"/api/v1/workloads/workspaces/{wid}/resume"),
                ("DELETE", f"/api/v1/workloads/workspaces/{wid}"),
            ]:
                answer = await http.request(method, route, headers=ben)
                assert answer.status_code == 403, (method, route, answer.text)
            assert (await create(http, admin, scoped, "in-b", "team-b")).status_code == 202
            projects = (await http.get("/api/v1/org-unit/projects", headers=admin)).json()
            team_a = next(p for p in projects["projects"] if p["name"] == "team-a")
            body = {"name": "bens", "projectId": team_a["id"], "clusterId": team_a["clusterId"]}
            refused = await http.post(
                "/api/v1/workloads/workspaces", json={**body, "spec": {"image": "x"}}, headers=ben
            )
            assert refused.status_code == 403
            # the test hook: ben joins team-a (a new secret too); tokens he holds stay valid
            joined = await http.post(
                "/_simulator/accounts",
                json={"clientId": "ben", "clientSecret": "new", "projects": ["team-a", "team-b"]},
            )
            assert joined.status_code == 204
            assert (await names(ben))[0] == ["team-a", "team-b"]
            assert (
                await http.post(
                    "/api/v1/token",
                    json={
                        "grantType": "client_credentials",
                        "clientID": "ben",
                        "clientSecret": "ben-secret",
                    },
                )
            ).status_code == 401
            listed = (await http.get("/_simulator/accounts")).json()["accounts"]
            assert {"clientId": "ann", "projects": ["team-a"]} in listed
            assert "secret" not in json.dumps(listed).lower().replace("clientid", "")


def test_bad_seed_is_refused(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(
        json.dumps({"clusters": [{"name": "c"}], "projects": [{"name": "Bad", "gpuQuota": 1}]})
    )
    with pytest.raises(ValueError, match="not a DNS label"):
        Simulator(seed=path)


@contextmanager
def simulator_command(tmp_path, *args: str) -> Iterator[list[str]]:
    """``python -m jupyter_runai.simulator ARGS`` on any free port: the lines it prints first
    (its URL and the RUNAI_* settings), while it runs."""
    out = tmp_path / "stdout"
    with out.open("w") as log:  # a file, not a pipe: read with a deadline, never blocks
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_runai.simulator", "--port", "0", *args],
            stdout=log,
            stderr=subprocess.DEVNULL,
        )
    try:
        yield wait_until(
            lambda: (text := out.read_text()).count("\n") >= 4 and text.splitlines(),
            timeout=60,
            what="the simulator to print its URL and settings",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line(tmp_path):
    args = ["--client-id", "cli-id", "--client-secret", "cli-secret", "--time-scale", "10"]
    with simulator_command(tmp_path, *args, "--faults", '{"latency_ms": 1}') as lines:
        url = lines[0].split()[-1]
        assert lines[1].strip() == f"RUNAI_URL={url}"
        assert lines[2].strip() == "RUNAI_CLIENT_ID=cli-id"
        assert lines[3].strip() == "RUNAI_CLIENT_SECRET=cli-secret"
        token = httpx.post(
            f"{url}/api/v1/token",
            json={
                "grantType": "client_credentials",
                "clientID": "cli-id",
                "clientSecret": "cli-secret",
            },
        )
        assert token.status_code == 200
        assert httpx.get(f"{url}/_simulator/faults").json()["latency_ms"] == 1


def test_command_line_writes_the_secret_to_a_file_when_asked(tmp_path):
    """--secret-file: the secret in a 0600 file, its path printed instead (as a deployment
    gives it: RUNAI_CLIENT_SECRET_FILE)."""
    secret = tmp_path / "secret"
    args = ["--client-secret", "file-secret", "--secret-file", str(secret)]
    with simulator_command(tmp_path, *args) as lines:
        assert lines[3].strip() == f"RUNAI_CLIENT_SECRET_FILE={secret}"
        assert "file-secret" not in "\n".join(lines)
        assert secret.read_text() == "file-secret\n"
        assert secret.stat().st_mode & 0o777 == 0o600


def test_command_line_rejects_bad_faults():
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_runai.simulator", "--faults", '{"error_rate": 5}'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "error_rate: must be a number from 0 to 1" in result.stderr


async def test_clock_hook_freezes_and_advances(raw, sim):
    headers = bearer(sim)
    frozen = set_clock(sim, frozen=True)
    assert frozen["frozen"] is True
    ws = (await create(raw, headers, sim, "clocked")).json()
    path = f"/api/v1/workloads/{ws['workloadId']}"
    assert set_clock(sim)["now"] == frozen["now"]  # frozen: nothing moves by itself
    assert (await raw.get(path, headers=headers)).json()["phase"] == "Creating"
    set_clock(sim, advance=4 / 50)  # Creating 1 + Pending 0.5 + Initializing 2 = 3.5
    assert (await raw.get(path, headers=headers)).json()["phase"] == "Running"
    running = set_clock(sim, frozen=False)
    assert running["frozen"] is False and running["now"] >= frozen["now"] + 4 / 50
    for bad in ({"advance": -1}, {"advance": "1"}, {"frozen": 1}, {"rewind": 1}):
        answer = await raw.post("/_simulator/clock", json=bad)
        assert answer.status_code == 400, bad


async def test_reset_hook_returns_to_the_seed(raw, sim):
    headers = bearer(sim)
    await create(raw, headers, sim, "left-over")
    set_faults(sim, latency_ms=5)
    set_clock(sim, frozen=True, advance=100)
    assert (await raw.post("/_simulator/reset")).status_code == 204
    assert (await raw.get("/api/v1/workloads", headers=headers)).json()["workloads"] == []
    assert (await raw.get("/_simulator/faults")).json()["latency_ms"] == 0
    assert (await raw.get("/_simulator/clock")).json()["frozen"] is False
    assert stats(sim) == {
        "GET /api/v1/workloads": 1,
        "GET /_simulator/faults": 1,
        "GET /_simulator/clock": 1,
        "GET /_simulator/stats": 1,
    }
    projects = (await raw.get("/api/v1/org-unit/projects", headers=headers)).json()["projects"]
    assert {p["name"] for p in projects} == {"team-a", "team-b"}
