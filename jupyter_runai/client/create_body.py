"""The concise create body of jupyter-runai (``POST /runai/api/workspaces``, the kernel's direct
transport, the widget form): checked field by field before any Run:ai call.

JSON types are checked here; the rules of names and specs are check_name and
WorkspaceSpec.validate, which raise InvalidRequest naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidRequest
from .models import Pvc, Tool, WorkspaceSpec
from .names import check_name

FIELDS = {
    "name": "a workspace name",
    "project": "a project name",
    "image": "a container image",
    "gpu": "GPU devices, or a fraction below 1 for a GPU portion",
    "cpu": "CPU cores",
    "memory": "CPU memory, e.g. '8G'",
    "env": "an object of environment variables",
    "namePrefix": "true to use the name as a prefix",
    "command": "the container command",
    "args": "the command's arguments",
    "tools": "a list of {port, type, name}",
    "pvcs": "a list of {claimName, path, readOnly}",
}


@dataclass
class CreateRequest:
    name: str
    project: str
    spec: WorkspaceSpec
    name_prefix: bool


def _expect(body: dict[str, Any], key: str, types: type | tuple[type, ...], rule: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise InvalidRequest(key, rule)
    if not isinstance(value, types):
        raise InvalidRequest(key, rule)
    return value


def parse_create(body: Any) -> CreateRequest:
    if not isinstance(body, dict):
        raise InvalidRequest("body", "must be a JSON object")
    for key in body:
        if key not in FIELDS:
            raise InvalidRequest(key, f"unknown field; known: {', '.join(FIELDS)}")
    for key in ("name", "project", "image"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise InvalidRequest(key, f"required: {FIELDS[key]}")
    prefix = bool(_expect(body, "namePrefix", bool, "must be true or false"))
    name = check_name(body["name"], prefix=prefix)
    env = _expect(body, "env", dict, "must be an object of names to string values") or {}
    for key, value in env.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise InvalidRequest(f"env.{key}", "must be a string")
    tools = [
        _tool(item, i)
        for i, item in enumerate(_expect(body, "tools", list, "must be a list of tools") or [])
    ]
    pvcs = [
        _pvc(item, i)
        for i, item in enumerate(_expect(body, "pvcs", list, "must be a list of PVCs") or [])
    ]
    spec = WorkspaceSpec(
        image=body["image"],
        command=_expect(body, "command", str, "must be a string"),
        args=_expect(body, "args", str, "must be a string"),
        env={str(k): str(v) for k, v in env.items()},
        gpu=_expect(body, "gpu", (int, float), "must be a number: devices, or < 1 for a portion"),
        cpu=_expect(body, "cpu", (int, float), "must be a number of cores"),
        memory=_expect(body, "memory", str, "must be a quantity such as '8G'"),
        tools=tools,
        pvcs=pvcs,
    )
    spec.validate()
    return CreateRequest(name, body["project"].strip(), spec, prefix)


def _tool(item: Any, index: int) -> Tool:
    where = f"tools[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("port"), int):
        raise InvalidRequest(f"{where}.port", "each tool needs an integer port")
    kind = item.get("type", "custom")
    name = item.get("name")
    if not isinstance(kind, str) or (name is not None and not isinstance(name, str)):
        raise InvalidRequest(where, "type and name must be strings")
    return Tool(item["port"], kind, name)


def _pvc(item: Any, index: int) -> Pvc:
    where = f"pvcs[{index}]"
    if not isinstance(item, dict):
        raise InvalidRequest(where, "must be {claimName, path, readOnly}")
    claim, path = item.get("claimName"), item.get("path")
    if not isinstance(claim, str) or not isinstance(path, str):
        raise InvalidRequest(where, "claimName and path are required strings")
    return Pvc(claim, path, bool(item.get("readOnly", False)))
