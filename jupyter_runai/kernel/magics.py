"""``%runai``: Run:ai workspaces from a notebook cell, with the Run:ai CLI v2's flag names.

Every error prints one line, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class

from ..client import Phase, RunaiError
from .api import Details, Runai, Workspace, WorkspaceList, connect
from .tools import default_tools, external_url, tool

HELP = """\
%runai list [-p PROJECT] [-A] [--status PHASE]
%runai submit NAME -p PROJECT -i IMAGE [-g GPUS | --gpu-portion-request F]
              [--cpu-core-request N] [--cpu-memory-request Q] [-e KEY=VALUE]...
              [--external-url container=PORT]... [--tool NAME:PORT]...
              [--name-prefix] [--wait]
              (a tool link: the CLI's --external-url, or --tool to name it, e.g.
               jupyter:8888, which Jupyter images get unless told otherwise)
%runai describe NAME [-p PROJECT]        (or --uuid ID instead of NAME)
%runai suspend NAME [-p PROJECT]
%runai resume NAME [-p PROJECT]
%runai delete NAME [-p PROJECT] [-y]     (asks first without -y)
%runai panel                             the create form and live table
%runai status                            connection, simulated or real, the default project

-p falls back to the configured default project. Credentials never go in a notebook: inside
Jupyter the server extension holds them; elsewhere the RUNAI_* settings do."""


class UsageError(Exception):
    """A command line that does not parse; the message says why."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # "runai: " starts every error line already: name the subcommand only ("submit: ...")
        command = self.prog.removeprefix("%runai").strip()
        message = message.removeprefix("argument command: ")
        raise UsageError(f"{command}: {message}" if command else message)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise UsageError((message or "").strip())


def _parser() -> _Parser:
    parser = _Parser(prog="%runai", add_help=False, description=HELP)
    parser.add_argument("-h", "--help", action="store_true")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    def named(name: str) -> _Parser:
        sub = commands.add_parser(name, add_help=False)
        sub.add_argument("name", nargs="?")
        sub.add_argument("-u", "--uuid")
        sub.add_argument("-p", "--project")
        return sub

    listing = commands.add_parser("list", add_help=False)
    listing.add_argument("-p", "--project")
    listing.add_argument("-A", "--all", action="store_true")
    listing.add_argument("--status")
    submit = commands.add_parser("submit", add_help=False)
    submit.add_argument("name")
    submit.add_argument("-p", "--project")
    submit.add_argument("-i", "--image")
    submit.add_argument("-g", "--gpu-devices-request", type=int)
    submit.add_argument("--gpu-portion-request", type=float)
    submit.add_argument("--cpu-core-request", type=float)
    submit.add_argument("--cpu-memory-request")
    submit.add_argument("-e", "--environment", action="append", default=[])
    submit.add_argument("--external-url", action="append", default=[])
    submit.add_argument("--tool", action="append", default=[])  # ours: the CLI cannot name one
    submit.add_argument("--name-prefix", action="store_true")
    submit.add_argument("--wait", action="store_true")
    for name in ("describe", "suspend", "resume"):
        named(name)
    named("delete").add_argument("-y", "--yes", action="store_true")
    commands.add_parser("panel", add_help=False)
    commands.add_parser("status", add_help=False)
    return parser


def _without_cli_prefix(words: list[str]) -> list[str]:
    """A CLI line pasted whole (``runai workspace submit ...``) reads as ``submit ...``."""
    if words[:1] == ["runai"]:
        words = words[1:]
    return words[1:] if words[:1] == ["workspace"] else words


