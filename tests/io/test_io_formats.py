"""mmcore.io.load_matrix over every format, from paths, bytes and files, with its errors."""

from __future__ import annotations

import doctest
import io

import numpy as np
import pytest

import mmcore.io.safetensors
import mmcore.io.sources
import mmcore.io
from mmcore.errors import MMError
from mmcore.io import load_matrix, load_tensors

A = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1


def test_docstring_examples_run():
    for module in (mmcore.io, mmcore.io.safetensors, mmcore.io.sources):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_npy_path_and_bytes(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, A.astype(np.float64))
    m = load_matrix(path)
    assert m.dtype == np.float32 and m.shape == (3, 4)
    np.testing.assert_array_equal(m, A)
    np.testing.assert_array_equal(load_matrix(str(path)), A)
    np.testing.assert_array_equal(load_matrix(path.read_bytes()), A)  # format sniffed from the magic
    with open(path, "rb") as f:
        np.testing.assert_array_equal(load_matrix(f), A)


def test_one_dimensional_becomes_a_row_and_3d_errors(tmp_path):
    np.save(tmp_path / "v.npy", np.array([1.5, 2.5, 3.5]))
    assert load_matrix(tmp_path / "v.npy").tolist() == [[1.5, 2.5, 3.5]]
    np.save(tmp_path / "t.npy", np.zeros((2, 3, 4)))
    with pytest.raises(MMError, match=r"3 dimensions \(2, 3, 4\); expected a 2-D matrix"):
        load_matrix(tmp_path / "t.npy")


def test_npz_key_selection_and_errors(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, wq=A, wk=A * 2)
    np.testing.assert_array_equal(load_matrix(path, key="wk"), A * 2)
    with pytest.raises(MMError, match=r"2 arrays, so key= must name one of: 'wk', 'wq'"):
        load_matrix(path)
    with pytest.raises(MMError, match=r"no array 'wv' in .*expected one of: 'wk', 'wq'"):
        load_matrix(path, key="wv")
    np.savez(tmp_path / "one.npz", only=A)
    np.testing.assert_array_equal(load_matrix(tmp_path / "one.npz"), A)  # a single array needs no key


def test_shape_check_names_both_shapes(tmp_path):
    np.save(tmp_path / "a.npy", A)
    assert load_matrix(tmp_path / "a.npy", shape=(3, 4)).shape == (3, 4)
    with pytest.raises(MMError, match=r"shape \(3, 4\) but \(4, 3\) is needed"):
        load_matrix(tmp_path / "a.npy", shape=(4, 3))


def test_csv_mm_format(tmp_path):
    text = "1,2,3\r\n4,5,6\r7,8,9\n-1.5e-3,0,1e2\n\n"
    m = load_matrix(text.encode())
    assert m.shape == (4, 3)
    assert m[3].tolist() == pytest.approx([-1.5e-3, 0, 100])
    (tmp_path / "m.csv").write_text(text)
    np.testing.assert_array_equal(load_matrix(tmp_path / "m.csv"), m)
    # mm's GPT-2 files are written with 19-digit floats; they parse at float32 precision
    m = load_matrix(b"0.1234567890123456789,-0.9876543210987654321\n")
    assert m.tolist() == [[np.float32(0.1234567890123456789), np.float32(-0.9876543210987654321)]]


def test_csv_ragged_rows_and_bad_values():
    with pytest.raises(MMError, match=r"row 2 has 2 values but row 0 has 3"):
        load_matrix(b"1,2,3\n4,5,6\n7,8\n")
    with pytest.raises(MMError, match=r"row 1, column 1 holds 'x'; expected a number"):
        load_matrix(b"1,2\n3,x\n")
    with pytest.raises(MMError, match=r"empty"):
        load_matrix(b"\n\n")
    with pytest.raises(MMError, match=r"key='a' given but .* is csv"):
        load_matrix(b"1,2\n", key="a")


