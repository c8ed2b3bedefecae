"""Hostile links in Chromium (issue 13, case 4): 30 links from the fuzzing's families, opened on the built
site. A playground link (`?mm=`) becomes data (`mmcore.from_mm("…")`) and ends in a figure or a clear
error; a share link (`#cell=…&code=…&view=…`) never runs code (no run is asked of Python) and a
damaged one leaves the cell as it was. Never a page error, never a script of the link's making.
"""

from __future__ import annotations

import base64
import json
import random
import zlib

import pytest

from tests.e2e._cellpage import cell_sel, goto, status, wait_mounted

SCRIPTY = ['<script>window.__mm_xss=1</script>', '"><img src=x onerror=window.__mm_xss=1>',
           'javascript:window.__mm_xss=1', '"); import js; js.eval("window.__mm_xss=1"); ("',
           "\\u2028\\u2029", "%00%ff%fe", "%E0%A4%A", "{}" * 300]


def _deflate(text: str) -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.urlsafe_b64encode(c.compress(text.encode()) + c.flush()).decode().rstrip("=")


def _links(n: int, seed: int = 13) -> list[str]:
    """n hostile link bodies: script-like strings, truncated and corrupt compressed data, wrong JSON."""
    rnd = random.Random(seed)
    good = _deflate('A = mmcore.matrix("A", 4, 3)\nA @ mmcore.matrix("B", 3, 2)\n')
    families = [
        lambda: rnd.choice(SCRIPTY),
        lambda: good[: rnd.randrange(1, len(good))],                                   # truncated
        lambda: "".join(rnd.choice("ABCxyz019-_") for _ in range(rnd.randrange(1, 80))),  # garbage base64
        lambda: "?params=" + json.dumps(rnd.choice([[], 7, None, {"expr": 5}, {"h": -1, "w": "x"},
                                                    {"name": "<b>x</b>", "h": 10**9}])),
        lambda: "?params=%7B%22" + "a" * rnd.randrange(1, 4000),                       # huge, unterminated
        lambda: "c" + ",".join(str(rnd.uniform(-1e308, 1e308)) for _ in range(rnd.randrange(1, 9))) + "_s" * rnd.randrange(0, 3),
    ]
    return [families[i % len(families)]() for i in range(n)]


LINKS = _links(30)


@pytest.fixture()
def fresh(context):
    pages = []

    def make():
        p = context.new_page()
        p.mm_errors = []
        p.on("pageerror", lambda e: p.mm_errors.append(str(e)))
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


def test_thirty_hostile_links_in_chromium(fresh, site_url):
    assert len(LINKS) == 30
    # share links: 15 hostile hashes on a chapter page; Python never starts
    page = fresh()
    goto(page, site_url + "tutorial/first-matmul/")
    original = page.evaluate("(id) => mmAtlas.cells.get(id).getCode()", "first-matmul-1")
    # count every run asked of Python (the page may boot Python in the background; running is what matters)
    page.evaluate("""() => { const r = mmAtlas.runtime, run = r.run.bind(r); window.__mm_runs = 0;
        r.run = (...a) => { window.__mm_runs += 1; return run(...a); }; }""")
    for body in LINKS[:15]:
        page.evaluate("(h) => { history.replaceState(null, '', '#cell=first-matmul-1&code=' + h + '&view=' + h); mmAtlas.mountAll(); }", body)
        wait_mounted(page)
        page.wait_for_timeout(150)
        code = page.evaluate("(id) => mmAtlas.cells.get(id).getCode()", "first-matmul-1")
        if code != original:   # a link whose code decoded: loaded, waiting for a click
            assert status(page, "first-matmul-1") == "Code loaded from the link: press Run to run it", body
        assert page.get_attribute(cell_sel("first-matmul-1"), "data-state") == "idle", body
    # a well-formed link with code that would call into the page: loaded, not run
    evil = _deflate('import js\njs.eval("window.__mm_xss = 1")\n')
    page.evaluate("(c) => { history.replaceState(null, '', '#cell=first-matmul-1&code=' + c); mmAtlas.mountAll(); }", evil)
    wait_mounted(page)
    page.wait_for_function("(id) => mmAtlas.cells.get(id).getCode().includes('js.eval')", arg="first-matmul-1")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__mm_runs") == 0      # no run was asked of Python: nothing ran
    assert page.get_attribute(cell_sel("first-matmul-1"), "data-state") == "idle"
    assert page.evaluate("window.__mm_xss") is None
    assert page.mm_errors == []

    # playground links: 15 hostile ?mm= links, each opened as data and run at once
    page = fresh()
    goto(page, site_url + "playground/")
    for body in LINKS[15:]:
        page.evaluate("(q) => { history.replaceState(null, '', '?mm=' + q); mmAtlas.mountAll(); }", body)
        wait_mounted(page)
        page.wait_for_function("() => ['ready', 'error'].includes(document.querySelector('[data-mm-cell=playground]').dataset.state)",
                               timeout=180_000)
        code = page.evaluate("() => mmAtlas.cells.get('playground').getCode()")
        assert code.startswith("mmcore.from_mm(") and code.endswith(")\n"), code[:80]
        assert json.loads(code[len("mmcore.from_mm("):-2]) is not None     # one string literal, nothing else
        shown = status(page, "playground")
        state = page.get_attribute(cell_sel("playground"), "data-state")
        assert shown and (state == "ready" or shown.startswith("MMError: ")), (body[:60], state, shown)
        assert len(shown) <= 300
    assert page.evaluate("window.__mm_xss") is None
    assert page.mm_errors == []
