"""Engine speed and memory: full games per second through the rules engine alone and the runner.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--seconds 3]``. Prints figures; asserts nothing.
The engine-alone loop applies a fixed, pre-drawn script (truthful declarations, two snipes, 24 market
orders per round, requests/offer/votes in Voting) so that it measures the rules, not the policies.
The runner figures include scripted ``strategic`` policies, views and tick scheduling.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from econlab.games.ibex import (
    CancelOrder,
    Declare,
    GameParams,
    Offer,
    PostOrder,
    Ready,
    Request,
    SessionValues,
    Snipe,
    Vote,
    new_game,
)
from econlab.games.ibex.data import session_table
from econlab.games.ibex.errors import InvalidActionError


def _script(rng: np.random.Generator, n_orders: int) -> list[tuple[int, str, float]]:
    return [(int(rng.integers(1, 13)), "bid" if rng.random() < 0.5 else "ask", float(rng.integers(8000, 12000)))
            for _ in range(n_orders)]


def engine_game(treatment: str, values: SessionValues, orders: list[tuple[int, str, float]],
                events: bool = False) -> float:
    """Play one lab-default game (5 paid rounds + practice) and return seat 1's paid profit."""
    game = new_game(GameParams.lab_default(treatment), values, np.random.default_rng(1), emit_events=events)
    game.start()
    while not game.over:
        for s in game.seats:
            game.apply(s, Ready())
        game.timeout()  # presentation
        if treatment == "voting":
            game.timeout()  # chat
            for p in game.players[::-1]:
                if p.lot and p.role == 3:
                    game.apply(p.number, Request([None, p.lot.v[0] - p.lot.v[1]]))
            game.apply(2, Offer([None, 250000]))
            game.timeout()  # chat
            for p in game.players:
                if p.role == 3:
                    game.apply(p.number, Vote([1] if 250000 >= p.lot.v[0] - p.lot.v[1] else [0]))
            game.timeout()
            continue
        for p in game.players:
            if p.lot:
                game.apply(p.number, Declare(list(p.lot.v[:2])))
        for s in range(7, 13):
            game.apply(s, Snipe([[2], [3]] if s == 7 else [[], []]))
        if treatment == "harberger":
            game.timeout()  # reconciliation
        else:
            game.timeout()
        game.timeout()  # signals
        for seat, side, price in orders:
            cond = game.winning_condition if treatment == "harberger" else int(price) % 2
            try:
                game.apply(seat, PostOrder(side, price, cond))
            except InvalidActionError:
                pass
        try:
            game.apply(1, CancelOrder(1, game.winning_condition if treatment == "harberger" else 0))
        except InvalidActionError:
            pass
        game.timeout()  # market
        for p in game.players:
            if p.lot:
                w = game.winning_condition
                game.apply(p.number, Declare([p.lot.v[0], p.lot.v[1]] if w is not None else [0, 0]))
        for s in range(7, 13):
            game.apply(s, Snipe([[], []]))
        game.timeout()  # results
    return game.results[1].profits[1]


def rate(fn, seconds: float) -> tuple[float, int]:
    """Calls per second of ``fn`` over about ``seconds``."""
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - t0), n


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    values = SessionValues(session_table(1))
    orders = _script(np.random.default_rng(0), 24)
    print("engine alone (lab default: practice + 5 paid rounds, 24 orders per market):")
    for events in (False, True):
        print(f" server events {'built' if events else 'off (as the env and runner use it)'}:")
        for t in ("harberger", "futarchy", "voting"):
            r, n = rate(lambda t=t, e=events: engine_game(t, values, orders, e), args.seconds)
            print(f"  {t:10s} {r:8.1f} games/s  ({n} games)")
    tracemalloc.start()
    engine_game("harberger", values, orders)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak Python memory of one Harberger game: {peak / 1024:.0f} KiB")
    try:
        from econlab.eval.runner import play_game
        from econlab.games.ibex.spec import GameSpec
        from econlab.policies import make_policy
    except ImportError as exc:  # pragma: no cover
        print(f"runner figures skipped: {exc}")
        return
    print("runner with scripted 'strategic' seats (practice + 5 rounds, 20 market ticks):")
    for t in ("harberger", "futarchy", "voting"):
        params = GameParams.lab_default(t)
        policies = {s: make_policy("strategic") for s in range(1, params.n_players + 1)}
        seeds = iter(range(10**9))
        r, n = rate(lambda params=params, policies=policies, seeds=seeds: play_game(
            GameSpec(params, seed=next(seeds)), policies), args.seconds)
        print(f"  {t:10s} {r:8.1f} games/s  ({n} games)")


if __name__ == "__main__":
    main()
