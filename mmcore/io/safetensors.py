"""Read and write the safetensors format with numpy only (no torch, no ``safetensors`` package).

A safetensors file is: an 8-byte little-endian unsigned header length ``n``, ``n`` bytes of
JSON header ``{name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}``
(plus an optional ``"__metadata__"`` dict of strings), then the raw little-endian data;
offsets count from the first byte after the header.

Examples:
    >>> import numpy as np
    >>> blob = write_safetensors({"w": np.arange(6, dtype=np.float32).reshape(2, 3)})
    >>> sorted(read_header(blob))
    ['w']
    >>> read_tensor(blob, "w").tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

from mmcore.errors import MMError

__all__ = ["TensorInfo", "read_header", "read_tensor", "read_all", "write_safetensors", "looks_like_safetensors"]

# safetensors dtype name -> numpy little-endian dtype of the stored bytes.
_DTYPES: dict[str, str] = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "BF16": "<u2",  # bit pattern; widened to float32 by shifting into the high half
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "u1",
}
_NUMPY_TO_NAME = {"float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
                  "int16": "I16", "int8": "I8", "uint64": "U64", "uint32": "U32", "uint16": "U16",
                  "uint8": "U8", "bool": "BOOL"}
_MAX_HEADER = 100_000_000


@dataclass(frozen=True)
class TensorInfo:
    """Where one tensor lives in a safetensors blob: dtype name, shape, absolute byte range."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


def looks_like_safetensors(data: bytes) -> bool:
    """True when ``data`` starts like a safetensors file (plausible length, then a JSON object)."""
    if len(data) < 10:
        return False
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    return 2 <= n <= len(data) - 8 and bytes(data[8:9]) == b"{"


def read_header(data: bytes) -> dict[str, TensorInfo]:
    """Parse the header of a safetensors blob into ``{name: TensorInfo}`` (metadata left out)."""
    if len(data) < 8:
        raise MMError(f"not a safetensors file: {len(data)} bytes, expected at least 8 (the header length)")
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    if n > min(len(data) - 8, _MAX_HEADER):
        raise MMError(f"not a safetensors file: header length {n} does not fit in {len(data)} bytes")
    try:
        header = json.loads(bytes(data[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MMError(f"not a safetensors file: the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise MMError("not a safetensors file: the header is not a JSON object")
    base = 8 + n
    infos: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        infos[name] = _entry_info(name, entry, base, len(data))
    return infos


def _entry_info(name: str, entry: object, base: int, size: int) -> TensorInfo:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        raise MMError(f"safetensors tensor {name!r}: expected dtype, shape and data_offsets, got {entry!r}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in _DTYPES:
        raise MMError(f"safetensors tensor {name!r} has dtype {dtype}; expected one of {', '.join(_DTYPES)}")
    if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
        raise MMError(f"safetensors tensor {name!r} has shape {shape!r}; expected a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
        raise MMError(f"safetensors tensor {name!r} has data_offsets {offsets!r}; expected [begin, end]")
    begin, end = base + offsets[0], base + offsets[1]
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(_DTYPES[dtype]).itemsize
    if not base <= begin <= end <= size:
        raise MMError(f"safetensors tensor {name!r}: bytes {offsets} lie outside the {size - base} data bytes")
    if end - begin != expected:
        raise MMError(f"safetensors tensor {name!r}: {end - begin} bytes for shape {tuple(shape)} {dtype}, "
                      f"expected {expected}")
    return TensorInfo(name, dtype, tuple(shape), begin, end)


def read_tensor(data: bytes, name: str, infos: dict[str, TensorInfo] | None = None) -> np.ndarray:
    """One tensor of a safetensors blob as float32 (integers and booleans are converted too)."""
    infos = read_header(data) if infos is None else infos
    if name not in infos:
        raise MMError(f"no tensor {name!r} in the safetensors file; it holds {_list(infos)}")
    return _decode(data, infos[name])


def read_all(data: bytes) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors blob, each as a float32 array of its stored shape."""
    infos = read_header(data)
    return {name: _decode(data, info) for name, info in infos.items()}


def _decode(data: bytes, info: TensorInfo) -> np.ndarray:
    raw = np.frombuffer(data, dtype=_DTYPES[info.dtype], count=(info.end - info.begin)
                        // np.dtype(_DTYPES[info.dtype]).itemsize, offset=info.begin)
    if info.dtype == "BF16":
        values = (raw.astype(np.uint32) << 16).view(np.float32)
    else:
        values = raw.astype(np.float32)
    return values.reshape(info.shape)


def _list(infos: dict[str, TensorInfo], limit: int = 12) -> str:
    names = sorted(infos)
    shown = ", ".join(repr(n) for n in names[:limit])
    return f"{len(names)} tensors: {shown}" + (", …" if len(names) > limit else "") if names else "no tensors"


def write_safetensors(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """Serialise numpy arrays to safetensors bytes (dtype kept: float32, float16, int64, …).

    ``np.float32`` data written as bfloat16 is possible by passing a ``(uint16 array, "BF16")``
    tuple instead of an array (the bit patterns, for tests).
    """
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks: list[bytes] = []
    offset = 0
    for name, value in tensors.items():
        if isinstance(value, tuple):
            array, dtype = np.ascontiguousarray(value[0]), value[1]
        else:
            array = np.ascontiguousarray(value)
            if array.dtype.name not in _NUMPY_TO_NAME:
                raise MMError(f"cannot write {name!r} of dtype {array.dtype} to safetensors; "
                              f"expected one of {', '.join(_NUMPY_TO_NAME)}")
            dtype = _NUMPY_TO_NAME[array.dtype.name]
        raw = array.astype(_DTYPES[dtype], copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned, as the reference writer does
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)
