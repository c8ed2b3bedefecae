"""Preload hints of a page with cells (pyodide_app/_preload.py): which tags, where, with which URLs."""

from __future__ import annotations

import json

import pytest

from pyodide_app._preload import PreloadHints

MANIFEST = {"page": ["app.js", "chunks/chunk-A.js"], "cells": ["chunks/cell-B.js", "chunks/chunk-C.js"]}
PAGE = ('<!doctype html><html><head>\n<meta charset="utf-8">\n<title>x</title></head><body>'
        '<div class="mm-cell" data-mm-cell="x-1" data-state="idle" data-scene="x-1.mmscene"></div>'
        '<div class="mm-cell" data-mm-cell="x-2" data-scene="x-2.mmscene"></div></body></html>')


def test_a_nested_page_gets_its_scripts_and_first_scene_relative_to_itself():
    tags = PreloadHints(MANIFEST).links(PAGE, "tutorial/first-matmul/").splitlines()
    assert tags == [
        '<link rel="modulepreload" href="../../assets/mm/app.js">',
        '<link rel="modulepreload" href="../../assets/mm/chunks/chunk-A.js">',
        '<link rel="modulepreload" href="../../assets/mm/chunks/cell-B.js">',
        '<link rel="modulepreload" href="../../assets/mm/chunks/chunk-C.js">',
        # only the first cell's scene, with the mode of the cell's own fetch() (same-origin credentials)
        '<link rel="preload" href="x-1.mmscene" as="fetch" crossorigin="anonymous">',
    ]


def test_the_home_page_and_pages_without_directory_urls():
    hints = PreloadHints(MANIFEST)
    assert '<link rel="modulepreload" href="assets/mm/app.js">' in hints.links(PAGE, "")
    assert '<link rel="modulepreload" href="../assets/mm/app.js">' in hints.links(PAGE, "tutorial/x.html")


def test_tags_go_at_the_end_of_the_head_after_the_style_sheets():
    out = PreloadHints(MANIFEST).insert(PAGE, "")
    head = out[out.index("<head>"):out.index("</head>")]
    assert head.index("<title>") < head.index("modulepreload")
    assert head.rstrip().endswith('<link rel="preload" href="x-1.mmscene" as="fetch" crossorigin="anonymous">')
    assert out.count("<link ") == 5
    assert out.split("</head>")[1] == PAGE.split("</head>")[1]   # the body is untouched


def test_a_cell_without_a_prebuilt_scene_gets_the_scripts_only():
    page = '<html><head></head><body><div data-mm-cell="p" data-autorun="mm-link"></div></body></html>'
    out = PreloadHints(MANIFEST).insert(page, "playground/")
    assert out.count('rel="modulepreload"') == 4 and 'rel="preload"' not in out
    assert out.startswith('<html><head><link rel="modulepreload" href="../assets/mm/app.js">')


def test_pages_without_cells_are_unchanged():
    page = "<html><head><meta charset='utf-8'></head><body><p>data-scene=\"no\"</p></body></html>"
    assert PreloadHints(MANIFEST).insert(page, "about/") == page


def test_manifest_from_the_bundle(tmp_path):
    assert PreloadHints.from_bundle(tmp_path) is None   # a bundle built before preload.json: no hints
    (tmp_path / "preload.json").write_text(json.dumps(MANIFEST))
    assert PreloadHints.from_bundle(tmp_path).cells == MANIFEST["cells"]
    (tmp_path / "preload.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"preload.json: expected .*page.*cells.*npm run build"):
        PreloadHints.from_bundle(tmp_path)
