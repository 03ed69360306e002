"""``jupyter runai``: ``demo`` (JupyterLab on an embedded simulator) and ``simulator``."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="jupyter runai demo",
        description="JupyterLab with jupyter-runai wired to an embedded Run:ai simulator "
        "(no cluster, no credentials). Other arguments go to JupyterLab.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(jupyter_data_dir()) / "runai-demo",
        help="folder to open, where the demo notebooks are copied (default: %(default)s)",
    )
    parser.add_argument(
        "--time-scale", type=float, help="speed up the simulated cluster (default 1)"
    )
    parser.add_argument(
        "--simulator-port",
        type=int,
        metavar="N",
        help="port of the embedded simulator on 127.0.0.1 (default: any free port)",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="only copy (or refresh) the demo notebooks into --dir, then exit (Binder's postBuild)",
    )
    args, lab_args = parser.parse_known_args(argv)
    if args.simulator_port and not _free(args.simulator_port):
        parser.error(
            f"--simulator-port {args.simulator_port}: that port is in use on 127.0.0.1; "
            "choose another, or 0 for any free port"
        )
    from ..demo import CONFIG, install_notebooks, lab_settings_dir

    install_notebooks(args.dir)
    if args.prepare_only:
        return
    from jupyterlab.commands import get_app_dir
    from jupyterlab.labapp import LabApp

    # JupyterLab's settings defaults for the demo only (no news prompt, the sidebar open), on
    # top of the environment's own: a folder of the demo's, not the environment's.
    settings_dir = lab_settings_dir(
        Path(jupyter_runtime_dir()) / "runai-demo-lab-settings", Path(get_app_dir()) / "settings"
    )
    settings = [
        f"--config={CONFIG}",  # the embedded simulator, the welcome notebook
        f"--ServerApp.root_dir={args.dir}",
        f"--LabApp.app_settings_dir={settings_dir}",
    ]
    # only what was asked for: traitlets refuses a setting given twice on the command line
    if args.time_scale is not None:
        settings.append(f"--RunaiApp.simulator_time_scale={args.time_scale}")
    if args.simulator_port is not None:
        settings.append(f"--RunaiApp.simulator_port={args.simulator_port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        settings.append("--ServerApp.allow_root=True")  # containers and CI run as root
    LabApp.launch_instance(argv=settings + lab_args)


def _free(port: int) -> bool:
    """Whether the embedded simulator could listen on ``port`` (it binds the same way)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"demo": demo, "simulator": _simulator}
    if not argv or argv[0] not in commands:
        asked = bool(argv) and argv[0] in ("-h", "--help")
        print(
            "usage: jupyter runai {demo,simulator} [options]\n\n"
            "  demo       JupyterLab with jupyter-runai on an embedded Run:ai simulator\n"
            "  simulator  the Run:ai simulator alone (python -m jupyter_runai.simulator)\n",
            file=sys.stdout if asked else sys.stderr,
        )
        sys.exit(0 if asked else 2)
    commands[argv[0]](argv[1:])


def _simulator(argv: list[str]) -> None:
    from ..simulator.__main__ import main as simulator_main

    simulator_main(argv)
