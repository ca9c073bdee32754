"""Game parameters: frozen, validated, with the lab's defaults per treatment.

The lab server takes a nested ``gameParameters`` object (see the admin form) and stores it as flat
rows ``{key, type, value}``; a game record carries those rows. :class:`GameParams` reads and writes
both forms. Field names follow the server's internal keys.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Treatment = Literal["harberger", "futarchy", "voting"]
TREATMENTS: tuple[Treatment, ...] = ("harberger", "futarchy", "voting")

SPECULATOR, DEVELOPER, OWNER = 1, 2, 3
ROLE_NAMES = {SPECULATOR: "speculator", DEVELOPER: "developer", OWNER: "owner"}
ROLE_CODES = {v: k for k, v in ROLE_NAMES.items()}
CONDITION_KEYS = ("no_project", "project_a", "project_b")
CONDITIONS = (
    {"name": "No Project", "id": 0, "parameter": "no_project", "key": "noProject"},
    {"name": "Project", "id": 1, "parameter": "project_a", "key": "projectA"},
)
MAX_ROUNDS = 5

_HF_TIMERS = (None, 15, 90, 120, 3, 3, 270, 60, 90, 15)
_VOTING_TIMERS = (None, 15, 180, 120, 120, 120, 60, 15)


@dataclass(frozen=True)
class RoleParams:
    """Endowment, payment and value range of one role."""

    count: int
    balance: int
    shares: int
    base_points: float
    reward_scale_factor: float
    # low, fixed, high per condition key (no_project, project_a, project_b)
    profit: tuple[tuple[int, int, int], ...] = ((0, 0, 0), (0, 0, 0), (0, 0, 0))

    def low(self, condition: int) -> int:
        """Lower bound of the value range shown for ``condition`` (also the default declaration)."""
        return self.profit[condition][0]

    def high(self, condition: int) -> int:
        """Upper bound of the value range shown for ``condition`` (twice this is the declaration cap)."""
        return self.profit[condition][2]


@dataclass(frozen=True)
class GameParams:
    """All parameters of one game, in the lab's units (points, seconds, percent).

    Attributes mirror the server's ``game_parameters`` keys. ``reward_round`` is the server's
    ``simulation_reward_round``: when set, it fixes the paid round instead of a random draw.
    """

    game_type: Treatment = "harberger"
    session_number: int = 1
    round_count: int = 5
    practice_round: bool = True
    tax_rate_initial: float = 1
    tax_rate_final: float = 33
    signal_low: float = 0.95
    signal_high: float = 1.05
    generate_signals: bool = False
    minutes_for_trading: int = 10
    minutes_for_sniping: int = 2
    seconds_for_deliberation: int = 30
    show_up_fee: float | None = 5
    agents_only: bool = False
    max_lot_purchases: int = 3
    cash_for_snipers: int = 250000
    speculators: RoleParams = RoleParams(6, 50000, 5, 400000, 20000, ((0, 0, 0),) * 3)
    developers: RoleParams = RoleParams(
        1, 300000, 30, 0, 50000, ((200000, 350000, 500000), (500000, 1150000, 2750000), (1500000, 1750000, 2000000))
    )
    owners: RoleParams = RoleParams(
        5, 60000, 6, 200000, 20000, ((350000, 425000, 600000), (150000, 275000, 350000), (100000, 150000, 200000))
    )
    timers: tuple[int | None, ...] = _HF_TIMERS
    reward_round: int | None = None
    title: str = "econlab"
    extra: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        """Validate the parameters; every problem is reported with the field name."""
        if self.game_type not in TREATMENTS:
            raise ValueError(f"game_type must be one of {TREATMENTS}, got {self.game_type!r}")
        if not 1 <= self.round_count <= MAX_ROUNDS:
            raise ValueError(f"round_count must be in 1..{MAX_ROUNDS} (the value tables have 6 rounds), "
                             f"got {self.round_count}")
        if self.developers.count != 1:
            raise ValueError(f"developers.count must be 1 (the lab always seats one developer), "
                             f"got {self.developers.count}")
        if self.owners.count < 1:
            raise ValueError(f"owners.count must be at least 1, got {self.owners.count}")
        if self.speculators.count < 0:
            raise ValueError(f"speculators.count must be >= 0, got {self.speculators.count}")
        if self.game_type == "voting" and self.speculators.count != 0:
            raise ValueError("speculators.count must be 0 in the voting treatment "
                             "(the lab's voting game breaks with speculators)")
        for name in ("tax_rate_initial", "tax_rate_final", "signal_low", "signal_high"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
        if self.signal_low > self.signal_high:
            raise ValueError(f"signal_low ({self.signal_low}) must not exceed signal_high ({self.signal_high})")
        for role in (self.speculators, self.developers, self.owners):
            if role.reward_scale_factor == 0:
                raise ValueError("reward_scale_factor must be non-zero")
        if self.reward_round is not None and not 1 <= self.reward_round <= self.round_count:
            raise ValueError(f"reward_round must be in 1..round_count ({self.round_count}), got {self.reward_round}")
        expected = 10 if self.game_type != "voting" else 8
        if len(self.timers) != expected:
            raise ValueError(f"timers must have {expected} entries for {self.game_type}, got {len(self.timers)}")

    # ----------------------------------------------------------------- derived
    @property
    def n_players(self) -> int:
        """Number of seats."""
        return self.owners.count + self.developers.count + self.speculators.count

    def role(self, code: int) -> RoleParams:
        """The parameters of a role by its code (1 speculator, 2 developer, 3 owner)."""
        return {SPECULATOR: self.speculators, DEVELOPER: self.developers, OWNER: self.owners}[code]

    def replace(self, **changes: Any) -> GameParams:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # ----------------------------------------------------------------- lab formats
    @classmethod
    def lab_default(cls, treatment: Treatment) -> GameParams:
        """The parameters the lab's admin form submits for a treatment."""
        if treatment == "voting":
            return cls(
                game_type="voting",
                speculators=RoleParams(0, 50000, 5, 0, 1, ((0, 0, 0),) * 3),
                developers=dataclasses.replace(cls.developers, base_points=500000),
                owners=dataclasses.replace(cls.owners, base_points=0),
                timers=_VOTING_TIMERS,
            )
        if treatment not in TREATMENTS:
            raise ValueError(f"unknown treatment {treatment!r}; choose one of {TREATMENTS}")
        return cls(game_type=treatment)

    def to_lab(self) -> dict[str, Any]:
        """The nested ``gameParameters`` object the lab server's REST API takes."""

        def role(r: RoleParams, with_profit: bool) -> dict[str, Any]:
            d: dict[str, Any] = {
                "count": r.count,
                "balance": r.balance,
                "shares": r.shares,
                "base_points": _num(r.base_points),
                "reward_scale_factor": _num(r.reward_scale_factor),
            }
            if with_profit:
                d["profit"] = {
                    k: {"low": lo, "fixed": fx, "high": hi}
                    for k, (lo, fx, hi) in zip(CONDITION_KEYS, r.profit, strict=True)
                }
            return d

        spec = role(self.speculators, False)
        spec.update({"max_lot_purchases": self.max_lot_purchases, "cash_for_snipers": self.cash_for_snipers})
        out: dict[str, Any] = {
            "title": self.title,
            "game_type": self.game_type,
            "session_number": self.session_number,
            "round_count": self.round_count,
            "practice": self.practice_round,
            "minutes_for_trading": self.minutes_for_trading,
            "minutes_for_sniping": self.minutes_for_sniping,
            "seconds_for_deliberation": self.seconds_for_deliberation,
            "show_up_fee": _num(self.show_up_fee),
            "agents_only": self.agents_only,
            "tax_rate": {"initial": _num(self.tax_rate_initial), "final": _num(self.tax_rate_final)},
            "signal": {"low": self.signal_low, "high": self.signal_high, "generate": self.generate_signals},
            "speculators": spec,
            "developers": role(self.developers, True),
            "owners": role(self.owners, True),
            "timers": {f"phase_{i}": t for i, t in enumerate(self.timers)},
        }
        return out

    @classmethod
    def from_lab(cls, params: Mapping[str, Any]) -> GameParams:
        """Build from the nested ``gameParameters`` object, parsing numbers as the server does.

        Missing entries take the lab default of the treatment named by ``game_type``.
        """
        rows = _flatten_lab(params)
        return cls.from_rows(rows)

    def to_rows(self) -> list[dict[str, str]]:
        """The flat ``{key, type, value}`` rows of a lab record's ``parameters``."""
        rows = _flatten_lab(self.to_lab())
        if self.reward_round is not None:
            rows.append({"key": "simulation_reward_round", "type": "number", "value": str(self.reward_round)})
        return rows

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> GameParams:
        """Build from a record's flat parameter rows (``number`` with parseInt, as the server)."""
        vals: dict[str, Any] = {}
        for row in rows:
            if not isinstance(row, Mapping) or "key" not in row:
                raise ValueError(f"parameter row must be an object with 'key', 'type', 'value': {row!r}")
            key, typ, raw = str(row["key"]), row.get("type"), row.get("value")
            vals[key] = _parse_row(key, typ, raw)
        treatment = vals.get("game_type", "harberger")
        if treatment not in TREATMENTS:
            raise ValueError(f"game_type must be one of {TREATMENTS}, got {treatment!r}")
        base = cls.lab_default(treatment)

        def get(key: str, default: Any) -> Any:
            v = vals.get(key)
            return default if v is None else v

        def role(prefix_count: str, prefix: str, r: RoleParams) -> RoleParams:
            profit = []
            for ci, ck in enumerate(CONDITION_KEYS):
                lo, fx, hi = r.profit[ci]
                profit.append(
                    (
                        get(f"{prefix}_{ck}_low", lo),
                        get(f"{prefix}_{ck}_fixed", fx),
                        get(f"{prefix}_{ck}_high", hi),
                    )
                )
            return RoleParams(
                count=get(f"{prefix_count}_count", r.count),
                balance=get(f"{prefix}_balance", r.balance),
                shares=get(f"{prefix}_shares", r.shares),
                base_points=get(f"{prefix_count}_base_points", r.base_points),
                reward_scale_factor=get(f"{prefix_count}_reward_scale_factor", r.reward_scale_factor),
                profit=tuple(profit),
            )

        n_timers = len(base.timers)
        timers = tuple(vals.get(f"timer_phase_{i}") for i in range(n_timers))
        return cls(
            game_type=treatment,
            session_number=get("session_number", base.session_number),
            round_count=get("round_count", base.round_count),
            practice_round=bool(vals.get("practice_round", False)),
            tax_rate_initial=get("tax_rate_initial", base.tax_rate_initial),
            tax_rate_final=get("tax_rate_final", base.tax_rate_final),
            signal_low=get("signal_low", base.signal_low),
            signal_high=get("signal_high", base.signal_high),
            generate_signals=bool(vals.get("generate_signals", False)),
            minutes_for_trading=get("minutes_for_trading", base.minutes_for_trading),
            minutes_for_sniping=get("minutes_for_sniping", base.minutes_for_sniping),
            seconds_for_deliberation=get("seconds_for_deliberation", base.seconds_for_deliberation),
            show_up_fee=vals.get("show_up_fee"),
            agents_only=bool(vals.get("agents_only", False)),
            max_lot_purchases=get("max_lot_purchases", base.max_lot_purchases),
            cash_for_snipers=get("cash_for_snipers", base.cash_for_snipers),
            speculators=role("speculators", "speculator", base.speculators),
            developers=role("developers", "developer", base.developers),
            owners=role("owners", "owner", base.owners),
            timers=timers,
            reward_round=vals.get("simulation_reward_round"),
            title=str(vals.get("title", base.title)),
        )


