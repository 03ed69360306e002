"""The notebook experience in real kernels started by a live Jupyter server: the Python API and
the %runai magics, talking to the server extension (never to Run:ai with a secret)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import httpx
import pytest
from harness import reset, set_clock, set_faults, sim_names, sim_workspaces, wait_until
from live import LiveServer


@pytest.fixture(autouse=True)
def fresh_sim(request):
    """Each test starts from the seed: the module's simulator is shared."""
    if "live_sim" in request.fixturenames or "live" in request.fixturenames:
        reset(request.getfixturevalue("live_sim"))


def test_kernel_reaches_the_extension_without_a_secret(kernel, live):
    env = kernel.value("dict(__import__('os').environ)")
    assert env["JUPYTER_RUNAI_URL"] == f"{live.url}runai/api/"
    assert env["JUPYTER_RUNAI_TOKEN"]
    assert not any(k in env for k in ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"))
    assert "sim-secret" not in json.dumps(env)
    status = kernel.value("__import__('jupyter_runai').status()")
    assert status["simulated"] is True and status["credentials_accepted"] is True
    assert status["default_project"] == "team-a"
    assert (
        "via the Jupyter server"
        in kernel.ok("import jupyter_runai as runai; print(runai.connect())").stdout
    )


def test_kernel_token_opens_only_the_runai_api(kernel, live):
    token = kernel.value("__import__('os').environ['JUPYTER_RUNAI_TOKEN']")
    headers = {"Authorization": f"token {token}"}
    assert httpx.get(f"{live.url}runai/api/projects", headers=headers).status_code == 200
    assert httpx.get(f"{live.url}api/contents", headers=headers).status_code == 403
    assert httpx.get(f"{live.url}api/kernels", headers=headers).status_code == 403


def test_terminals_do_not_get_the_kernel_token(live):
    """The token is for kernels; a terminal of the same server has no use for it."""
    from pathlib import Path

    before = set(children(live.process.pid))
    created = live.http.post("api/terminals")
    assert created.status_code == 200, created.text
    try:
        new = wait_until(lambda: set(children(live.process.pid)) - before, 30, "a terminal")
        for pid in new:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            names = {item.split(b"=", 1)[0].decode() for item in environ if b"=" in item}
            assert "JUPYTER_SERVER_ROOT" in names  # it is the terminal's environment
            assert not names & {"JUPYTER_RUNAI_TOKEN", "JUPYTER_RUNAI_URL"}
    finally:
        live.http.delete(f"api/terminals/{created.json()['name']}")


def children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_python_api(kernel, live_sim):
    out = kernel.ok(
        "import jupyter_runai as runai\n"
        "ws = runai.create('api-nb', image='jupyter/scipy-notebook', gpu=1, cpu=2, memory='4G',\n"
        "                  env={'MODE': 'dev'}, tools=[8888])\n"
        "print(ws.project, ws.phase)\n"
        "ws.wait('Running', timeout=30)\n"
        "print(ws.phase, ws.gpu, ws.gpu_requested, len(ws.urls), ws.age.total_seconds() >= 0)\n"
        "ws"
    )
    lines = out.stdout.splitlines()
    assert lines[0] in ("team-a Creating", "team-a Pending")
    assert lines[-1] == "Running 1.0 1.0 1 True"
    assert "api-nb" in out.html() and "Running" in out.html()  # the progress line and the repr
    assert "api-nb: Running, waited" in out.text()  # plain-text frontends see the line too
    assert "api-nb" in sim_names(live_sim)
    table = kernel.ok("runai.workspaces('team-a')")
    assert "<table>" in table.html() and "api-nb" in table.html()
    frame = kernel.value(
        "runai.workspaces('team-a').to_dataframe()[['name','phase','gpu']].values.tolist()"
    )
    assert ["api-nb", "Running", 1.0] in frame
    # in-between phases are read with the simulator's clock stopped: a busy machine can miss them
    set_clock(live_sim, frozen=True)
    assert kernel.value("ws.suspend().phase") == "Stopping"
    set_clock(live_sim, frozen=False)
    kernel.ok("ws.wait('Stopped', timeout=30, progress=False)")
    assert kernel.value("ws.gpu") == 0
    set_clock(live_sim, frozen=True)
    assert kernel.value("ws.resume().phase") == "Resuming"
    assert kernel.value("runai.workspace('api-nb').id == ws.id") is True
    assert kernel.value("ws.delete().phase") == "Deleting"


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("runai.create('Bad_Name', image='x')", "name: 'Bad_Name' is not a valid workspace name"),
        ("runai.create('ok-name', project='team-z', image='x')", "team-z"),
        ("runai.create('ok-name', image='')", "image: required"),
        ("runai.create('ok-name', image='x', gpu=9)", "Run:ai refused the request (gpu: "),
        ("runai.workspace('no-such-thing')", "no workspace named 'no-such-thing'"),
    ],
)
def test_api_errors_are_one_clear_sentence(kernel, live_sim, code, sentence):
    before = sim_names(live_sim)
    out = kernel.run(f"import jupyter_runai as runai\n{code}")
    assert out.error is not None
    last = out.error.splitlines()[-1]
    assert sentence in last
    assert "Traceback" not in out.error  # one sentence, not a traceback through the library
    assert "HTTP" not in out.error and "/api/" not in out.error
    assert sim_names(live_sim) == before


