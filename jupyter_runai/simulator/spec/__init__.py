"""The trimmed official Run:ai OpenAPI spec (see NOTICE.md)."""

from pathlib import Path

SPEC_PATH = Path(__file__).with_name("runai-api.json")
