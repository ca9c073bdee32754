"""JavaScript number semantics used by compat="server" (ECMAScript rules, checked value by value)."""

from __future__ import annotations

import copy
import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.jsnum import NAN, UNDEFINED

INF = math.inf


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


@pytest.mark.parametrize(("x", "expected"), [
    (2.5, 3.0), (-2.5, -2.0), (0.5, 1.0), (-0.5, 0.0), (1.4999999999999998, 1.0),
    (3300.673, 3301.0), (1721.6078, 1722.0), (2542.173, 2542.0), (2649.7275, 2650.0), (-1.5, -1.0),
    ("2.5", 3.0), (None, 0.0),
])
def test_math_round_is_floor_half_up(x, expected):
    assert js.js_round(x) == expected


def test_math_round_special():
    assert math.isnan(js.js_round(NAN)) and math.isnan(js.js_round("abc")) and math.isnan(js.js_round(UNDEFINED))
    assert js.js_round(INF) == INF and js.js_round(-INF) == -INF


@pytest.mark.parametrize(("a", "b", "expected"), [
    (216000, "40000", "21600040000"),
    ("950000", "abc", "950000abc"),
    (950000, "abc", "950000abc"),
    (0.5, "x", "0.5x"),
    (1, None, 1.0),
    ([1, 2], 1, "1,21"),
    ([], [], ""),
    (True, 1, 2.0),
    (1e21, "", "1e+21"),
])
def test_add(a, b, expected):
    assert same(js.add(a, b), expected)


def test_add_nan():
    assert math.isnan(js.add(1, UNDEFINED))
    assert math.isnan(js.add(NAN, 1))


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("42", 2, 40.0), (None, 5, -5.0), ("", 1, -1.0), (" 7 ", "2", 5.0), ([3], 1, 2.0),
])
def test_sub(a, b, expected):
    assert js.sub(a, b) == expected


def test_mul_div():
    assert js.mul("40000", -5) == -200000.0
    assert js.div(1, 0) == INF and js.div(-1, 0) == -INF and js.div(1, -0.0) == -INF
    assert math.isnan(js.div(0, 0)) and math.isnan(js.div(NAN, 0))
    assert js.div(-14000, 0) == -INF
    assert math.isnan(js.mul(INF, 0))
    assert js.div(js.mul(2975000, 33 / 100), 100) == 9817.5


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("10", "9", True),  # lexicographic
    ("10", 9, False),  # numeric
    ("950000300000", "950000abc", True),
    ("abc", 1, False),
    (1, "abc", False),
    (None, 1, True),  # null -> 0
    (UNDEFINED, 1, False),
    (NAN, NAN, False),
    ("B", "a", True),
    ("\U0001f600", "\uffff", True),  # UTF-16 code units: a surrogate sorts before U+FFFF
])
def test_lt(a, b, expected):
    assert js.lt(a, b) is expected


def test_gt_le():
    assert js.gt(2, 1) and not js.gt(NAN, 0) and not js.gt(0, NAN)
    assert js.le(1, 1) and not js.le(NAN, NAN) and js.le("a", "a")


@pytest.mark.parametrize(("x", "expected"), [
    ("", 0.0), ("  42  ", 42.0), ("0x1A", 26.0), ("1e3", 1000.0), ("-1.5", -1.5), (".5", 0.5),
    ("5.", 5.0), ("Infinity", INF), ("-Infinity", -INF), ([], 0.0), ([5], 5.0), (["7"], 7.0),
    (True, 1.0), (False, 0.0), (None, 0.0), (12, 12.0),
])
def test_to_number(x, expected):
    assert js.to_number(x) == expected


@pytest.mark.parametrize("x", ["abc", "1_000", "1,5", "0x", "12px", [1, 2], {"a": 1}, UNDEFINED, "inf", "nan"])
def test_to_number_nan(x):
    assert math.isnan(js.to_number(x))


