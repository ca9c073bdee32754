"""All seats deciding at one tick call their models concurrently, within the configured limit."""

from __future__ import annotations

from llm_helpers import config, play_llm
from loopback import GameScript, LoopbackServer

from econlab.eval.runner import play_game
from econlab.policies import make_policy


def test_tick_is_concurrent_and_bounded(api_key: str) -> None:
    with LoopbackServer(GameScript(delay_s=0.2)) as srv:
        result, _ = play_llm("harberger", config(srv.url, None, concurrency=16, timeout_s=5.0), market_ticks=1)
    ticks = len({(r["round"], r["phase"], r["step"]) for r in result.llm_calls})
    assert srv.max_inflight == 12  # the 12 seats of a market tick were in flight together
    assert ticks >= 5
    with LoopbackServer(GameScript(delay_s=0.05)) as srv:
        play_llm("harberger", config(srv.url, None, concurrency=3, timeout_s=5.0), market_ticks=1)
    assert srv.max_inflight == 3


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

    from econlab.game.schedule import Scheduler
    from econlab.game.view import view
    from econlab.policies.llm import PolicyFactory

    with LoopbackServer(GameScript()) as srv:
        factory = PolicyFactory(config(srv.url, None))
        for seed in (1, 2, 3):  # a new event loop per game; clients and semaphores follow it
            result = play_game(spec("voting", seed=seed), factory.build({s: "llm" for s in range(1, 7)}))
            assert result.game.over and all(r["outcome"] == "first" for r in result.llm_calls)
        policy = factory.make("llm:persona=risk-averse,temperature=0.5")
        from econlab.eval.runner import make_game

        game = make_game(spec("voting"))
        game.start()
        Scheduler(2, 1).advance(game)
        action, state = policy.act(view(game, 1), None, policy.initial_state(1, 0))  # sync path
        assert action is not None and state.memory["llm_calls"][0]["persona"] == "risk-averse"
        assert srv.bodies[-1]["temperature"] == 0.5
