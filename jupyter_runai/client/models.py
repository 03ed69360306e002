"""Typed views of Run:ai objects, and the spec of a workspace to create.

Each model keeps the whole answer in ``raw``: a newer control plane that adds fields, or a phase
this version has not heard of, does not break the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Phase(str, Enum):
    """Every value of the spec's ``Phase`` enum."""

    CREATING = "Creating"
    INITIALIZING = "Initializing"
    RESUMING = "Resuming"
    PENDING = "Pending"
    DELETING = "Deleting"
    RUNNING = "Running"
    UPDATING = "Updating"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    DEGRADED = "Degraded"
    FAILED = "Failed"
    COMPLETED = "Completed"
    TERMINATING = "Terminating"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, value: object) -> Phase:
        """The phase for an API value; anything unheard of is UNKNOWN (``raw`` keeps the text)."""
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def transitional(self) -> bool:
        """On its way somewhere: a view shows a spinner."""
        return self in _TRANSITIONAL

    @property
    def finished(self) -> bool:
        """Will not change by itself (a waiting loop can stop)."""
        return self in (Phase.STOPPED, Phase.FAILED, Phase.COMPLETED)

    def __str__(self) -> str:
        return self.value


_TRANSITIONAL = frozenset(
    {
        Phase.CREATING,
        Phase.INITIALIZING,
        Phase.RESUMING,
        Phase.PENDING,
        Phase.DELETING,
        Phase.UPDATING,
        Phase.STOPPING,
        Phase.TERMINATING,
    }
)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class Workspace:
    """A workspace as listed (``Workload``) or as created/fetched (``Workspace1``)."""

    id: str
    name: str
    project_id: str
    cluster_id: str
    phase: Phase
    desired_phase: str | None
    project_name: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    requested_name: str | None = None
    phase_message: str | None = None
    gpu_requested: float | None = None
    gpu_allocated: float | None = None
    image: str | None = None
    cpu_requested: float | None = None
    memory_requested: str | None = None
    #: Its environment variables with plain values (as Run:ai lists them; ones from secrets or
    #: config maps have no value to show and are left out).
    env: dict[str, str] = field(default_factory=dict, repr=False)
    urls: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], project_name: str | None = None) -> Workspace:
        raw = dict(data)
        if "workloadId" in raw:  # Workspace1: create / GET .../workspaces/{id}
            spec = raw.get("spec") or {}
            compute = spec.get("compute") or {}
            devices, portion = compute.get("gpuDevicesRequest"), compute.get("gpuPortionRequest")
            gpu = (devices if devices is not None else 1) * portion if portion else devices
            return cls(
                id=raw["workloadId"],
                name=raw["name"],
                project_id=str(raw["projectId"]),
                cluster_id=raw["clusterId"],
                phase=Phase.parse(raw.get("actualPhase")),
                desired_phase=raw.get("desiredPhase"),
                project_name=project_name,
                created_at=_time(raw.get("createdAt")),
                created_by=raw.get("createdBy"),
                requested_name=raw.get("requestedName"),
                gpu_requested=_number(gpu),
                image=spec.get("image"),
                cpu_requested=_number(compute.get("cpuCoreRequest")),
                memory_requested=_text(compute.get("cpuMemoryRequest")),
                env={
                    e["name"]: e["value"]
                    for e in spec.get("environmentVariables") or []
                    if isinstance(e, dict)
                    and _text(e.get("name"))
                    and _text(e.get("value")) is not None
                },
                raw=raw,
            )
        requested = raw.get("workloadRequestedResources") or {}
        allocated = raw.get("allocatedResources") or {}
        return cls(
            id=raw["id"],
            name=raw["name"],
            project_id=str(raw["projectId"]),
            cluster_id=raw["clusterId"],
            phase=Phase.parse(raw.get("phase")),
            desired_phase=None,
            project_name=raw.get("projectName") or project_name,
            created_at=_time(raw.get("createdAt")),
            created_by=raw.get("submittedBy"),
            phase_message=raw.get("phaseMessage") or None,
            gpu_requested=_number((requested.get("gpu") or {}).get("request")),
            gpu_allocated=_number(allocated.get("gpu")),
            image=(raw.get("images") or [None])[0],
            cpu_requested=_number((requested.get("cpu") or {}).get("request")),
            memory_requested=_text((requested.get("cpuMemory") or {}).get("request")),
            env={
                k: v
                for k, v in (raw.get("environmentVariables") or {}).items()
                if isinstance(k, str) and isinstance(v, str)
            },
            urls=[u for u in raw.get("urls") or [] if isinstance(u, str)],
            raw=raw,
        )

    @property
    def transitional(self) -> bool:
        """On its way to another phase (a live view spins): not a Pending one that says why it
        waits (for GPUs, say), which may wait for hours."""
        return self.phase.transitional and not (self.phase is Phase.PENDING and self.phase_message)

    @property
    def can_suspend(self) -> bool:
        return self.phase not in (Phase.STOPPED, Phase.STOPPING, Phase.DELETING)

    @property
    def can_resume(self) -> bool:
        return self.phase in (Phase.STOPPED, Phase.STOPPING)


