"""Tidy tables from game records: econlab's own records and the lab's record files alike.

Tables (one row per ...):

* ``games``: game (source, treatment, scenario, seeds, session, paid round, decision counts);
* ``rounds``: game x round (condition, sums of true values per condition, final price, dividend
  fundamentals, trades, spread, taxes, snipes, offer, tally, chat);
* ``seats``: game x round x seat (role, policy, persona, values, declarations, taxes, snipes, trades,
  cash, shares, request, vote, profit, payment);
* ``decisions``: every action with its seat's ``policy`` and its ``source``, who decided: the policy name
  for scripted and RL seats, ``human`` in a lab record, and for LLM seats ``llm`` (the model's answer) or
  ``fallback:<reason>`` (``budget``, ``backend-error``, ``unparseable``: the documented fallback, including
  fallbacks that do nothing, with no action); validity (unknown, null, for lab records);
* ``orders`` (posted and cancelled orders) and ``trades``;
* ``llm_calls``: the record's ``llm_calls`` entries with the same ``source`` (empty when no LLM seat played).

A lab record (``{parameters, log}``, e.g. the shared human sessions) has no results section; it is
replayed through the engine in ``compat="server"`` with the values of its ``session_number``, which
rebuilds the results (and ``simulation_reward_round`` fixes the paid round).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from econlab.eval.market_stats import market_spreads
from econlab.policies.llm.records import source_of

TABLES = ("games", "rounds", "seats", "decisions", "orders", "trades", "llm_calls")
ROLE_NAMES = {1: "speculator", 2: "developer", 3: "owner"}
LLM_COLUMNS = ["game_id", "seat", "round", "phase", "source"]
#: columns of tables that can be empty (no market, no LLM seat), so that empty tables keep their schema
EMPTY_COLUMNS = {
    "orders": ["game_id", "treatment", "scenario", "round", "phase", "seat", "kind", "side", "price", "quantity",
               "condition", "now", "order_id"],
    "trades": ["game_id", "treatment", "scenario", "round", "condition", "buyer", "seller", "price", "quantity",
               "median"],
    "llm_calls": LLM_COLUMNS,
}


@dataclass
class GameData:
    """One game's record, its decisions and where it came from (``sim``: econlab, ``lab``: a lab record file)."""

    game_id: str
    record: dict[str, Any]
    decisions: list[dict[str, Any]] = field(default_factory=list)
    source: str = "sim"


def num(x: Any) -> float:
    """A float, or NaN for anything that is not a number (lab records can hold strings and nulls)."""
    if isinstance(x, bool) or x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def at(x: Any, i: int) -> float:
    """``x[i]`` as a float (NaN when missing)."""
    return num(x[i]) if isinstance(x, list) and len(x) > i else math.nan


def reconstruct(record: Mapping[str, Any]) -> dict[str, Any]:
    """A lab record with econlab's ``results`` section, rebuilt by replaying its log (compat ``server``)."""
    import numpy as np

    from econlab.games.ibex import GameParams, SessionValues, new_game
    from econlab.games.ibex.data import session_table
    from econlab.games.ibex.record import build_record, replay_record

    params = GameParams.from_rows(record["parameters"])
    game = new_game(params, SessionValues(session_table(params.session_number)), np.random.default_rng(0),
                    compat="server", emit_events=False)
    replay_record(game, list(record["log"]))
    if not game.over:
        raise ValueError("the record's log does not reach the end of the game")
    rebuilt = build_record(game, {"source": "lab"})
    return dict(record, results=rebuilt["results"], econlab=dict(rebuilt["econlab"], **(record.get("econlab") or {})))


def load_game(path: str | Path) -> GameData:
    """Read a record file: ``<id>.record.json`` (econlab; decisions from ``<id>.decisions.json``) or a lab file."""
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        record = json.load(fh)
    if not isinstance(record, dict) or "parameters" not in record or "log" not in record:
        raise ValueError(f"{path}: not a game record (needs 'parameters' and 'log')")
    if path.name.endswith(".record.json") and "results" in record:
        gid = path.name[: -len(".record.json")]
        dec_path = path.with_name(f"{gid}.decisions.json")
        decisions = json.loads(dec_path.read_text(encoding="utf-8")) if dec_path.exists() else []
        return GameData(gid, record, decisions, "sim")
    gid = path.name.split(".")[0]
    try:
        full = reconstruct(record)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{path}: cannot rebuild the game from its log: {exc}") from exc
    return GameData(gid, full, _log_decisions(record["log"]), "lab")


