"""Check that Pyodide (in Node) and CPython write byte-identical scenes for the same mmcore source.

Runs a set of scenes (minimal, attention layers with random leaves, epilogs, partitions, scatter
with fractional blast, essay cases from ``../shared/reference`` when present) in both, and prints
the sha256 prefix of every scene's bytes. Exit status 1 when any differs.

Needs Node and the self-hosted Pyodide index (``python scripts/build_pyodide.py`` makes
``.cache/pyodide/dist/0.27.7``). Usage: ``python scripts/check_engine_parity.py [--dist DIR]``.
"""

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
CASES = REPO.parent / "shared" / "reference" / "mm_blog_cases.json"
CASE_IDS = ("blog00", "blog08", "blog11", "blog13", "blog19", "blog25", "blog49", "blog59")

SCENES = r'''
import hashlib, json, os
import mmcore
from engine_bench import attention_layer, SIZES

def scenes():
    A = mmcore.matrix("A", 8, 6, init="rows"); B = mmcore.matrix("B", 6, 4, init="cols")
    yield "minimal", mmcore.layout(A @ B)
    yield "tiny-layer", mmcore.layout(attention_layer(*SIZES["tiny"]))
    yield "blog49-layer", mmcore.layout(attention_layer(*SIZES["blog49"]), sensitivity="local")
    x = mmcore.matrix("x", 64, 48, init="gaussian")
    e = ((x @ mmcore.matrix("w", 48, 80, init="uniform")).with_epilog("gelu")
         @ mmcore.matrix("v", 80, 33, init="pt linear")).with_epilog("softmax(tril(x/sqrt(k)))")
    yield "mixed", mmcore.layout(e.partition(i=3, k=2), scheme="zigzag", scatter=2, sensitivity="semilocal")
    big = mmcore.matrix("a", 300, 700, init="gaussian") @ mmcore.matrix("b", 700, 500, init="gaussian")
    yield "k700-layernorm", mmcore.layout(big.with_epilog("layernorm"))
    from mmcore.models import sorter_head
    for layer, head in ((0, 0), (1, 2)):
        yield f"sorter-L{layer}H{head}", mmcore.layout(sorter_head(layer, head, "CBABCA"))
    m = [mmcore.matrix(n, 5, 5, init="uniform") for n in "ABCDEFGH"]
    e = ((m[0] @ m[1]) @ (m[2] @ m[3])) @ ((m[4] @ m[5]) @ (m[6] @ m[7]))
    for blast in (0.55, -1.3, 2):
        yield f"wheel-blast{blast}", mmcore.layout(e, scheme="wheel", scatter=3.7, blast=blast)
    if os.path.exists("cases.json"):
        for c in json.load(open("cases.json")):
            yield c["id"], mmcore.layout(mmcore.from_mm(c["url"]))

print(json.dumps({name: hashlib.sha256(s.to_bytes()).hexdigest()[:16] for name, s in scenes()}))
'''

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7")
    args = ap.parse_args()
    if not (args.dist / "pyodide.js").exists():
        print(f"no Pyodide index at {args.dist}: run python scripts/build_pyodide.py first", file=sys.stderr)
        return 2
    from pyodide_node import run_in_node

    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        (work / "scenes.py").write_text(SCENES)
        shutil.copy(REPO / "scripts" / "engine_bench.py", work)   # the essay's layer, beside the scenes
        if CASES.exists():
            cases = [{"id": c["id"], "url": c["url"]} for c in json.loads(CASES.read_text()) if c["id"] in CASE_IDS]
            (work / "cases.json").write_text(json.dumps(cases))
        cpy = subprocess.run([sys.executable, str(work / "scenes.py")], cwd=work, capture_output=True, text=True,
                             env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, check=True)
        inputs = [work / "engine_bench.py"] + ([work / "cases.json"] if CASES.exists() else [])
        pyodide_out = run_in_node(args.dist, SCENES, files=inputs)
    ours = json.loads(cpy.stdout.strip().splitlines()[-1])
    theirs = json.loads(pyodide_out.strip().splitlines()[-1])
    bad = 0
    for name in ours:
        same = ours[name] == theirs.get(name)
        bad += not same
        print(f"{'same' if same else 'DIFF'}  {name:18s} cpython {ours[name]}  pyodide {theirs.get(name)}")
    print(f"{len(ours) - bad} of {len(ours)} scenes byte-identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
