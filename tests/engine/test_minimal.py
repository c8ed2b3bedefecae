"""The minimal end-to-end path the site's build hook relies on: matrix, @, layout, face, bytes."""

import numpy as np
import pytest

import mmcore
from mmcore.scene import Scene


def _scene():
    A = mmcore.matrix("A", 8, 6, init="rows")
    B = mmcore.matrix("B", 6, 4, init="cols")
    return mmcore.layout(A @ B)


def test_faces_shapes_values_positions():
    s = _scene()
    assert [f.path for f in s.faces] == ["", "L", "R"]
    assert s.face("").shape == (8, 4) and s.face("L").shape == (8, 6) and s.face("R").shape == (6, 4)
    rows = np.linspace(-1, 1, 8, dtype=np.float32)[:, None] * np.ones((1, 6), np.float32)
    cols = np.ones((6, 1), np.float32) * np.linspace(-1, 1, 4, dtype=np.float32)[None, :]
    np.testing.assert_allclose(s.face("L").values, rows, atol=1e-7)
    np.testing.assert_allclose(s.face("").values, rows @ cols, atol=1e-5)
    # default layout, gap 4: result front face, L on x=0, R on y=0 (mm-geometry.md section 3)
    assert s.face("").positions()[0, 0].tolist() == [4, -4, 0]
    assert s.face("").positions()[7, 3].tolist() == [7, -11, 0]
    assert s.face("L").positions()[0, 0].tolist() == [0, -4, -(13 - 4)]
    assert s.face("L").positions()[0, 5].tolist() == [0, -4, -4]
    assert s.face("R").positions()[5, 3].tolist() == [7, 0, -4]


def test_bytes_round_trip_and_deterministic():
    s = _scene()
    blob = s.to_bytes()
    assert blob[:4] == b"MMSC" and blob == _scene().to_bytes()
    back = Scene.from_bytes(blob)
    assert back.to_bytes() == blob
    for path in ("", "L", "R"):
        np.testing.assert_array_equal(back.face(path).values, s.face(path).values)
        np.testing.assert_array_equal(back.face(path).positions(), s.face(path).positions())
    assert back.center == s.center == (-5.5, 7.5, 6.5)


def test_bad_blob_is_rejected():
    with pytest.raises(mmcore.MMError, match="MMSC"):
        Scene.from_bytes(b"XXXX" + bytes(20))


def test_shape_mismatch_names_both_shapes():
    A = mmcore.matrix("A", 3, 4)
    B = mmcore.matrix("B", 5, 2)
    with pytest.raises(mmcore.MMError, match=r"cannot multiply A \(3×4\) by B \(5×2\): inner dimensions 4 and 5 differ"):
        A @ B
