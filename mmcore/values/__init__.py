"""Values: mm's init functions, its JavaScript-expression inits (a safe, vectorised evaluator), the
epilogs, evaluating an expression tree, and a laid-out scene's lazily computed values and colour ranges.

Examples:
    >>> from mmcore.values.inits import init_values
    >>> init_values("rows", 2, 3).tolist()
    [[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]]
"""
