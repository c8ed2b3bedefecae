"""Bring the bytes of a matrix file in memory: from a path, a file object, bytes or a URL.

CPython reads paths and ``file:`` URLs from disk and ``http(s)`` URLs through ``urllib``; inside
Pyodide (``sys.platform == "emscripten"``) an ``http(s)`` URL is read with a synchronous
``XMLHttpRequest`` (allowed in the web worker that runs the cells) or, asynchronously, with
``pyodide.http.pyfetch``. Every reader reports ``progress(loaded_bytes, total_bytes)`` after
each chunk; ``total_bytes`` is ``None`` when the size is not known in advance.

Examples:
    >>> seen = []
    >>> read_source(b"1,2\\n3,4\\n", progress=lambda done, total: seen.append((done, total)))
    b'1,2\\n3,4\\n'
    >>> seen
    [(8, 8)]
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from mmcore.errors import MMError

__all__ = ["Progress", "Source", "describe", "source_name", "read_source", "read_source_async", "is_url"]

Progress = Optional[Callable[[int, Optional[int]], object]]
CHUNK = 1 << 20  # 1 MiB between progress reports
TIMEOUT_S = 30.0
IN_BROWSER = sys.platform == "emscripten"


@dataclass(frozen=True)
class Source:
    """A matrix source after classification: ``kind`` is "bytes", "path", "url" or "file"."""

    kind: str
    value: object
    name: str  # file name or URL path, used to guess the format from its extension


def is_url(text: str) -> bool:
    """True for ``http://``, ``https://`` and ``file:`` addresses."""
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    return scheme in ("http", "https", "file")


def describe(source: object) -> Source:
    """Classify a source given to ``load_matrix``; unknown kinds raise ``MMError``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source("bytes", bytes(source), "")
    if isinstance(source, os.PathLike):
        return Source("path", Path(source), Path(source).name)
    if isinstance(source, str):
        if is_url(source):
            return Source("url", source, urllib.parse.urlsplit(source).path)
        return Source("path", Path(source), Path(source).name)
    if hasattr(source, "read"):
        return Source("file", source, str(getattr(source, "name", "")))
    raise MMError(f"cannot load a matrix from {type(source).__name__}; "
                  "expected a path, a URL (http, https, file), bytes or an open binary file")


def source_name(source: Source) -> str:
    """Short description of a source for error messages."""
    if source.kind == "bytes":
        return f"{len(source.value)} bytes"
    if source.kind == "file":
        return source.name or "the open file"
    return str(source.value)


def read_source(source: object, *, progress: Progress = None) -> bytes:
    """All bytes of a path, URL, bytes object or binary file, reporting progress per chunk."""
    src = source if isinstance(source, Source) else describe(source)
    if src.kind == "bytes":
        _report(progress, len(src.value), len(src.value))
        return src.value
    if src.kind == "file":
        return _read_stream(src.value, None, progress)
    if src.kind == "path":
        return _read_path(src.value, progress)
    url = src.value
    if urllib.parse.urlsplit(url).scheme.lower() == "file":
        return _read_path(Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path)), progress)
    if IN_BROWSER:
        return _read_url_browser_sync(url, progress)
    return _read_url_cpython(url, progress)


async def read_source_async(source: object, *, progress: Progress = None) -> bytes:
    """Like :func:`read_source`; in Pyodide, ``http(s)`` URLs go through ``pyfetch`` (no blocking)."""
    src = source if isinstance(source, Source) else describe(source)
    if IN_BROWSER and src.kind == "url" and urllib.parse.urlsplit(src.value).scheme.lower() != "file":
        return await _read_url_browser_async(src.value, progress)
    return read_source(src, progress=progress)


def _report(progress: Progress, loaded: int, total: Optional[int]) -> None:
    if progress is not None:
        progress(loaded, total)


def _read_stream(stream, total: Optional[int], progress: Progress) -> bytes:
    parts: list[bytes] = []
    loaded = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        parts.append(bytes(chunk))
        loaded += len(chunk)
        _report(progress, loaded, total)
    if loaded == 0:
        _report(progress, 0, total)
    return b"".join(parts)


def _read_path(path: Path, progress: Progress) -> bytes:
    if not path.exists():
        raise MMError(f"cannot load a matrix from {str(path)!r}: no such file; expected an existing file "
                      "(.npy, .npz, .csv or .safetensors) or a URL")
    if path.is_dir():
        raise MMError(f"cannot load a matrix from {str(path)!r}: it is a directory; expected a file")
    with open(path, "rb") as f:
        return _read_stream(f, path.stat().st_size, progress)


def _read_url_cpython(url: str, progress: Progress) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            return _read_stream(response, total, progress)
    except urllib.error.HTTPError as e:
        raise MMError(f"cannot load a matrix from {url}: the server answered {e.code} {e.reason}; "
                      "expected 200 with the file") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise MMError(f"cannot load a matrix from {url}: unreachable ({reason}); "
                      "expected a reachable server that serves the file") from None


def _read_url_browser_sync(url: str, progress: Progress) -> bytes:  # pragma: no cover - Pyodide only
    import js  # type: ignore[import-not-found]

    try:
        request = js.XMLHttpRequest.new()
        request.open("GET", url, False)
        request.responseType = "arraybuffer"  # allowed for synchronous requests in workers only
        request.send(None)
    except Exception as e:  # noqa: BLE001 - a JsException carries the browser's reason
        raise MMError(f"cannot load a matrix from {url}: the synchronous request failed ({e}); outside a web "
                      "worker use `await mmcore.io.fetch_matrix(url)` instead") from None
    if request.status != 200:
        raise MMError(f"cannot load a matrix from {url}: the server answered {request.status} "
                      f"{request.statusText or ''}; expected 200 with the file".replace("  ", " "))
    data = js.Uint8Array.new(request.response).to_bytes()
    _report(progress, len(data), len(data))
    return data


async def _read_url_browser_async(url: str, progress: Progress) -> bytes:  # pragma: no cover - Pyodide only
    from pyodide.http import pyfetch  # type: ignore[import-not-found]

    try:
        response = await pyfetch(url)
    except Exception as e:  # noqa: BLE001
        raise MMError(f"cannot load a matrix from {url}: unreachable ({e}); "
                      "expected a reachable server that serves the file") from None
    if not response.ok:
        raise MMError(f"cannot load a matrix from {url}: the server answered {response.status} "
                      f"{response.status_text}; expected 200 with the file")
    length = response.headers.get("content-length")
    total = int(length) if length and length.isdigit() else None
    body = response.js_response.body
    if body is None or progress is None:
        data = await response.bytes()
        _report(progress, len(data), total if total is not None else len(data))
        return data
    reader = body.getReader()
    parts: list[bytes] = []
    loaded = 0
    while True:
        chunk = await reader.read()
        if chunk.done:
            break
        piece = chunk.value.to_bytes()
        parts.append(piece)
        loaded += len(piece)
        _report(progress, loaded, total)
    return b"".join(parts)
