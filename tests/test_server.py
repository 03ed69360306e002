"""The server extension's REST API, in a real Jupyter server, against the real simulator."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest
import yaml
from extension import CONTRACT
from harness import async_wait_until, issue_token, set_clock, set_faults, sim_names, stats

import jupyter_runai
from jupyter_runai.client import ClientCredentials, RunaiClient
from jupyter_runai.client.create_body import SCHEMA
from jupyter_runai.simulator import Simulator

UNKNOWN_ID = "3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10"
NOTEBOOK = {"name": "nb", "project": "team-a", "image": "jupyter/scipy-notebook"}


async def wait_phase(api, wid, phase, timeout=5.0):
    async def there():
        body = (await api("GET", f"workspaces/{wid}")).body
        return body if body["phase"] == phase else None

    return await async_wait_until(there, timeout, f"workspace {wid} to be {phase}")


def test_extension_is_enabled_on_install():
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert "jupyter_runai" in output and "enabled" in output
    listed = f"jupyter_runai {jupyter_runai.__version__}"
    assert listed in output and "OK" in output.split(listed)[1][:40]


async def test_status(api, sim):
    answer = await api("GET", "status")
    assert answer.status == 200
    body = answer.body
    assert body["version"] == jupyter_runai.__version__
    assert body["configured"] and body["reachable"] and body["credentials_accepted"]
    assert body["simulated"] is True  # the simulator reports itself in its cluster version
    assert body["user"]


async def test_projects_and_clusters(api):
    projects = (await api("GET", "projects")).body["projects"]
    assert [(p["name"], p["gpuQuota"]) for p in projects] == [("team-a", 4), ("team-b", 8)]
    clusters = (await api("GET", "clusters")).body["clusters"]
    assert [c["name"] for c in clusters] == ["sim-cluster"]


async def test_workspace_lifecycle(api, sim, caplog):
    caplog.set_level(logging.INFO)
    created = await api(
        "POST",
        "workspaces",
        {
            **NOTEBOOK,
            "gpu": 1,
            "cpu": 2,
            "memory": "8G",
            "env": {"A": "1"},
            "tools": [{"port": 8888, "type": "jupyter-notebook", "name": "Jupyter"}],
        },
    )
    assert created.status == 202, created.text
    ws = created.body
    assert ws["name"] == "nb" and ws["project"] == "team-a"
    assert ws["phase"] in ("Creating", "Pending")
    assert ws["actions"] == {"suspend": True, "resume": False, "delete": True}
    running = await wait_phase(api, ws["id"], "Running")
    assert running["gpu"] == {"requested": 1.0, "allocated": 1.0}
    assert running["urls"][0].endswith("/8888/")

    listed = await api("GET", "workspaces", params={"project": "team-a"})
    assert [w["id"] for w in listed.body["workspaces"]] == [ws["id"]]
    assert (await api("GET", "workspaces", params={"project": "team-b"})).body["workspaces"] == []

    # in-between phases are read with the clock stopped: at this speed they last milliseconds
    set_clock(sim, frozen=True)
    suspended = await api("POST", f"workspaces/{ws['id']}/suspend")
    assert suspended.status == 202
    assert suspended.body["workspace"]["phase"] == "Stopping"  # re-read at once, not next tick
    set_clock(sim, frozen=False)
    stopped = await wait_phase(api, ws["id"], "Stopped")
    assert stopped["actions"] == {"suspend": False, "resume": True, "delete": True}
    set_clock(sim, frozen=True)
    assert (await api("POST", f"workspaces/{ws['id']}/resume")).body["workspace"][
        "phase"
    ] == "Resuming"
    set_clock(sim, frozen=False)
    await wait_phase(api, ws["id"], "Running")
    set_clock(sim, frozen=True)
    deleted = await api("DELETE", f"workspaces/{ws['id']}")
    assert deleted.status == 202 and deleted.body["workspace"]["phase"] == "Deleting"
    set_clock(sim, advance=1 / 50)  # Deleting takes 1 s
    gone = await api("GET", f"workspaces/{ws['id']}")
    assert gone.status == 404 and gone.body["reason"] == "not_found"

    audit = [r.getMessage() for r in caplog.records if "audit" in r.getMessage()]
    assert [line.split("action=")[1].split()[0] for line in audit] == [
        "create",
        "suspend",
        "resume",
        "delete",
    ]
    assert all("result=ok" in line and "user=" in line and "workspace=" in line for line in audit)
    assert f"workspace=team-a/nb id={ws['id']}" in audit[0]


async def test_audit_lines_cannot_be_forged_and_name_what_was_made(api, caplog):
    caplog.set_level(logging.INFO)
    forged = "nope\njupyter-runai audit: user=admin action=delete workspace=x result=ok"
    refused = await api("POST", "workspaces", {**NOTEBOOK, "project": forged})
    # a project is a DNS label: refused before any call, so there is no audit line to forge
    assert refused.status == 400 and refused.body["issues"][0]["field"] == "project"
    created = (
        await api("POST", "workspaces", {**NOTEBOOK, "name": "exp", "namePrefix": True})
    ).body
    await api("POST", f"workspaces/{created['id']}/suspend")
    lines = [line for r in caplog.records for line in r.getMessage().splitlines()]
    audit = [line for line in lines if line.startswith("jupyter-runai audit:")]
    assert not any(line.startswith("jupyter-runai audit: user=admin") for line in lines)
    assert len(audit) == 2, audit
    # a prefixed create is logged with the name Run:ai gave it, and its id
    assert f"workspace=team-a/{created['name']} id={created['id']}" in audit[0]
    assert created["name"] != "exp" and created["name"].startswith("exp-")
    # the server's token is one stable user, not a new random id per request
    users = {line.split("user=")[1].split(" action=")[0] for line in audit}
    assert len(users) == 1 and "(token)" in users.pop()


def test_no_audit_value_can_end_its_line():
    """Every value the extension validates cannot hold a newline today; the audit line does
    not rely on that (a hub user name, or a message from Run:ai, is not ours to check)."""
    from jupyter_runai.server.routes import audit_value

    forged = "nope\njupyter-runai audit: user=admin action=delete workspace=x result=ok"
    assert "\n" not in audit_value(forged) and json.loads(audit_value(forged)) == forged
    assert audit_value("team-a/nb-1") == "team-a/nb-1"  # plain values stay plain


async def test_name_prefix_and_gpu_portion(api):
    created = await api(
        "POST", "workspaces", {**NOTEBOOK, "name": "exp", "namePrefix": True, "gpu": 0.5}
    )
    assert created.status == 202
    assert created.body["name"].startswith("exp-")
    assert created.body["gpu"]["requested"] == 0.5


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"project": "team-a", "image": "x"}, "name", "required"),
        ({**NOTEBOOK, "name": "Bad_Name"}, "name", "lowercase letters"),
        ({**NOTEBOOK, "name": "x" * 41}, "name", "at most 40"),
        ({**NOTEBOOK, "image": ""}, "image", "required"),
        ({**NOTEBOOK, "gpu": "2"}, "gpu", "must be a number"),
        ({**NOTEBOOK, "gpu": -1}, "gpu", ">= 0"),
        ({**NOTEBOOK, "gpu": True}, "gpu", "must be a number"),
        ({**NOTEBOOK, "memory": "lots"}, "memory", "quantity"),
        ({**NOTEBOOK, "env": ["A=1"]}, "env", "object"),
        ({**NOTEBOOK, "env": {"A": {"b": 1}}}, "env.A", "string"),
        ({**NOTEBOOK, "tools": [{"port": "8888"}]}, "tools[0].port", "must be an integer"),
        ({**NOTEBOOK, "colour": "red"}, "colour", "unknown field"),
        ("[]", "body", "JSON object"),
        ("{not json", "body", "JSON object"),
    ],
)
async def test_bad_bodies_name_the_field_and_change_nothing(api, sim, body, field, rule):
    answer = await api("POST", "workspaces", body)
    assert answer.status == 400
    assert answer.body["reason"] == "invalid"
    assert answer.body["issues"][0]["field"] == field
    assert rule in answer.body["message"]
    assert answer.body["upstream_status"] is None
    assert "POST /api/v1/workloads/workspaces" not in stats(sim)


def _raw(**fields: str) -> str:
    """A create body with some values written as raw JSON text (NaN, deep nesting, ...)."""
    items = {key: json.dumps(value) for key, value in NOTEBOOK.items()}
    items.update(fields)
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in items.items()) + "}"


async def refused_and_nothing_created(api, sim, body, field, *words):
    """POST ``body``: a 400 naming ``field`` (and ``words``), and Run:ai was never asked."""
    answer = await api("POST", "workspaces", body)
    assert answer.status == 400, answer.text[:300]
    assert answer.body["reason"] == "invalid" and answer.body["upstream_status"] is None
    assert answer.body["issues"][0]["field"] == field, answer.body["message"][:300]
    for word in words:
        assert word in answer.body["message"], answer.body["message"][:300]
    assert len(answer.text) < 2000  # the refused value is never echoed whole
    assert "POST /api/v1/workloads/workspaces" not in stats(sim)
    assert sim_names(sim) == set()
    return answer


@pytest.mark.parametrize(
    ("body", "field", "limit"),
    [
        ({**NOTEBOOK, "image": "x" * 10_000_000}, "body", "at most 262144"),
        ({**NOTEBOOK, "image": "x" * 1025}, "image", "at most 1024"),
        ({**NOTEBOOK, "command": "x" * 4097}, "command", "at most 4096"),
        ({**NOTEBOOK, "args": "x" * 32769}, "args", "at most 32768"),
        ({**NOTEBOOK, "memory": "1" * 33}, "memory", "at most 32"),
        ({**NOTEBOOK, "env": {f"V{i}": "" for i in range(257)}}, "env", "at most 256"),
        ({**NOTEBOOK, "env": {"K" * 257: "v"}}, f"env.'{'K' * 37}...'", "at most 256"),
        ({**NOTEBOOK, "env": {"A": "v" * 32769}}, "env.A", "at most 32768"),
        ({**NOTEBOOK, "tools": [{"port": 8000 + i} for i in range(17)]}, "tools", "at most 16"),
        (
            {**NOTEBOOK, "pvcs": [{"claimName": f"c{i}", "path": "/d"} for i in range(17)]},
            "pvcs",
            "at most 16",
        ),
        ({**NOTEBOOK, "project": "p" * 64}, "project", "at most 63"),
        ({**NOTEBOOK, "name": "n" * 41}, "name", "at most 40"),
    ],
)
async def test_oversized_bodies_and_fields_are_refused_naming_the_limit(
    api, sim, body, field, limit
):
    await refused_and_nothing_created(api, sim, body, field, limit)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (_raw(gpu="NaN"), "gpu", ["finite", "NaN"]),
        (_raw(gpu="Infinity"), "gpu", ["finite", "Infinity"]),
        (_raw(gpu="-Infinity"), "gpu", ["finite"]),
        (_raw(cpu="NaN"), "cpu", ["finite"]),
        (_raw(cpu="1e999"), "cpu", ["finite"]),
        (_raw(gpu="9" * 5000), "gpu", ["finite"]),
        (_raw(tools="[" * 1000 + "]" * 1000), "tools", ["nested more than 10"]),
        (_raw(env='{"a":' * 1000 + "1" + "}" * 1000), "env", ["nested more than 10"]),
        ("[" * 100_000 + "]" * 100_000, "body", ["nested more than 10"]),
        (b"\xff\xfe{}", "body", ["JSON object"]),
    ],
)
async def test_unparseable_numbers_and_nesting_are_400_not_500(api, sim, body, field, words):
    await refused_and_nothing_created(api, sim, body, field, *words)


@pytest.mark.parametrize(
    ("fields", "field", "word"),
    [
        ({"name": "nlname\n"}, "name", "lowercase letters"),
        ({"memory": "8G\n"}, "memory", "quantity"),
        ({"memory": "..."}, "memory", "quantity"),
        ({"env": {"A\n": "1"}}, "env.'A\\n'", "environment variable name"),
        ({"env": {"A": "x\x00y"}}, "env.A", "control characters"),
        ({"env": {"A": 1}}, "env.A", "must be a string"),
        ({"cpu": 1e308}, "cpu", "at most 1024"),
        ({"gpu": 4096}, "gpu", "at most 1024"),
        ({"image": "python\x1b[31m"}, "image", "printable ASCII"),
        ({"image": "python:3.11\n"}, "image", "printable ASCII"),
        ({"image": "py thon"}, "image", "no spaces"),
        ({"command": "sh\x00"}, "command", "container command"),
        ({"project": ""}, "project", "required"),
        ({"project": "team-a\n"}, "project", "DNS label"),
        ({"pvcs": [{"claimName": "../../etc", "path": "/d"}]}, "pvcs[0].claimName", "DNS-1123"),
        ({"pvcs": [{"claimName": "c", "path": "d"}]}, "pvcs[0].path", "absolute path"),
        (
            {"pvcs": [{"claimName": "c", "path": "/d", "readOnly": "yes"}]},
            "pvcs[0].readOnly",
            "true or false",
        ),
        ({"pvcs": [{"claimName": "c", "path": "/d", "mode": 1}]}, "pvcs[0].mode", "unknown"),
        ({"namePrefix": "yes"}, "namePrefix", "true or false"),
        ({"tools": [{"port": True}]}, "tools[0].port", "must be an integer"),
        ({"tools": [{"port": 0}]}, "tools[0].port", ">= 1"),
        ({"tools": [{"port": 8888, "name": "a\nb"}]}, "tools[0].name", "'a\\nb'"),
        ({"gpu": None}, "gpu", "leave it out"),
    ],
)
async def test_values_must_match_whole_and_be_of_their_type(api, sim, fields, field, word):
    await refused_and_nothing_created(api, sim, {**NOTEBOOK, **fields}, field, word)


async def test_a_body_at_every_limit_is_created(api, sim):
    """The limits are above anything a real workspace needs: a body at all of them is made."""
    created = await api(
        "POST",
        "workspaces",
        {
            "name": "n" * 40,
            "project": "team-a",
            "image": "registry.example.com/" + "i" * 1003,
            "gpu": 1,
            "cpu": 1024,
            "memory": "1.5Gi",
            "command": "c" * 4096,
            "args": "-c 'print(1)'\n\t" + "a" * (32768 - 16),
            "env": {f"V{i}": "v" * 500 for i in range(256)},
            "tools": [{"port": 8000 + i, "type": "custom", "name": "t" * 64} for i in range(16)],
            "pvcs": [
                {"claimName": f"claim-{i}.data", "path": f"/mnt/{i}", "readOnly": i % 2 == 0}
                for i in range(16)
            ],
        },
    )
    assert created.status == 202, created.text[:300]
    assert sim_names(sim) == {"n" * 40}


def test_the_contract_states_exactly_the_create_rules():
    """openapi.yaml's CreateWorkspace is create_body.SCHEMA (the one source), key for key."""
    stated = CONTRACT["components"]["schemas"]["CreateWorkspace"]
    expected = yaml.safe_dump({"CreateWorkspace": SCHEMA}, sort_keys=False, width=100)
    assert stated == SCHEMA, f"paste into openapi.yaml's components.schemas:\n{expected}"


