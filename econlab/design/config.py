"""A design search as data (``configs/design/*.yaml``): space, objective, populations, seeds, designer, budget.

Example::

    name: harberger-welfare
    treatment: harberger
    game: {rounds: 2, practice_round: false, market_ticks: 10}   # settings of every game (tournament ``game``)
    session_from_seed: true          # lab value session 1 + seed % 11: values vary across seeds
    populations:                     # who plays (scenarios without treatment); every candidate plays all of them
      - {name: strategic, default: strategic}
    seeds: {start: 0, count: 20}     # the same seeds for every candidate (common random numbers)
    space: [{name: tax_rate.final, type: int, low: 5, high: 80}]
    objective: {terms: [{metric: efficiency}], constraints: [{metric: tax_revenue, min: 100000}]}
    exploit: {seat: 12, focal: "strategic:snipe_q=0.6", population: strategic}    # optional
    designer: {kind: optuna, seed: 0, candidates: 30}
    llm: {backend: openai, model: gpt-4o-mini, cache_dir: .cache/llm}             # for kind: llm
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from econlab.design.metrics import METRICS
from econlab.design.objective import Objective
from econlab.design.space import DesignSpace, Param
from econlab.eval.scenario import Scenario
from econlab.eval.tournament_config import SeedRange, check_game_settings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ExploitCheck(BaseModel):
    """Exploitability term: ``focal`` (a seat spec) replaces ``population``'s policy at ``seat``.

    ``retrain`` is the hook for re-training an exploiter against each candidate (robustness under learning); it is
    not implemented yet and must stay ``false``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seat: int = Field(ge=1)
    focal: str
    population: str
    retrain: bool = False

    @field_validator("retrain")
    @classmethod
    def _no_retrain(cls, retrain: bool) -> bool:
        if retrain:
            raise ValueError("exploit.retrain: re-training an exploiter per candidate is not implemented yet "
                             "(econlab.design.evaluate.retrain_hook); give a trained focal policy instead")
        return retrain


class DesignerSettings(BaseModel):
    """Which designer proposes candidates and how many candidates the search evaluates (default included)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["optuna", "llm", "random"] = "optuna"
    seed: int = Field(default=0, ge=0)
    candidates: int = Field(default=20, ge=1, le=100_000)
    startup: int = Field(default=8, ge=1, le=1000)
    max_attempts: int = Field(default=3, ge=1, le=20)
    history: int = Field(default=30, ge=1, le=1000)


class DesignConfig(BaseModel):
    """A validated design search (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    treatment: Literal["harberger", "futarchy", "voting"] = "harberger"
    game: dict[str, Any] = Field(default_factory=dict)
    session_from_seed: bool = True
    populations: list[Scenario] = Field(min_length=1)
    seeds: list[int] | SeedRange
    space: list[Param] = Field(min_length=1)
    objective: Objective
    exploit: ExploitCheck | None = None
    designer: DesignerSettings = Field(default_factory=DesignerSettings)
    llm: dict[str, Any] = Field(default_factory=dict)
    workers: int = Field(default=1, ge=1, le=64)
    keep_records: bool = False

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"design name {name!r} may hold only letters, digits, '_', '-', '.'")
        return name

    @field_validator("game")
    @classmethod
    def _check_game(cls, game: dict[str, Any]) -> dict[str, Any]:
        return check_game_settings(game)

    @model_validator(mode="after")
    def _check(self) -> DesignConfig:
        self.design_space()  # raises with the unsupported parameter
        self.objective.check_metrics(list(METRICS))
        names = [p.name for p in self.populations]
        from econlab.eval.tournament_config import check_population

        for i, population in enumerate(self.populations):
            check_population(population, self.game, self.treatment, f"populations[{i}]")
        if len(set(names)) != len(names):
            raise ValueError(f"population names must be unique, got {names}")
        if self.exploit is not None:
            if self.exploit.population not in names:
                raise ValueError(f"exploit.population {self.exploit.population!r} is not a population; {names}")
            if f"exploit-{self.exploit.population}" in names:
                raise ValueError(f"population name exploit-{self.exploit.population} is reserved for the exploit")
        if any(t.metric.startswith("exploit") for t in self.objective.terms) and self.exploit is None:
            raise ValueError("the objective reads exploit metrics but no exploit check is configured")
        if self.llm or self.designer.kind == "llm":
            from pydantic import ValidationError

            from econlab.configfile import nested_error
            from econlab.policies.llm.config import LLMConfig

            try:
                LLMConfig.model_validate(self.llm)
            except ValidationError as exc:
                raise nested_error(exc, LLMConfig, "llm") from None
        return self

    def design_space(self) -> DesignSpace:
        """The validated design space of the treatment."""
        return DesignSpace(treatment=self.treatment, params=self.space)

    def seed_list(self) -> list[int]:
        """The seeds as a list."""
        return self.seeds.seeds() if isinstance(self.seeds, SeedRange) else list(self.seeds)

    def population_scenarios(self) -> list[Scenario]:
        """Each population with this search's treatment and game settings (what the empty design plays)."""
        out = []
        for p in self.populations:
            data = p.model_dump() | dict(self.game) | {"treatment": self.treatment}
            out.append(Scenario.model_validate(data))
        return out


def load_design_config(path: str | Path) -> DesignConfig:
    """Read and validate a design search YAML file."""
    from econlab.configfile import read_mapping, validate

    return validate(DesignConfig, read_mapping(path, "a design config"), path, "a design search config")
