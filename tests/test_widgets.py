"""The panel, driven in a real kernel like a user would (set values, click, press Enter: the
same comm messages the browser sends), checked against what Run:ai really has and what the
widgets show; updates arrive with no cell running."""

from __future__ import annotations

import json
import time

import pytest
from harness import reset, set_clock, set_faults, sim_names, sim_workspaces, stats, wait_until
from live import LiveServer

from jupyter_runai.kernel.look import BACKGROUNDS, PALETTE, contrast

SUSPEND = "POST /api/v1/workloads/workspaces/{workloadId}/suspend"
OFF = {"error_rate": 0, "match": None, "times": None}


@pytest.fixture(autouse=True)
def fresh_sim(live_sim):
    """Each test starts from the seed: the module's simulator is shared."""
    reset(live_sim)


@pytest.fixture
def panel(kernel):
    kernel.ok(
        "import jupyter_runai as runai\n"
        "p = runai.panel(); f = p.form; t = p.table\n"
        "def row(name):\n"
        "    return t.row_named(name)\n"
        "def phase(name):\n"
        "    try: return row(name).view['phase']\n"
        "    except StopIteration: return None\n"
    )
    yield kernel
    kernel.ok("p.close()")


def wait_phase(kernel, name: str, phase: str, timeout: float = 30) -> None:
    """Wait, between cells (the panel updates on the kernel's loop), for a row's phase."""
    wait_until(
        lambda: kernel.value(f"phase({name!r})") == phase, timeout, f"{name} to show {phase}"
    )


def send_comm(kernel, model_expr: str, content: dict) -> None:
    """What the browser sends when a user clicks a button or presses Enter in a text field."""
    model_id = kernel.value(f"{model_expr}.model_id")
    data = {"method": "custom", "content": content}
    message = kernel.client.session.msg("comm_msg", {"comm_id": model_id, "data": data})
    kernel.client.shell_channel.send(message)


def test_status_line_and_form_defaults(panel):
    status = panel.value("p.status.value")
    assert "connected via the Jupyter server" in status and "simulated" in status
    assert panel.value("list(f.project.options)") == ["team-a", "team-b"]
    assert panel.value("f.project.value") == "team-a"  # the configured default
    assert panel.value("f.image.value") == "jupyter/scipy-notebook"
    assert "pytorch/pytorch:latest" in panel.value("list(f.image.options)")
    assert panel.value("p.children[1].selected_index") == 0  # the form starts open


def test_name_is_checked_as_you_type_and_create_waits_for_a_good_one(panel):
    assert panel.value("f.submit.disabled") is True  # no name yet
    assert panel.value("f.errors['name'].value") == ""  # and no scolding before typing
    panel.ok("f.name.value = 'Bad_Name'")
    assert "lowercase letters, digits and '-'" in panel.value("f.errors['name'].value")
    assert "runai-invalid" in panel.value("f.name._dom_classes")  # the field is marked red
    assert panel.value("f.submit.disabled") is True
    panel.ok("f.name.value = 'good-name'")
    assert panel.value("f.errors['name'].value") == ""
    assert "runai-invalid" not in panel.value("f.name._dom_classes")
    assert panel.value("f.submit.disabled") is False
    panel.ok("f.name.value = 'x' * 38; f.name_prefix.value = True")
    assert "at most 34" in panel.value("f.errors['name'].value")


def test_create_from_the_form(panel, live_sim):
    panel.ok(
        "f.name.value = 'form-ws'; f.project.value = 'team-b'\n"
        "f.image.value = 'pytorch/pytorch:latest'\n"
        "f.gpu.value = 2; f.cpu.value = 4; f.memory.value = '16G'; f.env.value = 'A=1\\nB=two'\n"
        "f.submit.click()"
    )
    assert "Created form-ws in team-b" in panel.value("f.message.value")
    [ws] = [w for w in sim_workspaces(live_sim) if w["name"] == "form-ws"]
    assert ws["projectName"] == "team-b"
    assert ws["workloadRequestedResources"]["gpu"]["request"] == 2
    assert ws["environmentVariables"] == {"A": "1", "B": "two"}
    assert ws["urls"] == []  # not a Jupyter image: no tool unless asked
    assert panel.value("row('form-ws').view['id']") == ws["id"]  # in the table at once


