"""What a connected session produces: decisions, per-seat mirrors, the record; parameters from ``games/data``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from econlab.errors import UserError
from econlab.games.ibex import GameParams
from econlab.protocol.mirror import Mirror


class ConnectError(UserError):
    """The remote server refused or broke the session in a way the client cannot repair.

    A user error (exit 2): its one-line message says what happened and what to do (wrong URL, unknown or
    finished game, full game, ...).
    """


@dataclass
class SeatDecision:
    """One decision taken by a connected seat."""

    round: int
    phase: int
    tick: int | None
    seat: int
    action: dict[str, Any] | None
    #: who decided: the policy's name, or for LLM seats ``llm`` / ``fallback:<reason>`` (as in the runner)
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data."""
        return {"round": self.round, "phase": self.phase, "tick": self.tick, "seat": self.seat, "action": self.action,
                "source": self.source}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SeatDecision:
        """Back from :meth:`to_json`."""
        return cls(d["round"], d["phase"], d["tick"], d["seat"], d["action"], d.get("source"))


@dataclass
class ConnectResult:
    """What a connected session saw: per seat its mirror, errors, decisions; the server's record if given."""

    game_id: int
    treatment: str
    mirrors: dict[int, Mirror]
    errors: dict[int, list[str]] = field(default_factory=dict)
    decisions: list[SeatDecision] = field(default_factory=list)
    record: dict[str, Any] | None = None
    reconnects: int = 0
    #: the server's payments (``games/data`` ``rewards``: number, round, profit, reward, ...) and paid round
    rewards: list[dict[str, Any]] = field(default_factory=list)
    reward_round: int | None = None
    #: requests sent again because the server did not acknowledge them (joins, readies)
    resends: int = 0
    #: REST calls tried again after a transient failure (connection error, HTTP 5xx)
    http_retries: int = 0
    #: reconnections resynchronised from the events only, because the server's ``status`` kept failing
    resync_fallbacks: int = 0

    def connection_report(self) -> dict[str, Any]:
        """How the connection went: the counts above and every seat's client errors (kept in the record)."""
        return {"reconnects": self.reconnects, "resends": self.resends, "http_retries": self.http_retries,
                "resync_fallbacks": self.resync_fallbacks,
                "errors": {str(seat): list(errs) for seat, errs in sorted(self.errors.items()) if errs}}

    def payment_mismatches(self) -> list[str]:
        """Connected seats whose profit in the paid round (as the seat saw it) differs from the server's reward."""
        out = []
        for rw in self.rewards:
            seat = rw.get("number")
            if seat not in self.mirrors:
                continue
            seen = self.mirrors[seat].profits.get(rw.get("round", self.reward_round))
            if seen != rw.get("profit"):
                out.append(f"seat {seat}: saw {seen}, paid {rw.get('profit')}")
        return out

    @property
    def profits(self) -> dict[int, dict[int, Any]]:
        """``{round: {seat: round profit}}`` as the seats' round summaries give it."""
        out: dict[int, dict[int, Any]] = {}
        for seat, m in self.mirrors.items():
            for rnd, profit in m.profits.items():
                out.setdefault(rnd, {})[seat] = profit
        return out


    def client_record(self, params: GameParams | None = None) -> dict[str, Any]:
        """A record built from what the seats saw (for servers that do not hand out theirs).

        It has the lab record's ``parameters`` and econlab's per-round ``results`` for the connected seats
        (round summaries and profits); ``log`` holds only the messages these seats sent.
        """
        rounds: dict[int, dict[str, Any]] = {}
        for seat, m in sorted(self.mirrors.items()):
            for s in m.summaries:
                rnd = rounds.setdefault(s.get("round"), {"round": s.get("round"), "seats": {}})
                rnd["seats"][str(seat)] = {"role": m.role, "tag": m.tag, "profit": m.profits.get(s.get("round")),
                                           "summary": s}
        p = params or next(iter(self.mirrors.values())).params
        log = [{"content": d.action, "number": d.seat, "phase": d.phase, "round": d.round, "type": "message"}
               for d in self.decisions if d.action is not None]
        return {"parameters": p.to_rows(), "log": log,
                "results": {"rounds": [rounds[r] for r in sorted(rounds)]},
                "econlab": {"source": "client", "game_id": self.game_id, "treatment": self.treatment,
                            "connection": self.connection_report()}}


def params_from_data(data: Mapping[str, Any]) -> GameParams:
    """The game's parameters from ``GET /games/data`` (econlab serve's rows, or the lab's flat parameters)."""
    rows = (data.get("econlab") or {}).get("parameterRows")
    if isinstance(rows, list):
        return GameParams.from_rows(rows)
    flat = data.get("parameters")
    if not isinstance(flat, Mapping):
        raise ConnectError("games/data has no parameters")
    rows = []
    for k, v in flat.items():
        typ = "boolean" if isinstance(v, bool) else "float" if isinstance(v, float) else \
            "number" if isinstance(v, int) else "string"
        rows.append({"key": k, "type": typ, "value": v})
    return GameParams.from_rows(rows)
