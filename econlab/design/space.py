"""The design space as data: which rule parameters a designer may change, their ranges, and design validation.

A parameter is named by its path in the lab's nested ``gameParameters`` object (:meth:`GameParams.to_lab`), e.g.
``tax_rate.final``, ``speculators.count``, ``owners.shares``, ``signal.low``; or by one of the game settings of a
scenario that are not game parameters (:data:`SCENARIO_KNOBS`, e.g. ``market_ticks``). The space is validated
against what the engine supports: every path must be a leaf of the treatment's lab default, and both ends of every
range must be accepted by :class:`~econlab.games.ibex.GameParams` on their own.

A *design* is a mapping ``{name: value}`` of some of the space's parameters (the empty design is the lab default).
:meth:`DesignSpace.check` returns every reason a design is rejected: unknown names, wrong types, values outside the
range or off the step, what :class:`GameParams` rejects (its own message), values the engine would store
differently (the lab's rows parse tax rates with ``parseInt``) and seats a population names that the design removes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from econlab.eval.scenario import Scenario
from econlab.games.ibex import GameParams

Treatment = Literal["harberger", "futarchy", "voting"]
#: scenario settings (not game parameters) a design may change, with the bounds the runner accepts
SCENARIO_KNOBS: dict[str, tuple[int, int]] = {"market_ticks": (1, 10000), "chat_ticks": (0, 1000)}
#: lab parameters that name or label a game rather than change its rules
NOT_RULES = frozenset({"title", "game_type", "session_number", "agents_only"})

Design = dict[str, Any]


class DesignError(ValueError):
    """A design the space or the engine rejects; ``reasons`` lists every problem."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def lab_leaves(treatment: str) -> dict[str, Any]:
    """Every leaf of the treatment's lab-default ``gameParameters`` by dotted path, with its default value."""
    out = lab_leaves_of(GameParams.lab_default(treatment))  # type: ignore[arg-type]
    return {k: v for k, v in out.items() if k not in NOT_RULES}


def nested(design: Mapping[str, Any]) -> dict[str, Any]:
    """The lab-parameter part of a design as the nested overrides a scenario's ``params`` takes."""
    out: dict[str, Any] = {}
    for path, value in design.items():
        if path in SCENARIO_KNOBS:
            continue
        node = out
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


