"""The book's navigation: groups in reading order, every chapter listed once, titles that say the topic.

Each tutorial page's first heading starts with its nav title, so the sidebar, the page and search agree.
"""

import pathlib
import re

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
GROUPS = ["Home", "Matmul basics", "Chains and partitions", "Attention", "Transformers",
          "Efficient attention", "Playground", "Reference"]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", lambda loader, node: "")


def _nav():
    return yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_Loader)["nav"]


def _pages(nav):
    for entry in nav:
        (title, target), = entry.items()
        if isinstance(target, list):
            yield from _pages(target)
        else:
            yield title, target


def test_groups_in_reading_order():
    assert [next(iter(e)) for e in _nav()] == GROUPS


def test_every_page_listed_once_and_exists():
    targets = [t for _, t in _pages(_nav())]
    assert len(targets) == len(set(targets))
    for t in targets:
        assert (REPO / "docs" / t).is_file(), t
    tutorial = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs" / "tutorial").glob("*.md")}
    assert tutorial <= set(targets), f"chapters missing from the nav: {sorted(tutorial - set(targets))}"


def test_each_chapters_heading_starts_with_its_nav_title():
    for title, target in _pages(_nav()):
        if not target.startswith("tutorial/"):
            continue
        text = (REPO / "docs" / target).read_text(encoding="utf-8")
        h1 = re.search(r"^# (.+)$", text, re.M)
        assert h1, f"{target} has no '# ' heading"
        assert h1.group(1).strip().startswith(title), f"{target}: heading {h1.group(1)!r} does not start with its nav title {title!r}"


def test_topic_titles():
    titles = [t for t, _ in _pages(_nav())]
    assert any("dot product" in t.lower() for t in titles)
    for word in ("FFN", "Partitioning", "attention head", "BPT", "attention layer", "LoRA"):
        assert any(word.lower() in t.lower() for t in titles), word
