"""Load a matrix from a file or URL: ``.npy``, ``.npz``, ``.csv`` (mm's format) and ``.safetensors``.

``load_matrix`` always returns a 2-D float32 array: a 1-D array becomes one row ``(1, n)``;
more than two dimensions is an error. ``key`` picks the array of an ``.npz`` or the tensor of a
``.safetensors`` file; ``shape=(h, w)`` checks the result. Sources are paths, ``file:``/``http(s)``
URLs, bytes or open binary files; the format comes from the extension, else from the content.
In the browser, ``await fetch_matrix(url)`` loads without blocking (Pyodide's ``pyfetch``);
``load_matrix(url)`` also works in the cell worker through a synchronous request.
Every problem raises ``mmcore.errors.MMError`` saying what was expected.

Examples:
    >>> import numpy as np
    >>> load_matrix(b"1,2,3\\n4,5,6\\n").tolist()
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    >>> load_matrix(b"1,2,3\\n4,5,6\\n", shape=(3, 2))
    Traceback (most recent call last):
    ...
    mmcore.errors.MMError: matrix from 12 bytes has shape (2, 3) but (3, 2) is needed
"""

from __future__ import annotations

import io as _stdio
import re
import zipfile
from pathlib import Path

import numpy as np

import mmcore.io.safetensors as _safetensors
from mmcore.io.sources import IN_BROWSER, Progress, describe, read_source, read_source_async, source_name
from mmcore.errors import MMError

__all__ = ["FORMATS", "asset", "load_matrix", "fetch_matrix", "load_tensors", "fetch_tensors", "decode_matrix",
           "decode_tensors", "guess_format", "parse_csv"]

FORMATS = ("npy", "npz", "csv", "safetensors")
_EXTENSIONS = {".npy": "npy", ".npz": "npz", ".csv": "csv", ".txt": "csv", ".safetensors": "safetensors"}
_LINE_BREAK = re.compile(r"\r\n|\n|\r")  # mm splits rows on /\r?\n|\r/


def load_matrix(source, *, key: str | None = None, shape: tuple[int, int] | None = None,
                progress: Progress = None, format: str | None = None) -> np.ndarray:
    """A 2-D float32 matrix from a path, URL, bytes or binary file (see the module docstring).

    ``progress(loaded_bytes, total_bytes)`` is called after every chunk read (1 MiB);
    ``format`` ("npy", "npz", "csv", "safetensors") overrides the guess.
    """
    src = describe(source)
    data = read_source(src, progress=progress)
    return decode_matrix(data, key=key, shape=shape, format=format or guess_format(src.name, data),
                         what=source_name(src))


async def fetch_matrix(source, *, key: str | None = None, shape: tuple[int, int] | None = None,
                       progress: Progress = None, format: str | None = None) -> np.ndarray:
    """``load_matrix`` for the browser: ``M = await mmcore.io.fetch_matrix(url)`` in a cell.

    In Pyodide an ``http(s)`` URL is fetched asynchronously with ``pyodide.http.pyfetch``
    (streamed, so ``progress`` sees every chunk); elsewhere it behaves exactly like ``load_matrix``.
    """
    src = describe(source)
    data = await read_source_async(src, progress=progress)
    return decode_matrix(data, key=key, shape=shape, format=format or guess_format(src.name, data),
                         what=source_name(src))


def load_tensors(source, *, progress: Progress = None, format: str | None = None) -> dict[str, np.ndarray]:
    """Every array of a file as ``{name: float32 array}`` (shapes kept; one array is named "")."""
    src = describe(source)
    data = read_source(src, progress=progress)
    return decode_tensors(data, format=format or guess_format(src.name, data), what=source_name(src))


async def fetch_tensors(source, *, progress: Progress = None, format: str | None = None) -> dict[str, np.ndarray]:
    """``load_tensors`` without blocking the browser (see ``fetch_matrix``)."""
    src = describe(source)
    data = await read_source_async(src, progress=progress)
    return decode_tensors(data, format=format or guess_format(src.name, data), what=source_name(src))


def asset(path: str):
    """A file of the site's ``assets/`` folder (``docs/assets/`` in the repository), for any ``load_*``.

    In CPython it is the repository path; in the browser it is the URL beside the cell worker,
    which the site serves from ``assets/mm/`` (so ``../`` of the worker is ``assets/``).

    Examples:
        >>> asset("weights/minilm/README.md").is_file()   # in a checkout of the repository
        True
    """
    path = path.lstrip("/")
    if IN_BROWSER:  # pragma: no cover - Pyodide only
        import js  # type: ignore[import-not-found]

        return str(js.URL.new("../" + path, js.location.href).href)
    return Path(__file__).resolve().parents[2] / "docs" / "assets" / path


def guess_format(name: str, data: bytes) -> str:
    """The format from the file name's extension, else from the first bytes of the content."""
    lowered = name.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    head = bytes(data[:8])
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "npz"
    if _safetensors.looks_like_safetensors(data):
        return "safetensors"
    return "csv"