_ROW_TYPES: dict[str, str] = {
    "signal_low": "float",
    "signal_high": "float",
    "generate_signals": "boolean",
    "practice_round": "boolean",
    "agents_only": "boolean",
    "game_type": "string",
    "title": "string",
}


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def _parse_row(key: str, typ: Any, raw: Any) -> Any:
    if typ == "boolean":
        return raw is True or raw == "true"
    if typ == "float":
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {key}: {raw!r} is not a number") from None
    if typ == "number":
        if raw is None or raw == "":
            return None
        s = str(raw).strip()
        digits = ""
        for i, ch in enumerate(s):
            if ch.isdigit() or (i == 0 and ch in "+-"):
                digits += ch
            else:
                break
        if digits in ("", "+", "-"):
            raise ValueError(f"parameter {key}: {raw!r} is not a number")
        return int(digits)  # parseInt truncates decimals, as the server does
    return raw


def _flatten_lab(p: Mapping[str, Any]) -> list[dict[str, str]]:
    """Flatten the nested ``gameParameters`` into the server's rows (``gameService.js``)."""
    rows: list[dict[str, str]] = []

    def put(key: str, value: Any, typ: str = "number") -> None:
        if value is None or value == "":
            if typ == "number":
                return
        if typ == "boolean":
            sval = "true" if value is True or value == "true" else ("undefined" if value is None else "false")
        else:
            sval = str(value).lower() if isinstance(value, bool) else str(value)
        rows.append({"key": key, "type": typ, "value": sval})

    put("title", p.get("title"), "string")
    put("game_type", p.get("game_type"), "string")
    put("session_number", p.get("session_number"))
    put("round_count", p.get("round_count"))
    put("practice_round", p.get("practice"), "boolean")
    tax = p.get("tax_rate") or {}
    put("tax_rate_initial", tax.get("initial"))
    put("tax_rate_final", tax.get("final"))
    sig = p.get("signal") or {}
    if "low" in sig:
        put("signal_low", sig.get("low"), "float")
    if "high" in sig:
        put("signal_high", sig.get("high"), "float")
    put("generate_signals", sig.get("generate"), "boolean")
    put("agents_only", p.get("agents_only"), "boolean")
    for k in ("minutes_for_trading", "minutes_for_sniping", "seconds_for_deliberation", "show_up_fee"):
        put(k, p.get(k))
    for plural, singular in (("speculators", "speculator"), ("developers", "developer"), ("owners", "owner")):
        r = p.get(plural) or {}
        put(f"{plural}_count", r.get("count"))
        put(f"{singular}_balance", r.get("balance"))
        put(f"{singular}_shares", r.get("shares"))
        put(f"{plural}_base_points", r.get("base_points"))
        put(f"{plural}_reward_scale_factor", r.get("reward_scale_factor"))
        if plural == "speculators":
            put("max_lot_purchases", r.get("max_lot_purchases"))
            put("cash_for_snipers", r.get("cash_for_snipers"))
        for ck, bounds in (r.get("profit") or {}).items():
            for b in ("low", "fixed", "high"):
                put(f"{singular}_{ck}_{b}", (bounds or {}).get(b))
    for k, v in (p.get("timers") or {}).items():
        put(f"timer_{k}", v)
    return rows
