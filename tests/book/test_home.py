"""The home page is a map of the book: every chapter of the nav, in reading order, with a still of its figure."""

import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from make_stills import chapters, still_name  # noqa: E402


def test_home_lists_every_chapter_in_reading_order_with_its_still(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    cards = html[html.index("mm-chapters"):]
    positions = []
    for title, md in chapters():
        href = md[:-3] + "/"
        m = re.search(r'href="' + re.escape(href) + r'"', cards)
        assert m, f"the home page has no card for {title} ({href})"
        positions.append(m.start())
        src = f"assets/stills/{still_name(md)}"
        assert src in cards, f"no still {src} for {title}"
        assert (built_site / src).is_file() and (built_site / src).stat().st_size > 2000, f"{src} missing or blank"
    assert positions == sorted(positions), "chapter cards are not in the nav's reading order"


def test_home_has_a_hero_figure_and_says_how_to_use_a_cell(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'data-mm-cell="hello"' in html
    steps = re.search(r'id="how-to-use-a-cell".*?<ol>(.*?)</ol>', html, re.S)
    assert steps and steps.group(1).count("<li>") == 4
