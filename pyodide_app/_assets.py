"""Runtime assets that the site serves beside the pages: the JS bundles and the self-hosted Pyodide.

Both are built outside MkDocs (``npm run build`` writes ``pyodide_app/static/mm/``;
``scripts/build_pyodide.py`` assembles the Pyodide index under ``.cache/``) and copied into
``site/assets/mm/`` after every build, so ``docs/`` and the ``mkdocs serve`` watcher stay small.
The installed package (the wheel) carries both inside it: ``pyodide_app/static/mm/`` and
``pyodide_app/static/pyodide/<version>/`` (put there by ``python -m pyodide_app._stage``).

With a Pyodide URL (the plugin's ``pyodide`` option) the site gets no Pyodide copy: a small
``pyodide.mjs`` shim in its place loads Pyodide from the URL and the mmcore wheel from the site.

Example:
    >>> runtime_sources(REPO).bundle_dir.name, PYODIDE_VERSION
    ('mm', '0.27.7')
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import pathlib
import shutil
import struct
import zipfile

__all__ = ["PYODIDE_VERSION", "REPO", "PACKAGED_PYODIDE", "RuntimeSources", "runtime_sources", "missing_runtime",
           "mmcore_wheel", "pyodide_shim", "BOOT_LIBS", "pack_packages", "write_packages", "copy_runtime"]

PYODIDE_VERSION = "0.27.7"
REPO = pathlib.Path(__file__).resolve().parent.parent

_BUNDLE_FILES = ("app.js", "worker.js")
_PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


@dataclasses.dataclass(frozen=True)
class RuntimeSources:
    """Where the built runtime is found before it is copied into the site."""

    bundle_dir: pathlib.Path   # esbuild output (app.js, worker.js, ...)
    pyodide_dir: pathlib.Path  # py-compiled Pyodide index with the custom lock listing mmcore


PACKAGE = pathlib.Path(__file__).resolve().parent
PACKAGED_PYODIDE = PACKAGE / "static" / "pyodide" / PYODIDE_VERSION
# the notebook widget's bundles stay out of sites, and so does the build's own list of preload hints (the hook
# reads it while it writes the pages: pyodide_app/_preload.py)
_NOT_COPIED = ("*.map", "widget*.js", "widget*.LEGAL.txt", "preload.json")


def runtime_sources(repo: pathlib.Path = REPO) -> RuntimeSources:
    """The default places: ``MM_PYODIDE_DIR`` if set, else the Pyodide index of the repository's
    ``.cache/`` (a source checkout), else the one shipped inside the installed package."""
    pyodide = os.environ.get("MM_PYODIDE_DIR")
    if not pyodide:
        cached = repo / ".cache" / "pyodide" / "dist" / PYODIDE_VERSION
        pyodide = cached if (cached / "pyodide-lock.json").is_file() or not PACKAGED_PYODIDE.is_dir() else PACKAGED_PYODIDE
    return RuntimeSources(bundle_dir=PACKAGE / "static" / "mm", pyodide_dir=pathlib.Path(pyodide))


def missing_runtime(src: RuntimeSources, *, need_pyodide: bool = True) -> list[str]:
    """Human-readable list of what is not built yet (empty when everything is there)."""
    missing = [f"{src.bundle_dir / f} (run `npm run build`)" for f in _BUNDLE_FILES if not (src.bundle_dir / f).is_file()]
    files = _PYODIDE_FILES if need_pyodide else ("pyodide-lock.json",)
    missing += [f"{src.pyodide_dir / f} (run `python scripts/build_pyodide.py`)"
                for f in files if not (src.pyodide_dir / f).is_file()]
    return missing


def mmcore_wheel(pyodide_dir: pathlib.Path) -> str:
    """File name of the mmcore wheel listed in the index's ``pyodide-lock.json``."""
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["mmcore"]["file_name"]


def pyodide_shim(url: str, wheel: str) -> str:
    """``pyodide.mjs`` in place of the self-hosted copy: Pyodide from ``url`` (its own lock), and
    ``loadPackage("mmcore")`` as numpy from there plus this site's mmcore wheel (beside the shim)."""
    base = url if url.endswith("/") else url + "/"
    return (
        "// Pyodide from " + base + " (plugin option `pyodide`); mmcore from this site. Written by the\n"
        "// matmul-atlas MkDocs plugin in place of the self-hosted pyodide.mjs.\n"
        f"import {{ loadPyodide as load }} from {json.dumps(base + 'pyodide.mjs')};\n"
        f"const wheel = new URL({json.dumps('./' + wheel)}, import.meta.url).href;\n"
        "export async function loadPyodide(options = {}) {\n"
        "  const { lockFileURL, indexURL, ...rest } = options;\n"
        f"  const py = await load({{ ...rest, indexURL: {json.dumps(base)} }});\n"
        "  const loadPackage = py.loadPackage.bind(py);\n"
        "  py.loadPackage = (names, opts) => (names === \"mmcore\" || (Array.isArray(names) && names.includes(\"mmcore\")))\n"
        "    ? loadPackage([\"numpy\", wheel], opts) : loadPackage(names, opts);\n"
        "  return py;\n"
        "}\n"
    )


