"""The panel in JupyterLab in real Chromium, used as a person would: typing, clicking,
double-clicking, pressing Enter; at 700, 1024 and 1400 px and in both themes (screenshots in
test-artifacts/screenshots/)."""

from __future__ import annotations

from browser import THEMES, WIDTHS, expect
from harness import set_faults, wait_until

PANEL = ("import jupyter_runai as runai", "runai.panel()")


def panel_of(lp):
    return lp.page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")


def names(lab) -> list[str]:
    return [w["name"] for w in lab.http.get("runai/api/workspaces").json()["workspaces"]]


def create(lab, name: str, **extra) -> None:
    body = {"name": name, "project": "team-a", "image": "busybox", **extra}
    answer = lab.http.post("runai/api/workspaces", json=body)
    assert answer.status_code == 202, answer.text


def test_double_clicking_create_makes_one_workspace_and_says_created(lab, open_lab, notebook):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    create_button = panel.locator("button", has_text="Create")
    expect(create_button).to_be_disabled()  # nothing typed yet
    panel.locator(".runai-field-name input").fill("ui-twice")
    expect(create_button).to_be_enabled()
    create_button.dblclick()
    expect(panel.get_by_text("Created ui-twice in team-a.")).to_be_visible()
    expect(panel.locator(".runai-name", has_text="ui-twice")).to_be_visible()  # its row
    expect(create_button).to_be_disabled()  # nothing new to create until an edit
    lp.screenshot("created")
    assert names(lab).count("ui-twice") == 1
    assert "409" not in panel.inner_text() and "HTTP" not in panel.inner_text()


def test_enter_in_name_creates(lab, open_lab, notebook):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    name = panel.locator(".runai-field-name input")
    table_top = panel.get_by_text("No workspaces yet.").bounding_box()["y"]
    create_button = panel.locator("button", has_text="Create")
    name.press_sequentially("u")  # the first keystroke: Create comes on, nothing moves
    expect(create_button).to_be_enabled()
    assert panel.get_by_text("No workspaces yet.").bounding_box()["y"] == table_top
    name.fill("ui-enter")
    name.press("Enter")
    expect(panel.get_by_text("Created ui-enter in team-a.")).to_be_visible()
    assert names(lab) == ["ui-enter"]


def test_a_bad_name_and_one_and_a_half_gpus_are_refused_next_to_their_fields(
    lab, open_lab, notebook
):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    name = panel.locator(".runai-field-name input")
    gpus = panel.locator(".runai-field-gpu input")
    create_button = panel.locator("button", has_text="Create")
    name.fill("Bad_Name")
    expect(panel.get_by_text("is not a valid workspace name")).to_be_visible()
    expect(create_button).to_be_disabled()
    gpus.fill("1.5")  # checked as you type: no need to leave the field
    expect(panel.get_by_text("above 1, GPUs are whole devices (a portion is < 1)")).to_be_visible()
    expect(gpus).to_be_focused()
    expect(gpus).to_have_value("1.5")  # as typed, never rounded to 1
    red = lp.run(
        lambda page: page.evaluate(
            "() => getComputedStyle(document.querySelector('.runai-field-gpu input')).borderColor"
        )
    )
    assert red in ("rgb(183, 28, 28)",), red  # the field itself is marked, not only the text
    lp.screenshot("refused")
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        lp.assert_readable(lambda page: page.get_by_text("GPUs are whole devices"))
        lp.assert_readable(lambda page: page.get_by_text("is not a valid workspace name"))
    lp.screenshot("refused")
    gpus.fill("-1")  # refused as typed, never clamped to 0 unseen
    expect(panel.get_by_text("must be >= 0")).to_be_visible()
    expect(gpus).to_have_value("-1")
    name.fill("good-name")
    gpus.fill("0.5")
    expect(create_button).to_be_enabled()
    assert names(lab) == []