@magics_class
class RunaiMagics(Magics):
    @line_magic
    def runai(self, line: str) -> Any:
        try:
            args = _parser().parse_args(_without_cli_prefix(shlex.split(line)))
            if args.help or not args.command:
                print(HELP)
                return None
            return getattr(self, f"_{args.command}")(connect(), args)
        except (RunaiError, UsageError, ValueError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            print(f"runai: {message}", file=sys.stderr)
            return None

    runai.__doc__ = HELP

    # -- commands ---------------------------------------------------------------------------
    @staticmethod
    def _project(runai: Runai, given: str | None) -> str | None:
        return given or runai.default_project()

    def _list(self, runai: Runai, args: argparse.Namespace) -> WorkspaceList:
        project = None if args.all else self._project(runai, args.project)
        listed = runai.workspaces(project)
        if args.status:
            phase = Phase.parse(args.status.capitalize()).value
            if phase != args.status.capitalize():
                known = ", ".join(p.value for p in Phase)
                raise UsageError(f"--status {args.status!r} is not a phase; one of {known}")
            listed = WorkspaceList(ws for ws in listed if ws.phase == phase)
        return listed

    def _submit(self, runai: Runai, args: argparse.Namespace) -> Workspace:
        if args.gpu_devices_request is not None and args.gpu_portion_request is not None:
            raise UsageError("use -g/--gpu-devices-request or --gpu-portion-request, not both")
        env = {}
        for item in args.environment:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"-e {item!r}: use KEY=VALUE")
            env[key] = value
        if args.gpu_portion_request is not None and not 0 < args.gpu_portion_request < 1:
            raise UsageError("--gpu-portion-request must be between 0 and 1 (a share of one GPU)")
        gpu = (
            args.gpu_portion_request
            if args.gpu_portion_request is not None
            else args.gpu_devices_request
        )
        tools = [external_url(u) for u in args.external_url] + [tool(t) for t in args.tool]
        tools = tools or default_tools(args.image or "")
        workspace = runai.create(
            args.name,
            self._project(runai, args.project),
            args.image or "",
            tools=tools,
            gpu=gpu,
            cpu=args.cpu_core_request,
            memory=args.cpu_memory_request,
            env=env,
            name_prefix=args.name_prefix,
        )
        print(f"Submitted {workspace.project}/{workspace.name} ({workspace.phase}).")
        if args.wait:
            workspace.wait()
        return workspace

    def _find(self, runai: Runai, args: argparse.Namespace) -> Workspace:
        if args.uuid:
            return runai.workspace_by_id(args.uuid)
        if not args.name:
            raise UsageError(f"{args.command}: give a workspace NAME or --uuid ID")
        return runai.workspace(args.name, self._project(runai, args.project))

    def _describe(self, runai: Runai, args: argparse.Namespace) -> Details:
        return self._find(runai, args).describe()

    def _suspend(self, runai: Runai, args: argparse.Namespace) -> None:
        ws = self._find(runai, args).suspend()
        print(f"Suspending {ws.project}/{ws.name}: {ws.phase}.")

    def _resume(self, runai: Runai, args: argparse.Namespace) -> None:
        ws = self._find(runai, args).resume()
        print(f"Resuming {ws.project}/{ws.name}: {ws.phase}.")

    def _delete(self, runai: Runai, args: argparse.Namespace) -> None:
        ws = self._find(runai, args)
        if not args.yes:
            try:
                answer = input(f"Delete workspace {ws.project}/{ws.name}? [y/N] ")
            except Exception:  # a frontend that cannot ask (StdinNotImplementedError, EOF)
                print("runai: not deleted: this frontend cannot ask; add -y", file=sys.stderr)
                return
            if answer.strip().lower() not in ("y", "yes"):
                print(f"Not deleted: {ws.project}/{ws.name}.")
                return
        ws.delete()
        print(f"Deleting {ws.project}/{ws.name}: {ws.phase}.")

    def _panel(self, runai: Runai, args: argparse.Namespace) -> Any:
        return runai.panel()

    def _status(self, runai: Runai, args: argparse.Namespace) -> None:
        status = runai.status()
        kind = "simulated" if status.get("simulated") else "real"
        parts = [f"Run:ai {runai.transport.description}", f"{kind} control plane"]
        if status.get("configured") is False or status.get("message"):
            from .words import plain  # the panel's rule: no HTTP report here

            message = status.get("message") or "not configured"
            parts.append(plain(message, "Run:ai is not answering right now"))
        elif status.get("credentials_accepted"):
            parts.append("credentials accepted")
        if status.get("default_project"):
            parts.append(f"default project {status['default_project']}")
        print(": ".join(parts[:1]) + ", " + ", ".join(parts[1:]))
