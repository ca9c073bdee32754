"""A PettingZoo-style ParallelEnv whose seats act on a live lock-step server (slow but real).

``econlab.envs.remote(rest_url, ws_url, game_id)`` joins every seat of a game on ``econlab serve``
(FAST timers) through the same client as ``econlab connect``. ``reset()`` returns at the first
decision tick; ``step(actions)`` sends each deciding agent's action for the open tick and returns at
the next one (or at the game's end), exactly as the server applies them.

Observations are the agents' :class:`~econlab.games.ibex.view.SeatView` (rebuilt from the server's events,
see :mod:`econlab.protocol.mirror`), and actions are engine actions (:mod:`econlab.games.ibex.actions`) or
``None``: what scripted and LLM policies use. The local envs' tensor observations are encoded from
the engine state, which a remote client does not have; a trained tensor policy needs a SeatView
encoder first (not provided). Rewards follow the local envs: when a round ends, each agent gets its
round profit divided by its role's reward scale factor. Agents that cannot act in a tick get an
observation too; their actions are ignored.

The env runs its own asyncio loop in a background thread; call :meth:`RemoteEnv.close` at the end.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from econlab.games.ibex.actions import Action
from econlab.games.ibex.view import SeatView
from econlab.policies.base import PolicyState
from econlab.protocol.client import ConnectError, ConnectResult, RemoteSession, SeatClient

AgentID = str


class _Waiting:
    """Policy stand-in: the env answers its decisions (``act`` is never called)."""

    name = "remote-env"

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        return PolicyState(seat=seat, seed=seed)

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        raise RuntimeError("the remote env answers decisions itself")


class RemoteEnv:
    """See the module docstring."""

    metadata: dict[str, Any] = {"name": "ibex-remote", "render_modes": [], "is_parallelizable": False}

    def __init__(self, rest_url: str, ws_url: str, game_id: int, *, timeout_s: float = 120.0) -> None:
        """Configure; nothing connects before :meth:`reset`.

        Args:
            rest_url: REST base URL of an ``econlab serve`` (FAST timers).
            ws_url: Its websocket URL.
            game_id: A freshly created game with all seats free.
            timeout_s: How long ``reset``/``step`` wait for the server.
        """
        self.rest_url, self.ws_url, self.game_id, self.timeout_s = rest_url, ws_url, game_id, timeout_s
        self.render_mode = None
        self.possible_agents: list[AgentID] = []
        self.agents: list[AgentID] = []
        self.result: ConnectResult | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._session: RemoteSession | None = None
        self._play: Any = None
        self._pending: dict[int, asyncio.Future[Action | None]] = {}
        self._deciders: set[int] = set()
        self._changed: asyncio.Event | None = None
        self._rewarded: dict[int, int] = {}
        self._started = False

    # ------------------------------------------------------------------ loop side
    async def _decide(self, client: SeatClient, view: SeatView, deciders: list[int]) -> Action | None:
        fut: asyncio.Future[Action | None] = self._loop.create_future()
        self._pending[client.seat] = fut
        self._deciders = set(deciders)
        assert self._changed is not None
        self._changed.set()
        return await fut

    async def _start(self) -> None:
        self._changed = asyncio.Event()
        n = await self._count_seats()
        self._session = RemoteSession(self.rest_url, self.ws_url, self.game_id, policy_for=lambda s, r: _Waiting(),
                                      n_seats=n, timeout_s=self.timeout_s)
        self._session.decide = self._decide
        self._play = self._loop.create_task(self._session.play())
        self._play.add_done_callback(lambda _: self._changed.set() if self._changed else None)

    async def _count_seats(self) -> int:
        import httpx

        from econlab.protocol.client import params_from_data

        async with httpx.AsyncClient() as http:
            r = await http.get(f"{self.rest_url.rstrip('/')}/api/v1/games/data?game_id={self.game_id}")
            if r.status_code != 200:
                raise ConnectError(f"game {self.game_id}: HTTP {r.status_code}: {r.json().get('message')}")
            data = r.json()["data"]
        if data is None:  # the lab's (and serve's) answer for an unknown game: HTTP 200, data null
            raise ConnectError(f"game {self.game_id} not found on {self.rest_url}; check the game id")
        if data.get("endedAt") or data.get("rewards") or data.get("assignedPlayers"):
            raise ConnectError(f"game {self.game_id} has started or ended; the remote env needs a fresh game")
        return params_from_data(data).n_players

    async def _wait_tick(self) -> None:
        assert self._changed is not None
        while True:
            if self._play is not None and self._play.done():
                return
            if self._deciders and set(self._pending) >= self._deciders:
                return
            self._changed.clear()
            await self._changed.wait()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout_s)

    # ------------------------------------------------------------------ API
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[AgentID, SeatView], dict[AgentID, dict[str, Any]]]:
        """Join every seat and return at the first decision tick (``seed`` is the server's; ignored)."""
        if self._started:
            raise RuntimeError("a remote env plays one game; create a new env (and game) for the next")
        self._started = True
        self._run(self._start())
        self._run(self._wait_tick())
        self._check_play()
        assert self._session is not None
        self.possible_agents = [f"player_{c.seat}" for c in sorted(self._session.clients, key=lambda c: c.seat)]
        self.agents = list(self.possible_agents)
        self._rewarded = {c.seat: 0 for c in self._session.clients}
        return self._observe()

    def step(self, actions: Mapping[AgentID, Action | None]) -> tuple[
            dict[AgentID, SeatView], dict[AgentID, float], dict[AgentID, bool], dict[AgentID, bool],
            dict[AgentID, dict[str, Any]]]:
        """Send the deciding agents' actions for the open tick and return at the next tick or the end."""
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if not self.agents:
            return {}, {}, {}, {}, {}
        unknown = sorted(set(actions) - set(self.agents))
        if unknown:
            raise ValueError(f"actions for agents that are not live: {unknown}; live: {self.agents}")
        pending, self._pending = self._pending, {}
        self._deciders = set()

        def answer() -> None:
            for seat, fut in pending.items():
                if not fut.done():
                    fut.set_result(actions.get(f"player_{seat}"))

        self._loop.call_soon_threadsafe(answer)
        self._run(self._wait_tick())
        self._check_play()
        obs, infos = self._observe()
        rewards = self._rewards()
        done = self._play.done()
        terms = dict.fromkeys(self.agents, done)
        truncs = dict.fromkeys(self.agents, False)
        if done:
            self.result = self._play.result()
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def _check_play(self) -> None:
        if self._play is not None and self._play.done() and self._play.exception() is not None:
            raise ConnectError(f"the remote game failed: {self._play.exception()!r}")

    def _observe(self) -> tuple[dict[AgentID, SeatView], dict[AgentID, dict[str, Any]]]:
        assert self._session is not None
        obs, infos = {}, {}
        for c in self._session.clients:
            if c.mirror is None:
                continue
            agent = f"player_{c.seat}"
            obs[agent] = c.mirror.view()
            infos[agent] = {"deciding": c.seat in self._pending, "errors": list(c.errors)}
        return obs, infos

    def _rewards(self) -> dict[AgentID, float]:
        assert self._session is not None
        out: dict[AgentID, float] = {}
        for c in self._session.clients:
            assert c.mirror is not None
            factor = float(c.mirror.params.role(c.mirror.role).reward_scale_factor)
            rounds = sorted(c.mirror.profits)
            new = rounds[self._rewarded[c.seat]:]
            self._rewarded[c.seat] = len(rounds)
            out[f"player_{c.seat}"] = sum(float(c.mirror.profits[r] or 0) for r in new) / factor
        return out

    def render(self) -> None:
        """No rendering."""
        return None

    def close(self) -> None:
        """Stop the background loop (closing the sockets)."""
        if self._play is not None and not self._play.done():
            self._loop.call_soon_threadsafe(self._play.cancel)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
