"""Benchmark of the site build: medians of a warm ``mkdocs build`` and of every cell's build-time run.

Usage (after ``make site``, so the runtime is built):
    .venv/bin/python scripts/bench_build.py            # 5 repeats
    .venv/bin/python scripts/bench_build.py --repeat 9

Prints one line per measured thing: median, min and max in milliseconds. The site is built into a
temporary directory, so ``site/`` is left alone.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```mm(?P<opts>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def doc_cells() -> list[tuple[str, str]]:
    """(label, source) of every ``mm`` fence under docs/ (indentation removed)."""
    cells = []
    for page in sorted((REPO / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for n, m in enumerate(_FENCE.finditer(text), 1):
            indent = len(m.group("indent"))
            body = "".join(line[indent:] for line in m.group("body").splitlines(keepends=True))
            if 'run="false"' not in m.group("opts"):
                cells.append((f"{page.relative_to(REPO).as_posix()} cell {n}", body))
    return cells


def report(label: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(f"{label:60s} median {statistics.median(ms):8.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f}, n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from mmcore.cell import run_cell

    for label, source in doc_cells():
        samples = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            run_cell(source, cell_id="bench")
            samples.append(time.perf_counter() - t)
        report(f"run_cell: {label}", samples)

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    import logging

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    samples = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as out:
        for _ in range(args.repeat):
            config = load_config(str(REPO / "mkdocs.yml"), site_dir=out)
            t = time.perf_counter()
            build(config)
            samples.append(time.perf_counter() - t)
    report("mkdocs build (warm: cells + runtime copy)", samples)


if __name__ == "__main__":
    main()
