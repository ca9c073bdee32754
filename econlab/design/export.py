"""Export a design as a scenario YAML that ``econlab play --scenario FILE`` plays.

The scenario is one of the search's populations (its seats and game settings) with the design's changes: lab
parameters in the scenario's ``params`` (nested ``gameParameters`` overrides), scenario knobs such as
``market_ticks`` as fields. No change to :mod:`econlab.eval.scenario` is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from econlab.design.config import DesignConfig
from econlab.design.evaluate import base_scenarios
from econlab.design.space import apply
from econlab.design.store import Candidate


def design_scenario(config: DesignConfig, design: dict[str, Any], population: str | None = None,
                    name: str | None = None) -> dict[str, Any]:
    """The scenario (plain data) of ``design`` played by ``population`` (default: the first one)."""
    scenarios = {s.name: s for s in base_scenarios(config)}
    pop = population or config.populations[0].name
    if pop not in scenarios:
        raise ValueError(f"unknown population {pop!r}; known: {', '.join(scenarios)}")
    reasons = config.design_space().check(design, scenarios[pop])
    if reasons:
        raise ValueError(f"the design cannot be exported: {'; '.join(reasons)}")
    sc = apply(scenarios[pop], design)
    data = sc.model_dump(exclude_defaults=True, mode="json")
    data["name"] = name or f"{config.name}-{pop}"
    data["treatment"] = config.treatment
    data["default"], data["seats"] = sc.default, dict(sc.seats)  # explicit, even where they are the defaults
    data["description"] = f"design search {config.name}: {pop} population under the design {design}"
    return data


def export_design(config: DesignConfig, candidate: Candidate, path: str | Path, population: str | None = None
                  ) -> Path:
    """Write the candidate's design as a scenario YAML file and return its path."""
    import yaml

    data = design_scenario(config, candidate.design, population, name=f"{config.name}-c{candidate.index:04d}")
    data["description"] += f" (candidate {candidate.index}, score {candidate.score:.6g})"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
