"""The memory snapshot of the started interpreter (pyodide_app/js/runtime/snapshot.js), in real Chromium on the built
site: the first visit makes it in a second worker once Python is ready and stores it in Cache Storage (a run asked
meanwhile ends that worker, which starts again once the page is idle); the next load
restores it, and the restored Python behaves as a fresh one (streamed stdout and stderr, the `js` module, errors with
their traceback, `random` reseeded, the prebuilt figure's exact bytes); a corrupt or refused snapshot is deleted and
Python starts the normal way; without Cache Storage (a page not served over https or from localhost), or for a week
after a maker could not store its snapshot, nothing is made.
The reader's configuration is switched on as in test_boot_page.py (`localStorage["mm:boot"] = "reader"`).

Example: MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest tests/e2e/test_boot_snapshot.py
"""

from __future__ import annotations

import base64
import pathlib

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LOOPBACK

READER = "try { localStorage.setItem('mm:boot', 'reader'); } catch (e) {}"
STORED = "() => performance.getEntriesByName('mm:snapshot-stored').length > 0"
READY = "() => performance.getEntriesByName('mm:python-ready').length > 0"
# the stored entry, from the page (the cache's name and key are the worker's: runtime/snapshot.js)
ENTRY = """async () => {
  for (const name of await caches.keys()) {
    if (!name.startsWith('mm-pyodide-snapshot-')) continue;
    const cache = await caches.open(name);
    for (const req of await cache.keys()) {
      const res = await cache.match(req);
      return {name, url: req.url, size: (await res.arrayBuffer()).byteLength,
              headers: Object.fromEntries(res.headers.entries())};
    }
  }
  return null;
}"""
# rewrite the stored bytes: `mode` "heap" flips bytes inside the heap (the checksum no longer matches), "build-id"
# changes Pyodide's build id in the snapshot's header and fixes the checksum (only Pyodide's own check can refuse it)
CORRUPT = """async (mode) => {
  const sum = (bytes) => {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
    let h = 0x811c9dc5 | 0, s = 0;
    for (let i = 0; i < words.length; i++) { h = Math.imul(h ^ words[i], 16777619); s = (s + words[i]) | 0; }
    const hex = (n) => (n >>> 0).toString(16).padStart(8, '0');
    return hex(h) + hex(s);
  };
  const name = (await caches.keys()).find((n) => n.startsWith('mm-pyodide-snapshot-'));
  const cache = await caches.open(name);
  const [req] = await cache.keys();
  const res = await cache.match(req);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const headers = Object.fromEntries(res.headers.entries());
  if (mode === 'heap') {
    for (let i = 0; i < 4096; i++) bytes[bytes.length / 2 + i] ^= 0x5a;
  } else {
    // Pyodide's build id: 4 words into the snapshot, whose first page follows the packed header (snapshot.js)
    const pages = new Uint32Array(bytes.buffer, 0, 4)[3];
    bytes[16 + Math.ceil(pages / 4) * 4 + 16] ^= 0xff;
    headers['x-mm-checksum'] = sum(bytes);
  }
  await cache.put(req, new Response(bytes, {headers}));
  return sum(bytes) === headers['x-mm-checksum'];
}"""
# one program that shows what a restored interpreter must do as a fresh one
PROBE = r'''import js, random, sys
print("out", js.Math.sqrt(16), js.name)
print("err", file=sys.stderr)
print("random", random.random())
A = mmcore.matrix("A", 4, 4)
A @ A'''
RUN = """async (code) => {
  const chunks = [];
  const r = await mmAtlas.runtime.run('probe', code, {onStdout: (t) => chunks.push(t)});
  return {stdout: r.stdout, chunks, scene: r.scene ? r.scene.byteLength : 0};
}"""
FAIL = """async () => {
  try { await mmAtlas.runtime.run('probe', 'def f():\\n    return 1 / 0\\nf()'); return null; }
  catch (e) { return e.error; }
}"""
RUN_BYTES = """async ([id, code]) => {
  const r = await mmAtlas.runtime.run(id, code);
  const b = new Uint8Array(r.scene); let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}"""


