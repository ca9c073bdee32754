"""A PettingZoo ParallelEnv whose fixed seats are econlab policies and whose agents are the learning seats only.

:class:`FixedSeatEnv` plays the game exactly as :func:`econlab.eval.runner.play_game` does (the same
game for a seed: values, signals, the order of actions in a tick), with every non-learning seat
occupied by any econlab policy built from its seat spec (scripted, ``llm:...`` from the cache or live,
``rl:PATH`` frozen checkpoints). Agents are ``player_<seat>`` of the learning seats.

* Observation of an agent: ``Dict(action_mask=Box(0, 1, (N_ACTIONS,)), observations=Box(F))``, the
  menu mask of :mod:`econlab.training.menu` and the feature vector of :mod:`econlab.training.features`,
  both computed from the seat's view (the form RLlib's action-masking module expects).
* Action: ``Discrete(N_ACTIONS)``, an entry of the menu; a masked entry is turned into a no-op and
  counted in ``infos[agent]["masked"]``.
* Steps: the env stops only where some learning seat has a real choice (an entry besides ``noop``);
  ticks in which none has one are played through inside ``step``/``reset`` with the learning seats
  idle. Every agent observes at every stop (PettingZoo's contract; one without a choice gets a
  noop-only mask). Rewards (round profit / the role's ``reward_scale_factor`` x ``reward_scale``)
  accumulate and are paid at the next stop; when the game ends every agent gets a final observation
  with ``terminations`` True.
* Failing opponents: a fixed seat's policy that raises loses that action (as in the runner), and the
  failure is counted per opponent seat: ``infos[agent]["opponent_errors"]`` and
  ``["opponent_decisions"]`` (``{seat: count}`` since the env was made) and :attr:`FixedSeatEnv.opponent_stats`.
  When an opponent has failed more than ``max_opponent_error_rate`` of its decisions (counted over at
  least :data:`MIN_DECISIONS_FOR_RATE` decisions, so that the first failures of a broken opponent stop the
  run early too) the env raises a ``RuntimeError`` naming the seat, its policy and the last error, so
  that training stops instead of learning against an opponent that does nothing.
* Seeds: ``reset(seed=s)`` plays game seed ``s`` (with ``session_from_seed``: lab session ``1 + s % 11``);
  ``reset()`` draws the next seed from the env's generator (seeded by ``seed``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from econlab.eval.scenario import Scenario
from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.spec import GameSpec, make_game
from econlab.games.ibex.state import make_players
from econlab.games.ibex.view import SeatView, view
from econlab.policies.base import Policy, PolicyState, StopRun
from econlab.training import features as ft
from econlab.training import menu

AgentID = str
#: the error share of an opponent is taken over at least this many decisions
MIN_DECISIONS_FOR_RATE = 20


def agent_id(seat: int) -> AgentID:
    """The agent name of a seat (as in :mod:`econlab.envs`)."""
    return f"player_{seat}"


class MenuSpace(spaces.Discrete):
    """``Discrete(N_ACTIONS)`` whose ``sample(mask=...)`` also takes the observation's float 0/1 mask."""

    def sample(self, mask: Any = None, probability: Any = None) -> np.int64:
        """A uniformly drawn entry (among the allowed ones when ``mask`` is given)."""
        if mask is not None:
            mask = (np.asarray(mask) > 0).astype(np.int8)
        return super().sample(mask=mask, probability=probability)