def test_api_exceptions_keep_run_ais_report_in_their_details(kernel, live_sim):
    kernel.ok("import jupyter_runai as runai\nrunai.create('twice', image='busybox')")
    out = kernel.run("runai.create('twice', image='busybox')")
    assert out.error == (
        "RunaiConflict: team-a already has a workspace named twice: choose another name."
    )
    kernel.ok(
        "try:\n"
        "    runai.create('twice', image='busybox')\n"
        "except runai.RunaiError as exc:\n"
        "    caught = exc"
    )
    assert "409" in kernel.value("caught.details")  # Run:ai's own report, for whoever needs it


def test_wait_says_why_a_workspace_failed(kernel, live_sim):
    set_faults(live_sim, unpullable_images=["no/such:image"])
    out = kernel.run(
        "import jupyter_runai as runai\n"
        "runai.create('wont-pull', image='no/such:image').wait(progress=False)"
    )
    last = out.error.splitlines()[-1]
    assert "wont-pull is Failed, not Running: ImagePullBackOff" in last
    assert 'pulling image "no/such:image"' in last


def test_workspace_list_prints_as_a_table(kernel, live_sim):
    """What a terminal frontend (jupyter console, nbconvert --to text) shows: a table with a
    header row and aligned columns, as `runai workspace list` prints it; not a list repr."""
    kernel.ok(
        "import jupyter_runai as runai\n"
        "half = runai.create('tbl-half', image='jupyter/scipy-notebook', gpu=0.5, tools=[8888])\n"
        "half.wait(timeout=30, progress=False)\n"
        "runai.create('tbl-cpu', project='team-b', image='busybox')"
    )
    for out in (
        kernel.ok("runai.workspaces()").text(),
        kernel.ok("print(runai.workspaces())").stdout,
    ):
        lines = out.rstrip("\n").splitlines()
        assert "<Workspace" not in out and not out.startswith("[")
        assert lines[0].split() == [
            "NAME",
            "PROJECT",
            "STATUS",
            "GPU",
            "(ALLOC/REQ)",
            "AGE",
            "TOOLS",
            "IMAGE",
        ]
        [half] = [line for line in lines if line.startswith("tbl-half ")]
        assert half.split()[:4] == ["tbl-half", "team-a", "Running", "0.5/0.5"]
        assert half.split()[-2:] == ["1", "jupyter/scipy-notebook"]
        [cpu] = [line for line in lines if line.startswith("tbl-cpu ")]
        assert cpu.split()[1] == "team-b"
        # aligned: every column starts where its header does
        for header in ("PROJECT", "STATUS", "AGE", "IMAGE"):
            column = lines[0].index(header)
            assert all(line[column - 2 : column] == "  " for line in lines[1:]), (header, out)
    assert "<table>" in kernel.ok("runai.workspaces()").html()  # notebooks keep the HTML table
    assert kernel.ok("print(runai.WorkspaceList())").stdout == "No workspaces.\n"


