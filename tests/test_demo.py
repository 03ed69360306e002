"""`jupyter runai demo` and `jupyter runai simulator`: the commands the README starts with."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
from harness import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, headers: dict[str, str], process: subprocess.Popen, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            response = httpx.get(url, headers=headers, timeout=5)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {timeout}s")


def test_demo_runs_jupyterlab_on_the_embedded_simulator(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"  # a file, not a pipe nobody reads while the server runs
    out = open(log, "w")  # noqa: SIM115 - closed below, once the process has ended
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "runai",
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            "--time-scale",
            "20",
            "--no-browser",
            f"--port={port}",
            "--IdentityProvider.token=demo",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    headers = {"Authorization": "token demo"}
    base = f"http://127.0.0.1:{port}"
    try:
        status = wait_for(f"{base}/runai/api/status", headers, process).json()
        assert status["simulated"] is True and status["credentials_accepted"] is True
        assert status["default_project"] == "team-a"
        created = httpx.post(
            f"{base}/runai/api/workspaces",
            json={"name": "demo", "project": "team-b", "image": "busybox", "gpu": 2},
            headers=headers,
        )
        assert created.status_code == 202, created.text
        assert (tmp_path / "demo" / "welcome.ipynb").exists()
        lab = httpx.get(f"{base}/lab", headers=headers)
        assert lab.status_code == 200
        assert '"news": {"disabled": true}' in lab.text  # no news prompt over the demo
    finally:
        process.terminate()
        process.wait(timeout=30)
        out.close()
    output = log.read_text()
    assert "embedded Run:ai SIMULATOR" in output
    assert "sim-secret" not in output


def test_jupyter_runai_simulator_command(tmp_path):
    port = free_port()
    log = tmp_path / "simulator.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "runai", "simulator", "--port", str(port)],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    try:
        first = wait_until(lambda: log.read_text().partition("\n")[1] and log.read_text(), 60)
        assert first.splitlines()[0] == f"Run:ai simulator listening on http://127.0.0.1:{port}"
        clusters = wait_for(f"http://127.0.0.1:{port}/_simulator/stats", {}, process)
        assert clusters.json()["requests"] == {"GET /_simulator/stats": 1}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_jupyter_runai_without_a_command_explains_itself():
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "runai"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "demo" in result.stderr and "simulator" in result.stderr
