"""The JupyterHub harness runs examples/jupyterhub/jupyterhub_config.py as is, and the Zero to
JupyterHub values name the same settings as that (tested) config."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import yaml
from hubharness import EXAMPLE_CONFIG, EXAMPLE_DIR, descendants, process_environ
from traitlets.config import Config, PyFileConfigLoader

#: What the example passes the service: a URL, an id, and the PATH of the secret's file.
RUNAI_ENV = ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET_FILE")
SCOPE = "access:services!service=runai"
#: The labels of Zero to JupyterHub's hub pod.
HUB_POD = {"app": "jupyterhub", "component": "hub"}
VALUES = EXAMPLE_DIR / "zero-to-jupyterhub-values.yaml"
SERVICE_CONFIG = EXAMPLE_DIR / "runai_hub_config.py"


def service_pid(hub, name: str = "runai") -> int:
    """The hub-managed service's process (found by the environment the hub gave it)."""
    for pid in descendants(hub.process.pid):
        try:
            if process_environ(pid).get("JUPYTERHUB_SERVICE_NAME") == name:
                return pid
        except OSError:
            continue
    raise AssertionError(f"no process of service {name}\n{hub.logs()}")


def test_hub_runs_the_example_config(hub, hub_sim):
    hub.start_server("alice")
    token = hub.user_token("alice")
    assert hub.request("GET", "/user/alice/api/status", token).status_code == 200
    assert hub.request("GET", "/user/alice/api/status").status_code == 403  # no token
    # groups and admins from the example
    assert hub.user_model("alice")["groups"] == ["team-a"]
    assert hub.user_model("carol")["groups"] == ["vision"]
    assert hub.user_model("admin")["admin"] is True
    # the server knows where the service is, and nothing of Run:ai's credentials
    env = process_environ(hub.server_pid("alice"))
    assert env["RUNAI_HUB_SERVICE_URL"] == f"{hub.service_url}/services/runai/"
    assert [name for name in env if name.startswith("RUNAI_")] == ["RUNAI_HUB_SERVICE_URL"]
    assert hub_sim.client_secret not in "\0".join(env.values())


def test_runai_service_runs_with_the_hub_credentials(hub, hub_sim):
    env = process_environ(service_pid(hub))
    assert env["RUNAI_URL"] == hub_sim.url
    assert env["RUNAI_CLIENT_ID"] == hub_sim.client_id
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/services/runai/"
    token = hub.user_token("alice")
    answer = hub.request("GET", "/services/runai/api/status", token)
    assert answer.status_code == 200, f"{answer.text}\n{hub.logs()}"


def test_no_secret_in_the_logs(hub, hub_sim):
    hub.start_server("alice")
    assert hub_sim.client_secret not in hub.log_text()
    assert hub_sim.client_secret not in hub.service_log_text()
    assert hub.admin_token not in hub.log_text()


# -- the Helm values name what the tested config does ------------------------------------------


def load_py_config(path: Path) -> Config:
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