async def test_upstream_compliance_issues_are_passed_on(api):
    answer = await api("POST", "workspaces", {**NOTEBOOK, "gpu": 5})
    assert answer.status == 400
    assert answer.body["upstream_status"] == 400
    [issue] = answer.body["issues"]
    assert issue["field"] == "compute.gpuDevicesRequest" and "no more than 4" in issue["details"]


async def test_conflict(api):
    assert (await api("POST", "workspaces", NOTEBOOK)).status == 202
    again = await api("POST", "workspaces", NOTEBOOK)
    assert again.status == 409
    assert again.body == {
        "message": again.body["message"],
        "reason": "conflict",
        "upstream_status": 409,
    }
    assert "already exists" in again.body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "workspaces/not-a-uuid"),
        ("DELETE", "workspaces/12345"),
        ("POST", "workspaces/..%2F..%2Fapi%2Fv1%2Ftoken/suspend"),
        ("POST", "workspaces/%2E%2E/resume"),
    ],
)
async def test_malformed_ids_never_reach_runai(api, sim, method, path):
    before = stats(sim)
    answer = await api(method, path)
    assert answer.status in (400, 404)
    assert answer.body["reason"] in ("invalid", "not_found")
    after = stats(sim)
    assert {k: v for k, v in after.items() if "workloads" in k} == {
        k: v for k, v in before.items() if "workloads" in k
    }


