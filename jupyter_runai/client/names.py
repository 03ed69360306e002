"""Workspace names: checked before any call, so a bad name never reaches Run:ai.

Run:ai's spec allows any string, but a workspace becomes Kubernetes objects, so the control plane
rejects what is not a DNS label. We ask for a little more (start with a letter, at most 40
characters) so that names stay valid in every object Run:ai derives from them. The pattern and
the limits are ``create_body.SCHEMA``'s (the one source of the create body's rules).
"""

from __future__ import annotations

from .create_body import (
    NAME_MAX_LENGTH as MAX_LENGTH,
)
from .create_body import (
    NAME_PATTERN,
    PREFIX_SUFFIX_LENGTH,
    check_name,
)
from .create_body import (
    NAME_RULE as RULE,
)

__all__ = ["MAX_LENGTH", "NAME_PATTERN", "PREFIX_SUFFIX_LENGTH", "RULE", "check_name"]
