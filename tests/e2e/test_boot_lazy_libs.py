"""numpy's shared libraries that the boot leaves out (pyodide_app/js/runtime/packages.js `hookLazyLibs`): an import
hook loads a package's libraries together when the package is first imported (numpy.random's 9, numpy.fft's 1),
with one symbol resolution, instead of the interpreter's dlopen resolving every symbol after each library. The
first run after a boot that draws random values therefore loads no library through dlopen; the worker counts,
per run, the libraries loaded by the hook (`libs_hooked`, `libs_ms`) and by dlopen (`libs_dlopened`).

Example (what the worker reports for the first run of a figure with a Gaussian leaf):
    {"libs_hooked": 9, "libs_ms": 45.2, "libs_dlopened": 0, ...}
"""

from __future__ import annotations


BOOTED = "() => performance.getEntriesByName('mm:python-ready').length > 0"
RUN = "async (code) => { const r = await mmAtlas.runtime.run('lazy', code); return {stdout: r.stdout, timings: r.timings}; }"
ASK = """(code) => { mmAtlas.runtime.run('lazy', code).then((r) => { window.__mmFirst = {stdout: r.stdout, timings: r.timings}; },
                                                      (e) => { window.__mmFirst = {error: String(e && e.message)}; }); }"""
GAUSSIAN = """import numpy as np
from mmcore.values.tree import evaluate
A = mmcore.matrix("A", 16, 12, init="gaussian")
B = mmcore.matrix("B", 12, 8, init="gaussian")
C = A @ B
print(round(float(np.abs(evaluate(C).of(C)).sum()), 3), repr(np.random.default_rng(0).random()))
C
"""
# the hook's finder (a JS object: a JsProxy on sys.meta_path) and numpy.fft, then a test module left to dlopen
HOOKED = "import sys\nprint(sum(type(f).__module__ == 'pyodide.ffi' for f in sys.meta_path))"
AFTER = """import numpy as np
print(np.fft.fft([1, 2, 3, 4]).tolist())
from numpy._core import _umath_tests
print(_umath_tests.__name__)
"""


def ask_during_boot(page, url: str, code: str) -> dict:
    """Open ``url`` and run ``code`` as soon as the runtime exists, while Python still boots (as the playground's
    link does: the worker is never idle before it); the run's ``{stdout, timings}`` or ``{error}``."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.mmAtlas && window.mmAtlas.runtime")
    page.evaluate(ASK, code)
    page.wait_for_function("() => window.__mmFirst !== undefined", timeout=180_000)
    return page.evaluate("window.__mmFirst")


def _values_in_cpython() -> str:
    """What GAUSSIAN prints in CPython (the same code, so the same values)."""
    import numpy as np

    import mmcore
    from mmcore.values.tree import evaluate

    a = mmcore.matrix("A", 16, 12, init="gaussian")
    b = mmcore.matrix("B", 12, 8, init="gaussian")
    c = a @ b
    return f"{round(float(np.abs(evaluate(c).of(c)).sum()), 3)} {np.random.default_rng(0).random()!r}"


def test_the_first_run_loads_numpy_random_through_the_hook_not_dlopen(reader_loads, site_url, pages):
    page = reader_loads.page
    first = ask_during_boot(page, site_url + pages[1], GAUSSIAN)
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert steps["packages_bundled"] == 1, steps
    assert steps["libs_groups"] == 2, steps   # numpy.random, numpy.fft

    t = first["timings"]
    assert first["stdout"].strip() == _values_in_cpython()
    assert t["libs_hooked"] == 9, t        # numpy.random's libraries, together
    assert t["libs_dlopened"] == 0, t      # none of them one by one through the interpreter's dlopen
    assert 0 < t["libs_ms"] < t["run"], t
    assert "idle_import_ms" not in t, t    # a run was waiting: nothing was imported in between

    again = page.evaluate(RUN, GAUSSIAN)["timings"]
    assert (again["libs_hooked"], again["libs_dlopened"], again["libs_ms"]) == (0, 0, 0), again

    assert page.evaluate(RUN, HOOKED)["stdout"].strip() == "1"   # numpy.fft's group is still waiting
    after = page.evaluate(RUN, AFTER)
    fft, tests_module = after["stdout"].strip().splitlines()
    assert fft == "[(10+0j), (-2+2j), (-2+0j), (-2-2j)]"
    assert tests_module == "numpy._core._umath_tests"
    t = after["timings"]
    assert t["libs_hooked"] == 1, t           # numpy.fft's one library
    assert t["libs_dlopened"] == 1, t         # a test module's library: still the interpreter's dlopen
    assert page.evaluate(RUN, HOOKED)["stdout"].strip() == "0"   # every group loaded: the finder left
    assert not reader_loads.errors, reader_loads.errors


def test_an_idle_worker_imports_numpy_random_before_the_first_run(reader_loads, site_url, pages):
    """Nobody waits after the boot (a reader reads first): the worker imports numpy.random then (and mmcore.mm.api,
    which every figure's link needs), so the first Run loads no library and reports the idle import's time once."""
    page = reader_loads.page
    page.goto(site_url + pages[1], wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    page.wait_for_timeout(3000)   # the worker waits 500 ms, then imports (~100-300 ms)
    first = page.evaluate(RUN, "import sys\nprint('mmcore.mm.api' in sys.modules)\n" + GAUSSIAN)
    t = first["timings"]
    assert first["stdout"].split("\n", 1)[0] == "True"
    assert first["stdout"].split("\n", 1)[1].strip() == _values_in_cpython()
    assert t["idle_import_ms"] > 0, t
    assert (t["libs_hooked"], t["libs_dlopened"]) == (0, 0), t   # loaded while idle, through the hook
    again = page.evaluate(RUN, GAUSSIAN)["timings"]
    assert "idle_import_ms" not in again, again
    assert not reader_loads.errors, reader_loads.errors
