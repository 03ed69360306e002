"""The simulated control plane: clusters, projects, workspaces, GPU quota and the phase clock.

Phases advance lazily: every read or write first replays, in time order, the transitions that
fell due since the last call, so no background task is needed and a test that waits 0.1 s on a
fast clock sees exactly what a real cluster would show after that long.

Choices where the spec is silent (see also the README's simulator section):
- Durations (seconds, divided by ``time_scale``): Creating 1, Pending at least 0.5, Initializing 2,
  Stopping 1, Resuming 1, Deleting 1.
- Workspaces are non-preemptible (the Run:ai default for workspaces), so a project never runs more
  GPUs than its quota; a workspace that does not fit stays Pending with phaseReason
  ``NonPreemptibleOverQuota`` and is admitted, oldest first, as soon as GPUs free up. A smaller one
  may start ahead of a larger one that still does not fit (backfill).
- A memory-type GPU request counts as one whole device (simulated GPUs have no memory size).
- An image the cluster cannot pull (the ``unpullable_images`` fault) fails its workspace at the
  end of Initializing: phase Failed, its phaseMessage saying so (``ImagePullBackOff: ...``; the
  spec's phaseReason enum has scheduling reasons only), its GPUs freed. Suspend then resume tries
  again.
- Suspend and resume converge like a reconciler: they set ``desiredPhase`` and are idempotent
  (suspending a Stopped workspace or resuming a Running one answers 202 and changes nothing).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DURATIONS = {
    "Creating": 1.0,
    "Pending": 0.5,
    "Initializing": 2.0,
    "Stopping": 1.0,
    "Resuming": 1.0,
    "Deleting": 1.0,
}
#: Kubernetes object names: a DNS label (whole-string matches: ``fullmatch``, as Go's anchors
#: are; Python's ``$`` also matches before a final newline).
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
#: What Kubernetes accepts as an environment variable name, and as a quantity.
ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
QUANTITY = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[mkMGTPE]|[eE][-+]?[0-9]+)?")
DEFAULT_SEED = Path(__file__).with_name("default_seed.json")
NAMESPACE = uuid.UUID("6f1c2e0a-4a51-4d59-9a8e-3d1d2f7e9b10")
#: Departments are UUIDs (a project's ``parentId``); the simulator has one.
DEFAULT_DEPARTMENT = str(uuid.uuid5(NAMESPACE, "department/default"))


class ApiError(Exception):
    """A Run:ai error answer: HTTP status, message, and per-field compliance issues."""

    def __init__(self, status: int, message: str, issues: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.issues = issues or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.issues:
            body["complianceIssues"] = self.issues
        return body


def iso(moment: datetime) -> str:
    """Run:ai's timestamp format: UTC with milliseconds and a Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def kubernetes_issues(spec: dict[str, Any]) -> list[dict[str, str]]:
    """What the cluster would refuse in a schema-valid spec: env names, quantities, claim names."""
    issues = []
    for index, env in enumerate(spec.get("environmentVariables") or []):
        name = env.get("name")
        if isinstance(name, str) and not ENV_VAR_NAME.fullmatch(name):
            issues.append(
                {
                    "field": f"spec.environmentVariables[{index}].name",
                    "details": "a valid environment variable name must consist of alphabetic "
                    "characters, digits, '_', '-', or '.', and must not start with a digit",
                }
            )
    compute = spec.get("compute") or {}
    for key in ("cpuMemoryRequest", "cpuMemoryLimit"):
        value = compute.get(key)
        if isinstance(value, str) and not QUANTITY.fullmatch(value):
            issues.append(
                {
                    "field": f"spec.compute.{key}",
                    "details": "quantities must match the regular expression "
                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                }
            )
    for index, pvc in enumerate((spec.get("storage") or {}).get("pvc") or []):
        claim = pvc.get("claimName")
        if isinstance(claim, str) and not DNS_SUBDOMAIN.fullmatch(claim):
            issues.append(
                {
                    "field": f"spec.storage.pvc[{index}].claimName",
                    "details": "a lowercase RFC 1123 subdomain must consist of lower case "
                    "alphanumeric characters, '-' or '.', and must start and end with an "
                    "alphanumeric character",
                }
            )
    return issues