class Param(BaseModel):
    """One changeable parameter of the design space.

    ``int`` / ``float`` with ``low``, ``high`` (optional ``step``, ``log``) or ``categorical`` with ``choices``;
    ``note`` says what it does (shown to the LLM designer).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: Literal["int", "float", "categorical"] = "float"
    low: float | None = None
    high: float | None = None
    step: float | None = Field(default=None, gt=0)
    log: bool = False
    choices: list[Any] | None = None
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> Param:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError(f"{self.name}: a categorical parameter needs non-empty choices")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.name}: an {self.type} parameter needs low and high")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"{self.name}: need finite low <= high, got [{self.low}, {self.high}]")
        if self.type == "int" and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"{self.name}: an int parameter needs integer bounds, got [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scaled parameter needs low > 0, got {self.low}")
        return self

    def check_value(self, value: Any) -> str | None:
        """Why ``value`` is not a value of this parameter (``None``: it is)."""
        if self.type == "categorical":
            return None if value in (self.choices or []) else f"{self.name}={value!r} is not one of {self.choices}"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{self.name} must be a finite number, got {value!r}"
        if self.type == "int" and value != int(value):
            return f"{self.name} must be an integer, got {value!r}"
        assert self.low is not None and self.high is not None  # checked by the validator
        if not self.low <= value <= self.high:
            return f"{self.name}={value!r} is outside its range [{_g(self.low)}, {_g(self.high)}]"
        if self.step is not None:
            k = (value - self.low) / self.step
            if abs(k - round(k)) > 1e-9:
                return f"{self.name}={value!r} is not on its grid {_g(self.low)} + k * {_g(self.step)}"
        return None

    def describe(self) -> str:
        """One line for prompts and reports."""
        if self.type == "categorical":
            rng = f"one of {self.choices}"
        else:
            rng = f"{self.type} in [{_g(self.low)}, {_g(self.high)}]" + (f", step {_g(self.step)}" if self.step else "")
        return f"{self.name}: {rng}" + (f" - {self.note}" if self.note else "")


def _g(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


class DesignSpace(BaseModel):
    """The parameters a designer may change for one treatment (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    treatment: Treatment = "harberger"
    params: list[Param] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_supported(self) -> DesignSpace:
        leaves = lab_leaves(self.treatment)
        names = [p.name for p in self.params]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"design space: parameters named twice: {dup}")
        for p in self.params:
            if p.name not in leaves and p.name not in SCENARIO_KNOBS:
                raise ValueError(f"design space: {p.name!r} is not a parameter the {self.treatment} engine supports; "
                                 f"supported: {', '.join(sorted(leaves) + sorted(SCENARIO_KNOBS))}")
            ends = p.choices if p.type == "categorical" else [p.low, p.high]
            for v in ends or []:
                v = int(v) if p.type == "int" else v
                reasons = self.engine_reasons({p.name: v}, Scenario(treatment=self.treatment))
                if reasons:
                    raise ValueError(f"design space: {p.name}={v!r} is not supported: {'; '.join(reasons)}")
        return self

    def param(self, name: str) -> Param:
        """A parameter by name."""
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(f"unknown design parameter {name!r}; known: {[p.name for p in self.params]}")

    def defaults(self) -> dict[str, Any]:
        """The lab-default value of every parameter of the space (what the empty design plays)."""
        leaves = lab_leaves(self.treatment)
        base = Scenario(treatment=self.treatment)
        return {p.name: getattr(base, p.name) if p.name in SCENARIO_KNOBS else leaves[p.name] for p in self.params}

    def check(self, design: Any, scenario: Scenario | None = None) -> list[str]:
        """Every reason ``design`` is rejected (empty: valid); ``scenario`` is a population it must play in."""
        if not isinstance(design, Mapping):
            return [f"a design is an object {{parameter: value}}, got {type(design).__name__}"]
        known = {p.name: p for p in self.params}
        reasons = [f"{k!r} is not in the design space (allowed: {', '.join(known)})" for k in design if k not in known]
        reasons += [r for k, v in design.items() if k in known and (r := known[k].check_value(v))]
        if reasons:
            return reasons
        return self.engine_reasons(dict(design), scenario or Scenario(treatment=self.treatment))

    def engine_reasons(self, design: Mapping[str, Any], scenario: Scenario) -> list[str]:
        """What the engine (GameParams, the runner's settings, the population's seats) says against a design."""
        try:
            sc = apply(scenario, design)
            params = sc.game_params()
        except ValueError as exc:
            return [f"the engine rejects it: {_short(exc)}"]
        reasons = []
        stored = lab_leaves_of(params)
        for k, v in design.items():
            if k in SCENARIO_KNOBS or k not in stored:
                continue
            if stored[k] != v and not (isinstance(v, int | float) and isinstance(stored[k], int | float)
                                       and float(stored[k]) == float(v)):
                reasons.append(f"the engine stores {k}={v!r} as {stored[k]!r} (the lab's rows parse it as an "
                               "integer); use a whole number")
        try:
            sc.assignment()
        except ValueError as exc:
            reasons.append(f"population {scenario.name!r} does not fit: {exc}")
            return reasons
        if not reasons:
            reasons += _dry_run(sc)
        return reasons

    def validate_design(self, design: Any, scenario: Scenario | None = None) -> Design:
        """The design as a plain dict with ints for int parameters.

        Raises:
            DesignError: With every reason of :meth:`check`.
        """
        reasons = self.check(design, scenario)
        if reasons:
            raise DesignError(reasons)
        return {k: int(v) if self.param(k).type == "int" else v for k, v in sorted(design.items())}


def _dry_run(sc: Scenario) -> list[str]:
    """Reasons from playing one short round with truthful seats.

    GameParams accepts some rules the rest of the engine cannot play (e.g. more speculators than a lab value
    session has values for).
    """
    from econlab.eval.runner import play_game
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.truthful import Truthful

    params = sc.game_params().replace(round_count=1, practice_round=False)
    spec = GameSpec(params=params, seed=0, values=sc.values, market_ticks=1, chat_ticks=min(sc.chat_ticks, 1))
    n = params.n_players
    try:
        play_game(spec, {seat: Truthful() for seat in range(1, n + 1)})
    except Exception as exc:  # noqa: BLE001 - any failure of the engine is a reason to reject the rules
        return [f"the engine cannot play these rules ({sc.values} values): {type(exc).__name__}: {exc}"]
    return []


def lab_leaves_of(params: GameParams) -> dict[str, Any]:
    """The dotted leaves of ``params.to_lab()``."""
    out: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            out[prefix] = node

    walk("", params.to_lab())
    return out


def apply(scenario: Scenario, design: Mapping[str, Any]) -> Scenario:
    """The scenario with the design's changes: lab parameters merged into ``params``, knobs set as fields."""
    data = scenario.model_dump()
    merged = dict(data.get("params") or {})
    _deep_merge(merged, nested(design))
    data["params"] = merged
    for k in SCENARIO_KNOBS:
        if k in design:
            data[k] = design[k]
    return Scenario.model_validate(data)


def _deep_merge(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for k, v in changes.items():
        if isinstance(v, Mapping) and isinstance(target.get(k), dict):
            _deep_merge(target[k], v)
        else:
            target[k] = dict(v) if isinstance(v, Mapping) else v


def _short(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):  # the shared formatter: no library wording, the key path kept
        from econlab.configfile import validation_message

        return " ".join(validation_message(exc, Scenario).splitlines()[:3])
    text = str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "errors.pydantic.dev" not in ln]
    return " ".join(lines[:3]) if lines else text
