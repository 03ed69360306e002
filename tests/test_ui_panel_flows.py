"""The notebook panel (``runai.panel()``) in JupyterLab in real Chromium, used as a person would:
typing, clicking, double-clicking, pressing Enter; at 700, 1024 and 1400 px and in both themes
(screenshots in test-artifacts/screenshots/). Its front end is the sidebar's components."""

from __future__ import annotations

from browser import THEMES, WIDTHS, expect
from harness import set_faults, wait_until

PANEL = ("import jupyter_runai as runai", "runai.panel()")


def panel_of(lp):
    return lp.page.locator(".jp-Cell").nth(1).locator(".jp-RunaiPanel")


def names(lab) -> list[str]:
    return [w["name"] for w in lab.http.get("runai/api/workspaces").json()["workspaces"]]


def create(lab, name: str, **extra) -> None:
    body = {"name": name, "project": "team-a", "image": "busybox", **extra}
    answer = lab.http.post("runai/api/workspaces", json=body)
    assert answer.status_code == 202, answer.text


def field(panel, name: str):
    return panel.locator(f'.jp-RunaiForm [name="{name}"]')


def error_of(panel, name: str):
    return panel.locator(f'.jp-RunaiForm-error[data-field="{name}"]')


def test_double_clicking_create_makes_one_workspace_and_says_created(lab, open_lab, notebook):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    create_button = panel.locator("button.jp-RunaiForm-create")
    expect(create_button).to_be_disabled()  # nothing typed yet, and it says so
    expect(create_button).to_have_attribute("title", "A name is required.")
    field(panel, "name").fill("ui-twice")
    field(panel, "image").fill("busybox")
    expect(create_button).to_be_enabled()
    create_button.dblclick()
    expect(panel.get_by_text("Created ui-twice in team-a.")).to_be_visible()
    expect(panel.locator('.jp-RunaiRow[data-name="ui-twice"]')).to_be_visible()  # its row
    expect(create_button).to_be_disabled()  # nothing new to create until an edit
    lp.screenshot("created")
    assert names(lab).count("ui-twice") == 1
    field(panel, "name").fill("ui-twice-2")  # an edit: the result line no longer applies
    expect(panel.get_by_text("Created ui-twice in team-a.")).to_have_count(0)
    expect(create_button).to_be_enabled()
    assert "409" not in panel.inner_text() and "HTTP" not in panel.inner_text()


def test_enter_in_name_creates_with_one_gpu_by_default(lab, open_lab, notebook):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    expect(field(panel, "gpu")).to_have_value("1")  # a tool for GPU workspaces
    name = field(panel, "name")
    name.fill("ui-enter")
    name.press("Enter")
    expect(panel.get_by_text("Created ui-enter in team-a.")).to_be_visible()
    assert names(lab) == ["ui-enter"]
    made = lab.http.get("runai/api/workspaces").json()["workspaces"][0]
    assert made["gpu"]["requested"] == 1


def test_every_error_shows_at_once_beside_its_field_and_create_says_why_not(
    lab, open_lab, notebook
):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    create_button = panel.locator("button.jp-RunaiForm-create")
    field(panel, "name").fill("Bad_Name")
    field(panel, "gpu").fill("1.5")  # checked as you type: no need to leave the field
    expect(error_of(panel, "gpu")).to_have_text(
        "above 1, GPUs are whole devices (a portion is < 1)"
    )
    expect(field(panel, "gpu")).to_be_focused()
    field(panel, "memory").fill("lots")
    expect(error_of(panel, "name")).to_contain_text("is not a valid workspace name")
    expect(error_of(panel, "memory")).to_contain_text("is not CPU memory")
    expect(field(panel, "gpu")).to_have_value("1.5")  # as typed, never rounded to 1
    for name in ("name", "gpu", "memory"):  # marked for sight and for screen readers
        expect(field(panel, name)).to_have_attribute("aria-invalid", "true")
        described = field(panel, name).get_attribute("aria-describedby")
        expect(panel.locator(f"#{described}")).to_have_text(error_of(panel, name).inner_text())
    expect(create_button).to_be_disabled()
    expect(create_button).to_have_attribute("title", "Fix Name, GPUs, Memory first.")
    create_button.click(force=True)  # a click on a disabled button changes nothing
    expect(error_of(panel, "gpu")).to_be_visible()  # all of them still there after Create
    expect(error_of(panel, "memory")).to_be_visible()
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        lp.assert_readable(lambda page: page.locator('.jp-RunaiForm-error[data-field="gpu"]'))
        lp.assert_readable(lambda page: page.locator('.jp-RunaiForm-error[data-field="name"]'))
        lp.screenshot("refused")
    field(panel, "gpu").fill("-1")  # refused as typed, never clamped to 0 unseen
    expect(error_of(panel, "gpu")).to_have_text("must be >= 0")
    field(panel, "name").fill("good-name")
    field(panel, "gpu").fill("0.5")
    field(panel, "memory").fill("8G")
    expect(field(panel, "name")).to_have_attribute("aria-invalid", "false")
    expect(create_button).to_be_enabled()
    assert names(lab) == []