@dataclass
class Project:
    id: str
    name: str
    cluster_id: str
    gpu_quota: float | None
    gpu_allocated: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Project:
        raw = dict(data)
        quota = (raw.get("status") or {}).get("quotaStatus") or {}
        return cls(
            id=str(raw["id"]),
            name=raw["name"],
            cluster_id=raw["clusterId"],
            gpu_quota=_number((raw.get("totalResources") or {}).get("gpuQuota")),
            gpu_allocated=_number((quota.get("allocated") or {}).get("gpu")),
            raw=raw,
        )


@dataclass
class Cluster:
    id: str
    name: str
    state: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Cluster:
        raw = dict(data)
        return cls(
            id=raw["uuid"], name=raw["name"], state=(raw.get("status") or {}).get("state"), raw=raw
        )


@dataclass(frozen=True)
class Tool:
    """A container port exposed as a URL (a Jupyter server, TensorBoard, ...)."""

    port: int
    tool_type: str = "custom"
    name: str | None = None


@dataclass(frozen=True)
class Pvc:
    """An existing persistent volume claim mounted at ``path``."""

    claim_name: str
    path: str
    read_only: bool = False


@dataclass
class WorkspaceSpec:
    """What a new workspace runs and needs. ``gpu`` below 1 is a GPU portion, else devices."""

    image: str
    command: str | None = None
    args: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    gpu: float | None = None
    cpu: float | None = None
    memory: str | None = None
    tools: list[Tool] = field(default_factory=list)
    pvcs: list[Pvc] = field(default_factory=list)

    def validate(self) -> None:
        """Raise InvalidRequest naming the first field that breaks a rule (the rules are
        ``create_body.SCHEMA``'s, as for a create body)."""
        from .create_body import check_spec  # create_body builds WorkspaceSpecs

        check_spec(self)

    def to_api(self) -> dict[str, Any]:
        """The spec's ``WorkspaceSpecSpec`` JSON."""
        spec: dict[str, Any] = {"image": self.image.strip()}
        if self.command:
            spec["command"] = self.command
        if self.args:
            spec["args"] = self.args
        if self.env:
            spec["environmentVariables"] = [
                {"name": str(k), "value": str(v)} for k, v in self.env.items()
            ]
        compute: dict[str, Any] = {}
        if self.gpu:
            if self.gpu < 1:
                compute.update(
                    gpuDevicesRequest=1, gpuRequestType="portion", gpuPortionRequest=self.gpu
                )
            else:
                compute["gpuDevicesRequest"] = int(self.gpu)
        if self.cpu is not None:
            compute["cpuCoreRequest"] = self.cpu
        if self.memory is not None:
            compute["cpuMemoryRequest"] = str(self.memory)
        if compute:
            spec["compute"] = compute
        if self.tools:
            spec["exposedUrls"] = [
                {
                    "container": t.port,
                    "toolType": t.tool_type,
                    "toolName": t.name or t.tool_type,
                    "name": t.name or f"{t.tool_type}-{t.port}",
                }
                for t in self.tools
            ]
        if self.pvcs:
            spec["storage"] = {
                "pvc": [
                    {
                        "claimName": p.claim_name,
                        "path": p.path,
                        "existingPvc": True,
                        "readOnly": p.read_only,
                    }
                    for p in self.pvcs
                ]
            }
        return spec
