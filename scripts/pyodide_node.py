"""Run a Python program in Pyodide under Node with numpy and this checkout's ``mmcore`` (no browser, no wheel):
the engine's byte parity check and the benchmarks that time the engine or the encoding inside Pyodide.

The program runs in ``/home/pyodide`` (on ``sys.path``), beside copies of the ``files`` given, and
``time.process_time`` reads Node's process CPU time (wall times on a shared machine mostly measure the
other processes). Node reads the Pyodide index's ``.js`` files as CommonJS only under a ``package.json``
saying so (the repository's own says ``"type": "module"``), so a copy of the index is run.

Examples:
    >>> out = run_in_node(DIST, "import mmcore, numpy; print(mmcore.__version__)")   # doctest: +SKIP
    >>> out.strip().splitlines()[-1]                                                  # doctest: +SKIP
    '0.1.0'
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterable

REPO = pathlib.Path(__file__).resolve().parent.parent
DIST = REPO / ".cache" / "pyodide" / "dist" / "0.27.7"

RUNNER = r'''
const path = require("path"), fs = require("fs");
const [dist, mmcoreDir, work] = process.argv.slice(2);
const { loadPyodide } = require(path.join(dist, "pyodide.js"));
(async () => {
  const py = await loadPyodide({ indexURL: dist + "/", stdout: (s) => console.log(s), stderr: (s) => console.error(s) });
  await py.loadPackage("numpy", { messageCallback: () => {} });
  const copy = (dir, to) => {
    py.FS.mkdirTree(to);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== "__pycache__") copy(p, to + "/" + e.name); }
      else if (/\.(py|npz|json)$/.test(e.name)) py.FS.writeFile(to + "/" + e.name, fs.readFileSync(p));
    }
  };
  copy(mmcoreDir, "/home/pyodide/mmcore");
  for (const name of fs.readdirSync(path.join(work, "files"))) {
    py.FS.writeFile("/home/pyodide/" + name, fs.readFileSync(path.join(work, "files", name)));
  }
  py.globals.set("_cpu", () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; });
  py.runPython("import os, sys, time; sys.path.insert(0, '/home/pyodide'); os.chdir('/home/pyodide'); time.process_time = _cpu");
  py.runPython(fs.readFileSync(path.join(work, "program.py"), "utf8"));
})().catch((e) => { console.error(e); process.exit(2); });
'''


def run_in_node(dist: pathlib.Path, program: str, *, files: Iterable[pathlib.Path] = (),
                mmcore_dir: pathlib.Path = REPO / "mmcore") -> str:
    """``program``'s stdout, run in Pyodide (index ``dist``) under Node beside copies of ``files``, with
    the ``mmcore`` package from ``mmcore_dir``; a failed run raises ``RuntimeError`` with its stderr."""
    if not (dist / "pyodide.js").exists():
        raise RuntimeError(f"no Pyodide index at {dist}: run python scripts/build_pyodide.py first")
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        shutil.copytree(dist.resolve(), work / "dist")
        (work / "dist" / "package.json").write_text('{"type": "commonjs"}')
        (work / "files").mkdir()
        for f in files:
            shutil.copy(f, work / "files" / pathlib.Path(f).name)
        (work / "program.py").write_text(program)
        (work / "run.cjs").write_text(RUNNER)
        done = subprocess.run(["node", str(work / "run.cjs"), str(work / "dist"), str(mmcore_dir), str(work)],
                              capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the Pyodide run failed:\n{done.stderr[-3000:]}")
    return done.stdout