async def test_unknown_ids_and_routes_are_json_404(api):
    missing = await api("GET", f"workspaces/{UNKNOWN_ID}")
    assert missing.status == 404 and missing.body["upstream_status"] == 404
    route = await api("GET", "workloads", contract=False)
    assert route.status == 404 and route.body["reason"] == "not_found"
    proxy = await api("GET", "api/v1/token", contract=False)  # no generic pass-through
    assert proxy.status == 404


@pytest.mark.parametrize("path", ["runai//api//status", "/runai/api/status", "runai/API/status"])
async def test_the_prefix_spelled_otherwise_is_json_404_too(
    jp_serverapp, http_server_client, http_server_port, jp_base_url, jp_auth_header, path
):
    url = f"http://127.0.0.1:{http_server_port[-1]}{jp_base_url}{path}"
    async with httpx.AsyncClient() as http:
        response = await http.get(url, headers=jp_auth_header)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["reason"] == "not_found"


@pytest.fixture
def slow_sim(runai_config):
    """A simulator in real time: deleting a workspace takes a second."""
    with Simulator(time_scale=1) as simulator:
        runai_config.update(url=simulator.url)
        yield simulator


async def test_suspending_a_workspace_being_deleted_names_the_reason(slow_sim, api):
    created = (await api("POST", "workspaces", NOTEBOOK)).body
    assert (await api("DELETE", f"workspaces/{created['id']}")).status == 202
    refused = await api("POST", f"workspaces/{created['id']}/suspend")
    assert refused.status == 400
    assert refused.body["issues"] == [
        {"field": "phase", "details": "nb is being deleted: it cannot be suspended"}
    ]


