// Compile Pyodide's wasm (pyodide.asm.wasm, 10 MB) from the moment the boot starts.
//
// loadPyodide fetches the wasm at once but compiles it only when its JS glue (pyodide.asm.js, 1.2 MB) has been
// fetched, compiled and run: the glue's `instantiateWasm` calls `WebAssembly.instantiateStreaming(response)`.
// Here the worker starts `WebAssembly.compileStreaming` itself, so V8 compiles the wasm on its background threads
// while the worker's own thread compiles the glue; Pyodide's fetch of the same URL gets a stand-in response and
// its `instantiateStreaming` of that stand-in instantiates the module compiled here. Any failure of the early
// compile falls back to Pyodide's own way (a fresh fetch, instantiateStreaming). Streamed as before, so Chromium's
// wasm code cache still applies.
//
// Example (in the worker):
//   const early = compileWasmEarly(indexURL + "pyodide.asm.wasm"); await loadPyodide(...); early.stop(); early.used()

/**
 * Start compiling the wasm at `url` and hand the module to Pyodide's next instantiateStreaming of that URL.
 * Returns `{stop, used}`: `stop()` removes the shims (they also remove themselves once Pyodide has asked);
 * `used()` is 1 when Pyodide's interpreter was instantiated from the early module, 0 otherwise (a fallback).
 * @param {string} url absolute URL of pyodide.asm.wasm
 * @returns {{stop: () => void, used: () => number}}
 */
export function compileWasmEarly(url) {
  let used = 0;
  const realFetch = self.fetch;
  const realInstantiate = WebAssembly.instantiateStreaming;
  const module = WebAssembly.compileStreaming(realFetch(url));
  module.catch(() => {});   // a failure is handled when Pyodide asks (its own way)
  const standIn = Promise.resolve(new Response(new Uint8Array(0)));
  let active = true;
  const restore = () => {
    if (!active) return;
    active = false;
    self.fetch = realFetch;
    WebAssembly.instantiateStreaming = realInstantiate;
  };
  self.fetch = function fetchWithEarlyWasm(input, init) {
    const asked = input instanceof Request ? input.url : String(input);
    if (active && new URL(asked, self.location.href).href === url) return standIn;
    return realFetch.call(self, input, init);
  };
  WebAssembly.instantiateStreaming = async function instantiateEarlyWasm(source, imports) {
    if (source !== standIn) return realInstantiate.call(WebAssembly, source, imports);
    restore();
    try {
      const compiled = await module;
      const instance = await WebAssembly.instantiate(compiled, imports);
      used = 1;
      return { module: compiled, instance };
    } catch (err) {
      console.warn("mm: compiling Python's wasm early failed; loading it the usual way:", err);
      return realInstantiate.call(WebAssembly, realFetch(url), imports);
    }
  };
  return { stop: restore, used: () => used };
}