PACKED = ("numpy", "mmcore")   # what the worker installs at boot (mmcore and its dependency), in install order
PACKAGES_MANIFEST = "mm-packages.json"
# The extension modules that `import numpy, mmcore` loads (path prefixes in the wheels): the worker instantiates
# these while it installs the packages; every other one (numpy.random's, numpy.fft's, the test modules: 17 of
# numpy's 19) is loaded by the interpreter's own dlopen on first import. Preloading all 19 cost ~100 ms more of
# the boot, loading them on import (synchronously) ~80 ms more (Node, A/B). A name missing here only loads later.
# `_multiarray_tests` was a third until the boot left numpy's docstrings out (js/runtime/numpy-docs.js): one of
# them is for that module, and the idle import that attaches them loads it.
BOOT_LIBS = ("numpy/_core/_multiarray_umath.", "numpy/linalg/_umath_linalg.")


def pack_packages(pyodide_dir: pathlib.Path, names: tuple[str, ...] = PACKED) -> bytes | None:
    """The files of the wheels of ``names`` (from the index's lock) in one gzip stream, so the worker
    inflates them with one native DecompressionStream while the interpreter starts and writes them into
    site-packages itself, instead of Pyodide's Python-side unzip after it (pyodide_app/js/runtime/packages.js).

    Layout (before gzip): uint32 little-endian length of a JSON header, the header
    ``{"format": 1, "packages": [{"name", "wheel", "files": [[path, size], ...], "preload": [path, ...]}, ...]}``,
    then every file's bytes in header order. ``preload``: the package's extension modules that the worker loads
    at once (:data:`BOOT_LIBS`; the others load on first import). None when the lock does not list every
    package or a wheel is missing (the worker then uses loadPackage).

    Example:
        >>> pack_packages(pathlib.Path("no-such-dir")) is None
        True
    """
    try:
        lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
        wheels = [(name, lock["packages"][name]["file_name"]) for name in names]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    header, blobs = [], []
    for name, wheel in wheels:
        if not (pyodide_dir / wheel).is_file():
            return None
        files = []
        with zipfile.ZipFile(pyodide_dir / wheel) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                if info.filename.startswith("/") or ".." in info.filename.split("/"):
                    raise ValueError(f"{wheel}: unsafe path {info.filename!r}")
                data = z.read(info)
                files.append([info.filename, len(data)])
                blobs.append(data)
        preload = [path for path, _ in files if path.endswith(".so") and path.startswith(BOOT_LIBS)]
        header.append({"name": name, "wheel": wheel, "files": files, "preload": preload})
    head = json.dumps({"format": 1, "packages": header}, separators=(",", ":")).encode()
    raw = io.BytesIO()
    raw.write(struct.pack("<I", len(head)))
    raw.write(head)
    for blob in blobs:
        raw.write(blob)
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)


def write_packages(pyodide_dir: pathlib.Path, dest: pathlib.Path) -> str | None:
    """Write :func:`pack_packages`'s bytes into ``dest`` under a content-hashed name
    (``mm-packages-<sha256 prefix>.bin.gz``, never served stale) and ``mm-packages.json`` naming it (the
    worker fetches that one with ``cache: "no-cache"``). Returns the bundle's name, or None (nothing written).
    """
    packed = pack_packages(pyodide_dir)
    if packed is None:
        return None
    name = f"mm-packages-{hashlib.sha256(packed).hexdigest()[:16]}.bin.gz"
    for old in dest.glob("mm-packages-*.bin.gz"):
        old.unlink()
    (dest / name).write_bytes(packed)
    (dest / PACKAGES_MANIFEST).write_text(json.dumps({"bundle": name, "packages": list(PACKED)}) + "\n",
                                          encoding="utf-8")
    return name


def copy_runtime(src: RuntimeSources, site_dir: pathlib.Path, *, pyodide_url: str | None = None) -> pathlib.Path:
    """Copy bundles to ``site/assets/mm/`` and Pyodide to ``site/assets/mm/pyodide/<version>/``
    (with ``pyodide_url``: only the mmcore wheel and a ``pyodide.mjs`` shim that loads Pyodide from there).

    Raises ``FileNotFoundError`` naming every missing piece and the command that makes it.
    """
    missing = missing_runtime(src, need_pyodide=not pyodide_url)
    if missing:
        raise FileNotFoundError("the browser runtime is not built; missing:\n  " + "\n  ".join(missing)
                                + "\n(`make site` builds everything)")
    dest = site_dir / "assets" / "mm"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src.bundle_dir, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    index = dest / "pyodide" / PYODIDE_VERSION
    if pyodide_url:
        wheel = mmcore_wheel(src.pyodide_dir)
        index.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src.pyodide_dir / wheel, index / wheel)
        (index / "pyodide.mjs").write_text(pyodide_shim(pyodide_url, wheel), encoding="utf-8")
    else:
        shutil.copytree(src.pyodide_dir, index, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".stamp"))
        write_packages(src.pyodide_dir, index)
    return dest
