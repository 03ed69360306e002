"""``%runai``: Run:ai workspaces from a notebook cell, with the Run:ai CLI v2's flag names.

Every error prints one line, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class

from ..client import InvalidRequest, Phase, RunaiError
from ..client.create_body import create_issues, field_of
from .api import Details, Runai, Workspace, WorkspaceList, connect
from .tools import default_tools, external_url, named_for, tool

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


#: The create body's fields, as ``%runai submit`` spells them: its error lines name the flag.
FLAGS = {
    "name": "NAME",
    "project": "-p",
    "image": "-i",
    "gpu": "-g",
    "cpu": "--cpu-core-request",
    "memory": "--cpu-memory-request",
    "env": "-e",
    "tools": "--tool",
    "namePrefix": "--name-prefix",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # "runai: " starts every error line already: name the subcommand only ("submit: ...")
        command = self.prog.removeprefix("%runai").strip()
        message = message.removeprefix("argument command: ")
        if message.startswith("unrecognized arguments: "):
            flags = [w for w in message.removeprefix("unrecognized arguments: ").split() if w]
            message = (
                f"{' '.join(flags)}: not a flag it takes (its flags are the Run:ai CLI v2's, "
                "listed by --help)"
            )
        elif message.startswith("invalid choice: "):
            message = message.replace("invalid choice", "not a command", 1)
        elif message.startswith("the following arguments are required: "):
            message = "give the workspace a NAME"
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
    # numbers are read as text and checked with the create rules, every bad one said at once
    submit.add_argument("-g", "--gpu-devices-request")
    submit.add_argument("--gpu-portion-request")
    submit.add_argument("--cpu-core-request")
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
            for said in message.splitlines():  # one line each (every bad flag of a submit)
                print(f"runai: {said}", file=sys.stderr)
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
        body, problems = _submit_body(args, self._project(runai, args.project))
        if problems:
            raise UsageError("\n".join(f"submit: {problem}" for problem in problems))
        workspace = runai.create(
            body["name"],
            body["project"],
            body["image"],
            tools=body.get("tools", ()),
            gpu=body.get("gpu"),
            cpu=body.get("cpu"),
            memory=body.get("memory"),
            env=body.get("env"),
            name_prefix=bool(body.get("namePrefix")),
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
        print(runai.status().sentence())


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _submit_body(args: argparse.Namespace, project: str | None) -> tuple[dict[str, Any], list[str]]:
    """The create body of a ``%runai submit`` line, and every flag that is wrong, in the user's
    words (``-g 1.5: GPUs take a fraction below 1 or a whole number``), all at once."""
    problems: list[str] = []
    wrong: set[str] = set()  # the body's fields already said to be wrong

    def say(field: str, line: str) -> None:
        wrong.add(field)
        problems.append(line)

    body: dict[str, Any] = {"name": args.name, "project": project or "", "image": args.image or ""}
    if project is None:
        say("project", "-p: give a project (no default project is configured)")
    devices, portion = args.gpu_devices_request, args.gpu_portion_request
    if devices is not None and portion is not None:
        say("gpu", "-g and --gpu-portion-request: use one, not both")
    elif devices is not None:
        gpu = _number(devices)
        if gpu is None or gpu < 0 or (gpu > 1 and gpu != int(gpu)):
            say("gpu", f"-g {devices}: GPUs take a fraction below 1 or a whole number")
        elif gpu:
            body["gpu"] = int(gpu) if gpu >= 1 else gpu
    elif portion is not None:
        share = _number(portion)
        if share is None or not 0 < share < 1:
            say(
                "gpu",
                f"--gpu-portion-request {portion}: must be between 0 and 1 (a share of one GPU)",
            )
        else:
            body["gpu"] = share
    if args.cpu_core_request is not None:
        cpu = _number(args.cpu_core_request)
        if cpu is None:
            say("cpu", f"--cpu-core-request {args.cpu_core_request}: CPU cores, a number")
        else:
            body["cpu"] = cpu
    if args.cpu_memory_request is not None:
        body["memory"] = args.cpu_memory_request
    env = {}
    for item in args.environment:
        key, sep, value = item.partition("=")
        if not sep or not key:
            say("env", f"-e {item}: use KEY=VALUE")
        env[key] = value
    if env:
        body["env"] = env
    tools = []
    readers = [("--external-url", external_url, args.external_url), ("--tool", tool, args.tool)]
    for flag, read, given in readers:
        for text in given:
            try:
                tools.append(read(text))
            except InvalidRequest as exc:
                detail = exc.issues[0].details if exc.issues else exc.message
                say("tools", detail if detail.startswith(flag) else f"{flag} {text}: {detail}")
    tools = named_for(tools or default_tools(args.image or ""), args.image or "")
    if tools:
        body["tools"] = tools
    if args.name_prefix:
        body["namePrefix"] = True
    for issue in create_issues(body):
        field = field_of(issue.field)
        if field in wrong:
            continue
        value = body.get(field)
        if field == "tools":
            value = " ".join([*args.tool, *args.external_url])
        shown = f" {value}" if isinstance(value, (str, int, float)) and value != "" else ""
        problems.append(f"{FLAGS.get(field, field)}{shown}: {issue.details}")
    return body, problems
