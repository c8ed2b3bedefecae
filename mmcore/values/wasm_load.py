"""What the engine's WebAssembly kernels (``wasm_matmul``, ``wasm_poly``) share: whether they may run at all,
an array's address in Pyodide's heap, and instantiating a module on Pyodide's own ``WebAssembly.Memory``.

Kernels run only in Pyodide (``sys.platform == "emscripten"``) and not with ``MM_NO_WASM_KERNEL=1`` in the
environment (read once, at import: the numpy paths stay, for A/B comparisons).

Examples:
    >>> import numpy as np
    >>> a = np.zeros(4)
    >>> address(a) == a.ctypes.data
    True
    >>> kernels_allowed() == (sys.platform == "emscripten" and not DISABLED)
    True
"""

from __future__ import annotations

import os
import sys

import numpy as np

__all__ = ["DISABLED", "address", "instantiate_in_pyodide", "kernels_allowed"]

#: ``MM_NO_WASM_KERNEL`` was set when mmcore was imported: every kernel keeps its numpy path
DISABLED = bool(os.environ.get("MM_NO_WASM_KERNEL"))


def kernels_allowed() -> bool:
    """True in Pyodide unless ``MM_NO_WASM_KERNEL`` was set (a kernel may still fail its own check)."""
    return not DISABLED and sys.platform == "emscripten"


def address(arr: np.ndarray) -> int:
    """The address of ``arr``'s first element: in Pyodide, its byte offset in the wasm heap."""
    return arr.__array_interface__["data"][0]


def instantiate_in_pyodide(binary: bytes):
    """The exports of ``binary`` instantiated on Pyodide's own memory (Pyodide only), or None when
    this wasm engine rejects the module (no SIMD) or the memory found is not numpy's heap.

    Pyodide's loader keeps the main module's imports (``env.memory`` among them) as the exports of
    its ``__main__`` entry in ``LDSO.loadedLibsByName``, the table Emscripten's dynamic linker
    resolves the symbols of side modules (numpy's own) from."""
    import js                 # noqa: PLC0415  (Pyodide only)
    import pyodide_js         # noqa: PLC0415
    from pyodide.ffi import to_js  # noqa: PLC0415

    wasm = to_js(binary)
    if not js.WebAssembly.validate(wasm):
        return None
    main = js.Reflect.get(pyodide_js._module.LDSO.loadedLibsByName, "__main__")
    memory = js.Reflect.get(main.exports, "memory")
    if not js.Object.is_(memory.buffer, pyodide_js._module.HEAPU8.buffer):
        return None
    env = js.Object.new()
    env.memory = memory
    imports = js.Object.new()
    imports.env = env
    return js.WebAssembly.Instance.new(js.WebAssembly.Module.new(wasm), imports).exports
