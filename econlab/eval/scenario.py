"""Scenarios as data: which policy occupies which seat, and how the game is set up.

A scenario file (``configs/scenarios/*.yaml``) is validated by :class:`Scenario`; seats are given by
role name (``owner``, ``developer``, ``speculator``) or seat number, a seat entry winning over its
role's entry, a role's entry over ``all``, and every seat not named gets ``default``. An optional ``llm:``
section holds the settings of LLM seats (:class:`econlab.policies.llm.LLMConfig`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from econlab.game import GameParams
from econlab.game.params import ROLE_CODES
from econlab.game.state import make_players

DEFAULT_POLICY = "strategic"


class Scenario(BaseModel):
    """A game set-up with its seat -> policy map (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "default"
    description: str = ""
    treatment: Literal["harberger", "futarchy", "voting"] = "harberger"
    rounds: int | None = Field(default=None, ge=1, le=5)
    session: int | None = Field(default=None, ge=1, le=11)
    practice_round: bool | None = None
    values: Literal["session", "uniform"] = "session"
    market_ticks: int = Field(default=20, ge=1, le=10000)
    chat_ticks: int = Field(default=2, ge=0, le=1000)
    compat: Literal["strict", "server"] = "strict"
    default: str = DEFAULT_POLICY
    seats: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    llm: dict[str, Any] = Field(default_factory=dict)

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, llm: dict[str, Any]) -> dict[str, Any]:
        if llm:
            from econlab.policies.llm.config import LLMConfig

            LLMConfig.model_validate(llm)
        return llm

    @field_validator("seats")
    @classmethod
    def _check_seats(cls, seats: dict[str, str]) -> dict[str, str]:
        for key in seats:
            if key not in ROLE_CODES and key != "all" and not key.isdigit():
                raise ValueError(f"seat key {key!r} must be a role ({', '.join(ROLE_CODES)}), all or a seat number")
        return seats

    def game_params(self) -> GameParams:
        """The game parameters: the lab default of the treatment, the ``params`` overrides, then the fields."""
        base = GameParams.lab_default(self.treatment)
        if self.params:
            nested = base.to_lab()
            _deep_update(nested, self.params)
            nested["game_type"] = self.treatment
            base = GameParams.from_lab(nested)
        changes: dict[str, Any] = {}
        if self.rounds is not None:
            changes["round_count"] = self.rounds
        if self.session is not None:
            changes["session_number"] = self.session
        if self.practice_round is not None:
            changes["practice_round"] = self.practice_round
        return base.replace(**changes) if changes else base

    def assignment(self, overrides: Sequence[str] = ()) -> dict[int, str]:
        """Policy name per seat, with ``ROLE_OR_SEAT=NAME`` overrides (as given on the command line)."""
        seats = dict(self.seats)
        for item in overrides:
            if "=" not in item:
                raise ValueError(f"--policy takes ROLE_OR_SEAT=NAME, got {item!r}")
            key, name = item.split("=", 1)
            key = key.strip()
            if key not in ROLE_CODES and key != "all" and not key.isdigit():
                raise ValueError(f"--policy {item!r}: {key!r} is neither a role ({', '.join(ROLE_CODES)}), all, "
                                 "nor a seat")
            seats[key] = name.strip()
        params = self.game_params()
        players = make_players(params.owners.count, params.speculators.count)
        valid = {str(p.number) for p in players}
        for key in seats:
            if key.isdigit() and key not in valid:
                raise ValueError(f"seat {key} does not exist in {self.treatment}; seats are 1..{len(players)}")
        out: dict[int, str] = {}
        for p in players:
            role = {v: k for k, v in ROLE_CODES.items()}[p.role]
            out[p.number] = seats.get(str(p.number), seats.get(role, seats.get("all", self.default)))
        return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    from econlab.configfile import read_mapping

    return Scenario.model_validate(read_mapping(path, "a scenario"))


def _deep_update(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for k, v in changes.items():
        if isinstance(v, Mapping) and isinstance(target.get(k), dict):
            _deep_update(target[k], v)
        else:
            target[k] = v

