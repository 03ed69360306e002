"""The notebook panel's kernel side (``runai.panel()``: an anywidget), driven in a real kernel as
its front end drives it: the same comm messages the browser sends (a create, an action, a
refresh) and the answers and trait updates the kernel sends back, checked against what Run:ai
really has; updates arrive with no cell running. Its front end, the sidebar's components, is
tested in Chromium (test_ui_panel*.py) and with jest (labextension/test)."""

from __future__ import annotations

import json
import time

import pytest
from harness import reset, set_faults, sim_workspaces, stats, wait_until
from live import LiveServer

from jupyter_runai.kernel.look import BACKGROUNDS, PALETTE, contrast

OFF = {"error_rate": 0, "match": None, "times": None}


@pytest.fixture(autouse=True)
def fresh_sim(live_sim):
    """Each test starts from the seed: the module's simulator is shared."""
    reset(live_sim)


@pytest.fixture
def panel(kernel):
    kernel.ok(
        "import jupyter_runai as runai\n"
        "p = runai.panel()\n"
        "def phase(name):\n"
        "    return next((w['phase'] for w in p.workspaces if w['name'] == name), None)\n"
    )
    kernel.comm_messages(0.5)  # what it sent while starting
    yield kernel
    kernel.ok("p.close()")


def send(kernel, content: dict) -> None:
    """What the panel's front end sends (model.send): a comm message to the widget."""
    model_id = kernel.value("p.model_id")
    data = {"method": "custom", "content": content}
    message = kernel.client.session.msg("comm_msg", {"comm_id": model_id, "data": data})
    kernel.client.shell_channel.send(message)


