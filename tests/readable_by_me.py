"""Run as an unprivileged user: where, of what this user can read, do these byte strings occur?

Reads the needles (one per line) from standard input, so that none is in this process's command
line or environment, then every file under the folders given as arguments and every
``/proc/<pid>/environ`` and ``/proc/<pid>/cmdline`` this user can open. Prints JSON:
``{"hits": {needle index: [places]}, "files": {folder: n read}, "environs": n, "cmdlines": n}``.
"""

from __future__ import annotations

import json
import os
import sys


def read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def main() -> None:
    needles = [line.encode() for line in sys.stdin.read().splitlines() if line]
    hits: dict[int, list[str]] = {i: [] for i in range(len(needles))}
    files: dict[str, int] = {}
    counts = {"environs": 0, "cmdlines": 0}

    def look(place: str, data: bytes) -> None:
        for i, needle in enumerate(needles):
            if needle in data:
                hits[i].append(place)

    for root in sys.argv[1:]:
        files[root] = 0
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                data = read(path)
                if data is not None:
                    files[root] += 1
                    look(path, data)
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for what in ("environ", "cmdline"):
            data = read(f"/proc/{pid}/{what}")
            if data:
                counts[f"{what}s"] += 1
                look(f"/proc/{pid}/{what}", data)
    print(json.dumps({"hits": hits, "files": files, **counts}))


if __name__ == "__main__":
    main()
