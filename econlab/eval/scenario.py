"""Scenarios as data: which policy occupies which seat, and how the game is set up.

A scenario file (``configs/scenarios/*.yaml``) is validated by :class:`Scenario`; seats are given by
the seat specs of :mod:`econlab.eval.seats` (``all``, a role name, a seat number, a range ``1-5``), the
most specific entry winning, and every seat not named gets ``default``. An optional ``llm:``
section holds the settings of LLM seats (:class:`econlab.policies.llm.LLMConfig`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from econlab.eval.seats import assign, check_keys, parse_entries
from econlab.game import GameParams
from econlab.game.params import ROLE_NAMES
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
        check_keys(seats)
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
        """Policy name per seat, with ``KEY=NAME`` overrides (as given on the command line; see :mod:`.seats`)."""
        seats = dict(self.seats)
        for key, name in parse_entries(overrides).items():
            seats.pop(key, None)  # an override counts as given last
            seats[key] = name
        params = self.game_params()
        players = make_players(params.owners.count, params.speculators.count)
        roster = {p.number: ROLE_NAMES[p.role] for p in players}
        return assign(seats, roster, self.default, where=f" in {self.treatment}")


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

