"""The concise create body of jupyter-runai (``POST /runai/api/workspaces``, the kernel's direct
transport, the widget form): checked field by field before any Run:ai call.

**This module is the one source of truth for the rules of a create body.** ``SCHEMA`` states them
as data, in the JSON Schema of OpenAPI 3.0: each field's JSON type, whole-string pattern, length,
range and count limits. Everything else follows it:

- ``parse_create_json`` (raw bytes: size, nesting, non-finite numbers) and ``parse_create``
  apply ``SCHEMA``, plus the two rules it states only in words (GPUs above 1 are whole devices;
  a name prefix leaves room for Run:ai's suffix);
- ``WorkspaceSpec.validate`` (the Python API) checks a spec against the same ``SCHEMA``;
- ``names.check_name`` takes its pattern and length from here;
- ``CreateWorkspace`` in ``server/openapi.yaml`` must equal ``SCHEMA``, key for key:
  ``tests/test_server.py::test_the_contract_states_exactly_the_create_rules`` compares them and
  prints the YAML to paste when they differ.

Patterns are written as JSON Schema states them (``^...$``) and applied with ``re.fullmatch``,
so that a trailing newline never slips past ``$``. ``env`` names are stated in
``x-propertyNames`` (OpenAPI 3.0 has no ``propertyNames``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import ComplianceIssue, InvalidRequest
from .models import Pvc, Tool, WorkspaceSpec

#: Limits no real workspace reaches; anything bigger is refused before any call.
MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 10
NAME_MAX_LENGTH = 40
#: Run:ai appends ``-`` and five characters to a prefix (``useGivenNameAsPrefix``).
PREFIX_SUFFIX_LENGTH = 6
NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$"
NAME_RULE = (
    "lowercase letters, digits and '-', starting with a letter, not ending with '-', "
    f"at most {NAME_MAX_LENGTH} characters"
)
DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
#: Kubernetes quantities (``8G``, ``512Mi``, ``1.5e9``): a number, then one suffix.
QUANTITY = "^[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([KMGTPE]i|[mkMGTPE]|[eE][-+]?[0-9]+)?$"
ENV_NAME = "^[A-Za-z_][A-Za-z0-9_.-]*$"
#: Printable ASCII, no spaces (a container image reference).
IMAGE = "^[!-~]+$"
#: Text without control characters.
LINE = "^[^\\x00-\\x1f\\x7f]*$"
#: Text that may span lines (tabs and newlines), without other control characters.
TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
ABSOLUTE_PATH = "^/[^\\x00-\\x1f\\x7f]*$"

SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        f"At most {MAX_BODY_BYTES} bytes of JSON, nested at most {MAX_DEPTH} deep; numbers are "
        "finite. The rules are jupyter_runai/client/create_body.py's SCHEMA."
    ),
    "additionalProperties": False,
    "required": ["name", "project", "image"],
    "properties": {
        "name": {
            "type": "string",
            "description": (
                f"a valid workspace name: {NAME_RULE} "
                f"({NAME_MAX_LENGTH - PREFIX_SUFFIX_LENGTH} when it is a prefix: Run:ai adds a "
                f"{PREFIX_SUFFIX_LENGTH}-character suffix)"
            ),
            "pattern": NAME_PATTERN,
            "minLength": 1,
            "maxLength": NAME_MAX_LENGTH,
        },
        "project": {
            "type": "string",
            "description": "a project name (a DNS label)",
            "pattern": DNS_LABEL,
            "minLength": 1,
            "maxLength": 63,
        },
        "image": {
            "type": "string",
            "description": "a container image, e.g. 'python:3.11' (printable ASCII, no spaces)",
            "pattern": IMAGE,
            "minLength": 1,
            "maxLength": 1024,
        },
        "gpu": {
            "type": "number",
            "description": "GPU devices (whole above 1), or a fraction below 1 for a GPU portion",
            "minimum": 0,
            "maximum": 1024,
        },
        "cpu": {"type": "number", "description": "CPU cores", "minimum": 0, "maximum": 1024},
        "memory": {
            "type": "string",
            "description": "CPU memory, a quantity such as '8G' or '512Mi'",
            "pattern": QUANTITY,
            "maxLength": 32,
        },
        "env": {
            "type": "object",
            "description": (
                "environment variables: names (letters, digits, '_', '.' and '-', not starting "
                "with a digit, '.' or '-') to string values"
            ),
            "maxProperties": 256,
            "x-propertyNames": {"pattern": ENV_NAME, "maxLength": 256},
            "additionalProperties": {
                "type": "string",
                "description": "a value (no control characters but tabs and newlines)",
                "pattern": TEXT,
                "maxLength": 32768,
            },
        },
        "namePrefix": {
            "type": "boolean",
            "description": "true to use the name as a prefix (Run:ai adds a suffix)",
        },
        "command": {
            "type": "string",
            "description": "the container command",
            "pattern": TEXT,
            "maxLength": 4096,
        },
        "args": {
            "type": "string",
            "description": "the command's arguments",
            "pattern": TEXT,
            "maxLength": 32768,
        },
        "tools": {
            "type": "array",
            "description": "container ports exposed as URLs",
            "maxItems": 16,
            "items": {
                "type": "object",
                "description": "a tool: {port, type, name}",
                "additionalProperties": False,
                "required": ["port"],
                "properties": {
                    "port": {
                        "type": "integer",
                        "description": "a container port (1-65535)",
                        "minimum": 1,
                        "maximum": 65535,
                    },
                    "type": {
                        "type": "string",
                        "description": "the tool type, e.g. 'jupyter-notebook'",
                        "pattern": LINE,
                        "minLength": 1,
                        "maxLength": 64,
                    },
                    "name": {
                        "type": "string",
                        "description": "a name for its URL",
                        "pattern": LINE,
                        "minLength": 1,
                        "maxLength": 64,
                    },
                },
            },
        },
        "pvcs": {
            "type": "array",
            "description": "existing persistent volume claims to mount",
            "maxItems": 16,
            "items": {
                "type": "object",
                "description": "a claim: {claimName, path, readOnly}",
                "additionalProperties": False,
                "required": ["claimName", "path"],
                "properties": {
                    "claimName": {
                        "type": "string",
                        "description": "an existing claim's name (a DNS-1123 subdomain)",
                        "pattern": DNS_SUBDOMAIN,
                        "minLength": 1,
                        "maxLength": 63,
                    },
                    "path": {
                        "type": "string",
                        "description": "an absolute path in the container",
                        "pattern": ABSOLUTE_PATH,
                        "maxLength": 1024,
                    },
                    "readOnly": {"type": "boolean", "description": "true to mount it read-only"},
                },
            },
        },
    },
}

#: The fields of a WorkspaceSpec (the Python API), checked by ``check_spec``.
SPEC_SCHEMA: dict[str, Any] = {
    **SCHEMA,
    "required": ["image"],
    "properties": {
        key: value
        for key, value in SCHEMA["properties"].items()
        if key not in ("name", "project", "namePrefix")
    },
}
FIELDS = {key: value["description"] for key, value in SCHEMA["properties"].items()}
#: Run:ai's names in its refusals (the last segments of its spec paths) -> the create body's
#: field they concern, so a refusal shows beside the field it names (the project's GPU quota,
#: ``spec.compute.gpuDevicesRequest``, beside GPUs): one table for every UI.
RUNAI_FIELDS = {
    "projectId": "project",
    "clusterId": "project",
    "gpuDevicesRequest": "gpu",
    "gpuPortionRequest": "gpu",
    "gpuMemoryRequest": "gpu",
    "gpuRequestType": "gpu",
    "cpuCoreRequest": "cpu",
    "cpuMemoryRequest": "memory",
    "environmentVariables": "env",
    "exposedUrls": "tools",
    "useGivenNameAsPrefix": "name",
    "namePrefix": "name",
    "image": "image",
    "command": "command",
    "args": "args",
}


def field_of(issue_field: str) -> str:
    """The create body field an issue concerns: one of ours as it is (``env.FOO`` -> env,
    ``namePrefix`` -> name), else the last segment of Run:ai's path that names one
    (``spec.compute.gpuDevicesRequest`` -> gpu); else the path's first segment."""
    segments = [segment.split("[")[0] for segment in issue_field.split(".")]
    if segments[0] in FIELDS:
        return "name" if segments[0] == "namePrefix" else segments[0]
    for segment in reversed(segments):
        if segment in RUNAI_FIELDS:
            return RUNAI_FIELDS[segment]
    return segments[0]