def _check_probe(out: dict) -> None:
    """PROBE's output: `js` reached the worker's globals, stdout captured and streamed, stderr streamed, a figure."""
    assert out["scene"] > 0, out
    assert out["stdout"].startswith("out 4 mm-python\nrandom 0."), out
    assert "".join(out["chunks"]).startswith("out 4 mm-python\nerr\nrandom 0."), out   # streamed as it ran


def _boot(page) -> dict:
    return page.evaluate("mmAtlas.runtime.bootTimings")


def _load(page, url: str, reload: bool = False) -> dict:
    """Open (or reload) the page and wait until Python is ready; returns the boot's timings."""
    if reload:
        page.reload(wait_until="load")
    else:
        page.goto(url, wait_until="load")
    page.wait_for_function(READY, timeout=180_000)
    return _boot(page)


def _first_visit(loads, url: str) -> dict:
    """The first visit: Python boots the normal way, then the snapshot is made and stored; returns the entry."""
    loads.ctx.add_init_script(READER)
    boot = _load(loads.page, url)
    assert boot["snapshot_storage"] == 1 and boot["snapshot_restored"] == 0, boot
    loads.page.wait_for_function(STORED, timeout=180_000)
    entry = loads.page.evaluate(ENTRY)
    assert entry is not None
    return entry


def test_a_second_load_restores_the_snapshot_and_python_is_as_fresh(loads, site_url, pages, built_site):
    _, figure = pages
    page = loads.page
    entry = _first_visit(loads, site_url + figure)
    assert entry["name"] == "mm-pyodide-snapshot-0.27.7"
    assert entry["url"].startswith(site_url + "assets/mm/pyodide/0.27.7/mm-snapshot-"), entry["url"]
    assert 10_000_000 < entry["size"] == int(entry["headers"]["x-mm-bytes"]) < 100_000_000, entry
    made = page.evaluate("performance.getEntriesByName('mm:snapshot-stored')[0].detail")
    assert made["stored"] is True and made["kept"] == entry["size"] < made["bytes"], made   # its zero pages dropped
    # the first Python ran nothing from a snapshot; the next load restores it and makes none
    seen = []
    for _ in range(2):
        boot = _load(page, site_url + figure, reload=True)
        assert boot["snapshot_restored"] == 1 and "snapshot_failed" not in boot, boot
        assert boot["wasm_early"] == 0, boot   # the wasm's code comes from Chromium's cache (runtime/wasm-early.js)
        assert page.evaluate("mmAtlas.runtime.snapshotState") == "restored"
        out = page.evaluate(RUN, PROBE)
        _check_probe(out)
        seen.append(out["stdout"].splitlines()[1])
        error = page.evaluate(FAIL)
        assert error["type"] == "ZeroDivisionError" and error["line"] == 2, error
        assert 'File "<cell probe>", line 2, in f' in error["traceback"], error
    assert seen[0] != seen[1], seen   # `random` is reseeded at each restore (a snapshot freezes its state)
    # the prebuilt figure, run again in the restored Python, gives the build's exact bytes
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    source = page.evaluate("(id) => JSON.parse(document.querySelector(`[data-mm-cell=\"${id}\"] "
                           "[data-mm-source]`).textContent)", cell)
    scene = page.get_attribute(f'[data-mm-cell="{cell}"]', "data-scene")
    want = (pathlib.Path(built_site) / figure / scene).read_bytes()
    assert base64.b64decode(page.evaluate(RUN_BYTES, [cell, source])) == want
    assert page.evaluate("performance.getEntriesByName('mm:snapshot-start').length") == 0
    assert not loads.errors, loads.errors


def test_a_run_ends_the_maker_and_the_snapshot_is_made_after_it(loads, site_url, pages):
    _, figure = pages
    page = loads.page
    loads.ctx.add_init_script(READER)
    _load(page, site_url + figure)
    page.wait_for_function("() => performance.getEntriesByName('mm:snapshot-start').length > 0", timeout=60_000)
    _check_probe(page.evaluate(RUN, PROBE))   # asked while the maker works: the maker is ended, the run goes alone
    assert page.evaluate("mmAtlas.runtime.snapshotDeferred") == 1
    assert page.evaluate("performance.getEntriesByName('mm:snapshot-deferred').length") == 1
    page.wait_for_function(STORED, timeout=180_000)   # made again once the page is idle
    assert page.evaluate("performance.getEntriesByName('mm:snapshot-start').length") == 2
    assert _load(page, site_url + figure, reload=True)["snapshot_restored"] == 1
    assert not loads.errors, loads.errors


