"""REST payloads of ``econlab serve``: ``games/status`` (``ibex-rules.md`` §9.8) and ``games/data``.

``status`` follows the lab's shape for the fields a client needs to resynchronise (round, phase,
players, wallet, property, declarations, winning condition, public signal, order books, trades,
signals, summaries) and adds an ``econlab`` object: the treatment, the compat mode, the timer mode
and the open lock-step tick (which seats the server still waits for).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from econlab.games.ibex import jsnum as js
from econlab.games.ibex.harberger import Harberger
from econlab.games.ibex.params import CONDITIONS, DEVELOPER, SPECULATOR

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
            s["firstRepurchase"], s["snipes"] = Harberger.repurchase(p, r.snipe_outcomes1)
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
            s["secondRepurchase"], s["snipes"] = Harberger.repurchase(p, r.snipe_outcomes2)
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
    """``GET /api/v1/games/data?game_id=``: the lab's top-level fields, and econlab's under ``econlab``.

    Deliberate difference: the lab's answer holds every seat's recovery token and private values
    (``players[].recovery``, ``S``, ``property``; ``properties[].v``) and the working state of the
    current phase; econlab serve withholds those (``players`` and ``properties`` carry public fields,
    ``results`` and ``currentPhase`` are empty). Seed, values source, parameter rows and the game's
    record (once over) are in ``econlab``.
    """
    game = sg.game
    first = 0 if game.params.practice_round else 1
    begun = game.round > first or game.phase > 0
    rnd = {"id": sg.id * 100 + game.round, "number": game.round, "phase": game.phase, "gameId": sg.id}
    # as the lab's database row: no title (a column of its own), total_players added by the server
    rows = [r for r in game.params.to_rows() if r["key"] not in ("simulation_reward_round", "title")]
    rows.append({"key": "total_players", "type": "number", "value": str(game.params.n_players)})
    out: dict[str, Any] = {
        "id": sg.id, "title": game.params.title, "createdAt": sg.created_at, "updatedAt": None,
        "endedAt": sg.ended_at,
        "parameters": {r["key"]: _typed(r) for r in rows if not (r["type"] == "number" and r["value"] in (None, ""))},
        "players": [{"id": q.number, "name": q.name, "game_id": sg.id, "number": q.number, "role": q.role,
                     "tag": q.tag, "balance": game.params.role(q.role).balance,
                     "shares": game.params.role(q.role).shares, "cashForSniping": game.params.cash_for_snipers,
                     "paymentToken": q.payment_token, "summaries": q.summaries} for q in game.players],
        "assignedPlayers": len(sg.tokens), "rounds": [rnd], "currentRound": rnd,
        "dataset": game.params.session_number, "type": RULESETS[game.treatment],
        "properties": [{"id": q.lot.id, "owner": q.lot.owner, "name": q.lot.name} for q in game.players
                       if q.lot is not None],
        "conditions": [dict(c) for c in CONDITIONS], "results": [], "currentPhase": None,
        "startTime": sg.start_time,
    }
    if begun:
        out["boundaries"] = game.boundaries
        if game.treatment != "voting":
            decls = [q.lot.d for q in game.players if q.lot is not None and isinstance(q.lot.d, list)]
            out["D"] = [functools.reduce(js.add, [js.index(d, c) for d in decls], 0) for c in (0, 1)]
            out["publicSignal"] = list(game.public_signal)
        if game.treatment == "futarchy":
            out["quotations"] = [0, 0, 0]
        if game.treatment == "voting" and game.current.offer not in (None, []):  # set by the developer's offer
            out["compensationOffers"] = game.current.offer
        if game.winning_condition is not None or game.over:
            out["winningCondition"] = game.winning_condition
    if game.over:
        out["rewardRound"] = game.reward_round
        out["rewards"] = game.rewards
    out["ruleset"] = RULESETS[game.treatment]
    out["econlab"] = {"treatment": game.treatment, "seed": sg.seed, "values": sg.values, "over": game.over,
                      "parameterRows": game.params.to_rows(), "gameParameters": game.params.to_lab(),
                      "record": sg.record}
    return js.to_json(out)


def _typed(row: dict[str, Any]) -> Any:
    """A parameter row's value as the lab's database hands it back (numbers parsed, booleans real)."""
    v, t = row["value"], row["type"]
    if t == "number":
        return int(float(v))
    if t == "float":
        return float(v)
    if t == "boolean":
        return v if isinstance(v, bool) else str(v).lower() == "true"
    return v
