"""`jupyter runai demo` and `jupyter runai simulator`: the commands the README starts with, run
as a new user runs them (a real process, its own Jupyter folders), the welcome notebook run top
to bottom, and what JupyterLab shows in real Chromium."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from browser import SCREENSHOTS
from harness import wait_until
from nbclient import NotebookClient

from jupyter_runai.demo import HERE as DEMO
from jupyter_runai.demo import fingerprint, shipped_fingerprints

#: The welcome notebook of jupyter-runai 0.1.0, as users have it on disk.
OLD_WELCOME = Path(__file__).resolve().parent / "demo_data" / "welcome-0.1.0.ipynb"
TOKEN = "demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_env(home: Path) -> dict[str, str]:
    """A new user's environment: Jupyter's folders of their own (so no setting a developer
    chose, such as having answered the news prompt, hides what a new user sees)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER_", "RUNAI_", "JUPYTERHUB_"))
    }
    env.update(
        # `jupyter runai` finds the `jupyter-runai` of this Python's environment, whatever PATH
        # the tests were started with
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"),
    )
    return env


def kernel_env(http: httpx.Client, runtime_dir: Path) -> dict[str, str]:
    """The jupyter-runai variables a server gives the kernels it starts: start one through its
    REST API (``http``), connect to it with its connection file, and ask."""
    from jupyter_client import BlockingKernelClient

    created = http.post("/api/kernels", json={"name": "python3"})
    assert created.status_code == 201, created.text
    kernel_id = created.json()["id"]
    client = BlockingKernelClient(connection_file=str(runtime_dir / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    # no heartbeat: a kernel still starting on a busy machine misses its 1 s beat and
    # wait_for_ready calls it dead; readiness is the kernel_info reply, with a deadline
    client.start_channels(hb=False)
    try:
        client.wait_for_ready(timeout=60)
        printed: list[str] = []
        client.execute_interactive(
            "import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
            "if k.startswith('JUPYTER_RUNAI')}))",
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        http.delete(f"/api/kernels/{kernel_id}")
    return json.loads("".join(printed))


def jupyter_runai(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter", "runai", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Demo:
    """``jupyter runai demo`` as a process; its output goes to a file, read after it ends."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        self.env = user_env(home)
        self.folder = home / "demo"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "demo.log"
        self._out = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "runai",
                "demo",
                "--dir",
                str(self.folder),
                "--no-browser",
                f"--port={self.port}",
                f"--IdentityProvider.token={TOKEN}",
                *args,
            ],
            env=self.env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"token {TOKEN}"}, timeout=30
        )
        self.status = wait_until(self._status, 120, "the demo's runai/api/status")

    def _status(self) -> dict[str, Any] | None:
        assert self.process.poll() is None, f"exited: {self.log_path.read_text()}"
        try:
            response = self.http.get("/runai/api/status")
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None

    def workspaces(self) -> list[dict[str, Any]]:
        response = self.http.get("/runai/api/workspaces")
        assert response.status_code == 200, response.text
        return response.json()["workspaces"]

    def kernel_env(self) -> dict[str, str]:
        return kernel_env(self.http, Path(self.env["JUPYTER_RUNTIME_DIR"]))

    def stop(self) -> str:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self._out.close()
        return self.log_path.read_text()


@pytest.fixture
def demo_process(request, tmp_path):
    """Start ``jupyter runai demo`` with ``demo_args`` (a list, by indirect parametrisation)."""
    started: list[Demo] = []

    def start(*args: str) -> Demo:
        started.append(Demo(tmp_path, *args))
        return started[-1]

    yield start
    for demo in started:
        if demo.process.poll() is None:
            demo.stop()


def server_lines(log: str) -> list[str]:
    """Lines Jupyter logged as its own (``[I 2026-... ServerApp] ...``)."""
    return [line for line in log.splitlines() if " ServerApp]" in line]


def test_demo_runs_jupyterlab_on_the_embedded_simulator(demo_process):
    sim_port = free_port()
    demo = demo_process("--time-scale", "20", "--simulator-port", str(sim_port))
    assert demo.status["simulated"] is True and demo.status["credentials_accepted"] is True
    assert demo.status["default_project"] == "team-a"
    created = demo.http.post(
        "/runai/api/workspaces",
        json={"name": "demo", "project": "team-b", "image": "busybox", "gpu": 2},
    )
    assert created.status_code == 202, created.text
    assert (demo.folder / "welcome.ipynb").exists()
    # the simulator listens on the port asked for, and that is the one the extension uses
    stats = httpx.get(f"http://127.0.0.1:{sim_port}/_simulator/stats").json()
    assert stats["requests"].get("POST /api/v1/workloads/workspaces") == 1
    lab = demo.http.get("/lab")
    assert lab.status_code == 200
    assert '"news": {"disabled": true}' in lab.text  # no news fetched
    notification = demo.http.get(
        "/lab/api/settings/@jupyterlab/apputils-extension:notification"
    ).json()
    assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"  # no prompt
    sidebar = demo.http.get("/lab/api/settings/jupyter-runai:plugin").json()
    # the demo opens the sidebar
    assert sidebar["schema"]["properties"]["openOnStartup"]["default"] is True
    output = demo.stop()
    assert f"embedded Run:ai simulator at http://127.0.0.1:{sim_port}" in output
    assert "embedded Run:ai SIMULATOR" in output
    assert "sim-secret" not in output
    # the simulator's access log is not Jupyter's, and is quiet unless asked for (--debug)
    assert not [line for line in server_lines(output) if "/api/v1/" in line or "/oauth" in line]
    assert "RunaiSimulator" not in output


def test_the_simulator_log_is_its_own_and_shows_with_debug(demo_process):
    demo = demo_process("--debug")
    assert demo.http.get("/runai/api/projects").status_code == 200
    output = demo.stop()
    simulator = [line for line in output.splitlines() if " RunaiSimulator]" in line]
    assert any("GET /api/v1/org-unit/projects" in line for line in simulator), output[-3000:]
    assert not [line for line in server_lines(output) if "/api/v1/" in line]


def test_a_simulator_port_in_use_is_refused_clearly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = jupyter_runai(
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            "--simulator-port",
            str(port),
            env=user_env(tmp_path),
        )
        assert refused.returncode == 2
        assert f"--simulator-port {port}: that port is in use" in refused.stderr
        # set as a server setting instead, the server starts and says why there is no Run:ai
        demo = Demo(tmp_path, f"--RunaiApp.simulator_port={port}")
        try:
            status = demo.status
            projects = demo.http.get("/runai/api/projects")
        finally:
            output = demo.stop()
    message = f"the embedded Run:ai simulator cannot listen on 127.0.0.1:{port}"
    assert message in status["message"] and status["simulated"] is True
    assert projects.status_code == 503 and message in projects.json()["message"]
    assert f"jupyter-runai: {message}" in output


def test_run_all_keeps_what_the_welcome_notebook_built(demo_process):
    """Run All (nbclient, top to bottom) ends with the panel listing the workspaces the
    notebook made; the tidy-up at the end is optional and deletes them only when asked."""
    demo = demo_process("--time-scale", "20")
    notebook = nbformat.read(demo.folder / "welcome.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3")
    env = {**demo.env, **demo.kernel_env()}
    with client.setup_kernel(env=env):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        names = {w["name"]: w["phase"] for w in demo.workspaces()}
        made = [n for n in names if n.startswith("demo-")]
        assert any(n.startswith("demo-cli-") for n in made) and len(made) == 2, names
        assert all(names[n] != "Deleting" for n in made)
        client.set_widgets_metadata()
        panel_state = json.dumps(notebook.metadata.get("widgets", {}))
        assert all(name in panel_state for name in made)  # the panel shows them
        outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
        assert "Running" in outputs and "Stopped" in outputs
        cli = next(n for n in made if n.startswith("demo-cli-"))
        assert f"Submitted team-b/{cli}" in outputs

        tidy = notebook.cells[-1]
        assert "TIDY_UP = False" in tidy.source
        tidy.source = tidy.source.replace("TIDY_UP = False", "TIDY_UP = True")
        client.execute_cell(tidy, len(notebook.cells) - 1)
        wait_until(
            lambda: (
                not [w for w in demo.workspaces() if w["name"].startswith("demo-")]
                or all(w["phase"] == "Deleting" for w in demo.workspaces())
            ),
            30,
            "the tidy-up to delete the demo's workspaces",
        )


def test_the_shipped_welcome_notebook_is_listed_as_shipped():
    """An upgrade recognises a user's untouched copy by the fingerprints in shipped.json:
    editing welcome.ipynb means adding its fingerprint there (the last entry)."""
    current = fingerprint(json.loads((DEMO / "welcome.ipynb").read_text()))
    assert shipped_fingerprints()["welcome.ipynb"][-1] == current, (
        f"add {current} to jupyter_runai/demo/shipped.json"
    )
    assert (
        fingerprint(json.loads(OLD_WELCOME.read_text())) in shipped_fingerprints()["welcome.ipynb"]
    )


def test_the_demo_polls_the_simulator_every_second():
    """So that a new workspace's Pending and Initializing show live (at 5 s they flash by)."""
    from jupyter_runai.demo import CONFIG

    assert json.loads(CONFIG.read_text())["RunaiApp"]["poll_interval"] == 1


def test_the_demo_folder_is_runai_demo_in_jupyters_data_folder(tmp_path):
    env = user_env(tmp_path)  # JUPYTER_DATA_DIR is tmp_path/.local/share/jupyter
    result = jupyter_runai("demo", "--prepare-only", env=env)
    assert result.returncode == 0, result.stderr
    assert (Path(env["JUPYTER_DATA_DIR"]) / "runai-demo" / "welcome.ipynb").is_file()


def test_an_upgrade_refreshes_an_unchanged_welcome_notebook(tmp_path):
    env = user_env(tmp_path)
    folder = tmp_path / "demo"
    folder.mkdir()
    old = json.loads(OLD_WELCOME.read_text())
    old["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
    (folder / "welcome.ipynb").write_text(json.dumps(old))  # run and saved, not edited
    result = jupyter_runai("demo", "--dir", str(folder), "--prepare-only", env=env)
    assert result.returncode == 0, result.stderr
    assert "updated" in result.stdout and "welcome.ipynb" in result.stdout
    refreshed = json.loads((folder / "welcome.ipynb").read_text())
    assert fingerprint(refreshed) == fingerprint(json.loads((DEMO / "welcome.ipynb").read_text()))
    again = jupyter_runai("demo", "--dir", str(folder), "--prepare-only", env=env)
    assert again.stdout == ""  # already this version's: nothing to say


def test_an_upgrade_keeps_a_welcome_notebook_the_user_edited(tmp_path):
    env = user_env(tmp_path)
    folder = tmp_path / "demo"
    folder.mkdir()
    edited = json.loads(OLD_WELCOME.read_text())
    edited["cells"].append(nbformat.v4.new_code_cell("my_own_work = 1").dict())
    text = json.dumps(edited)
    (folder / "welcome.ipynb").write_text(text)
    result = jupyter_runai("demo", "--dir", str(folder), "--prepare-only", env=env)
    assert result.returncode == 0, result.stderr
    assert (folder / "welcome.ipynb").read_text() == text
    assert "kept" in result.stdout and "you edited it" in result.stdout


#: Resolves once JupyterLab has applied what the kernel reported to the open notebook (its
#: language_info and kernelspec), and returns whether the notebook is then modified.
DIRTY_AFTER_KERNEL = """async () => {
    const widget = window.jupyterapp.shell.currentWidget;
    await widget.context.ready;
    await widget.sessionContext.ready;
    const kernel = widget.sessionContext.session.kernel;
    await kernel.info;
    await kernel.spec;
    await new Promise((resolve) => setTimeout(resolve, 0));
    return {path: widget.context.path, dirty: widget.context.model.dirty};
}"""


def test_jupyterlab_opens_the_welcome_notebook_unmodified_and_run_all_shows_the_panel(
    demo_process, chromium
):
    """What a new user sees in Chromium: the welcome notebook open and not marked modified, no
    news prompt; Run All ends with the panel listing the workspaces it made."""
    demo = demo_process("--time-scale", "20", "--LabApp.expose_app_in_browser=True")
    cells = json.loads((demo.folder / "welcome.ipynb").read_text())["cells"]
    panel_cell = next(i for i, c in enumerate(cells) if "".join(c["source"]) == "runai.panel()")

    def script() -> dict[str, Any]:
        context = chromium.browser.new_context(viewport={"width": 1400, "height": 900})
        try:
            return in_the_demo(context.new_page())
        finally:
            context.close()

    def in_the_demo(page: Any) -> dict[str, Any]:
        page.goto(f"{demo.base}/?token={TOKEN}")  # what the demo opens: its default URL
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget?.context?.path === 'welcome.ipynb'",
            timeout=60_000,
        )
        opened = page.evaluate(DIRTY_AFTER_KERNEL)
        # the demo opens the jupyter-runai sidebar at startup (its openOnStartup override)
        page.locator("#jupyter-runai-sidebar").wait_for(state="visible", timeout=30_000)
        tab = page.locator(".lm-TabBar-tab.jp-mod-current")
        seen = {
            "opened": opened,
            "tab_class": tab.get_attribute("class"),
            "toasts": page.locator(".Toastify__toast").all_inner_texts(),
        }
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "demo-welcome-opened-1400-light.png"))
        page.evaluate(
            "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
            ".then(() => { window.__ranAll = true; })"
        )
        page.wait_for_function("() => window.__ranAll === true", timeout=120_000)
        # the output of the cell that shows the panel, once it lists what the notebook made
        panel = page.locator(".jp-Notebook .jp-Cell").nth(panel_cell).locator(".jp-OutputArea")
        panel.locator(".jp-RunaiPanel", has_text="demo-cli-").first.wait_for(timeout=60_000)
        panel.scroll_into_view_if_needed()
        seen["panel_text"] = panel.inner_text()
        seen["errors"] = page.evaluate(
            """() => {
                const model = window.jupyterapp.shell.currentWidget.content.model;
                const errors = [];
                for (let i = 0; i < model.cells.length; i++) {
                    for (const out of model.cells.get(i).toJSON().outputs || [])
                        if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
                }
                return errors;
            }"""
        )
        for width in (700, 1024, 1400):
            page.set_viewport_size({"width": width, "height": 900})
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"demo-welcome-run-all-{width}-light.png"))
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme', "
            "{theme: 'JupyterLab Dark'})"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'")
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "demo-welcome-run-all-1400-dark.png"))
        return seen

    seen = chromium.call(script)  # in Playwright's thread (see browser.Chromium)
    assert seen["opened"] == {"path": "welcome.ipynb", "dirty": False}
    assert "jp-mod-dirty" not in (seen["tab_class"] or "")
    assert not [t for t in seen["toasts"] if "news" in t.lower()], seen["toasts"]
    assert seen["errors"] == []
    made = [w["name"] for w in demo.workspaces() if w["name"].startswith("demo-")]
    assert len(made) == 2 and all(name in seen["panel_text"] for name in made), seen
    assert "No workspaces yet" not in seen["panel_text"]


def test_jupyter_runai_simulator_command(tmp_path):
    port = free_port()
    log = tmp_path / "simulator.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "runai", "simulator", "--port", str(port)],
            env=user_env(tmp_path),
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    try:
        first = wait_until(lambda: log.read_text().partition("\n")[1] and log.read_text(), 60)
        assert first.splitlines()[0] == f"Run:ai simulator listening on http://127.0.0.1:{port}"
        stats = wait_until(lambda: _get(f"http://127.0.0.1:{port}/_simulator/stats"), 60)
        assert stats.json()["requests"] == {"GET /_simulator/stats": 1}
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str) -> httpx.Response | None:
    try:
        response = httpx.get(url, timeout=5)
    except httpx.TransportError:
        return None
    return response if response.status_code == 200 else None


def test_jupyter_runai_without_a_command_explains_itself(tmp_path):
    result = jupyter_runai(env=user_env(tmp_path))
    assert result.returncode == 2
    assert "demo" in result.stderr and "simulator" in result.stderr
