"""All seats deciding at one tick call their models concurrently, within the configured limit."""

from __future__ import annotations

import threading
from typing import Any

from llm_helpers import config, play_llm
from loopback import GameScript, LoopbackServer, Reply, answer_kind

from econlab.eval.runner import play_game
from econlab.policies import make_policy


class Rendezvous:
    """Holds each answer (of the given kinds) until ``size`` requests are held together, or ``patience_s`` passed.

    No sleeps: a request that arrives waits on a condition for the others; ``max_held`` is how many were inside
    the server at once. A client that sends its requests one by one makes every request wait ``patience_s`` and
    leaves ``max_held`` at 1, so the assertions below fail instead of passing by luck of timing.
    """

    def __init__(self, inner: GameScript, size: int, kinds: set[str] | None = None, patience_s: float = 20.0):
        self.inner, self.size, self.kinds, self.patience_s = inner, size, kinds, patience_s
        self.cond = threading.Condition()
        self.held = self.max_held = self.generation = self.gave_up = 0

    def __call__(self, body: dict[str, Any], seen: int) -> Reply:
        reply = self.inner(body, seen)
        if self.kinds is not None and answer_kind(body) not in self.kinds:
            return reply
        with self.cond:
            self.held += 1
            self.max_held = max(self.max_held, self.held)
            mine = self.generation
            if self.held >= self.size:
                self.generation += 1
                self.cond.notify_all()
            elif not self.cond.wait_for(lambda: self.generation != mine, timeout=self.patience_s):
                self.gave_up += 1
            self.held -= 1
        return reply


def test_tick_is_concurrent_and_bounded(api_key: str) -> None:
    market = Rendezvous(GameScript(), size=12, kinds={"MarketAnswer"})
    with LoopbackServer(market) as srv:
        result, _ = play_llm("harberger", config(srv.url, None, concurrency=16, timeout_s=60.0), market_ticks=1)
    ticks = len({(r["round"], r["phase"], r["step"]) for r in result.llm_calls})
    assert market.max_held == 12 and market.generation >= 1  # the 12 seats of a market tick were in flight together
    assert ticks >= 5
    bounded = Rendezvous(GameScript(), size=3, patience_s=2.0)
    with LoopbackServer(bounded) as srv:
        play_llm("harberger", config(srv.url, None, concurrency=3, timeout_s=60.0), market_ticks=1)
    assert bounded.max_held == 3 and bounded.generation >= 1  # three together, never a fourth


def test_mixed_llm_and_scripted_seats(api_key: str) -> None:
    from llm_helpers import spec

    from econlab.policies.llm import PolicyFactory

    with LoopbackServer(GameScript()) as srv:
        factory = PolicyFactory(config(srv.url, None))
        policies = factory.build({s: ("llm:persona=spiteful" if s % 2 else "truthful") for s in range(1, 13)})
        result = play_game(spec("harberger"), policies)
    assert result.game.over
    assert {r["seat"] for r in result.record["llm_calls"]} == {1, 3, 5, 7, 9, 11}
    assert {r["persona"] for r in result.record["llm_calls"]} == {"spiteful"}
    # a scripted-only game keeps its record free of LLM fields and its sync path
    plain = play_game(spec("harberger"), {s: make_policy("truthful") for s in range(1, 13)})
    assert "llm_calls" not in plain.record and plain.llm_calls == []


def test_one_factory_plays_several_games_and_the_sync_path(api_key: str) -> None:
    from llm_helpers import spec

    from econlab.games.ibex.schedule import Scheduler
    from econlab.games.ibex.view import view
    from econlab.policies.llm import PolicyFactory

    with LoopbackServer(GameScript()) as srv:
        factory = PolicyFactory(config(srv.url, None))
        for seed in (1, 2, 3):  # a new event loop per game; clients and semaphores follow it
            result = play_game(spec("voting", seed=seed), factory.build({s: "llm" for s in range(1, 7)}))
            assert result.game.over and all(r["outcome"] == "first" for r in result.llm_calls)
        policy = factory.make("llm:persona=risk-averse,temperature=0.5")
        from econlab.games.ibex.spec import make_game

        game = make_game(spec("voting"))
        game.start()
        Scheduler(2, 1).advance(game)
        action, state = policy.act(view(game, 1), policy.initial_state(1, 0))  # sync path
        assert action is not None and state.calls[0]["persona"] == "risk-averse"
        assert srv.bodies[-1]["temperature"] == 0.5
