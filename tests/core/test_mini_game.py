"""The minimal test game plays through the generic runner after registering itself (no generic edit)."""

from __future__ import annotations

import pytest

from econlab.core import get_game, register_game, unregister_game
from econlab.eval.runner import play_game
from tests.core.mini_game import MINI, Giver, MiniSpec


@pytest.fixture()
def mini():
    register_game(MINI, replace=True)
    yield MINI
    unregister_game("mini")


def test_mini_game_plays_through_the_runner(mini) -> None:
    result = play_game(MiniSpec(seed=3, rounds=3), {s: Giver() for s in (1, 2, 3)})
    assert get_game("mini") is mini
    payoffs = result.record["payoffs"]
    assert len(payoffs) == 3
    # 3 contributions + 3 seats x 2 talk ticks per round, all valid
    assert len(result.decisions) == 3 * (3 + 6) and all(d.valid for d in result.decisions)
    for rnd in range(3):
        gifts = [d.action["give"] for d in result.decisions if d.round == rnd + 1 and d.phase == 0]
        mean = sum(gifts) / 3
        assert payoffs[rnd] == {s: 10 - g + 1.5 * mean for s, g in zip((1, 2, 3), gifts, strict=True)}
    again = play_game(MiniSpec(seed=3, rounds=3), {s: Giver() for s in (1, 2, 3)})
    assert again.record == result.record
    other = play_game(MiniSpec(seed=4, rounds=3), {s: Giver() for s in (1, 2, 3)})
    assert other.record != result.record


def test_a_rejected_action_is_recorded_and_the_game_goes_on(mini) -> None:
    class Greedy(Giver):
        def act(self, view, state):  # noqa: ANN001, ANN201
            if view["phase"] == 0:
                return {"give": 11}, state.next()
            return None, state.next()

    result = play_game(MiniSpec(seed=0, rounds=1, talk_ticks=0), {1: Greedy(), 2: Giver(), 3: Giver()})
    bad = [d for d in result.decisions if d.seat == 1]
    assert len(bad) == 1 and not bad[0].valid and bad[0].error == "give: must be an int 0..10, got 11"
    assert len(result.record["payoffs"]) == 1


def test_unknown_game_and_unknown_tick_option_are_clear_errors(mini) -> None:
    with pytest.raises(ValueError, match="unknown game 'nope'; known games: .*ibex.*mini"):
        get_game("nope")
    from econlab.core import Driver

    with pytest.raises(ValueError, match="no tick option market_ticks; options: talk_ticks"):
        Driver(mini, MiniSpec().new_state(), seed=0, ticks={"market_ticks": 3})
