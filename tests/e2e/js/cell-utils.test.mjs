// Unit tests of the pure cell modules (run by tests/e2e/test_js_units.py through `node --test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readMmLink, programForLink } from "../../../pyodide_app/js/cell/mmlink.js";
import { encodeCode, decodeCode, shareURL, readShared } from "../../../pyodide_app/js/cell/share.js";

test("readMmLink keeps everything after mm=, including the link's own &", () => {
  assert.equal(readMmLink("?mm=https://x.io/mm/?0=A+%40+B&1=none&3.5=12"), "https://x.io/mm/?0=A+%40+B&1=none&3.5=12");
  assert.equal(readMmLink("?keep=1&mm=?params=%7B%7D"), "?params=%7B%7D");
  assert.equal(readMmLink("?mm=0=A&1=B"), "0=A&1=B");
});

test("readMmLink decodes a fully percent-encoded link once and ignores look-alike keys", () => {
  assert.equal(readMmLink("?mm=%3Fparams%3D%257B%257D"), "?params=%7B%7D");
  assert.equal(readMmLink("?amm=1"), null);
  assert.equal(readMmLink("?x=1"), null);
  assert.equal(readMmLink(""), null);
  assert.equal(readMmLink("?mm="), null);
});

test("programForLink makes a Python string literal that survives quotes, backslashes and unicode", () => {
  const link = 'a"b\\c\u00e9\u2028';
  const code = programForLink(link);
  assert.match(code, /^mmcore\.from_mm\(".*"\)\n$/s);
  assert.equal(JSON.parse(code.slice("mmcore.from_mm(".length, -2)), link);
});

test("share codes round-trip and are compact", async () => {
  const code = 'A = mmcore.matrix("A", 32, 24, init="rows")\n# é ✓\n'.repeat(20);
  const packed = await encodeCode(code);
  assert.match(packed, /^[A-Za-z0-9_-]+$/);
  assert.ok(packed.length < code.length / 4, `not compact: ${packed.length} for ${code.length}`);
  assert.equal(await decodeCode(packed), code);
  const url = await shareURL("demo-1", code, "http://127.0.0.1:8000/sub/page/?q=1#old");
  assert.ok(url.startsWith("http://127.0.0.1:8000/sub/page/?q=1#cell=demo-1&code="), url);
  assert.deepEqual(await readShared(new URL(url).hash), { cellId: "demo-1", code, view: null });
  const view = { camera: { position: [1, 2, 3], target: [0, 0, 0], up: [0, 1, 0] }, spin: false };
  const withView = await shareURL("demo-1", code, "http://127.0.0.1:8000/page/", view);
  assert.deepEqual(await readShared(new URL(withView).hash), { cellId: "demo-1", code, view });
  const damaged = withView.replace(/view=.*/, "view=%%%");
  assert.deepEqual(await readShared(new URL(damaged).hash), { cellId: "demo-1", code, view: null });
});

test("readShared ignores hashes without a shared cell and damaged codes", async () => {
  assert.equal(await readShared("#section-2"), null);
  assert.equal(await readShared("#cell=a"), null);
  assert.equal(await readShared("#cell=a&code=!!!not-base64"), null);
  assert.equal(await readShared("#cell=a&code=AAAA"), null);
});
