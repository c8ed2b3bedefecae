"""mmcore.startup: the browser's wheel carries mmcore's dataclass methods compiled, and a class made
from them is the same class, method for method, as one ``dataclasses`` compiles itself."""

import dataclasses
import importlib.util
import marshal
import subprocess
import sys

import pytest

from mmcore import startup


def _recorded(make_class):
    """The codes of every dataclass source compiled while ``make_class()`` runs."""
    codes = {}

    def spy_exec(source, globals=None, locals=None, /):
        if isinstance(source, str):
            codes[source] = startup._compile(source)
        return exec(source, globals, locals)

    dataclasses.exec = spy_exec
    try:
        make_class()
    finally:
        del dataclasses.exec
    return codes


def _point_class():
    @dataclasses.dataclass(frozen=True, order=True)
    class Point:
        x: float
        y: float = 0.0
        tags: tuple = dataclasses.field(default_factory=tuple)
    return Point


METHODS = ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__", "__delattr__")


def test_a_class_from_precompiled_code_is_the_same_class():
    plain = _point_class()
    codes = _recorded(_point_class)
    assert len(codes) >= len(METHODS)
    used = []

    class Counting(dict):
        def get(self, key, default=None):
            if key in self:
                used.append(key)
            return super().get(key, default)

    with startup.precompiled(Counting(codes), package=__name__):
        fast = _point_class()
    assert sorted(used) == sorted(codes)                  # every method came from the codes, none compiled
    for name in METHODS:
        assert getattr(fast, name).__code__ == getattr(plain, name).__code__, name
    p, q = fast(1.0, 2.0), fast(1.0, 3.0)
    assert repr(p).endswith("Point(x=1.0, y=2.0, tags=())")
    assert (p < q, p == fast(1.0, 2.0), hash(p) == hash(fast(1.0, 2.0))) == (True, True, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5


def test_a_source_it_does_not_hold_is_compiled_as_dataclasses_would():
    plain = _point_class()
    with startup.precompiled({"def unrelated(): pass": compile("pass", "<string>", "exec")}, package=__name__):
        other = _point_class()
    for name in METHODS:
        assert getattr(other, name).__code__ == getattr(plain, name).__code__, name


def test_only_the_packages_classes_are_looked_up():
    """A reader's dataclass (another module) is compiled as dataclasses would, even with the codes at hand."""
    plain = _point_class()
    codes = _recorded(_point_class)
    used = []

    class Counting(dict):
        def get(self, key, default=None):
            used.append(key)
            return super().get(key, default)

    with startup.precompiled(Counting(codes), package="mmcore"):
        other = _point_class()
    assert used == []
    for name in METHODS:
        assert getattr(other, name).__code__ == getattr(plain, name).__code__, name


def test_install_stays_until_uninstall_and_leaves_a_foreign_shadow_alone():
    codes = {"x": compile("pass", "<string>", "exec")}
    assert startup.install(codes, package=__name__)
    try:
        assert not startup.install(codes, package=__name__)   # once
        assert getattr(dataclasses.exec, "mm_startup", False)
    finally:
        startup.uninstall()
    assert "exec" not in vars(dataclasses)
    dataclasses.exec = exec   # somebody else's
    try:
        startup.uninstall()
        assert dataclasses.exec is exec
    finally:
        del dataclasses.exec


def test_the_shadow_is_gone_after_the_block_even_on_an_error():
    with pytest.raises(RuntimeError):
        with startup.precompiled({"x": compile("pass", "<string>", "exec")}):
            assert "exec" in vars(dataclasses)
            raise RuntimeError("boom")
    assert "exec" not in vars(dataclasses)


def test_no_codes_changes_nothing():
    with startup.precompiled({}):
        assert "exec" not in vars(dataclasses)


def test_a_file_of_another_python_or_a_broken_one_is_ignored(tmp_path):
    other = tmp_path / "other.marshal"
    other.write_bytes(marshal.dumps((b"\x00\x00\r\n", {"def f(): pass": compile("pass", "<s>", "exec")})))
    broken = tmp_path / "broken.marshal"
    broken.write_bytes(b"\x01garbage")
    assert startup.load(other) == {}
    assert startup.load(broken) == {}
    assert startup.load(tmp_path / "missing.marshal") == {}


def test_the_repository_has_no_file_so_import_mmcore_compiles_as_usual():
    assert not startup._FILE.exists()
    assert startup.load() == {}


def test_write_records_every_mmcore_dataclass(tmp_path):
    """What scripts/build_pyodide.py runs (in a fresh process: it re-imports mmcore)."""
    code = ("import pathlib, sys; from mmcore.startup import write; "
            "print(write(pathlib.Path(sys.argv[1])))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    path = tmp_path / startup.FILE_NAME
    assert out.stdout.strip() == str(path)
    magic, codes = marshal.loads(path.read_bytes())
    assert magic == importlib.util.MAGIC_NUMBER
    assert startup.load(path) == codes
    # the scene's faces, the expression tree, the options and the lazily imported mmcore.anim are all there
    inits = [t for t in codes if " def __init__(self,path:" in t or "def __init__(self,gap:" in t]
    assert len(inits) >= 2, "Face/Options __init__ sources"
    assert any("alg" in t and "__init__" in t for t in codes), "mmcore.anim's classes"
    assert len(codes) > 150
