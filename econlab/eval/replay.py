"""Replay a game recorded against the lab server through the engine and compare the outcomes.

A trace (``shared/data/traces/*.jsonl``) has one JSON object per line ``{t, iso, seat, dir, round,
phase, msg}``: the ``http`` line that created the game carries its parameters, ``send`` lines are
client messages and ``recv`` lines server events. The replay binds seats in join order as the
server does, feeds every client message to the engine in file order, ends timer-only phases when the
trace shows the server moved on, and compares what the server sent with what the engine emits:
winning conditions, published declarations, trades, final prices, every ``round-summary`` field of
every player and the rewards (Voting: requests, offers, tallies and compensation).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from econlab.games.ibex import Game, GameParams, SessionValues, from_message, new_game
from econlab.games.ibex.data import session_table
from econlab.games.ibex.engine import Compat
from econlab.games.ibex.errors import InvalidActionError
from econlab.games.ibex.jsnum import to_json

#: event kinds compared per seat and keyed by the round they belong to
_PER_SEAT = ("round-summary", "final-profit", "compensation-offer-made", "compensation-requests-received")
#: broadcast kinds compared once per round, in order
_BROADCAST = ("declarations-published", "contract-fulfilled", "final-price", "winning-condition")


@dataclass
class ReplayResult:
    """Outcome of a replay: per-round results and every mismatch found."""

    treatment: str
    rounds: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    compared: int = 0
    #: messages the engine rejected (strict mode only)
    rejected: list[str] = field(default_factory=list)
    #: where a trace that stops before the game ended stops: ``{"round": r, "phase": p}`` (``None``: complete)
    truncated: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` output of ``econlab replay``."""
        out: dict[str, Any] = {"rounds": self.rounds, "mismatches": self.mismatches, "compared": self.compared}
        if self.truncated is not None:
            out["truncated"] = self.truncated
        return out


