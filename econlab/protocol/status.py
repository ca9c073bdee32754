"""REST payloads of ``econlab serve``: ``games/status`` (``ibex-rules.md`` §9.8) and ``games/data``.

``status`` follows the lab's shape for the fields a client needs to resynchronise (round, phase,
players, wallet, property, declarations, winning condition, public signal, order books, trades,
signals, summaries) and adds an ``econlab`` object: the treatment, the compat mode, the timer mode
and the open lock-step tick (which seats the server still waits for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from econlab.game import jsnum as js
from econlab.game.params import CONDITIONS, SPECULATOR

if TYPE_CHECKING:
    from econlab.protocol.served_game import ServedGame

RULESETS = {"harberger": "Harberger", "futarchy": "Futarchy", "voting": "Voting"}


def status_payload(sg: ServedGame, token: str) -> dict[str, Any]:
    """The ``data`` of ``GET /api/v1/games/status?id=&recovery=`` for ``token``."""
    game = sg.game
    seat = sg.seat_of(token)
    out: dict[str, Any] = {"found": seat is not None, "canJoin": sg.can_join, "gameData": None,
                           "ruleset": RULESETS[game.treatment]}
    if seat is None:
        return out
    p = game.by_seat[seat]
    market = game.treatment != "voting"
    g: dict[str, Any] = {
        "ruleset": RULESETS[game.treatment], "id": sg.id, "round": game.round, "phase": game.phase,
        "boundaries": game.boundaries, "conditions": [dict(c) for c in CONDITIONS],
        "players": [{"number": q.number, "role": q.role, "tag": q.tag} for q in game.players], "over": game.over,
    }
    player: dict[str, Any] = {"round": game.round, "name": p.name, "tag": p.tag, "number": p.number, "role": p.role,
                              "recovery": token, "ready": p.ready, "summaries": list(reversed(p.summaries))}
    if p.lot is not None:
        player["property"] = {"id": p.lot.id, "owner": p.lot.owner, "name": p.lot.name, "v": list(p.lot.v)}
    if market:
        r = game.current
        futarchy = game.treatment == "futarchy"
        g["taxRate"] = game.params.tax_rate_final if game.phase >= (6 if futarchy else 5) \
            else game.params.tax_rate_initial
        if game.phase >= 3:
            g["declarations"] = _decls(game, r.first_declarations)
        if game.phase >= 8:
            g["secondDeclarations"] = _decls(game, r.second_declarations)
        if game.winning_condition is not None and game.phase >= (7 if futarchy else 3):
            g["winningCondition"] = game.winning_condition
        if game.phase >= 5:
            g["publicSignal"] = list(game.public_signal)
        if game.phase == 6:
            g["orders"] = {str(c): [o.to_json() for o in b.orders] for c, b in game.books.items()}
            g["movementList"] = [t for c in sorted(game.books) for t in game.books[c].trades]
            player["signals"] = list(p.signals)
        player["wallet"] = [w.to_json(game.params.cash_for_snipers) for w in p.wallet]
        if p.role == SPECULATOR:
            player["doneSpeculating"] = bool(p.done_speculating)
        if p.lot is not None:
            player["hasToDeclare"] = js.is_nullish(p.lot.d)
            player["declaration"] = p.lot.d
    if game.over:
        g["reward"] = next((rw for rw in game.rewards if rw["number"] == seat), None)
    tick = sg.tick.model_dump() if sg.tick is not None else None
    out["gameData"] = js.to_json({"game": g, "player": player, "timer": sg.timer_end})
    out["econlab"] = {"treatment": game.treatment, "compat": game.compat, "timers": sg.timers.mode, "tick": tick}
    return out


def data_payload(sg: ServedGame) -> dict[str, Any]:
    """``GET /api/v1/games/data?game_id=``: the game's parameters and state (as the lab, no secrets)."""
    game = sg.game
    return js.to_json({
        "id": sg.id, "type": game.treatment, "ruleset": RULESETS[game.treatment],
        "parameters": {row["key"]: row["value"] for row in game.params.to_rows()},
        "parameterRows": game.params.to_rows(), "gameParameters": game.params.to_lab(),
        "assignedPlayers": len(sg.tokens), "currentRound": {"number": game.round, "phase": game.phase},
        "players": [{"number": q.number, "role": q.role, "tag": q.tag, "name": q.name} for q in game.players],
        "over": game.over, "rewardRound": game.reward_round, "rewards": game.rewards,
        "seed": sg.seed, "values": sg.values, "record": sg.record,
    })


def _decls(game: Any, decls: dict[int, Any]) -> list[dict[str, Any]]:
    return [{"id": q.lot.id, "name": q.lot.name, "role": q.role, "number": q.number, "d": decls.get(q.number)}
            for q in game.players if q.lot is not None]
