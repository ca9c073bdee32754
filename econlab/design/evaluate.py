"""Scoring one candidate design: a tournament of the configured populations under the design's rules.

Every population scenario gets the design's changes (:func:`econlab.design.space.apply`) and plays the search's
seeds; the game seeds depend on the seed only, so all candidates play the same draws (common random numbers) and
differences between designs are paired. With an exploit check one more scenario, ``exploit-<population>``, is the
population with the focal policy at the exploit's seat. The tournament runs in ``folder`` with
:func:`econlab.eval.tournament.run_tournament`, which resumes game by game after a kill.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from econlab.design import metrics as dm
from econlab.design.config import DesignConfig
from econlab.design.space import apply
from econlab.eval.scenario import Scenario
from econlab.eval.tournament_config import TournamentConfig

#: what pairs two designs' games: the same population, seed and repetition
KEYS_FRESH = ["scenario", "seed", "repetition"]


def base_scenarios(config: DesignConfig) -> list[Scenario]:
    """The scenarios every candidate plays, before its changes: the populations, then the exploit variant."""
    scenarios = config.population_scenarios()
    if config.exploit is not None:
        base = next(s for s in scenarios if s.name == config.exploit.population)
        seats = dict(base.seats) | {str(config.exploit.seat): config.exploit.focal}
        scenarios.append(Scenario.model_validate(base.model_dump() | {"name": f"exploit-{base.name}",
                                                                       "seats": seats}))
    return scenarios


def check_design(config: DesignConfig, design: Any) -> list[str]:
    """Every reason ``design`` is rejected: the space's, the engine's, and each scenario's it must play in."""
    space = config.design_space()
    reasons = space.check(design)
    if reasons:
        return reasons
    for sc in base_scenarios(config):
        reasons += [r for r in space.check(design, sc) if r not in reasons]
    return reasons


def candidate_tournament(config: DesignConfig, design: dict[str, Any], label: str,
                         seeds: list[int] | None = None) -> TournamentConfig:
    """The tournament that scores ``design`` (on ``seeds``, by default the search's seeds)."""
    scenarios = [apply(sc, design) for sc in base_scenarios(config)]
    return TournamentConfig(name=f"{config.name}-{label}", treatments=[config.treatment], scenarios=scenarios,
                            seeds=seeds if seeds is not None else config.seed_list(),
                            session_from_seed=config.session_from_seed)


def exploit_key(config: DesignConfig) -> tuple[int, str, str] | None:
    """``(seat, focal scenario, population)`` of the exploit check, or ``None``."""
    if config.exploit is None:
        return None
    return config.exploit.seat, f"exploit-{config.exploit.population}", config.exploit.population


def play_design(config: DesignConfig, design: dict[str, Any], folder: Path, label: str,
                seeds: list[int] | None = None) -> pd.DataFrame:
    """Play the design's tournament in ``folder`` (resuming) and return its per-game metrics table."""
    from econlab.eval.dataset import build_tables
    from econlab.eval.tournament import RECORDS, run_tournament

    tournament = candidate_tournament(config, design, label, seeds)
    run_tournament(tournament, folder, workers=config.workers, build_tables=False)
    tables = build_tables(folder / RECORDS, games=[t.game_id for t in tournament.tasks()], workers=1)
    table = dm.game_table(tables, [p.name for p in config.populations], exploit_key(config))
    table.to_csv(folder / "games.csv", index=False)
    if not config.keep_records:
        shutil.rmtree(folder / RECORDS, ignore_errors=True)
    return table


def score_design(config: DesignConfig, design: dict[str, Any], folder: Path, label: str) -> dict[str, Any]:
    """Play and score a design: its metric means, objective score, feasibility and violations."""
    table = play_design(config, design, folder, label)
    means = dm.means(table)
    per_game = {m: table[m].to_numpy(dtype=float) for m in dm.METRICS}
    result = config.objective.evaluate(means, per_game)
    return result | {"metrics": means, "games": len(table)}


def retrain_hook(config: DesignConfig, design: dict[str, Any], folder: Path) -> str:
    """Where re-training an exploiter against a candidate would go (robustness under learning).

    The intended implementation trains an RLlib exploiter at the exploit seat in the candidate's rules
    (``econlab.training``), saves it under ``folder`` and returns its seat spec (``rl:PATH``), which then replaces
    ``config.exploit.focal`` for this candidate.

    Raises:
        NotImplementedError: Always, for now.
    """
    raise NotImplementedError("re-training an exploiter per candidate is not implemented; "
                              "use exploit.focal with a trained policy")
