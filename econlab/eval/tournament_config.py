"""Tournament configuration: treatments x scenarios x seeds x repetitions, validated and expanded into games.

A tournament file (``configs/tournaments/*.yaml``) names the treatments, the scenarios (seat -> policy maps,
:class:`econlab.eval.scenario.Scenario`, given inline or as a path to a scenario file), the seeds and the number
of repetitions. ``game`` settings (rounds, market ticks, ...) apply to every scenario. Each combination becomes
one :class:`GameTask` whose id is a pure function of (treatment, scenario, seed, repetition), so a rerun finds
the games it already played.

The game's own seed depends only on (seed, repetition): every scenario and treatment plays the same draws for
the same seed (common random numbers), which is what paired comparisons such as exploitability need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from econlab.eval.scenario import Scenario

Treatment = Literal["harberger", "futarchy", "voting"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: Scenario fields a tournament's ``game`` block may set for all scenarios.
GAME_FIELDS = ("rounds", "session", "practice_round", "values", "market_ticks", "chat_ticks", "compat", "params")


def check_game_settings(game: dict[str, Any], allowed: tuple[str, ...] = GAME_FIELDS) -> dict[str, Any]:
    """The ``game:`` section of a tournament, design or training config: known settings with valid values.

    Raises:
        PydanticCustomError: A setting that is not one of ``allowed`` (with a close match), or a value the
            scenario rejects (e.g. an unknown key in ``params``).
    """
    from pydantic import ValidationError

    from econlab.configfile import config_error, nested_error, unknown_key_text

    for key in game:
        if key not in allowed:
            raise config_error(str(key), unknown_key_text(str(key), allowed))
    try:  # the values once (each treatment's games are checked again with their scenarios)
        Scenario.model_validate(dict(game))
    except ValidationError as exc:
        raise nested_error(exc, Scenario, "") from None
    return game


def check_population(scenario: Scenario, game: dict[str, Any], treatment: str, where: str,
                     role_keys: bool = True) -> Scenario:
    """A tournament scenario (or design population) as played in ``treatment``, with its seats checked.

    Raises:
        PydanticCustomError: The scenario is invalid in this treatment, or a seat's policy is unknown, does not
            play the treatment or names a seat the game lacks.
    """
    from pydantic import ValidationError

    from econlab.configfile import config_error, nested_error

    try:
        played = Scenario.model_validate(scenario.model_dump() | dict(game) | {"treatment": treatment})
        played.checked_assignment(where=f"{treatment}", role_keys=role_keys)
    except ValidationError as exc:
        raise nested_error(exc, Scenario, where) from None
    except ValueError as exc:
        raise config_error(where, str(exc)) from None
    return played


class SeedRange(BaseModel):
    """Seeds ``start .. start + count - 1``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int = Field(default=0, ge=0)
    count: int = Field(ge=1, le=1_000_000)

    def seeds(self) -> list[int]:
        """The seeds as a list."""
        return list(range(self.start, self.start + self.count))


class ExploitSpec(BaseModel):
    """A paired comparison: ``focal`` and ``baseline`` scenarios differ only in the policy at ``seat``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    seat: int = Field(ge=1)
    focal: str
    baseline: str
    treatments: list[Treatment] | None = None


class TournamentConfig(BaseModel):
    """A validated tournament (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    treatments: list[Treatment] = Field(min_length=1)
    scenarios: list[Scenario] = Field(min_length=1)
    seeds: list[int] | SeedRange
    repetitions: int = Field(default=1, ge=1, le=10_000)
    game: dict[str, Any] = Field(default_factory=dict)
    session_from_seed: bool = False
    exploitability: list[ExploitSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"tournament name {name!r} may hold only letters, digits, '_', '-', '.'")
        return name

    @field_validator("seeds")
    @classmethod
    def _check_seeds(cls, seeds: list[int] | SeedRange) -> list[int] | SeedRange:
        if isinstance(seeds, list):
            if not seeds:
                raise ValueError("seeds must not be empty")
            if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
                raise ValueError(f"seeds must be distinct non-negative integers, got {seeds}")
        return seeds

    @field_validator("game")
    @classmethod
    def _check_game(cls, game: dict[str, Any]) -> dict[str, Any]:
        return check_game_settings(game)

    @model_validator(mode="after")
    def _check_names(self) -> TournamentConfig:
        names = [s.name for s in self.scenarios]
        for n in names:
            if not _NAME.match(n):
                raise ValueError(f"scenario name {n!r} may hold only letters, digits, '_', '-', '.'")
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"scenario names must be unique; repeated: {dup}")
        for e in self.exploitability:
            for which in (e.focal, e.baseline):
                if which not in names:
                    raise ValueError(f"exploitability {e.name!r}: unknown scenario {which!r}; scenarios: {names}")
        for treatment in self.treatments:  # every seat of every game is checked before any game is played
            for i, sc in enumerate(self.scenarios):
                check_population(sc, self.game, treatment, f"scenarios[{i}]", role_keys=len(self.treatments) == 1)
        return self

    def seed_list(self) -> list[int]:
        """The seeds as a list."""
        return self.seeds.seeds() if isinstance(self.seeds, SeedRange) else list(self.seeds)

    def tasks(self) -> list[GameTask]:
        """Every game of the tournament, in a fixed order."""
        out: list[GameTask] = []
        for treatment in self.treatments:
            for sc in self.scenarios:
                for seed in self.seed_list():
                    for rep in range(self.repetitions):
                        changes: dict[str, Any] = dict(self.game) | {"treatment": treatment}
                        if self.session_from_seed:
                            changes["session"] = 1 + seed % 11
                        scenario = Scenario.model_validate(sc.model_dump() | changes)
                        out.append(GameTask(game_id=game_id(treatment, sc.name, seed, rep), treatment=treatment,
                                            scenario=scenario, seed=seed, repetition=rep,
                                            game_seed=game_seed(seed, rep)))
        return out


@dataclass(frozen=True)
class GameTask:
    """One game of a tournament."""

    game_id: str
    treatment: str
    scenario: Scenario
    seed: int
    repetition: int
    game_seed: int


def game_id(treatment: str, scenario: str, seed: int, repetition: int) -> str:
    """The deterministic id of a tournament game (also its record's file name)."""
    return f"{treatment}__{scenario}__s{seed}__r{repetition}"


def game_seed(seed: int, repetition: int) -> int:
    """The engine/policy seed of a game: a hash of (seed, repetition), the same for every scenario."""
    if repetition == 0:
        return seed
    return int(np.random.SeedSequence([seed, repetition]).generate_state(1, dtype=np.uint32)[0])


def load_tournament(path: str | Path) -> TournamentConfig:
    """Read and validate a tournament YAML file; scenario entries ``{path: FILE}`` are read relative to it."""
    from econlab.configfile import beside, read_mapping, validate

    path = Path(path)
    data = read_mapping(path, "a tournament")
    scenarios = []
    for i, entry in enumerate(data.get("scenarios") or []):
        if isinstance(entry, Mapping) and "path" in entry:
            extra = {k: v for k, v in entry.items() if k != "path"}
            ref = beside(path, entry["path"], f"scenario file (scenarios[{i}])")
            scenarios.append(read_mapping(ref, "a scenario") | extra)
        else:
            scenarios.append(entry)
    if scenarios:
        data["scenarios"] = scenarios
    return validate(TournamentConfig, data, path, "a tournament config")
