"""Quoted spreads of a game's markets, measured by replaying its record through the engine.

Records keep the orders players sent and the trades that happened, not the book over time. This module
feeds the record's log through a fresh engine game (the same values, seed and compat mode, so the replay is
the game itself) and, after every order message, reads ``best ask - best bid`` of each open book when both
sides are quoted. A round's spread is the mean of these samples in the book of its winning condition (NaN
when that book never had both sides quoted, or when the replay's trades differ from the recorded ones).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from econlab.games.ibex.record import replay_record

_ORDER_MESSAGES = ("post-order", "cancel-order")


def _new_game(record: Mapping[str, Any]) -> Any:
    import numpy as np

    from econlab.games.ibex import GameParams, SessionValues, UniformValues, new_game
    from econlab.games.ibex.data import session_table
    from econlab.games.ibex.record import compat_of

    meta = record.get("econlab") or {}
    params = GameParams.from_rows(record["parameters"])
    values = UniformValues() if meta.get("values") == "uniform" else SessionValues(session_table(params.session_number))
    seed = meta.get("seed", 0)
    return new_game(params, values, np.random.default_rng(seed if isinstance(seed, int) else 0),
                    compat=compat_of(record), emit_events=False)


def market_spreads(record: Mapping[str, Any]) -> dict[int, float]:
    """``{round: mean quoted spread in the winning condition's book}`` of a Harberger or Futarchy record."""
    game = _new_game(record)
    if game.treatment == "voting":
        return {}
    samples: dict[tuple[int, int], list[float]] = {}

    def sample(g: Any, content: Mapping[str, Any]) -> None:
        if content.get("type") in _ORDER_MESSAGES:
            for c, book in getattr(g, "books", {}).items():
                bid, ask = book.best("bid"), book.best("ask")
                if bid is not None and ask is not None:
                    samples.setdefault((g.round, c), []).append(float(ask) - float(bid))

    replay_record(game, record["log"], after=sample)
    recorded = {r["round"]: r.get("trades") for r in (record.get("results") or {}).get("rounds", [])}
    out: dict[int, float] = {}
    for r in game.results:
        xs = samples.get((r.round, r.condition), []) if r.condition is not None else []
        faithful = r.round not in recorded or recorded[r.round] == r.trades
        out[r.round] = float(sum(xs) / len(xs)) if xs and faithful else math.nan
    return out
