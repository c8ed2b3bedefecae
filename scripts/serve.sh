#!/usr/bin/env bash
# Serve the built site/ at http://127.0.0.1:${PORT:-8000}/ (Python's http.server sends application/wasm
# for .wasm and text/javascript for .js/.mjs, as Pyodide and module scripts need). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f site/index.html ]] || { echo "serve: site/ is not built; run \`make site\`" >&2; exit 1; }
echo "Serving site/ at http://127.0.0.1:${PORT:-8000}/"
exec .venv/bin/python -m http.server "${PORT:-8000}" --bind 127.0.0.1 --directory site