def test_status_and_projects_show_as_a_sentence_and_a_table(kernel, live_sim):
    shown = kernel.ok(
        "import jupyter_runai as runai\nruntime_status = runai.status()\nruntime_status"
    )
    [data] = shown.data
    sentence = data["text/plain"]
    assert sentence == (
        "Run:ai via the Jupyter server: simulated control plane, credentials accepted, "
        "default project team-a"
    )
    assert data["text/html"] == f"<p>{sentence}</p>"
    assert kernel.value("runtime_status['simulated']") is True  # still the status answer
    [projects] = kernel.ok("runai.projects()").data
    lines = projects["text/plain"].splitlines()
    assert lines[0].split() == ["NAME", "GPU", "QUOTA", "GPUS", "ALLOCATED", "ID"]
    assert [line.split()[:2] for line in lines[1:]] == [["team-a", "4"], ["team-b", "8"]]
    assert "<th style='text-align:left'>GPU QUOTA</th>" in projects["text/html"]
    assert kernel.value("[p['name'] for p in runai.projects()]") == ["team-a", "team-b"]


def test_repr_shows_the_gpus_requested(kernel, live_sim):
    out = kernel.ok(
        "import jupyter_runai as runai\n"
        "ws = runai.create('frac-gpu', image='busybox', gpu=0.5)\n"
        "print(repr(ws))\n"
        "print(repr(ws.wait(timeout=30, progress=False)))"
    )
    creating, running = out.stdout.splitlines()
    assert "gpu=0.5 (0 allocated)" in creating
    assert "gpu=0.5 id=" in running


def test_describe_lists_the_tools(kernel, live_sim):
    out = kernel.ok(
        "import jupyter_runai as runai\n"
        "ws = runai.create('with-tools', image='jupyter/scipy-notebook',\n"
        "                  tools=[8888, 'tb:6006', 8080], cpu=1.5, memory='8G',\n"
        "                  env={'FOO': 'bar', 'MODE': 'fast lane'})\n"
        "ws.describe()"
    ).text()
    lines = out.splitlines()
    # every field it was made with, as runai workspace describe shows them
    assert "CPU cores:      1.5" in lines and "Memory:         8G" in lines
    [env] = [i for i, line in enumerate(lines) if line.startswith("Environment:")]
    assert lines[env].split()[1:] == ["FOO=bar"] and lines[env + 1].strip() == "MODE=fast lane"
    [at] = [i for i, line in enumerate(lines) if line.startswith("Tools:")]
    # each tool by name, type and port: a Jupyter image's 8888 is its Jupyter tool, however it
    # was asked for; "NAME:PORT" names one; another bare port is a "custom" tool named for it
    assert lines[at].split()[1:5] == ["jupyter", "(jupyter-notebook)", "port", "8888"]
    assert "/8888/" in lines[at]
    assert lines[at + 1].split()[:4] == ["tb", "(custom)", "port", "6006"]
    assert lines[at + 2].split()[:4] == ["custom-8080", "(custom)", "port", "8080"]
    assert lines[at + 1].index("port") == lines[at].index("port")
    bare = kernel.ok("runai.create('no-tools', image='busybox').describe()").text()
    assert "Tools:          none" in bare
    # no blank rows: what was not asked for (CPU, memory) is not listed as empty
    assert all(line.split(":", 1)[1].strip() for line in bare.splitlines() if ":" in line[:16])
    assert "Memory:" not in bare and "CPU cores:" not in bare
    # a tool that is neither a port, NAME:PORT nor a mapping is refused, naming the field
    bad = kernel.run("runai.create('bad-tools', image='busybox', tools=['tb:'])")
    assert "tools" in bad.error and "NAME:PORT" in bad.error
    assert "bad-tools" not in {w["name"] for w in sim_workspaces(live_sim)}


