"""PettingZoo ParallelEnvs of the IBEX game: ``harberger-v0``, ``futarchy-v0``, ``voting-v0``.

Create one with ``econlab.make(name, **options)``. Agents are ``player_1`` ... ``player_12``
(Voting: ``player_1`` ... ``player_6``), the lab's seat numbers: seat 2 is the developer, seats 1
and 3-6 the owners, seats 7-12 the speculators.

Options (:class:`~econlab.envs.config.EnvConfig`)
-------------------------------------------------

| option | default | meaning |
|---|---|---|
| `seed` | `None` | seed of the first `reset()` without a seed (`None`: OS entropy) |
| `session` | 1 | lab session 1..11: values and signals of `econlab.games.ibex.data.session_table(session)` |
| | | (default: `params.session_number` when `params` is given) |
| `values` | `"session"` | `"uniform"`: seeded draws (`econlab.games.ibex.UniformValues`); excludes `session` |
| `rounds` | 5 | paid rounds, 1..5 |
| `practice_round` | `False` | play the unpaid practice round 0 first |
| `market_ticks` | 20 | decision ticks of the market phase (Harberger, Futarchy) |
| `chat_ticks` | 2 | decision ticks of each chat phase (Voting; 0 skips chat) |
| `compat` | `"strict"` | `"server"`: the lab server's arithmetic (the engine then rejects nothing) |
| `params` | lab default | a full `econlab.games.ibex.GameParams` (`rounds`, `practice_round`, `session` win) |
| `info_view` | `True` | `False`: no `view` in infos (`env.seat_view(agent)` still gives it) |
| `render_mode` | `None` | no rendering is offered |

Seeding and ticks
-----------------
`reset(seed=s)` creates the game with `rng = numpy.random.default_rng(s)` (values, generated
signals, paid-round draw) and the order of actions within a tick with `rng.spawn(1)[0]`. `reset()`
without a seed uses the `seed` option the first time, then a deterministic chain of seeds derived
from the previous episode's seed (`env.episode_seed`). `options` of `reset` is ignored.

The game is driven only by `econlab.games.ibex.schedule.Scheduler`: phases where nobody decides
(ready, presentation, reconciliation, signals, results) pass without a step; each decision phase
(declare, snipe, request, offer, vote) is one `step()`; the market is `market_ticks` steps and each
chat phase `chat_ticks` steps. Every live agent gets an observation at every step; seats that
cannot act get a mask allowing only `noop`. Actions of one tick are applied in a seeded random order.

Scales
------
`cap[role][c] = 2 * high` (the declaration cap of the role under condition c); `V` = the largest
cap; `P` (price scale) = `max_c(sum over lots of the holder role's high bound under c) * tau2 / 10000`
(14 850 points with the lab defaults: the dividend per share if every lot were declared at its high
bound); `B[role]` = the role's initial cash; `S` = all tax shares held by players (90);
`A` = the developer's high bound under Project (2 750 000, Voting amounts). Observations are float32
and clipped into their Box.

Observation arrays are read-only (`arr.flags.writeable` is `False`; copy one to change it). Keys
that are equal for every seat at a step (`phase`, `round`, `tick`, `boundaries`, and in
Harberger/Futarchy `first_declarations`, `second_declarations`, `winning_condition`,
`public_signal`, `trades`) are the same array object in all agents' observations; `seat` and
`role` are the same object at every step; every other key is the agent's own array (no two agents'
arrays share memory, and a step never changes the arrays of an earlier observation). Each
observation dict is the agent's own and ordered as its space.

Observation (`Dict`)
--------------------

| key | shape | meaning and scale |
|---|---|---|
| `phase` | (n_phases,) | one-hot phase (10 phases; Voting 8) |
| `round` | (2,) | round / paid rounds, 1 if practice round |
| `tick` | (1,) | ticks already played in this phase / ticks of the phase |
| `seat`, `role` | (N,), (3,) | one-hot seat; one-hot role (speculator, developer, owner) |
| `my_values` | (2,) | own true values / cap (holders; 0 for speculators) |
| `boundaries` | (2, 2, 2) | value ranges [developer, owner][condition][low, high] / V |
| `last_round` | (4,) | last finished round: flag, one-hot condition, own paid profit in euros / 100 |
| `action_mask` | (12,) | int8, allowed action kinds (see below) |
| `my_declaration` | (3,) | own current declaration d0, d1 / cap, declared flag |
| `first_declarations` | (n_lots, 3) | published first declarations, row = lot id - 1: d0, d1 / cap, flag |
| `second_declarations` | (n_lots, 3) | same for the second declarations (published in phase 8) |
| `winning_condition` | (2,) | one-hot once known (Harberger: phase 3, Futarchy: after the market) |
| `my_signals`, `public_signal` | (2,), (2,) | private and public signals per condition / P (from phase 5) |
| `wallet` | (2, 3) | per condition: cash / B[role], shares / S, flag (Harberger: winning condition only) |
| `book` | (2, 7) | per open book: best bid / P, best ask / P, has bid, has ask, own bids / 16, |
| | | own asks / 16, open flag (market phase only) |
| `trades` | (2, 4) | per condition: last price / P, its median of the last 7 / P, traded flag, trades / 100 |
| `my_request` | (2,) | Voting: own request / A, sent flag |
| `requests` | (n_owners, 2) | Voting, developer from phase 4: each owner's request / A, known flag |
| `offer` | (2,) | Voting: the offer / A, known flag (owners from phase 5, the developer once sent) |
| `my_vote` | (3,) | Voting: one-hot abstain / no / yes once cast (cleared when the round ends) |
| `outcome` | (5,) | Voting results: one-hot w, tally / n_owners, own value / cap, compensation / (A*payers) |
| | | (shown in the results phase, which passes without a step: only the final observation has it) |
| `inbox` | (N, 8) | Voting: last canned message from each seat in this round (own row: own last message) |

Harberger and Futarchy observations have the market keys, Voting the Voting keys.

Action (`Dict`) and mask
------------------------

| key | space | meaning |
|---|---|---|
| `kind` | Discrete(12) | 0 noop, 1 declare, 2 snipe, 3 bid, 4 ask, 5 market bid, 6 market ask, 7 cancel, |
| | | 8 request, 9 offer, 10 vote, 11 chat (`econlab.envs.KINDS`) |
| `declaration` | Box(0, 1, (2,)) | declared value per condition as a fraction of cap (rounded to points) |
| `snipe` | MultiBinary((2, n_lots)) | [condition, lot]: challenge lot id lot + 1 (Harberger: winning row) |
| `price` | Box(0, 2, (1,)) | limit price / P (rounded); market orders take the best counterpart price |
| `condition` | Discrete(2) | the book of an order or cancel (ignored when one book is open) |
| `cancel` | Discrete(16) | index into own resting orders of the book, by id (larger: the newest) |
| `amount` | Box(0, 1, (1,)) | request / offer x as a fraction of A (`Request([None, x])`, `Offer(...)`) |
| `vote` | Discrete(3) | abstain `[]`, no `[0]`, yes `[1]` |
| `chat_to`, `chat_msg` | MultiBinary(N), Discrete(8) | recipients (own bit ignored); canned message index |

`action_mask[k] = 1` only if kind k is legal now for the seat: the engine accepts its message type
(`view.accepted`), the seat has not yet declared / sniped / requested / voted in this phase, cash and
share commitments allow a bid (at price 0) or an ask (`orderbook.commitment_refusal`), a market
order has a counterpart of another seat (a market bid: and the free cash for its price), and a
cancel has an own resting order (with two books: in at least one). `noop` is always allowed. The
mask does not depend on parameters: a limit bid above the free cash, or an order that another
seat's earlier action in the same tick made impossible, is rejected by the engine. A masked kind,
or parameters that make the action illegal, turn the action into a no-op and
`infos[agent]["rejected"]` records
`{kind, field, reason, source}` (`source`: `mask`, `decode`, `engine`, or `phase_ended` when the
phase completed before the seat's turn in the tick). A missing agent or `None` is a no-op.

Rewards, termination, infos
---------------------------
When a round ends, each agent receives its paid round profit (`game.results[r].profits[seat]`,
points, without base points) divided by its role's `reward_scale_factor` (euros); otherwise 0.
The practice round is rewarded the same way (it is not paid in the lab; leave it off or discount
it). When the game is over, all terminations are `True`, truncations stay `False`, and `agents`
becomes `[]`. `infos[agent]` = `{view, round, phase, phase_name, rejected, round_ended,
round_profit_points}` (the last two are `None` unless a round ended in this step; `view` only with
`info_view=True`): `view` is the agent's `econlab.games.ibex.view.SeatView` at the observation, the very
view its observation was encoded from (treat it as read-only; `view.to_dict()` gives JSON-compatible
data). `env.seat_view(agent)` returns the same object, also with `info_view=False`, for scripted or
LLM policies sharing the env.
The env, game state included, survives a `pickle` round trip.

Version history
---------------
* v0: initial. Observations and masks are unchanged by the speed-up that made observation arrays
  read-only (shared where public) and put the `SeatView` object (not its dict) in `infos`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from econlab.envs.actions import Rejection, decode, engine_rejection, kind_of, rejection
from econlab.envs.config import EnvConfig
from econlab.envs.encode import Decision, Encoder, num
from econlab.envs.spaces import KINDS, Scales, action_space, observation_space
from econlab.games.ibex import Game, new_game
from econlab.games.ibex.params import Treatment
from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.view import SeatView

AgentID = str
Obs = dict[str, np.ndarray]


class IbexEnv(ParallelEnv[AgentID, Obs, dict[str, Any]]):
    """Base class of the three IBEX envs (see the module docstring); subclasses set ``treatment``."""

    treatment: ClassVar[Treatment]
    metadata: ClassVar[dict[str, Any]] = {"name": "ibex", "render_modes": [], "is_parallelizable": True}

    def __init__(self, render_mode: str | None = None, **options: Any) -> None:
        """Create the env; options as in the module docstring (``ValueError`` for bad ones)."""
        if render_mode is not None:
            raise ValueError(f"render_mode must be None (no rendering is offered), got {render_mode!r}")
        self.render_mode = render_mode
        self.config = EnvConfig.from_options(self.treatment, **options)
        self.params = self.config.game_params()
        self.values = self.config.value_source(self.params)
        self.scales = Scales.from_params(self.params)
        self.possible_agents: list[AgentID] = [f"player_{s}" for s in range(1, self.scales.n_players + 1)]
        self.agents: list[AgentID] = []
        self._seat = {a: i + 1 for i, a in enumerate(self.possible_agents)}
        self._obs_spaces = {a: observation_space(self.scales) for a in self.possible_agents}
        self._act_spaces = {a: action_space(self.scales) for a in self.possible_agents}
        self.game: Game | None = None
        self.scheduler: Scheduler | None = None
        self.episode_seed: int | None = None
        self._order_rng: np.random.Generator | None = None
        self._rewarded = 0
        self._encoder = Encoder(self.scales, observation_space(self.scales))
        self._last: dict[int, Decision] = {}
        self._views: dict[int, SeatView] = {}
        self._obs_version: int | None = None

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: AgentID) -> spaces.Space[Any]:
        """The observation space of ``agent`` (the same object on every call)."""
        if agent not in self._obs_spaces:
            raise ValueError(f"unknown agent {agent!r}; agents are {self.possible_agents}")
        return self._obs_spaces[agent]

    def action_space(self, agent: AgentID) -> spaces.Space[Any]:
        """The action space of ``agent`` (the same object on every call)."""
        if agent not in self._act_spaces:
            raise ValueError(f"unknown agent {agent!r}; agents are {self.possible_agents}")
        return self._act_spaces[agent]

    # ------------------------------------------------------------------ API
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[AgentID, Obs], dict[AgentID, dict[str, Any]]]:
        """Start a new game (see "Seeding and ticks" in the module docstring).

        Args:
            seed: The episode seed (a non-negative int), or ``None``.
            options: Ignored.

        Returns:
            Observations and infos of every agent at the first decision point.
        """
        self.episode_seed = self._next_seed(seed)
        rng = np.random.default_rng(self.episode_seed)
        self._order_rng = rng.spawn(1)[0]
        self.game = new_game(self.params, self.values, rng, compat=self.config.compat)
        self.scheduler = Scheduler(market_ticks=self.config.market_ticks, chat_ticks=self.config.chat_ticks)
        self.game.start()
        self.scheduler.advance(self.game)
        self._rewarded = 0
        self.agents = list(self.possible_agents)
        return self._observe({}, {})

    def step(self, actions: Mapping[AgentID, Any]) -> tuple[
            dict[AgentID, Obs], dict[AgentID, float], dict[AgentID, bool], dict[AgentID, bool],
            dict[AgentID, dict[str, Any]]]:
        """Play one tick: every live agent's action (missing or ``None``: no-op).

        Returns:
            Observations, rewards, terminations, truncations and infos of the agents live before the step.
        """
        if self.game is None or self.scheduler is None or self._order_rng is None:
            raise RuntimeError("call reset() before step()")
        if not self.agents:
            return {}, {}, {}, {}, {}
        unknown = sorted(set(actions) - set(self.agents))
        if unknown:
            raise ValueError(f"actions for agents that are not live: {unknown}; live: {self.agents}")
        rejected: dict[int, Rejection] = {}
        kinds: dict[int, str] = {}
        engine_actions = {}
        sc, last = self.scales, self._last
        for agent in self.agents:
            seat = self._seat[agent]
            action = actions.get(agent)
            k = kind_of(action)
            act, rej = decode(action, last[seat], sc, k)
            if rej is not None:
                rejected[seat] = rej
            if act is not None:
                engine_actions[seat] = act
                kinds[seat] = KINDS[k]
        out = self.scheduler.step(self.game, engine_actions, self._order_rng)
        applied = {s for s, _ in out.applied}
        for seat in engine_actions:
            if seat in out.rejected:
                rejected[seat] = engine_rejection(kinds[seat], out.rejected[seat])
            elif seat not in applied:
                rejected[seat] = rejection(kinds[seat], "phase", "the phase ended before this action's turn",
                                           "phase_ended")
        rewards, points, ended = self._round_rewards()
        obs, infos = self._observe(rejected, points, ended)
        done = self.game.over
        terminations = dict.fromkeys(self.agents, done)
        truncations = dict.fromkeys(self.agents, False)
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def seat_view(self, agent: AgentID) -> SeatView:
        """The :class:`~econlab.games.ibex.view.SeatView` of ``agent`` at its last observation (treat it as read-only).

        It is the view the agent's last observation was encoded from (also with ``info_view=False``).

        Raises:
            ValueError: Unknown agent, or no observation yet.
            RuntimeError: The game was changed outside ``step()`` since the last observation.
        """
        seat = self._seat.get(agent)
        if seat is None or seat not in self._last:
            raise ValueError(f"no observation of {agent!r} yet (agents: {self.possible_agents})")
        v = self._views.get(seat)
        if v is None:
            assert self.game is not None
            if self.game.version != self._obs_version:
                raise RuntimeError("the game changed since the last observation; its view is gone")
            v = self._views[seat] = self._encoder.view(self.game, seat)
        return v

    def render(self) -> None:
        """No rendering is offered (``render_mode`` is always ``None``)."""
        return None

    def close(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------ helpers
    def _next_seed(self, seed: int | None) -> int:
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
                raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
            return int(seed)
        if self.episode_seed is None:
            if self.config.seed is not None:
                return self.config.seed
            return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        state = np.random.SeedSequence(self.episode_seed, spawn_key=(1,)).generate_state(2, np.uint32)
        return int(state[0]) << 32 | int(state[1])

    def _round_rewards(self) -> tuple[dict[AgentID, float], dict[int, Any], int | None]:
        """Rewards of the rounds that ended since the last step: euros per agent, raw points per seat."""
        assert self.game is not None
        rewards = dict.fromkeys(self.agents, 0.0)
        points: dict[int, Any] = {}
        ended: int | None = None
        results = self.game.results
        while self._rewarded < len(results) and results[self._rewarded].profits:
            r = results[self._rewarded]
            ended = r.round
            for agent in self.agents:
                seat = self._seat[agent]
                factor = self.params.role(self.scales.seat_roles[seat - 1]).reward_scale_factor
                profit = r.profits.get(seat)
                rewards[agent] += num(profit) / float(factor)
                points[seat] = profit
            self._rewarded += 1
        return rewards, points, ended

    def _observe(self, rejected: Mapping[int, Rejection], points: Mapping[int, Any], ended: int | None = None
                 ) -> tuple[dict[AgentID, Obs], dict[AgentID, dict[str, Any]]]:
        game, sched = self.game, self.scheduler
        assert game is not None and sched is not None
        tick = 0.0 if game.over else sched.tick_in_phase / max(1, sched.ticks_in(game))
        seat_of = self._seat
        seats = [seat_of[a] for a in self.agents]
        observations, decisions, views = self._encoder.observe(game, seats, tick)
        self._obs_version = game.version
        self._last = dict(zip(seats, decisions, strict=True))
        shown = self._views = views if self.config.info_view else {}
        base = {"round": game.round, "phase": game.phase, "phase_name": game.phase_name, "rejected": None,
                "round_ended": ended, "round_profit_points": None}
        obs: dict[AgentID, Obs] = {}
        infos: dict[AgentID, dict[str, Any]] = {}
        for agent, seat, o in zip(self.agents, seats, observations, strict=True):
            obs[agent] = o
            info = {"view": shown[seat], **base} if shown else base.copy()
            if rejected:
                info["rejected"] = rejected.get(seat)
            if points:
                info["round_profit_points"] = points.get(seat)
            infos[agent] = info
        return obs, infos