@dataclass
class _Collected:
    per_seat: dict[tuple[str, int, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    broadcast: dict[tuple[str, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    rewards: dict[int, Any] = field(default_factory=dict)


#: random names the server draws (colours, lot names, payment tokens): not part of the rules
_COSMETIC = frozenset({"name", "paymentToken"})


def _strip_cosmetic(x: Any) -> Any:
    if isinstance(x, Mapping):
        out = {k: _strip_cosmetic(v) for k, v in x.items() if k not in _COSMETIC}
        if "declarations" in out and isinstance(out["declarations"], list):
            out["declarations"] = [{k: v for k, v in d.items() if k != "owner"} if isinstance(d, Mapping) else d
                                   for d in out["declarations"]]
        return out
    if isinstance(x, list):
        return [_strip_cosmetic(v) for v in x]
    return x


def read_trace(path: str) -> list[dict[str, Any]]:
    """Read a ``.jsonl`` trace (one JSON object per line; blank lines skipped)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {n} is not JSON ({exc.msg}; the file may be cut in the middle of a "
                                 "line)") from exc
    return out


def _creation(lines: Iterable[Mapping[str, Any]]) -> tuple[GameParams, int]:
    for line in lines:
        msg = line.get("msg")
        if line.get("dir") != "http" or not isinstance(msg, Mapping):
            continue
        url = str(msg.get("url", ""))
        body = msg.get("body") or {}
        if "/games/create" in url and isinstance(body, Mapping) and "gameParameters" in body:
            resp = msg.get("response") or {}
            game_id = (resp.get("data") or {}).get("id", 1)
            return GameParams.from_lab(body["gameParameters"]), int(game_id)
    raise ValueError("the trace has no http line that creates the game (POST /games/create-for-llm)")


def _trace_reward_round(lines: Iterable[Mapping[str, Any]]) -> int | None:
    for line in lines:
        msg = line.get("msg")
        if line.get("dir") == "recv" and isinstance(msg, Mapping) and msg.get("eventType") == "reward":
            return int(msg["data"]["round"])
    return None


def _key_round(kind: str, data: Any, line_round: int | None) -> int:
    if isinstance(data, Mapping) and kind == "round-summary":
        return int(data["round"])
    return int(line_round or 0)


def replay_trace(lines: list[dict[str, Any]], compat: Compat = "server") -> ReplayResult:
    """Replay parsed trace lines; see the module docstring."""
    params, game_id = _creation(lines)
    rho = _trace_reward_round(lines)
    if rho is not None and params.reward_round is None:
        params = params.replace(reward_round=rho)
    game = new_game(params, SessionValues(session_table(params.session_number)), np.random.default_rng(0),
                    compat=compat, game_id=game_id)
    game.unjoin_all()
    engine = _Collected()
    trace = _Collected()
    rejected: list[str] = []
    tokens: dict[str, int] = {}
    client_seat: dict[Any, int] = {}
    next_seat = 1

    def record(events: list[Any]) -> None:
        round_now = game.round
        for ev in events:
            data = to_json(ev.data)
            if ev.kind == "reward":
                engine.rewards[ev.to] = data
            elif ev.kind in _PER_SEAT:
                for p in game.players:
                    if ev.reaches(p.number, p.role):
                        engine.per_seat[(ev.kind, p.number, _key_round(ev.kind, data, round_now))].append(data)
            elif ev.kind in _BROADCAST:
                engine.broadcast[(ev.kind, round_now)].append(data)

    def advance_to(target: tuple[int, int]) -> None:
        guard = 0
        while not game.over and (game.round, game.phase) < target:
            record(game.timeout())
            guard += 1
            if guard > 1000:  # pragma: no cover - defensive: a broken trace must not hang
                raise RuntimeError(f"could not reach round/phase {target}")

    late = _late_messages(lines)
    record(game.start())
    for index, line in enumerate(lines):
        d, msg = line.get("dir"), line.get("msg")
        if d == "recv" and isinstance(msg, Mapping):
            kind = msg.get("eventType")
            if kind == "phase-transition":
                pt = msg.get("data") or {}
                advance_to((int(pt.get("round", 0)), int(pt.get("phase", 0))))
            elif kind == "reward":
                trace.rewards[line["seat"]] = msg.get("data")
            elif kind in _PER_SEAT and isinstance(line.get("seat"), int):
                data = msg.get("data")
                trace.per_seat[(kind, line["seat"], _key_round(kind, data, line.get("round")))].append(data)
            elif kind in _BROADCAST:
                trace.broadcast[(kind, int(line.get("round") or 0), line.get("seat"))].append(msg.get("data"))
            continue
        if d != "send":
            continue
        if isinstance(msg, str):
            try:
                msg = json.loads(msg)
            except json.JSONDecodeError:
                continue  # the server answers with a raw error and nothing changes
        if not isinstance(msg, Mapping):
            continue
        gid = msg.get("gameId")
        if isinstance(gid, bool) or not isinstance(gid, int | float) or gid != game_id:
            continue
        client = line.get("seat")
        mtype = msg.get("type")
        if mtype in ("join", "rejoin"):
            token = msg.get("recovery")
            if isinstance(token, str) and token in tokens:
                client_seat[client] = tokens[token]
                if mtype == "join":
                    record(game.join(tokens[token]))
            elif mtype == "join" and next_seat <= len(game.players):
                tokens[str(token)] = next_seat
                client_seat[client] = next_seat
                next_seat += 1
                record(game.join(client_seat[client]))
            continue
        if mtype == "status" or game.over:
            continue
        seat = client_seat.get(client)
        if seat is None:
            continue  # an unjoined socket: authentication error, nothing changes
        r, p = line.get("round"), line.get("phase")
        if isinstance(r, int) and isinstance(p, int):
            advance_to((r, p))
        action = from_message(msg)
        if index in late and action.TYPE in game.accepted(seat):
            # The server answered "no handler": its timer ended the phase before this message arrived.
            record(game.timeout())
        try:
            record(game.apply(seat, action, raw=dict(msg)))
        except InvalidActionError as exc:
            rejected.append(str(exc))
    end = _trace_end(lines)
    advance_to((params.round_count + 1, 0) if end is None else end)
    cut_round = None if end is None else end[0]
    result = _compare(game, engine, trace, cut_round)
    if end is not None and result.mismatches and not game.over:
        # The server sends a phase's opening events (winning condition, round summaries) before announcing the
        # phase, so a trace cut between the two holds events of a phase it never reached: let the engine enter
        # that phase too. Comparisons are per round, so this only adds engine events; the closer match counts.
        record(game.timeout())
        entered = _compare(game, engine, trace, cut_round)
        if len(entered.mismatches) < len(result.mismatches):
            result = entered
    result.rejected = rejected
    if end is not None:
        result.truncated = {"round": end[0], "phase": end[1]}
        # only the rounds whose summary the trace holds: the engine's view of a round cut short is not a result
        summarized = {rnd for kind, _seat, rnd in trace.per_seat if kind == "round-summary"}
        result.rounds = [r for r in result.rounds if r["round"] in summarized]
    return result


def _trace_end(lines: list[dict[str, Any]]) -> tuple[int, int] | None:
    """``None`` when the trace saw the game end (a ``game-over`` event), else the last (round, phase) it reached.

    A trace cut short must not be completed by the engine's timers: the rounds it never saw would be made up.
    """
    last = (0, 0)
    for line in lines:
        msg = line.get("msg")
        if line.get("dir") != "recv" or not isinstance(msg, Mapping):
            continue
        kind = msg.get("eventType")
        if kind == "game-over":
            return None
        if kind == "phase-transition":
            pt = msg.get("data") or {}
            last = max(last, (int(pt.get("round", 0)), int(pt.get("phase", 0))))
    return last


def _late_messages(lines: list[dict[str, Any]]) -> set[int]:
    """Indices of client messages the server answered with "could not find an handler for <their type>"."""
    late: set[int] = set()
    pending: dict[Any, tuple[int, str]] = {}
    for i, line in enumerate(lines):
        msg, client = line.get("msg"), line.get("seat")
        if line.get("dir") == "send" and isinstance(msg, Mapping):
            pending[client] = (i, str(msg.get("type")))
        elif (line.get("dir") == "recv" and isinstance(msg, Mapping) and msg.get("type") == "error"
              and client in pending):
            idx, mtype = pending[client]
            if str(msg.get("message", "")).endswith(f"could not find an handler for {mtype}"):
                late.add(idx)
                del pending[client]
    return late


def _compare(game: Game, engine: _Collected, trace: _Collected, cut_round: int | None = None) -> ReplayResult:
    """Compare what the engine emitted with what the trace received.

    ``cut_round``: the round a truncated trace stops in; from it on, broadcasts the engine sent that the trace
    does not hold yet are not mismatches (the trace ends before they arrived), while every one it holds is compared.
    """
    result = ReplayResult(treatment=game.treatment)
    for r in game.results:
        price = r.final_price if game.treatment != "voting" else None
        result.rounds.append({
            "round": r.round,
            "winning_condition": r.condition,
            "final_price": to_json(price),
            "profits": {str(s): to_json(v) for s, v in sorted(r.profits.items())},
        })

    def diff(where: str, expected: Any, got: Any) -> None:
        result.compared += 1
        if _strip_cosmetic(to_json(expected)) != _strip_cosmetic(got):
            result.mismatches.append({"where": where, "server": expected, "engine": got})

    for key, items in sorted(trace.per_seat.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        kind, seat, rnd = key
        mine = engine.per_seat.get(key, [])
        for i, item in enumerate(items):
            diff(f"{kind} seat {seat} round {rnd} #{i}", item, mine[i] if i < len(mine) else None)
    # broadcasts: take, per round, the longest list any seat received (a dropped socket misses some)
    best: dict[tuple[str, int], list[Any]] = {}
    for (kind, rnd, _seat), items in trace.broadcast.items():
        if len(items) > len(best.get((kind, rnd), [])):
            best[(kind, rnd)] = items
    for (kind, rnd), items in sorted(best.items()):
        mine = engine.broadcast.get((kind, rnd), [])
        not_yet = cut_round is not None and rnd >= cut_round and len(mine) > len(items)
        if len(mine) != len(items) and not not_yet:
            result.mismatches.append({"where": f"{kind} round {rnd}: count", "server": len(items),
                                      "engine": len(mine)})
        for i, item in enumerate(items):
            diff(f"{kind} round {rnd} #{i}", item, mine[i] if i < len(mine) else None)
    for seat, reward in sorted(trace.rewards.items(), key=lambda kv: str(kv[0])):
        diff(f"reward seat {seat}", reward, engine.rewards.get(seat))
    return result
