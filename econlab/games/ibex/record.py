"""The lab's record format ``{parameters, log}`` plus econlab's results section (pure; no I/O).

``parameters`` are the server's flat parameter rows, ``log`` every message the players sent (as
``{"content", "number", "tag", "phase", "round", "type": "message"}``) and every timer expiry
(``{"type": "phase-timeout", ...}``), exactly like the lab's ``records/<id>.log.json``. econlab adds
``results`` (per round: values, declarations, condition, taxes, snipes, trades, final price, each
seat's profit; and the payment) and ``econlab`` (how the game was produced). A record can be fed
back through the engine with :func:`replay_record`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.actions import from_message
from econlab.games.ibex.engine import Compat, Game
from econlab.games.ibex.errors import InvalidActionError

RECORD_VERSION = 1


def round_results(game: Game, index: int) -> dict[str, Any]:
    """The results entry of ``game.results[index]`` (a finished round)."""
    r = game.results[index]
    tau1, tau2 = game.params.tax_rate_initial, game.params.tax_rate_final
    w = r.condition
    seats: dict[str, Any] = {}
    for p in game.players:
        entry: dict[str, Any] = {"role": p.role, "tag": p.tag, "profit": r.profits.get(p.number)}
        if p.number in r.values:
            entry["values"] = r.values[p.number]
        if game.treatment != "voting":
            if p.number in r.first_declarations:
                d1 = r.first_declarations[p.number]
                entry["first_declaration"] = d1
                entry["first_declared"] = r.first_declared.get(p.number)
                if w is not None and isinstance(d1, list):
                    entry["first_tax"] = js.div(js.mul(js.index(d1, w), tau1), 100)
            if p.number in r.second_declarations:
                d2 = r.second_declarations[p.number]
                entry["second_declaration"] = d2
                entry["second_declared"] = r.second_declared.get(p.number)
                if w is not None and isinstance(d2, list):
                    entry["second_tax"] = js.div(js.mul(js.index(d2, w), tau2), 100)
            if p.number in r.wallets_after_market and w is not None:
                entry["market"] = r.wallets_after_market[p.number][w]
        else:
            entry["request"] = next((q["compensationRequests"] for q in reversed(r.requests)
                                     if q["number"] == p.number), None)
            if p.number in r.final_decisions:
                entry["vote"] = r.final_decisions[p.number]
        seats[str(p.number)] = entry
    out: dict[str, Any] = {"round": r.round, "paid": r.round >= 1, "condition": w, "seats": seats}
    if game.treatment != "voting":
        out.update({
            "public_signal": r.public_signal,
            "snipes_first": r.snipe_outcomes1,
            "snipes_second": r.snipe_outcomes2,
            "trades": r.trades,
            "medians": r.medians,
            "final_price": r.final_price,
        })
    else:
        out.update({"offer": r.offer, "offer_sender": r.offer_sender, "tally": r.tally,
                    "chat_messages": len(r.chat)})
    return js.to_json(out)


def payment(game: Game) -> dict[str, Any] | None:
    """The paid round and each seat's reward, once the game is over."""
    if not game.over:
        return None
    return js.to_json({"round": game.reward_round, "rewards": game.rewards})


def build_record(game: Game, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole record of a game (finished or not)."""
    finished = [i for i, r in enumerate(game.results) if r.profits]
    return {
        "parameters": game.params.to_rows(),
        "log": game.log_json(),
        "results": {"rounds": [round_results(game, i) for i in finished], "payment": payment(game)},
        "econlab": dict(meta or {}, record_version=RECORD_VERSION, treatment=game.treatment, compat=game.compat),
    }


def replay_record(game: Game, log: list[Mapping[str, Any]],
                  after: Callable[[Game, Mapping[str, Any]], None] | None = None) -> list[str]:
    """Feed a record's log through a fresh, unstarted game (seats bound in join order).

    Args:
        game: A new game with the record's parameters, values and compat mode.
        log: The record's ``log``.
        after: Called with ``(game, message)`` after each game message was applied (to sample the state).

    Returns:
        The errors of rejected messages (strict mode), in order.
    """
    errors: list[str] = []
    game.unjoin_all()
    game.start()
    next_seat = 1
    for entry in log:
        kind = entry.get("type")
        if kind == "phase-timeout":
            if not game.over:
                game.timeout()
            continue
        if kind != "message":
            continue
        content = entry.get("content")
        if not isinstance(content, Mapping):
            continue
        if content.get("type") == "join":
            seat = entry.get("number")
            if not isinstance(seat, int):
                seat = next_seat
                next_seat += 1
            if seat in game.by_seat:
                game.join(seat)
            continue
        seat = entry.get("number")
        if not isinstance(seat, int) or seat not in game.by_seat:
            continue
        if not game.by_seat[seat].joined:
            game.join(seat)
        try:
            game.apply(seat, from_message(content), raw=dict(content))
        except InvalidActionError as exc:
            errors.append(str(exc))
            continue
        if after is not None:
            after(game, content)
    return errors


def compat_of(record: Mapping[str, Any]) -> Compat:
    """The compat mode a record was produced with (lab records: ``server``)."""
    meta = record.get("econlab") or {}
    return "strict" if meta.get("compat") == "strict" else "server"
