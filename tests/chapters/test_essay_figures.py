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


# Figures on MiniLM's real weights: their leaves are arrays too large for an mm link.
UNLINKED = {"blog34", "blog36", "blog38", "blog39", "blog40", "blog41", "blog42"}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_essay_figure_carries_an_mm_link_that_opens_the_same_geometry(case_id, built_site):
    import mmcore
    from mmcore.wire.codec import read_header

    if cases().get(case_id) is None:
        pytest.skip("reference cases absent")
    cell = _cells_by_id(str(built_site))[case_id][0]
    blob = cell.scene_file(built_site).read_bytes()
    link = read_header(blob).get("mm_link")
    if case_id in UNLINKED:
        assert link is None
        return
    assert link, f"{case_id}: no mm link (the figure's mm button is disabled)"
    drawn, opened = Scene.from_bytes(blob), mmcore.layout(mmcore.from_mm(link), compute_values=False)
    assert [(f.path, f.shape) for f in drawn.faces] == [(f.path, f.shape) for f in opened.faces]
    for a, b in zip(drawn.faces, opened.faces):
        assert abs(a.positions() - b.positions()).max() < 1e-6, f"{case_id}: face {a.path!r} moved"
