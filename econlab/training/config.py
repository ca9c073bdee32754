"""The configuration of one training run (``configs/training/*.yaml``), validated and frozen.

Example::

    name: harberger-speculator-vs-strategic
    treatment: harberger
    learn: [speculator7]          # seat numbers, or role names (every seat of the role), or "speculator7"
    opponents: {default: strategic, seats: {}}
    game: {rounds: 2, market_ticks: 10, practice_round: false}
    seed: 0
    iterations: 40

The ``run_name`` states treatment, learning seats, opponents and seed, and names the output folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from econlab.eval.scenario import Scenario
from econlab.games.ibex.params import ROLE_CODES

_SEAT = re.compile(r"^(speculator|developer|owner)?(\d+)$")


class Opponents(BaseModel):
    """The fixed seats: a default spec and per role / seat specs (as in a scenario)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: str = "strategic"
    seats: dict[str, str] = Field(default_factory=dict)


class TrainConfig(BaseModel):
    """One training run (every field documented; see the module docstring for an example).

    Attributes:
        name: Short name of the config (letters, digits, ``-_.``).
        treatment: ``harberger`` or ``futarchy``.
        learn: Learning seats: seat numbers, ``role`` names (all seats of the role) or ``roleN`` (seat N).
        shared_module: All learning seats share one trainable module (``shared``); else one module per seat.
        opponents: The fixed seats' policies (any seat spec: scripted, ``llm:...``, ``rl:PATH``).
        game: Game settings of the scenario (``rounds``, ``market_ticks``, ``practice_round``, ``values``,
            ``session``, ``params``).
        session_from_seed: Play lab session ``1 + seed % 11`` in each training game.
        seed: Seed of RLlib, the modules' initialisation and the training games.
        iterations: Training iterations.
        time_budget_s: Stop earlier when this much wall time has passed (None: no limit).
        checkpoint_every: Save a checkpoint every K iterations (and at the end).
        train_batch_size: Env steps per iteration (over all learning seats).
        minibatch_size: SGD minibatch size.
        num_epochs: SGD passes over each batch.
        lr: Learning rate.
        gamma: Discount factor.
        lambda_: GAE lambda (``lambda`` in YAML).
        entropy_coeff: Entropy bonus.
        clip_param: PPO clip.
        vf_clip_param: Value-function clip (rewards are euros per round).
        hidden: Hidden layer sizes of the policy and value MLPs.
        num_env_runners: RLlib env runners (0: sample in the driver).
        reward_scale: Factor on the rewards (euros).
        max_opponent_error_rate: Training stops with the error when an opponent (fixed seat) policy raised on
            more than this share of its decisions (see :mod:`econlab.training.fixed_seat_env`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    description: str = ""
    treatment: Literal["harberger", "futarchy"] = "harberger"
    learn: list[str | int] = Field(min_length=1)
    shared_module: bool = True
    opponents: Opponents = Field(default_factory=Opponents)
    game: dict[str, Any] = Field(default_factory=lambda: {"rounds": 2, "market_ticks": 10, "practice_round": False})
    session_from_seed: bool = True
    seed: int = Field(default=0, ge=0)
    iterations: int = Field(default=20, ge=1)
    time_budget_s: float | None = Field(default=None, gt=0)
    checkpoint_every: int = Field(default=10, ge=1)
    train_batch_size: int = Field(default=2000, ge=8)
    minibatch_size: int = Field(default=256, ge=4)
    num_epochs: int = Field(default=6, ge=1)
    lr: float = Field(default=3e-4, gt=0)
    gamma: float = Field(default=0.99, gt=0, le=1)
    lambda_: float = Field(default=0.95, gt=0, le=1, alias="lambda")
    entropy_coeff: float = Field(default=0.01, ge=0)
    clip_param: float = Field(default=0.2, gt=0)
    vf_clip_param: float = Field(default=100.0, gt=0)
    hidden: list[int] = Field(default_factory=lambda: [64, 64], min_length=1)
    num_env_runners: int = Field(default=0, ge=0, le=2)
    reward_scale: float = Field(default=1.0, gt=0)
    max_opponent_error_rate: float = Field(default=0.05, ge=0, le=1)

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
            raise ValueError(f"name {name!r} may hold only letters, digits, '_', '-', '.'")
        return name

    @field_validator("game")
    @classmethod
    def _check_game(cls, game: dict[str, Any]) -> dict[str, Any]:
        from econlab.eval.tournament_config import check_game_settings

        return check_game_settings(game, ("rounds", "market_ticks", "practice_round", "values", "session", "params",
                                          "compat"))

    @model_validator(mode="after")
    def _check_seats(self) -> TrainConfig:
        from pydantic import ValidationError

        from econlab.configfile import nested_error
        from econlab.eval.tournament_config import check_population

        try:
            scenario = self.scenario()
        except ValidationError as exc:
            raise nested_error(exc, Scenario, "opponents") from None
        check_population(scenario, {}, self.treatment, "opponents")
        try:
            self.learning_seats()
        except ValueError as exc:
            from econlab.configfile import config_error

            raise config_error("learn", str(exc).removeprefix("learn: ")) from None
        return self

    def scenario(self) -> Scenario:
        """The scenario of the fixed seats (learning seats keep their opponent entry, which the env ignores)."""
        return Scenario.model_validate({"name": self.name, "treatment": self.treatment,
                                        "default": self.opponents.default, "seats": dict(self.opponents.seats),
                                        **self.game})

    def learning_seats(self) -> list[int]:
        """The learning seat numbers, sorted (``ValueError`` for an unknown entry)."""
        sc = self.scenario()
        seats = sc.assignment()
        params = sc.game_params()
        from econlab.games.ibex.state import make_players

        roles = {p.number: p.role for p in make_players(params.owners.count, params.speculators.count)}
        out: set[int] = set()
        for item in self.learn:
            text = str(item)
            if text in ROLE_CODES:
                out |= {s for s, r in roles.items() if r == ROLE_CODES[text]}
                continue
            m = _SEAT.match(text)
            seat = int(m.group(2)) if m else -1
            if seat not in seats or (m and m.group(1) and roles[seat] != ROLE_CODES[m.group(1)]):
                from econlab.games.ibex.params import ROLE_NAMES

                listing = ", ".join(f"{s} {ROLE_NAMES[r]}" for s, r in sorted(roles.items()))
                raise ValueError(f"learn: {item!r} is not a seat, a role or a roleN of this game — its seats are "
                                 f"{listing}")
            out.add(seat)
        return sorted(out)

    def module_of(self, seat: int) -> str:
        """The trainable module id of a learning seat."""
        return "shared" if self.shared_module else f"seat{seat}"

    @property
    def run_name(self) -> str:
        """``<treatment>__learn-<seats>__vs-<opponents>__seed<seed>``: what the run trains against what."""
        opp = self.opponents.default + "".join(f"+{k}={v}" for k, v in sorted(self.opponents.seats.items()))
        opp = re.sub(r"[^A-Za-z0-9_.=+-]", "_", opp)[:80]
        seats = "-".join(str(s) for s in self.learning_seats())
        return f"{self.treatment}__learn-{seats}__vs-{opp}__seed{self.seed}"


def load_train_config(path: str | Path, **overrides: Any) -> TrainConfig:
    """Read and validate a training YAML file, with field ``overrides`` (e.g. ``iterations=2``)."""
    from econlab.configfile import read_mapping, validate

    data = read_mapping(path, "a training config")
    return validate(TrainConfig, data | overrides, path, "a training config")