@dataclass
class Cluster:
    uuid: str
    name: str
    domain: str
    created_at: datetime

    def view(self, tenant_id: int) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "tenantId": tenant_id,
            "name": self.name,
            "createdAt": iso(self.created_at),
            "domain": self.domain,
            "version": "2.24.0-sim",
            "status": {"state": "Connected", "platform": {"type": "vanilla"}},
            "updatedAt": iso(self.created_at),
            "deletedAt": None,
            "lastLiveness": iso(datetime.now(timezone.utc)),
        }


@dataclass
class Project:
    id: str
    name: str
    cluster: Cluster
    gpu_quota: float
    created_at: datetime
    department_id: str = DEFAULT_DEPARTMENT
    department_name: str = "default"

    @property
    def namespace(self) -> str:
        return f"runai-{self.name}"


@dataclass
class Workspace:
    id: str
    name: str
    requested_name: str
    project: Project
    created_by: str
    created_at: datetime
    spec: dict[str, Any]
    gpu: float
    seq: int = 0  # creation order: "oldest first" even when the clock stood still between
    phase: str = "Creating"
    desired: str = "Running"
    phase_at: float = 0.0  # simulator clock time the phase began
    due: float | None = None  # clock time of the next transition, None = waiting
    allocated: bool = False
    deleted_at: datetime | None = None
    message: str = ""
    reason: str = ""  # phaseReason (the spec's enum: why the scheduler holds it back)
    pending_s: float = 0.0
    running_s: float = 0.0
    updated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