def test_wait_shows_one_line_that_changes(kernel, live_sim):
    out = kernel.ok(
        "import jupyter_runai as runai\n"
        "runai.create('waits', image='busybox').wait(timeout=30)\n"
        "None"
    )
    shown = [d.get("text/plain", "") for d in out.data]
    assert shown and all(shown), shown  # no empty first line
    assert all(a != b for a, b in itertools.pairwise(shown)), shown  # no line twice
    assert shown[0].startswith("waits: ") and shown[-1].startswith("waits: Running, waited")


def test_the_api_is_plain_functions_that_connect_on_first_call(tmp_path):
    """Outside Jupyter and with no settings: importing, hasattr and help() connect to nothing
    and raise nothing; the first call says what to set; Jupyter stays unimported."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER_RUNAI", "JUPYTERHUB", "RUNAI"))
    }
    env["HOME"] = str(tmp_path)
    script = (
        "import inspect, sys\n"
        "import jupyter_runai as runai\n"
        "from jupyter_runai.kernel import api\n"
        "names = ['connect', 'workspaces', 'workspace', 'create', 'projects', 'status', 'panel']\n"
        "print(all(hasattr(runai, n) and inspect.isfunction(getattr(runai, n)) for n in names))\n"
        "print(all(getattr(runai, n).__doc__ for n in names), api._default is None)\n"
        "print(list(inspect.signature(runai.create).parameters)[:4])\n"
        "print(runai.Workspace is api.Workspace, runai.client.Workspace is not runai.Workspace)\n"
        "print(sorted(m for m in ('ipywidgets', 'jupyter_server', 'IPython', 'tornado')\n"
        "             if m in sys.modules))\n"
        "try:\n"
        "    runai.status()\n"
        "except runai.RunaiError as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "True",
        "True True",
        "['name', 'project', 'image', 'gpu']",
        "True True",
        "[]",
        "RunaiConfigError",
    ]


# -- magics ------------------------------------------------------------------------------------
@pytest.fixture
def magics(kernel):
    kernel.ok("%load_ext jupyter_runai")
    return kernel


def test_magic_help(magics):
    assert "%runai submit NAME -p PROJECT -i IMAGE" in magics.ok("%runai --help").stdout
    assert "%runai list [-p PROJECT] [-A] [--status PHASE]" in magics.ok("%runai").stdout
    pages = "".join(magics.ok("%runai?").pages)  # the pager payload `?` answers with
    assert "%runai delete NAME" in pages


def test_magic_submit_list_describe_suspend_resume_delete(magics, live_sim):
    out = magics.ok(
        "%runai submit mg-one -p team-b -i pytorch/pytorch:latest --gpu-portion-request 0.5 "
        "--cpu-core-request 2 --cpu-memory-request 8G -e A=1 -e B=two --wait"
    )
    assert "Submitted team-b/mg-one" in out.stdout
    [ws] = [w for w in sim_workspaces(live_sim) if w["name"] == "mg-one"]
    assert ws["projectName"] == "team-b" and ws["phase"] == "Running"
    assert ws["environmentVariables"] == {"A": "1", "B": "two"}
    requested = ws["workloadRequestedResources"]
    assert requested["gpu"]["request"] == 0.5 and requested["gpuRequestType"] == "portion"
    assert requested["cpu"]["request"] == 2 and requested["cpuMemory"]["request"] == "8G"
    assert ws["images"] == ["pytorch/pytorch:latest"]

    listed = magics.ok("%runai list -p team-b")
    assert "mg-one" in listed.html()
    header, *rows = listed.text().splitlines()  # the same table as `runai workspace list`
    assert header.startswith("NAME ") and "STATUS" in header and "GPU (ALLOC/REQ)" in header
    assert ["mg-one", "team-b", "Running", "0.5/0.5"] in [r.split()[:4] for r in rows]
    assert "mg-one" not in magics.ok("%runai list").html()  # -p falls back to team-a
    assert "mg-one" in magics.ok("%runai list -A").html()
    assert "mg-one" in magics.ok("%runai list -A --status Running").html()
    assert "mg-one" not in magics.ok("%runai list -A --status Stopped").html()
    described = magics.ok("%runai describe mg-one -p team-b")
    assert "mg-one" in described.html() and "GPUs allocated" in described.html()
    assert "Phase:          Running" in described.text()
    assert "mg-one" in magics.ok(f"%runai describe --uuid {ws['id']}").html()

    suspended = magics.ok("%runai suspend mg-one -p team-b").stdout
    assert "Suspending team-b/mg-one: Stopping" in suspended
    magics.ok("import jupyter_runai as runai; runai.workspace('mg-one', 'team-b').wait('Stopped')")
    assert (
        "Resuming team-b/mg-one: Resuming" in magics.ok(f"%runai resume --uuid {ws['id']}").stdout
    )
    assert "Deleting team-b/mg-one" in magics.ok("%runai delete mg-one -p team-b -y").stdout


def test_magic_submit_adds_tool_ports(magics, live_sim):
    out = magics.ok(
        "%runai submit mg-tools -i busybox --tool tb:6006 --external-url container=8080"
    )
    assert "Submitted team-a/mg-tools" in out.stdout
    magics.ok("%runai submit mg-jupyter -i jupyter/base-notebook")
    made = {w["name"]: w for w in sim_workspaces(live_sim)}
    tools = {(c["containerPort"], c["name"]) for c in made["mg-tools"]["externalConnections"]}
    assert tools == {(6006, "tb"), (8080, "custom-8080")}
    [jupyter] = made["mg-jupyter"]["externalConnections"]
    assert (jupyter["containerPort"], jupyter["toolType"]) == (8888, "jupyter-notebook")
    bad = magics.run("%runai submit mg-bad -i busybox --tool 70000")
    assert "--tool 70000: must be at most 65535" in bad.stderr
    # the CLI's other --external-url keys are not in a create body: refused, named, nothing made
    bad = magics.run("%runai submit mg-bad -i busybox --external-url container=80,authusers=ann")
    assert "authusers=" in bad.stderr and "container=PORT" in bad.stderr
    assert "mg-bad" not in {w["name"] for w in sim_workspaces(live_sim)}


def test_magic_submit_with_name_prefix_and_devices(magics, live_sim):
    out = magics.ok("%runai submit pre -i busybox -g 1 --name-prefix")
    assert "Submitted team-a/pre-" in out.stdout
    assert any(n.startswith("pre-") for n in sim_names(live_sim))


def test_magic_delete_asks_first(magics, live_sim):
    magics.ok("%runai submit ask-me -i busybox")
    no = magics.ok("%runai delete ask-me", stdin=["n"])
    assert "Not deleted: team-a/ask-me" in no.stdout
    assert "ask-me" in sim_names(live_sim)
    cannot = magics.ok("%runai delete ask-me")  # this client allows no stdin
    assert "add -y" in cannot.stderr
    yes = magics.ok("%runai delete ask-me", stdin=["y"])
    assert "Deleting team-a/ask-me" in yes.stdout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%runai submit Bad_Name -i busybox", "is not a valid workspace name"),
        ("%runai submit fine -p team-z -i busybox", "team-z"),
        ("%runai submit fine", "-i: required: a container image"),
        ("%runai submit fine -i busybox -g 1 --gpu-portion-request 0.5", "not both"),
        ("%runai submit fine -i busybox --gpu-portion-request 2", "between 0 and 1"),
        ("%runai submit fine -i busybox -e NOVALUE", "KEY=VALUE"),
        (
            "%runai submit fine -i busybox -g many",
            "-g many: GPUs take a fraction below 1 or a whole",
        ),
        ("%runai submit fine -i busybox -g 1.5", "-g 1.5: GPUs take a fraction below 1 or a whole"),
        ("%runai describe nothing-here", "no workspace named 'nothing-here' in project team-a"),
        ("%runai suspend", "give a workspace NAME or --uuid ID"),
        ("%runai resume --uuid not-a-uuid", "not a workspace id"),
        ("%runai frobnicate", "not a command: 'frobnicate'"),
        ("%runai submit fine -i busybox --node-pools a", "--node-pools a: not a flag it takes"),
        ("%runai submit -i busybox", "submit: give the workspace a NAME"),
        ("%runai submit fine -i busybox --external-url 8888", "use container=PORT"),
        ("%runai list --status Sleeping", "'Sleeping' is not a phase; one of Creating"),
    ],
)
def test_magic_bad_input_prints_one_line_and_changes_nothing(magics, live_sim, line, message):
    before = sim_names(live_sim)
    out = magics.ok(line)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("runai: ") and message in lines[0]
    assert "%runai" not in lines[0]  # one prefix: "runai: ...", not "runai: %runai: ..."
    assert "Traceback" not in out.stderr + out.stdout
    assert sim_names(live_sim) == before


def test_magic_submit_reports_every_bad_flag_at_once(magics, live_sim):
    before = sim_names(live_sim)
    out = magics.ok(
        "%runai submit Bad_Name -i busybox -g 1.5 --cpu-memory-request lots -e NOVALUE --tool tb:x"
    )
    lines = out.stderr.strip().splitlines()
    assert [line.split(":")[2].strip().split()[0] for line in lines] == [
        "-g",
        "-e",
        "--tool",
        "NAME",
        "--cpu-memory-request",
    ], lines
    assert all(line.startswith("runai: submit: ") for line in lines)
    assert "Traceback" not in out.stderr and "invalid" not in out.stderr.lower()
    assert sim_names(live_sim) == before


@pytest.fixture
def undefaulted(live_sim, tmp_path):
    """A second live server, configured with no default project."""
    server = LiveServer(tmp_path, live_sim.url)
    kernel = server.start_kernel()
    kernel.ok("%load_ext jupyter_runai")
    yield kernel
    kernel.shutdown()
    server.stop()


def test_magic_ambiguous_name(undefaulted, live):
    for project in ("team-a", "team-b"):
        body = {"name": "twin", "project": project, "image": "busybox"}
        assert live.http.post("runai/api/workspaces", json=body).status_code == 202
    out = undefaulted.ok("%runai describe twin")
    assert (
        "2 workspaces are named 'twin' (projects team-a, team-b): say which project" in out.stderr
    )
    assert len(out.stderr.strip().splitlines()) == 1
    assert "twin" in undefaulted.ok("%runai describe twin -p team-b").html()
    unknown = undefaulted.ok("%runai suspend nobody")
    assert "runai: no workspace named 'nobody'" in unknown.stderr
    missing = undefaulted.ok("%runai submit lost -i busybox")
    assert "submit: -p: give a project (no default project is configured)" in missing.stderr


def test_magic_status_and_panel(magics):
    status = magics.ok("%runai status").stdout
    assert "via the Jupyter server" in status and "simulated" in status and "team-a" in status
    panel = magics.ok("%runai panel")
    assert any("application/vnd.jupyter.widget-view+json" in d for d in panel.data)


def test_magic_status_says_an_outage_in_plain_words(magics, live_sim):
    set_faults(live_sim, error_rate=1, error_status=503)
    status = magics.ok("%runai status").stdout
    assert "Run:ai is not answering right now" in status
    assert "HTTP" not in status and "/api/" not in status


def test_outside_jupyter_the_api_talks_to_runai_directly(live_sim, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_RUNAI", "JUPYTERHUB"))}
    env.update(
        RUNAI_URL=live_sim.url, RUNAI_CLIENT_ID="sim-client", RUNAI_CLIENT_SECRET="sim-secret"
    )
    script = (
        "import jupyter_runai as runai\n"
        "print(runai.connect())\n"
        "ws = runai.create('script-ws', project='team-b', image='busybox')\n"
        "print(ws.wait(timeout=30, progress=False).phase)\n"
        "print([w.name for w in runai.workspaces('team-b') if w.name == 'script-ws'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "directly" in lines[0] and lines[1] == "Running" and lines[2] == "['script-ws']"


def test_outside_jupyter_without_settings_says_what_to_set(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER_RUNAI", "JUPYTERHUB", "RUNAI"))
    }
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import jupyter_runai as runai; runai.workspaces()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "set RUNAI_URL and RUNAI_CLIENT_ID/RUNAI_CLIENT_SECRET" in result.stderr.splitlines()[-1]
