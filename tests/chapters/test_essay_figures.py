"""The built site holds every one of the essay's 40 figures as a cell whose id is its case id.

For each case id of ``mm_blog_cases.json`` exactly one cell of the site carries that id, its
prebuilt scene exists, and the scene matches mm's case (``_essay.check_matches_case``: exact geometry
for the synthetic figures, the same expression structure for the real-weight ones).
"""

import functools
import pathlib

import pytest

from e2e._site import site_cells
from mmcore.scene import Scene

from ._essay import CASES_FILE, cases, check_matches_case

import json

CASE_IDS = [c["id"] for c in json.loads(CASES_FILE.read_text())] if CASES_FILE.exists() else ["absent"]


@functools.lru_cache(maxsize=1)
def _cells_by_id(site: str) -> dict:
    by_id: dict = {}
    for cell in site_cells(pathlib.Path(site)):
        by_id.setdefault(cell.cell_id, []).append(cell)
    return by_id


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_essay_figure_is_a_cell_of_the_site_and_matches_mm(case_id, built_site):
    case = cases().get(case_id)
    if case is None:
        pytest.skip("reference cases absent")
    found = _cells_by_id(str(built_site)).get(case_id, [])
    assert len(found) == 1, f"{case_id}: expected one cell with this id in the site, found {len(found)} " \
                            f"({[c.url_path for c in found]})"
    cell = found[0]
    path = cell.scene_file(built_site)
    assert path is not None and path.is_file(), f"{case_id} on /{cell.url_path}: no prebuilt scene"
    check_matches_case(Scene.from_bytes(path.read_bytes()), case_id)
