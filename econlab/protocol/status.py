"""REST payloads of ``econlab serve``: ``games/status`` (``ibex-rules.md`` §9.8) and ``games/data``.

``status`` follows the lab's shape for the fields a client needs to resynchronise (round, phase,
players, wallet, property, declarations, winning condition, public signal, order books, trades,
signals, summaries) and adds an ``econlab`` object: the treatment, the compat mode, the timer mode
and the open lock-step tick (which seats the server still waits for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from econlab.game import jsnum as js
from econlab.game.params import CONDITIONS, DEVELOPER, SPECULATOR

if TYPE_CHECKING:
    from econlab.protocol.served_game import ServedGame

RULESETS = {"harberger": "Harberger", "futarchy": "Futarchy", "voting": "Voting"}


def status_payload(sg: ServedGame, token: str) -> dict[str, Any]:
    """The ``data`` of ``GET /api/v1/games/status?id=&recovery=`` for ``token`` (the lab's shape).

    Field for field as the lab server's ``getRecoveryData`` (see :mod:`econlab.protocol.lab_rest`),
    fields present in the same phases; ``player.instructions`` is a short text of econlab's own.
    The ``econlab`` object is econlab's extension (treatment, compat, timer mode, open tick).
    """
    game = sg.game
    seat = sg.seat_of(token)
    out: dict[str, Any] = {"found": seat is not None, "canJoin": sg.can_join, "gameData": None,
                           "ruleset": RULESETS[game.treatment]}
    if seat is None:
        return out
    p = game.by_seat[seat]
    first_phase0 = game.phase == 0 and game.round == (0 if game.params.practice_round else 1)
    g: dict[str, Any] = {"id": sg.id, "round": game.round, "phase": game.phase}
    if not first_phase0:
        g["boundaries"] = game.boundaries
    g |= {"conditions": [dict(c) for c in CONDITIONS],
          "players": [{"number": q.number, "role": q.role, "tag": q.tag} for q in game.players]}
    if game.treatment == "voting":
        g, player = _voting(game, p, g)
    else:
        g, player = _market(game, p, g)
    if game.phase in (_VOTING_INSTRUCTED if game.treatment == "voting" else _MARKET_INSTRUCTED):
        player = {"instructions": f"{game.PHASE_NAMES[game.phase]} (econlab serve)"} | player
    player |= {"name": p.name, "tag": p.tag, "number": p.number, "role": p.role, "recovery": token}
    if p.ready or game.treatment != "voting" or game.phase != 0:
        player["ready"] = p.ready
    if game.treatment == "voting":
        player = _voting_player(game, p, player)
    else:
        player = _market_player(game, p, player)
    if game.over:
        g["reward"] = next((rw for rw in game.rewards if rw["number"] == seat), None)
    player["summaries"] = [s for s in reversed(p.summaries) if s.get("round") != 0]
    tick = sg.tick.model_dump() if sg.tick is not None else None
    out["gameData"] = js.to_json({"game": g, "player": player, "timer": sg.timer_end})
    out["econlab"] = {"treatment": game.treatment, "compat": game.compat, "timers": sg.timers.mode, "tick": tick}
    return out


#: phases whose status carries ``player.instructions`` on the lab server
_MARKET_INSTRUCTED = frozenset({1, 2, 3, 6, 7, 8})
_VOTING_INSTRUCTED = frozenset({1, 2, 3, 4, 5, 6, 7})


def _market(game: Any, p: Any, g: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``game`` fields of Harberger / Futarchy and the current round's summary (the lab's ``getSummary``)."""
    futarchy = game.treatment == "futarchy"
    phase, r, w = game.phase, game.current, game.winning_condition
    g = {"ruleset": "Harberger"} | g  # the lab's Futarchy says "Harberger" too
    g["taxRate"] = game.params.tax_rate_final if phase > (5 if futarchy else 4) else game.params.tax_rate_initial
    g["over"] = game.over
    if phase > 2:
        g["declarations"] = [{"id": q.lot.id, "name": q.lot.name, "owner": q.name, "role": q.role,
                              "number": q.number, "d": r.first_declarations.get(q.number)}
                             for q in game.players if q.lot is not None]
        if not futarchy:
            g["winningCondition"] = w
    if phase == 6:
        g["publicSignal"] = list(game.public_signal)
        g["orders"] = [[o.to_json() for o in game.books[c].orders] if c in game.books else [] for c in range(3)]
        g["movementList"] = [[{"from": t["from"], "to": t["to"], "price": t["price"], "condition": c,
                               "median": game.books[c].median_last_seven()} for t in game.books[c].trades]
                             if c in game.books else [] for c in range(3)]
    if futarchy and phase > 6:
        g["winningCondition"] = w
    s: dict[str, Any] = {"round": game.round}
    holder = p.lot is not None
    started = w is not None if futarchy else phase > 2
    if started and w is not None:
        s["condition"] = w
        if holder:
            fd = r.first_declarations.get(p.number)
            s["value"] = p.lot.v[w]
            s["firstDeclaration"] = js.index(fd, w) if not js.is_nullish(fd) else js.UNDEFINED
            s["firstTaxes"] = js.div(js.mul(s["firstDeclaration"], game.params.tax_rate_initial), 100)
        if phase > (6 if futarchy else 4):
            s["firstRepurchase"], s["snipes"] = _repurchase(p, r.snipe_outcomes1)
        if phase > 6 and p.number in r.wallets_after_market:
            wallet = r.wallets_after_market[p.number][w]
            s["market"] = {"balance": wallet["balance"], "shares": wallet["shares"]}
            if holder and not js.is_nullish(p.lot.d):
                s["secondDeclaration"] = js.index(p.lot.d, w)
        if phase > 7 and holder:
            sd = r.second_declarations.get(p.number)
            s["secondDeclaration"] = js.index(sd, w) if not js.is_nullish(sd) else js.UNDEFINED
            s["secondTaxes"] = js.div(js.mul(s["secondDeclaration"], game.params.tax_rate_final), 100)
        if phase > 8:
            s["secondRepurchase"], s["snipes"] = _repurchase(p, r.snipe_outcomes2)
            if "market" in s:
                s["market"]["price"] = r.final_price
    return g, s


def _market_player(game: Any, p: Any, player: dict[str, Any]) -> dict[str, Any]:
    player["wallet"] = [w.to_json(game.params.cash_for_snipers) for w in p.wallet]
    if p.role == SPECULATOR and game.phase > 2:
        player["doneSpeculating"] = bool(p.done_speculating)
    if p.lot is not None:
        player["hasToDeclare"] = js.is_nullish(p.lot.d)
        prop: dict[str, Any] = {"id": p.lot.id, "owner": p.lot.owner, "name": p.lot.name, "v": list(p.lot.v)}
        if game.phase >= 2:
            prop["d"] = p.lot.d
        if game.phase >= 3:
            prop["speculators"] = p.lot.speculators
        player["property"] = prop
    if game.phase == 6:
        player["signals"] = list(p.signals)
    return player


def _repurchase(p: Any, outcomes: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    total: Any = 0
    if p.role == SPECULATOR:
        mine = [o for o in outcomes if o["player"]["number"] == p.number]
        for o in mine:
            total = js.add(total, o["profit"])
    else:
        mine = [o for o in outcomes if o["target"]["number"] == p.number]
        for o in mine:
            total = js.sub(total, o["profit"])
    return total, mine


def _voting(game: Any, p: Any, g: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``game`` fields of Voting (the lab's ``getRecoveryData``)."""
    phase, r = game.phase, game.current
    g["compensationOffers"] = []
    g["over"] = game.over
    if phase >= 2:
        chat = [m for m in r.chat if (m.get("phase") == phase if phase in (2, 5) else m.get("phase") == 2)]
        g["messages"] = [{"time": m["time"], "sender": m["sender"], "to": m["to"], "text": m["text"]}
                         for m in chat if m["sender"] == p.number or p.number in m["to"]]
    g["compensationRequests"] = [{"number": q.number, "compensationRequests": q.requests} for q in game.players] \
        if phase >= 3 and p.role == DEVELOPER else None
    if phase == 7:
        g["winningCondition"] = game.winning_condition
        g["standings"] = game.standings
    if any(q.submitted_offer is True for q in game.players if q.role == DEVELOPER):
        g["compensationOffers"] = r.offer
    return g, {}


def _voting_player(game: Any, p: Any, player: dict[str, Any]) -> dict[str, Any]:
    player = {k: v for k, v in player.items() if k != "ready"} | {
        "property": {"id": p.lot.id, "owner": p.lot.owner, "name": p.lot.name, "v": list(p.lot.v)},
        "recovery": player["recovery"]} | ({"ready": player["ready"]} if "ready" in player else {})
    if any(q.submitted_offer is True for q in game.players if q.role == DEVELOPER):
        player["compensationOfferReceived"] = True
    if not js.is_nullish(p.requests):
        player["compensationRequestReceived"] = True
        player["compensationRequests"] = p.requests
    if not js.is_nullish(p.decisions):
        player["compensationDecisionReceived"] = True
        player["compensationDecisions"] = p.decisions
    w = game.winning_condition
    if w is not None:
        offers = game.current.offer if game.current.offer not in (None, []) else [0, 0]
        comp = js.index(offers, w)
        player["result"] = {"condition": w, "value": p.lot.v[w],
                            "compensation": js.mul(-js.to_number(comp), len(game.players) - 1)
                            if p.role == DEVELOPER else comp}
        if game.phase == 7:
            player["result"]["tally"] = game.current.tally[w]
    return player


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
