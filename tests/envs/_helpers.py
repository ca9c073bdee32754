"""Shared helpers of the env tests: small games and random masked play."""

from __future__ import annotations

from typing import Any

import numpy as np

from econlab.envs import KINDS, IbexEnv, make

ENV_IDS = ("harberger-v0", "futarchy-v0", "voting-v0")
#: small, fast options for every env
FAST: dict[str, Any] = {"rounds": 1, "market_ticks": 3, "chat_ticks": 1}
KIND = {k: i for i, k in enumerate(KINDS)}


def small(name: str, **options: Any) -> IbexEnv:
    """An env with the fast options (overridable)."""
    return make(name, **{**FAST, **options})


def masked_random(env: IbexEnv, obs: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """One random action per live agent: a kind uniform among the allowed ones, random parameters."""
    out = {}
    for agent in env.agents:
        space = env.action_space(agent)
        act = {k: s.sample() for k, s in space.spaces.items()}
        allowed = np.flatnonzero(obs[agent]["action_mask"])
        act["kind"] = int(rng.choice(allowed))
        out[agent] = act
    return out


def noop(env: IbexEnv) -> dict[str, Any]:
    """A no-op for every live agent."""
    return {a: {"kind": 0} for a in env.agents}


def seed_spaces(env: IbexEnv, seed: int) -> None:
    """Seed every action space (parameters of sampled actions)."""
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + i)


def play(env: IbexEnv, seed: int, record: bool = False) -> dict[str, Any]:
    """A whole game with random masked actions; returns rewards, steps and (optionally) the trajectory."""
    obs, infos = env.reset(seed=seed)
    seed_spaces(env, seed)
    rng = np.random.default_rng(seed)
    total = dict.fromkeys(env.possible_agents, 0.0)
    traj: list[Any] = [obs] if record else []
    steps = 0
    while env.agents:
        obs, rew, term, trunc, infos = env.step(masked_random(env, obs, rng))
        steps += 1
        for a, r in rew.items():
            total[a] += r
        if record:
            traj.append((obs, rew, term, {a: i["rejected"] for a, i in infos.items()}))
    return {"rewards": total, "steps": steps, "traj": traj}
