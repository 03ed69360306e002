"""The JupyterLab sidebar as it is built and shipped: the wheel carries it prebuilt (no node at
install time), JupyterLab finds it enabled and OK, one version for the Python and npm packages,
a small bundle, the dialog's create rules copied from their one source, and the TypeScript unit
tests (jest), which run from here so ``python -m pytest`` covers them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import yaml

import jupyter_runai

REPO = Path(__file__).resolve().parent.parent
LABEXT = REPO / "labextension"
BUILT = REPO / "jupyter_runai" / "labextension"
NAME = "jupyter-runai"
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(LABEXT / "scripts"))


def npm_version() -> str:
    return json.loads((LABEXT / "package.json").read_text())["version"]


def labextension_list(env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # no colours


def test_one_version_for_the_python_and_npm_packages():
    version = npm_version()
    assert jupyter_runai.__version__ == version
    assert metadata.version(NAME) == version
    assert json.loads((BUILT / "package.json").read_text())["version"] == version
    # the API contract's own version is the package's
    contract = yaml.safe_load((REPO / "jupyter_runai" / "server" / "openapi.yaml").read_text())
    assert contract["info"]["version"] == version


def test_jupyterlab_lists_the_sidebar_enabled_and_ok():
    listing = labextension_list()
    assert re.search(
        rf"{NAME} v{re.escape(npm_version())} enabled\s+OK \(python, {NAME}\)", listing
    ), listing


def test_the_settings_schema_has_what_the_sidebar_reads():
    schema = json.loads((LABEXT / "schema" / "plugin.json").read_text())["properties"]
    assert schema["notifications"] == {
        **schema["notifications"],
        "type": "boolean",
        "default": True,
    }
    assert schema["pendingThreshold"]["type"] == "number"
    assert schema["defaultProject"]["type"] == "string"
    assert schema["openOnStartup"] == {
        **schema["openOnStartup"],
        "type": "boolean",
        "default": False,
    }
    built = BUILT / "schemas" / NAME / "plugin.json"
    assert json.loads(built.read_text())["properties"] == schema


def test_the_bundle_is_under_200_kb_minified():
    from bundle_size import BUDGET, bundle_files

    files = bundle_files(BUILT / "static")
    assert any(name.startswith("remoteEntry.") for name in files), files
    assert 0 < sum(files.values()) <= BUDGET, files


def test_the_sidebar_applies_the_create_rules_of_create_body():
    """The dialog's rules are a generated copy of create_body.SCHEMA (the one source), never a
    second hand-written set."""
    from create_schema import TARGET, render

    assert TARGET.read_text() == render(), (
        "labextension/src/createSchema.json differs from jupyter_runai/client/create_body.py: "
        "run python labextension/scripts/create_schema.py"
    )


def test_the_typescript_unit_tests_pass():
    """jest, on the service (stream, reconnect, errors), the row logic, the create rules and
    "Copy as" (labextension/test/)."""
    jlpm = shutil.which("jlpm")
    assert jlpm, "jlpm (from jupyterlab) is not on PATH"
    assert (LABEXT / "node_modules" / ".bin" / "jest").exists(), (
        "labextension/node_modules is missing: pip install -e . installs it"
    )
    done = subprocess.run(
        [jlpm, "test", "--ci", "--colors=false"],
        cwd=LABEXT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Tests:\s+\d+ passed, \d+ total", done.stderr + done.stdout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from this checkout (the extension built by hatch-jupyter-builder)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        timeout=900,
        capture_output=True,
    )
    (built,) = out.glob("jupyter_runai-*.whl")
    return built


def test_the_wheel_holds_the_prebuilt_sidebar(wheel):
    """The sidebar's bundle, and the notebook panel's ES module (the same components)."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "jupyter_runai/kernel/static/panel.js" in names
    assert "jupyter_runai/kernel/static/panel.css" in names
    share = f"jupyter_runai-{npm_version()}.data/data/share/jupyter/labextensions/{NAME}/"
    assert f"{share}package.json" in names
    assert f"{share}install.json" in names
    assert f"{share}schemas/{NAME}/plugin.json" in names
    assert any(re.fullmatch(rf"{re.escape(share)}static/remoteEntry\.\w+\.js", n) for n in names)
    install = json.loads(zipfile.ZipFile(wheel).read(f"{share}install.json"))
    assert install["packageName"] == NAME