def test_suspend_resume_and_delete_from_the_rows(lab, open_lab, notebook):
    create(lab, "ui-ops")
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    phase = panel.locator(".runai-box", has_text="ui-ops").locator(".runai-phase")
    expect(phase).to_have_text("Running")
    panel.locator('button[title="Suspend ui-ops"]').click()
    expect(phase).to_have_text("Stopped")
    expect(panel.locator('button[title="Suspend ui-ops"]')).to_have_count(0)
    panel.locator('button[title="Resume ui-ops"]').click()
    expect(phase).to_have_text("Running")
    panel.locator('button[title="Delete ui-ops"]').click()
    expect(panel.get_by_text("Delete ui-ops? Its definition goes too")).to_be_visible()
    lp.screenshot("asking")
    panel.locator("button", has_text="Yes, delete").click()
    expect(panel.locator(".runai-name", has_text="ui-ops")).to_have_count(0)
    wait_until(lambda: "ui-ops" not in names(lab), 30, "ui-ops to be gone")


def test_the_table_reads_well_from_700_px_in_both_themes(lab, open_lab, notebook, ui_sim):
    long_name = "a-rather-long-workspace-name-for-a-view"  # 39 characters
    create(lab, long_name, gpu=0.5)
    set_faults(ui_sim, unpullable_images=["no/such:image"])
    create(lab, "cannot-pull", image="no/such:image")  # fails, and says why as an error
    body = {
        "name": "with-jupyter",
        "project": "team-b",
        "image": "jupyter/scipy-notebook",
        "tools": [{"port": 8888, "type": "jupyter-notebook", "name": "jupyter"}],
    }
    assert lab.http.post("runai/api/workspaces", json=body).status_code == 202
    create(lab, "stopped-one")
    for name in ("holder", "waiter"):  # the second waits for GPUs, and says why in a note
        body = {"name": name, "project": "team-b", "image": "busybox", "gpu": 6}
        assert lab.http.post("runai/api/workspaces", json=body).status_code == 202
    lp = open_lab(WIDTHS[0], "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    note = panel.locator(".runai-box", has_text="waiter").locator(".runai-note")
    expect(note).to_contain_text("over quota")
    link = panel.get_by_role("link", name="jupyter:8888")
    expect(link).to_be_visible()
    panel.locator('button[title="Suspend stopped-one"]').click()
    row = panel.locator(".runai-box", has_text="stopped-one")
    expect(row.locator(".runai-phase")).to_have_text("Stopped")
    failed = panel.locator(".runai-box", has_text="cannot-pull")
    expect(failed.locator(".runai-note.runai-bad")).to_contain_text("ImagePullBackOff")
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        link_colour = {"light": "rgb(11, 79, 168)", "dark": "rgb(138, 180, 248)"}[theme]
        expect(link).to_have_css("color", link_colour)  # the theme's palette has applied
        for width in WIDTHS:
            lp.resize(width)
            expect(link).to_be_visible()
            clipped = lp.run(
                lambda page: page.evaluate(
                    """() => [...document.querySelectorAll('.jp-OutputArea-output button')]
                        .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1)
                        .map(b => b.textContent)"""
                )
            )
            assert clipped == [], f"buttons cut short at {width} px: {clipped}"
            overflow = lp.run(
                lambda page: page.evaluate(
                    """() => [...document.querySelectorAll('.runai-cells > span')]
                        .filter(s => !s.classList.contains('runai-name')
                                     && s.offsetParent && s.scrollWidth > s.clientWidth + 1)
                        .map(s => s.textContent)"""
                )
            )
            assert overflow == [], f"cells clipped at {width} px: {overflow}"
            name_cell = panel.locator(".runai-name", has_text=long_name[:12])
            assert name_cell.get_attribute("title") == f"team-a/{long_name}"  # whole name
            lp.assert_readable(lambda page: page.locator(".runai-phase").first)
            lp.assert_readable(lambda page: page.get_by_role("link", name="jupyter:8888"))
            lp.assert_readable(lambda page: page.locator(".runai-box .runai-phase").last)
            lp.assert_readable(lambda page: page.locator(".runai-note").first)
            lp.assert_readable(lambda page: page.locator(".runai-phase", has_text="Stopped"))
            lp.assert_readable(lambda page: page.locator(".runai-phase", has_text="Failed"))
            lp.assert_readable(lambda page: page.locator(".runai-note.runai-bad"))
            lp.screenshot()
            lp.screenshot("panel", element=panel)
