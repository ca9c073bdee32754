"""REST side of ``econlab serve`` (real server over loopback): create, recovery, status, data, auth, secrets."""

from __future__ import annotations

import logging

import httpx
import pytest

from econlab.game import GameParams
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
        assert (await http.get("/api/v1/games/get-recovery?game_id=77")).status_code == 400
        st = (await http.get(f"/api/v1/games/status?id=1&recovery={tok}")).json()["data"]
        assert st == {"found": False, "canJoin": True, "gameData": None, "ruleset": "Futarchy"}
        assert (await http.get("/api/v1/games/status?id=5&recovery=x")).status_code == 400
        data = (await http.get("/api/v1/games/data?game_id=1")).json()["data"]
        assert data["type"] == "futarchy" and data["assignedPlayers"] == 0 and data["record"] is None
        assert GameParams.from_rows(data["parameterRows"]) == srv.games[1].params
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