@pytest.mark.parametrize(("x", "expected"), [
    (None, "null"), (UNDEFINED, "undefined"), (True, "true"), (1, "1"), (1.0, "1"), (-0.0, "0"),
    (1.5, "1.5"), (0.1 + 0.2, "0.30000000000000004"), (9989.1, "9989.1"), (5e-05, "0.00005"),
    (1e-7, "1e-7"), (1.5e-10, "1.5e-10"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (123456789012345680000.0, "123456789012345680000"), (2.0**60, "1152921504606847000"),
    (2.0**53, "9007199254740992"), (1.5e-6, "0.0000015"), (1.2345e-05, "0.000012345"), (1e-6, "0.000001"),
    (-1.5e-6, "-0.0000015"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    (-1e21, "-1e+21"), (1234567.125, "1234567.125"), (NAN, "NaN"), (INF, "Infinity"), (-INF, "-Infinity"),
    ([1, None, "a"], "1,,a"), ({"a": 1}, "[object Object]"), ("x", "x"),
])
def test_to_string(x, expected):
    assert js.to_string(x) == expected


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_to_string_round_trips(x):
    s = js.number_to_string(x)
    assert float(s) == x
    assert "e" not in s or "e+" in s or "e-" in s


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
       st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_plain_numbers_are_float64(a, b):
    assert js.add(a, b) == a + b
    assert js.sub(a, b) == a - b
    assert js.mul(a, b) == a * b
    if b != 0:
        assert js.div(a, b) == a / b
    assert js.lt(a, b) is (a < b)
    assert js.js_round(a) == math.floor(a + 0.5)


def test_strict_and_loose_equality():
    assert js.strict_eq(1, 1.0) and not js.strict_eq("4", 4) and not js.strict_eq(True, 1)
    assert not js.strict_eq(None, UNDEFINED) and js.strict_eq(None, None)
    assert not js.strict_eq([1], [1])  # different objects
    lst = [1]
    assert js.strict_eq(lst, lst)
    assert js.loose_eq("0", 0) and js.loose_eq(None, UNDEFINED) and not js.loose_eq(None, 0)
    assert js.loose_eq([1], 1) and js.loose_eq("", 0) and js.loose_eq(True, 1)
    assert not js.loose_eq("abc", NAN) and not js.loose_eq(NAN, NAN)


@pytest.mark.parametrize(("x", "expected"), [
    ("42abc", 42.0), (" 3.5e2x", 350.0), (".5", 0.5), ("Infinityx", INF), (42, 42.0), ("-7", -7.0),
    ("1e", 1.0), ("+.5", 0.5),
])
def test_parse_float(x, expected):
    assert js.parse_float(x) == expected


@pytest.mark.parametrize("x", ["abc", "-", "", None, [], UNDEFINED, "e5"])
def test_parse_float_nan(x):
    assert math.isnan(js.parse_float(x))


def test_parse_int():
    assert js.parse_int("33.5") == 33.0 and js.parse_int(" -7x") == -7.0 and math.isnan(js.parse_int("x"))


@pytest.mark.parametrize(("x", "expected"), [
    (0, False), (NAN, False), ("", False), (None, False), (UNDEFINED, False), (False, False),
    ("0", True), ([], True), ({}, True), (-1, True), ("false", True), (True, True),
])
def test_truthy(x, expected):
    assert js.truthy(x) is expected


def test_length_and_index():
    assert js.js_length("abc") == 3 and js.js_length([1, 2]) == 2 and js.js_length("\U0001f600") == 2
    assert js.js_length(5) is UNDEFINED and js.js_length({"a": 1}) is UNDEFINED
    for bad in (None, UNDEFINED):
        with pytest.raises(TypeError):
            js.js_length(bad)
        with pytest.raises(TypeError):
            js.index(bad, 0)
    assert js.index([1, 2], 1) == 2 and js.index([1], 1) is UNDEFINED and js.index([1], -1) is UNDEFINED
    assert js.index("abc", 0) == "a" and js.index({"0": 5}, 0) == 5 and js.index(7, 0) is UNDEFINED


def test_to_json():
    assert js.to_json(NAN) is None and js.to_json(INF) is None and js.to_json(-INF) is None
    assert js.to_json(2.0) == 2 and type(js.to_json(2.0)) is int
    assert js.to_json(-0.0) == 0 and type(js.to_json(-0.0)) is int
    assert js.to_json(1.5) == 1.5 and js.to_json(2.0**60) == 2.0**60
    assert js.to_json({"a": UNDEFINED, "b": [UNDEFINED, NAN, (1, 2)]}) == {"b": [None, None, [1, 2]]}
    assert js.to_json(UNDEFINED) is None and js.to_json("x") == "x" and js.to_json(True) is True


def test_undefined_is_a_singleton_through_copies():
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED
    assert copy.deepcopy(UNDEFINED) is UNDEFINED and copy.copy(UNDEFINED) is UNDEFINED
    assert not UNDEFINED and repr(UNDEFINED) == "undefined"
    assert js.is_nullish(UNDEFINED) and js.is_nullish(None) and not js.is_nullish(0)
