"""Seat specs: which policy sits where, in one syntax for ``play``, ``connect``, scenarios and tournaments.

A seat map is a set of ``KEY=NAME`` entries (on the command line ``--policy KEY=NAME``, in a scenario the
``seats:`` mapping). ``KEY`` is one of

* ``all``: every seat;
* a role: ``owner``, ``developer`` or ``speculator``: every seat of that role;
* a seat number: ``7``;
* a range of seat numbers: ``1-5`` (both ends included).

The most specific entry wins: a seat number over a range, a range over a role, a role over ``all``; among
overlapping ranges the one given last. Seats no entry names get the default. :func:`resolve` answers for
one seat (``connect`` learns a seat's role only after joining); :func:`assign` for a whole roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from econlab.games.ibex.params import ROLE_CODES

_FORM = f"all, a role ({', '.join(ROLE_CODES)}), a seat number or a range like 1-5"
_NEITHER = f"is neither a role ({', '.join(ROLE_CODES)}), all, a seat number nor a range like 1-5"


@dataclass(frozen=True)
class SeatKey:
    """One parsed key: ``kind`` is ``all``, ``role``, ``seat`` or ``range``."""

    kind: str
    role: str | None = None
    first: int = 0
    last: int = 0

    def matches(self, seat: int, role: str) -> bool:
        """Whether the key names ``seat`` (whose role name is ``role``)."""
        if self.kind == "all":
            return True
        if self.kind == "role":
            return role == self.role
        return self.first <= seat <= self.last

    @property
    def rank(self) -> int:
        """Specificity: higher wins."""
        return {"all": 0, "role": 1, "range": 2, "seat": 3}[self.kind]


def parse_key(key: str) -> SeatKey:
    """Parse one seat key (see the module docstring).

    Raises:
        ValueError: ``key`` is none of the accepted forms.
    """
    k = key.strip()
    if k == "all":
        return SeatKey("all")
    if k in ROLE_CODES:
        return SeatKey("role", role=k)
    if k.isdigit():
        if int(k) < 1:
            raise ValueError(f"seat key {key!r}: seats are numbered from 1")
        return SeatKey("seat", first=int(k), last=int(k))
    lo, dash, hi = k.partition("-")
    if dash and lo.strip().isdigit() and hi.strip().isdigit():
        first, last = int(lo), int(hi)
        if first < 1 or last < first:
            raise ValueError(f"seat range {key!r} must be FIRST-LAST with 1 <= FIRST <= LAST")
        return SeatKey("range", first=first, last=last)
    raise ValueError(f"seat key {key!r} {_NEITHER}")


def parse_range(spec: str, what: str = "--seats") -> tuple[int, int]:
    """``"1-12"`` -> ``(1, 12)``, ``"5"`` -> ``(5, 5)`` (the seat-number forms of :func:`parse_key`)."""
    try:
        key = parse_key(spec)
    except ValueError as exc:
        raise ValueError(f"{what} takes seats FIRST-LAST like 1-12 or one seat number, got {spec!r}: {exc}") from exc
    if key.kind not in ("seat", "range"):
        raise ValueError(f"{what} takes seats FIRST-LAST like 1-12 or one seat number, got {spec!r}")
    return key.first, key.last


def check_keys(keys: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the first key that is not a seat key."""
    for key in keys:
        parse_key(key)


def parse_entries(items: Iterable[str], option: str = "--policy") -> dict[str, str]:
    """``["speculator=random", "1-5=truthful"]`` -> ``{"speculator": "random", "1-5": "truthful"}``, checked."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, name = item.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"{option} takes ROLE_OR_SEAT=NAME (ROLE_OR_SEAT: {_FORM}), got {item!r}")
        try:
            parse_key(key)
        except ValueError as exc:
            raise ValueError(f"{option} {item!r}: {exc}") from exc
        out[key.strip()] = name.strip()
    return out


def resolve(entries: Mapping[str, str], seat: int, role: str, default: str) -> str:
    """The policy name of ``seat`` (role name ``role``) under ``entries`` (the most specific entry wins)."""
    best: tuple[int, int] | None = None
    name = default
    for order, (key, value) in enumerate(entries.items()):
        parsed = parse_key(key)
        if parsed.matches(seat, role) and (best is None or (parsed.rank, order) >= best):
            best, name = (parsed.rank, order), value
    return name


def assign(entries: Mapping[str, str], roster: Mapping[int, str], default: str, where: str = "") -> dict[int, str]:
    """Policy name per seat of ``roster`` (``{seat: role name}``); ``where`` names the game in errors.

    Raises:
        ValueError: a seat number or range names a seat the roster does not have.
    """
    n = max(roster, default=0)
    for key in entries:
        parsed = parse_key(key)
        if parsed.kind in ("seat", "range") and not set(range(parsed.first, parsed.last + 1)) <= set(roster):
            which = f"seat {parsed.first} does" if parsed.kind == "seat" else \
                f"seats {parsed.first}-{parsed.last} do"
            raise ValueError(f"{which} not exist{where}; seats are 1..{n}")
    return {seat: resolve(entries, seat, role, default) for seat, role in sorted(roster.items())}
