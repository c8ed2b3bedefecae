"""mm links write numbers as JavaScript's ``String(number)`` (mmcore/mm/link.py ``js_number_to_string``): the
shortest digits of ``repr``, read without the ``decimal`` module (its import cost the first figure's run in
Pyodide ~10 ms). The digits must be exactly those ``Decimal(repr(x)).normalize()`` gives."""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys
from decimal import Decimal

from mmcore.mm.link import _shortest_digits, js_number_to_string


def _by_decimal(x: float) -> tuple[str, int]:
    _, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    return "".join(map(str, digits)), exp


def test_the_digits_are_decimals_for_any_double():
    rng = random.Random(7)
    values = [0.1, 32.0, 1e-7, 1.5e21, 1e21, 1e22, 123456.789, 5e-324, 1.7976931348623157e308, 100.0, 2.5e-5]
    while len(values) < 30_000:
        x = abs(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
        if math.isfinite(x) and x > 0:
            values.append(x)
        values.append(abs(round(rng.uniform(-100, 100), rng.randint(0, 6))) or 3.0)
    wrong = [x for x in values if _shortest_digits(x) != _by_decimal(x)]
    assert not wrong, wrong[:5]


def test_javascript_texts():
    got = [js_number_to_string(v) for v in (32.0, 0.1, 1e-7, 1.5e21, -0.0, -2.5e-5, 1e21, 123456.789, 0.000001)]
    assert got == ["32", "0.1", "1e-7", "1.5e+21", "0", "-0.000025", "1e+21", "123456.789", "0.000001"]


def test_making_a_link_does_not_import_decimal():
    code = ("import sys, mmcore\n"
            "A = mmcore.matrix('A', 4, 3, init='rows'); B = mmcore.matrix('B', 3, 2, init='cols')\n"
            "link = mmcore.to_mm(A @ B); mmcore.from_mm(link)\n"
            "print('decimal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
