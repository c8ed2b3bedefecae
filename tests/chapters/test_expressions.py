"""The expressions and layout chapter: blog19 is mm's figure; the scheme and spacing tabs show
what the prose says (checked on the geometry of the scenes, not on pixels)."""

from __future__ import annotations

import itertools
import pathlib
import re

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.scene import Scene
from tests.chapters._essay import check_matches_case, scene_of_cell
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "expressions.md"


def page_cells(page: pathlib.Path = PAGE) -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(page)


def scene(cell_id: str, edit: tuple[str, str] | None = None) -> tuple[Scene, str]:
    source = page_cells()[cell_id]
    if edit:
        assert edit[0] in source, f"{cell_id}: {edit[0]!r} not in the cell"
        source = source.replace(*edit)
    result = run_cell(source, cell_id=cell_id)
    return Scene.from_bytes(result.scene), result.stdout


def collisions(s: Scene) -> list[tuple[str, str]]:
    """Pairs of faces whose element boxes overlap by more than an element in every direction."""
    boxes = {}
    for f in s.faces:
        p = f.positions().reshape(-1, 3)
        boxes[f.path] = (p.min(0) - 0.5, p.max(0) + 0.5)
    return [(a, b) for a, b in itertools.combinations(boxes, 2)
            if np.all(np.minimum(boxes[a][1], boxes[b][1]) - np.maximum(boxes[a][0], boxes[b][0]) > 0.9)]


def box(s: Scene, path: str) -> np.ndarray:
    return next(n for n in s.nodes if n.path == path).corners()


def test_page_cells():
    assert set(page_cells()) == {
        "blog19", "left-chain", "right-chain", "scheme-blocks", "scheme-zigzag", "scheme-wheel",
        "scheme-custom", "spacing-gap", "spacing-scatter", "spacing-molecule", "spacing-blast"}


def test_blog19_is_mms():
    check_matches_case(scene_of_cell(page_cells()["blog19"], "blog19"), "blog19")


def test_blog19_prints_paths():
    _, out = scene("blog19")
    assert re.search(r"^L +A @ B +result$", out, re.M) and re.search(r"^RR +D +leaf$", out, re.M)


def test_chains_grow_left_or_up():
    left, _ = scene("left-chain")
    right, _ = scene("right-chain")
    assert {f.path for f in left.faces if f.kind == "result"} == {"", "L", "LL"}
    assert {f.path for f in right.faces if f.kind == "result"} == {"", "R", "RR"}
    root = box(left, "")
    assert box(left, "L")[1, 0] <= root[0, 0]          # left child: beside the root, at x <= its left edge
    root = box(right, "")
    assert box(right, "R")[0, 1] >= root[1, 1]          # right child: above the root's top


def test_schemes():
    blocks, _ = scene("scheme-blocks")
    zigzag, _ = scene("scheme-zigzag")
    wheel, _ = scene("scheme-wheel")
    custom, _ = scene("scheme-custom")
    assert collisions(blocks) == [] and collisions(zigzag) == [] and collisions(custom) == []
    # zigzag: the same boxes as blocks, leaves on other faces
    for n in blocks.nodes:
        np.testing.assert_allclose(box(zigzag, n.path), n.corners())
    assert any(not np.allclose(blocks.face(f.path).positions(), f.positions()) for f in zigzag.faces)
    # wheel: the fifth box lands on the root
    np.testing.assert_allclose(box(wheel, "LLLL"), box(wheel, ""))
    assert ("", "LLLL") in collisions(wheel)
    # custom: A @ B @ C keeps its box, its child A @ B moves to the front
    np.testing.assert_allclose(box(custom, "LLL"), box(blocks, "LLL"))
    assert box(custom, "LLLL")[:, 2].max() > box(blocks, "LLLL")[:, 2].max() + 20


def test_try_it_wheel_spiral():
    wheel, _ = scene("scheme-wheel", ('gap=3', 'gap=3, scatter=8, blast=1'))
    assert collisions(wheel) == []


def test_try_it_custom_without_placement_is_blocks():
    blocks, _ = scene("scheme-blocks")
    edit = ('.placed("positive", "right", "bottom", "front")', "")
    custom, _ = scene("scheme-custom", edit)
    for f in blocks.faces:
        np.testing.assert_allclose(custom.face(f.path).positions(), f.positions())


def test_try_it_blog19_right_chain():
    _, out = scene("blog19", ("expr = (A @ B) @ (C @ D)", "expr = A @ (B @ (C @ D))"))
    results = re.findall(r"^(\S+) .*result$", out, re.M)
    assert results == ["root", "R", "RR"]
    assert re.search(r"^L +A +leaf$", out, re.M)


def _origin(s: Scene, path: str) -> np.ndarray:
    return np.asarray(next(n for n in s.nodes if n.path == path).origin)


def test_spacing():
    gap, _ = scene("spacing-gap")
    scatter, _ = scene("spacing-scatter")
    molecule, _ = scene("spacing-molecule")
    blast, _ = scene("spacing-blast")
    plain, _ = scene("spacing-scatter", (", scatter=12", ""))
    shift = lambda s, p: np.linalg.norm(_origin(s, p) - _origin(plain, p))
    assert gap.face("").positions()[0, 0, 0] == 10                 # the result starts one gap in
    assert shift(scatter, "L") == pytest.approx(12) and shift(scatter, "R") == pytest.approx(12)
    # molecule=2: only the two-product subtree moves; A @ B stays on it
    assert shift(molecule, "L") == pytest.approx(12) and shift(molecule, "R") == 0
    np.testing.assert_allclose(_origin(molecule, "LL") - _origin(molecule, "L"), _origin(plain, "LL") - _origin(plain, "L"))
    # blast=1, scatter=6: the two-product subtree moves 12, the one-product one 6
    assert shift(blast, "L") == pytest.approx(12) and shift(blast, "R") == pytest.approx(6)
    # scatter empties the parent's argument face: the child's result leaves the root's box
    assert box(scatter, "")[0, 0] - scatter.face("L").positions()[..., 0].max() == pytest.approx(12)
