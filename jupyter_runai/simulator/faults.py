"""Faults injected into the simulator at run time (``POST /_simulator/faults``) or from the CLI.

Outside the Run:ai API: tests and demos use them to make the failures a real control plane has
(slowness, 5xx, 429 with Retry-After, dropped connections, short-lived tokens, images that
cannot be pulled) happen on demand.
``match`` limits request faults to one route (``"POST /api/v1/workloads/workspaces"``) and
``times`` to the next N matching requests, so a test can fail exactly one call.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Request faults; ``token_lifetime_s`` is a setting, not a per-request fault.
REQUEST_FAULTS = ("latency_ms", "error_rate", "drop_connections")


@dataclass
class Faults:
    latency_ms: float = 0.0  # delay before each matching answer (after the action is done)
    error_rate: float = 0.0  # share of matching requests answered with error_status, not acted on
    error_status: int = 503  # 401, 403, 429, 500, 502, 503 or 504
    retry_after: float | None = None  # Retry-After seconds sent with injected errors
    drop_connections: float = 0.0  # share of matching requests acted on, then dropped unanswered
    token_lifetime_s: float = 3600.0  # lifetime of newly issued tokens
    match: str | None = None  # "<METHOD> <route template>"; None = every Run:ai API route
    times: int | None = None  # request faults end after this many matching requests
    #: Images the cluster cannot pull: a workspace of one fails while Initializing, as Run:ai's
    #: do on an image pull failure (phase Failed, "ImagePullBackOff: ..."), and frees its GPUs.
    unpullable_images: list[str] = field(default_factory=list)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply changes after checking them all; raises ValueError naming the bad field."""
        known = {f.name for f in fields(self)}
        merged = asdict(self)
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"{key}: unknown fault; known: {', '.join(sorted(known))}")
            merged[key] = value
        checks = {
            "latency_ms": lambda v: isinstance(v, (int, float)) and 0 <= v <= 600_000,
            "error_rate": lambda v: isinstance(v, (int, float)) and 0 <= v <= 1,
            "error_status": lambda v: v in (401, 403, 429, 500, 502, 503, 504),
            "retry_after": lambda v: v is None or (isinstance(v, (int, float)) and v >= 0),
            "drop_connections": lambda v: isinstance(v, (int, float)) and 0 <= v <= 1,
            "token_lifetime_s": lambda v: isinstance(v, (int, float)) and v > 0,
            "match": lambda v: v is None or (isinstance(v, str) and " /" in v),
            "times": lambda v: v is None or (isinstance(v, int) and v >= 0),
            "unpullable_images": lambda v: (
                isinstance(v, list) and all(isinstance(i, str) and i for i in v)
            ),
        }
        rules = {
            "latency_ms": "a number from 0 to 600000",
            "error_rate": "a number from 0 to 1",
            "error_status": "one of 401, 403, 429, 500, 502, 503, 504",
            "retry_after": "null or a number of seconds >= 0",
            "drop_connections": "a number from 0 to 1 (true = 1)",
            "token_lifetime_s": "a number of seconds > 0",
            "match": "null or '<METHOD> <route template>'",
            "times": "null or a whole number >= 0",
            "unpullable_images": "a list of image names",
        }
        for key, value in merged.items():
            if isinstance(value, bool) and key in ("drop_connections", "error_rate"):
                merged[key] = value = float(value)
            if isinstance(value, bool) or not checks[key](value):
                raise ValueError(f"{key}: must be {rules[key]}, got {value!r}")
        for key, value in merged.items():
            setattr(self, key, value)

    def active_for(self, route: str) -> bool:
        """Whether request faults apply to this request; counts it against ``times``."""
        if not any(getattr(self, name) for name in REQUEST_FAULTS):
            return False
        if route.startswith(("GET /_simulator", "POST /_simulator", "DELETE /_simulator")):
            return False
        if self.match is not None and self.match != route:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True

    @staticmethod
    def roll(rate: float) -> bool:
        return rate >= 1 or random.random() < rate  # noqa: S311 - fault injection, not crypto