def decode_matrix(data: bytes, *, key: str | None = None, shape: tuple[int, int] | None = None,
                  format: str = "csv", what: str = "the data") -> np.ndarray:
    """Decode bytes of a known format into a 2-D float32 matrix (``key``/``shape`` as in ``load_matrix``)."""
    fmt = _check_format(format)
    if fmt == "csv":
        _no_key(key, fmt, what)
        array = parse_csv(data, what=what)
    elif fmt == "npy":
        _no_key(key, fmt, what)
        array = _read_npy(data, what)
    elif fmt == "npz":
        arrays = _read_npz(data, what)
        array = arrays[_pick_key(key, sorted(arrays), "array", what)]
    else:
        infos = _safetensors.read_header(data)
        array = _safetensors.read_tensor(data, _pick_key(key, sorted(infos), "tensor", what), infos)
    label = what if key is None else f"{key!r} of {what}"
    return _as_matrix(array, shape, label)


def decode_tensors(data: bytes, *, format: str = "npz", what: str = "the data") -> dict[str, np.ndarray]:
    """Decode bytes of a known format into ``{name: float32 array}``."""
    fmt = _check_format(format)
    if fmt == "npz":
        return {name: _as_float32(a, f"{name!r} of {what}") for name, a in _read_npz(data, what).items()}
    if fmt == "safetensors":
        return _safetensors.read_all(data)
    if fmt == "npy":
        return {"": _as_float32(_read_npy(data, what), what)}
    return {"": parse_csv(data, what=what)}


def parse_csv(data: bytes | str, *, what: str = "the data") -> np.ndarray:
    """mm's CSV: rows split on line breaks, values on commas; trailing empty lines ignored.

    >>> parse_csv("1,2\\n3,4").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise MMError(f"cannot read {what} as CSV: not UTF-8 text ({e}); expected comma-separated numbers, "
                          "or name the format (.npy, .npz, .safetensors)") from None
    else:
        text = data
    lines = _LINE_BREAK.split(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise MMError(f"CSV {what} is empty; expected rows of comma-separated numbers")
    rows: list[list[float]] = []
    width = None
    for i, line in enumerate(lines):
        cells = line.split(",")
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise MMError(f"CSV {what}: row {i} has {len(cells)} values but row 0 has {width}; "
                          "expected the same number of values in every row")
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            j, bad = next((j, c) for j, c in enumerate(cells) if not _is_float(c))
            raise MMError(f"CSV {what}: row {i}, column {j} holds {bad.strip()[:40]!r}; expected a number") from None
    return np.asarray(rows, dtype=np.float32)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise MMError(f"unknown matrix format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def _no_key(key: str | None, fmt: str, what: str) -> None:
    if key is not None:
        raise MMError(f"key={key!r} given but {what} is {fmt}, which holds a single matrix; "
                      "expected no key (keys pick arrays of .npz and .safetensors files)")


def _read_npy(data: bytes, what: str) -> np.ndarray:
    try:
        return np.load(_stdio.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise MMError(f"cannot read {what} as .npy: {e}; expected a numpy array file without pickled objects") from None


def _read_npz(data: bytes, what: str) -> dict[str, np.ndarray]:
    try:
        with np.load(_stdio.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise MMError(f"cannot read {what} as .npz: {e}; expected a numpy .npz archive") from None


def _pick_key(key: str | None, names: list[str], noun: str, what: str) -> str:
    listing = ", ".join(repr(n) for n in names[:20]) + (", …" if len(names) > 20 else "")
    if key is None:
        if len(names) == 1:
            return names[0]
        if not names:
            raise MMError(f"{what} holds no {noun}s; expected at least one")
        raise MMError(f"{what} holds {len(names)} {noun}s, so key= must name one of: {listing}")
    if key not in names:
        raise MMError(f"no {noun} {key!r} in {what}; expected one of: {listing}")
    return key


def _as_float32(array: np.ndarray, label: str) -> np.ndarray:
    if array.dtype.kind not in "fiub":
        raise MMError(f"{label} has dtype {array.dtype}; expected numbers")
    return np.asarray(array, dtype=np.float32)


def _as_matrix(array: np.ndarray, shape: tuple[int, int] | None, label: str) -> np.ndarray:
    if array.dtype.kind not in "fiub":
        raise MMError(f"{label} has dtype {array.dtype}; expected numbers")
    if array.ndim == 0:
        array = array.reshape(1, 1)
    elif array.ndim == 1:
        array = array.reshape(1, -1)
    elif array.ndim > 2:
        raise MMError(f"{label} has {array.ndim} dimensions {tuple(array.shape)}; expected a 2-D matrix "
                      "(or 1-D, read as one row)")
    matrix = np.ascontiguousarray(array, dtype=np.float32)
    if shape is not None and tuple(matrix.shape) != tuple(shape):
        raise MMError(f"matrix from {label} has shape {tuple(matrix.shape)} but {tuple(shape)} is needed")
    return matrix
