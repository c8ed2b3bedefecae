"""numpy's docstrings after a boot that left them out (pyodide_app/js/runtime/numpy-docs.js): the boot imports numpy
with placeholders for `numpy._core._add_newdocs` and `_add_newdocs_scalars` (~45 ms of a cold `import numpy`),
the worker attaches them when it is idle, and a run that asks for a docstring (`help`, `__doc__`, ...) gets them
first. Once attached they are CPython's, word for word. The boot's placeholder for `numpy._typing` leaves nothing
behind either: `numpy.linalg` works and `numpy.typing` is numpy's own.

Example (a cell, after the worker was idle): `print(np.ndarray.sum.__doc__)` prints numpy's own text.
"""

from __future__ import annotations

from tests.e2e.test_boot_lazy_libs import BOOTED, RUN, ask_during_boot

# reads the docstring without naming it (a run that says "__doc__" would attach the docstrings first)
PEEK = """import sys, numpy as np
doc = getattr(np.ndarray.sum, "__d" + "oc__")
print("numpy._core._add_newdocs" in sys.modules, "numpy._core._add_newdocs_scalars" in sys.modules)
print(len(doc or ""))
print(getattr(sys.modules.get("numpy._core._add_newdocs"), "__file__", None) is not None)
print("numpy._typing" in sys.modules)
"""
# numpy.linalg after the boot's numpy._typing placeholder, then the real numpy.typing
TYPING = """import sys, numpy as np
res = np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
print(type(res).__name__, np.round(res.eigenvalues, 6).tolist())
import numpy.typing as npt
print(getattr(sys.modules["numpy._typing"], "__file__", None) is not None, npt.NDArray[np.float32])
print(npt.ArrayLike is not None, np.linalg._linalg.EigResult.__annotations__["eigenvalues"])
"""
ASKS_FOR_DOCS = """import numpy as np
print(len(np.ndarray.sum.__doc__), len(np.ndarray.__doc__))
"""


def _cpython_lengths() -> tuple[int, int]:
    import numpy as np

    return len(np.ndarray.sum.__doc__), len(np.ndarray.__doc__)


def test_the_boot_leaves_the_docstrings_out_and_the_idle_worker_attaches_them(reader_loads, site_url, pages):
    page = reader_loads.page
    first = ask_during_boot(page, site_url + pages[1], PEEK)
    assert "error" not in first, first
    assert first["stdout"].split() == ["False", "False", "0", "False", "False"], first   # no docstring, no placeholder

    page.wait_for_timeout(3000)   # after a run the worker waits 500 ms, then attaches them (~30-100 ms)
    again = page.evaluate(RUN, PEEK)
    sum_doc = _cpython_lengths()[0]
    assert again["stdout"].split()[:4] == ["True", "True", str(sum_doc), "True"], again   # the real modules
    assert again["timings"]["idle_import_ms"] > 0, again["timings"]
    assert not reader_loads.errors, reader_loads.errors


def test_a_run_that_asks_for_a_docstring_gets_numpys_text(reader_loads, site_url, pages):
    page = reader_loads.page
    first = ask_during_boot(page, site_url + pages[1], ASKS_FOR_DOCS)
    assert "error" not in first, first
    assert tuple(int(n) for n in first["stdout"].split()) == _cpython_lengths(), first
    assert page.evaluate(BOOTED)
    assert not reader_loads.errors, reader_loads.errors


def test_numpy_linalg_and_numpy_typing_after_the_boots_typing_placeholder(reader_loads, site_url, pages):
    page = reader_loads.page
    first = ask_during_boot(page, site_url + pages[1], TYPING)
    assert "error" not in first, first
    lines = first["stdout"].splitlines()
    assert lines[0] == "EighResult [1.0, 3.0]", lines
    # the real package (a file), whose NDArray subscripts as numpy's does
    assert lines[1] == "True numpy.ndarray[typing.Any, numpy.dtype[numpy.float32]]", lines
    assert lines[2] == "True numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]", lines   # as in CPython
    assert not reader_loads.errors, reader_loads.errors