class FixedSeatEnv(ParallelEnv[AgentID, dict[str, np.ndarray], int]):
    """See the module docstring."""

    metadata: dict[str, Any] = {"name": "econlab-fixed-seat-v0", "render_modes": [], "is_parallelizable": True}

    def __init__(self, scenario: Scenario, learn: Sequence[int], *, session_from_seed: bool = True,
                 seed: int | None = None, reward_scale: float = 1.0,
                 policies: Mapping[int, Policy] | None = None, max_opponent_error_rate: float = 0.05) -> None:
        """Create the env.

        Args:
            scenario: Game set-up and the specs of the fixed seats (the learning seats' entries are ignored).
            learn: The learning seats (seat numbers).
            session_from_seed: Play lab session ``1 + seed % 11`` in each game (else the scenario's session).
            seed: Seed of the generator of episode seeds used by ``reset()`` without a seed.
            reward_scale: Factor on the rewards.
            policies: Ready-made fixed-seat policies by seat (override the scenario's specs).
            max_opponent_error_rate: Largest share of failed decisions an opponent may have (module docstring).

        Raises:
            ValueError: Voting, an unknown or repeated learning seat, or no learning seat.
        """
        if scenario.treatment == "voting":
            raise ValueError("learning seats cover Harberger and Futarchy only, not Voting")
        assignment = scenario.assignment()
        learn = [int(s) for s in learn]
        if not learn or len(set(learn)) != len(learn) or any(s not in assignment for s in learn):
            raise ValueError(f"learn must name distinct seats of {sorted(assignment)}, got {learn}")
        if not (reward_scale > 0):
            raise ValueError(f"reward_scale must be > 0, got {reward_scale}")
        if not 0.0 <= max_opponent_error_rate <= 1.0:
            raise ValueError(f"max_opponent_error_rate must be between 0 and 1, got {max_opponent_error_rate}")
        self.max_opponent_error_rate = float(max_opponent_error_rate)
        self.scenario, self.learn = scenario, learn
        self.session_from_seed, self.reward_scale = session_from_seed, float(reward_scale)
        self.params = scenario.game_params()
        fixed_specs = {s: spec for s, spec in assignment.items() if s not in learn}
        given = dict(policies or {})
        missing = {s: spec for s, spec in fixed_specs.items() if s not in given}
        if missing:
            from econlab.policies.llm import LLMConfig, PolicyFactory

            given |= PolicyFactory(LLMConfig.model_validate(scenario.llm)).build(missing)
        self.fixed: dict[int, Policy] = {s: given[s] for s in fixed_specs}
        self._opp_decisions = dict.fromkeys(self.fixed, 0)
        self._opp_errors = dict.fromkeys(self.fixed, 0)
        self._opp_last_error: dict[int, str] = {}
        self.possible_agents = [agent_id(s) for s in learn]
        self.agents: list[AgentID] = []
        self._seat = {agent_id(s): s for s in learn}
        players = make_players(self.params.owners.count, self.params.speculators.count)
        self._roles = {p.number: p.role for p in players}
        self._n_features = ft.n_features(sum(1 for p in players if p.lot is not None))
        self._obs_space = spaces.Dict({
            "action_mask": spaces.Box(0.0, 1.0, (menu.N_ACTIONS,), np.float32),
            "observations": spaces.Box(-ft.CLIP, ft.CLIP, (self._n_features,), np.float32),
        })
        self._act_space = MenuSpace(menu.N_ACTIONS)
        self._idle = np.zeros(menu.N_ACTIONS, dtype=np.float32)
        self._idle[menu.NOOP] = 1.0
        self._seeds = np.random.default_rng(seed)
        self.episode_seed: int | None = None
        self.game: Any = None

    def observation_space(self, agent: AgentID) -> spaces.Space[Any]:
        """Observation space of a learning agent."""
        return self._obs_space

    def action_space(self, agent: AgentID) -> spaces.Space[Any]:
        """Action space of a learning agent (the menu)."""
        return self._act_space

    # ------------------------------------------------------------------ API
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[AgentID, dict[str, np.ndarray]], dict[AgentID, dict[str, Any]]]:
        """Start a game (``seed``: the game seed; ``None``: the next seed of the env's generator)."""
        if seed is None:
            seed = int(self._seeds.integers(0, 2**31 - 1))
        if isinstance(seed, bool) or int(seed) < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        seed = int(seed)
        self.episode_seed = seed
        params = self.params.replace(session_number=1 + seed % 11) if self.session_from_seed else self.params
        sc = self.scenario
        spec = GameSpec(params=params, seed=seed, values=sc.values, market_ticks=sc.market_ticks,
                        chat_ticks=sc.chat_ticks, compat=sc.compat)
        self.game = make_game(spec)
        self.scheduler = Scheduler(spec.market_ticks, spec.chat_ticks)
        self._tick_rng = np.random.default_rng([seed, 7])  # the runner's tick order for this seed
        self._states: dict[int, PolicyState] = {s: p.initial_state(s, seed) for s, p in self.fixed.items()}
        self._pending = dict.fromkeys(self.possible_agents, 0.0)
        self._rewarded = 0
        self.masked = 0
        self.agents = list(self.possible_agents)
        self.game.start()
        self.scheduler.advance(self.game)
        self._calls = dict.fromkeys(self.learn, 0)
        obs, _ = self._advance({}, play_first=False)
        return obs, {a: self._opponent_info() for a in obs}

    def step(self, actions: Mapping[AgentID, Any]) -> tuple[
            dict[AgentID, dict[str, np.ndarray]], dict[AgentID, float], dict[AgentID, bool],
            dict[AgentID, bool], dict[AgentID, dict[str, Any]]]:
        """Apply the learning agents' menu choices, then play on to their next choice or the game's end."""
        if self.game is None:
            raise RuntimeError("call reset() before step()")
        if not self.agents:
            return {}, {}, {}, {}, {}
        chosen: dict[int, Any] = {}
        for agent, a in actions.items():
            seat = self._seat.get(agent)
            if seat is None:
                raise ValueError(f"unknown agent {agent!r}; agents: {self.possible_agents}")
            if a is None:
                continue
            index = int(np.asarray(a).reshape(-1)[0])
            v = self._views.get(seat)
            if v is None or not self._masks[seat][index]:
                if index == menu.NOOP:
                    continue
                self.masked += 1
                continue
            # the same generator an RLPolicy in the runner uses for this decision (seed, seat, its call count)
            chosen[seat] = menu.to_action(v, index, PolicyState(seat, self.episode_seed or 0, self._calls[seat]).rng())
        obs, done = self._advance(chosen, play_first=True)
        rewards = {a: self._pending[a] for a in obs}
        for a in obs:
            self._pending[a] = 0.0
        terms = dict.fromkeys(obs, done)
        truncs = dict.fromkeys(obs, False)
        infos = {a: {"masked": self.masked} | self._opponent_info() for a in obs}
        if done:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def render(self) -> None:
        """No rendering."""
        return None

    def close(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------ internals
    def _advance(self, chosen: dict[int, Any], *, play_first: bool
                 ) -> tuple[dict[AgentID, dict[str, np.ndarray]], bool]:
        """Play ticks (``chosen`` in the first) until a learning seat has a choice or the game is over.

        ``play_first``: play a tick before looking for choices (in ``step``: the learners have just chosen).
        """
        game, sched = self.game, self.scheduler
        obs: dict[AgentID, dict[str, np.ndarray]] = {}
        while True:
            if not play_first:
                obs = self._choices()
                if obs or game.over:
                    break
            play_first = False
            actions: dict[int, Any] = dict(chosen)
            chosen = {}
            deciders = sched.deciders(game)
            for seat in deciders:
                if seat in self._calls:
                    self._calls[seat] += 1  # counted after the choice: the runner's PolicyState.step
                if seat in self.fixed:
                    self._opp_decisions[seat] += 1
                    try:
                        actions[seat], self._states[seat] = self.fixed[seat].act(view(game, seat),
                                                                                 self._states[seat])
                    except StopRun:  # an LLM opponent's budget is spent: stop, do not learn against fallbacks
                        raise
                    except Exception as exc:  # noqa: BLE001 - a failing policy loses its action, as in the runner
                        actions[seat] = None
                        self._opponent_failed(seat, exc)
            sched.step(game, actions, self._tick_rng)
            self._collect_rewards()
        if game.over:
            obs = {agent_id(s): self._observe(s, view(game, s), 0.0) for s in self.learn}
        return obs, bool(game.over)

    @property
    def opponent_stats(self) -> dict[int, dict[str, Any]]:
        """Per fixed seat: its policy, decisions, failures and the last failure (since the env was made)."""
        return {s: {"policy": self.fixed[s].name, "decisions": self._opp_decisions[s],
                    "errors": self._opp_errors[s], "last_error": self._opp_last_error.get(s)} for s in self.fixed}

    def _opponent_info(self) -> dict[str, Any]:
        return {"opponent_errors": dict(self._opp_errors), "opponent_decisions": dict(self._opp_decisions)}

    def _opponent_failed(self, seat: int, exc: Exception) -> None:
        """Count a failure; raise when the opponent's failure share is over the limit (module docstring)."""
        self._opp_errors[seat] += 1
        self._opp_last_error[seat] = f"{type(exc).__name__}: {exc}"
        errors, decisions = self._opp_errors[seat], self._opp_decisions[seat]
        if errors > self.max_opponent_error_rate * max(decisions, MIN_DECISIONS_FOR_RATE):
            raise RuntimeError(f"opponent seat {seat} ({self.fixed[seat].name}) failed {errors} of its {decisions} "
                               f"decisions (more than {self.max_opponent_error_rate:.0%} allowed); last error: "
                               f"{self._opp_last_error[seat]}") from exc

    def _choices(self) -> dict[AgentID, dict[str, np.ndarray]]:
        """Observations of every learning seat if at least one has a real choice now, else ``{}``."""
        game, sched = self.game, self.scheduler
        self._views: dict[int, SeatView] = {}
        self._masks: dict[int, np.ndarray] = {}
        if game.over:
            return {}
        deciders = set(sched.deciders(game))
        tick = sched.tick_in_phase / max(1, sched.ticks_in(game))
        views = {s: view(game, s) for s in self.learn}
        for s in self.learn:
            mask = menu.action_mask(views[s]) if s in deciders else self._idle
            if mask.sum() > 1:
                self._views[s], self._masks[s] = views[s], mask
        if not self._views:
            return {}
        # every live agent observes (PettingZoo's contract); one without a choice gets a noop-only mask
        return {agent_id(s): {"action_mask": self._masks.get(s, self._idle),
                              "observations": ft.features(views[s], tick)} for s in self.learn}

    def _observe(self, seat: int, v: SeatView, tick: float) -> dict[str, np.ndarray]:
        return {"action_mask": self._idle, "observations": ft.features(v, tick)}

    def _collect_rewards(self) -> None:
        results = self.game.results
        while self._rewarded < len(results) and results[self._rewarded].profits:
            r = results[self._rewarded]
            for s in self.learn:
                factor = float(self.params.role(self._roles[s]).reward_scale_factor)
                self._pending[agent_id(s)] += float(r.profits.get(s, 0.0)) / factor * self.reward_scale
            self._rewarded += 1