def _log_decisions(log: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in log:
        c = e.get("content")
        if e.get("type") != "message" or not isinstance(c, Mapping) or not isinstance(e.get("number"), int):
            continue
        if c.get("type") == "join":
            continue
        out.append({"round": e.get("round"), "phase": e.get("phase"), "tick": None, "seat": e["number"],
                    "policy": "human", "action": dict(c), "valid": None, "error": None})
    return out


def persona_of(policy: str | None) -> str | None:
    """The ``persona=`` parameter of a policy spec such as ``llm:persona=exploiter`` (None without one)."""
    if not policy or ":" not in policy:
        return None
    for item in policy.split(":", 1)[1].split(","):
        key, _, value = item.partition("=")
        if key.strip() == "persona" and value.strip():
            return value.strip()
    return None


def _vwap(trades: Sequence[Mapping[str, Any]]) -> float:
    """Volume-weighted mean trade price (NaN without trades)."""
    qty = sum(num(t.get("quantity")) for t in trades)
    return sum(num(t.get("price")) * num(t.get("quantity")) for t in trades) / qty if qty > 0 else math.nan


def _meta(g: GameData) -> dict[str, Any]:
    return g.record.get("econlab") or {}


def game_rows(g: GameData) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one game."""
    meta = _meta(g)
    res = g.record["results"]
    pay = res.get("payment") or {}
    rewards = {r["number"]: r for r in pay.get("rewards") or []}
    paid_round = pay.get("round")
    policies = meta.get("policies") or {}
    personas = meta.get("personas") or {}
    params = {p["key"]: p.get("value") for p in g.record["parameters"]}
    tau2 = num(params.get("tax_rate_final"))
    treatment = meta.get("treatment") or params.get("game_type")
    # a lab record's seats were played by people (the lab's sessions): policy and scenario "human"
    who = "human" if g.source == "lab" else g.source
    base = {"game_id": g.game_id, "treatment": treatment, "scenario": meta.get("scenario", who)}
    orders = []
    for e in g.record["log"]:
        c = e.get("content")
        if e.get("type") != "message" or not isinstance(c, Mapping):
            continue
        if c.get("type") in ("post-order", "cancel-order"):
            o = c.get("order") or {}
            orders.append(base | {"round": e.get("round"), "phase": e.get("phase"), "seat": e.get("number"),
                                  "kind": "post" if c["type"] == "post-order" else "cancel",
                                  "side": o.get("type"), "price": num(o.get("price")),
                                  "quantity": num(o.get("quantity")), "condition": o.get("condition"),
                                  "now": bool(o.get("now")) if "now" in o else None, "order_id": num(o.get("id"))})
    rounds, seats, trades = [], [], []
    spreads = market_spreads(g.record) if treatment != "voting" else {}
    for r in res["rounds"]:
        rnd, w = r["round"], r.get("condition")
        seat_entries = r["seats"]
        sums = [sum(at(s.get("values"), c) for s in seat_entries.values() if "values" in s) for c in (0, 1)]
        row = base | {"round": rnd, "paid": bool(r.get("paid")), "paid_round": rnd == paid_round,
                      "condition": w, "value_sum_0": sums[0], "value_sum_1": sums[1], "tax_rate_final": tau2,
                      "n_seats": len(seat_entries)}
        snipes = list(r.get("snipes_first") or []) + list(r.get("snipes_second") or [])
        if treatment != "voting":
            rtrades = list(r.get("trades") or [])
            row |= {"final_price": num(r.get("final_price")), "public_signal": at(r.get("public_signal"), w or 0),
                    "n_trades": len(rtrades), "volume": sum(num(t.get("quantity")) for t in rtrades),
                    "mean_trade_price": _vwap(rtrades),
                    "spread": spreads.get(rnd, math.nan),
                    "n_snipes": len(snipes)}
            for t in rtrades:
                trades.append(base | {"round": rnd, "condition": t.get("condition"), "buyer": t.get("to"),
                                      "seller": t.get("from"), "price": num(t.get("price")),
                                      "quantity": num(t.get("quantity")), "median": num(t.get("median"))})
        else:
            tally = r.get("tally") or []
            row |= {"offer": at(r.get("offer"), 1), "offer_sender": r.get("offer_sender"),
                    "tally_0": at(tally, 0), "tally_1": at(tally, 1), "chat_messages": r.get("chat_messages")}
        rounds.append(row)
        for key, s in seat_entries.items():
            seat = int(key)
            role = ROLE_NAMES.get(s.get("role"), str(s.get("role")))
            mine = [x for x in snipes if (x.get("player") or {}).get("number") == seat]
            srow = base | {"round": rnd, "paid": bool(r.get("paid")), "seat": seat, "role": role,
                           "tag": s.get("tag"), "policy": policies.get(key, who),
                           "persona": personas.get(key) or persona_of(policies.get(key)),
                           "value_0": at(s.get("values"), 0),
                           "value_1": at(s.get("values"), 1), "profit": num(s.get("profit")),
                           "payment": num(rewards[seat]["reward"]) if rnd == paid_round and seat in rewards
                           else math.nan}
            if treatment != "voting":
                market = s.get("market") or {}
                rtrades = r.get("trades") or []
                srow |= {"decl1_0": at(s.get("first_declaration"), 0), "decl1_1": at(s.get("first_declaration"), 1),
                         "decl2_0": at(s.get("second_declaration"), 0),
                         "decl2_1": at(s.get("second_declaration"), 1),
                         "tax1": num(s.get("first_tax")), "tax2": num(s.get("second_tax")),
                         "snipes_made": len(mine), "snipe_profit": sum(num(x.get("profit")) for x in mine),
                         "times_sniped": sum(1 for x in snipes if (x.get("target") or {}).get("number") == seat),
                         "buys": sum(1 for t in rtrades if t.get("to") == seat),
                         "sells": sum(1 for t in rtrades if t.get("from") == seat),
                         "cash": num(market.get("balance")), "shares": num(market.get("shares"))}
            else:
                vote = s.get("vote")
                srow |= {"request": at(s.get("request"), 1),
                         "vote": "yes" if vote == [1] else "no" if vote == [0] else
                         "abstain" if vote in ([], None) else json.dumps(vote)}
            seats.append(srow)
    decisions = []
    for d in g.decisions:
        action = d.get("action") or {}
        decisions.append(base | {"round": d.get("round"), "phase": d.get("phase"), "tick": d.get("tick"),
                                 "seat": d.get("seat"), "policy": d.get("policy"),
                                 "source": d.get("source") or d.get("policy"), "type": action.get("type"),
                                 "action": json.dumps(action, sort_keys=True), "valid": d.get("valid"),
                                 "error": d.get("error")})
    llm = [{"game_id": g.game_id} | {k: (json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v)
                                     for k, v in call.items()} | {"source": source_of(call)}
           for call in g.record.get("llm_calls", [])]
    decs = g.decisions
    game = base | {"source": g.source, "seed": meta.get("tournament_seed"), "repetition": meta.get("repetition"),
                   "game_seed": meta.get("game_seed", meta.get("seed")), "session": num(params.get("session_number")),
                   "paid_round": paid_round, "compat": meta.get("compat"),
                   "rounds": sum(1 for r in res["rounds"] if r.get("paid")), "n_seats": len(rewards),
                   "policies": json.dumps(policies, sort_keys=True), "n_decisions": len(decs),
                   "n_invalid": sum(1 for d in decs if d.get("valid") is False)}
    return {"games": [game], "rounds": rounds, "seats": seats, "decisions": decisions, "orders": orders,
            "trades": trades, "llm_calls": llm}


def rows_of_file(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The table rows of one record file (picklable unit of work for a process pool)."""
    return game_rows(load_game(path))


def tables_from_games(games: Iterable[GameData]) -> dict[str, pd.DataFrame]:
    """Concatenate the rows of many games into the tables (rows in game order)."""
    return _tables(game_rows(g) for g in games)


def _tables(per_game: Iterable[Mapping[str, list[dict[str, Any]]]]) -> dict[str, pd.DataFrame]:
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for game in per_game:
        for name, part in game.items():
            rows[name].extend(part)
    out = {name: pd.DataFrame(rows[name]) for name in TABLES}
    for name, cols in EMPTY_COLUMNS.items():
        if out[name].empty:
            out[name] = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    if "valid" in out["decisions"]:
        out["decisions"]["valid"] = out["decisions"]["valid"].astype("boolean")
    return out


def build_tables(source: str | Path | Sequence[str | Path], games: Sequence[str] | None = None, *,
                 workers: int = 1) -> dict[str, pd.DataFrame]:
    """Tables of a records folder (``*.record.json``, sorted by id, or only ``games``) or of record files.

    With ``workers > 1`` the files are read in a process pool; the tables are the same (rows in file order).
    """
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        folder = Path(source)
        ids = sorted(games) if games is not None else sorted(p.name[: -len(".record.json")]
                                                              for p in folder.glob("*.record.json"))
        paths = [folder / f"{gid}.record.json" for gid in ids if (folder / f"{gid}.record.json").exists()]
    else:
        paths = [Path(p) for p in ([source] if isinstance(source, (str, Path)) else source)]
    if workers > 1 and len(paths) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            return _tables(pool.map(rows_of_file, paths, chunksize=max(1, len(paths) // (4 * workers))))
    return _tables(rows_of_file(p) for p in paths)


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path) -> None:
    """Write each table to ``folder/<name>.parquet`` (through a temporary file and a rename)."""
    import os

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        tmp = folder / f".{name}.parquet.tmp"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, folder / f"{name}.parquet")


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read the tables written by :func:`write_tables`."""
    folder = Path(folder)
    missing = [n for n in TABLES if not (folder / f"{n}.parquet").exists()]
    if missing:
        raise ValueError(f"{folder}: missing tables {missing}; run `econlab tournament` first")
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLES}
