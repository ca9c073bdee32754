"""Every scenario config under configs/scenarios is valid and plays (Melting Pot's scenario-config test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from econlab.eval.runner import play_game
from econlab.eval.scenario import Scenario, load_scenario
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "configs" / "scenarios").glob("*.yaml"))


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 5


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_is_valid_and_plays(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.name == path.stem
    params = sc.game_params()
    assignment = sc.assignment()
    assert sorted(assignment) == list(range(1, params.n_players + 1))
    policies = {s: make_policy(n) for s, n in assignment.items()}
    short = params.replace(round_count=1, practice_round=False)
    spec = GameSpec(short, seed=3, values=sc.values, market_ticks=min(sc.market_ticks, 5), chat_ticks=sc.chat_ticks,
                    compat=sc.compat)
    result = play_game(spec, policies)
    assert result.game.over
    assert set(result.profits[1]) == set(assignment)
    assert not [d for d in result.decisions if d.error and d.error.startswith("policy error")]


def test_assignment_precedence_and_errors() -> None:
    sc = Scenario(treatment="harberger", seats={"owner": "truthful", "3": "random"}, default="strategic")
    a = sc.assignment(["speculator=truthful", "12=random"])
    assert a[1] == "truthful" and a[3] == "random" and a[2] == "strategic" and a[7] == "truthful" and a[12] == "random"
    with pytest.raises(ValueError, match="ROLE_OR_SEAT=NAME"):
        sc.assignment(["truthful"])
    with pytest.raises(ValueError, match="seat 13 does not exist"):
        sc.assignment(["13=random"])
    with pytest.raises(ValueError, match="neither a role"):
        sc.assignment(["banker=random"])
    with pytest.raises(ValueError):
        Scenario(treatment="voting", seats={"dealer": "x"})


def test_params_overrides_nested_lab_format() -> None:
    sc = Scenario(treatment="harberger", params={"tax_rate": {"final": 20}, "owners": {"balance": 70000}}, rounds=2)
    p = sc.game_params()
    assert p.tax_rate_final == 20 and p.owners.balance == 70000 and p.round_count == 2 and p.tax_rate_initial == 1
