"""The inflated package bundle is kept in the browser's Cache Storage after a boot (pyodide_app/js/runtime/packages.js
`keepInflated`), and the next boot reads it back instead of downloading and inflating the bundle again; a kept
bundle that cannot be read is forgotten and the bundle downloaded as before.

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/e2e/test_boot_packages_kept.py
"""

from __future__ import annotations

import time

# the reader's background boot with every request recorded (`loads`) and the first figure page (`figure`)
from tests.e2e.test_boot_packages import BOOTED, RUN, figure, loads  # noqa: F401 - pytest fixtures

KEPT = """async () => { const c = await caches.open('mm-packages-inflated');
    return (await c.keys()).map((r) => r.url); }"""


def _boot(page, url: str) -> dict:
    page.goto(url, wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    return page.evaluate("mmAtlas.runtime.bootTimings")


def _wait_kept(page, timeout_s: float = 60.0) -> list[str]:
    """The kept bundle's key, once the worker has stored it (it does so after Python is ready)."""
    deadline = time.monotonic() + timeout_s
    while True:
        kept = page.evaluate(KEPT)
        if len(kept) == 1 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert len(kept) == 1, f"no inflated bundle kept after {timeout_s:.0f} s: {kept}"
    return kept


def test_the_next_boot_reads_the_kept_bundle_instead_of_downloading_it(loads, site_url, figure):
    page = loads.page
    first = _boot(page, site_url + figure)
    assert first["packages_bundled"] == 1 and first["packages_cached"] == 0, first
    kept = _wait_kept(page)
    assert kept[0].endswith(".bin") and "/mm-packages-" in kept[0], kept
    downloads = len([u for u in loads.requests if u.endswith(".bin.gz")])
    assert downloads == 1
    second = _boot(page, site_url + figure)
    assert second["packages_bundled"] == 1 and second["packages_cached"] == 1, second
    assert len([u for u in loads.requests if u.endswith(".bin.gz")]) == downloads   # not downloaded again
    assert page.evaluate(RUN) > 0
    info = page.evaluate("""async () => (await mmAtlas.runtime.run('x', [
        'import numpy, importlib.metadata as md, mmcore',
        'print(numpy.__version__, md.version("numpy"), float(numpy.linalg.norm(numpy.eye(3))))'].join('\\n'))).stdout""")
    assert info.split() == ["2.0.2", "2.0.2", "1.7320508075688772"], info
    assert not loads.errors, loads.errors


def test_a_kept_bundle_that_cannot_be_read_is_forgotten_and_the_bundle_downloaded(loads, site_url, figure):
    page = loads.page
    _boot(page, site_url + figure)
    key = _wait_kept(page)[0]
    page.evaluate("""async (key) => { const c = await caches.open('mm-packages-inflated');
        await c.put(key, new Response(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))); }""", key)
    steps = _boot(page, site_url + figure)
    assert steps["packages_bundled"] == 1 and steps["packages_cached"] == 0, steps
    assert page.evaluate(RUN) > 0
    assert _wait_kept(page) == [key]   # kept again, whole: the next boot reads it
    size = page.evaluate("""async (key) => (await (await (await caches.open('mm-packages-inflated'))
        .match(key)).arrayBuffer()).byteLength""", key)
    assert size > 10_000_000, size
    assert not loads.errors, loads.errors
