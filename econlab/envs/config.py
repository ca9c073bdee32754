"""Options of the IBEX environments: one frozen, validated :class:`EnvConfig` per env.

``econlab.make(name, **options)`` passes its keyword options here; every problem is reported with a
:class:`ValueError` naming the option.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from econlab.games.ibex import COMPAT_MODES, TREATMENTS, Compat, GameParams, SessionValues, UniformValues
from econlab.games.ibex.data import load_sessions, session_table
from econlab.games.ibex.params import MAX_ROUNDS, Treatment
from econlab.games.ibex.values import ValueSource

ValuesKind = Literal["session", "uniform"]
VALUE_KINDS: tuple[ValuesKind, ...] = ("session", "uniform")
DEFAULT_SESSION = 1


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


@dataclass(frozen=True)
class EnvConfig:
    """The options of one environment (see :mod:`econlab.envs.ibex` for their effect).

    Attributes:
        treatment: ``"harberger"``, ``"futarchy"`` or ``"voting"`` (set by the env id, not an option).
        seed: Seed used by the first ``reset()`` that gets no seed (``None``: fresh OS entropy).
        session: Lab session 1..11 whose values and signals are played (default 1 unless
            ``values="uniform"``).
        values: ``"session"`` (values and signals of ``session``) or ``"uniform"`` (seeded uniform draws
            from the value ranges).
        rounds: Number of paid rounds, 1..5 (default: ``params.round_count``, the lab's 5).
        practice_round: Whether an unpaid practice round 0 comes first (default: ``False``, or
            ``params.practice_round`` when ``params`` is given).
        market_ticks: Decision ticks of the market phase (Harberger, Futarchy), >= 1.
        chat_ticks: Decision ticks of each chat phase (Voting), >= 0 (0 skips chat).
        compat: ``"strict"`` (validated rules, default) or ``"server"`` (the lab server's arithmetic).
        params: Full game parameters replacing the lab default of the treatment; ``rounds``,
            ``practice_round`` and ``session`` still override their fields when given.
        info_view: Put each agent's ``SeatView`` in ``infos[agent]["view"]`` (default); ``False`` leaves
            it out, which saves building a view per seat and step (``env.seat_view(agent)`` still works).
    """

    treatment: Treatment
    seed: int | None = None
    session: int | None = None
    values: ValuesKind | None = None
    rounds: int | None = None
    practice_round: bool | None = None
    market_ticks: int = 20
    chat_ticks: int = 2
    compat: Compat = "strict"
    params: GameParams | None = None
    info_view: bool = True

    def __post_init__(self) -> None:
        """Validate every option; raise :class:`ValueError` naming the first bad one."""
        if self.treatment not in TREATMENTS:
            raise ValueError(f"treatment must be one of {TREATMENTS}, got {self.treatment!r}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {self.seed!r}")
        if self.values is not None and self.values not in VALUE_KINDS:
            raise ValueError(f"values must be one of {VALUE_KINDS}, got {self.values!r}")
        if self.session is not None:
            ids = [s.get("id") for s in load_sessions()]
            if not _is_int(self.session) or self.session not in ids:
                raise ValueError(f"session must be one of the lab sessions {ids}, got {self.session!r}")
            if self.values == "uniform":
                raise ValueError("give either session=... or values='uniform', not both")
        if self.rounds is not None and (not _is_int(self.rounds) or not 1 <= self.rounds <= MAX_ROUNDS):
            raise ValueError(f"rounds must be an int in 1..{MAX_ROUNDS}, got {self.rounds!r}")
        if self.practice_round is not None and not isinstance(self.practice_round, bool):
            raise ValueError(f"practice_round must be a bool, got {self.practice_round!r}")
        if not _is_int(self.market_ticks) or self.market_ticks < 1:
            raise ValueError(f"market_ticks must be an int >= 1, got {self.market_ticks!r}")
        if not _is_int(self.chat_ticks) or self.chat_ticks < 0:
            raise ValueError(f"chat_ticks must be an int >= 0, got {self.chat_ticks!r}")
        if self.compat not in COMPAT_MODES:
            raise ValueError(f"compat must be one of {COMPAT_MODES}, got {self.compat!r}")
        if not isinstance(self.info_view, bool):
            raise ValueError(f"info_view must be a bool, got {self.info_view!r}")
        if self.params is not None:
            if not isinstance(self.params, GameParams):
                raise ValueError(f"params must be a GameParams, got {type(self.params).__name__}")
            if self.params.game_type != self.treatment:
                raise ValueError(f"params.game_type {self.params.game_type!r} is not {self.treatment!r}")

    @classmethod
    def from_options(cls, treatment: Treatment, **options: Any) -> EnvConfig:
        """Build from ``make`` keyword options, rejecting unknown names with a :class:`ValueError`.

        Args:
            treatment: The env's treatment.
            **options: The options (see the class attributes).

        Returns:
            The validated config.
        """
        names = [f.name for f in dataclasses.fields(cls) if f.name != "treatment"]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise ValueError(f"unknown option(s) {unknown}; valid options: {names} (and render_mode)")
        return cls(treatment=treatment, **options)

    @property
    def value_kind(self) -> ValuesKind:
        """Where values come from (``"session"`` unless ``values="uniform"``)."""
        return self.values or "session"

    def game_params(self) -> GameParams:
        """The game parameters the env plays (``params`` or the lab default, with the overrides)."""
        base = self.params if self.params is not None else GameParams.lab_default(self.treatment)
        changes: dict[str, Any] = {}
        if self.rounds is not None:
            changes["round_count"] = self.rounds
        if self.practice_round is not None:
            changes["practice_round"] = self.practice_round
        elif self.params is None:
            changes["practice_round"] = False
        if self.value_kind == "session":
            changes["session_number"] = self.session if self.session is not None else (
                self.params.session_number if self.params is not None else DEFAULT_SESSION)
        return base.replace(**changes) if changes else base

    def value_source(self, params: GameParams) -> ValueSource:
        """Where values and signals come from for ``params``."""
        if self.value_kind == "uniform":
            return UniformValues()
        return SessionValues(session_table(params.session_number))
