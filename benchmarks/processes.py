"""What the benchmarks start: the simulator and a Jupyter server with jupyter-runai, each a
process of its own on loopback, as in a deployment (so neither shares the benchmark's GIL)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import IO, Any

import httpx

TOKEN = "bench-token"  # noqa: S105 - a throwaway Jupyter token for a loopback benchmark


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    url: str,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
    process: subprocess.Popen | None = None,
) -> None:
    """Until ``url`` answers 200. ``process``, what should answer: stop early if it has exited,
    and terminate it if it never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            if httpx.get(url, headers=headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    if process is not None:
        process.terminate()
    raise SystemExit(f"{url} did not come up")


def start(
    sim_port: int,
    lab_port: int,
    root: str,
    *,
    time_scale: float,
    poll_interval: float,
    log: IO[Any] | int = subprocess.DEVNULL,
) -> list[subprocess.Popen]:
    """The simulator on ``sim_port`` and ``jupyter server`` on ``lab_port`` (token TOKEN),
    configured for it; the server's output goes to ``log``."""
    simulator = ["-m", "jupyter_runai.simulator", "--port", str(sim_port)]
    sim = subprocess.Popen(
        [sys.executable, *simulator, "--time-scale", str(time_scale)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    config = {
        "RunaiApp": {
            "url": f"http://127.0.0.1:{sim_port}",
            "client_id": "sim-client",
            "client_secret": "sim-secret",
            "poll_interval": poll_interval,
        }
    }
    config_file = os.path.join(root, "jupyter_server_config.json")
    with open(config_file, "w") as handle:
        json.dump(config, handle)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",  # this Python's, whatever PATH says
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={lab_port}",
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            f"--config={config_file}",
            "--log-level=WARN",
        ],
        stdout=log,
        stderr=log,
    )
    return [sim, server]