@pytest.fixture
def limited(runai_config):
    runai_config["allowed_projects"] = ["team-b"]


async def test_allowed_projects(limited, api, sim):
    assert [p["name"] for p in (await api("GET", "projects")).body["projects"]] == ["team-b"]
    refused = await api("POST", "workspaces", NOTEBOOK)
    assert refused.status == 403 and refused.body["reason"] == "project_not_allowed"
    assert "POST /api/v1/workloads/workspaces" not in stats(sim)
    hidden_listing = await api("GET", "workspaces", params={"project": "team-a"})
    assert hidden_listing.status == 403
    ok = await api("POST", "workspaces", {**NOTEBOOK, "project": "team-b"})
    assert ok.status == 202


async def test_workspaces_outside_the_allowed_projects_are_invisible(limited, api, sim):
    with RunaiClient(sim.url, ClientCredentials(sim.client_id, sim.client_secret)) as direct:
        other = direct.create_workspace("other", "team-a", image="busybox")
    assert (await api("GET", "workspaces")).body["workspaces"] == []
    hidden = await api("POST", f"workspaces/{other.id}/suspend")
    assert hidden.status == 404
    assert "POST /api/v1/workloads/workspaces/{workloadId}/suspend" not in stats(sim)


async def test_fifty_concurrent_list_calls(api):
    await api("POST", "workspaces", NOTEBOOK)
    answers = await asyncio.gather(*(api("GET", "workspaces") for _ in range(50)))
    assert all(
        a.status == 200 and [w["name"] for w in a.body["workspaces"]] == ["nb"] for a in answers
    )


