"""Metrics on small hand-built games; every expected number is worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from econlab.eval.dataset import GameData, tables_from_games
from econlab.eval.exploit import exploitability, paired_profits
from econlab.eval.metrics import bootstrap_ci, gini, profit_by_role, round_metrics, summarize, truthfulness
from econlab.eval.voting_stats import voting_summary
from econlab.games.ibex import GameParams


def _harberger_game() -> GameData:
    # seats: 1 owner, 2 developer, 3 speculator; one paid round; No Project (w = 0) wins
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    seats = {
        "1": {"role": 3, "tag": "Owner 1", "profit": 500, "values": [100, 50], "first_declaration": [90, 40],
              "second_declaration": [120, 60], "first_tax": 0.9, "second_tax": 39.6,
              "market": {"balance": 1000, "shares": 5}},
        "2": {"role": 2, "tag": "Developer", "profit": 300, "values": [200, 400], "first_declaration": [200, 400],
              "second_declaration": [200, 400], "first_tax": 2, "second_tax": 66,
              "market": {"balance": 2000, "shares": 10}},
        "3": {"role": 1, "tag": "Speculator 1", "profit": 200, "market": {"balance": 500, "shares": 8}},
    }
    rnd = {"round": 1, "paid": True, "condition": 0, "seats": seats, "public_signal": [1.0, 0, 0],
           "snipes_first": [{"player": {"number": 3, "role": 1}, "target": {"number": 1, "role": 3}, "profit": 30}],
           "snipes_second": [{"player": {"number": 3, "role": 1}, "target": {"number": 2, "role": 2},
                              "profit": -10}],
           "trades": [{"from": 1, "to": 3, "price": 1.5, "quantity": 1, "condition": 0, "median": 1.5},
                      {"from": 2, "to": 3, "price": 0.5, "quantity": 2, "condition": 0, "median": 1.0}],
           "medians": [1.0, None], "final_price": 1.2}
    record = {"parameters": params.to_rows(), "log": [],
              "results": {"rounds": [rnd], "payment": {"round": 1, "rewards": [
                  {"number": 1, "reward": 30.0}, {"number": 2, "reward": 20.0}, {"number": 3, "reward": 10.0}]}},
              "econlab": {"treatment": "harberger", "scenario": "hand", "policies": {"1": "a", "2": "b", "3": "c"},
                          "compat": "strict", "seed": 0}}
    return GameData("h1", record, [{"round": 1, "phase": 2, "tick": 0, "seat": 1, "policy": "a",
                                    "action": {"type": "declare"}, "valid": False, "error": "x"}])


def _voting_game() -> GameData:
    params = GameParams.lab_default("voting").replace(round_count=2, practice_round=False)
    values = {"1": [500, 300], "2": [200, 1200], "3": [400, 300], "4": [450, 300], "5": [600, 300], "6": [350, 300]}
    requests = {"1": 300, "3": 150, "4": 150, "5": None, "6": 100}

    def rnd(number: int, offer: int, votes: dict[str, list[int]], w: int) -> dict:
        seats = {}
        for s, v in values.items():
            entry = {"role": 2 if s == "2" else 3, "tag": s, "values": v, "profit": 0,
                     "request": None if s == "2" or requests[s] is None else [None, requests[s]]}
            if s != "2":
                entry["vote"] = votes[s]
            seats[s] = entry
        return {"round": number, "paid": True, "condition": w, "seats": seats, "offer": [None, offer],
                "offer_sender": 2, "tally": [0, 0], "chat_messages": 0}

    r1 = rnd(1, 160, {"1": [0], "3": [1], "4": [1], "5": [0], "6": [1]}, 1)
    r2 = rnd(2, 50, {s: [0] for s in requests}, 0)
    record = {"parameters": params.to_rows(), "log": [], "results": {"rounds": [r1, r2], "payment": None},
              "econlab": {"treatment": "voting", "scenario": "hand"}}
    return GameData("v1", record, [])


def test_market_round_metrics_by_hand() -> None:
    t = tables_from_games([_harberger_game()])
    m = round_metrics(t["rounds"], t["seats"]).iloc[0]
    # welfare: No Project 100 + 200 = 300, Project 50 + 400 = 450 -> efficient condition 1, realised 300
    assert m["efficient_condition"] == 1 and m["welfare"] == 300 and m["welfare_max"] == 450
    assert m["efficiency"] == pytest.approx(300 / 450) and m["efficient"] == 0 and m["gap_captured"] == 0
    assert m["tax_revenue"] == pytest.approx(0.9 + 39.6 + 2 + 66)  # 108.5
    assert m["n_snipes"] == 2 and m["snipe_profit"] == pytest.approx(20)
    # fundamental 300 x 33 / 10000 = 0.99; volume-weighted price (1.5 x 1 + 0.5 x 2) / 3 = 0.8333
    assert m["fundamental"] == pytest.approx(0.99) and m["volume"] == 3 and m["n_trades"] == 2
    assert m["mean_trade_price"] == pytest.approx(2.5 / 3)
    assert m["price_over_fundamental"] == pytest.approx(2.5 / 3 / 0.99)
    assert m["final_price_over_fundamental"] == pytest.approx(1.2 / 0.99)
    # profits 500, 300, 200: sum of |xi - xj| over ordered pairs 1200 / (2 x 9 x 333.3) = 0.2
    assert m["gini"] == pytest.approx(0.2)
    assert math.isnan(m["spread"])  # no order messages in the log: nothing quoted
    seats = t["seats"].set_index("seat")
    assert seats.loc[3, "snipes_made"] == 2 and seats.loc[1, "times_sniped"] == 1
    assert seats.loc[3, "buys"] == 2 and seats.loc[1, "sells"] == 1 and seats.loc[2, "cash"] == 2000
    assert list(seats["payment"]) == [30.0, 20.0, 10.0] and list(seats["policy"]) == ["a", "b", "c"]
    d = t["decisions"].iloc[0]
    assert d["source"] == "a" and not d["valid"] and d["type"] == "declare"
    assert t["llm_calls"].empty and "seat" in t["llm_calls"]


def test_truthfulness_and_profit_by_role() -> None:
    t = tables_from_games([_harberger_game()])
    tr = truthfulness(t["seats"]).set_index(["seat", "phase", "condition"])["ratio"]
    assert tr[(1, 1, 0)] == pytest.approx(0.9) and tr[(1, 1, 1)] == pytest.approx(0.8)
    assert tr[(1, 2, 0)] == pytest.approx(1.2) and tr[(1, 2, 1)] == pytest.approx(1.2)
    assert (tr.loc[2] == 1).all() and 3 not in tr.index.get_level_values(0)  # speculators declare nothing
    p = profit_by_role(t["seats"]).set_index("role")
    assert p.loc["owner", "profit"] == 500 and p.loc["speculator", "payment"] == 10


def test_voting_statistics_by_hand() -> None:
    t = tables_from_games([_voting_game()])
    s = voting_summary(t["seats"], t["rounds"])
    # request / loss per owner: 300/200, 150/100, 150/150, 0/300 (missing = 0), 100/50
    assert s["request_ratio_median"] == pytest.approx(1.5)
    assert s["request_ratio_mean"] == pytest.approx((1.5 + 1.5 + 1.0 + 0.0 + 2.0) / 5)
    # median of the requests 300, 150, 150, 0, 100 is 150; offers 160 and 50; gain 1000
    assert s["offer_over_median_request_mean"] == pytest.approx((160 / 150 + 50 / 150) / 2)
    assert s["offer_over_gain_mean"] == pytest.approx((0.16 + 0.05) / 2)
    assert s["votes_yes"] == 3 and s["votes_no"] == 7 and s["share_in_favour"] == pytest.approx(0.3)
    assert s["projects"] == 1 and s["project_rate"] == 0.5
    # welfare: No Project 2500, Project 2700 -> round 1 efficient, round 2 not (2500 / 2700)
    assert s["efficiency_rate"] == 0.5
    assert s["welfare_ratio"] == pytest.approx((2700 + 2500) / (2700 + 2700))


def test_gini_and_bootstrap() -> None:
    assert gini([1, 1, 1]) == 0 and gini([0, 0, 3]) == pytest.approx(2 / 3)
    assert math.isnan(gini([])) and math.isnan(gini([-1, 1]))
    est, lo, hi = bootstrap_ci([5.0, 5.0, 5.0])
    assert (est, lo, hi) == (5.0, 5.0, 5.0)
    x = np.arange(1.0, 21.0)
    a, b = bootstrap_ci(x, seed=3), bootstrap_ci(x, seed=3)
    assert a == b and a[0] == 10.5 and 1 < a[1] < 10.5 < a[2] < 20
    # clusters: two groups of identical values -> every resample mean is one of 1, 2 or 3 (i.e. 1.5 with both)
    est, lo, hi = bootstrap_ci([1.0, 1.0, 2.0, 2.0], groups=["a", "a", "b", "b"], n_boot=500)
    assert est == 1.5 and lo == 1.0 and hi == 2.0
    # a non-mean statistic takes the generic path
    est, lo, hi = bootstrap_ci(x, np.median, n_boot=200)
    assert est == 10.5 and lo <= est <= hi
    with pytest.raises(ValueError, match="groups"):
        bootstrap_ci([1.0, 2.0], groups=["a"])


def test_summarize_groups() -> None:
    df = pd.DataFrame({"game_id": ["g1", "g2", "g3", "g4"], "t": ["x", "x", "y", "y"], "v": [1.0, 3.0, 5.0, np.nan]})
    s = summarize(df, ["t"], ["v"], n_boot=200).set_index("t")
    assert s.loc["x", "estimate"] == 2.0 and s.loc["x", "n"] == 2
    assert s.loc["y", "estimate"] == 5.0 and s.loc["y", "n"] == 1


def test_exploitability_paired_by_hand() -> None:
    # two seeds; seat 2 earns 10 more (seed 0) and 30 more (seed 1) with the focal policy; seat 1 loses 5 and 15
    games = pd.DataFrame({"game_id": ["f0", "f1", "b0", "b1"], "treatment": "voting",
                          "scenario": ["focal", "focal", "base", "base"], "seed": [0, 1, 0, 1], "repetition": 0})
    profits = {"f0": (95, 110), "f1": (85, 130), "b0": (100, 100), "b1": (100, 100)}
    seats = pd.DataFrame([{"game_id": g, "round": 1, "paid": True, "seat": s, "profit": p[s - 1]}
                          for g, p in profits.items() for s in (1, 2)])
    pairs = paired_profits(seats, games, seat=2, focal="focal", baseline="base")
    assert sorted(pairs["gain"]) == [10, 30] and sorted(pairs["others_loss"]) == [5, 15]
    ex = exploitability(seats, games, seat=2, focal="focal", baseline="base", n_boot=500).iloc[0]
    assert ex["pairs"] == 2 and ex["gain"] == 20 and ex["others_loss"] == 10
    assert 10 <= ex["gain_low"] <= 20 <= ex["gain_high"] <= 30
    assert ex["focal_profit"] == 120 and ex["baseline_profit"] == 100
    with pytest.raises(ValueError, match="seat 9"):
        paired_profits(seats, games, seat=9, focal="focal", baseline="base")


def test_llm_calls_and_personas_reach_the_tables() -> None:
    g = _voting_game()
    g.record["econlab"]["policies"] = {"1": "llm:persona=exploiter,temperature=0", "2": "strategic"}
    g.record["llm_calls"] = [{"seat": 1, "round": 1, "phase": 3, "step": 0, "model": "m", "usage": {"prompt": 5}}]
    t = tables_from_games([g])
    seats = t["seats"].drop_duplicates("seat").set_index("seat")
    assert seats.loc[1, "persona"] == "exploiter" and pd.isna(seats.loc[2, "persona"])
    calls = t["llm_calls"]
    assert len(calls) == 1 and calls.iloc[0]["game_id"] == "v1" and calls.iloc[0]["usage"] == '{"prompt": 5}'


def test_bootstrap_default_seed_is_zero_so_reports_reproduce() -> None:
    # reports call bootstrap_ci without a seed; the documented default (0) is what makes two reports agree
    values = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0])
    assert bootstrap_ci(values, n_boot=200) == bootstrap_ci(values, n_boot=200, seed=0)
    assert bootstrap_ci(values, n_boot=200) != bootstrap_ci(values, n_boot=200, seed=1)
