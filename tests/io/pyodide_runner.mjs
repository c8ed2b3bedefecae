// Run a Python file in Pyodide under Node with the repository's mmcore sources on sys.path.
// Usage: node pyodide_runner.mjs <pyodide core dir> <repo dir> <python file> [<location href>]
// Prints the value of the Python file's last expression on a line starting with "RESULT ".
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [coreDir, repoDir, codeFile, locationHref] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: coreDir + path.sep });
await pyodide.loadPackage("numpy", { messageCallback: () => {} });

function copyTree(from, to) {
  pyodide.FS.mkdirTree(to);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory() && entry.name !== "__pycache__") copyTree(source, `${to}/${entry.name}`);
    else if (entry.isFile() && entry.name.endsWith(".py")) pyodide.FS.writeFile(`${to}/${entry.name}`, fs.readFileSync(source));
  }
}
copyTree(path.join(repoDir, "mmcore"), "/src/mmcore");
if (locationHref) globalThis.location = new URL(locationHref);  // what a worker's self.location gives
pyodide.runPython("import sys; sys.path.insert(0, '/src')");
const result = await pyodide.runPythonAsync(fs.readFileSync(codeFile, "utf8"));
process.stdout.write(`RESULT ${result}\n`);
