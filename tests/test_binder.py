"""Binder: the image mybinder builds from ``binder/``, rebuilt here without repo2docker.

As repo2docker does: a copy of the repository, a fresh environment, ``pip install -r
binder/requirements.txt`` from the repository's top folder, then ``binder/postBuild`` there,
then JupyterLab started in that folder through ``binder/start``. What a Binder user gets: the
server on the embedded simulator, the welcome notebook where Lab opens, and that notebook
running top to bottom with only what requirements.txt installs (no pandas). Slow (a whole
environment is installed; pip's cache is used, so after the test extra's install most wheels
are local).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import httpx
from harness import wait_until
from test_demo import free_port, kernel_env, user_env

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "binder-test"


def copy_repository(target: Path) -> None:
    """The repository as repo2docker sees it: its files (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_binder_image_opens_the_demo_on_the_simulator(tmp_path):
    repo = tmp_path / "repo"
    copy_repository(repo)
    prefix = tmp_path / "env"
    venv.create(prefix, with_pip=True)
    env = user_env(tmp_path / "home")
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env['PATH']}"
    env.pop("VIRTUAL_ENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    python = str(prefix / "bin" / "python")

    # repo2docker: pip install -r binder/requirements.txt, from the top folder; then postBuild
    run([python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], repo, env, 1200)
    run(["./binder/postBuild"], repo, env, 300)
    assert (repo / "welcome.ipynb").exists()
    no_pandas = subprocess.run([python, "-c", "import pandas"], env=env, capture_output=True)
    assert no_pandas.returncode != 0  # the notebook below must not need it

    port = free_port()
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        lab = subprocess.Popen(
            [
                "./binder/start",  # how Binder starts its server: start, then the command
                python,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--allow-root",
                f"--port={port}",
                f"--IdentityProvider.token={TOKEN}",
            ],
            cwd=repo,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"token {TOKEN}"},
        timeout=30,
    )
    try:

        def status() -> dict | None:
            assert lab.poll() is None, log_path.read_text()
            try:
                response = http.get("/runai/api/status")
            except httpx.TransportError:
                return None
            return response.json() if response.status_code == 200 else None

        answer = wait_until(status, 120, "runai/api/status")
        assert answer["simulated"] is True and answer["credentials_accepted"] is True
        assert answer["mode"] == "simulator"
        home = http.get("/", follow_redirects=False)
        assert home.headers["location"].split("?")[0] == "/lab/tree/welcome.ipynb"  # Lab opens it
        notification = http.get(
            "/lab/api/settings/@jupyterlab/apputils-extension:notification"
        ).json()
        assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"
        sidebar = http.get("/lab/api/settings/jupyter-runai:plugin").json()
        # Binder opens the sidebar
        assert sidebar["schema"]["properties"]["openOnStartup"]["default"] is True

        # the welcome notebook, run top to bottom in the image's own kernel, given what the
        # server gives its kernels
        given = kernel_env(http, Path(env["JUPYTER_RUNTIME_DIR"]))
        run(
            [python, "-m", "jupyter", "execute", "--timeout=120", "--inplace", "welcome.ipynb"],
            repo,
            {**env, **given},
            600,
        )
        cells = json.loads((repo / "welcome.ipynb").read_text())["cells"]
        outputs = json.dumps([cell.get("outputs", []) for cell in cells])
        assert "Running" in outputs and "Stopped" in outputs
        assert '"output_type": "error"' not in outputs
        names = [w["name"] for w in http.get("/runai/api/workspaces").json()["workspaces"]]
        assert len([n for n in names if n.startswith("demo-")]) == 2, names
    finally:
        http.close()
        lab.terminate()
        lab.wait(timeout=30)
    assert "sim-secret" not in log_path.read_text()
