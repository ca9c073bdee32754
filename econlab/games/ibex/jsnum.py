"""JavaScript number semantics for the lab server's arithmetic (``compat="server"``).

The lab server is written in JavaScript and does not validate many inputs, so a declaration may be a
string and a price may be NaN. To replay recorded server games exactly, the engine evaluates every
formula that can see a raw client value through these helpers, which follow the ECMAScript rules for
``+``, ``-``, ``*``, ``/``, ``<``, ``==`` and ``Number()``. On ordinary finite numbers they are plain
float64 arithmetic, so the strict mode uses the same code paths.
"""

from __future__ import annotations

import math
import re
from typing import Any

NAN = float("nan")


class _Undefined:
    """JavaScript ``undefined``: a missing field or array index (``None`` stands for JSON ``null``)."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()
_NUM = (int, float)

_NUMERIC_RE = re.compile(r"^[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$")
_PARSE_FLOAT_RE = re.compile(r"^[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def is_nullish(x: Any) -> bool:
    """Return whether ``x == null`` in JavaScript (true for null and undefined)."""
    return x is None or x is UNDEFINED


def to_number(x: Any) -> float:
    """ECMAScript ``Number(x)``: the numeric value a JavaScript operator would use."""
    t = type(x)
    if t is float:
        return x
    if t is int:
        return float(x)
    if isinstance(x, bool):
        return 1.0 if x else 0.0
    if isinstance(x, int | float):
        return float(x)
    if x is None:
        return 0.0
    if x is UNDEFINED:
        return NAN
    if isinstance(x, str):
        s = x.strip()
        if s == "":
            return 0.0
        if s.lower().startswith(("0x", "-0x", "+0x")):
            try:
                return float(int(s, 16))
            except ValueError:
                return NAN
        if _NUMERIC_RE.match(s):
            return float(s.replace("Infinity", "inf"))
        return NAN
    if isinstance(x, list):  # ToPrimitive gives String(x): [] -> "" -> 0, [null] -> "" -> 0, [1, 2] -> NaN
        return to_number(to_string(x))
    return NAN  # a plain object: "[object Object]"


def to_primitive(x: Any) -> Any:
    """ECMAScript ``ToPrimitive`` for JSON values: arrays and objects become their strings, the rest stays."""
    if isinstance(x, list):
        return to_string(x)
    if isinstance(x, dict):
        return "[object Object]"
    return x


def to_string(x: Any) -> str:
    """ECMAScript ``String(x)`` for the JSON value kinds the server sees."""
    if x is None:
        return "null"
    if x is UNDEFINED:
        return "undefined"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return number_to_string(x)
    if isinstance(x, str):
        return x
    if isinstance(x, list):
        return ",".join("" if is_nullish(v) else to_string(v) for v in x)
    return "[object Object]"


def number_to_string(x: float) -> str:
    """Format a float as JavaScript's ``Number.prototype.toString`` does (shortest round-trip)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == int(x) and abs(x) < 2**53:
        return str(int(x))
    # ECMAScript Number::toString: the shortest round-trip digits (Python's repr has the same ones),
    # laid out by the decimal exponent n (value = 0.digits x 10^n).
    mant, _, exp = repr(abs(x)).partition("e")
    int_part, _, frac = mant.partition(".")
    raw = int_part + frac
    digits = raw.lstrip("0")
    n = len(int_part) + int(exp or 0) - (len(raw) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    sign = "-" if x < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{head}e{'+' if e > 0 else '-'}{abs(e)}"


def add(a: Any, b: Any) -> Any:
    """ECMAScript ``a + b``: string concatenation when either side is a string, else float64 sum."""
    if type(a) in _NUM and type(b) in _NUM:
        return float(a) + b
    a, b = to_primitive(a), to_primitive(b)  # [1] + 1 is "11", 1 + {} is "1[object Object]"
    if isinstance(a, str) or isinstance(b, str):
        return to_string(a) + to_string(b)
    return to_number(a) + to_number(b)


def sub(a: Any, b: Any) -> float:
    """ECMAScript ``a - b``."""
    if type(a) in _NUM and type(b) in _NUM:
        return float(a) - b
    return to_number(a) - to_number(b)


def mul(a: Any, b: Any) -> float:
    """ECMAScript ``a * b`` (inf * 0 and NaN propagate as in IEEE-754)."""
    if type(a) in _NUM and type(b) in _NUM:
        return float(a) * b
    x, y = to_number(a), to_number(b)
    try:
        return x * y
    except OverflowError:  # pragma: no cover - float multiplication does not raise in CPython
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def div(a: Any, b: Any) -> float:
    """ECMAScript ``a / b``: division by zero gives +-Infinity or NaN instead of raising."""
    x, y = to_number(a), to_number(b)
    if y == 0.0:
        if x == 0.0 or math.isnan(x):
            return NAN
        sign = math.copysign(1.0, x) * math.copysign(1.0, y)
        return math.inf if sign > 0 else -math.inf
    return x / y


def lt(a: Any, b: Any) -> bool:
    """ECMAScript ``a < b``: lexicographic for two strings, numeric otherwise (NaN compares false).

    Arrays and objects are compared by their strings first (``ToPrimitive``): ``[10] < "9"`` is true.
    """
    if type(a) in _NUM and type(b) in _NUM:
        return a < b
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return _utf16(a) < _utf16(b)
    x, y = to_number(a), to_number(b)
    return x < y


def gt(a: Any, b: Any) -> bool:
    """ECMAScript ``a > b``."""
    return lt(b, a)


def le(a: Any, b: Any) -> bool:
    """ECMAScript ``a <= b`` (as ``a < b`` after ``ToPrimitive``; false whenever either side is NaN)."""
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return _utf16(a) <= _utf16(b)
    x, y = to_number(a), to_number(b)
    return x <= y


def strict_eq(a: Any, b: Any) -> bool:
    """ECMAScript ``a === b`` for JSON values (numbers compare by value; no coercion)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list | dict):
        return a is b
    return a == b


def loose_eq(a: Any, b: Any) -> bool:
    """ECMAScript ``a == b`` for JSON values."""
    if is_nullish(a) or is_nullish(b):
        return is_nullish(a) and is_nullish(b)
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        if isinstance(a, list | dict) and isinstance(b, list | dict):
            return a is b
        other = b if isinstance(a, list | dict) else a
        prim = to_string(a if isinstance(a, list | dict) else b) if not isinstance(a, dict) and not isinstance(
            b, dict
        ) else "[object Object]"
        return loose_eq(prim, other)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return to_number(a) == to_number(b)


def parse_float(x: Any) -> float:
    """ECMAScript ``parseFloat(x)``: the longest numeric prefix of ``String(x)``, else NaN."""
    s = to_string(x).lstrip()
    m = _PARSE_FLOAT_RE.match(s)
    if not m:
        return NAN
    return float(m.group(0).replace("Infinity", "inf"))


def parse_int(x: Any) -> float:
    """ECMAScript ``parseInt(x, 10)``: the integer prefix of ``String(x)``, else NaN."""
    s = to_string(x).strip()
    m = re.match(r"^[+-]?\d+", s)
    if not m:
        return NAN
    return float(int(m.group(0)))


def js_round(x: Any) -> float:
    """ECMAScript ``Math.round``: ``floor(x + 0.5)``, so halves round towards +infinity."""
    v = to_number(x)
    if math.isnan(v) or math.isinf(v):
        return v
    return float(math.floor(v + 0.5))


def truthy(x: Any) -> bool:
    """ECMAScript truthiness of a JSON value."""
    if is_nullish(x) or x is False:
        return False
    if isinstance(x, int | float) and not isinstance(x, bool):
        return not (x == 0 or math.isnan(x))
    if isinstance(x, str):
        return x != ""
    return True


def js_length(x: Any) -> Any:
    """``x.length``: a number for strings and arrays, ``UNDEFINED`` for other values.

    Raises:
        TypeError: for null/undefined, as JavaScript does.
    """
    if is_nullish(x):
        raise TypeError("Cannot read properties of undefined (reading 'length')")
    if isinstance(x, str | list):
        return len(x) if isinstance(x, list) else len(x.encode("utf-16-le")) // 2
    return UNDEFINED


def index(x: Any, i: int) -> Any:
    """``x[i]`` for a JSON value: list element, string character or ``UNDEFINED``.

    Raises:
        TypeError: when ``x`` is null/undefined.
    """
    if is_nullish(x):
        raise TypeError(f"Cannot read properties of undefined (reading '{i}')")
    if isinstance(x, list):
        return x[i] if 0 <= i < len(x) else UNDEFINED
    if isinstance(x, str):
        return x[i] if 0 <= i < len(x) else UNDEFINED
    if isinstance(x, dict):
        return x.get(str(i), UNDEFINED)
    return UNDEFINED


_SCALARS = (int, float, str, bool, type(None), _Undefined)


def copy_json(x: Any) -> Any:
    """A copy of a JSON value that the engine can keep while the sender keeps its own.

    Scalars are returned as they are and flat lists are copied shallowly (the common cases, cheap);
    anything nested is deep-copied.
    """
    if isinstance(x, _SCALARS):
        return x
    if isinstance(x, list) and all(isinstance(v, _SCALARS) for v in x):
        return list(x)
    import copy

    return copy.deepcopy(x)


def to_json(x: Any) -> Any:
    """Convert a value to what ``JSON.stringify`` would emit: NaN/Infinity become null, integral floats ints."""
    if x is UNDEFINED:
        return None
    if isinstance(x, bool) or x is None or isinstance(x, str | int):
        return x
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            return None
        if x == int(x) and abs(x) < 2**53:
            return 0 if x == 0 else int(x)
        return x
    if isinstance(x, dict):
        return {k: to_json(v) for k, v in x.items() if v is not UNDEFINED}
    if isinstance(x, list | tuple):
        return [to_json(v) for v in x]
    return x


def _utf16(s: str) -> tuple[int, ...]:
    b = s.encode("utf-16-be")
    return tuple(int.from_bytes(b[i : i + 2], "big") for i in range(0, len(b), 2))
