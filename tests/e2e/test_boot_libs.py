"""numpy's extension modules (shared libraries, wasm): while it installs the package bundle the worker loads only
the two that `import numpy, mmcore` needs (pyodide_app/_assets.py `BOOT_LIBS`, the bundle header's `preload`);
the interpreter's own dlopen loads the other 17 (numpy.random's, numpy.fft's, the test modules) from
site-packages on first import, with the same results. Loading all 19 at boot cost ~100 ms of it.
"""

from __future__ import annotations

import gzip
import json
import pathlib
import struct

from pyodide_app._assets import BOOT_LIBS, PACKAGES_MANIFEST, PYODIDE_VERSION

# numpy's shared libraries loaded so far (module names), then numpy.random, numpy.fft and numpy.linalg at work
PROBE = """
import pyodide_js
def numpy_libs():
    names = pyodide_js._module.LDSO.loadedLibsByName.object_keys()
    return sorted({k.rsplit("/", 1)[-1].split(".")[0] for k in names if k.startswith("/") and "/numpy/" in k})
print(*numpy_libs())
import numpy as np
print(repr(np.random.default_rng(0).random()))
print(np.fft.fft([1, 2, 3, 4]).tolist())
print(np.linalg.inv(np.eye(2) * 2).tolist())
print(*numpy_libs())
"""


def _header(site: pathlib.Path) -> dict:
    index = site / "assets" / "mm" / "pyodide" / PYODIDE_VERSION
    bundle = json.loads((index / PACKAGES_MANIFEST).read_text())["bundle"]
    raw = gzip.decompress((index / bundle).read_bytes())
    (n,) = struct.unpack_from("<I", raw)
    return json.loads(raw[4:4 + n])


def test_the_bundle_preloads_the_two_libraries_numpy_needs_at_import(built_site):
    packages = {p["name"]: p for p in _header(pathlib.Path(built_site))["packages"]}
    numpy = packages["numpy"]
    files = {path for path, _ in numpy["files"]}
    assert set(numpy["preload"]) <= files
    assert sorted(numpy["preload"]) == [
        "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so",
        "numpy/linalg/_umath_linalg.cpython-312-wasm32-emscripten.so",
    ]
    assert len([f for f in files if f.endswith(".so")]) == 19   # the other 17 load on first import
    assert packages["mmcore"]["preload"] == []
    assert all(prefix.endswith(".") for prefix in BOOT_LIBS)    # a prefix never matches a longer module name


def test_numpy_loads_its_other_libraries_on_first_import(reader_loads, site_url, pages):
    page = reader_loads.page
    page.goto(site_url + pages[1], wait_until="load")
    page.wait_for_function("() => window.mmAtlas && mmAtlas.runtime", timeout=60_000)
    # asked before Python is ready, so the run is queued behind the boot: an idle worker imports numpy.random on
    # its own 500 ms after it is ready (runtime/worker.js), which would load those libraries before the probe
    ready = page.evaluate("() => performance.getEntriesByName('mm:python-ready').length")
    out = page.evaluate("async (code) => (await mmAtlas.runtime.run('libs', code)).stdout", PROBE)
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert steps["packages_bundled"] == 1, steps
    assert ready == 0, "Python was ready before the probe was asked: the test cannot see the boot's libraries"
    before, rng, fft, inv, after = out.strip().splitlines()
    # the boot (and mmcore's first run helper) needed exactly the two preloaded ones: a third here means
    # `import numpy, mmcore` now loads another library synchronously (add it to BOOT_LIBS); `_multiarray_tests`
    # comes with numpy's docstrings, after the boot (runtime/numpy-docs.js)
    assert before.split() == ["_multiarray_umath", "_umath_linalg"], out
    assert rng == "0.6369616873214543"
    assert fft == "[(10+0j), (-2+2j), (-2+0j), (-2-2j)]"
    assert inv == "[[0.5, 0.0], [0.0, 0.5]]"
    assert {"_generator", "mtrand", "bit_generator", "_pocketfft_umath"} <= set(after.split()), out
    assert not reader_loads.errors, reader_loads.errors
