"""The design space, design validation against the engine, the objective and the config."""

from __future__ import annotations

import math

import numpy as np
import pytest
from design_helpers import config

from econlab.design.config import DesignConfig
from econlab.design.evaluate import check_design
from econlab.design.objective import Objective
from econlab.design.space import DesignError, DesignSpace, apply, nested
from econlab.eval.scenario import Scenario


def space(**kw: object) -> DesignSpace:
    return DesignSpace.model_validate({"treatment": "harberger", "params": [
        {"name": "tax_rate.final", "type": "int", "low": 5, "high": 80},
        {"name": "signal.low", "type": "float", "low": 0.8, "high": 1.0},
        {"name": "speculators.count", "type": "int", "low": 0, "high": 6},
        {"name": "market_ticks", "type": "int", "low": 2, "high": 30, "step": 2}]} | kw)


def test_space_accepts_engine_parameters_and_rejects_others() -> None:
    s = space()
    assert s.defaults() == {"tax_rate.final": 33, "signal.low": 0.95, "speculators.count": 6, "market_ticks": 20}
    with pytest.raises(ValueError, match="'tax_rate.middle' is not a parameter the harberger engine supports"):
        DesignSpace(params=[{"name": "tax_rate.middle", "low": 0, "high": 1}])
    with pytest.raises(ValueError, match="title"):
        DesignSpace(params=[{"name": "title", "type": "categorical", "choices": ["a"]}])
    # the range's ends are checked by the engine itself
    with pytest.raises(ValueError, match="signal_low .* must not exceed signal_high"):
        DesignSpace(params=[{"name": "signal.low", "low": 0.5, "high": 1.2}])
    with pytest.raises(ValueError, match="speculators.count must be 0 in the voting treatment"):
        DesignSpace(treatment="voting", params=[{"name": "speculators.count", "type": "int", "low": 0, "high": 2}])
    with pytest.raises(ValueError, match="the engine cannot play these rules"):
        DesignSpace(params=[{"name": "speculators.count", "type": "int", "low": 0, "high": 8}])
    with pytest.raises(ValueError, match="low <= high"):
        DesignSpace(params=[{"name": "tax_rate.final", "low": 50, "high": 10}])


def test_design_check_gives_every_reason() -> None:
    s = space()
    assert s.check({}) == [] and s.check({"tax_rate.final": 50, "market_ticks": 10}) == []
    assert s.check([1, 2]) == ["a design is an object {parameter: value}, got list"]
    reasons = s.check({"tax_rate.final": 90, "speculators.count": 2.5, "market_ticks": 3, "foo": 1})
    assert reasons == ["'foo' is not in the design space (allowed: tax_rate.final, signal.low, speculators.count, "
                       "market_ticks)", "tax_rate.final=90 is outside its range [5, 80]",
                       "speculators.count must be an integer, got 2.5",
                       "market_ticks=3 is not on its grid 2 + k * 2"]
    assert s.check({"tax_rate.final": "high"}) == ["tax_rate.final must be a finite number, got 'high'"]
    # GameParams' own reason comes through
    s2 = DesignSpace(params=[{"name": "signal.low", "low": 0.8, "high": 1.05},
                             {"name": "signal.high", "low": 1.0, "high": 1.2}])
    assert s2.check({"signal.low": 1.05, "signal.high": 1.0}) == [
        "the engine rejects it: signal_low (1.05) must not exceed signal_high (1.0)"]
    # the lab's rows parse tax rates as integers: a fractional rate would silently change
    s3 = DesignSpace(params=[{"name": "tax_rate.final", "low": 0, "high": 60}])
    # every scenario rejects a fraction the lab's rows would cut (params are checked when a scenario is built)
    assert s3.check({"tax_rate.final": 2.5}) == [
        "the engine rejects it: params.tax_rate.final: 2.5 is not a whole number — the lab reads this setting as an "
        "integer (it would play 2); give a whole number"]
    with pytest.raises(DesignError) as err:
        s3.validate_design({"tax_rate.final": 2.5})
    assert len(err.value.reasons) == 1


def test_design_must_fit_the_populations_seats() -> None:
    cfg = DesignConfig.model_validate(config(exploit={"seat": 8, "focal": "truthful", "population": "strategic"}))
    assert check_design(cfg, {"speculators.count": 1}) == [
        "population 'exploit-strategic' does not fit: seat 8 does not exist in harberger; seats are 1..7"]
    assert check_design(cfg, {"speculators.count": 2}) == []


def test_apply_and_nested() -> None:
    design = {"tax_rate.final": 50, "speculators.count": 2, "market_ticks": 8}
    assert nested(design) == {"tax_rate": {"final": 50}, "speculators": {"count": 2}}
    sc = apply(Scenario(params={"tax_rate": {"initial": 3}}), design)
    p = sc.game_params()
    assert (p.tax_rate_initial, p.tax_rate_final, p.speculators.count, sc.market_ticks) == (3, 50, 2, 8)


def test_objective_scores_and_constraints() -> None:
    obj = Objective.model_validate({"terms": [{"metric": "efficiency", "weight": 2}, {"metric": "welfare",
                                                                                      "scale": 1e6}],
                                    "constraints": [{"metric": "tax_revenue", "min": 100}], "penalty": 3})
    per_game = {"efficiency": np.array([1.0, 0.5]), "welfare": np.array([2e6, 4e6])}
    assert obj.game_scores(per_game).tolist() == [4.0, 5.0]
    ok = obj.evaluate({"tax_revenue": 150.0}, per_game)
    assert ok == {"score": 4.5, "raw_score": 4.5, "feasible": True, "violations": {}}
    bad = obj.evaluate({"tax_revenue": 50.0}, per_game)
    assert bad["feasible"] is False and bad["violations"] == {"tax_revenue": 0.5} and bad["score"] == 4.5 - 1.5
    assert obj.evaluate({"tax_revenue": math.nan}, per_game)["score"] == -math.inf
    assert "subject to 100 <= mean tax_revenue" in obj.describe()
    with pytest.raises(ValueError, match="unknown metrics \\['wealth'\\]"):
        DesignConfig.model_validate(config(objective={"terms": [{"metric": "wealth"}]}))
    with pytest.raises(ValueError, match="give min and/or max"):
        Objective.model_validate({"terms": [{"metric": "efficiency"}], "constraints": [{"metric": "gini"}]})


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="re-training an exploiter per candidate is not implemented"):
        DesignConfig.model_validate(config(exploit={"seat": 7, "focal": "truthful", "population": "strategic",
                                                    "retrain": True}))
    with pytest.raises(ValueError, match="exploit.population 'nobody'"):
        DesignConfig.model_validate(config(exploit={"seat": 7, "focal": "truthful", "population": "nobody"}))
    with pytest.raises(ValueError, match="unknown key 'speed'"):
        DesignConfig.model_validate(config(game={"speed": 2}))


def test_shipped_configs_load() -> None:
    from pathlib import Path

    from econlab.design.config import load_design_config

    files = sorted((Path(__file__).resolve().parents[2] / "configs" / "design").glob("*.yaml"))
    assert files
    for f in files:
        load_design_config(f)