class Clock:
    """The simulator's clock (seconds, monotonic): real time by default. Tests may freeze it and
    move it forward by hand (``POST /_simulator/clock``), so phases change exactly when told."""

    def __init__(self) -> None:
        self.offset = 0.0  # seconds added to real time by ``advance``
        self.frozen_at: float | None = None  # the reading while frozen, None = running
        #: Wall time minus monotonic time, read once: one reading is always one wall time.
        self.epoch = time.time() - time.monotonic()

    def now(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return time.monotonic() + self.offset

    def wall(self, t: float) -> datetime:
        """The UTC time of reading ``t`` (it moves with ``advance`` too)."""
        return datetime.fromtimestamp(self.epoch + t, timezone.utc)

    def time(self) -> float:
        """``time.time()`` on this clock: what tokens are issued and checked against."""
        return self.epoch + self.now()

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def freeze(self, frozen: bool) -> None:
        """Stop the clock where it is, or let it run on from its reading (no jump)."""
        if frozen and self.frozen_at is None:
            self.frozen_at = self.now()
        elif not frozen and self.frozen_at is not None:
            self.offset = self.frozen_at - time.monotonic()
            self.frozen_at = None

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("advance: the clock does not go back")
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def view(self) -> dict[str, Any]:
        return {"now": self.now(), "frozen": self.frozen, "offset": self.offset}


class ControlPlane:
    """All simulated Run:ai state, and the operations the HTTP layer calls."""

    def __init__(self, seed: dict[str, Any] | None = None, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.time_scale = time_scale
        self.seed = seed if seed is not None else json.loads(DEFAULT_SEED.read_text())
        self.clock = Clock()
        #: Whether the cluster fails to pull an image (the HTTP layer's faults decide).
        self.pull_fails: Callable[[str], bool] = lambda image: False
        self.reset()

    def reset(self) -> None:
        """Back to the seed state: no workspaces, and the clock real again."""
        self.clock = Clock()
        self.tenant_id: int = self.seed.get("tenantId", 1001)
        self.clusters: dict[str, Cluster] = {}
        self.projects: dict[str, Project] = {}
        self.workspaces: dict[str, Workspace] = {}
        self.deleted: dict[str, Workspace] = {}
        self._created = itertools.count()
        self._load(self.seed)

    # -- seed ---------------------------------------------------------------------------------
    def _load(self, seed: dict[str, Any]) -> None:
        now = datetime.now(timezone.utc)
        for item in seed.get("clusters", []):
            uid = item.get("uuid") or str(uuid.uuid5(NAMESPACE, item["name"]))
            self.clusters[uid] = Cluster(uid, item["name"], item.get("domain", ""), now)
        if not self.clusters:
            raise ValueError("seed: at least one cluster is needed")
        by_name = {c.name: c for c in self.clusters.values()}
        for index, item in enumerate(seed.get("projects", []), start=1):
            if not DNS_LABEL.fullmatch(item["name"]):
                raise ValueError(f"seed: project name {item['name']!r} is not a DNS label")
            ref = item.get("cluster")
            cluster = (
                self.clusters.get(ref) or by_name.get(ref)
                if ref
                else next(iter(self.clusters.values()))
            )
            if cluster is None:
                raise ValueError(f"seed: project {item['name']!r} names unknown cluster {ref!r}")
            pid = str(item.get("id", 4500 + index))
            self.projects[pid] = Project(pid, item["name"], cluster, float(item["gpuQuota"]), now)

    # -- clock --------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def _wall(self, t: float) -> datetime:
        return self.clock.wall(t)

    def _after(self, t: float, phase: str) -> float:
        return t + DURATIONS[phase] / self.time_scale

    def advance(self) -> None:
        """Apply, in time order, every transition that has fallen due."""
        now = self.now()
        while True:
            due = [w for w in self.workspaces.values() if w.due is not None and w.due <= now]
            if not due:
                return
            ws = min(due, key=lambda w: (w.due, w.seq))
            self._step(ws, ws.due)  # type: ignore[arg-type]

    def _enter(self, ws: Workspace, phase: str, t: float, due: float | None) -> None:
        elapsed = (t - ws.phase_at) * self.time_scale
        if ws.phase == "Pending":
            ws.pending_s += elapsed
        elif ws.phase == "Running":
            ws.running_s += elapsed
        ws.phase, ws.phase_at, ws.due = phase, t, due
        ws.updated_at = self._wall(t)
        ws.message = ws.reason = ""

    def _step(self, ws: Workspace, t: float) -> None:
        if ws.phase in ("Creating", "Resuming"):
            self._enter(ws, "Pending", t, None)
            self._admit(ws.project, t)
        elif ws.phase == "Pending":
            self._enter(ws, "Initializing", t, self._after(t, "Initializing"))
        elif ws.phase == "Initializing":
            image = ws.spec.get("image", "")
            if self.pull_fails(image):
                self._enter(ws, "Failed", t, None)  # no phaseReason: the spec's are scheduling's
                ws.message = f'ImagePullBackOff: Back-off pulling image "{image}": not found'
                self._release(ws, t)
            else:
                self._enter(ws, "Running", t, None)
        elif ws.phase == "Stopping":
            self._release(ws, t)
            if ws.desired == "Running":
                self._enter(ws, "Resuming", t, self._after(t, "Resuming"))
            else:
                self._enter(ws, "Stopped", t, None)
        elif ws.phase == "Deleting":
            self._release(ws, t)
            ws.deleted_at = self._wall(t)
            ws.due = None
            del self.workspaces[ws.id]
            self.deleted[ws.id] = ws

    # -- quota --------------------------------------------------------------------------------
    def used_gpus(self, project: Project) -> float:
        return sum(w.gpu for w in self.workspaces.values() if w.project is project and w.allocated)

    def _release(self, ws: Workspace, t: float) -> None:
        if ws.allocated:
            ws.allocated = False
            self._admit(ws.project, t)

    def _admit(self, project: Project, t: float) -> None:
        """Start every waiting workspace of the project that fits, oldest first."""
        waiting = sorted(
            (
                w
                for w in self.workspaces.values()
                if w.project is project and w.phase == "Pending" and not w.allocated
            ),
            key=lambda w: (w.phase_at, w.seq),
        )
        for ws in waiting:
            free = project.gpu_quota - self.used_gpus(project)
            if ws.gpu <= free + 1e-9:
                ws.allocated = True
                ws.due = max(t, ws.phase_at) + DURATIONS["Pending"] / self.time_scale
                ws.message = ws.reason = ""
            else:
                ws.reason = "NonPreemptibleOverQuota"
                ws.message = (
                    f"Non-preemptible over quota: requests {ws.gpu:g} GPU"
                    f"{'' if ws.gpu == 1 else 's'}, project "
                    f"{project.name} has {free:g} of {project.gpu_quota:g} free"
                )

    # -- lookups ------------------------------------------------------------------------------
    def workspace(self, workload_id: str) -> Workspace:
        self.advance()
        try:
            return self.workspaces[workload_id]
        except KeyError:
            raise ApiError(404, f"Workload {workload_id} not found.") from None

    # -- actions ------------------------------------------------------------------------------
    def create(self, body: dict[str, Any], created_by: str) -> Workspace:
        """Create a workspace from an already schema-valid WorkspaceCreationRequest."""
        self.advance()
        project = self.projects.get(str(body["projectId"]))
        if project is None:
            raise ApiError(
                400,
                "The workload request does not comply with the policy set by the administrator",
                [{"field": "projectId", "details": f"project {body['projectId']} does not exist"}],
            )
        if body["clusterId"] != project.cluster.uuid:
            raise ApiError(
                400,
                "The workload request does not comply with the policy set by the administrator",
                [
                    {
                        "field": "clusterId",
                        "details": f"project {project.name} is not in this cluster",
                    }
                ],
            )
        requested = body["name"]
        if not DNS_LABEL.fullmatch(requested) or len(requested) > 63:
            raise ApiError(
                400,
                f"Invalid workload name {requested!r}",
                [
                    {
                        "field": "name",
                        "details": "must be a DNS label: lowercase letters, digits and '-', "
                        "starting and ending with a letter or digit, at most 63 characters",
                    }
                ],
            )
        spec = body.get("spec") or {}
        if not spec.get("image"):
            raise ApiError(
                400,
                "Required parameter is missing",
                [{"field": "spec.image", "details": "the image is mandatory for a workspace"}],
            )
        issues = kubernetes_issues(spec)
        if issues:
            raise ApiError(400, "The workload spec is not valid in Kubernetes", issues)
        gpu = self._gpu_request(spec.get("compute") or {}, project)
        name = requested
        if body.get("useGivenNameAsPrefix"):
            alphabet = string.ascii_lowercase + string.digits
            name = f"{requested}-{''.join(secrets.choice(alphabet) for _ in range(5))}"
        if any(w.project is project and w.name == name for w in self.workspaces.values()):
            raise ApiError(409, f"Workload {name} already exists in project {project.name}.")
        now = self.now()
        ws = Workspace(
            id=str(uuid.uuid4()),
            name=name,
            requested_name=requested,
            project=project,
            created_by=created_by,
            created_at=self._wall(now),
            spec=spec,
            gpu=gpu,
            seq=next(self._created),
            phase_at=now,
            due=self._after(now, "Creating"),
        )
        self.workspaces[ws.id] = ws
        return ws

    @staticmethod
    def _gpu_request(compute: dict[str, Any], project: Project) -> float:
        devices = compute.get("gpuDevicesRequest")
        kind = compute.get("gpuRequestType")
        portion = compute.get("gpuPortionRequest")
        issues = []
        if portion is not None and not 0 < portion <= 1:
            issues.append(
                {"field": "compute.gpuPortionRequest", "details": "value must be between 0 and 1"}
            )
        if portion is not None and kind not in (None, "portion"):
            issues.append(
                {"field": "compute.gpuRequestType", "details": "must be portion with a portion"}
            )
        if devices is not None and devices > 1 and kind == "memory":
            issues.append(
                {"field": "compute.gpuRequestType", "details": "more than one device needs portion"}
            )
        if issues:
            raise ApiError(400, "Invalid GPU request", issues)
        if portion is not None:
            gpu = (devices if devices is not None else 1) * portion
        elif kind == "memory" or compute.get("gpuMemoryRequest"):
            gpu = float(devices if devices is not None else 1)
        else:
            gpu = float(devices or 0)
        if gpu > project.gpu_quota:
            field_name = "compute.gpuPortionRequest" if portion else "compute.gpuDevicesRequest"
            raise ApiError(
                400,
                "The workload request does not comply with the policy set by the administrator",
                [
                    {
                        "field": field_name,
                        "details": f"value must be no more than {project.gpu_quota:g}: "
                        f"project {project.name} has a quota of {project.gpu_quota:g} GPUs",
                        "rule": "max",
                    }
                ],
            )
        return gpu

    def suspend(self, workload_id: str) -> None:
        ws = self.workspace(workload_id)
        if ws.phase == "Deleting":
            raise ApiError(400, f"Workload {ws.name} is being deleted and cannot be suspended.")
        ws.desired = "Stopped"
        if ws.phase not in ("Stopping", "Stopped"):
            now = self.now()
            self._enter(ws, "Stopping", now, self._after(now, "Stopping"))

    def resume(self, workload_id: str) -> None:
        ws = self.workspace(workload_id)
        if ws.phase == "Deleting":
            raise ApiError(400, f"Workload {ws.name} is being deleted and cannot be resumed.")
        ws.desired = "Running"
        if ws.phase == "Stopped":
            now = self.now()
            self._enter(ws, "Resuming", now, self._after(now, "Resuming"))

    def delete(self, workload_id: str) -> None:
        ws = self.workspace(workload_id)
        ws.desired = "Deleted"
        if ws.phase != "Deleting":
            now = self.now()
            self._enter(ws, "Deleting", now, self._after(now, "Deleting"))

    # -- views --------------------------------------------------------------------------------
    def workspace_view(self, ws: Workspace) -> dict[str, Any]:
        """The ``Workspace1`` shape: what create and GET .../workspaces/{id} return."""
        return {
            "name": ws.name,
            "requestedName": ws.requested_name,
            "workloadId": ws.id,
            "projectId": ws.project.id,
            "departmentId": ws.project.department_id,
            "clusterId": ws.project.cluster.uuid,
            "createdBy": ws.created_by,
            "createdAt": iso(ws.created_at),
            "deletedAt": iso(ws.deleted_at) if ws.deleted_at else None,
            "desiredPhase": ws.desired,
            "actualPhase": ws.phase,
            "spec": ws.spec,
        }

    def _urls(self, ws: Workspace) -> list[dict[str, Any]]:
        domain = ws.project.cluster.domain or "runai.local"
        return [
            {
                "name": item.get("name") or item.get("toolName") or f"port-{item.get('container')}",
                "toolType": item.get("toolType") or "custom",
                "connectionType": "ExternalUrl",
                "url": item.get("url")
                or f"https://{domain}/{ws.project.namespace}/{ws.name}/{item.get('container')}/",
                "authorizationType": item.get("authorizationType") or "authenticatedUsers",
                "containerPort": item.get("container"),
            }
            for item in ws.spec.get("exposedUrls") or []
        ]

    def workload_view(self, ws: Workspace, detailed: bool = False) -> dict[str, Any]:
        """The ``Workload`` shape of GET /api/v1/workloads (``WorkloadDetailed`` for one)."""
        compute = ws.spec.get("compute") or {}
        portion = compute.get("gpuPortionRequest")
        running = ws.phase in ("Running", "Initializing")
        now = self.now()
        pending_s = ws.pending_s + (
            (now - ws.phase_at) * self.time_scale if ws.phase == "Pending" else 0
        )
        running_s = ws.running_s + (
            (now - ws.phase_at) * self.time_scale if ws.phase == "Running" else 0
        )
        connections = self._urls(ws)
        env = {e["name"]: e.get("value") or "" for e in ws.spec.get("environmentVariables") or []}
        view: dict[str, Any] = {
            "tenantId": self.tenant_id,
            "id": ws.id,
            "name": ws.name,
            "type": "Workspace",
            "source": "Control-plane",
            "sourceApi": "WorkloadsV2",
            "category": "Build",
            "priority": 100,
            "priorityClassName": "build",
            "preemptible": False,
            "clusterId": ws.project.cluster.uuid,
            "projectId": ws.project.id,
            "projectName": ws.project.name,
            "departmentId": ws.project.department_id,
            "departmentName": ws.project.department_name,
            "namespace": ws.project.namespace,
            "submittedBy": ws.created_by,
            "createdAt": iso(ws.created_at),
            "updatedAt": iso(ws.updated_at),
            "deletedAt": iso(ws.deleted_at) if ws.deleted_at else None,
            "phase": ws.phase,
            "phaseMessage": ws.message,
            "phaseReason": ws.reason or None,
            "phaseUpdatedAt": iso(self._wall(ws.phase_at)),
            "k8sPhase": "Running" if running else "Pending",
            "k8sPhaseUpdatedAt": iso(self._wall(ws.phase_at)),
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ws.phase == "Running" else "False",
                    "lastTransitionTime": iso(self._wall(ws.phase_at)),
                }
            ],
            "runningPods": 1 if running else 0,
            "requestedPods": {"number": 1},
            "workloadRequestedResources": {
                "gpuRequestType": compute.get("gpuRequestType")
                or ("portion" if portion is not None else None),
                "gpu": {"request": ws.gpu},
                "cpu": {"request": compute.get("cpuCoreRequest")},
                "cpuMemory": {"request": compute.get("cpuMemoryRequest")},
            },
            "allocatedResources": {"gpu": ws.gpu if ws.allocated else 0.0},
            "actionsSupport": {"delete": True, "suspend": True},
            "images": [ws.spec["image"]],
            "command": ws.spec.get("command"),
            "arguments": ws.spec.get("args"),
            "environmentVariables": env,
            "urls": [c["url"] for c in connections],
            "externalConnections": connections,
            "requestedNodePools": ws.spec.get("nodePools") or ["default"],
            "currentNodePools": ["default"] if ws.allocated else [],
            "totalPendingTimeSeconds": int(pending_s),
            "totalRunningTimeSeconds": int(running_s),
            "completedAt": None,
            "idleAllocatedGpus": 0,
        }
        # absent, not null: the spec does not let these be null
        for key in ("command", "arguments", "phaseReason"):
            if view[key] is None:
                del view[key]
        if view["workloadRequestedResources"]["gpuRequestType"] is None:
            del view["workloadRequestedResources"]["gpuRequestType"]
        if detailed:
            view["pendingSchedulingMessages"] = (
                [
                    {
                        "nodePool": "default",
                        "phaseReason": "NonPreemptibleOverQuota",
                        "reason": "Non-preemptible over quota",
                        "userMessage": ws.message,
                    }
                ]
                if ws.phase == "Pending" and ws.message
                else None
            )
        return view

    def filter_row(self, ws: Workspace) -> dict[str, Any]:
        """The values ``filterBy``/``sortBy`` see for a workspace."""
        return {
            "type": "Workspace",
            "name": ws.name,
            "clusterId": ws.project.cluster.uuid,
            "projectId": ws.project.id,
            "projectName": ws.project.name,
            "departmentId": ws.project.department_id,
            "departmentName": ws.project.department_name,
            "createdAt": ws.created_at,
            "deletedAt": ws.deleted_at,
            "submittedBy": ws.created_by,
            "phase": ws.phase,
            "completedAt": None,
            "nodepool": "default",
            "allocatedGPU": ws.gpu if ws.allocated else 0.0,
            "idleGpus": 0,
            "idleAllocatedGpus": 0,
            "phaseUpdatedAt": self._wall(ws.phase_at),
            "category": "Build",
            "priority": 100,
            "priorityClassName": "build",
            "totalPendingTimeSeconds": int(ws.pending_s),
            "totalRunningTimeSeconds": int(ws.running_s),
        }

    def project_view(self, project: Project) -> dict[str, Any]:
        used = self.used_gpus(project)
        requested = sum(
            w.gpu
            for w in self.workspaces.values()
            if w.project is project and w.desired == "Running"
        )
        stamp = iso(project.created_at)
        return {
            "id": project.id,
            "name": project.name,
            "description": f"Simulated project with {project.gpu_quota:g} GPUs",
            "clusterId": project.cluster.uuid,
            "parentId": project.department_id,
            "parent": {"id": project.department_id, "name": project.department_name},
            "requestedNamespace": project.namespace,
            "enforceRunaiScheduler": True,
            "status": {
                "namespace": project.namespace,
                "phase": "Ready",
                "phaseMessage": "Project is ready",
                "quotaStatus": {
                    "allocated": {"gpu": used},
                    "allocatedNonPreemptible": {"gpu": used},
                    "requested": {"gpu": requested},
                },
            },
            "totalResources": {
                "gpuQuota": project.gpu_quota,
                "cpuQuota": None,
                "memoryQuota": None,
            },
            "resources": [
                {
                    "nodePool": {"id": "1", "name": "default"},
                    "gpu": {"deserved": project.gpu_quota, "limit": project.gpu_quota},
                }
            ],
            "effective": {"defaultNodePools": ["default"]},
            "createdAt": stamp,
            "updatedAt": stamp,
            "createdBy": "simulator",
        }

    def project_row(self, project: Project) -> dict[str, Any]:
        return {
            "name": project.name,
            "clusterId": project.cluster.uuid,
            "departmentId": project.department_id,
            "parentId": project.department_id,
            "parentName": project.department_name,
            "phase": "Ready",
            "totalGpuQuota": project.gpu_quota,
            "gpuAllocated": self.used_gpus(project),
            "createdAt": project.created_at,
        }
