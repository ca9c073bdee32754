"""Env speed: agent-steps per second and full games per second through the IBEX PettingZoo envs.

Run: ``.venv/bin/python benchmarks/bench_env.py [--seconds 5] [--rounds 5] [--env harberger-v0]
[--info-view true|false]``. Prints figures; asserts nothing.

Every live agent takes a random masked action at every step (a kind uniform among the allowed ones,
parameters uniform in their spaces, drawn with one numpy generator rather than gymnasium's slower
per-space ``sample``). ``agent-steps/s`` = live agents x ``step()`` calls / seconds spent inside
``step()`` (action sampling excluded); ``games/s`` counts whole games (reset, sampling and steps) in
wall time. Each treatment is measured with ``info_view=True`` (default: the ``SeatView`` objects in
infos) and ``info_view=False``. On a shared machine the figures vary by 10-20 % from run to run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.envs import IbexEnv, make

ENV_IDS = ("harberger-v0", "futarchy-v0", "voting-v0")


def _sampler(space: spaces.Space[Any]) -> Callable[[np.random.Generator], Any]:
    """A uniform sampler of one action key (what ``space.sample()`` draws, without its overhead)."""
    if isinstance(space, spaces.Box):
        low, high, shape = space.low.astype(np.float64), space.high.astype(np.float64), space.shape
        return lambda rng: rng.uniform(low, high, shape).astype(np.float32)
    if isinstance(space, spaces.Discrete):
        n, start = int(space.n), int(space.start)
        return lambda rng: start + int(rng.integers(n))
    if isinstance(space, spaces.MultiBinary):
        shape = space.shape
        return lambda rng: rng.integers(0, 2, shape, dtype=np.int8)
    return lambda rng: space.sample()


def _actions(env: IbexEnv, obs: dict, rng: np.random.Generator,
             samplers: dict[str, Callable[[np.random.Generator], Any]]) -> dict:
    out = {}
    for agent in env.agents:
        act = {k: f(rng) for k, f in samplers.items()}
        allowed = np.flatnonzero(obs[agent]["action_mask"])
        act["kind"] = int(allowed[rng.integers(len(allowed))])
        out[agent] = act
    return out


def bench(name: str, seconds: float, **options: object) -> dict[str, float]:
    """Play random games for about ``seconds`` and return the figures."""
    env = make(name, **options)
    space = env.action_space(env.possible_agents[0])
    samplers = {k: _sampler(s) for k, s in space.spaces.items()}  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    games = steps = agent_steps = 0
    in_step = 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or games == 0:
        obs, _ = env.reset(seed=games)
        while env.agents:
            acts = _actions(env, obs, rng, samplers)
            n = len(env.agents)
            t0 = time.perf_counter()
            obs, *_ = env.step(acts)
            in_step += time.perf_counter() - t0
            steps += 1
            agent_steps += n
        games += 1
    wall = time.perf_counter() - start
    return {"games": games, "steps_per_game": steps / games, "agent_steps_per_s": agent_steps / in_step,
            "steps_per_s": steps / in_step, "games_per_s": games / wall}


def main() -> None:
    """Print the figures of every treatment."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--market-ticks", type=int, default=20)
    ap.add_argument("--chat-ticks", type=int, default=2)
    ap.add_argument("--env", choices=ENV_IDS, action="append", help="env(s) to measure (default: all)")
    ap.add_argument("--info-view", choices=("true", "false"), action="append",
                    help="info_view setting(s) to measure (default: both)")
    args = ap.parse_args()
    info_views = [v == "true" for v in args.info_view] if args.info_view else [True, False]
    print(f"random masked actions; rounds={args.rounds} market_ticks={args.market_ticks} "
          f"chat_ticks={args.chat_ticks}; {args.seconds:g} s per line")
    print(f"{'env':<14} {'info_view':>9} {'games':>6} {'steps/game':>10} {'steps/s':>9} "
          f"{'agent-steps/s':>14} {'games/s':>8}")
    for name in args.env or ENV_IDS:
        for info_view in info_views:
            r = bench(name, args.seconds, rounds=args.rounds, market_ticks=args.market_ticks,
                      chat_ticks=args.chat_ticks, info_view=info_view)
            print(f"{name:<14} {info_view!s:>9} {r['games']:>6} {r['steps_per_game']:>10.1f} "
                  f"{r['steps_per_s']:>9.1f} {r['agent_steps_per_s']:>14.0f} {r['games_per_s']:>8.2f}")


if __name__ == "__main__":
    main()
