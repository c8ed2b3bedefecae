"""The benchmark results file that the site's "How fast is it" page is generated from.

Each benchmark script run with ``--write`` replaces its own section of ``benchmarks/results.json`` with
its medians, the command that produced them, the date and the machine. Nothing in that file is typed by
hand: re-run the command to change a number.

Example:
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "results.json"
    >>> record("page", {"cold": {"first_frame": 700}}, command="bench_page.py --runs 5", path=f)["page"]["data"]
    {'cold': {'first_frame': 700}}
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import platform
import shlex
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results.json"


def machine() -> dict:
    """What the numbers were measured on: cores, processor model, memory, OS, Python."""
    model = ""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"cores": os.cpu_count(), "cpu": model or platform.processor(), "memory_gib": mem_gib,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def command_line() -> str:
    """The command as typed, relative to the repository (no machine path)."""
    script = pathlib.Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(REPO)
    except ValueError:
        script = pathlib.Path(script.name)
    return " ".join([".venv/bin/python", script.as_posix(), *map(shlex.quote, sys.argv[1:])])


def record(section: str, data: dict, *, command: str | None = None, path: pathlib.Path = RESULTS) -> dict:
    """Replace ``section`` of the results file with ``data`` (plus command, date, machine); returns the file's content."""
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[section] = {"data": data, "command": command or command_line(),
                        "date": datetime.date.today().isoformat(), "machine": machine()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return results
