"""Tournaments: configuration, deterministic ids, resuming, the process pool and the --ray guard."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from econlab.eval.dataset import read_tables
from econlab.eval.tournament import run_tournament
from econlab.eval.tournament_config import TournamentConfig, game_id, game_seed, load_tournament

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"name": "small", "treatments": ["harberger", "voting"],
         "scenarios": [{"name": "truthful", "default": "truthful"}, {"name": "strat", "default": "strategic"}],
         "seeds": [0, 1], "repetitions": 2,
         "game": {"rounds": 1, "practice_round": False, "market_ticks": 3, "chat_ticks": 1}}


def test_example_configs_load() -> None:
    smoke = load_tournament(ROOT / "configs" / "tournaments" / "smoke.yaml")
    mech = load_tournament(ROOT / "configs" / "tournaments" / "mechanisms.yaml")
    assert len(smoke.tasks()) == 12
    assert len(mech.tasks()) >= 300 and set(mech.treatments) == {"harberger", "futarchy", "voting"}
    assert {"truthful", "strategic", "random"} <= {s.name for s in mech.scenarios}
    sessions = {t.scenario.session for t in mech.tasks()}
    assert sessions == set(range(1, 12))  # session_from_seed cycles the lab's 11 value tables


def test_game_ids_and_seeds_are_deterministic() -> None:
    cfg = TournamentConfig.model_validate(SMALL)
    a, b = cfg.tasks(), TournamentConfig.model_validate(SMALL).tasks()
    assert [t.game_id for t in a] == [t.game_id for t in b] and len(a) == 2 * 2 * 2 * 2
    assert len({t.game_id for t in a}) == len(a)
    assert game_id("voting", "strat", 1, 0) == "voting__strat__s1__r0"
    # common random numbers: the game seed depends only on (seed, repetition)
    seeds = {(t.seed, t.repetition): set() for t in a}
    for t in a:
        seeds[(t.seed, t.repetition)].add(t.game_seed)
    assert all(len(v) == 1 for v in seeds.values())
    assert game_seed(3, 0) == 3 and game_seed(3, 1) == game_seed(3, 1) != game_seed(3, 2)


@pytest.mark.parametrize("change, message", [
    ({"scenarios": [{"name": "a"}, {"name": "a"}]}, "unique"),
    ({"game": {"rounds": 1, "speed": 2}}, "unknown key 'speed'"),
    ({"seeds": [1, 1]}, "distinct"),
    ({"name": "a b"}, "tournament name"),
    ({"exploitability": [{"name": "x", "seat": 2, "focal": "nope", "baseline": "truthful"}]}, "unknown scenario"),
    ({"treatments": ["poker"]}, "treatments"),
])
def test_bad_configs_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TournamentConfig.model_validate(SMALL | change)


def test_scenario_paths_resolve_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "sc.yaml").write_text(yaml.safe_dump({"name": "mixed", "default": "truthful",
                                                      "seats": {"developer": "strategic"}}))
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(SMALL | {"scenarios": [{"path": "sc.yaml"}]}))
    cfg = load_tournament(tmp_path / "t.yaml")
    assert cfg.scenarios[0].name == "mixed" and cfg.scenarios[0].seats == {"developer": "strategic"}
    (tmp_path / "u.yaml").write_text(yaml.safe_dump(SMALL | {"scenarios": [{"path": "missing.yaml"}]}))
    with pytest.raises(ValueError, match="no such scenario file"):
        load_tournament(tmp_path / "u.yaml")


def test_run_resume_and_pool_give_the_same_tables(tmp_path: Path) -> None:
    cfg = TournamentConfig.model_validate(SMALL)
    seen: list[tuple[int, int]] = []
    first = run_tournament(cfg, tmp_path / "a", on_progress=lambda d, t: seen.append((d, t)))
    assert (first.total, first.played, first.skipped) == (16, 16, 0) and seen[-1] == (16, 16)
    records = sorted((tmp_path / "a" / "records").glob("*.record.json"))
    assert len(records) == 16 and len(list((tmp_path / "a" / "records").glob("*.decisions.json"))) == 16
    rec = json.loads(records[0].read_text())
    assert rec["econlab"]["game_id"] == records[0].name.split(".")[0] and "scenario" in rec["econlab"]
    again = run_tournament(cfg, tmp_path / "a")
    assert (again.played, again.skipped) == (0, 16)
    # delete two games: a rerun plays exactly those, and the tables are unchanged
    for p in records[:2]:
        p.unlink()
    third = run_tournament(cfg, tmp_path / "a")
    assert third.played == 2
    pooled = run_tournament(cfg, tmp_path / "b", workers=2)
    assert pooled.played == 16
    ta, tb = read_tables(tmp_path / "a" / "tables"), read_tables(tmp_path / "b" / "tables")
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_dtype=False)
    games = ta["games"]
    assert games["game_id"].is_unique and len(games) == 16
    assert set(ta["seats"]["policy"]) == {"truthful", "strategic"}
    assert set(ta["decisions"]["valid"].dropna().unique()) <= {True, False}
    assert ta["llm_calls"].empty and list(ta["llm_calls"].columns)[:2] == ["game_id", "seat"]


def test_a_different_config_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    run_tournament(TournamentConfig.model_validate(SMALL | {"seeds": [0], "repetitions": 1}), tmp_path)
    with pytest.raises(ValueError, match="different tournament"):
        run_tournament(TournamentConfig.model_validate(SMALL | {"seeds": [5], "repetitions": 1}), tmp_path)
    with pytest.raises(ValueError, match="workers"):
        run_tournament(TournamentConfig.model_validate(SMALL), tmp_path / "x", workers=0)


def test_ray_path_says_clearly_that_ray_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # importing ray now fails, as on a machine without it
    cfg = TournamentConfig.model_validate(SMALL | {"seeds": [0], "repetitions": 1})
    with pytest.raises(RuntimeError, match="needs the 'ray' package"):
        run_tournament(cfg, tmp_path, ray_address="auto")


def test_a_bad_policy_name_stops_the_run_before_any_game(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown policy 'no-such-policy'"):  # the config itself is rejected
        TournamentConfig.model_validate(SMALL | {"scenarios": [{"name": "x", "default": "truthful",
                                                                "seats": {"developer": "no-such-policy"}}]})
    # a checkpoint path is only checked when its policy is built: still before anything is written
    cfg = TournamentConfig.model_validate(SMALL | {"treatments": ["harberger"], "scenarios": [
        {"name": "x", "default": "truthful", "seats": {"developer": "rl:/no/such/run"}}]})
    with pytest.raises(ValueError, match="scenario 'x' .*no such path"):
        run_tournament(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()
