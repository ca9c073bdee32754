"""The lab server's REST answers (fixtures captured on the real server) against econlab's models and serve.

Fixtures: ``tests/protocol/fixtures/lab/`` (see its README). Every fixture must validate; a changed
shape must not; ``econlab serve`` answers must validate against the same models and carry the same
keys as the lab's answer in each phase, for each role.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from econlab.games.ibex import GameParams
from econlab.policies import make_policy
from econlab.protocol import lab_rest
from econlab.protocol.client import RemoteSession
from econlab.protocol.mirror import Mirror
from econlab.protocol.outcome import params_from_data
from econlab.protocol.server import IbexServer
from econlab.protocol.status import status_payload
from econlab.protocol.timers import TimerConfig

FIXTURES = Path(__file__).parent / "fixtures" / "lab"
TREATMENTS = ("harberger", "futarchy", "voting")
#: player keys that depend on what a seat did, not on the phase (the fixtures' seat 1, and the Voting
#: developer, were passive); their shapes are still checked by the models
ACTION_DEPENDENT = frozenset({"secondDeclaration", "compensationOfferReceived", "compensationRequestReceived",
                              "compensationRequests", "compensationDecisionReceived", "compensationDecisions"})
#: seats whose status serve's game is sampled for (the fixtures hold seats 1, 2, 7 and 12)
WATCHED = frozenset({1, 2, 3, 7, 12})


def _load(*parts: str) -> Any:
    return json.loads((FIXTURES.joinpath(*parts)).read_text(encoding="utf-8"))


def _statuses(treatment: str) -> list[dict[str, Any]]:
    return _load(treatment, "status.json")


# ---------------------------------------------------------------------- fixtures validate
@pytest.mark.parametrize("treatment", TREATMENTS)
def test_every_status_fixture_validates(treatment: str) -> None:
    entries = _statuses(treatment)
    phases = {e["phase"] for e in entries}
    last = 9 if treatment != "voting" else 7
    assert phases >= set(range(0, last + 1)) - ({4} if treatment == "voting" else set()), phases
    for e in entries:
        assert e["http_status"] == 200
        lab_rest.Envelope.model_validate(e["body"])
        st = lab_rest.parse_status(e["body"]["data"])
        gd = st.game_data()
        assert gd.game.phase == e["phase"] and gd.player.number == e["seat"]
        assert st.econlab is None  # the lab server has no econlab extension


@pytest.mark.parametrize("treatment", ("harberger", "futarchy"))
def test_market_status_has_per_condition_lists(treatment: str) -> None:
    market = [e for e in _statuses(treatment) if e["phase"] == 6]
    assert market
    for e in market:
        g = e["body"]["data"]["gameData"]["game"]
        assert isinstance(g["orders"], list) and all(isinstance(c, list) for c in g["orders"])
        assert isinstance(g["movementList"], list) and all(isinstance(c, list) for c in g["movementList"])
        game = lab_rest.parse_status(e["body"]["data"]).game_data().game
        assert isinstance(game, lab_rest.MarketGame)
        for c, orders in lab_rest.orders_by_condition(game).items():
            assert all(o.condition == c for o in orders)
        for c, trades in lab_rest.movements_by_condition(game).items():
            assert all(t.condition == c for t in trades)
    assert any(o for e in market for o in e["body"]["data"]["gameData"]["game"]["orders"])  # a live book


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_data_create_recovery_fixtures_validate(treatment: str) -> None:
    for name in ("data-start.json", "data-end.json"):
        ans = _load(treatment, name)
        assert ans["http_status"] == 200
        data = lab_rest.GameDataPayload.model_validate(ans["body"]["data"])
        assert data.ruleset.lower() == treatment
        params_from_data(ans["body"]["data"])  # the client reads the game's parameters from it
    end = lab_rest.GameDataPayload.model_validate(_load(treatment, "data-end.json")["body"]["data"])
    assert end.rewards and len(end.rewards) == (6 if treatment == "voting" else 12)
    created = _load(treatment, "create-for-llm.json")
    assert created["body"]["message"] == "Game created and started"
    lab_rest.CreatedData.model_validate(created["body"]["data"])
    rec = lab_rest.RecoveryData.model_validate(_load(treatment, "get-recovery.json")["body"]["data"])
    assert len(rec.recovery) == 64


def test_error_and_list_fixtures() -> None:
    e = _load("errors.json")
    for ans in e.values():
        if "http_status" in ans and isinstance(ans["body"], dict):
            lab_rest.Envelope.model_validate(ans["body"])
    assert e["data_unknown_game"]["http_status"] == 200 and e["data_unknown_game"]["body"]["data"] is None
    assert e["status_unknown_game"]["http_status"] == 400
    assert e["get_recovery_unknown_game"]["http_status"] == 400
    assert e["create_login_failed"]["http_status"] == 401
    assert e["create_login_failed"]["body"] == {"data": {}, "status": True, "message": "Login failed"}
    assert e["status_finished_game_new_token"]["body"]["data"]["canJoin"] is False
    assert e["http_to_ws_port"]["http_status"] == 426
    assert "HTTP 404" in e["websocket_to_rest_port"]["text"]
    full = _load("futarchy", "join-full-game.json")
    assert "is full" in full["received"][0]["message"]
    lst = _load("list.json")
    assert lst["http_status"] == 200
    for g in lst["body"]["data"]:
        lab_rest.ListedGame.model_validate(g)


# ---------------------------------------------------------------------- changed shapes fail
def _market_entry() -> dict[str, Any]:
    return copy.deepcopy(next(e for e in _statuses("harberger") if e["phase"] == 6))


def test_a_changed_shape_fails() -> None:
    flat = _market_entry()["body"]["data"]
    g = flat["gameData"]["game"]
    g["orders"] = {str(c): orders for c, orders in enumerate(g["orders"])}  # econlab serve's old shape
    with pytest.raises(ValidationError):
        lab_rest.parse_status(flat)
    extra = _market_entry()["body"]["data"]
    extra["gameData"]["player"]["newField"] = 1
    with pytest.raises(ValidationError):
        lab_rest.parse_status(extra)
    missing = _market_entry()["body"]["data"]
    del missing["gameData"]["game"]["phase"]
    with pytest.raises(ValidationError):
        lab_rest.parse_status(missing)
    typed = _market_entry()["body"]["data"]
    typed["gameData"]["game"]["movementList"][0] = [{"from": 1, "to": 2, "price": "10", "condition": 0,
                                                      "median": 10}]
    with pytest.raises(ValidationError):
        lab_rest.parse_status(typed)


# ---------------------------------------------------------------------- the client reads them
@pytest.mark.parametrize("treatment", TREATMENTS)
def test_mirror_resyncs_from_every_lab_status(treatment: str) -> None:
    params = params_from_data(_load(treatment, "data-start.json")["body"]["data"])
    for e in _statuses(treatment):
        p = e["body"]["data"]["gameData"]["player"]
        g = e["body"]["data"]["gameData"]["game"]
        m = Mirror(treatment, params, p["number"], p["role"], p["tag"], g["players"], "server")
        m.resync(e["body"]["data"])  # this crashed on the lab's per-condition lists
        assert (m.round, m.phase, m.over) == (g["round"], g["phase"], g["over"])
        v = m.view()
        if g["phase"] == 6 and treatment != "voting":
            traded = (0, 1) if treatment == "futarchy" else (g["winningCondition"],)
            assert set(v.book) == set(traded)
            for c in traded:
                assert [o["id"] for o in v.book[c]] == [o["id"] for o in g["orders"][c]]
            assert [(t["from"], t["to"], t["price"]) for t in v.trades] == \
                [(t["from"], t["to"], t["price"]) for c in traded for t in g["movementList"][c]]
            assert v.my_signals == p["signals"][:2]
        if treatment != "voting" and g["phase"] >= 1:
            assert v.my_values == (p["property"]["v"][:2] if "property" in p else None)


# ---------------------------------------------------------------------- econlab serve: same shapes
def _keysets(entry_data: dict[str, Any]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    gd = entry_data["gameData"]
    return (frozenset(k for k in entry_data if k != "econlab"), frozenset(gd["game"]),
            frozenset(gd["player"]) - ACTION_DEPENDENT)


async def _serve_snapshots(treatment: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Play a one-round game on econlab serve; the status of every seat at the end of every phase."""
    params = GameParams.lab_default(treatment).replace(round_count=1, practice_round=False)  # type: ignore[arg-type]
    snaps: dict[tuple[int, int], dict[str, Any]] = {}
    async with IbexServer(rest_port=0, ws_port=0, timers=TimerConfig(market_ticks=4, chat_ticks=2)) as srv:
        sg = srv.create_game(params, seed=3)
        send = sg.send

        def spy(seat: int, wire: dict[str, Any]) -> None:
            send(seat, wire)
            if seat == 1:  # after each message to seat 1: the latest snapshot of the phase wins
                for tok, s in sg.tokens.items():
                    if s in WATCHED:
                        snaps[(sg.game.round, sg.game.phase, s)] = status_payload(sg, tok)

        sg.send = spy
        session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, n_seats=params.n_players,
                                policies={s: make_policy("strategic") for s in range(1, params.n_players + 1)})
        await asyncio.wait_for(session.play(), 120)
        for tok, s in sg.tokens.items():
            snaps[(sg.game.round, sg.game.phase, s)] = status_payload(sg, tok)
        async with httpx.AsyncClient(base_url=srv.rest_url) as http:
            tok = next(iter(sg.tokens))
            r = await http.get(f"/api/v1/games/status?id={sg.id}&recovery={tok}")
            lab_rest.Envelope.model_validate(r.json())
            lab_rest.parse_status(r.json()["data"])
    return snaps