def test_safetensors_all_dtypes():
    x = np.array([[1.0, -2.5, 3.25], [0.5, 1e-3, -7.0]], dtype=np.float32)
    bf16_bits = (x.view(np.uint32) >> 16).astype(np.uint16)  # truncated to bfloat16
    blob = mmcore.io.safetensors.write_safetensors(
        {"f32": x, "f64": x.astype(np.float64), "f16": x.astype(np.float16), "bf16": (bf16_bits, "BF16"),
         "vec": np.array([1, 2, 3], dtype=np.int64)},
        metadata={"format": "pt"},
    )
    np.testing.assert_array_equal(load_matrix(blob, key="f32"), x)
    np.testing.assert_array_equal(load_matrix(blob, key="f64"), x)
    np.testing.assert_allclose(load_matrix(blob, key="f16"), x, rtol=1e-3)
    bf = load_matrix(blob, key="bf16")
    np.testing.assert_allclose(bf, x, rtol=2 ** -7)  # bfloat16 keeps 8 bits of mantissa
    assert bf[0, :3].tolist() == [1.0, -2.5, 3.25]  # exactly representable values stay exact
    assert load_matrix(blob, key="vec").tolist() == [[1.0, 2.0, 3.0]]
    with pytest.raises(MMError, match=r"5 tensors, so key= must name one of: 'bf16', 'f16', 'f32', 'f64', 'vec'"):
        load_matrix(blob)
    assert sorted(load_tensors(blob)) == ["bf16", "f16", "f32", "f64", "vec"]


def test_safetensors_hand_written_bytes(tmp_path):
    """A file built byte by byte, independently of the writer: header length, JSON, raw data."""
    import json
    import struct

    header = json.dumps({"__metadata__": {"k": "v"},
                         "b": {"dtype": "F32", "shape": [1, 2], "data_offsets": [8, 16]},
                         "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}).encode()
    blob = struct.pack("<Q", len(header)) + header + struct.pack("<d", 0.25) + struct.pack("<2f", 1.5, -3.0)
    (tmp_path / "x.safetensors").write_bytes(blob)
    assert load_matrix(tmp_path / "x.safetensors", key="b").tolist() == [[1.5, -3.0]]
    assert load_matrix(tmp_path / "x.safetensors", key="a").tolist() == [[0.25]]
    with pytest.raises(MMError, match=r"no tensor 'c' in .*expected one of: 'a', 'b'"):
        load_matrix(tmp_path / "x.safetensors", key="c")


def test_safetensors_corrupt_files_error_clearly():
    import struct

    with pytest.raises(MMError, match="header length"):
        mmcore.io.safetensors.read_header(struct.pack("<Q", 10_000) + b"{}")
    bad = b'{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}'
    with pytest.raises(MMError, match=r"8 bytes for shape \(2, 2\) F32, expected 16"):
        mmcore.io.safetensors.read_header(struct.pack("<Q", len(bad)) + bad + b"\0" * 8)
    odd = b'{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}'
    with pytest.raises(MMError, match=r"dtype C64; expected one of F64, F32, F16, BF16"):
        mmcore.io.safetensors.read_header(struct.pack("<Q", len(odd)) + odd + b"\0" * 8)


def test_format_override_and_unknown_sources(tmp_path):
    np.save(tmp_path / "a.npy", A)
    (tmp_path / "a.bin").write_bytes((tmp_path / "a.npy").read_bytes())
    np.testing.assert_array_equal(load_matrix(tmp_path / "a.bin", format="npy"), A)
    with pytest.raises(MMError, match="unknown matrix format 'xls'"):
        load_matrix(tmp_path / "a.bin", format="xls")
    with pytest.raises(MMError, match=r"no such file"):
        load_matrix(tmp_path / "missing.npy")
    with pytest.raises(MMError, match=r"expected a path, a URL"):
        load_matrix(12345)
    with pytest.raises(MMError, match=r"cannot read .* as .npy"):
        load_matrix(b"\x93NUMPY garbage", format="npy")


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        load_matrix(b"1,2\n3\n")


def test_progress_reports_chunks(tmp_path):
    big = np.random.default_rng(0).standard_normal((600, 600)).astype(np.float32)  # 1.44 MB: two chunks
    np.save(tmp_path / "big.npy", big)
    seen: list[tuple[int, int | None]] = []
    m = load_matrix(tmp_path / "big.npy", progress=lambda done, total: seen.append((done, total)))
    np.testing.assert_array_equal(m, big)
    size = (tmp_path / "big.npy").stat().st_size
    assert len(seen) == 2 and seen[-1] == (size, size)
    assert seen[0] == (mmcore.io.sources.CHUNK, size)
    # a file object has no known size
    seen.clear()
    load_matrix(io.BytesIO((tmp_path / "big.npy").read_bytes()), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (size, None)
