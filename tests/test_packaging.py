"""The wheel users install: it carries what the product needs at run time, and the enable file."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jupyter_runai.simulator.spec import SPEC_PATH
from jupyter_runai.simulator.spec.trim import trim

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_data_files_and_enables_the_extension(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = tmp_path.glob("jupyter_runai-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "jupyter_runai/simulator/spec/runai-api.json",  # the simulator validates against it
        "jupyter_runai/simulator/spec/NOTICE.md",  # its Apache-2.0 source note
        "jupyter_runai/simulator/default_seed.json",
        "jupyter_runai/server/openapi.yaml",
        "jupyter_runai/demo/welcome.ipynb",
        "jupyter_runai/demo/demo_config.json",
    ):
        assert needed in names, needed
    enable = "jupyter_runai-0.1.0.data/data/etc/jupyter/jupyter_server_config.d/jupyter_runai.json"
    assert enable in names  # `pip install` turns the server extension on
    entry_points = zipfile.ZipFile(wheel).read("jupyter_runai-0.1.0.dist-info/entry_points.txt")
    assert b"jupyter-runai = jupyter_runai.server.cli:main" in entry_points
    assert not any(name.startswith("tests/") for name in names)


def test_trimmed_spec_is_what_the_script_makes_from_the_official_file():
    """runai-api.json is exactly trim.py's cut of the official spec named in NOTICE.md."""
    full = ROOT.parent / "shared" / "runai-api" / "swagger.json"
    if not full.exists():
        pytest.skip("the official spec is not beside this checkout (../shared/runai-api/)")
    data = full.read_bytes()
    notice = (SPEC_PATH.parent / "NOTICE.md").read_text()
    assert hashlib.sha256(data).hexdigest() in notice
    assert trim(json.loads(data)) == json.loads(SPEC_PATH.read_text())


def test_the_tests_run_the_dependency_versions_users_install():
    """The test extra must not move a runtime dependency to a version users would not get: for
    every runtime requirement that a test tool also constrains, the ranges must end alike."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.version import Version

    ours = {
        r.name: r.specifier
        for r in map(Requirement, requires("jupyter-runai") or [])
        if not r.marker
    }
    checked = 0
    for tool in ("openapi-core", "pytest-jupyter", "nbclient", "jupyterhub", "schemathesis"):
        for requirement in map(Requirement, requires(tool) or []):
            if requirement.marker or requirement.name not in ours:
                continue
            upper = {Version(s.version) for s in requirement.specifier if s.operator in ("<", "<=")}
            mine = {Version(s.version) for s in ours[requirement.name] if s.operator in ("<", "<=")}
            assert upper <= mine or not upper, (tool, requirement, ours[requirement.name])
            checked += 1
    assert checked  # openapi-core constrains openapi-schema-validator, at least
