"""Expressions and their layout: the tree (``matrix``, ``@``, names, epilogs, partitions), mm's
placement schemes, the 3-D layout of every face, decorations, and ``mmcore.layout`` itself.

Examples:
    >>> from mmcore.geometry.build import layout
    >>> from mmcore.geometry.expr import matrix
    >>> layout(matrix("A", 4, 3) @ matrix("B", 3, 2)).face("").shape
    (4, 2)
"""