def test_a_double_click_creates_one_workspace_and_still_says_created(panel, live_sim):
    panel.ok("f.name.value = 'twice'")
    send_comm(panel, "f.submit", {"event": "click"})
    send_comm(panel, "f.submit", {"event": "click"})  # before the first one is answered
    message = panel.value("f.message.value")  # runs after both clicks
    assert "Created twice in team-a" in message
    assert "HTTP" not in message and "409" not in message
    assert [w["name"] for w in sim_workspaces(live_sim)].count("twice") == 1
    assert panel.value("f.submit.disabled") is True  # nothing new to create
    panel.ok("f.name.value = 'thrice'")
    assert panel.value("f.submit.disabled") is False  # an edit: something new
    assert panel.value("f.message.value") == ""  # and the old message goes


def test_enter_in_the_name_field_creates(panel, live_sim):
    panel.ok("f.name.value = 'by-enter'")
    send_comm(panel, "f.name", {"event": "submit"})
    assert "Created by-enter" in panel.value("f.message.value")
    assert "by-enter" in sim_names(live_sim)


def test_one_and_a_half_gpus_is_refused_next_to_the_field_never_rounded(panel, live_sim):
    panel.ok("f.name.value = 'gpu-and-half'; f.gpu.value = 1.5")
    error = panel.value("f.errors['gpu'].value")
    assert "whole devices" in error and "&lt; 1" in error  # the rule, next to GPUs, as typed
    assert panel.value("f.gpu.value") == 1.5  # never changed behind the user's back
    assert panel.value("f.submit.disabled") is True
    panel.ok("f.submit.click()")
    assert "gpu-and-half" not in sim_names(live_sim)
    panel.ok("f.gpu.value = 0.5")
    assert panel.value("f.errors['gpu'].value") == ""
    panel.ok("f.submit.click()")
    [ws] = [w for w in sim_workspaces(live_sim) if w["name"] == "gpu-and-half"]
    assert ws["workloadRequestedResources"]["gpu"]["request"] == 0.5


def test_every_error_shows_at_once_and_goes_when_edited(panel, live_sim):
    before = sim_names(live_sim)
    panel.ok(
        "f.name.value = 'Bad_Name'; f.image.value = ' '; f.gpu.value = 2.5\n"
        "f.memory.value = 'lots'; f.env.value = 'JUSTAKEY'; f.tools.value = 'x:y'\n"
        "f.submit.click()"
    )
    expected = {
        "name": "lowercase",
        "image": "required",
        "gpu": "whole devices",
        "memory": "quantity",
        "env": "line 1 is not KEY=value",
        "tools": "NAME:PORT",
    }
    for field, text in expected.items():
        assert text in panel.value(f"f.errors[{field!r}].value"), field
        assert "runai-invalid" in panel.value(f"f.inputs[{field!r}]._dom_classes"), field
    assert "fix the fields marked in red" in panel.value("f.message.value")
    assert sim_names(live_sim) == before
    panel.ok("f.memory.value = '8G'")
    assert panel.value("f.errors['memory'].value") == ""
    assert panel.value("f.message.value") == ""  # an edit clears the old message
    assert "lowercase" in panel.value("f.errors['name'].value")  # the others stay


@pytest.mark.parametrize(
    ("setup", "field", "text"),
    [
        ("f.name.value = 'too-big'; f.gpu.value = 5", "gpu", "no more than 4"),
        ("f.name.value = 'bad-memory'; f.memory.value = 'lots'", "memory", "quantity"),
    ],
)
def test_errors_appear_next_to_the_field_and_nothing_is_created(
    panel, live_sim, setup, field, text
):
    before = sim_names(live_sim)
    panel.ok(f"{setup}\nf.submit.click()")
    assert text in panel.value(f"f.errors[{field!r}].value")
    message = panel.value("f.message.value")
    assert "fix the fields marked in red" in message and "policy" not in message
    assert sim_names(live_sim) == before


