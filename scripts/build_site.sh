#!/usr/bin/env bash
# Build the complete static site into site/: JS bundles (npm run build), the self-hosted Pyodide index
# (scripts/build_pyodide.py, cached under .cache/), then `mkdocs build --strict`, whose hook runs every
# cell, writes the prebuilt scenes and copies the runtime into site/assets/mm/. Timings are printed.
#
#   scripts/build_site.sh                 (after scripts/setup.sh; `make site` runs both)
#   MM_SITE_URL=https://you.github.io/repo/ scripts/build_site.sh   (the address the site will be served at)
#
# MM_SITE_URL only fills sitemap.xml and the canonical links (every link in the pages stays relative).
# Material's instant navigation follows only the pages listed in sitemap.xml with the right path and port,
# so it defaults to the address of `make serve`; set it to the real address when building for a host.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1
export MM_SITE_URL="${MM_SITE_URL-http://127.0.0.1:${PORT:-8000}/}"

now() { echo "$EPOCHREALTIME"; }
took() { LC_ALL=C awk -v a="$(now)" -v b="$2" -v s="$1" 'BEGIN { printf "[site] %-35s %5.1f s\n", s, a - b }'; }

t=$(now)
npm run --silent build
[[ -f pyodide_app/static/mm/app.js && -f pyodide_app/static/mm/worker.js ]] \
  || { echo "build_site: npm run build did not write pyodide_app/static/mm/app.js and worker.js" >&2; exit 1; }
took "JS bundles (npm run build)" "$t"

t=$(now)
.venv/bin/python scripts/build_pyodide.py
took "Pyodide index + mmcore wheel" "$t"

t=$(now)
.venv/bin/python -m mkdocs build --strict --quiet
mkdir -p .cache/stamps && touch .cache/stamps/site
took "mkdocs build (cells + runtime copy)" "$t"
echo "[site] site/ is ready: $(du -sh site | cut -f1)"
