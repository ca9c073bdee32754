"""The game runner: full games, determinism, byte-identical records, faulty policies."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from econlab.eval.recording import RecordWriter, dumps
from econlab.eval.runner import play_game
from econlab.games.ibex import Declare, GameParams, SessionValues, new_game
from econlab.games.ibex.data import session_table
from econlab.games.ibex.record import replay_record
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy
from econlab.policies.base import PolicyState


def _policies(name: str, n: int) -> dict:
    return {s: make_policy(name) for s in range(1, n + 1)}


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_same_seed_gives_byte_identical_records(treatment: str) -> None:
    params = GameParams.lab_default(treatment).replace(round_count=2, practice_round=False)
    spec = GameSpec(params, seed=11, market_ticks=6)
    a = play_game(spec, _policies("strategic", params.n_players))
    b = play_game(spec, _policies("strategic", params.n_players))
    assert dumps(a.record) == dumps(b.record)
    c = play_game(GameSpec(params, seed=12, market_ticks=6), _policies("strategic", params.n_players))
    assert dumps(a.record) != dumps(c.record)


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_record_log_replays_to_the_same_profits(treatment: str) -> None:
    params = GameParams.lab_default(treatment).replace(round_count=2, practice_round=True)
    result = play_game(GameSpec(params, seed=5, market_ticks=5), _policies("random", params.n_players))
    fresh = new_game(params.replace(reward_round=result.game.reward_round), SessionValues(session_table(1)))
    errors = replay_record(fresh, result.record["log"])
    assert fresh.over
    assert {r.round: r.profits for r in fresh.results} == {r.round: r.profits for r in result.game.results}
    rejected = sum(1 for e in result.record["log"] if "error" in e)
    assert len(errors) == rejected


@dataclass(frozen=True)
class _Broken:
    """A policy that raises on declarations and sends garbage otherwise."""

    name: str = "broken"

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        return PolicyState(seat, seed)

    def act(self, view, state):  # noqa: ANN001, ANN201
        if "declare" in view.accepted:
            if view.seat == 1:
                raise RuntimeError("model unreachable")
            return Declare(["not", "numbers"]), state.next()
        return None, state.next()


def test_faulty_policies_lose_their_action_and_the_game_goes_on() -> None:
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    pols = _policies("truthful", 12)
    pols[1] = _Broken()
    pols[2] = _Broken()
    result = play_game(GameSpec(params, seed=1, market_ticks=3), pols)
    assert result.game.over
    errs = [d for d in result.decisions if not d.valid]
    assert any(d.seat == 1 and "model unreachable" in (d.error or "") for d in errs)
    assert any(d.seat == 2 and "declaration[0]" in (d.error or "") for d in errs)
    seats = result.record["results"]["rounds"][0]["seats"]
    # defaults apply: the low bounds of the role
    assert seats["1"]["first_declaration"] == [350000, 150000] and seats["1"]["first_declared"] is False
    assert seats["2"]["first_declaration"] == [200000, 500000]


def test_missing_policy_is_an_error() -> None:
    params = GameParams.lab_default("voting")
    with pytest.raises(ValueError, match="no policy for seats"):
        play_game(GameSpec(params), {1: make_policy("truthful")})


def test_record_writer_incremental_and_atomic(tmp_path) -> None:  # noqa: ANN001
    params = GameParams.lab_default("voting").replace(round_count=1, practice_round=False)
    writer = RecordWriter(tmp_path, "g1")
    seen: list[int] = []

    def on_log(entries: list[dict]) -> None:
        writer.append_log(entries)
        seen.append(len(writer.partial_path.read_text().splitlines()))

    result = play_game(GameSpec(params, seed=2), _policies("voting-rational", 6), on_log=on_log)
    assert seen and seen == sorted(seen) and seen[-1] == len(result.record["log"])
    path = writer.finish(result.record)
    assert not writer.partial_path.exists()
    rec = json.loads(path.read_text())
    assert set(rec) == {"parameters", "log", "results", "econlab"}
    assert rec["results"]["payment"]["round"] == 1
    with pytest.raises(ValueError):
        RecordWriter(tmp_path, "../x")
