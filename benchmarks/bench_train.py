"""Training-side speed: fixed-seat env steps per second, and a checkpoint policy's decision latency.

Run: ``.venv/bin/python benchmarks/bench_train.py [--seconds 3] [--checkpoint RUN_OR_CHECKPOINT]``.
Prints figures; asserts nothing. The env figure uses masked uniform menu choices for speculator seat 7
among ``strategic`` players (2 rounds, 10 market ticks); PPO's own cost (sampling overhead, SGD) comes
on top and is printed per iteration by ``econlab train``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from econlab.eval.scenario import Scenario
from econlab.training.fixed_seat_env import FixedSeatEnv


def bench_env(seconds: float) -> None:
    """Env steps and episodes per second."""
    for treatment in ("harberger", "futarchy"):
        sc = Scenario(treatment=treatment, rounds=2, market_ticks=10, practice_round=False, default="strategic")
        env = FixedSeatEnv(sc, [7], seed=0)
        rng = np.random.default_rng(0)
        steps = episodes = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            obs, _ = env.reset()
            while env.agents:
                obs, *_ = env.step({a: int(rng.choice(np.flatnonzero(o["action_mask"]))) for a, o in obs.items()})
                steps += 1
            episodes += 1
        wall = time.perf_counter() - start
        print(f"{treatment:9s} fixed-seat env: {steps / wall:8.0f} learner steps/s, {episodes / wall:6.1f} games/s")


def bench_policy(checkpoint: str, seconds: float) -> None:
    """Decision latency of an ``rl:`` policy (loading excluded)."""
    from econlab.training.rl_policy import make_rl_policy

    policy = make_rl_policy(f"rl:{checkpoint}")
    env = FixedSeatEnv(Scenario(treatment="harberger", rounds=2, market_ticks=10, practice_round=False), [7])
    obs, _ = env.reset(seed=0)
    o = obs["player_7"]
    policy.choose(o["observations"], o["action_mask"], np.random.default_rng(0))  # load the module
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        policy.choose(o["observations"], o["action_mask"], np.random.default_rng(0))
        n += 1
    print(f"rl policy: {1e6 * (time.perf_counter() - start) / n:8.1f} us per decision (forward pass + mask)")


def main() -> None:
    """Parse the options and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--checkpoint", default=None, help="a run or checkpoint folder of econlab train")
    args = ap.parse_args()
    bench_env(args.seconds)
    if args.checkpoint:
        bench_policy(args.checkpoint, args.seconds)


if __name__ == "__main__":
    main()
