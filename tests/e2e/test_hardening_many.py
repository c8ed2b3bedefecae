"""Many figures (issue 13, case 9): a test-only page with 30 figures, and two minutes of back-and-forth
instant navigation between it and a chapter, keep the live WebGL contexts within the budget and the JS heap
bounded. The page is a fixture site: the built site's pages copied (assets linked) plus `many/`, whose 30
cells share one prebuilt scene. The heap before and after is printed (run with -s to see it).

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q -s tests/e2e/test_hardening_many.py
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import time

import pytest

from pyodide_app._fence import CellView, parse_options, render_cell
from tests.e2e._cellpage import goto, wait_mounted
from tests.e2e.conftest import serve_directory

N_FIGURES = 30
SECONDS = float(os.environ.get("MM_MANY_SECONDS", "120"))
CHAPTER = "tutorial/first-matmul/"
SCENE = "blog00.mmscene"


@pytest.fixture(scope="module")
def many_site(built_site, tmp_path_factory):
    """The built site's pages (copied) and assets (linked), plus many/index.html with 30 figures."""
    root = tmp_path_factory.mktemp("many-site")
    site = pathlib.Path(built_site)
    for entry in site.iterdir():
        if entry.name == "assets":
            (root / "assets").symlink_to(entry.resolve(), target_is_directory=True)
        elif entry.is_dir():
            shutil.copytree(entry, root / entry.name)
        else:
            shutil.copy2(entry, root / entry.name)
    html = (site / CHAPTER / "index.html").read_text(encoding="utf-8")
    source = 'A = mmcore.matrix("A", 32, 24, init="rows")\nA @ mmcore.matrix("B", 24, 32, init="cols")\n'
    cells = "\n".join(render_cell(CellView(cell_id=f"many-{n}", source=source,
                                           options=parse_options({"height": "200"}, where="many"),
                                           scene_file=f"../{CHAPTER}{SCENE}", label="A @ B", stdout=""))
                      for n in range(1, N_FIGURES + 1))
    body = (f'<h1 id="many">Thirty figures</h1>\n<p><a id="to-chapter" href="../{CHAPTER}">the chapter</a></p>\n'
            f"{cells}\n")
    page, n = re.subn(r'(<article class="md-content__inner md-typeset">).*?(</article>)',
                      lambda m: m.group(1) + body + m.group(2), html, count=1, flags=re.S)
    assert n == 1
    page = page.replace('href="../../', 'href="../').replace('src="../../', 'src="../') \
               .replace('data-md-scope="../.."', 'data-md-scope=".."')
    (root / "many").mkdir()
    (root / "many" / "index.html").write_text(page, encoding="utf-8")
    server, url = serve_directory(root)
    yield url
    server.shutdown()
    server.server_close()


def _heap(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20


def test_thirty_figures_and_two_minutes_of_navigation_stay_bounded(context, many_site):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    cdp = context.new_cdp_session(page)
    try:
        goto(page, many_site + "many/")
        assert page.evaluate("document.querySelectorAll('[data-mm-cell]').length") == N_FIGURES
        budget = 12  # render/context-budget.js MAX_LIVE
        page.wait_for_timeout(2000)
        # scroll through every figure once: each draws, the budget hands contexts on
        for y in range(0, page.evaluate("document.body.scrollHeight"), 600):
            page.evaluate("(y) => window.scrollTo(0, y)", y)
            page.wait_for_timeout(120)
            assert page.evaluate("mmAtlas.liveContexts()") <= budget
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(500)
        before = _heap(cdp)
        contexts = [page.evaluate("mmAtlas.liveContexts()")]
        t0, rounds = time.monotonic(), 0
        while time.monotonic() - t0 < SECONDS:
            page.click("#to-chapter")
            page.wait_for_url(f"**/{CHAPTER}")
            wait_mounted(page)
            contexts.append(page.evaluate("mmAtlas.liveContexts()"))
            page.go_back()
            page.wait_for_url("**/many/")
            wait_mounted(page)
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")   # wake the far figures too
            page.wait_for_timeout(300)
            contexts.append(page.evaluate("mmAtlas.liveContexts()"))
            page.evaluate("window.scrollTo(0, 0)")
            rounds += 1
        page.wait_for_timeout(1000)
        after = _heap(cdp)
        # one JS context all along: instant navigation, no reload
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        print(f"\n[many figures] {N_FIGURES} figures, {rounds} round trips in {SECONDS:.0f} s: JS heap "
              f"{before:.1f} MB before, {after:.1f} MB after; live WebGL contexts max {max(contexts)} (budget {budget})")
        assert rounds >= 3
        assert max(contexts) <= budget, contexts
        assert after < before * 1.5 + 10, f"JS heap grew from {before:.1f} MB to {after:.1f} MB"
        assert errors == []
    finally:
        page.close()