@dataclass
class CreateRequest:
    name: str
    project: str
    spec: WorkspaceSpec
    name_prefix: bool


# -- parsing --------------------------------------------------------------------------------------
class _NotFinite:
    """A JSON number Python cannot hold as a finite number (NaN, Infinity, 1e999, a 5000-digit
    integer): kept as a marker, so that the check of its field refuses it by name."""

    def __init__(self, text: str) -> None:
        self.text = text if len(text) <= 24 else f"a number of {len(text)} characters"

    def __repr__(self) -> str:
        return self.text


def _parse_float(text: str) -> float | _NotFinite:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(text)


def _parse_int(text: str) -> int | _NotFinite:
    return int(text) if len(text) <= 400 else _NotFinite(text)


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _check_depth(text: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH before parsing it (the parser would recurse)."""
    depth, key, last = 0, "body", None
    for match in _TOKEN.finditer(text):
        part = match.group()
        if part[0] == '"':
            if depth == 1:
                last = part
        elif part in "[{":
            depth += 1
            if depth == 2:
                try:
                    named = json.loads(last) if last else None
                except ValueError:
                    named = None
                key = named if named in SCHEMA["properties"] else "body"
            if depth > MAX_DEPTH:
                raise InvalidRequest(key, f"is nested more than {MAX_DEPTH} levels deep")
        else:
            depth -= 1


def parse_create_json(raw: bytes | str) -> CreateRequest:
    """A create body as it arrives over HTTP: at most MAX_BODY_BYTES of UTF-8 JSON, nested at
    most MAX_DEPTH deep, numbers finite; then ``parse_create``. Raises InvalidRequest."""
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    if len(data) > MAX_BODY_BYTES:
        raise InvalidRequest(
            "body", f"has {len(data)} bytes; a create body has at most {MAX_BODY_BYTES}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("body", "must be a JSON object, in UTF-8") from None
    _check_depth(text)
    try:
        body = json.loads(
            text or "null",
            parse_constant=_NotFinite,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except (ValueError, RecursionError):
        raise InvalidRequest("body", "must be a JSON object") from None
    return parse_create(body)


def parse_create(body: Any) -> CreateRequest:
    """The create body as JSON values (a dict): every rule of SCHEMA; raises InvalidRequest."""
    if not isinstance(body, dict):
        raise InvalidRequest("body", "must be a JSON object")
    check(body, SCHEMA, "")
    prefix = body.get("namePrefix", False)
    check_name(body["name"], prefix=prefix)  # a prefix leaves room for Run:ai's suffix
    _check_gpu(body.get("gpu"))
    env = body.get("env") or {}
    spec = WorkspaceSpec(
        image=body["image"],
        command=body.get("command"),
        args=body.get("args"),
        env=dict(env),
        gpu=body.get("gpu"),
        cpu=body.get("cpu"),
        memory=body.get("memory"),
        tools=[
            Tool(t["port"], t.get("type", "custom"), t.get("name")) for t in body.get("tools") or []
        ],
        pvcs=[
            Pvc(p["claimName"], p["path"], p.get("readOnly", False)) for p in body.get("pvcs") or []
        ],
    )
    return CreateRequest(body["name"], body["project"], spec, prefix)


def create_issues(body: dict[str, Any]) -> list[ComplianceIssue]:
    """Every field of a create body that breaks a rule, at most one issue each: what a form
    shows all at once (``parse_create`` stops at the first). The rules are the same ones."""
    issues: dict[str, ComplianceIssue] = {}

    def attempt(field: str, rule: Any, *args: Any, **kwargs: Any) -> None:
        if field in issues:
            return
        try:
            rule(*args, **kwargs)
        except InvalidRequest as exc:
            issue = exc.issues[0]
            issues.setdefault(issue.field.split(".")[0].split("[")[0], issue)

    loose = {**SCHEMA, "required": []}
    for key in SCHEMA["required"]:
        if body.get(key) is None and key != "name":
            attempt(key, check, {}, {**SCHEMA, "required": [key]}, "")
    attempt("name", check_name, body.get("name"), prefix=bool(body.get("namePrefix")))
    for key, value in body.items():
        if key != "name":
            attempt(key, check, {key: value}, loose, "")
    attempt("gpu", _check_gpu, body.get("gpu"))
    return list(issues.values())


def check_spec(spec: WorkspaceSpec) -> None:
    """A WorkspaceSpec (the Python API) against the same rules; raises InvalidRequest."""
    values: dict[str, Any] = {"image": spec.image}
    for key in ("command", "args", "gpu", "cpu", "memory"):
        if getattr(spec, key) is not None:
            values[key] = getattr(spec, key)
    if spec.env:
        values["env"] = dict(spec.env)
    if spec.tools:
        values["tools"] = [
            {
                "port": t.port,
                "type": t.tool_type,
                **({"name": t.name} if t.name is not None else {}),
            }
            for t in spec.tools
        ]
    if spec.pvcs:
        values["pvcs"] = [
            {"claimName": p.claim_name, "path": p.path, "readOnly": p.read_only} for p in spec.pvcs
        ]
    check(values, SPEC_SCHEMA, "")
    _check_gpu(spec.gpu)


def _check_gpu(gpu: float | None) -> None:
    if gpu is not None and gpu > 1 and gpu != int(gpu):
        raise InvalidRequest("gpu", "above 1, GPUs are whole devices (a portion is < 1)")


def check_name(name: object, *, prefix: bool = False, field: str = "name") -> str:
    """Return ``name`` if it is a valid workspace name (or prefix); raise InvalidRequest if not."""
    limit = NAME_MAX_LENGTH - PREFIX_SUFFIX_LENGTH if prefix else NAME_MAX_LENGTH
    what = "name prefix" if prefix else "name"
    if not isinstance(name, str) or not name:
        raise InvalidRequest(field, f"a workspace {what} is required: {NAME_RULE}")
    if len(name) > limit:
        raise InvalidRequest(
            field,
            f"{_show(name)} has {len(name)} characters; a workspace {what} has at most {limit}"
            + (" (Run:ai adds a 6-character suffix)" if prefix else ""),
        )
    if not matches(NAME_PATTERN, name):
        raise InvalidRequest(field, f"{_show(name)} is not a valid workspace {what}: {NAME_RULE}")
    return name


# -- the rules of SCHEMA, applied ---------------------------------------------------------------
_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether the whole of ``value`` matches a SCHEMA pattern (``$`` is the very end)."""
    return _pattern(pattern).fullmatch(value) is not None


def _show(value: str) -> str:
    """A value for a message: quoted, and short whatever it is."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _key(key: str) -> str:
    """A key for a field name: as is when plain, else quoted (no control character reaches a
    message or a log line)."""
    return key if re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", key) else _show(key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(value: Any, schema: dict[str, Any], field: str) -> None:
    """Raise InvalidRequest naming ``field`` (or the part of it) where ``value`` breaks
    ``schema`` (SCHEMA or a part of it: the keywords SCHEMA uses)."""
    kind = schema["type"]
    where = field or "body"
    about = schema.get("description", "")
    if isinstance(value, _NotFinite) or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidRequest(where, f"must be a finite number, not {value!r}")
    if not _is(value, kind):
        rule = f"must be {_WORDS[kind]}" + (f": {about}" if about else "")
        raise InvalidRequest(where, rule + (" (leave it out for none)" if value is None else ""))
    if kind == "string":
        if "minLength" in schema and len(value.strip()) < schema["minLength"]:
            raise InvalidRequest(where, f"required: {about}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise InvalidRequest(
                where, f"has {len(value)} characters; at most {schema['maxLength']}"
            )
        if "pattern" in schema and not matches(schema["pattern"], value):
            raise InvalidRequest(where, f"{_show(value)} is not {about}")
    elif kind in ("number", "integer"):
        if "minimum" in schema and value < schema["minimum"]:
            raise InvalidRequest(where, f"must be >= {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise InvalidRequest(where, f"must be at most {schema['maximum']}")
    elif kind == "array":
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise InvalidRequest(where, f"has {len(value)} items; at most {schema['maxItems']}")
        for index, item in enumerate(value):
            check(item, schema["items"], f"{where}[{index}]")
    elif kind == "object":
        _check_object(value, schema, field)


def _check_object(value: dict[str, Any], schema: dict[str, Any], field: str) -> None:
    where = field or "body"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        raise InvalidRequest(where, f"has {len(value)} entries; at most {schema['maxProperties']}")
    names = schema.get("x-propertyNames")
    for key in value:
        if not isinstance(key, str):
            raise InvalidRequest(where, f"names must be strings, not {type(key).__name__}")
        if key in properties:
            continue
        if extra is False:
            raise InvalidRequest(
                _join(field, _key(key)), f"unknown field; known: {', '.join(properties)}"
            )
        if names is not None:
            shown = _join(field, _key(key))
            if len(key) > names["maxLength"]:
                raise InvalidRequest(
                    shown, f"the name has {len(key)} characters; at most {names['maxLength']}"
                )
            if not matches(names["pattern"], key):
                raise InvalidRequest(shown, "is not a valid environment variable name")
    for key in schema.get("required", []):
        if value.get(key) is None:
            raise InvalidRequest(_join(field, key), f"required: {properties[key]['description']}")
    for key, item in value.items():
        sub = properties.get(key, extra)
        if isinstance(sub, dict):
            check(item, sub, _join(field, _key(key)))


def _is(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(
        value,
        {
            "string": str,
            "number": (int, float),
            "integer": int,
            "object": dict,
            "array": list,
        }[kind],
    )
