"""REST side of ``econlab serve`` (real server over loopback): create, recovery, status, data, auth, secrets."""

from __future__ import annotations

import logging

import httpx
import pytest

from econlab.games.ibex import GameParams
from econlab.protocol.server import PASSWORD_ENV, USER_ENV, IbexServer

pytestmark = pytest.mark.anyio

SECRET = "s3cret-Passw0rd-value"


def _body(password: str = SECRET, **params: object) -> dict:
    lab = GameParams.lab_default("futarchy").replace(round_count=1, practice_round=False).to_lab()
    return {"username": "lab", "password": password, "gameParameters": lab | params}


async def test_create_recovery_status_data_and_auth(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                                    capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(USER_ENV, "lab")
    monkeypatch.setenv(PASSWORD_ENV, SECRET)
    caplog.set_level(logging.DEBUG)
    async with IbexServer(rest_port=0, ws_port=0) as srv, httpx.AsyncClient(base_url=srv.rest_url) as http:
        assert srv.host == "127.0.0.1"  # loopback unless told otherwise
        r = await http.post("/api/v1/games/create-for-llm", json=_body())
        assert r.status_code == 200 and r.json() == {"data": {"id": 1}, "status": True,
                                                     "message": "Game created and started"}
        bad = await http.post("/api/v1/games/create-for-llm", json=_body(password="wrong"))
        assert bad.status_code == 401 and bad.json()["message"] == "Login failed"
        r = await http.post("/api/v1/games/create-for-llm", json=_body(round_count="x"))
        assert r.status_code == 400 and "round_count" in r.json()["message"]
        r = await http.post("/api/v1/games/create-for-llm", content=b"{not json")
        assert r.status_code == 400 and "JSON" in r.json()["message"]
        r = await http.post("/api/v1/games/create-for-llm", json={"username": "lab"})
        assert r.status_code == 400 and "password" in r.json()["message"]
        r = await http.post("/api/v1/games/create-for-llm", json=_body() | {"seed": 9, "values": "uniform"})
        assert r.json()["data"]["id"] == 2 and srv.games[2].seed == 9 and srv.games[2].values == "uniform"

        tok = (await http.get("/api/v1/games/get-recovery?game_id=1")).json()["data"]["recovery"]
        assert len(tok) == 64 and tok.isalnum()
        r = await http.get("/api/v1/games/get-recovery?game_id=77")
        assert r.status_code == 400 and r.json() == {"data": {}, "status": True, "message": "Game 77 was not found"}
        st = (await http.get(f"/api/v1/games/status?id=1&recovery={tok}")).json()
        assert st == {"data": {"found": False, "canJoin": True, "gameData": None, "ruleset": "Futarchy"},
                      "status": True, "message": "Player not found but game 1 can still be joined"}
        r = await http.get("/api/v1/games/status?id=5&recovery=x")
        assert r.status_code == 400 and r.json()["message"] == "Game with id 5 not found"
        data = (await http.get("/api/v1/games/data?game_id=1")).json()["data"]
        assert data["type"] == "Futarchy" and data["assignedPlayers"] == 0 and data["econlab"]["record"] is None
        assert GameParams.from_rows(data["econlab"]["parameterRows"]) == srv.games[1].params
        r = await http.get("/api/v1/games/data?game_id=77")  # as the lab: HTTP 200, data null
        assert r.status_code == 200 and r.json() == {"data": None, "status": True, "message": "Data available"}
        r = await http.get("/api/v1/games/nothing-here")
        assert r.status_code == 404 and "no route" in r.json()["message"]
    out, err = capfd.readouterr()
    assert SECRET not in out + err + caplog.text


async def test_no_account_configured_refuses_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(USER_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    async with IbexServer(rest_port=0, ws_port=0) as srv, httpx.AsyncClient(base_url=srv.rest_url) as http:
        r = await http.post("/api/v1/games/create-for-llm", json=_body())
        assert r.status_code == 401 and USER_ENV in r.json()["message"]
        assert srv.games == {}


async def test_admin_list_and_login_as_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    from econlab.protocol import lab_rest
    from tests.protocol.test_lab_rest import FIXTURES

    lab = __import__("json").loads((FIXTURES / "errors.json").read_text())
    monkeypatch.setenv(USER_ENV, "lab")
    monkeypatch.setenv(PASSWORD_ENV, SECRET)
    async with IbexServer(rest_port=0, ws_port=0) as srv, httpx.AsyncClient(base_url=srv.rest_url) as http:
        await http.post("/api/v1/games/create-for-llm", json=_body())
        for case, query in (("list_no_token", ""), ("list_bad_token", "?token=abc")):
            r = await http.get(f"/api/v1/games/list{query}")
            assert (r.status_code, r.json()) == (lab[case]["http_status"], lab[case]["body"])
        r = await http.post("/api/v1/auth/login", json={"username": "lab", "password": "wrong"})
        assert (r.status_code, r.json()) == (401, lab["auth_login_failed"]["body"])
        r = await http.post("/api/v1/auth/login", json={"username": "lab", "password": SECRET})
        assert r.status_code == 200 and set(r.json()["data"]) == set(lab["auth_login_ok"]["body"]["data"])
        token = r.json()["data"]["token"]
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        r = await http.get(f"/api/v1/games/list?token={forged}")
        assert r.status_code == 500 and r.json()["message"]["message"] == "invalid signature"
        r = await http.get(f"/api/v1/games/list?token={token}")
        assert r.status_code == 200
        games = r.json()["data"]
        want = set(__import__("json").loads((FIXTURES / "list.json").read_text())["body"]["data"][0])
        assert [g["id"] for g in games] == [1] and set(games[0]) == want
        lab_rest.ListedGame.model_validate(games[0])
        assert games[0]["type"] == "Futarchy" and games[0]["round_number"]["number"] == 1


async def test_serve_data_has_the_labs_keys_before_and_after(monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    import json

    from econlab.policies import make_policy
    from econlab.protocol import lab_rest
    from econlab.protocol.client import RemoteSession
    from tests.protocol.test_lab_rest import FIXTURES

    caplog.set_level(logging.INFO, logger="econlab.protocol.server")
    for treatment in ("harberger", "voting"):
        params = GameParams.lab_default(treatment).replace(round_count=1, practice_round=False)  # type: ignore[arg-type]
        async with IbexServer(rest_port=0, ws_port=0) as srv, httpx.AsyncClient(base_url=srv.rest_url) as http:
            sg = srv.create_game(params, seed=1)
            start = (await http.get(f"/api/v1/games/data?game_id={sg.id}")).json()["data"]
            session = RemoteSession(srv.rest_url, srv.ws_url, sg.id, n_seats=params.n_players,
                                    policies={s: make_policy("strategic") for s in range(1, params.n_players + 1)})
            await asyncio.wait_for(session.play(), 120)
            end = (await http.get(f"/api/v1/games/data?game_id={sg.id}")).json()["data"]
        for mine, name in ((start, "data-start.json"), (end, "data-end.json")):
            lab = json.loads((FIXTURES / treatment / name).read_text())["body"]["data"]
            lab_rest.GameDataPayload.model_validate(mine)
            offer = {"compensationOffers"}  # present once the developer offered (the lab's developer was passive)
            assert set(mine) - {"econlab"} - offer == set(lab) - offer, (treatment, name, set(mine) ^ set(lab))
            assert set(mine["parameters"]) == set(lab["parameters"]), set(mine["parameters"]) ^ set(lab["parameters"])
        assert end["econlab"]["record"] is not None and len(end["rewards"]) == params.n_players
    lines = [r.getMessage() for r in caplog.records if r.name == "econlab.protocol.server"]
    assert sum("created" in ln for ln in lines) == 2 and sum("started" in ln for ln in lines) == 2
    assert sum("ended: game over" in ln for ln in lines) == 2
    assert sum(ln.endswith(" joined") for ln in lines) == 12 + 6
    assert sum("left" in ln for ln in lines) == 12 + 6


async def test_wrong_port_answers_as_the_lab() -> None:
    import json

    import websockets

    from tests.protocol.test_lab_rest import FIXTURES

    lab = json.loads((FIXTURES / "errors.json").read_text())
    async with IbexServer(rest_port=0, ws_port=0) as srv, httpx.AsyncClient() as http:
        with pytest.raises(websockets.InvalidStatus) as refused:  # a websocket opened on the REST port
            async with websockets.connect(srv.rest_url.replace("http://", "ws://") + "/"):
                pass
        assert f"HTTP {refused.value.response.status_code}" in lab["websocket_to_rest_port"]["text"]
        r = await http.get(srv.ws_url.replace("ws://", "http://") + "/api/v1/games/status?id=1&recovery=x")
        assert (r.status_code, r.text) == (lab["http_to_ws_port"]["http_status"], lab["http_to_ws_port"]["body"])
