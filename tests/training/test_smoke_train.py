"""CI smoke training: train 2 tiny iterations, checkpoint, resume, reload without Ray, play and evaluate."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from econlab.cli import app
from econlab.eval.runner import play_game
from econlab.eval.scenario import Scenario
from econlab.eval.tournament_config import SeedRange
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy
from econlab.policies.llm import PolicyFactory
from econlab.training.config import load_train_config
from econlab.training.fixed_seat_env import FixedSeatEnv
from econlab.training.rl_policy import RLPolicy, make_rl_policy
from econlab.training.study import StudyConfig, run_study

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "training" / "smoke.yaml"


def _rows(run: Path) -> list[dict[str, str]]:
    with open(run / "metrics.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_train_checkpoint_resume_reload_play(tmp_path: Path) -> None:
    import ray

    runner = CliRunner()
    result = runner.invoke(app, ["train", str(CONFIG), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    cfg = load_train_config(CONFIG)
    run = tmp_path / cfg.run_name
    assert cfg.run_name == "harberger__learn-7__vs-strategic__seed0"
    assert [r["iteration"] for r in _rows(run)] == ["1", "2"]
    assert (run / "checkpoints" / "iter_00002" / "DONE").exists()
    assert not ray.is_initialized()

    # resume: one more iteration on top of the restored checkpoint
    result = runner.invoke(app, ["train", str(CONFIG), "--out", str(tmp_path), "--iterations", "3"])
    assert result.exit_code == 0, result.output
    assert [r["iteration"] for r in _rows(run)] == ["1", "2", "3"]
    assert (run / "checkpoints" / "iter_00003" / "DONE").exists()
    assert not ray.is_initialized()

    # reload without Ray, through the seat-spec factory, and play one game like any policy
    policy = PolicyFactory().make(f"rl:{run}")
    assert isinstance(policy, RLPolicy) and policy.market_ticks == 3
    sc = cfg.scenario()
    policies = {s: make_policy(p) for s, p in sc.assignment().items()}
    policies[7] = policy
    game = play_game(GameSpec(params=sc.game_params(), seed=4, market_ticks=3), policies)
    assert not ray.is_initialized()
    assert game.game.over and 7 in game.profits[1]
    assert all(d.policy == policy.name for d in game.decisions if d.seat == 7)

    # the same module in the training env plays the very same game (observations and actions agree)
    env = FixedSeatEnv(sc, [7], session_from_seed=False)
    obs, _ = env.reset(seed=4)
    while env.agents:
        obs, *_ = env.step({a: policy.choose(o["observations"], o["action_mask"], None) for a, o in obs.items()})
    assert {r.round: dict(r.profits) for r in env.game.results if r.profits} == game.profits

    # a frozen checkpoint can be an opponent of another learning seat
    frozen = Scenario.model_validate(sc.model_dump() | {"seats": {"7": f"rl:{run}"}})
    env = FixedSeatEnv(frozen, [8])
    assert isinstance(env.fixed[7], RLPolicy)
    obs, _ = env.reset(seed=4)
    while env.agents:
        obs, *_ = env.step({a: 0 for a in obs})
    assert env.game.over

    # the study: paired tournament of the checkpoint against the scripted speculators, summary and HTML
    study = StudyConfig(name="t", out=str(tmp_path / "study"), seeds=SeedRange(start=0, count=4),
                        baselines=["truthful", "strategic"], exploiters=[cfg], n_boot=100)
    shutil.copytree(run, tmp_path / "study" / "training" / cfg.run_name)
    report = run_study(study, train_missing=False, echo=lambda _: None)
    summary = pd.read_csv(tmp_path / "study" / "summary.csv")
    assert summary.loc[0, "pairs"] == 4 and summary.loc[0, "iterations"] == 3
    assert summary.loc[0, "best_baseline"] in ("truthful", "strategic")
    assert {"gain_low", "owner_loss", "d_efficiency", "d_tax_revenue"} <= set(summary.columns)
    assert "Learning curves" in report.read_text(encoding="utf-8")
    assert not ray.is_initialized()


def test_rl_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such path"):
        make_rl_policy(f"rl:{tmp_path / 'missing'}")
    with pytest.raises(ValueError, match="not a run, checkpoint or module"):
        make_rl_policy(f"rl:{tmp_path}")
    with pytest.raises(ValueError, match="must be module=NAME"):
        make_rl_policy(f"rl:{tmp_path},colour=red")
    with pytest.raises(ValueError, match="not an rl: spec"):
        make_rl_policy("strategic")


def test_train_config_validation(tmp_path: Path) -> None:
    cfg = load_train_config(CONFIG)
    assert cfg.learning_seats() == [7]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlearn: [developer7]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="developer7"):
        load_train_config(bad).learning_seats()
    bad.write_text("name: x\nlearn: [owner]\ngame: {colour: red}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="colour"):
        load_train_config(bad)
    assert isinstance(load_train_config(CONFIG).scenario(), Scenario)