@pytest.mark.parametrize("jp_base_url", ["/user/alice/"])
async def test_under_a_jupyterhub_style_base_url(api, jp_base_url):
    assert (await api("GET", "status")).body["credentials_accepted"] is True
    created = await api("POST", "workspaces", NOTEBOOK)
    assert created.status == 202
    assert (await api("GET", f"workspaces/{created.body['id']}")).body["name"] == "nb"


# -- upstream failures ----------------------------------------------------------------------------
async def test_credentials_rejected_names_the_setting(api, sim):
    set_faults(sim, error_rate=1, error_status=401)
    answer = await api("GET", "workspaces")
    assert answer.status == 502
    assert answer.body["reason"] == "credentials_rejected"
    assert "c.RunaiApp.client_secret" in answer.body["message"]
    assert answer.body["upstream_status"] == 401
    status = (await api("GET", "status")).body
    assert status["credentials_accepted"] is False and status["reachable"] is True


@pytest.fixture
def unreachable(runai_config):
    runai_config["url"] = "http://127.0.0.1:9"


async def test_unreachable_is_502(unreachable, api):
    answer = await api("GET", "projects")
    assert answer.status == 502
    assert answer.body["reason"] == "unreachable"
    assert "cannot reach Run:ai at http://127.0.0.1:9" in answer.body["message"]
    assert (await api("GET", "status")).body["reachable"] is False


@pytest.fixture
def short_timeout(runai_config):
    runai_config["request_timeout"] = 0.3


async def test_upstream_timeout_is_504(short_timeout, api, sim):
    set_faults(sim, latency_ms=2000, match="GET /api/v1/clusters")
    answer = await api("GET", "clusters")
    assert answer.status == 504
    assert answer.body["reason"] == "timeout"


