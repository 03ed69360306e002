"""The JupyterLab sidebar's JavaScript: bytes of minified JS it ships (the built
``jupyter_runai/labextension/static/*.js``; the shared JupyterLab packages are not in it).

Target: under 200 KB. Build first (``pip install -e .`` does, or ``jlpm build:prod`` in
labextension/), then:

    python benchmarks/bundle_size.py
"""

from __future__ import annotations

import sys
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "jupyter_runai" / "labextension" / "static"
BUDGET = 200 * 1024


def bundle_files(static: Path = STATIC) -> dict[str, int]:
    """Each shipped JavaScript file and its size in bytes."""
    return {p.name: p.stat().st_size for p in sorted(static.glob("*.js"))}


def main() -> int:
    files = bundle_files()
    if not files:
        print(f"no built bundle in {STATIC}: build the extension first", file=sys.stderr)
        return 1
    for name, size in files.items():
        print(f"{size / 1024:8.1f} KB  {name}")
    total = sum(files.values())
    verdict = "within" if total <= BUDGET else "OVER"
    print(f"{total / 1024:8.1f} KB  total ({verdict} the {BUDGET // 1024} KB budget)")
    return 0 if total <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
