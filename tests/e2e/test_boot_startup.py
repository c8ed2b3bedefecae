"""`import mmcore` in the browser (mmcore/startup.py): the site's wheel carries mmcore's dataclass methods
compiled at build time, and the boot's import takes them instead of compiling ~130 sources; mmcore.anim is
imported only by the first animated figure.

Checked in the built site's Pyodide: the stored code objects are the ones this interpreter compiles itself
from the same sources (so the classes are the same); every mmcore class, including those of modules imported
after the boot, found its code; a reader's own dataclass works as anywhere.
"""

from __future__ import annotations


RUN = "async (code) => { const r = await mmAtlas.runtime.run('startup', code); return r.stdout; }"
CHECK = """import dataclasses, sys
import mmcore.startup as startup
codes = startup._codes or {}
same = sum(startup._compile(text) == code for text, code in codes.items())
print(len(codes), same, startup.stats["hits"], startup.stats["misses"], "mmcore.anim" in sys.modules)
"""
ANIMATE = """import dataclasses, sys
import mmcore.startup as startup
before = startup.stats["hits"]
A = mmcore.matrix("A", 8, 6, init="rows"); B = mmcore.matrix("B", 6, 4, init="cols")
scene = mmcore.layout(A @ B, anim="vvprod")

@dataclasses.dataclass(frozen=True)
class Mine:
    x: int
    y: str = "b"

print(scene.anim["cycle"], "mmcore.anim" in sys.modules, startup.stats["hits"] > before, startup.stats["misses"],
      repr(Mine(1)), Mine(1) == Mine(1))
"""


def test_the_boot_imports_mmcore_from_precompiled_dataclass_code(reader_loads, site_url, pages):
    page = reader_loads.page
    page.goto(site_url + pages[1], wait_until="load")
    page.wait_for_function("() => window.mmAtlas && window.mmAtlas.runtime")
    stored, same, hits, misses, anim = page.evaluate(RUN, CHECK).split()
    assert int(stored) > 150                     # every mmcore dataclass method, from the wheel's file
    assert same == stored                        # each equals what Pyodide's own compile gives
    assert int(hits) > 100 and misses == "0"     # the boot's import compiled none of mmcore's
    assert anim == "False"                       # mmcore.anim: not imported by the boot
    assert page.evaluate(RUN, ANIMATE).split() == ["6", "True", "True", "0", "Mine(x=1,", "y='b')", "True"]
