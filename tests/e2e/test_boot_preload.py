"""A page with a figure starts its scripts and first scene with its HTML (pyodide_app/_preload.py): the
``<link rel="modulepreload">`` and ``<link rel="preload" as="fetch">`` hints of its head are requested before the
document has been parsed (before app.js could run and ask for them), and each is then used by the import or
fetch that needs it: requested once, never twice. A text-only page gets no hint.

Each test uses a fresh browser context (empty cache, ``loads``), so every request is made again.
"""

from __future__ import annotations

import pathlib


def _hints(page) -> list[dict]:
    return page.evaluate("""() => [...document.head.querySelectorAll('link[rel="modulepreload"], link[rel="preload"]')]
        .map((l) => ({rel: l.rel, url: l.href, as: l.getAttribute('as')}))""")


def test_figure_page_requests_its_hints_early_and_once(loads, site_url, pages, built_site):
    _, figure = pages
    page = loads.page
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url.split("#")[0]))
    page.goto(site_url + figure, wait_until="load")
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:first-frame:{cell}",
                           timeout=60_000)
    hints = _hints(page)
    scripts = [h["url"] for h in hints if h["rel"] == "modulepreload"]
    scenes = [h["url"] for h in hints if h["rel"] == "preload"]
    assert scripts and scripts[0].endswith("/assets/mm/app.js"), hints
    assert any("/assets/mm/chunks/cell-" in u for u in scripts), "the cell chunk (three.js) is not preloaded"
    assert not any("editor" in u for u in scripts), "the editor's chunk loads only when the reader edits"
    first_scene = page.evaluate("(id) => new URL(document.querySelector(`[data-mm-cell='${id}']`).dataset.scene,"
                                " location.href).href", cell)
    assert scenes == [first_scene] and hints[-1]["as"] == "fetch"
    for url in scripts + scenes:   # each file exists in the site and is requested exactly once (the hint is used)
        rel = url[len(site_url):]
        assert (pathlib.Path(built_site) / rel).is_file(), rel
        assert requested.count(url) == 1, f"{rel} requested {requested.count(url)} times: {requested}"
    timing = page.evaluate("""(urls) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const start = (u) => performance.getEntriesByName(u)[0]?.startTime ?? null;
        return {parsed: nav.domInteractive, starts: urls.map(start)};
    }""", scripts + scenes)
    late = [(u, s) for u, s in zip(scripts + scenes, timing["starts"]) if s is None or s >= timing["parsed"]]
    assert not late, f"started after the document was parsed ({timing['parsed']:.0f} ms): {late}"
    assert not loads.errors, loads.errors


def test_text_only_page_has_no_hints(loads, site_url, pages):
    text_only, _ = pages
    loads.page.goto(site_url + text_only, wait_until="load")
    assert _hints(loads.page) == []
