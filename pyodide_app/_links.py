"""The playground's index of prebuilt figures by mm link: ``site/assets/mm/links.json``.

When the playground opens ``?mm=<link>`` and the book already holds that link's figure, the page paints the
prebuilt scene at once while Python boots, then runs the link as always (``pyodide_app/js/cell/mmlink.js``).
The index maps a hash of the link's normalized form (:func:`link_key`, mirrored by ``linkKey`` in mmlink.js)
to the scene's URL relative to the index. A link enters only when running the playground's program for it,
``mmcore.from_mm("<link>")``, gives exactly the cell's scene bytes: a figure whose link computes a different
figure (a leaf used twice, which an mm link cannot say) is left out, and so is every link that differs in
any value.

Normalization (two links are "the same" when their keys are equal): the part after the first ``?`` (a
bare query as is), without ``#...``; its ``&``-separated pairs in their order, empty ones dropped, each
key and value form-decoded (``+`` is a space, then strict percent-decoding: a bad escape gives no key) and
written again as ``encodeURIComponent`` does. That is exactly what ``parse_mm_link`` reads, so equal keys
mean equal params. The ``params`` JSON is kept as text: re-serializing it would need JavaScript's
``JSON.parse``, which turns ``1.0`` into ``1``, and key order is something no link writer varies.

Example:
    >>> link_key("https://x/mm/?params=%7B%22a%22%3A1%7D#top") == link_key("?params={%22a%22:1}")
    True
    >>> link_key("?0=A+%40+B&expr=0"), link_key("?bad=%zz")
    ('0=A%20%40%20B&expr=0', None)
    >>> index = LinkIndex()
    >>> index.entries, index.checked
    ({}, 0)
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import time
from urllib.parse import quote, unquote

__all__ = ["INDEX_PATH", "LinkIndex", "link_hash", "link_key", "program_for_link"]

#: where the index goes in the site (beside the page bundle, which finds it as ``./links.json``)
INDEX_PATH = "assets/mm/links.json"
#: hex digits of the key's SHA-256 kept in the index (128 bits)
HASH_DIGITS = 32
_URL_START = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SPACES = " \t\n\r\f\v"


def _form_decode(text: str) -> str | None:
    """``+`` -> space, then percent-decoding that refuses what ``decodeURIComponent`` refuses."""
    text = text.replace("+", " ")
    if _BAD_ESCAPE.search(text):
        return None
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None


def link_key(link: str) -> str | None:
    """The normalized form of an mm link (see the module docstring), or None when it has none."""
    if not isinstance(link, str):
        return None
    s = link.strip(_SPACES)
    if s.startswith("{"):
        return None                       # params as raw JSON: not a link
    if "?" in s:
        s = s.split("?", 1)[1]
    elif _URL_START.match(s) or s.startswith("/"):
        return None                       # an address without a query
    s = s.split("#", 1)[0]
    pairs = []
    for piece in s.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        name, value = _form_decode(name), _form_decode(value)
        if name is None or value is None:
            return None
        pairs.append(quote(name, safe="!~*'()") + "=" + quote(value, safe="!~*'()"))
    return "&".join(pairs) or None


def link_hash(link: str) -> str | None:
    """The index's key for ``link``: the SHA-256 of its normalized form, first 32 hex digits (or None)."""
    key = link_key(link)
    return None if key is None else hashlib.sha256(key.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def program_for_link(link: str) -> str:
    """The playground's program for a link (mmlink.js ``programForLink``: a JSON string is a Python literal)."""
    return f"mmcore.from_mm({json.dumps(link)})\n"


class LinkIndex:
    """Collects, page by page, the links whose playground run gives the prebuilt scene, and writes the index.

    ``cases`` maps a cell id to more links for that cell's figure (e.g. the essay's own URLs of a figure
    whose cell has the essay's case id); they are checked the same way.
    """

    def __init__(self, cases: dict[str, list[str]] | None = None) -> None:
        self.cases = {k: list(v) for k, v in (cases or {}).items()}
        self.entries: dict[str, str] = {}      # hash -> scene path relative to the site root
        self.checked = 0                       # links run to compare
        self.rejected: list[str] = []          # "<scene path>: <why>"
        self.seconds = 0.0                     # spent running the links

    def add_page(self, page_dir: str, scenes: dict[str, bytes]) -> None:
        """The scenes of one page (``<cell-id>.mmscene`` -> bytes) in ``page_dir`` (site-relative, '' at the root)."""
        from mmcore.wire.codec import read_header

        for name, blob in sorted(scenes.items()):
            path = f"{page_dir.strip('/')}/{name}".lstrip("/")
            try:
                own = read_header(blob).get("mm_link")
            except Exception:  # noqa: BLE001 - an unreadable header only means "no link"
                own = None
            links = ([own] if isinstance(own, str) and own else []) + self.cases.get(name[: -len(".mmscene")], [])
            for link in links:
                self._add(link, path, blob)

    def _add(self, link: str, path: str, blob: bytes) -> None:
        from mmcore.cell import run_cell

        key = link_hash(link)
        if key is None:
            self.rejected.append(f"{path}: its link cannot be normalized")
            return
        if key in self.entries:
            return
        self.checked += 1
        t0 = time.perf_counter()
        try:
            got = run_cell(program_for_link(link), cell_id="playground").scene
        except Exception as e:  # noqa: BLE001 - a link that fails to run has no prebuilt figure
            self.rejected.append(f"{path}: from_mm raised {type(e).__name__}: {e}")
            return
        finally:
            self.seconds += time.perf_counter() - t0
        if got != blob:
            self.rejected.append(f"{path}: its link computes a different scene")
            return
        self.entries[key] = path

    def to_bytes(self) -> bytes:
        """The index as JSON: ``{"version": 1, "scenes": {hash: scene URL relative to the index}}``."""
        up = "../" * INDEX_PATH.count("/")
        scenes = {k: up + v for k, v in sorted(self.entries.items())}
        return json.dumps({"version": 1, "scenes": scenes}, separators=(",", ":")).encode()

    def write(self, site_dir: pathlib.Path) -> pathlib.Path:
        """Write the index into the site; returns its path."""
        out = pathlib.Path(site_dir) / INDEX_PATH
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(self.to_bytes())
        return out
