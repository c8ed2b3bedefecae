"""The scene wire format (``docs/reference/scene-format.md``): encoding and decoding (``codec``),
compact float16 faces for large still figures (``compact``), and a readable text outline (``outline``).
Nothing here imports ``mmcore.scene``: the scene classes import this package.

Examples:
    >>> from mmcore.wire.codec import MAGIC, VERSIONS
    >>> MAGIC, VERSIONS
    (b'MMSC', (1, 2, 3))
"""
