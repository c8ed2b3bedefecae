"""numpy and mmcore reach the worker as one gzip bundle of their wheels' files (pyodide_app/_assets.py
`pack_packages`, pyodide_app/js/runtime/packages.js), inflated natively while the interpreter starts, instead of
Pyodide's Python-side unzip after it; without the bundle (or with a stale manifest naming a bundle that is gone)
the worker falls back to loadPackage. The cells' bytes through the bundle are checked against CPython by
tests/e2e/test_site_runtime.py (parity of every cell).
"""

from __future__ import annotations

import gzip
import json
import pathlib
import struct
import zipfile

import pytest

from pyodide_app._assets import PACKAGES_MANIFEST, PYODIDE_VERSION, pack_packages, write_packages
from tests.e2e.test_boot_page import READER, _boot_count
from tests.e2e._loads import _pages

BOOTED = "() => performance.getEntriesByName('mm:python-ready').length > 0"
RUN = """async () => (await mmAtlas.runtime.run('x',
    'A = mmcore.matrix("A", 3, 5, init="rows")\\nB = mmcore.matrix("B", 5, 4, init="cols")\\nA @ B')).scene.byteLength"""


def _index(site: pathlib.Path) -> pathlib.Path:
    return site / "assets" / "mm" / "pyodide" / PYODIDE_VERSION


def _unpack(packed: bytes) -> dict:
    raw = gzip.decompress(packed)
    (n,) = struct.unpack_from("<I", raw)
    head = json.loads(raw[4:4 + n])
    at, out = 4 + n, {}
    for pkg in head["packages"]:
        for path, size in pkg["files"]:
            out[(pkg["name"], path)] = raw[at:at + size]
            at += size
    assert at == len(raw)
    return {"head": head, "files": out}


def test_the_bundle_holds_every_file_of_both_wheels(built_site):
    index = _index(pathlib.Path(built_site))
    manifest = json.loads((index / PACKAGES_MANIFEST).read_text())
    assert manifest["packages"] == ["numpy", "mmcore"]
    packed = (index / manifest["bundle"]).read_bytes()
    got = _unpack(packed)
    lock = json.loads((index / "pyodide-lock.json").read_text())
    assert [p["name"] for p in got["head"]["packages"]] == ["numpy", "mmcore"]   # install order: dependency first
    for name in ("numpy", "mmcore"):
        wheel = lock["packages"][name]["file_name"]
        with zipfile.ZipFile(index / wheel) as z:
            want = {(name, i.filename): z.read(i) for i in z.infolist() if not i.is_dir()}
        assert {k: v for k, v in got["files"].items() if k[0] == name} == want
    assert any(p.endswith("_multiarray_umath.cpython-312-wasm32-emscripten.so") for _, p in got["files"])


def test_the_bundle_name_follows_its_bytes(built_site, tmp_path):
    """A rebuilt site with other wheels gets another bundle name; the manifest names the new one and the old
    bundle is removed, so no reader mixes an old bundle with new files."""
    src = _index(pathlib.Path(built_site))
    index = tmp_path / "pyodide"
    index.mkdir()
    lock = json.loads((src / "pyodide-lock.json").read_text())
    for name in ("numpy", "mmcore"):
        (index / lock["packages"][name]["file_name"]).write_bytes((src / lock["packages"][name]["file_name"]).read_bytes())
    (index / "pyodide-lock.json").write_text(json.dumps(lock))
    first = write_packages(index, index)
    assert first == json.loads((index / PACKAGES_MANIFEST).read_text())["bundle"]
    assert write_packages(index, index) == first   # same wheels, same bytes, same name
    mmcore = index / lock["packages"]["mmcore"]["file_name"]
    with zipfile.ZipFile(mmcore, "a") as z:
        z.writestr("mmcore/_rebuilt.py", "REBUILT = True\n")
    second = write_packages(index, index)
    assert second != first
    assert json.loads((index / PACKAGES_MANIFEST).read_text())["bundle"] == second
    assert sorted(p.name for p in index.glob("mm-packages-*")) == [second]


def test_no_bundle_without_the_packages_in_the_lock(tmp_path):
    (tmp_path / "pyodide-lock.json").write_text(json.dumps({"packages": {"numpy": {"file_name": "n.whl"}}}))
    assert pack_packages(tmp_path) is None
    assert write_packages(tmp_path, tmp_path) is None
    assert not list(tmp_path.glob("mm-packages*"))


@pytest.fixture
def loads(loads):
    """conftest's ``loads``, also recording every request, with the reader's background boot."""
    loads.requests = []
    loads.ctx.on("request", lambda r: loads.requests.append(r.url))
    loads.ctx.add_init_script(READER)
    return loads


@pytest.fixture(scope="module")
def figure(built_site):
    return _pages(pathlib.Path(built_site))[1]


def test_the_worker_installs_the_bundle_without_fetching_the_wheels(loads, site_url, figure):
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert steps["packages_bundled"] == 1, steps
    assert any("/mm-packages-" in u for u in loads.requests)
    assert not [u for u in loads.requests if u.endswith(".whl")]
    assert page.evaluate(RUN) > 0
    info = page.evaluate("""async () => (await mmAtlas.runtime.run('x', [
        'import numpy, importlib.metadata as md, mmcore',
        'print(numpy.__version__, md.version("numpy"), mmcore.__file__)'].join('\\n'))).stdout""")
    version, meta, where = info.split()
    assert version == meta == "2.0.2" and where.startswith("/lib/python3.12/site-packages/mmcore/"), info
    assert _boot_count(page) == 1
    assert not loads.errors, loads.errors


def test_a_stale_manifest_falls_back_to_load_package(loads, site_url, figure):
    """A manifest naming a bundle that is gone (an older build's, say) costs one 404, not the boot."""
    loads.ctx.route("**/mm-packages.json", lambda r: r.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"bundle": "mm-packages-0000000000000000.bin.gz", "packages": ["numpy", "mmcore"]})))
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    assert page.evaluate("mmAtlas.runtime.bootTimings")["packages_bundled"] == 0
    assert [u for u in loads.requests if u.endswith(".whl")]   # Pyodide's loadPackage fetched the wheels
    assert page.evaluate(RUN) > 0
    unexpected = [e for e in loads.errors if "mm-packages-0000000000000000" not in e
                  and "loadPackage" not in e and "404" not in e]
    assert not unexpected, loads.errors
