"""Compare a chapter's essay figure with the case mm recorded for it (``mm_blog_cases.json``).

An essay figure is a cell whose id is its case id (``id="blog11"``). For figures with synthetic
values (all but blog25..blog47) the picture must be mm's: every face of the case exists with the same
shape and name, and every element sits where mm put it (up to one global translation). For the
real-weight figures (blog25..blog47) the cell keeps the case's structure: the same face paths and
the same number of matmuls, with shapes that follow the real model.

Example:
    >>> scene = scene_of_cell(SOURCE, "blog11")              # doctest: +SKIP
    >>> check_matches_case(scene, "blog11")                  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import pathlib

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.scene import Scene


REPO = pathlib.Path(__file__).resolve().parents[2]
CASES_FILE = REPO.parent / "shared" / "reference" / "mm_blog_cases.json"

#: essay figures drawn on real trained weights here (the essay used GPT-2's): structure only
REAL_WEIGHT_CASES = frozenset(f"blog{n:02d}" for n in range(25, 48))


@functools.lru_cache(maxsize=None)
def cases() -> dict[str, dict]:
    """The essay's cases by id."""
    if not CASES_FILE.exists():
        pytest.skip(f"reference cases absent: expected {CASES_FILE.relative_to(REPO.parent)} beside the clone")
    return {c["id"]: c for c in json.loads(CASES_FILE.read_text())}


def scene_of_cell(source: str, cell_id: str) -> Scene:
    """Run a cell as the site build does and decode its scene."""
    result = run_cell(source, cell_id=cell_id)
    assert result.scene is not None, f"cell {cell_id} shows no figure"
    return Scene.from_bytes(result.scene)


def face_paths(scene: Scene) -> set[str]:
    """Every face path of a scene."""
    return {f.path for f in scene.faces}


def check_positions(scene: Scene, case: dict) -> None:
    """Every face of the case: same shape and name, every element at mm's place up to one translation."""
    shift = None
    rng = np.random.default_rng(0)
    for path, ref in case["faces"].items():
        face = scene.face(path)
        assert face.shape == tuple(ref["shape"]), f"{case['id']} face {path!r}: shape {face.shape}, mm {ref['shape']}"
        assert face.name == ref["name"], f"{case['id']} face {path!r}: name {face.name!r}, mm {ref['name']!r}"
        h, w = face.shape
        p00, rd, cd = (np.asarray(ref[k], float) for k in ("p00", "row_dir", "col_dir"))
        ro, co = np.asarray(ref["row_offsets"], float), np.asarray(ref["col_offsets"], float)
        if shift is None:
            shift = face.position(0, 0) - p00
        rows = np.arange(h) if h * w <= 20000 else np.r_[0, h - 1, rng.integers(0, h, 64)]
        cols = np.arange(w) if h * w <= 20000 else np.r_[0, w - 1, rng.integers(0, w, 64)]
        got = np.array([[face.position(r, c) for c in cols] for r in rows]) - shift
        want = p00 + ro[rows, None, None] * rd + co[None, cols, None] * cd
        np.testing.assert_allclose(got, want, atol=1e-4, err_msg=f"{case['id']} face {path!r}")
    np.testing.assert_allclose(np.asarray(scene.bbox_min) - shift, case["bbox"]["min"], atol=1e-4)
    np.testing.assert_allclose(np.asarray(scene.bbox_max) - shift, case["bbox"]["max"], atol=1e-4)


def check_structure(scene: Scene, case: dict) -> None:
    """The same face paths as the case (the same expression tree), shapes free (real models differ)."""
    want = set(case["faces"])
    got = face_paths(scene)
    assert want <= got, f"{case['id']}: faces {sorted(want - got)} of mm's figure are missing"
    matmuls = {p for p in got if p == "" or any(q.startswith(p) and q != p for q in got)}
    assert len(matmuls) == int(case["n_matmuls"]), f"{case['id']}: {len(matmuls)} matmuls, mm has {case['n_matmuls']}"


def check_matches_case(scene: Scene, case_id: str) -> None:
    """The check the site applies to the essay figure ``case_id`` (see the module docstring)."""
    case = cases()[case_id]
    if case_id in REAL_WEIGHT_CASES:
        check_structure(scene, case)
    else:
        check_positions(scene, case)