def test_a_taken_name_is_said_next_to_the_name_in_plain_words(panel, live, live_sim):
    body = {"name": "taken", "project": "team-a", "image": "busybox"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    panel.ok("f.name.value = 'taken'; f.submit.click()")
    error = panel.value("f.errors['name'].value")
    assert "team-a already has a workspace named taken" in error
    message = panel.value("f.message.value")
    assert "HTTP" not in error + message and "/api/" not in error + message
    assert "409" in panel.value("p.error_log[-1]")  # the detail is kept, out of sight


def test_jupyter_images_get_the_jupyter_tool_and_links_show_only_while_running(panel, live_sim):
    assert panel.value("f.tools.value") == "jupyter:8888"  # the default image is Jupyter's
    panel.ok("f.image.value = 'pytorch/pytorch:latest'")
    assert panel.value("f.tools.value") == ""
    panel.ok("f.image.value = 'jupyter/scipy-notebook'")
    panel.ok("f.name.value = 'with-jupyter'; f.tools.value = 'jupyter:8888, tb:6006'")
    panel.ok("f.submit.click()")
    [ws] = [w for w in sim_workspaces(live_sim) if w["name"] == "with-jupyter"]
    ports = {c["containerPort"]: c["name"] for c in ws["externalConnections"]}
    assert ports == {8888: "jupyter", 6006: "tb"}
    wait_phase(panel, "with-jupyter", "Running")
    tools = panel.value("row('with-jupyter').view['tools']")
    assert {(t["name"], t["type"], t["port"]) for t in tools} == {
        ("jupyter", "jupyter-notebook", 8888),
        ("tb", "custom", 6006),
    }
    cells = panel.value("row('with-jupyter').html.value")
    assert ">jupyter:8888</a>" in cells and ">tb:6006</a>" in cells and ">open<" not in cells
    panel.ok("row('with-jupyter').button('suspend').click()")
    wait_phase(panel, "with-jupyter", "Stopped")
    assert "<a " not in panel.value("row('with-jupyter').html.value")  # no dead links


def test_magic_submit_adds_tool_ports(panel, live_sim):
    panel.ok("%load_ext jupyter_runai")
    out = panel.ok("%runai submit mg-tools -i busybox --tool tb:6006 --external-url container=8080")
    assert "Submitted team-a/mg-tools" in out.stdout
    panel.ok("%runai submit mg-jupyter -i jupyter/base-notebook")
    made = {w["name"]: w for w in sim_workspaces(live_sim)}
    tools = {(c["containerPort"], c["name"]) for c in made["mg-tools"]["externalConnections"]}
    assert tools == {(6006, "tb"), (8080, "custom-8080")}
    [jupyter] = made["mg-jupyter"]["externalConnections"]
    assert (jupyter["containerPort"], jupyter["toolType"]) == (8888, "jupyter-notebook")
    bad = panel.run("%runai submit mg-bad -i busybox --tool 70000")
    assert "tools[0].port" in bad.stderr and "65535" in bad.stderr
    # the CLI's other --external-url keys are not in a create body: refused, named, nothing made
    bad = panel.run("%runai submit mg-bad -i busybox --external-url container=80,authusers=ann")
    assert "authusers=" in bad.stderr and "container=PORT" in bad.stderr
    assert "mg-bad" not in {w["name"] for w in sim_workspaces(live_sim)}


def test_buttons_follow_the_phase_and_delete_asks_first(panel, live_sim):
    panel.ok("f.name.value = 'btn-ws'; f.image.value = 'busybox'; f.gpu.value = 1")
    panel.ok("f.submit.click()")
    wait_phase(panel, "btn-ws", "Running")
    shown = "[b.description for b in row('btn-ws').actions.children]"
    assert panel.value(shown) == ["Suspend", "Delete"]  # only what the phase allows
    panel.ok("row('btn-ws').button('suspend').click()")
    phase = next(w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "btn-ws")
    assert phase in ("Stopping", "Stopped")
    wait_phase(panel, "btn-ws", "Stopped")
    assert panel.value(shown) == ["Resume", "Delete"]
    assert "Stopped" in panel.value("row('btn-ws').html.value")

    panel.ok("row('btn-ws').button('delete').click()")
    assert "Delete <b>btn-ws</b>?" in panel.value("row('btn-ws').html.value")
    assert panel.value(shown) == ["Yes, delete", "Cancel"]
    panel.ok("row('btn-ws').button('cancel').click()")
    assert "btn-ws" in sim_names(live_sim)
    assert panel.value(shown) == ["Resume", "Delete"]
    panel.ok("row('btn-ws').button('delete').click(); row('btn-ws').button('confirm').click()")
    deleting = [w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "btn-ws"]
    assert deleting in (["Deleting"], [])


def test_a_failed_suspend_shows_on_its_row_in_plain_words(panel, live_sim):
    panel.ok("f.name.value = 'no-suspend'; f.image.value = 'busybox'; f.submit.click()")
    wait_phase(panel, "no-suspend", "Running")
    set_faults(live_sim, error_rate=1, error_status=500, match=SUSPEND)
    try:
        panel.ok("row('no-suspend').button('suspend').click()")
    finally:
        set_faults(live_sim, **OFF)
    cells = panel.value("row('no-suspend').html.value")
    assert "Suspend failed: Run:ai is not answering right now" in cells
    assert "HTTP" not in cells and "/api/" not in cells
    assert "suspend" not in panel.value("p.status.value").lower()  # on the row, not up there
    assert "500" in panel.value("p.error_log[-1]")


def test_an_outage_note_on_a_row_goes_when_run_ai_answers_again(panel, live_sim):
    panel.ok("f.name.value = 'in-outage'; f.image.value = 'busybox'; f.submit.click()")
    wait_phase(panel, "in-outage", "Running")
    set_faults(live_sim, error_rate=1, error_status=503)
    try:
        panel.ok("row('in-outage').button('suspend').click()")
        note = "Suspend failed: Run:ai is not answering right now"
        assert note in panel.value("row('in-outage').html.value")
        wait_until(lambda: panel.value("t.stale"), 30, "the panel to mark its rows stale")
    finally:
        set_faults(live_sim, **OFF)
    wait_until(lambda: not panel.value("t.stale"), 60, "the panel to be live again")
    assert note not in panel.value("row('in-outage').html.value")  # moot: it answers again


def test_a_waiting_workspace_says_why(panel, live, live_sim):
    for name in ("holder", "waiter"):
        body = {"name": name, "project": "team-b", "image": "busybox", "gpu": 6}
        assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_phase(panel, "holder", "Running")
    wait_phase(panel, "waiter", "Pending")
    set_clock(live_sim, advance=10)  # far past the moment it could have started
    assert [w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "waiter"] == ["Pending"]
    note = panel.value("row('waiter').html.value")
    assert "over quota" in note and "team-b" in note
    assert "runai-spinner" not in note  # it waits, it is not changing: no spinner
    assert "runai-note" not in panel.value("row('holder').html.value")


def test_a_failed_workspace_says_why_as_an_error(panel, live, live_sim):
    set_faults(live_sim, unpullable_images=["no/such:image"])
    body = {"name": "cannot-pull", "project": "team-a", "image": "no/such:image"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_phase(panel, "cannot-pull", "Failed")
    cells = panel.value("row('cannot-pull').html.value")
    assert '<div class="runai-note runai-bad">ImagePullBackOff: Back-off pulling image' in cells
    assert "runai-spinner" not in cells  # it will not change by itself
    shown = "[b.description for b in row('cannot-pull').actions.children]"
    assert "Delete" in panel.value(shown)


def test_ages_follow_the_clock(panel, live):
    body = {"name": "aging", "project": "team-a", "image": "busybox"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_phase(panel, "aging", "Running")
    age = '<span class="runai-age">'
    assert f"{age}7m<" not in panel.value("row('aging').html.value")
    # seven minutes pass on the kernel's clock; the workspace itself does not change
    panel.ok(
        "from datetime import datetime, timedelta, timezone\n"
        "t.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=7)"
    )
    wait_until(lambda: f"{age}7m<" in panel.value("row('aging').html.value"), 10, "age 7m")


def test_a_row_costs_a_few_widget_comms_not_dozens(panel, live):
    count = "len(__import__('ipywidgets').widgets.widget._instances)"
    before = panel.value(count)
    for number in range(10):
        body = {"name": f"many-{number}", "project": "team-a", "image": "busybox"}
        assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_until(lambda: panel.value("len(t.rows)") == 10, 20, "ten rows")
    for number in range(10):
        wait_phase(panel, f"many-{number}", "Running")
    per_row = (panel.value(count) - before) / 10
    assert per_row <= 4, per_row  # an HTML, a box, Suspend and Delete


def test_static_outputs_never_spin_only_the_live_table_does(panel, live):
    body = {"name": "snap", "project": "team-a", "image": "busybox"}
    panel.ok("%load_ext jupyter_runai")
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    listed = panel.ok("%runai list").html()
    assert "snap" in listed
    assert 'class="runai-spinner"' not in listed  # a snapshot: a still ring at most
    assert "animation" not in listed.split("</style>", 1)[-1]
    wait_until(lambda: panel.value("phase('snap')") is not None, 10, "snap in the table")
    cells = panel.value("row('snap').html.value")
    if panel.value("row('snap').view['transitional']"):
        assert 'class="runai-spinner"' in cells  # the live table animates what is changing


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
    assert panel.value("sorted(r.name for r in t.rows.values())").count("outside") == 1


def test_after_an_outage_the_panel_reconnects_promptly_and_the_error_goes(panel, live, live_sim):
    body = {"name": "survivor", "project": "team-a", "image": "busybox"}
    assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    wait_phase(panel, "survivor", "Running")
    set_faults(live_sim, error_rate=1, error_status=503)
    try:
        wait_until(lambda: "not connected" in panel.value("p.status.value"), 20, "disconnected")
        status = panel.value("p.status.value")
        assert "not live" in status and "Run:ai is not answering" in status
        assert "HTTP" not in status and "/api/" not in status
        assert "runai-stale" in panel.value("row('survivor').html.value")  # rows marked stale
        # long enough for the server's poller to back off far (0.5 s doubling per failure)
        lists = lambda: stats(live_sim).get("GET /api/v1/workloads", 0)  # noqa: E731
        start = lists()
        wait_until(lambda: lists() - start >= 7, 60, "seven failed polls")
    finally:
        set_faults(live_sim, **OFF)
    recovered = time.monotonic()
    wait_until(lambda: "Run:ai connected" in panel.value("p.status.value"), 10, "reconnected")
    assert time.monotonic() - recovered < 8  # not the server's backoff (32 s and more by now)
    status = panel.value("p.status.value")
    assert "not answering" not in status and "error" not in status  # the old error is gone
    assert "runai-stale" not in panel.value("row('survivor').html.value")


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


def test_panel_without_a_working_connection_says_why(live_sim, tmp_path):
    """A server whose Run:ai credentials are refused: the panel opens and says what to fix."""
    server = LiveServer(tmp_path, live_sim.url, client_secret="wrong-secret")
    kernel = server.start_kernel()
    try:
        kernel.ok("import jupyter_runai as runai; p = runai.panel()")
        status = kernel.value("p.status.value")
        assert "not connected" in status
        assert "c.RunaiApp.client_secret" in status  # the setting to fix
        assert "wrong-secret" not in status
        assert kernel.value("list(p.form.project.options)") == []
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
    """Whatever Run:ai answered, the panel's words name no method, path or status; the
    extension's own advice (a setting to fix, a GPU limit) is kept as it is."""
    from jupyter_runai.client import (
        RunaiConflict,
        RunaiError,
        RunaiForbidden,
        RunaiNotFound,
        RunaiTimeout,
        RunaiUnavailable,
    )
    from jupyter_runai.kernel.widgets import words

    report = "POST /api/v1/workloads/workspaces failed with HTTP {}: upstream text"
    for cls, status in [
        (RunaiConflict, 409),
        (RunaiForbidden, 403),
        (RunaiNotFound, 404),
        (RunaiTimeout, 504),
        (RunaiUnavailable, 503),
        (RunaiError, 500),
    ]:
        exc = cls(report.format(status), status=status)
        _field, text = words.for_create(exc, "nb", "team-a")
        for said in (text, words.for_action(exc, "suspend", "nb")):
            assert "HTTP" not in said and "/api/" not in said and str(status) not in said, said
    limit = RunaiError("you may hold at most 4 GPUs at once (c.RunaiApp.max_gpus_per_user)")
    assert words.for_create(limit, "nb", "team-a")[1].endswith(limit.message)
