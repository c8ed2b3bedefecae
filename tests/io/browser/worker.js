// Module worker for tests/io/test_io_browser.py: boots Pyodide, installs the repository's mmcore
// sources (listed in /src/manifest.json) and runs /cell.py; posts {result} or {error}.
// Served at /assets/mm/worker.js, where the site's worker lives, so mmcore.io.asset() resolves alike.
try {
  const { loadPyodide } = await import("/pyodide/pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: "/pyodide/" });
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  const files = await (await fetch("/src/manifest.json")).json();
  for (const file of files) {
    const bytes = new Uint8Array(await (await fetch(`/src/${file}`)).arrayBuffer());
    pyodide.FS.mkdirTree(`/src/${file}`.split("/").slice(0, -1).join("/"));
    pyodide.FS.writeFile(`/src/${file}`, bytes);
  }
  pyodide.runPython("import sys; sys.path.insert(0, '/src')");
  const code = await (await fetch("/cell.py")).text();
  postMessage({ result: await pyodide.runPythonAsync(code) });
} catch (error) {
  postMessage({ error: String(error && error.stack || error) });
}