@pytest.mark.parametrize("mode", ["heap", "build-id"])
def test_a_corrupt_snapshot_is_deleted_and_python_starts_the_normal_way(loads, site_url, pages, mode):
    _, figure = pages
    page = loads.page
    before = _first_visit(loads, site_url + figure)
    assert page.evaluate(CORRUPT, mode) is (mode == "build-id")
    boot = _load(page, site_url + figure, reload=True)
    assert boot["snapshot_restored"] == 0 and boot["snapshot_failed"] == 1, boot
    _check_probe(page.evaluate(RUN, PROBE))
    # the bad entry is gone; a fresh snapshot replaces it (this boot did not restore one), and the next load uses it
    page.wait_for_function(STORED, timeout=180_000)
    after = page.evaluate(ENTRY)
    assert after["url"] == before["url"] and after["size"] == int(after["headers"]["x-mm-bytes"]) > 10_000_000, after
    assert _load(page, site_url + figure, reload=True)["snapshot_restored"] == 1
    assert not loads.errors, loads.errors


def test_no_maker_for_a_week_after_one_could_not_store(loads, site_url, pages):
    _, figure = pages
    page = loads.page
    loads.ctx.add_init_script(READER)
    loads.ctx.add_init_script("localStorage.setItem('mm:snapshot-failed', String(Date.now() - 6 * 24 * 3600e3))")
    boot = _load(page, site_url + figure)
    assert boot["snapshot_storage"] == 1 and boot["snapshot_restored"] == 0, boot
    page.wait_for_timeout(3000)   # past the maker's idle wait (SNAPSHOT_IDLE_MS) and a 2 s idle callback
    assert page.evaluate("mmAtlas.runtime.snapshotState") == "not-stored"
    assert page.evaluate("performance.getEntriesByName('mm:snapshot-start').length") == 0
    assert page.evaluate(ENTRY) is None
    assert not loads.errors, loads.errors


@pytest.fixture
def insecure_page(playwright_driver, built_site):
    """A page of the site served from http://mm-insecure.test:PORT/ (a name mapped to the loopback server): not a
    secure context, so its worker has no Cache Storage."""
    from tests.e2e.conftest import serve_directory

    server, url = serve_directory(pathlib.Path(built_site))
    port = url.rsplit(":", 1)[1].strip("/")
    rules = "MAP mm-insecure.test 127.0.0.1 , MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")] + [f"--host-resolver-rules={rules}"]
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args, timeout=60_000)
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    outside = []
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith((*LOOPBACK, "http://mm-insecure.test"))
              else (outside.append(r.request.url), r.abort()))
    ctx.add_init_script(READER)
    page = ctx.new_page()
    page.mm_errors = []
    page.on("pageerror", lambda e: page.mm_errors.append(str(e)))
    yield page, f"http://mm-insecure.test:{port}/"
    ctx.close()
    browser.close()
    server.shutdown()
    server.server_close()
    assert outside == [], outside


def test_nothing_is_stored_without_cache_storage(insecure_page, pages):
    page, base = insecure_page
    _, figure = pages
    boot = _load(page, base + figure)
    assert page.evaluate("window.isSecureContext") is False
    assert boot["snapshot_storage"] == 0 and boot["snapshot_restored"] == 0, boot
    _check_probe(page.evaluate(RUN, PROBE))
    page.wait_for_timeout(3000)   # past the maker's idle wait (SNAPSHOT_IDLE_MS) and a 2 s idle callback
    assert page.evaluate("mmAtlas.runtime.snapshotState") == "not-stored"
    assert page.evaluate("performance.getEntriesByName('mm:snapshot-start').length") == 0
    assert _load(page, base + figure, reload=True)["snapshot_restored"] == 0
    assert page.mm_errors == [], page.mm_errors
