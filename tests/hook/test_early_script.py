"""The early script of a page with cells (pyodide_app/_early_script.py; it holds Material's search index back): it goes
just before Material's bundle, with a URL relative to the page, and only where there are cells."""

from __future__ import annotations

from pyodide_app._early_script import insert_early_script

BUNDLE = '<script src="{up}assets/javascripts/bundle.a5f9d56c.min.js"></script>'
CELL = '<div class="mm-cell" data-mm-cell="x-1" data-scene="x-1.mmscene"></div>'


def page(body: str, up: str = "") -> str:
    return (f'<!doctype html><html><head><script src="{up}assets/csp/md-base.js"></script></head><body>{body}'
            f'<script id="__config" type="application/json">{{}}</script>{BUNDLE.format(up=up)}'
            f'<script src="{up}assets/mm/app.js" type="module"></script></body></html>')


def test_a_page_with_cells_gets_the_script_right_before_materials_bundle():
    out = insert_early_script(page(CELL, "../../"), "tutorial/first-matmul/")
    hold = '<script src="../../assets/mm/early.js"></script>'
    assert out.count(hold) == 1
    assert out.index(hold) < out.index("bundle.a5f9d56c") < out.index("assets/mm/app.js")
    assert out.index("__config") < out.index(hold)   # Material's config stays where its bundle reads it
    assert out.replace(hold + "\n", "") == page(CELL, "../../")   # nothing else changes


def test_the_home_page_gets_a_path_from_the_site_root():
    assert '<script src="assets/mm/early.js"></script>' in insert_early_script(page(CELL), "")


def test_pages_without_cells_or_without_materials_bundle_are_unchanged():
    assert insert_early_script(page("<p>text</p>"), "") == page("<p>text</p>")
    other_theme = f"<html><body>{CELL}<script src='theme.js'></script></body></html>"
    assert insert_early_script(other_theme, "") == other_theme
