"""The JupyterLab sidebar (labextension/) in real Chromium, on JupyterLab + the simulator: what a
user sees in the left panel, live from the event stream, without reloading the page."""

from __future__ import annotations

import json
import subprocess

import pytest
from browser import THEMES, WIDTHS, expect
from harness import reset, set_clock, set_faults, wait_until

TAB = '.jp-SideBar li[data-id="jupyter-runai-sidebar"]'
PANEL = "#jupyter-runai-sidebar .jp-RunaiList"


def create(lab, name: str, **extra) -> dict:
    body = {"name": name, "project": "team-a", "image": "busybox", "gpu": 1, **extra}
    answer = lab.http.post("runai/api/workspaces", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()


def open_sidebar(lp):
    """Click the sidebar's tab; the panel's locator once it is live."""
    lp.page.locator(TAB).click()
    panel = lp.page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-stream", "live")
    return panel


def row(panel, name: str):
    return panel.locator(f'li.jp-RunaiRow[data-name="{name}"]')


def test_the_sidebar_lists_a_workspace_created_through_the_api_without_reload(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    expect(panel.locator(".jp-RunaiSidebar-badge")).to_be_visible()  # the simulator says so
    create(lab, "from-the-api")
    ws = row(panel, "from-the-api")
    expect(ws).to_be_visible()
    expect(ws.locator(".jp-RunaiRow-project")).to_have_text("team-a")
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Running")
    expect(ws.locator(".jp-RunaiRow-tools a")).to_have_count(0)  # no tools were asked for
    age = ws.locator(".jp-RunaiRow-age")
    seen = age.text_content()
    expect(age).not_to_have_text(seen)  # the age ticks, with no new event
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
            expect(lp.page.locator("#jupyterlab-splash")).to_have_count(0)  # no fade in the shot
        for width in WIDTHS:
            lp.resize(width)
            expect(ws).to_be_visible()
            lp.screenshot()
            lp.assert_readable(f'{PANEL} li[data-name="from-the-api"] .jp-RunaiChip')
            lp.assert_readable(f'{PANEL} li[data-name="from-the-api"] .jp-RunaiRow-name')


def listed(lab) -> list[dict]:
    return lab.http.get("runai/api/workspaces").json()["workspaces"]


def test_create_through_the_dialog_refuses_a_bad_name_next_to_the_field(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    panel.locator(".jp-RunaiSidebar-new").click()
    dialog = lp.page.locator(".jp-RunaiCreateDialog")
    expect(dialog).to_be_visible()
    name = dialog.locator('input[name="name"]')
    name.fill("Bad_Name")
    error = dialog.locator('.jp-RunaiForm-error[data-field="name"]')
    expect(error).to_contain_text("'Bad_Name' is not a valid workspace name")  # as you type
    create_button = dialog.locator(".jp-Dialog-footer button", has_text="Create")
    expect(create_button).to_be_disabled()  # refused before any request, and it says why
    expect(create_button).to_have_attribute("title", "Fix Name first.")
    name.press("Enter")  # Enter creates nothing either: the dialog stays
    expect(dialog).to_be_visible()
    expect(error).to_contain_text("is not a valid workspace name")
    expect(name).to_have_attribute("aria-invalid", "true")
    for theme in ("light", "dark"):
        if theme != lp.theme:
            lp.switch_theme(theme)
            expect(lp.page.locator("#jupyterlab-splash")).to_have_count(0)
        lp.assert_readable('.jp-RunaiForm-error[data-field="name"]')
        for width in WIDTHS:
            lp.resize(width)
            lp.screenshot("dialog-error")
            # every field and the Copy as row show whole: nothing cut off below a scroll edge
            body = dialog.locator(".jp-Dialog-body")
            sizes = body.evaluate(
                "b => [b.scrollHeight, b.clientHeight, b.scrollWidth, b.clientWidth]"
            )
            assert sizes[0] <= sizes[1], f"clipped at {width}: {sizes}"
    lp.resize(1024)
    assert listed(lab) == []
    name.fill("from-dialog")
    expect(error).to_have_text("")
    # Tools, as the notebook form: the Jupyter tool for a Jupyter image; a bad one is refused
    tools = dialog.locator('input[name="tools"]')
    expect(tools).to_have_value("jupyter:8888")
    tools.fill("jupyter:8888, tb:x")
    expect(create_button).to_be_disabled()
    tools_error = dialog.locator('.jp-RunaiForm-error[data-field="tools"]')
    expect(tools_error).to_have_text("'tb:x' is not NAME:PORT (e.g. jupyter:8888) or a port")
    assert listed(lab) == []
    tools.fill("jupyter:8888, 6006")
    expect(tools_error).to_have_text("")  # fixed: the error goes as you type
    # every field is checked as you type, and says why: Create is never greyed out silently
    gpu = dialog.locator('input[name="gpu"]')
    gpu_error = dialog.locator('.jp-RunaiForm-error[data-field="gpu"]')
    gpu.fill("1.5")
    expect(gpu_error).to_have_text("above 1, GPUs are whole devices (a portion is < 1)")
    gpu.fill("-1")
    expect(gpu_error).to_contain_text(">= 0")
    expect(create_button).to_have_attribute("title", "Fix GPUs first.")
    gpu.fill("0.5")
    expect(create_button).to_be_enabled()
    expect(gpu_error).to_have_text("")
    gpu.fill("1")
    create_button.dblclick()  # one click, one create: a second click while in flight is no-op
    expect(dialog).to_have_count(0)
    expect(row(panel, "from-dialog")).to_be_visible()
    (made,) = listed(lab)
    assert made["name"] == "from-dialog"
    assert [t["port"] for t in made["tools"]] == [8888, 6006]


def test_the_dialog_shows_a_server_refusal_next_to_its_field(lab, open_lab):
    """A rule only the server can check (the project's quota here) comes back as the server
    says it; the dialog stays open with the message."""
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    panel.locator(".jp-RunaiSidebar-new").click()
    dialog = lp.page.locator(".jp-RunaiCreateDialog")
    dialog.locator('input[name="name"]').fill("too-big")
    dialog.locator('input[name="gpu"]').fill("1000")
    dialog.locator(".jp-Dialog-footer button", has_text="Create").click()
    message = dialog.locator(".jp-RunaiForm-message")
    expect(message).to_contain_text("Not created")
    expect(dialog).to_be_visible()
    assert listed(lab) == []


def test_suspend_changes_the_chip_without_reload(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    create(lab, "to-suspend")
    ws = row(panel, "to-suspend")
    chip = ws.locator(".jp-RunaiChip")
    expect(chip).to_have_text("Running")
    expect(ws.locator('button[data-action="resume"]')).to_be_disabled()
    ws.locator('button[data-action="suspend"]').click()
    expect(chip).to_have_text("Stopped")
    expect(
        lp.page.get_by_text("to-suspend (team-a) is Stopped; its GPUs are free.")
    ).to_be_visible()
    expect(ws.locator('button[data-action="suspend"]')).to_be_disabled()
    expect(ws.locator('button[data-action="resume"]')).to_be_enabled()
    ws.locator('button[data-action="resume"]').click()
    expect(chip).to_have_text("Running")


def test_delete_asks_first_naming_what_is_lost(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    create(lab, "to-delete")
    ws = row(panel, "to-delete")
    expect(ws).to_be_visible()
    ws.locator('button[data-action="delete"]').click()
    dialog = lp.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Delete to-delete in project team-a?")
    expect(dialog).to_contain_text("cannot be resumed")
    lp.screenshot("delete-dialog")
    dialog.locator("button", has_text="Cancel").click()
    expect(dialog).to_have_count(0)
    assert [w["name"] for w in listed(lab)] == ["to-delete"]
    ws.locator('button[data-action="delete"]').click()
    lp.page.locator(".jp-Dialog button", has_text="Delete").click()
    expect(ws).to_have_count(0)
    wait_until(lambda: listed(lab) == [], what="the workspace to be gone")


def test_a_notification_appears_when_a_workspace_is_running(lab, open_lab, ui_sim):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    set_clock(ui_sim, frozen=True)
    create(lab, "notify-me", tools=[{"port": 8888, "type": "jupyter-notebook", "name": "jupyter"}])
    ws = row(panel, "notify-me")
    expect(ws.locator(".jp-RunaiSpinner")).to_be_visible()  # on its way
    expect(ws.locator(".jp-RunaiRow-tools")).to_have_count(0)  # no tool links before Running
    set_clock(ui_sim, advance=3600)
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Running")
    expect(ws.locator(".jp-RunaiSpinner")).to_have_count(0)
    # a simulator's tool URLs lead nowhere: the row and the notification say so, open nothing
    toast = lp.page.get_by_text("notify-me (team-a) is Running (simulated: no tools to open).")
    expect(toast).to_be_visible()
    expect(lp.page.get_by_role("button", name="Open jupyter:8888")).to_have_count(0)
    tool = ws.locator(".jp-RunaiRow-tools .jp-RunaiRow-link")
    expect(tool).to_have_text("jupyter:8888 (simulated)")  # by tool name and port
    expect(ws.locator(".jp-RunaiRow-tools a")).to_have_count(0)
    lp.screenshot("running-notification")


@pytest.mark.parametrize("theme", THEMES)
def test_a_failed_workspace_says_why_on_its_row_and_in_a_notification(lab, open_lab, ui_sim, theme):
    lp = open_lab(1024, theme)
    panel = open_sidebar(lp)
    set_faults(ui_sim, unpullable_images=["no/such:image"])
    create(lab, "cannot-pull", image="no/such:image")
    ws = row(panel, "cannot-pull")
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Failed")
    why = ws.locator(".jp-RunaiRow-reason.jp-mod-error")
    expect(why).to_contain_text('Back-off pulling image "no/such:image"')
    toast = lp.page.get_by_text("cannot-pull (team-a) Failed: ImagePullBackOff")
    expect(toast).to_be_visible()
    expect(ws.locator('button[data-action="delete"]')).to_be_enabled()
    expect(ws.locator(".jp-RunaiRow-tools a")).to_have_count(0)
    lp.screenshot("failed")
    lp.assert_readable(f'{PANEL} li[data-name="cannot-pull"] .jp-RunaiRow-reason')


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"extension": False}, "server extension is missing or disabled"),
        ({"runai_url": None}, "not configured"),
    ],
    ids=["disabled", "not-configured"],
)
def test_the_sidebar_says_when_the_server_extension_is_disabled_or_not_configured(
    open_lab, lab_factory, options, says
):
    other = lab_factory(**options)
    lp = open_lab(1024, "light", on=other)
    lp.page.locator(TAB).click()
    panel = lp.page.locator(PANEL)
    problem = panel.locator(".jp-RunaiSidebar-problem")
    expect(problem).to_contain_text(says)
    # said once: no stream retrying what a reconnect cannot fix, no list "loading" for ever, and
    # nothing to create until it is fixed
    expect(panel).to_have_attribute("data-blocked", "true")
    expect(panel.locator(".jp-RunaiSidebar-stream")).to_be_hidden()
    expect(panel.locator(".jp-RunaiSidebar-list")).to_be_hidden()
    expect(panel.locator(".jp-RunaiSidebar-new")).to_be_disabled()
    lp.screenshot(says.split()[-1])
    lp.assert_readable(f"{PANEL} .jp-RunaiSidebar-problem")


def test_the_panel_reconnects_after_the_simulator_stops_answering(lab, open_lab, ui_sim):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    create(lab, "before-outage")
    expect(row(panel, "before-outage")).to_be_visible()
    set_faults(ui_sim, error_rate=1, error_status=503)
    expect(panel).to_have_attribute("data-stream", "upstream-error")
    state = panel.locator(".jp-RunaiSidebar-stream")
    expect(state).to_have_text(  # in the user's words: the HTTP report stays in the log
        "Run:ai is not answering right now: this shows what it said last, and reconnects."
    )
    lp.screenshot("outage")
    set_faults(ui_sim, error_rate=0)
    expect(panel).to_have_attribute("data-stream", "live")
    expect(state).to_have_text("")
    create(lab, "after-outage")
    expect(row(panel, "after-outage")).to_be_visible()
    expect(row(panel, "before-outage")).to_be_visible()


def test_the_sidebar_is_readable_in_the_dark_theme(lab, open_lab, ui_sim):
    set_clock(ui_sim, frozen=True)
    create(lab, "dark-pending", gpu=1)
    lp = open_lab(1024, "dark")
    panel = open_sidebar(lp)
    ws = row(panel, "dark-pending")
    expect(ws).to_be_visible()
    for selector in (".jp-RunaiRow-name", ".jp-RunaiChip", ".jp-RunaiRow-project"):
        lp.assert_readable(f'{PANEL} li[data-name="dark-pending"] {selector}')
    lp.assert_readable(f"{PANEL} .jp-RunaiSidebar-title")
    lp.assert_readable(f"{PANEL} .jp-RunaiSidebar-badge")
    for width in WIDTHS:
        lp.resize(width)
        lp.screenshot()


def set_settings(lab, **values) -> None:
    """The sidebar's settings, through the settings API (as Settings > Run:ai does)."""
    answer = lab.http.put("lab/api/settings/jupyter-runai:plugin", json={"raw": json.dumps(values)})
    assert answer.status_code == 204, answer.text


@pytest.fixture
def sidebar_settings(lab):
    """Set the sidebar's settings for one test; back to the defaults after it."""
    yield lambda **values: set_settings(lab, **values)
    set_settings(lab)


def test_the_commands_open_the_sidebar_and_the_dialog(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = lp.page.locator(PANEL)
    expect(panel).to_be_hidden()  # openOnStartup is off by default
    lp.command("jupyter-runai:open")
    expect(panel).to_be_visible()
    lp.command("jupyter-runai:refresh")
    expect(panel).to_have_attribute("data-stream", "live")
    # not awaited: the command's promise ends when the dialog closes
    lp.run(
        lambda page: page.evaluate(
            "() => { window.jupyterapp.commands.execute('jupyter-runai:new-workspace'); }"
        )
    )
    expect(lp.page.locator(".jp-RunaiCreateDialog")).to_be_visible()
    lp.page.keyboard.press("Escape")
    labels = lp.run(
        lambda page: page.evaluate(
            "() => ['jupyter-runai:open', 'jupyter-runai:new-workspace', 'jupyter-runai:refresh']"
            ".map(id => window.jupyterapp.commands.label(id))"
        )
    )
    assert labels == [
        "Run:ai: Show Workspaces",
        "Run:ai: New Workspace…",
        "Run:ai: Refresh Workspaces",
    ]


def test_settings_open_on_startup_turn_notifications_off_and_set_the_project(
    lab, open_lab, ui_sim, sidebar_settings
):
    sidebar_settings(openOnStartup=True, notifications=False, defaultProject="team-b")
    lp = open_lab(1024, "light")
    panel = lp.page.locator(PANEL)
    expect(panel).to_be_visible()  # no click: open on startup
    expect(panel).to_have_attribute("data-stream", "live")
    create(lab, "quiet")
    expect(row(panel, "quiet").locator(".jp-RunaiChip")).to_have_text("Running")
    create(lab, "quiet-2")  # by the time its row shows, a notification for "quiet" would have
    expect(row(panel, "quiet-2").locator(".jp-RunaiChip")).to_have_text("Running")
    expect(lp.page.get_by_text("quiet (team-a) is Running.")).to_have_count(0)
    panel.locator(".jp-RunaiSidebar-new").click()  # the dialog proposes the default project
    expect(lp.page.locator('.jp-RunaiCreateDialog select[name="project"]')).to_have_value("team-b")


def test_a_row_inserts_its_python_call_into_the_active_notebook(lab, open_lab, notebook):
    create(lab, "copied", gpu=1, cpu=1.5, memory="8G", env={"FOO": "bar"})
    lp = open_lab(1024, "light", notebook=notebook("1 + 1"))
    panel = open_sidebar(lp)
    row(panel, "copied").locator("select.jp-RunaiCopy").select_option("insert")
    cell = lp.page.locator(".jp-Notebook .jp-Cell").nth(1)
    # everything it was created with, as the live list (Run:ai's workloads) tells it, under a
    # name its project does not have yet (the copy would otherwise be a certain 409)
    expect(cell).to_contain_text(
        'ws = jupyter_runai.create("copied-2", project="team-a", image="busybox", gpu=1, cpu=1.5, '
        'memory="8G", env={"FOO": "bar"})'
    )


def test_an_action_run_ai_refuses_is_a_notification_in_the_users_words(lab, open_lab, ui_sim):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    create(lab, "refused")
    ws = row(panel, "refused")
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Running")
    set_faults(
        ui_sim,
        error_rate=1,
        error_status=403,
        match="POST /api/v1/workloads/workspaces/{workloadId}/suspend",
        times=1,
    )
    ws.locator('button[data-action="suspend"]').click()
    refused = "Suspend refused: Run:ai does not allow it."
    expect(lp.page.locator(".jp-toast-message", has_text=refused)).to_be_visible()
    expect(ws.locator(".jp-RunaiRow-note")).to_have_text(refused)  # and on its row
    expect(lp.page.get_by_text("HTTP 403")).to_have_count(0)  # the HTTP report is in the log
    lp.screenshot("action-error")
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Running")
    # an outage of that route: what a row's action says while Run:ai does not answer it
    set_faults(
        ui_sim,
        error_rate=1,
        error_status=503,
        match="POST /api/v1/workloads/workspaces/{workloadId}/suspend",
        times=None,
    )
    ws.locator('button[data-action="suspend"]').click()
    outage = "Suspend failed: Run:ai is not answering right now; try again in a moment."
    expect(lp.page.locator(".jp-toast-message", has_text=outage)).to_be_visible()
    expect(ws.locator(".jp-RunaiRow-note")).to_have_text(outage)


def test_the_sidebar_and_the_panel_work_in_notebook_7(ui_sim, chromium, tmp_path):
    """Notebook 7 has no layout restorer or palette of JupyterLab's: the sidebar needs only
    optional tokens, and its command opens it beside a notebook; the notebook panel renders
    there too (anywidget), and the page logs no error."""
    from browser import Lab

    class Notebook7(Lab):
        """browser.Lab, running ``python -m notebook`` instead of jupyterlab."""

        def __init__(self, *args, **kwargs):
            real = subprocess.Popen

            def popen(command, **options):
                command = [("notebook" if part == "jupyterlab" else part) for part in command]
                command.append("--JupyterNotebookApp.expose_app_in_browser=True")
                return real(command, **options)

            subprocess.Popen = popen
            try:
                super().__init__(*args, **kwargs)
            finally:
                subprocess.Popen = real

    reset(ui_sim)
    nb7 = Notebook7(tmp_path, ui_sim.url)
    try:
        create(nb7, "in-notebook-7")
        nb7.notebook("panel.ipynb", ["import jupyter_runai as runai", "runai.panel()"])
        errors: list[str] = []

        def open_sidebar_and_panel(page):
            page.on(
                "console",
                lambda m: m.type == "error" and errors.append(m.text),
            )
            page.on("pageerror", lambda e: errors.append(f"{e} {e.stack}"))
            page.goto(nb7.page_url("notebooks/panel.ipynb"))
            page.wait_for_function(
                "() => window.jupyterapp?.commands.hasCommand('jupyter-runai:open')"
            )
            page.evaluate("() => window.jupyterapp.commands.execute('jupyter-runai:open')")
            page.locator(f'{PANEL} li[data-name="in-notebook-7"]').wait_for()
            page.wait_for_function(
                "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel"
            )
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.locator('.jp-RunaiPanel li[data-name="in-notebook-7"]').wait_for(timeout=60_000)

        context = chromium.call(
            chromium.browser.new_context, viewport={"width": 1024, "height": 900}
        )
        try:
            page = chromium.call(context.new_page)
            chromium.call(open_sidebar_and_panel, page)
        finally:
            chromium.call(context.close)
        # Notebook 7.6 itself logs "Cannot read properties of undefined (reading 'schema')" from
        # its keyboard-shortcuts plugin, with every extension disabled; nothing may come from
        # the sidebar's bundle or the panel's (anywidget loads it from a blob: URL)
        ours = [e for e in errors if "jupyter-runai" in e or "blob:" in e or "anywidget" in e]
        assert ours == [], "\n".join(ours)
        assert all("notebook_core" in e for e in errors), "\n".join(errors)
    finally:
        nb7.stop()


def test_a_pending_workspace_says_why_and_is_told_past_the_threshold(
    lab, open_lab, sidebar_settings
):
    sidebar_settings(pendingThreshold=0)
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    create(lab, "hog", gpu=4)  # team-a's whole quota
    expect(row(panel, "hog").locator(".jp-RunaiChip")).to_have_text("Running")
    create(lab, "waiter", gpu=1)
    waiter = row(panel, "waiter")
    expect(waiter.locator(".jp-RunaiChip")).to_have_text("Pending")
    reason = waiter.locator(".jp-RunaiRow-reason")
    expect(reason).to_contain_text("over quota")
    expect(waiter.locator(".jp-RunaiSpinner")).to_have_count(0)  # it waits: nothing spins
    expect(lp.page.get_by_text("waiter (team-a) has been Pending for")).to_be_visible()
    lp.screenshot("pending")
    lp.assert_readable(f'{PANEL} li[data-name="waiter"] .jp-RunaiRow-reason')


def test_the_dialog_copies_the_same_create_as_a_runai_command(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    lp.run(
        lambda page: page.evaluate(
            "() => { window.__copied = []; window.addEventListener('copy', e => "
            "window.__copied.push(e.clipboardData.getData('text'))); }"
        )
    )
    panel.locator(".jp-RunaiSidebar-new").click()
    dialog = lp.page.locator(".jp-RunaiCreateDialog")
    dialog.locator('input[name="name"]').fill("copy-me")
    dialog.locator('input[name="gpu"]').fill("0.5")
    dialog.locator('textarea[name="env"]').fill("MODE=fast lane")
    dialog.get_by_role("button", name="Copy as runai CLI").click()
    dialog.get_by_role("button", name="Copy as Python").click()
    copied = lp.run(
        lambda page: page.wait_for_function(
            "() => window.__copied.length === 2 && window.__copied"
        ).json_value()
    )
    assert copied == [  # with the Jupyter tool the Tools field offers for a Jupyter image
        "# in a terminal, with the Run:ai CLI v2 (after runai login):\n"
        "runai workspace submit copy-me -p team-a -i jupyter/scipy-notebook "
        "--gpu-portion-request 0.5 --cpu-core-request 1 --external-url container=8888 "
        "-e 'MODE=fast lane'",
        'import jupyter_runai\n\nws = jupyter_runai.create("copy-me", project="team-a", '
        'image="jupyter/scipy-notebook", gpu=0.5, cpu=1, tools=["jupyter:8888"], '
        'env={"MODE": "fast lane"})',
    ]
    assert listed(lab) == []  # copying creates nothing
