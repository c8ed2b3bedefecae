"""Compatibility with the mm tool: its default params, its links (plain and compressed, both ways), its
params tree as an expression, and ``from_mm`` / ``to_mm``.

Examples:
    >>> from mmcore.mm.link import parse_mm_link
    >>> parse_mm_link("?params=%7B%22expr%22%3A%22A%20%40%20B%22%7D")["expr"]
    'A @ B'
"""
