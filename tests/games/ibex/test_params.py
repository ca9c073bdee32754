"""GameParams: lab defaults, the server's row parsing (parseInt), lab formats and validation (ibex-rules.md §2)."""

from __future__ import annotations

import pytest

from econlab.games.ibex import GameParams
from econlab.games.ibex.params import RoleParams

from ._helpers import HUMAN, load_json, needs_human


def test_harberger_defaults():
    p = GameParams.lab_default("harberger")
    assert p.timers == (None, 15, 90, 120, 3, 3, 270, 60, 90, 15)
    assert (p.tax_rate_initial, p.tax_rate_final) == (1, 33)
    assert (p.speculators.count, p.speculators.balance, p.speculators.shares) == (6, 50000, 5)
    assert (p.developers.balance, p.developers.shares, p.owners.balance, p.owners.shares) == (300000, 30, 60000, 6)
    assert (p.speculators.base_points, p.developers.base_points, p.owners.base_points) == (400000, 0, 200000)
    assert (p.speculators.reward_scale_factor, p.developers.reward_scale_factor,
            p.owners.reward_scale_factor) == (20000, 50000, 20000)
    assert p.n_players == 12
    # players hold 90 of the 100 dividend shares
    assert 6 * p.speculators.shares + p.developers.shares + 5 * p.owners.shares == 90
    assert (p.owners.low(0), p.owners.high(0), p.owners.low(1), p.owners.high(1)) == (350000, 600000, 150000, 350000)
    assert (p.developers.low(0), p.developers.high(0), p.developers.low(1), p.developers.high(1)) == (
        200000, 500000, 500000, 2750000)
    assert p.show_up_fee == 5 and p.practice_round and p.round_count == 5
    assert GameParams.lab_default("futarchy").replace(game_type="harberger") == p


def test_voting_defaults():
    p = GameParams.lab_default("voting")
    assert p.timers == (None, 15, 180, 120, 120, 120, 60, 15)
    assert p.speculators.count == 0 and p.n_players == 6
    assert (p.owners.base_points, p.owners.reward_scale_factor) == (0, 20000)
    assert (p.developers.base_points, p.developers.reward_scale_factor) == (500000, 50000)


@needs_human
def test_human_record_parameters():
    p = GameParams.from_rows(load_json(HUMAN / "voting-223.log.json")["parameters"])
    assert p.game_type == "voting" and p.session_number == 1 and p.practice_round and p.round_count == 5
    assert p.reward_round == 4 and p.show_up_fee == 5
    assert p.timers == (None, 15, 180, 120, 120, 120, 60, 15)
    assert (p.owners.base_points, p.developers.base_points) == (0, 500000)
    p = GameParams.from_rows(load_json(HUMAN / "voting-224.log.json")["parameters"])
    assert p.session_number == 2 and p.reward_round == 5


def rows(**values):
    out = [{"key": "game_type", "type": "string", "value": "harberger"}]
    for k, (t, v) in values.items():
        out.append({"key": k, "type": t, "value": v})
    return out


def test_rows_use_parse_int_and_booleans():
    p = GameParams.from_rows(rows(tax_rate_final=("number", "33.5"), round_count=("number", "2"),
                                  practice_round=("boolean", "true"), generate_signals=("boolean", "undefined"),
                                  signal_low=("float", "0.9"), owner_balance=("number", " 45000abc")))
    assert p.tax_rate_final == 33 and p.round_count == 2 and p.practice_round is True
    assert p.generate_signals is False and p.signal_low == 0.9 and p.owners.balance == 45000
    assert GameParams.from_rows(rows(practice_round=("boolean", "false"))).practice_round is False


def test_absent_number_rows():
    p = GameParams.from_rows(rows(show_up_fee=("number", "")))
    assert p.show_up_fee is None  # no reward is computed
    assert GameParams.from_rows(rows()).tax_rate_final == 33  # other absent numbers take the form defaults
    assert GameParams.from_rows(rows()).practice_round is False  # an absent boolean reads as false


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_lab_and_row_round_trips(treatment):
    p = GameParams.lab_default(treatment)
    assert GameParams.from_lab(p.to_lab()) == p
    assert GameParams.from_rows(p.to_rows()) == p
    q = p.replace(reward_round=3, round_count=4, practice_round=False, tax_rate_final=20)
    assert GameParams.from_rows(q.to_rows()) == q


def test_to_lab_shape():
    lab = GameParams.lab_default("harberger").to_lab()
    assert lab["tax_rate"] == {"initial": 1, "final": 33}
    assert lab["owners"]["profit"]["no_project"] == {"low": 350000, "fixed": 425000, "high": 600000}
    assert lab["timers"]["phase_6"] == 270 and lab["timers"]["phase_0"] is None
    assert lab["speculators"]["cash_for_snipers"] == 250000 and lab["practice"] is True


def test_from_lab_parses_strings_like_the_server():
    lab = GameParams.lab_default("futarchy").to_lab()
    lab.update({"round_count": "1", "practice": False})
    lab["timers"]["phase_6"] = "20"
    p = GameParams.from_lab(lab)
    assert p.round_count == 1 and p.practice_round is False and p.timers[6] == 20


@pytest.mark.parametrize("changes", [
    {"round_count": 6},
    {"round_count": 0},
    {"developers": RoleParams(2, 300000, 30, 0, 50000)},
    {"owners": RoleParams(0, 60000, 6, 200000, 20000)},
    {"reward_round": 6},
    {"timers": (None, 1, 2)},
    {"signal_low": 1.2},
    {"tax_rate_final": float("nan")},
    {"game_type": "market"},
    {"owners": RoleParams(5, 60000, 6, 200000, 0)},
])
def test_invalid_parameters(changes):
    with pytest.raises(ValueError):
        GameParams.lab_default("harberger").replace(**changes)


def test_voting_needs_no_speculators():
    with pytest.raises(ValueError):
        GameParams.lab_default("voting").replace(speculators=RoleParams(1, 1, 1, 1, 1))
    with pytest.raises(ValueError):
        GameParams.from_rows([{"key": "game_type", "type": "string", "value": "goods-market"}])
    with pytest.raises(ValueError):
        GameParams.from_rows([{"nokey": 1}])
