"""Reading a ``.npz`` the site ships beside its pages (``docs/assets/weights/minilm/``), shared by
:mod:`mmcore.bert.heads` and :mod:`mmcore.bert.intuition`.

``read_npz`` checks an archive and returns read-only arrays plus its ``meta`` JSON; ``ShippedFile``
finds the shipped copy (a repository path in CPython, the site's URL in the browser worker) and keeps
what it parsed: one parse per file version on disk, one fetch per URL and worker.

Examples:
    >>> import io, numpy as np
    >>> buf = io.BytesIO(); np.savez(buf, meta=np.array('{"n": 1}'), x=np.zeros(2))
    >>> arrays, meta = read_npz(buf.getvalue(), what="t.npz", required=("x",), script="make_t.py")
    >>> meta["n"], arrays["x"].flags.writeable
    (1, False)
"""

from __future__ import annotations

import io as _stdio
import json
import zipfile
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Generic, Mapping, TypeVar

import numpy as np

from mmcore.errors import MMError

__all__ = ["read_npz", "ShippedFile", "SITE_DIR"]

SITE_DIR = ("docs", "assets", "weights", "minilm")
T = TypeVar("T")


def read_npz(data: bytes, *, what: str, required: tuple[str, ...], script: str
             ) -> tuple[Mapping[str, np.ndarray], Mapping[str, object]]:
    """The read-only arrays of an ``.npz`` (without ``meta``) and its parsed ``meta``; clear errors name
    ``what`` and the ``script`` that writes the file."""
    try:
        with np.load(_stdio.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise MMError(f"cannot read {what}: {e}; expected the .npz written by {script}") from None
    missing = [k for k in ("meta", *required) if k not in arrays]
    if missing:
        raise MMError(f"the .npz has no {'/'.join(repr(k) for k in missing)} entries (keys: {sorted(arrays)[:8]}); "
                      f"expected the file written by {script}")
    meta = json.loads(str(arrays.pop("meta")))
    for value in arrays.values():
        value.setflags(write=False)
    return MappingProxyType(arrays), MappingProxyType(meta)


class ShippedFile(Generic[T]):
    """One shipped file and its parser: ``load(source=None)`` and ``await fetch(url=None)``."""

    def __init__(self, name: str, parse: Callable[[bytes], T], *, what: str):
        self.name, self.parse, self.what = name, parse, what
        self._by_url: dict[str, T] = {}
        self._by_path = lru_cache(maxsize=2)(lambda path, mtime: parse(Path(path).read_bytes()))

    def default_source(self):
        """A repository path in CPython, the site's URL in the browser worker."""
        from mmcore.io import asset

        return asset("/".join(SITE_DIR[2:] + (self.name,)))

    def repository_path(self) -> Path:
        """Where the repository keeps the file."""
        return Path(__file__).resolve().parents[2].joinpath(*SITE_DIR, self.name)

    def load(self, source=None, *, progress=None) -> T:
        """Parse ``source`` (path, URL or bytes); by default the shipped copy, fetched once per worker."""
        from mmcore.io.sources import describe, read_source

        if source is None:
            source = self.default_source()
            if isinstance(source, str):
                if source not in self._by_url:
                    self._by_url[source] = self.parse(read_source(source, progress=progress))
                return self._by_url[source]
            if not source.is_file():
                raise MMError(f"{self.what} is not beside this code (as in a wheel); expected source= its "
                              "path, URL or bytes")
        src = describe(source)
        if src.kind == "path" and progress is None and Path(src.value).is_file():
            return self._by_path(str(Path(src.value).resolve()), Path(src.value).stat().st_mtime)
        return self.parse(read_source(src, progress=progress))

    async def fetch(self, url=None, *, progress=None) -> T:
        """``load`` without blocking the browser."""
        from mmcore.io.sources import read_source_async

        source = self.default_source() if url is None else url
        if isinstance(source, str) and source in self._by_url:
            return self._by_url[source]
        parsed = self.parse(await read_source_async(source, progress=progress))
        if url is None and isinstance(source, str):
            self._by_url[source] = parsed
        return parsed

    def clear(self) -> None:
        """Forget what was parsed (benchmarks)."""
        self._by_url.clear()
        self._by_path.cache_clear()
