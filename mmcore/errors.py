"""The one exception mmcore raises for bad input.

Examples:
    >>> from mmcore.errors import MMError
    >>> try:
    ...     raise MMError("cannot multiply A (3×4) by B (5×2): inner dimensions 4 and 5 differ")
    ... except ValueError as e:
    ...     print(e)
    cannot multiply A (3×4) by B (5×2): inner dimensions 4 and 5 differ
"""

__all__ = ["MMError"]


class MMError(ValueError):
    """Bad input to mmcore: the message says what was wrong and what was expected."""