def answer(kernel, number: int, timeout: float = 30) -> dict:
    """The kernel's answer to request ``number`` (a custom message of the widget)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for data in kernel.comm_messages(0.5):
            content = data.get("content") if data.get("method") == "custom" else None
            if isinstance(content, dict) and content.get("reply") == number:
                return content
    raise AssertionError(f"no answer to request {number} in {timeout} s")


def wait_phase(kernel, name: str, phase: str, timeout: float = 30) -> None:
    """Wait, between cells (the panel updates on the kernel's loop), for a row's phase."""
    wait_until(
        lambda: kernel.value(f"phase({name!r})") == phase, timeout, f"{name} to show {phase}"
    )


def test_it_starts_with_the_status_projects_and_one_gpu(panel):
    status = panel.value("p.status")
    assert status["simulated"] is True and status["mode"] == "direct"
    assert panel.value("p.projects") == ["team-a", "team-b"]
    assert panel.value("p.default_project") == "team-a"  # the server's default
    assert panel.value("p.default_gpu") == 1  # a tool for GPU workspaces
    assert panel.value("p.loaded") is True
    assert panel.value("p.version") == panel.value("runai.__version__")
    wait_until(lambda: panel.value("p.state") == {"kind": "live"}, 10, "the live stream")


def test_a_create_is_carried_out_and_answered(panel, live_sim):
    body = {"name": "from-panel", "project": "team-b", "image": "busybox", "gpu": 2}
    send(panel, {"op": "create", "request": 1, "body": {**body, "env": {"A": "1"}}})
    said = answer(panel, 1)
    assert said["ok"] is True and said["workspace"]["name"] == "from-panel"
    [ws] = [w for w in sim_workspaces(live_sim) if w["name"] == "from-panel"]
    assert ws["projectName"] == "team-b" and ws["environmentVariables"] == {"A": "1"}
    assert ws["workloadRequestedResources"]["gpu"]["request"] == 2
    assert panel.value("phase('from-panel')") is not None  # in the list at once


def test_a_refused_create_is_answered_with_the_field_and_the_reason(panel, live_sim):
    send(
        panel,
        {
            "op": "create",
            "request": 7,
            "body": {"name": "huge", "project": "team-a", "image": "busybox", "gpu": 5},
        },
    )
    said = answer(panel, 7)
    assert said["ok"] is False
    error = said["error"]
    assert error["reason"] == "invalid"  # beside GPUs: the project's quota
    # Run:ai's issue, named by the create body's field, which the front end places it beside
    assert [i["field"] for i in error["issues"]] == ["gpu"], error
    send(
        panel,
        {
            "op": "create",
            "request": 8,
            "body": {"name": "huge", "project": "team-a", "image": "busybox", "gpu": 1},
        },
    )
    assert answer(panel, 8)["ok"] is True
    send(
        panel,
        {
            "op": "create",
            "request": 9,
            "body": {"name": "huge", "project": "team-a", "image": "busybox"},
        },
    )
    taken = answer(panel, 9)
    assert taken["error"]["reason"] == "conflict"  # the front end says it beside the name
    assert [w["name"] for w in sim_workspaces(live_sim)].count("huge") == 1


def test_actions_are_carried_out_and_a_failure_says_why(panel, live, live_sim):
    body = {"name": "acted", "project": "team-a", "image": "busybox"}
    wid = live.http.post("runai/api/workspaces", json=body).json()["id"]
    wait_phase(panel, "acted", "Running")
    send(panel, {"op": "act", "request": 2, "id": wid, "action": "suspend"})
    assert answer(panel, 2)["ok"] is True
    wait_phase(panel, "acted", "Stopped")
    set_faults(
        live_sim,
        error_rate=1,
        error_status=503,
        match="POST /api/v1/workloads/workspaces/{workloadId}/resume",
    )
    try:
        send(panel, {"op": "act", "request": 3, "id": wid, "action": "resume"})
        failed = answer(panel, 3, timeout=60)
    finally:
        set_faults(live_sim, **OFF)
    assert failed["ok"] is False and failed["error"]["reason"] == "unavailable"
    send(panel, {"op": "act", "request": 4, "id": wid, "action": "delete"})
    assert answer(panel, 4)["ok"] is True
    wait_until(lambda: panel.value("phase('acted')") is None, 30, "acted to go")


def test_updates_arrive_without_running_a_cell_on_the_kernels_loop(panel, live):
    panel.ok(
        "import threading, ipywidgets\n"
        "threads = set()\n"
        "_orig = ipywidgets.Widget.send_state\n"
        "def _spy(self, key=None):\n"
        "    threads.add(threading.current_thread().name)\n"
        "    return _orig(self, key)\n"
        "ipywidgets.Widget.send_state = _spy"
    )
    panel.comm_messages(1.0)  # drain what the panel sent while starting
    created = live.http.post(
        "runai/api/workspaces", json={"name": "outside", "project": "team-a", "image": "busybox"}
    )
    assert created.status_code == 202
    seen = json.dumps(panel.comm_messages(8.0))
    assert "outside" in seen  # a new row, pushed by the kernel with no cell running
    assert "Running" in seen  # and its phase moving on
    panel.ok("ipywidgets.Widget.send_state = _orig")
    assert panel.value("sorted(threads)") == ["MainThread"]  # never from the reader thread


def test_after_an_outage_the_panel_is_live_again_promptly(panel, live, live_sim):
    body = {"name": "survivor", "project": "team-a", "image": "busybox"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_phase(panel, "survivor", "Running")
    set_faults(live_sim, error_rate=1, error_status=503)
    try:
        wait_until(lambda: panel.value("p.state['kind']") == "upstream-error", 20, "the outage")
        error = panel.value("p.state['error']")
        assert error["reason"] == "unavailable"  # the front end says Run:ai is not answering
        # long enough for the server's poller to back off far (0.5 s doubling per failure)
        lists = lambda: stats(live_sim).get("GET /api/v1/workloads", 0)  # noqa: E731
        start = lists()
        wait_until(lambda: lists() - start >= 7, 60, "seven failed polls")
    finally:
        set_faults(live_sim, **OFF)
    recovered = time.monotonic()
    wait_until(lambda: panel.value("p.state") == {"kind": "live"}, 10, "live again")
    assert time.monotonic() - recovered < 8  # not the server's backoff (32 s and more by now)


def test_closing_the_panel_stops_its_updates(panel, live):
    panel.ok("p.close()")
    wait_until(lambda: panel.value("p.watching") is False, 10, "the reader to stop")
    panel.comm_messages(0.5)
    live.http.post(
        "runai/api/workspaces", json={"name": "unseen", "project": "team-a", "image": "busybox"}
    )
    started = time.monotonic()
    # nothing arriving is the behaviour under test: listen for 3 s (15 poll intervals)
    assert panel.comm_messages(3.0) == []
    assert time.monotonic() - started >= 2.9


def test_a_text_frontend_gets_the_text_table(panel, live):
    body = {"name": "in-text", "project": "team-a", "image": "busybox"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_until(lambda: panel.value("phase('in-text')") is not None, 10, "in-text listed")
    shown = panel.ok("p").data[-1]
    assert "application/vnd.jupyter.widget-view+json" in shown
    text = shown["text/plain"]
    assert text.splitlines()[0].split()[:3] == ["NAME", "PROJECT", "STATUS"]
    assert "in-text" in text and "team-a" in text


def test_panel_without_a_working_connection_says_why(live_sim, tmp_path):
    """A server whose Run:ai credentials are refused: the panel opens and says what to fix."""
    server = LiveServer(tmp_path, live_sim.url, client_secret="wrong-secret")
    kernel = server.start_kernel()
    try:
        kernel.ok("import jupyter_runai as runai; p = runai.panel()")
        status = kernel.value("p.status")
        assert status["credentials_accepted"] is False
        assert "c.RunaiApp.client_secret" in status["message"]  # the setting to fix
        assert "wrong-secret" not in json.dumps(kernel.value("[p.status, p.state]"))
        assert kernel.value("p.projects") == []
        kernel.ok("p.close()")
    finally:
        kernel.shutdown()
        server.stop()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_colour_keeps_4_5_to_1_in_both_themes(theme):
    index = 0 if theme == "light" else 1
    for role, pair in PALETTE.items():
        for background in BACKGROUNDS[theme]:
            ratio = contrast(pair[index], background)
            assert ratio >= 4.5, f"{role} {pair[index]} on {background}: {ratio:.2f}"


def test_the_words_never_carry_run_ais_http_report():
    """The sentences the panel and the sidebar show for failures (one table, words.py) name no
    method, path or status."""
    from jupyter_runai.kernel import words

    said = [
        *words.ACTION_WORDS.values(),
        *(text for _field, text in words.CREATE_WORDS.values()),
        *words.CONNECTION_WORDS.values(),
        words.NOT_ANSWERING,
        words.NOT_ALLOWED_IN,
        words.REFUSED,
        words.NOT_ALLOWED,
    ]
    for text in said:
        assert not any(mark in text for mark in words.HTTP_MARKS), text
        assert not any(str(status) in text for status in (400, 403, 404, 409, 500, 502, 503, 504))
