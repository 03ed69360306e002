"""The Run:ai REST client. Pure Python: imports nothing from Jupyter, tornado or ipywidgets."""

from .auth import (
    BearerToken,
    ClientCredentials,
    CliLogin,
    Credentials,
    SecretFile,
    credentials_from_env,
)
from .client import AsyncRunaiClient
from .errors import (
    ComplianceIssue,
    InvalidRequest,
    RunaiBadRequest,
    RunaiConfigError,
    RunaiConflict,
    RunaiError,
    RunaiForbidden,
    RunaiNotFound,
    RunaiTimeout,
    RunaiUnauthorized,
    RunaiUnavailable,
)
from .models import Cluster, Phase, Project, Pvc, Tool, Workspace, WorkspaceSpec
from .names import check_name
from .retry import RetryPolicy
from .sync import RunaiClient

__all__ = [
    "AsyncRunaiClient",
    "BearerToken",
    "CliLogin",
    "ClientCredentials",
    "Cluster",
    "ComplianceIssue",
    "Credentials",
    "InvalidRequest",
    "Phase",
    "Project",
    "Pvc",
    "RetryPolicy",
    "RunaiBadRequest",
    "RunaiClient",
    "RunaiConfigError",
    "RunaiConflict",
    "RunaiError",
    "RunaiForbidden",
    "RunaiNotFound",
    "RunaiTimeout",
    "RunaiUnauthorized",
    "RunaiUnavailable",
    "SecretFile",
    "Tool",
    "Workspace",
    "WorkspaceSpec",
    "check_name",
    "credentials_from_env",
]