def test_the_wheel_installs_the_sidebar_without_node(wheel, tmp_path):
    """pip installs the wheel with no node on PATH, and JupyterLab then lists the sidebar from
    where it was installed, enabled and OK."""
    bin_dir = tmp_path / "bin"  # a PATH holding only this Python: no node, npm or jlpm
    bin_dir.mkdir()
    # a script, not a symlink: a symlinked venv Python would start as its base Python
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    enable_file = Path(sys.prefix, "etc/jupyter/jupyter_server_config.d/jupyter_runai.json")
    enabled_before = enable_file.is_file()
    prefix = tmp_path / "prefix"
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
    }
    subprocess.run(
        [
            "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            # without it, pip replaces the jupyter-runai this Python has (the editable install
            # the tests run) even though it installs elsewhere: it did, in CI's plain Python
            "--ignore-installed",
            "--prefix",
            str(prefix),
            str(wheel),
        ],
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    assert enable_file.is_file() == enabled_before  # the tests' own installation is untouched
    assert metadata.version(NAME) == npm_version()
    data = prefix / "share" / "jupyter"
    assert (data / "labextensions" / NAME / "install.json").is_file()
    listing = labextension_list(
        {
            **env,
            "JUPYTER_PATH": str(data),
            "JUPYTER_DATA_DIR": str(tmp_path / "data"),
            "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
    )
    section = listing.split(str(data / "labextensions"))[1]
    assert re.search(
        rf"{NAME} v{re.escape(npm_version())} enabled\s+OK \(python, {NAME}\)", section
    ), listing


def test_what_copy_as_writes_runs_in_a_kernel(kernel, live):
    """The %runai line and the Python call the sidebar and the panel copy (labextension/test/
    copyas-cases.json, which the jest tests hold the TypeScript to) create the workspace they
    describe in a fresh kernel, pasted as they are (the %runai copy loads the extension first);
    the %runai line has the runai CLI's flags, and the CLI copy says it is for a terminal."""
    cases = json.loads((LABEXT / "test" / "copyas-cases.json").read_text())["cases"]
    magic, python, tools_magic, tools_python = cases
    note, cli_line = magic["cli"].split("\n")
    assert note.startswith("# in a terminal")
    load, magic_line = magic["magic"].split("\n")
    assert load == "%load_ext jupyter_runai"
    assert cli_line.removeprefix("runai workspace submit ") == magic_line.removeprefix(
        "%runai submit "
    )
    kernel.ok(magic["magic"])
    kernel.ok(python["python"])
    made = {w["name"]: w for w in live.http.get("runai/api/workspaces").json()["workspaces"]}
    assert made["copied-magic"]["project"] == "team-a"
    assert made["copied-magic"]["gpu"]["requested"] == 0.5
    (prefixed,) = [w for name, w in made.items() if name.startswith("copied-py-")]
    assert prefixed["gpu"]["requested"] == 2
    assert prefixed["image"] == "busybox"
    # tools: the CLI's --external-url container=PORT (the CLI v2's format has no tool name), the
    # magic's --tool NAME:PORT, the Python call's tools=["jupyter:8888", 6006]
    urls = "--external-url container=8888 --external-url container=6006"
    assert tools_magic["cli"].endswith(urls)
    kernel.ok(tools_magic["magic"])
    kernel.ok(tools_python["python"].replace("ws = ", "ws2 = "))
    # and the CLI line itself, pasted whole after %runai: a Jupyter image's 8888 is the Jupyter
    # tool
    pasted = tools_magic["cli"].split("\n")[-1].replace("copied-tools-magic", "copied-cli")
    kernel.ok(f"%runai {pasted}")
    made = {w["name"]: w for w in live.http.get("runai/api/workspaces").json()["workspaces"]}
    for name in ("copied-tools-magic", "copied-tools-py", "copied-cli"):
        tools = {(t["name"], t["port"]) for t in made[name]["tools"]}
        assert ("jupyter", 8888) in tools and 6006 in {port for _, port in tools}, made[name]
