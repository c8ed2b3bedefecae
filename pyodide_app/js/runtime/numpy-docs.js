// `import numpy` at boot without numpy's docstrings and typing helpers, and attaching the docstrings later.
//
// `numpy._core` imports `_add_newdocs` and `_add_newdocs_scalars` only for their side effect: ~1,100 `add_newdoc`
// calls that set the docstrings of numpy's C functions, methods and scalar types. In Pyodide that was ~45 of the
// ~250 ms of a cold `import numpy` (Node, Pyodide 0.27.7, `-X importtime`), and one of its docstrings is for
// `numpy._core._multiarray_tests`, whose import made the boot load that shared library too. The boot imports numpy
// with two empty placeholder modules standing in for them (the names leave `sys.modules` again right after), so the
// docstrings are not there yet; `_mm_attach_numpy_docs()` imports the real modules, which attach them. The worker
// calls it when idle after the boot (worker.js `IDLE_IMPORT`), and the run helper before a run whose code mentions
// `help`, `__doc__`, `pydoc` or `inspect`, so a reader who asks for a docstring always gets it.
//
// `numpy._typing` (the annotation types behind `numpy.typing`: 8 modules, ~15 of ~127 ms of `import numpy` in Node)
// is imported at boot by one module only, `numpy.linalg._linalg`, for one name: `NDArray`, in the annotations of
// its result tuples. A third placeholder gives it that name, made as numpy makes it (`ndarray[Any,
// dtype[_ScalarType_co]]`), and leaves `sys.modules` too: `import numpy.typing` later imports the real package
// (A/B in Node, 10 processes each: `import numpy` 128 -> 103 ms).
//
// Example (in the worker): pyodide.runPython(IMPORT_NUMPY); ... pyodide.runPython("_mm_attach_numpy_docs()")

export const IMPORT_NUMPY = String.raw`
_MM_NUMPY_DOCS = ("numpy._core._add_newdocs", "numpy._core._add_newdocs_scalars")


def _mm_ndarray_alias(name):
    """The placeholder numpy._typing's one name, as numpy._typing._array_like makes it."""
    if name != "NDArray":
        raise AttributeError(f"module 'numpy._typing' has no attribute {name!r} during the boot")
    import typing
    from numpy._core import dtype, generic, ndarray
    scalar = typing.TypeVar("_ScalarType_co", bound=generic, covariant=True)
    return ndarray[typing.Any, dtype[scalar]]


def _mm_import_numpy_without_docs():
    import sys, types
    held = [name for name in _MM_NUMPY_DOCS + ("numpy._typing",) if name not in sys.modules]
    for name in held:
        sys.modules[name] = types.ModuleType(name, "placeholder during the boot: numpy imports the real one later")
    if "numpy._typing" in held:
        sys.modules["numpy._typing"].__getattr__ = _mm_ndarray_alias
    try:
        import numpy
    finally:
        for name in held:
            if not hasattr(sys.modules.get(name), "__file__"):
                sys.modules.pop(name, None)


def _mm_attach_numpy_docs():
    """Import numpy's docstring modules (idempotent): every numpy function and type gets its __doc__."""
    import importlib
    for name in _MM_NUMPY_DOCS:
        importlib.import_module(name)


_mm_import_numpy_without_docs()
`;
