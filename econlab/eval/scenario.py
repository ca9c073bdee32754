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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from econlab.eval.seats import assign, check_keys, parse_entries
from econlab.games.ibex import GameParams
from econlab.games.ibex.params import ROLE_NAMES
from econlab.games.ibex.state import make_players

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
            from pydantic import ValidationError

            from econlab.configfile import nested_error
            from econlab.policies.llm.config import LLMConfig

            try:
                LLMConfig.model_validate(llm)
            except ValidationError as exc:
                raise nested_error(exc, LLMConfig, "") from None
        return llm

    @field_validator("seats")
    @classmethod
    def _check_seats(cls, seats: dict[str, str]) -> dict[str, str]:
        check_keys(seats)
        return seats

    @model_validator(mode="after")
    def _check_params_and_policies(self) -> Scenario:
        if self.params:
            from econlab.configfile import check_keys

            template = GameParams.lab_default(self.treatment).to_lab()
            for fixed in ("game_type",):  # set by the treatment, never by params
                template.pop(fixed, None)
            check_keys(self.params, template, "params")
        self.game_params()  # the parameters' own checks (GameParams names the field)
        from econlab.configfile import config_error
        from econlab.policies.fit import check_spec

        for key, spec in (("default", self.default), *((f"seats.{k}", v) for k, v in self.seats.items())):
            try:
                check_spec(spec, key)
            except ValueError as exc:
                raise config_error(key, str(exc).removeprefix(f"{key}: ")) from None
        return self

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

    def checked_assignment(self, overrides: Sequence[str] = (), where: str = "",
                           role_keys: bool = True) -> dict[int, str]:
        """:meth:`assignment`, checked: every policy exists, plays this treatment and has a seat to play.

        ``role_keys=False`` accepts role entries for roles this treatment lacks (a tournament population shared
        by several treatments names the speculators that Voting has not).

        Raises:
            ValueError: The seat (or role entry) and the reason.
        """
        from econlab.policies.fit import check_fit, check_role_keys, check_spec

        for item in overrides:
            key, eq, spec = item.partition("=")
            if eq:  # a malformed item is reported by assignment()
                check_spec(spec, f"--policy {item}")
        out = self.assignment(overrides)
        params = self.game_params()
        roles = {p.number: ROLE_NAMES[p.role]
                 for p in make_players(params.owners.count, params.speculators.count)}
        keys = [*self.seats, *(item.partition("=")[0].strip() for item in overrides)]
        if role_keys:
            check_role_keys(self.treatment, keys, roles, where)
        check_fit(self.treatment, out, roles, where)
        return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    from econlab.configfile import read_mapping, validate

    return validate(Scenario, read_mapping(path, "a scenario"), path, "a scenario")


def _deep_update(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for k, v in changes.items():
        if isinstance(v, Mapping) and isinstance(target.get(k), dict):
            _deep_update(target[k], v)
        else:
            target[k] = v