@pytest.fixture
def example(tmp_path, monkeypatch) -> Config:
    """The example config as JupyterHub loads it, with the Run:ai settings in the environment."""
    for name in RUNAI_ENV:
        monkeypatch.setenv(name, f"value-of-{name}")
    monkeypatch.setenv("JUPYTERHUB_DATA_DIR", str(tmp_path / "hub-data"))
    for name in ("RUNAI_PER_USER_CREDENTIALS", "RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return load_py_config(EXAMPLE_CONFIG)


@pytest.mark.parametrize("name", ["RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"])
def test_the_example_refuses_a_secret_in_the_hubs_environment(tmp_path, monkeypatch, name):
    """The hub, its proxy and its database (a service's environment is stored there) would
    hold it: the example stops and says to use the file instead."""
    monkeypatch.setenv("JUPYTERHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(name, "a-secret-value")
    with pytest.raises(SystemExit, match=f"set {name}_FILE to that file's path") as stopped:
        load_py_config(EXAMPLE_CONFIG)
    assert "a-secret-value" not in str(stopped.value)


def test_the_examples_state_is_the_hubs_alone(example, tmp_path):
    """The data folder 0700 and the database 0600, made so before the hub writes to them."""
    data = tmp_path / "hub-data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "jupyterhub.sqlite").stat().st_mode) == 0o600
    assert example.JupyterHub.db_url == f"sqlite:///{data / 'jupyterhub.sqlite'}"


def test_helm_values_name_the_settings_of_the_example(example, tmp_path):
    values = yaml.safe_load(VALUES.read_text())
    hub, singleuser = values["hub"], values["singleuser"]

    # the service: same name, command, options
    (service,) = [s for s in example.JupyterHub.services if s["name"] == "runai"]
    helm_service = hub["services"]["runai"]
    assert helm_service["url"].endswith(":10101") and service["url"].endswith(":10101")
    assert helm_service["command"][1:3] == service["command"][1:3] == ["-m", "jupyter_runai.hub"]
    assert helm_service["oauth_no_confirm"] is service["oauth_no_confirm"] is True
    assert sorted(service["environment"]) == sorted(RUNAI_ENV)

    # the Run:ai settings in the hub's environment hold no secret: the secret is a file, mounted
    # from a Kubernetes Secret into the hub container only, its path what the service gets
    assert set(hub["extraEnv"]) == set(RUNAI_ENV)
    secret_path = Path(hub["extraEnv"]["RUNAI_CLIENT_SECRET_FILE"])
    (volume,) = [v for v in hub["extraVolumes"] if v["name"] == "runai-credentials"]
    (mount,) = [m for m in hub["extraVolumeMounts"] if m["name"] == "runai-credentials"]
    assert volume["secret"]["secretName"] == "runai-credentials"
    assert volume["secret"]["defaultMode"] == 0o400 and mount["readOnly"] is True
    (item,) = volume["secret"]["items"]
    assert secret_path == Path(mount["mountPath"]) / item["path"]
    assert item["key"] == "client-secret"
    # no variable takes the secret's value
    refs = [v["valueFrom"]["secretKeyRef"] for v in hub["extraEnv"].values() if isinstance(v, dict)]
    assert [ref["key"] for ref in refs] == ["client-id"]
    assert "singleuser" in values and "extraVolumes" not in values["singleuser"]

    # network policies: user pods and the proxy may reach the service's port on the hub pod,
    # and the hub pod lets them in
    service_port = int(helm_service["url"].rsplit(":", 1)[1])
    for egress in (
        singleuser["networkPolicy"]["egress"],
        values["proxy"]["chp"]["networkPolicy"]["egress"],
    ):
        assert any(
            {"port": service_port} in rule["ports"]
            and any(to["podSelector"]["matchLabels"] == HUB_POD for to in rule["to"])
            for rule in egress
        ), egress
    assert any({"port": service_port} in r["ports"] for r in hub["networkPolicy"]["ingress"])

    # user servers: the service's URL and nothing else of Run:ai
    assert (
        set(singleuser["extraEnv"]) == set(example.Spawner.environment) == {"RUNAI_HUB_SERVICE_URL"}
    )
    for url in (singleuser["extraEnv"]["RUNAI_HUB_SERVICE_URL"], service["url"]):
        assert url.rstrip("/").endswith((":10101/services/runai", ":10101"))

    # roles: the same scopes
    roles = {role["name"]: role for role in example.JupyterHub.load_roles}
    assert set(hub["loadRoles"]) == set(roles)
    for name, role in hub["loadRoles"].items():
        assert role["scopes"] == roles[name]["scopes"], name
        assert role.get("services") == roles[name].get("services"), name
    assert SCOPE in roles["user"]["scopes"] and SCOPE in roles["server"]["scopes"]
    assert roles["runai-service"]["scopes"] == ["read:users", "read:groups"]

    # hub.extraConfig, run as the chart runs it (after it added hub.services): the service's
    # environment from the hub's, and the same groups
    helm_config = Config()
    helm_config.JupyterHub.services = [{"name": "runai", **helm_service}]
    exec(hub["extraConfig"]["runai-service"], {"c": helm_config})  # noqa: S102 - our example
    assert helm_config.JupyterHub.services[0]["environment"] == service["environment"]
    assert helm_config.JupyterHub.load_groups == example.JupyterHub.load_groups

    # the service's settings (hub.extraFiles): the same values as runai_hub_config.py
    helm_file = hub["extraFiles"]["runai-hub-config"]
    assert f"--config={helm_file['mountPath']}" in helm_service["command"]
    (tmp_path / "helm_runai_hub_config.py").write_text(helm_file["stringData"])
    helm_settings = load_py_config(tmp_path / "helm_runai_hub_config.py").RunaiHub
    tested_settings = load_py_config(SERVICE_CONFIG).RunaiHub
    assert helm_settings == tested_settings
    assert {"group_projects", "default_projects", "gpu_limit"} <= set(tested_settings)
    assert set(re.findall(r"--config=(\S+)", " ".join(service["command"]))) == {str(SERVICE_CONFIG)}