@pytest.mark.parametrize("upstream", [503, 429])
async def test_upstream_busy_is_503_with_retry_after(api, sim, upstream):
    set_faults(
        sim, error_rate=1, error_status=upstream, retry_after=0.01, match="GET /api/v1/clusters"
    )
    answer = await api("GET", "clusters")
    assert answer.status == 503
    assert answer.body["reason"] == "unavailable" and answer.body["upstream_status"] == upstream
    assert int(answer.headers["Retry-After"]) >= 1
    assert stats(sim)["GET /api/v1/clusters"] == 4  # the client retried first


async def test_upstream_500_is_502(api, sim):
    set_faults(sim, error_rate=1, error_status=500, match="GET /api/v1/clusters")
    answer = await api("GET", "clusters")
    assert answer.status == 502 and answer.body["reason"] == "upstream_error"
    assert stats(sim)["GET /api/v1/clusters"] == 1  # a 500 is not retried


@pytest.fixture
def unconfigured(runai_config, monkeypatch):
    for name in ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    runai_config.clear()


async def test_not_configured_server_still_starts_and_says_how(unconfigured, api):
    status = await api("GET", "status")
    assert status.status == 200
    assert status.body["configured"] is False
    assert "c.RunaiApp.url" in status.body["message"]
    answer = await api("GET", "workspaces")
    assert answer.status == 503
    assert answer.body["reason"] == "not_configured"
    message = answer.body["message"]
    for way in ("RUNAI_CLIENT_ID", "RUNAI_TOKEN", "runai login", "RUNAI_HUB_SERVICE_URL"):
        assert way in message  # every way to configure it is named
    events = await api("GET", "events")
    assert events.status == 503 and events.body["reason"] == "not_configured"


@pytest.fixture
def cli_login(runai_config, sim, tmp_path, monkeypatch):
    """The server's user has run `runai login`; nothing else is configured."""
    token = issue_token(sim)
    folder = tmp_path / "runai-cli"
    folder.mkdir()
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    (folder / "authentication.json").write_text(json.dumps({"accessToken": encoded}))
    (folder / "config.json").write_text(json.dumps({"control_plane": {"url": sim.url}}))
    monkeypatch.setenv("RUNAI_CLI_CONFIG_PATH", str(folder))
    for name in ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    runai_config.clear()  # RUNAI_CLI_CONFIG_PATH alone turns the CLI login on


async def test_cli_login_mode(cli_login, api, sim):
    status = (await api("GET", "status")).body
    assert status["configured"] and status["credentials_accepted"]
    assert (await api("POST", "workspaces", NOTEBOOK)).status == 202
    assert stats(sim)["POST /api/v1/token"] == 1  # only the CLI's own login


# -- activity ------------------------------------------------------------------------------------
async def test_polling_does_not_count_as_activity(api, jp_serverapp):
    created = await api("POST", "workspaces", NOTEBOOK)
    after_action = jp_serverapp.web_app.settings["api_last_activity"]
    # the behaviour under test: calls made from now on would bear a later time
    await async_wait_until(lambda: datetime.now(timezone.utc) > after_action, 5)
    for path in ("status", "workspaces", "projects", f"workspaces/{created.body['id']}"):
        await api("GET", path)
    assert jp_serverapp.web_app.settings["api_last_activity"] == after_action
    await api("POST", f"workspaces/{created.body['id']}/suspend")
    assert jp_serverapp.web_app.settings["api_last_activity"] > after_action


# -- the secret in a file ------------------------------------------------------------------------
@pytest.fixture
def secret_in_a_file(runai_config, sim, tmp_path, monkeypatch):
    """RUNAI_CLIENT_SECRET_FILE, as Docker and Kubernetes give secrets."""
    path = tmp_path / "client-secret"
    path.write_text(sim.client_secret + "\n")
    path.chmod(0o600)
    for name in ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN", "RUNAI_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RUNAI_CLIENT_SECRET_FILE", str(path))
    del runai_config["client_secret"]
    return path


async def test_the_secret_can_come_from_a_file(secret_in_a_file, api):
    status = (await api("GET", "status")).body
    assert status["configured"] and status["credentials_accepted"], status
    assert (await api("POST", "workspaces", NOTEBOOK)).status == 202
    assert secret_in_a_file.read_text().strip() not in json.dumps(status)
