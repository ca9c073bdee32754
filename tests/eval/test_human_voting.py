"""The two shared human Voting sessions, read into the tables, reproduce ibex-voting.md §11.3."""

from __future__ import annotations

from pathlib import Path

import pytest

from econlab.eval.dataset import build_tables, load_game
from econlab.eval.voting_stats import voting_rounds, voting_summary

HUMAN = sorted((Path(__file__).resolve().parents[3] / "shared" / "data" / "human").glob("*.log.json"))


@pytest.fixture(scope="module")
def tables() -> dict:
    assert len(HUMAN) == 2, f"expected the two shared human sessions, found {HUMAN}"
    return build_tables(HUMAN)


def test_tables_hold_both_sessions(tables: dict) -> None:
    games = tables["games"].set_index("game_id")
    assert list(games.index) == ["voting-223", "voting-224"]
    assert list(games["session"]) == [1, 2] and list(games["paid_round"]) == [4, 5]  # simulation_reward_round
    assert (games["source"] == "lab").all() and (games["scenario"] == "human").all() and (games["rounds"] == 5).all()
    assert len(tables["rounds"]) == 12 and len(tables["seats"]) == 72  # 6 rounds (practice + 5) x 6 seats
    assert tables["llm_calls"].empty and tables["orders"].empty and tables["trades"].empty
    d = tables["decisions"]
    assert (d["source"] == "human").all() and d["valid"].isna().all() and "compensation-offer" in set(d["type"])


def test_payment_check_of_the_spec(tables: dict) -> None:
    # ibex-voting.md §11.2 "Payment check": game 223, paid round 4; game 224, paid round 5
    s = tables["seats"]
    paid = s[s["payment"].notna()].set_index(["game_id", "seat"])
    expected = {("voting-223", 1): (432000, 26.60), ("voting-223", 2): (969000, 34.38),
                ("voting-223", 6): (423000, 26.15), ("voting-224", 2): (332000, 21.64),
                ("voting-224", 6): (464000, 28.20)}
    for key, (profit, euros) in expected.items():
        assert paid.loc[key, "profit"] == profit and paid.loc[key, "payment"] == pytest.approx(euros)


def test_summary_statistics_of_the_spec(tables: dict) -> None:
    s = voting_summary(tables["seats"], tables["rounds"])
    assert s["owner_rounds"] == 50 and s["rounds"] == 10
    assert s["request_mean"] == pytest.approx(309241, abs=1)  # 50 requests, mean 309 241
    assert s["request_median"] == 300000
    assert round(s["request_ratio_median"], 2) == 1.26 and round(s["request_ratio_mean"], 2) == 1.37
    assert s["request_at_least_loss"] == pytest.approx(0.92)
    assert s["offer_mean"] == 215000 and s["offer_median"] == 233500
    assert round(s["offer_over_median_request_mean"], 2) == 0.70
    assert round(s["offer_over_median_request_median"], 2) == 0.65
    assert round(s["offer_over_gain_mean"], 3) == 0.169 and round(s["offer_over_gain_median"], 3) == 0.173
    assert round(s["total_cost_over_gain_mean"], 2) == 0.84
    assert (s["votes_yes"], s["votes_no"]) == (19, 31) and s["share_in_favour"] == pytest.approx(0.38)
    assert s["projects"] == 4 and s["project_rate"] == pytest.approx(0.4)
    assert s["efficiency_rate"] == pytest.approx(0.80)
    assert round(s["welfare_ratio"], 3) == 0.987


def test_per_round_table_of_the_spec(tables: dict) -> None:
    r = voting_rounds(tables["seats"], tables["rounds"]).set_index(["game_id", "round"])
    # game 223 round 2: gain 2257k, owner losses 740k, offer 300k, 5 yes, Project
    row = r.loc[("voting-223", 2)]
    assert (row["dev_gain"], row["owner_loss_sum"], row["offer"], row["yes"], row["project"]) == \
        (2257000, 740000, 300000, 5, 1)
    # game 224 round 2: an efficient project rejected (4 no, 1 yes)
    row = r.loc[("voting-224", 2)]
    assert (row["yes"], row["no"], row["project"], row["efficient"]) == (1, 4, 0, 0)


def test_practice_rounds_included(tables: dict) -> None:
    s = voting_summary(tables["seats"], tables["rounds"], paid_only=False)
    # "Including the practice rounds (12 rounds): share in favour 0.35, project in 4 of 12, efficiency 0.83"
    assert s["share_in_favour"] == pytest.approx(0.35) and s["projects"] == 4 and s["rounds"] == 12
    assert round(s["efficiency_rate"], 2) == 0.83


def test_bad_record_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "x.log.json"
    bad.write_text('{"log": []}')
    with pytest.raises(ValueError, match="not a game record"):
        load_game(bad)