@pytest.mark.anyio
@pytest.mark.parametrize("treatment", TREATMENTS)
async def test_serve_status_has_the_labs_shape_in_every_phase(treatment: str) -> None:
    snaps = await _serve_snapshots(treatment)
    for data in snaps.values():
        st = lab_rest.parse_status(data)
        assert st.econlab is not None
    by_phase_role: dict[tuple[int, int], list[tuple]] = {}
    for (_r, phase, _s), data in snaps.items():
        by_phase_role.setdefault((phase, data["gameData"]["player"]["role"]), []).append(_keysets(data))
    for e in _statuses(treatment):
        data = e["body"]["data"]
        key = (e["phase"], data["gameData"]["player"]["role"])
        assert key in by_phase_role, f"serve never showed phase {key[0]} to role {key[1]}"
        lab = _keysets(data)
        diffs = [[sorted(a ^ b) for a, b in zip(lab, mine, strict=True)] for mine in by_phase_role[key]]
        assert lab in by_phase_role[key], (treatment, key, "differences (top, game, player):", diffs)


def test_mirror_names_the_field_of_an_unknown_shape() -> None:
    entry = _market_entry()["body"]["data"]
    g, p = entry["gameData"]["game"], entry["gameData"]["player"]
    g["orders"] = {str(c): orders for c, orders in enumerate(g["orders"])}
    params = params_from_data(_load("harberger", "data-start.json")["body"]["data"])
    m = Mirror("harberger", params, p["number"], p["role"], p["tag"], g["players"], "server")
    with pytest.raises(ValueError, match=r"status: unexpected shape at gameData\..*orders"):
        m.resync(entry)


def test_labs_futarchy_status_fails_with_http_500_in_some_phases() -> None:
    """Recorded on the lab server: its Futarchy status breaks (a TypeError in getSummary) for holders from
    round 2 on, until the round's declarations exist; the answer is HTTP 500 with an empty ``message`` object."""
    probe = _load("futarchy", "status-round2-errors.json")
    assert probe["codes"]["round 2 phase 0 seat 1"] == [500] and probe["codes"]["round 2 phase 0 seat 7"] == [200]
    for ans in probe["failures"].values():
        assert ans["http_status"] == 500
        env = lab_rest.Envelope.model_validate(ans["body"])
        assert env.message == {} and env.data == {}
