"""The panel, driven in a real kernel like a user would (set values, click), checked against
what Run:ai really has and what the widgets show; updates arrive with no cell running."""

from __future__ import annotations

import json
import time

import pytest
from harness import reset, set_clock, sim_names, sim_workspaces
from live import LiveServer


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
        "    return next(r for r in t.rows.values() if r.view['name'] == name)\n"
        "def wait_row(name, phase, timeout=30):\n"
        "    import time\n"
        "    end = time.monotonic() + timeout\n"
        "    while time.monotonic() < end:\n"
        "        try:\n"
        "            if row(name).view['phase'] == phase: return row(name)\n"
        "        except StopIteration: pass\n"
        "        time.sleep(0.1)\n"
        "    raise AssertionError(f'{name} never showed {phase}')\n"
    )
    yield kernel
    kernel.ok("p.close()")


def test_status_line_and_form_defaults(panel):
    status = panel.value("p.status.value")
    assert "connected via the Jupyter server" in status and "simulated" in status
    assert panel.value("list(f.project.options)") == ["team-a", "team-b"]
    assert panel.value("f.project.value") == "team-a"  # the configured default
    assert panel.value("f.image.value") == "jupyter/scipy-notebook"
    assert "pytorch/pytorch:latest" in panel.value("list(f.image.options)")


def test_name_is_checked_as_you_type(panel):
    panel.ok("f.name.value = 'Bad_Name'")
    assert "lowercase letters, digits and '-'" in panel.value("f.errors['name'].value")
    panel.ok("f.name.value = 'good-name'")
    assert panel.value("f.errors['name'].value") == ""
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
    assert panel.value("row('form-ws').view['id']") == ws["id"]  # in the table at once


@pytest.mark.parametrize(
    ("setup", "field", "text"),
    [
        ("f.name.value = 'too-big'; f.gpu.value = 5", "gpu", "no more than 4"),
        ("f.name.value = 'no-image'; f.image.value = ' '", "image", "required"),
        ("f.name.value = 'bad-env'; f.env.value = 'JUSTAKEY'", "env", "line 1 is not KEY=value"),
        ("f.name.value = 'bad-memory'; f.memory.value = 'lots'", "memory", "quantity"),
        ("f.name.value = 'Bad_Name'", "name", "lowercase"),
    ],
)
def test_errors_appear_next_to_the_field_and_nothing_is_created(
    panel, live_sim, setup, field, text
):
    before = sim_names(live_sim)
    panel.ok(f"{setup}\nf.submit.click()")
    assert text in panel.value(f"f.errors[{field!r}].value")
    assert panel.value("f.message.value") != "" and "Created" not in panel.value("f.message.value")
    assert sim_names(live_sim) == before


def test_buttons_follow_the_phase_and_delete_asks_first(panel, live_sim):
    panel.ok("f.name.value = 'btn-ws'; f.gpu.value = 1; f.submit.click()")
    panel.ok("r = wait_row('btn-ws', 'Running')")
    assert panel.value("[r.suspend.disabled, r.resume.disabled, r.delete.disabled]") == [
        False,
        True,
        False,
    ]
    panel.ok("r.suspend.click()")
    phase = next(w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "btn-ws")
    assert phase in ("Stopping", "Stopped")
    panel.ok("r = wait_row('btn-ws', 'Stopped')")
    assert panel.value("[r.suspend.disabled, r.resume.disabled]") == [True, False]
    assert "Stopped" in panel.value("r.cells[2].value")

    panel.ok("r.delete.click()")
    assert "Delete <b>btn-ws</b>?" in panel.value("r.question.value")
    assert panel.value("[c.description for c in r.actions.children[1:]]") == [
        "Yes, delete",
        "Cancel",
    ]
    panel.ok("r.cancel.click()")
    assert "btn-ws" in sim_names(live_sim)
    assert panel.value("[c.description for c in r.actions.children]") == [
        "Suspend",
        "Resume",
        "Delete",
    ]
    panel.ok("r.delete.click(); r.confirm.click()")
    deleting = [w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "btn-ws"]
    assert deleting in (["Deleting"], [])


def test_a_waiting_workspace_says_why(panel, live, live_sim):
    for name in ("holder", "waiter"):
        body = {"name": name, "project": "team-b", "image": "busybox", "gpu": 6}
        assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    panel.ok("r = wait_row('holder', 'Running'); r = wait_row('waiter', 'Pending')")
    set_clock(live_sim, advance=10)  # far past the moment it could have started
    assert [w["phase"] for w in sim_workspaces(live_sim) if w["name"] == "waiter"] == ["Pending"]
    note = panel.value("row('waiter').note.value")
    assert "over quota" in note and "team-b" in note
    assert panel.value("row('holder').note.value") == ""


def test_updates_arrive_without_running_a_cell(panel, live):
    panel.comm_messages(1.0)  # drain what the panel sent while starting
    created = live.http.post(
        "runai/api/workspaces", json={"name": "outside", "project": "team-a", "image": "busybox"}
    )
    assert created.status_code == 202
    seen = json.dumps(panel.comm_messages(8.0))
    assert "outside" in seen  # a new row, pushed by the kernel with no cell running
    assert "Running" in seen  # and its phase moving on
    assert panel.value("sorted(r.view['name'] for r in t.rows.values())").count("outside") == 1


def test_closing_the_panel_stops_its_updates(panel, live):
    panel.ok(
        "p.close()\n"
        "import time\n"
        "end = time.monotonic() + 10\n"
        "while p.watching and time.monotonic() < end: time.sleep(0.05)"
    )
    assert panel.value("p.watching") is False
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
