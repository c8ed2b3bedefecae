"""The essay's configurations: every face's positions (up to one global translation) and values.

The reference (``../shared/reference/mm_blog_cases.json``) was recorded from mm itself. Each case
is fed three ways: its params tree, its ``?params=`` link and its original (often compressed) link.
"""

import functools

import numpy as np
import pytest

import mmcore
from mmcore.mm.params import params_to_expr

from ._reference import blog_cases, case_ids

IDS = case_ids()


@functools.lru_cache(maxsize=None)
def _cases() -> dict:
    return {c["id"]: c for c in blog_cases()}


def _case(cid):
    cases = _cases()
    return cases[cid]


def _check_positions(scene, case):
    shift = None
    rng = np.random.default_rng(0)
    for path, ref in case["faces"].items():
        face = scene.face(path)
        assert face.shape == tuple(ref["shape"]), path
        assert face.name == ref["name"], path
        h, w = face.shape
        p00, rd, cd = (np.asarray(ref[k], float) for k in ("p00", "row_dir", "col_dir"))
        ro, co = np.asarray(ref["row_offsets"], float), np.asarray(ref["col_offsets"], float)
        if shift is None:
            shift = face.position(0, 0) - p00
        if h * w <= 20000:      # every element
            want = p00 + ro[:, None, None] * rd + co[None, :, None] * cd
            np.testing.assert_allclose(face.positions() - shift, want, atol=1e-4, err_msg=f"face {path!r}")
        else:                   # big faces: the affine description, then corners and sampled elements
            np.testing.assert_allclose(face.row_offsets, ro, atol=1e-4)
            np.testing.assert_allclose(face.col_offsets, co, atol=1e-4)
            rows = np.r_[0, h - 1, rng.integers(0, h, 64)]
            cols = np.r_[0, w - 1, rng.integers(0, w, 64)]
            got = np.array([face.position(r, c) for r, c in zip(rows, cols)]) - shift
            want = p00 + ro[rows, None] * rd + co[cols, None] * cd
            np.testing.assert_allclose(got, want, atol=1e-4, err_msg=f"face {path!r} sampled elements")
    # the centring box is the same one, moved by the same translation
    np.testing.assert_allclose(np.asarray(scene.bbox_min) - shift, case["bbox"]["min"], atol=1e-4)
    np.testing.assert_allclose(np.asarray(scene.bbox_max) - shift, case["bbox"]["max"], atol=1e-4)


def _check_values(scene, case):
    checked = 0
    for path, ref in case["faces"].items():
        vals = ref.get("values")
        if vals is None:
            continue
        got = scene.face(path).values
        h, w = ref["shape"]
        if isinstance(vals, list):
            want = np.asarray(vals, dtype=np.float64).reshape(h, w)
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6 * max(1.0, np.abs(want).max()),
                                       err_msg=f"face {path!r}")
        else:
            for r, c, v in vals["samples"]:
                np.testing.assert_allclose(got[r, c], v, rtol=2e-6, atol=1e-7, err_msg=f"face {path!r} ({r},{c})")
            g64 = got.astype(np.float64)
            np.testing.assert_allclose(g64.sum(), vals["sum"], rtol=1e-5, atol=1e-3)
            np.testing.assert_allclose((g64 * g64).sum(), vals["sumsq"], rtol=1e-5)
        checked += 1
    if case.get("global_absmax") is not None and all(f.get("values") is not None for f in case["faces"].values()):
        np.testing.assert_allclose(scene.viz["global_absmax"], case["global_absmax"], rtol=1e-6)
    return checked


def _has_values(case) -> bool:
    return any(f.get("values") is not None for f in case["faces"].values())


def _run(expr, case, **options):
    """Positions always; values (computed on first use) only when the reference has some. The
    original links of GPT-2 figures load CSVs over the network: their positions need no values."""
    scene = mmcore.layout(expr, **options)
    _check_positions(scene, case)
    if _has_values(case):
        assert _check_values(scene, case) > 0


@pytest.mark.parametrize("cid", IDS)
def test_params(cid):
    case = _case(cid)
    _run(params_to_expr(case["params"]), case)


@pytest.mark.parametrize("cid", IDS)
def test_params_link(cid):
    case = _case(cid)
    _run(mmcore.from_mm(case["url"]), case)


@pytest.mark.parametrize("cid", IDS)
def test_original_link(cid):
    pytest.importorskip("mmcore.mm.link", reason="compressed links need the values engineer's _mmlink")
    case = _case(cid)
    # Animated links keep their animation: its product ranges are computed only when read.
    _run(mmcore.from_mm(case["original_link"]), case)


@pytest.fixture
def no_network(monkeypatch):
    """Every socket connection fails, as on a machine without network."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("cid", ["blog28", "blog38"])
def test_animated_url_link_lays_out_offline(cid, no_network):
    """An essay link whose leaves load from URLs (``init: url``) and which animates lays out with no
    network: positions, the schedule's geometry; only the values (and product ranges) need the data."""
    from mmcore.anim import schedule_of
    from mmcore.errors import MMError
    case = _case(cid)
    expr = mmcore.from_mm(case["original_link"])
    scene = mmcore.layout(expr)
    _check_positions(scene, case)
    sched = schedule_of(scene)
    assert sched is not None and sched.cycle == 256
    track = scene.anim["tracks"][0]
    assert track["alg"] == "vmprod" and track["left"] == track["path"] + "L"
    assert not track.filled
    with pytest.raises(MMError, match="url init"):
        track["product_range"]
    with pytest.raises(MMError, match="url init"):
        scene.to_bytes()
    # the same figure without its animation: identical geometry, no schedule (anim="none" still works)
    still = mmcore.layout(expr, anim="none")
    assert still.anim is None
    for f in scene.faces:
        assert still.face(f.path).positions().tolist() == f.positions().tolist()


def test_attention_layer_all_values_finite():
    """The essay's attention layer (random leaves): every value finite, global max over every face."""
    case = _case("blog49")
    scene = mmcore.layout(mmcore.from_mm(case["url"]))
    faces = {f.path: f for f in scene.faces}
    assert all(np.isfinite(f.values).all() for f in faces.values())
    assert scene.viz["global_absmax"] == max(f.absmax for f in faces.values())
