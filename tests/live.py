"""A live Jupyter server (a real process, with jupyter-runai) and real kernels it starts."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from jupyter_client import BlockingKernelClient

TOKEN = "live-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``jupyter server`` with jupyter-runai configured for ``runai_url``."""

    def __init__(self, root: Path, runai_url: str, **runai: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.runtime = root / "runtime"
        config = {
            "RunaiApp": {
                "url": runai_url,
                "client_id": "sim-client",
                "client_secret": "sim-secret",
                "poll_interval": 0.5,
                **runai,
            }
        }
        (root / "config.json").write_text(json.dumps(config))
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.runtime)}
        for name in (
            "JUPYTER_RUNAI_URL",
            "JUPYTER_RUNAI_TOKEN",
            "RUNAI_URL",
            "RUNAI_CLIENT_ID",
            "RUNAI_CLIENT_SECRET",
            "RUNAI_TOKEN",
        ):
            env.pop(name, None)
        self.log = open(root / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",  # this Python's, whatever PATH says
                "--no-browser",
                f"--port={self.port}",
                f"--IdentityProvider.token={TOKEN}",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={root}",
                f"--config={root / 'config.json'}",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"token {TOKEN}"})
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, (root / "server.log").read_text()
            try:
                if self.http.get("runai/api/status").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the Jupyter server did not start"
            time.sleep(0.2)

    def start_kernel(self) -> Kernel:
        response = self.http.post("api/kernels", json={"name": "python3"})
        assert response.status_code == 201, response.text
        kernel_id = response.json()["id"]
        client = BlockingKernelClient(
            connection_file=str(self.runtime / f"kernel-{kernel_id}.json")
        )
        client.load_connection_file()
        # no heartbeat: a kernel still starting on a busy machine misses its 1 s beat and
        # wait_for_ready calls it dead; readiness is the kernel_info reply, with a deadline
        client.start_channels(hb=False)
        client.wait_for_ready(timeout=60)
        return Kernel(self, kernel_id, client)

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@dataclass
class Output:
    stdout: str = ""
    stderr: str = ""
    data: list[dict[str, Any]] = field(default_factory=list)  # execute_result / display_data
    error: str | None = None
    pages: list[str] = field(default_factory=list)  # what `?` help shows (reply payloads)

    def html(self) -> str:
        return "\n".join(d.get("text/html", "") for d in self.data)

    def text(self) -> str:
        return "\n".join(d.get("text/plain", "") for d in self.data)


@dataclass
class Kernel:
    server: LiveServer
    id: str
    client: BlockingKernelClient

    def run(self, code: str, timeout: float = 60, stdin: list[str] | None = None) -> Output:
        """Execute like a notebook cell; ``stdin`` answers input() prompts in turn."""
        out = Output()
        answers = list(stdin or [])

        def on_stdin(msg: dict[str, Any]) -> None:
            self.client.input(answers.pop(0) if answers else "")

        def on_output(msg: dict[str, Any]) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                setattr(out, content["name"], getattr(out, content["name"]) + content["text"])
            elif kind in ("execute_result", "display_data", "update_display_data"):
                out.data.append(content["data"])
            elif kind == "error":
                out.error = "\n".join(content["traceback"])

        reply = self.client.execute_interactive(
            code,
            timeout=timeout,
            output_hook=on_output,
            allow_stdin=stdin is not None,
            stdin_hook=on_stdin,
        )
        for payload in reply["content"].get("payload", []):
            if payload.get("source") == "page":
                out.pages.append(payload["data"].get("text/plain", ""))
        if reply["content"]["status"] == "error" and out.error is None:
            out.error = reply["content"].get("ename", "error")
        return out

    def ok(self, code: str, **kwargs: Any) -> Output:
        out = self.run(code, **kwargs)
        assert out.error is None, out.error
        return out

    def value(self, expression: str) -> Any:
        """A JSON-able value computed in the kernel."""
        out = self.ok(f"import json as _j; print(_j.dumps({expression}))")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def comm_messages(self, seconds: float) -> list[dict[str, Any]]:
        """Widget updates the kernel sends by itself (no cell running) during ``seconds``."""
        messages = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self.client.get_iopub_msg(timeout=left)
            except queue.Empty:
                break
            if msg["msg_type"] == "comm_msg":
                messages.append(msg["content"]["data"])
        return messages

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.server.http.delete(f"api/kernels/{self.id}")
