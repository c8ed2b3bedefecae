#!/usr/bin/env bash
# Run every test: the Python tests (unit, golden, property, hook, ...) and the browser end-to-end tests
# (tests/e2e: one Chromium per pytest session over the built site), in separate pytest processes, which keeps
# the e2e session's Playwright event loop away from tests that start their own.
#
# Two processes run at the same time (make test was 14 min 14 s one after the other on a fresh clone):
#   foreground   tests/e2e except the soak (~10 min)
#   background   niced, one after the other: the Python layer (~80 s of one core), then the 30-figure,
#                2-minute navigation soak (tests/e2e/test_hardening_many.py: a fixed length, so it gives the
#                same check in its own Chromium; its niced browser only makes fewer round trips)
# The background's output is printed after the foreground's. MM_TESTS_SERIAL=1 runs everything one after the
# other, as before. Extra arguments go to every run (e.g. `scripts/run_tests.sh -x -q`). Exit status: non-zero
# if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# One BLAS thread: the suites are full of small matrices, and OpenBLAS threads only contend on 2 cores.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
out=.cache/test-results
mkdir -p "$out"
rm -f "$out"/*.xml
SOAK=tests/e2e/test_hardening_many.py
pytest() { .venv/bin/python -m pytest "$@"; }
python_layer() { pytest tests --ignore=tests/e2e --junitxml="$out/python.xml" "$@"; }
e2e_layer() { [[ ! -d tests/e2e ]] || pytest tests/e2e --ignore="$SOAK" --junitxml="$out/e2e.xml" "$@"; }
soak_layer() { [[ ! -f "$SOAK" ]] || pytest "$SOAK" --junitxml="$out/e2e-soak.xml" "$@"; }
worst() { local s=0 x; for x in "$@"; do [[ $s -eq 0 ]] && s=$x; done; echo "$s"; }   # the first failure's status

started=$EPOCHSECONDS
if [[ "${MM_TESTS_SERIAL:-0}" == "1" ]]; then
  python_layer "$@"; a=$?
  e2e_layer "$@"; b=$?
  soak_layer "$@"; c=$?
  status=$(worst "$a" "$b" "$c")
else
  echo "background (niced): the Python layer, then $SOAK; their output follows the browser layer's"
  ( renice -n 15 "$BASHPID" >/dev/null
    python_layer "$@"; a=$?
    soak_layer "$@"; b=$?
    exit "$(worst "$a" "$b")" ) >"$out/background.log" 2>&1 &
  background=$!
  e2e_layer "$@"; a=$?
  wait "$background"; b=$?
  echo "---- background: the Python layer (tests/ without tests/e2e), then $SOAK ----"
  cat "$out/background.log"
  status=$(worst "$a" "$b")
fi
echo "the tests took $((EPOCHSECONDS - started)) s"
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
exit "$status"
