"""Where true values and private signals come from.

* :class:`SessionValues`: a session of the lab's ``sessions.json`` (deterministic, as on the lab
  server: every game with the same session sees the same values).
* :class:`UniformValues`: seeded draws from the value ranges (``boundaries``) of each role.

Signals are read from the session table unless the game's ``generate_signals`` parameter is set, in
which case the engine draws them as the server does (``econlab.games.ibex.engine``). The parsed table is
passed in: this module does no I/O (``econlab.games.ibex.data.session_table`` loads the shipped file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR, GameParams


@dataclass(frozen=True)
class RoundDraw:
    """True values of each lot holder and private signals of each seat, per condition (0, 1)."""

    values: Mapping[int, tuple[float, float]]
    signals: Mapping[int, tuple[float, float]]


class ValueSource(Protocol):
    """Supplies the values and signals of one round."""

    def draw(self, round_number: int, roles: Sequence[tuple[int, int]], params: GameParams,
             rng: np.random.Generator) -> RoundDraw:
        """Values and signals of ``round_number`` for the seats ``[(seat, role), ...]``."""
        ...


def _parse_int(x: Any) -> int:
    if isinstance(x, bool):
        raise ValueError(f"expected a number in the session table, got {x!r}")
    if isinstance(x, int | float):
        return int(x)
    return int(str(x).strip().split(".")[0])


@dataclass(frozen=True)
class SessionValues:
    """Values and signals from one session of the lab's ``sessions.json``.

    Attributes:
        table: The session object ``{"id", "rounds": [6 round objects]}``.
    """

    table: Mapping[str, Any]

    def __post_init__(self) -> None:
        """Check the shape of the table."""
        rounds = self.table.get("rounds") if isinstance(self.table, Mapping) else None
        if not isinstance(rounds, Sequence) or len(rounds) < 2:
            raise ValueError("a session table needs a 'rounds' list (index = round number, 0 = practice)")

    def draw(self, round_number: int, roles: Sequence[tuple[int, int]], params: GameParams,
             rng: np.random.Generator) -> RoundDraw:
        """Read round ``round_number`` (index into ``rounds``) for each seat in seat order."""
        rounds = self.table["rounds"]
        if not 0 <= round_number < len(rounds):
            raise ValueError(f"session {self.table.get('id')} has no round {round_number}")
        rnd = rounds[round_number]
        vals, sigs = rnd["values"], rnd["signals"]
        for name, role in (("owner", OWNER), ("speculator", SPECULATOR)):
            wanted = sum(1 for _, r in roles if r == role)
            have = min(len(sigs[0].get(name, ())), len(sigs[1].get(name, ())))
            if role == OWNER:
                have = min(have, len(vals[0].get(name, ())), len(vals[1].get(name, ())))
            if wanted > have:
                raise ValueError(f"session {self.table.get('id')} round {round_number} has values for {have} "
                                 f"{name}s, but the game has {wanted}; use uniform values for more {name}s")
        values: dict[int, tuple[float, float]] = {}
        signals: dict[int, tuple[float, float]] = {}
        k_owner = k_spec = 0
        for seat, role in roles:
            if role == DEVELOPER:
                values[seat] = (_parse_int(vals[0]["developer"]) * 1000, _parse_int(vals[1]["developer"]) * 1000)
                signals[seat] = (_parse_int(sigs[0]["developer"]), _parse_int(sigs[1]["developer"]))
            elif role == OWNER:
                values[seat] = (_parse_int(vals[0]["owner"][k_owner]) * 1000,
                                _parse_int(vals[1]["owner"][k_owner]) * 1000)
                signals[seat] = (_parse_int(sigs[0]["owner"][k_owner]), _parse_int(sigs[1]["owner"][k_owner]))
                k_owner += 1
            elif role == SPECULATOR:
                signals[seat] = (_parse_int(sigs[0]["speculator"][k_spec]), _parse_int(sigs[1]["speculator"][k_spec]))
                k_spec += 1
        return RoundDraw(values=values, signals=signals)


@dataclass(frozen=True)
class UniformValues:
    """Seeded draws: each lot's value uniform on its role's range, in steps of ``step`` points.

    Signals are the truthful dividend ``sum(values) * tau2 / 10000`` times a uniform factor in
    ``[signal_low, signal_high]``, rounded (the server's generated-signal formula).
    """

    step: int = 1000

    def draw(self, round_number: int, roles: Sequence[tuple[int, int]], params: GameParams,
             rng: np.random.Generator) -> RoundDraw:
        """Draw values (seat order, condition 0 then 1) and then signals (same order)."""
        values: dict[int, tuple[float, float]] = {}
        for seat, role in roles:
            if role == SPECULATOR:
                continue
            rp = params.role(role)
            pair = []
            for c in (0, 1):
                lo, hi = rp.low(c) // self.step, rp.high(c) // self.step
                pair.append(int(rng.integers(lo, hi + 1)) * self.step)
            values[seat] = (pair[0], pair[1])
        totals = [sum(v[c] for v in values.values()) for c in (0, 1)]
        signals: dict[int, tuple[float, float]] = {}
        for seat, _role in roles:
            pair = []
            for c in (0, 1):
                coeff = params.signal_low + (params.signal_high - params.signal_low) * float(rng.random())
                pair.append(float(np.floor(totals[c] * coeff * (params.tax_rate_final / 100) / 100 + 0.5)))
            signals[seat] = (pair[0], pair[1])
        return RoundDraw(values=values, signals=signals)
