"""``econlab serve`` (a real subprocess on loopback) and ``econlab connect`` (the CLI) playing a game on it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from econlab.cli import app
from econlab.eval.runner import play_game
from econlab.games.ibex import GameParams
from econlab.games.ibex.spec import GameSpec
from econlab.policies import make_policy
from econlab.protocol.server import PASSWORD_ENV, USER_ENV

SECRET = "cli-test-password-123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_and_connect_commands(tmp_path: Path) -> None:
    rest_port, ws_port = _free_port(), _free_port()
    env = os.environ | {USER_ENV: "lab", PASSWORD_ENV: SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-m", "econlab.cli", "serve", "--rest-port", str(rest_port), "--ws-port", str(ws_port),
         "--market-ticks", "3", "--seed", "6", "--out", str(tmp_path / "server")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        rest = f"http://127.0.0.1:{rest_port}"
        params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
        for _ in range(200):
            try:
                r = httpx.post(f"{rest}/api/v1/games/create-for-llm",
                               json={"username": "lab", "password": SECRET, "gameParameters": params.to_lab()})
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert r.status_code == 200, r.text
        gid = r.json()["data"]["id"]
        result = CliRunner().invoke(app, [
            "connect", "--rest", rest, "--ws", f"ws://127.0.0.1:{ws_port}", "--game-id", str(gid),
            "--seats", "1-12", "--policy", "speculator=random", "--policy", "2=truthful", "--default", "strategic",
            "--out", str(tmp_path / "client")])
        assert result.exit_code == 0, result.output
        assert "round 1:" in result.output
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"REST http://127.0.0.1:{rest_port}/api/v1" in out and SECRET not in out
    record = json.loads((tmp_path / "client" / f"game-{gid}.record.json").read_text())
    decisions = json.loads((tmp_path / "client" / f"game-{gid}.decisions.json").read_text())
    assert decisions and record == json.loads(next((tmp_path / "server").glob("game-1-*.record.json")).read_text())
    connection = json.loads((tmp_path / "client" / f"game-{gid}.connection.json").read_text())
    assert set(connection) == {"reconnects", "resends", "http_retries", "resync_fallbacks", "errors"}
    assert (connection["reconnects"], connection["resync_fallbacks"], connection["errors"]) == (0, 0, {})
    names = {s: "random" if s >= 7 else "truthful" if s == 2 else "strategic" for s in range(1, 13)}
    local = play_game(GameSpec(params=params, seed=6, market_ticks=3), {s: make_policy(n) for s, n in names.items()})
    assert record["results"] == local.record["results"]


def test_connect_rejects_bad_arguments() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                 "--game-id", "1", "--seats", "5-3"])
    assert result.exit_code == 2 and "FIRST-LAST" in result.output
    result = runner.invoke(app, ["connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                 "--game-id", "1", "--policy", "banker=random"])
    assert result.exit_code == 2 and "seat key 'banker' is neither a role" in result.output
    result = runner.invoke(app, ["connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                 "--game-id", "1", "--default", "nonsense"])
    assert result.exit_code == 2 and "unknown policy" in result.output
    result = runner.invoke(app, ["connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                 "--game-id", "1"])
    assert result.exit_code == 2 and "error: cannot reach the IBEX REST API at http://127.0.0.1:9" in result.output
    result = runner.invoke(app, ["serve", "--timers", "/nonexistent/timers.json"])
    assert result.exit_code == 2 and "cannot read timers" in result.output
