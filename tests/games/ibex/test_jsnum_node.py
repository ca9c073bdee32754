"""jsnum against JavaScript itself: every operation on every pair of a grid of values, as computed by node.

The fixture ``fixtures/jsnum_node.json`` is written by ``fixtures/make_jsnum_fixture.mjs`` (run it with node to
regenerate); CI reads only the JSON.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from econlab.games.ibex import jsnum as js

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "jsnum_node.json").read_text(encoding="utf-8"))
TAGS = {"undefined": js.UNDEFINED, "NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def decode(v: Any) -> Any:
    """A fixture value as the engine holds it (floats for numbers, ``UNDEFINED``, dicts for objects)."""
    if isinstance(v, dict):
        if "$" in v:
            return TAGS[v["$"]]
        return {k: decode(x) for k, x in v["$obj"].items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


VALUES = [decode(v) for v in FIXTURE["values"]]


def same(got: Any, want: Any) -> bool:
    if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return (math.isnan(want) and math.isnan(got)) or got == want
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("op", sorted(FIXTURE["unary"]))
def test_unary_operations_match_node(op: str) -> None:
    wrong = [(VALUES[i], decode(r), getattr(js, op)(VALUES[i])) for i, r in enumerate(FIXTURE["unary"][op])
             if not same(getattr(js, op)(VALUES[i]), decode(r))]
    assert not wrong, f"{op}: (value, node, jsnum) {wrong[:10]}"


@pytest.mark.parametrize("op", sorted(FIXTURE["binary"]))
def test_binary_operations_match_node(op: str) -> None:
    f = getattr(js, op)
    wrong = []
    for i, row in enumerate(FIXTURE["binary"][op]):
        for j, r in enumerate(row):
            got, want = f(VALUES[i], VALUES[j]), decode(r)
            if not same(got, want):
                wrong.append((VALUES[i], VALUES[j], want, got))
    assert not wrong, f"{op}: {len(wrong)} differ; (a, b, node, jsnum) {wrong[:10]}"


def test_the_fixture_covers_the_reported_cases() -> None:
    """The differential findings of issue 13, checked by name (they are also inside the grid above)."""
    assert js.to_number([None]) == 0.0
    assert js.add(1.0, {}) == "1[object Object]"
    assert js.lt([10.0], "9") is True  # "10" < "9" as strings
    assert js.lt([10.0], [9.0]) is True
    assert js.le(["9"], "10") is False
    assert len(FIXTURE["values"]) ** 2 * len(FIXTURE["binary"]) + len(FIXTURE["values"]) * len(FIXTURE["unary"]) \
        > 20000
