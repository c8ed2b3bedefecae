#!/usr/bin/env bash
# Run every test in two pytest processes, one per layer: the Python tests (unit, golden, property, hook, ...)
# and the browser end-to-end tests (tests/e2e: one Chromium per session over the built site). Separate
# processes keep the e2e session's Playwright event loop away from tests that start their own.
# The two layers run at the same time: the Python layer (~80 s of one core) niced in the background, its
# output printed when it ends, while the browser layer (~12 min, much of it waiting on fixed-length
# navigation and idle timers) runs in the foreground. MM_TESTS_SERIAL=1 runs them one after the other.
# Extra arguments go to both runs (e.g. `scripts/run_tests.sh -x -q`). Exit status: non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# One BLAS thread: the suites are full of small matrices, and OpenBLAS threads only contend on 2 cores.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
out=.cache/test-results
mkdir -p "$out"
rm -f "$out"/*.xml
status=0
python_layer() { .venv/bin/python -m pytest tests --ignore=tests/e2e --junitxml="$out/python.xml" "$@"; }
e2e_layer() { [[ ! -d tests/e2e ]] || .venv/bin/python -m pytest tests/e2e --junitxml="$out/e2e.xml" "$@"; }
started=$EPOCHSECONDS
if [[ "${MM_TESTS_SERIAL:-0}" == "1" ]]; then
  python_layer "$@" || status=$?
  e2e_layer "$@" || { s=$?; [[ $status -eq 0 ]] && status=$s; }
else
  echo "Python layer: running in the background (niced), its output follows the browser layer's"
  ( renice -n 15 "$BASHPID" >/dev/null; python_layer "$@" ) >"$out/python.log" 2>&1 &
  python_pid=$!
  e2e_layer "$@" || status=$?
  python_status=0
  wait "$python_pid" || python_status=$?
  echo "---- Python layer (tests/ without tests/e2e) ----"
  cat "$out/python.log"
  [[ $status -eq 0 ]] && status=$python_status
fi
echo "both layers took $((EPOCHSECONDS - started)) s"
.venv/bin/python - "$out" <<'PY'
import pathlib, sys, xml.etree.ElementTree as ET
total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(f).getroot().iter("testsuite"):
        for k in total:
            total[k] += int(suite.get(k, 0))
failed = total["failures"] + total["errors"]
passed = total["tests"] - failed - total["skipped"]
print(f"all tests: {passed} passed, {failed} failed, {total['skipped']} skipped")
PY
exit $status
