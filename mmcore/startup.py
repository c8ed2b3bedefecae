"""A faster ``import mmcore`` in the browser: mmcore's dataclass methods compiled when the browser's wheel is
built, not at every Python start.

``@dataclasses.dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ... as Python source
and compiles it with ``exec`` while the module is imported. mmcore's import makes ~130 of them, and
compiling them was the largest part of ``import mmcore`` in Pyodide (~50 of ~130 ms under Node). The wheel
the site ships (``scripts/build_pyodide.py``) carries those code objects, compiled once by
``write(DIR)`` run in a fresh CPython of the same minor version; ``import mmcore`` calls ``install()``, and from
then on ``dataclasses`` finds each of mmcore's sources there instead of compiling it.

The key is the whole source text, so a text this file does not hold (another Python's ``dataclasses``, a
class changed since the build) is compiled as usual; the classes are the same either way. A file written by
another Python (its bytecode magic number differs) is ignored. Without the file (a plain ``pip install``,
the repository) ``install()`` does nothing.

Example:
    >>> from mmcore import startup
    >>> startup.install()    # False here: the repository has no compiled file (the browser's wheel has one)
    False
"""

import builtins
import contextlib
import dataclasses
import importlib
import importlib.util
import marshal
import pathlib
import sys

FILE_NAME = "dataclass_code.marshal"
_FILE = pathlib.Path(__file__).with_name(FILE_NAME)
_codes = None   # source text -> code object, read on first use ({} without a usable file)


def _compile(text: str):
    """What ``exec(text, ...)`` in ``dataclasses`` compiles: that module has no ``__future__`` imports, and
    ``dont_inherit`` keeps the caller's out (``exec`` of a string would inherit this frame's)."""
    return compile(text, "<string>", "exec", dont_inherit=True)


def load(path: pathlib.Path = _FILE) -> dict:
    """The code objects of ``path`` by source text; ``{}`` when it is missing, unreadable or from another
    Python (its magic number is not this interpreter's)."""
    try:
        magic, codes = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if magic != importlib.util.MAGIC_NUMBER or not isinstance(codes, dict):
        return {}
    return codes


#: how many of the package's dataclass methods came from the codes (``hits``) or were compiled (``misses``)
stats = {"hits": 0, "misses": 0}


def install(codes: dict | None = None, package: str = "mmcore") -> bool:
    """From now on, ``dataclasses`` takes the generated methods of ``package``'s classes from ``codes``
    (source text -> code object; default: the wheel's file, read once). Returns whether it did: not without
    codes (the repository, a pip install), nor when ``dataclasses.exec`` is already shadowed.

    ``dataclasses`` calls the builtin ``exec`` by its global name, so a module global of that name shadows
    it. Only the classes of ``package``'s modules (the ``globals`` ``dataclasses`` passes are their module's)
    are looked up; any other source, a reader's own dataclass included, is compiled as ``dataclasses`` would.
    Installed once by ``import mmcore``, so the modules it imports later (``mmcore.anim``, ``mmcore.mm``...)
    find their code too. ``uninstall()`` removes it.
    """
    global _codes
    if codes is None:
        if _codes is None:
            _codes = load()
        codes = _codes
    if not codes or "exec" in vars(dataclasses):
        return False
    prefix = package + "."

    def cached_exec(source, globals=None, locals=None, /):
        if isinstance(source, str):
            name = globals.get("__name__", "") if isinstance(globals, dict) else ""
            code = None
            if name == package or name.startswith(prefix):
                code = codes.get(source)
                stats["hits" if code is not None else "misses"] += 1
            source = code if code is not None else _compile(source)
        return builtins.exec(source, globals, locals)

    cached_exec.mm_startup = True
    dataclasses.exec = cached_exec
    return True


def uninstall() -> None:
    """Remove what ``install`` put on ``dataclasses`` (nothing else)."""
    if getattr(vars(dataclasses).get("exec"), "mm_startup", False):
        del dataclasses.exec


@contextlib.contextmanager
def precompiled(codes: dict | None = None, package: str = "mmcore"):
    """``install(codes, package)`` for the block only (when it installed anything)."""
    installed = install(codes, package)
    try:
        yield
    finally:
        if installed:
            uninstall()


def record(package: str = "mmcore") -> dict:
    """Import every module of ``package`` afresh and return the dataclass sources compiled meanwhile, each
    with its code object. Only for a throwaway process (the wheel build): the package's modules are re-imported."""
    import pkgutil   # not at the top: the browser's boot imports this module and needs none of it

    texts = {}

    def recording_exec(source, globals=None, locals=None, /):
        if isinstance(source, str):
            texts[source] = code = _compile(source)
            source = code
        return builtins.exec(source, globals, locals)

    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        if name != __name__:
            del sys.modules[name]
    dataclasses.exec = recording_exec
    try:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda name: None):
            try:
                importlib.import_module(info.name)
            except ImportError:   # an optional dependency missing (the browser lacks it too)
                pass
    finally:
        del dataclasses.exec
    return texts


def write(directory: pathlib.Path, package: str = "mmcore") -> pathlib.Path:
    """Write ``record(package)``'s code objects to ``directory / FILE_NAME``, tagged with this Python's
    magic number; returns the path."""
    path = pathlib.Path(directory) / FILE_NAME
    path.write_bytes(marshal.dumps((importlib.util.MAGIC_NUMBER, record(package))))
    return path