def test_a_quota_refusal_shows_beside_gpus_in_plain_words(lab, open_lab, notebook):
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    field(panel, "name").fill("too-big")
    field(panel, "gpu").fill("5")  # team-a's quota is 4 GPUs: Run:ai refuses it
    panel.locator("button.jp-RunaiForm-create").click()
    expect(error_of(panel, "gpu")).to_contain_text("4")
    expect(panel.get_by_text("Not created: see the marked fields.")).to_be_visible()
    text = panel.inner_text()
    assert "HTTP" not in text and "/api/" not in text and "POST" not in text
    field(panel, "gpu").fill("1")  # the refusal was about what it was: it goes
    expect(error_of(panel, "gpu")).to_have_text("")


def test_suspend_resume_and_delete_from_the_rows(lab, open_lab, notebook):
    create(lab, "ui-ops")
    lp = open_lab(1024, "light", notebook=notebook(*PANEL))
    panel = panel_of(lp)
    row = panel.locator('.jp-RunaiRow[data-name="ui-ops"]')
    chip = row.locator(".jp-RunaiChip")
    expect(chip).to_have_text("Running")
    row.locator('button[data-action="suspend"]').click()
    expect(chip).to_have_text("Stopped")
    expect(row.locator('button[data-action="suspend"]')).to_be_disabled()
    row.locator('button[data-action="resume"]').click()
    expect(chip).to_have_text("Running")
    row.locator('button[data-action="delete"]').click()
    expect(row.locator(".jp-RunaiRow-confirm")).to_contain_text(
        "Delete ui-ops in project team-a? Its container and everything stored in it"
    )
    lp.screenshot("asking")
    row.locator(".jp-RunaiRow-confirm button", has_text="Delete").click()
    expect(panel.locator('.jp-RunaiRow[data-name="ui-ops"]')).to_have_count(0)
    wait_until(lambda: "ui-ops" not in names(lab), 30, "ui-ops to be gone")


def test_the_list_reads_well_from_700_px_in_both_themes(lab, open_lab, notebook, ui_sim):
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
    waiter = panel.locator('.jp-RunaiRow[data-name="waiter"]')
    expect(waiter.locator(".jp-RunaiRow-reason")).to_contain_text("over quota")
    link = panel.locator(".jp-RunaiRow-link", has_text="jupyter:8888 (simulated)")
    expect(link).to_be_visible()  # a simulator's tool: named, said to be simulated, not a link
    stopped = panel.locator('.jp-RunaiRow[data-name="stopped-one"]')
    stopped.locator('button[data-action="suspend"]').click()
    expect(stopped.locator(".jp-RunaiChip")).to_have_text("Stopped")
    failed = panel.locator('.jp-RunaiRow[data-name="cannot-pull"]')
    expect(failed.locator(".jp-RunaiRow-reason.jp-mod-error")).to_contain_text("ImagePullBackOff")
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        for width in WIDTHS:
            lp.resize(width)
            expect(link).to_be_visible()
            clipped = lp.run(
                lambda page: page.evaluate(
                    """() => [...document.querySelectorAll('.jp-RunaiPanel button')]
                        .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1)
                        .map(b => b.textContent)"""
                )
            )
            assert clipped == [], f"buttons cut short at {width} px: {clipped}"
            overflow = lp.run(
                lambda page: page.evaluate(
                    """() => [...document.querySelectorAll(
                          '.jp-RunaiPanel .jp-RunaiRow-meta > span, .jp-RunaiPanel .jp-RunaiChip')]
                        .filter(s => s.offsetParent && s.scrollWidth > s.clientWidth + 1)
                        .map(s => s.textContent)"""
                )
            )
            assert overflow == [], f"numbers or phases clipped at {width} px: {overflow}"
            projects = panel.locator(".jp-RunaiRow-project")
            assert {projects.nth(i).inner_text() for i in range(projects.count())} == {
                "team-a",
                "team-b",
            }  # the column that tells rows apart is there at every width
            lp.assert_readable(lambda page: page.locator(".jp-RunaiPanel .jp-RunaiChip").first)
            lp.assert_readable(lambda page: page.locator(".jp-RunaiPanel .jp-RunaiRow-link").first)
            lp.assert_readable(
                lambda page: page.locator(".jp-RunaiPanel .jp-RunaiRow-reason").first
            )
            lp.assert_readable(
                lambda page: page.locator(".jp-RunaiPanel .jp-RunaiChip", has_text="Stopped")
            )
            lp.assert_readable(
                lambda page: page.locator(".jp-RunaiPanel .jp-RunaiChip", has_text="Failed")
            )
            lp.screenshot()
            lp.screenshot("panel", element=panel)
