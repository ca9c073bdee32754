"""``econlab serve``: the engine as an IBEX-compatible game server (REST + websocket, one asyncio loop).

REST (starlette on uvicorn): ``POST /api/v1/games/create-for-llm``, ``GET /api/v1/games/get-recovery``,
``GET /api/v1/games/status``, ``GET /api/v1/games/data``, admin ``POST /api/v1/auth/login`` and
``GET /api/v1/games/list?token=``; every answer in the lab's envelope ``{"data", "status", "message"}``
with the HTTP code telling success, shapes and messages as the lab server's (:mod:`econlab.protocol.lab_rest`,
checked against fixtures captured on it). The server logs one line per game created, started and
ended, and per seat joined, rejoined and left (logger ``econlab.protocol.server``, level INFO).
WebSocket (``websockets``): ``join`` / ``rejoin`` / ``status`` and every game message. Each socket is
bound to the one seat whose recovery token it joined with and can act only for that seat. Several
games run at once.

The account that may create games comes from the environment (``ECONLAB_SERVER_USER``,
``ECONLAB_SERVER_PASSWORD``); it is compared in constant time and never logged or recorded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from econlab.games.ibex import GameParams
from econlab.games.ibex.engine import Compat
from econlab.protocol import codec
from econlab.protocol.served_game import ServedGame
from econlab.protocol.status import RULESETS, data_payload
from econlab.protocol.timers import TimerConfig

log = logging.getLogger(__name__)
USER_ENV = "ECONLAB_SERVER_USER"
PASSWORD_ENV = "ECONLAB_SERVER_PASSWORD"


@dataclass
class _Conn:
    """One websocket with its outgoing queue (keeps the server's send order) and its seat."""

    ws: Any
    queue: asyncio.Queue[str]
    game_id: int | None = None
    seat: int | None = None


class IbexServer:
    """The server; use ``async with IbexServer(...) as srv`` or :meth:`start` / :meth:`stop`."""

    def __init__(self, *, host: str = "127.0.0.1", rest_port: int = 3080, ws_port: int = 3088,
                 timers: TimerConfig | None = None, compat: Compat = "strict", out_dir: Path | None = None,
                 seed: int = 0, credentials: tuple[str, str] | None = None, assign_name: bool = False) -> None:
        """Configure (nothing listens before :meth:`start`).

        Args:
            host: Interface to bind (loopback by default).
            rest_port: REST port (0: any free port).
            ws_port: WebSocket port (0: any free port).
            timers: Phase timers (default FAST).
            compat: ``"strict"`` (a specific error for every invalid message) or ``"server"``.
            out_dir: Folder for the game records (``None``: no records).
            seed: Seed of games whose creation request names none.
            credentials: ``(user, password)`` allowed to create games; default from the environment.
            assign_name: Send the legacy ``assign-name`` event to a seat that joins (the lab's older
                published clients, econagents 0.0.9, send ``player-is-ready`` only when they get it).
        """
        if compat not in ("strict", "server"):
            raise ValueError(f"compat must be 'strict' or 'server', got {compat!r}")
        self.host, self.rest_port, self.ws_port = host, rest_port, ws_port
        self.timers = timers or TimerConfig()
        self.compat: Compat = compat
        self.out_dir = out_dir
        self.seed = seed
        self.assign_name = assign_name
        if credentials is None:
            user, pw = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
            credentials = (user, pw) if user and pw else None
        self._credentials = credentials
        self.games: dict[int, ServedGame] = {}
        #: games whose first round has begun / that ended (for the one-line log of each)
        self._started: set[int] = set()
        self._ended: set[int] = set()
        #: secret of this server's admin tokens (``auth/login``), new at each start
        self._jwt_key = secrets.token_bytes(32)
        self._conns: dict[tuple[int, int], _Conn] = {}
        self._ws_server: Any = None
        self._rest: Any = None
        self._rest_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def rest_url(self) -> str:
        """Base URL of the REST API (``http://host:port``)."""
        return f"http://{self.host}:{self.rest_port}"

    @property
    def ws_url(self) -> str:
        """URL of the websocket."""
        return f"ws://{self.host}:{self.ws_port}"

    async def start(self) -> None:
        """Listen on both ports."""
        import uvicorn
        from websockets.asyncio.server import serve

        self._ws_server = await serve(self._ws_handler, self.host, self.ws_port, max_size=2**20,
                                      process_request=_plain_http_refused)
        self.ws_port = self._ws_server.sockets[0].getsockname()[1]
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it: no 40 ms stalls
        sock.bind((self.host, self.rest_port))
        self.rest_port = sock.getsockname()[1]
        config = uvicorn.Config(self._rest_app(), log_level="warning", access_log=False, lifespan="off")
        self._rest = uvicorn.Server(config)
        self._rest_task = asyncio.get_running_loop().create_task(self._rest.serve(sockets=[sock]))
        while not self._rest.started:
            if self._rest_task.done():
                self._rest_task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Close every socket and both listeners."""
        for sg in self.games.values():
            sg.close()
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()
        if self._rest is not None:
            self._rest.should_exit = True
            if self._rest_task is not None:
                await self._rest_task

    async def __aenter__(self) -> IbexServer:
        """Start."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop."""
        await self.stop()

    # ------------------------------------------------------------------ games
    def create_game(self, params: GameParams, seed: int | None = None, values: str = "session") -> ServedGame:
        """Create and start a game; returns it (its ``id`` is what clients send as ``gameId``)."""
        gid = max(self.games, default=0) + 1
        sg = ServedGame(gid, params, seed=self.seed if seed is None else seed, values=values, timers=self.timers,
                        compat=self.compat, send=lambda seat, wire, gid=gid: self._send(gid, seat, wire),
                        out_dir=self.out_dir, assign_name=self.assign_name)
        self.games[gid] = sg
        rounds = f"{params.round_count} round(s)" + (" + practice" if params.practice_round else "")
        log.info("game %d created: %s, %d seats, %s", gid, params.game_type, params.n_players, rounds)
        return sg

    def _send(self, game_id: int, seat: int, wire: dict[str, Any]) -> None:
        kind = wire.get("eventType")
        if kind == "phase-transition" and game_id not in self._started and (wire.get("data") or {}).get("phase") == 1:
            self._started.add(game_id)
            log.info("game %d started: every seat joined and ready", game_id)
        elif kind == "game-over" and game_id not in self._ended:
            self._ended.add(game_id)
            log.info("game %d ended: game over", game_id)
        conn = self._conns.get((game_id, seat))
        if conn is not None:  # like the lab: events for a seat without a socket are lost
            conn.queue.put_nowait(json.dumps(wire))

    # ------------------------------------------------------------------ websocket
    async def _ws_handler(self, ws: Any) -> None:
        conn = _Conn(ws=ws, queue=asyncio.Queue())
        writer = asyncio.get_running_loop().create_task(self._writer(conn))
        try:
            async for frame in ws:
                self._on_frame(conn, frame)
                await asyncio.sleep(0)  # let the writer run between frames
        except Exception:  # noqa: BLE001 - a broken socket only ends this connection
            pass
        finally:
            key = (conn.game_id, conn.seat)
            if self._conns.get(key) is conn:  # type: ignore[arg-type]
                del self._conns[key]  # type: ignore[arg-type]
                log.info("game %s: seat %s left (socket closed)", conn.game_id, conn.seat)
            await asyncio.sleep(0)
            writer.cancel()

    async def _writer(self, conn: _Conn) -> None:
        with contextlib.suppress(Exception):
            while True:
                await conn.ws.send(await conn.queue.get())

    def _reply(self, conn: _Conn, wire: dict[str, Any]) -> None:
        conn.queue.put_nowait(json.dumps(wire))

    def _bind(self, conn: _Conn, game_id: int, seat: int) -> None:
        old_key = (conn.game_id, conn.seat)
        if self._conns.get(old_key) is conn:  # type: ignore[arg-type]
            del self._conns[old_key]  # type: ignore[arg-type]
        previous = self._conns.get((game_id, seat))
        if previous is not None and previous is not conn:
            previous.game_id, previous.seat = None, None  # the seat moved to the new socket: the old one may not act
        conn.game_id, conn.seat = game_id, seat
        self._conns[(game_id, seat)] = conn

    def _on_frame(self, conn: _Conn, frame: str | bytes) -> None:
        try:
            msg = codec.decode_client(frame, set(self.games))
        except codec.ProtocolError as exc:
            self._reply(conn, exc.wire)
            return
        gid, kind = msg["gameId"], msg["type"]
        sg = self.games[gid]
        try:
            if kind == "join":
                known = sg.seat_of(msg["recovery"]) is not None
                seat = sg.join(msg["recovery"], bind=lambda seat: self._bind(conn, gid, seat))
                log.info("game %d: seat %d %s", gid, seat, "rejoined" if known else "joined")
            elif kind == "rejoin":
                seat = sg.seat_of(msg["recovery"])
                if seat is None:
                    raise codec.ProtocolError(f"Cannot rejoin game {gid}: invalid recovery string", bare=True)
                self._bind(conn, gid, seat)
                sg.resend_tick(seat)
            elif kind == "status":
                full = sg.status(msg["recovery"])
                # econlab extension: the full REST status, taken at the same instant as the socket's stream
                reply = {"joined": full["gameData"]["player"], "econlab": full} if full["found"] else {}
                self._reply(conn, codec.event("status", reply))
            elif conn.game_id != gid or conn.seat is None:
                hint = "" if self.compat == "server" else " (send join with your recovery token first)"
                where = f"game {conn.game_id}" if conn.game_id is not None else "no game"
                extra = f"; this socket is joined to {where}" if conn.game_id not in (None, gid) else ""
                raise codec.ProtocolError(f"Handler {kind} requires authentication. Player unknown not found in "
                                          f"game {gid}{hint}{extra}")
            else:
                sg.handle(conn.seat, msg)
        except codec.ProtocolError as exc:
            self._reply(conn, exc.wire)
        except Exception as exc:  # noqa: BLE001 - a bug must not silence the socket or stop the game
            log.exception("game %s: error handling %s", gid, kind)
            self._reply(conn, codec.text("error", f"Game {gid}: internal error handling {kind}: {exc!r} "
                                                  "(reported in the server log; the game goes on)"))

    # ------------------------------------------------------------------ admin account
    def _login_ok(self, user: Any, password: Any) -> bool:
        if self._credentials is None or not isinstance(user, str) or not isinstance(password, str):
            return False
        user_ok = hmac.compare_digest(user.encode(), self._credentials[0].encode())
        pw_ok = hmac.compare_digest(password.encode(), self._credentials[1].encode())
        return user_ok and pw_ok

    def _jwt(self, payload: dict[str, Any], ttl_s: int) -> str:
        """An HS256 JSON web token (the lab signs RS256; clients only pass it back)."""
        now = int(time.time())
        parts = [_b64(json.dumps(x, separators=(",", ":")).encode())
                 for x in ({"alg": "HS256", "typ": "JWT"}, payload | {"iat": now, "exp": now + ttl_s})]
        sig = hmac.new(self._jwt_key, ".".join(parts).encode(), hashlib.sha256).digest()
        return ".".join([*parts, _b64(sig)])

    def _jwt_problem(self, token: str | None) -> dict[str, str] | None:
        """``None`` for a valid admin token, else the error object the lab's JWT library reports."""
        def err(message: str, name: str = "JsonWebTokenError") -> dict[str, str]:
            return {"name": name, "message": message}

        if not token:
            return err("jwt must be provided")
        parts = token.split(".")
        if len(parts) != 3:
            return err("jwt malformed")
        sig = hmac.new(self._jwt_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(sig), parts[2]):
            return err("invalid signature")
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return err("jwt malformed")
        if payload.get("exp", 0) < time.time():
            return err("jwt expired", "TokenExpiredError")
        if payload.get("role") != 0:
            return err("not an admin token")
        return None

    # ------------------------------------------------------------------ REST
    def _rest_app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, PlainTextResponse
        from starlette.routing import Route, WebSocketRoute
        from starlette.websockets import WebSocket

        def reply(code: int, data: Any = None, message: str = "") -> JSONResponse:
            body = codec.RestReply(data={} if data is None else data, message=message).model_dump()
            return JSONResponse(body, status_code=code)

        def game_of(raw: str | None) -> ServedGame | None:
            try:
                return self.games.get(int(raw)) if raw is not None else None
            except ValueError:
                return None

        async def create(request: Request) -> JSONResponse:
            try:
                body = codec.CreateRequest.model_validate(json.loads(await request.body()))
            except (json.JSONDecodeError, UnicodeDecodeError):
                return reply(400, message="the body must be a JSON object")
            except ValidationError as exc:
                e = exc.errors()[0]
                return reply(400, message=f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
            if self._credentials is None:
                return reply(401, message=f"Login failed: this server has no account; set {USER_ENV} and "
                                          f"{PASSWORD_ENV} before starting it")
            if not self._login_ok(body.username, body.password):
                return reply(401, message="Login failed")
            try:
                params = GameParams.from_lab(body.gameParameters)
            except (ValueError, TypeError, KeyError) as exc:
                return reply(400, message=f"gameParameters: {exc}")
            sg = self.create_game(params, body.seed, body.values)
            return reply(200, {"id": sg.id}, "Game created and started")

        def js_id(raw: str | None) -> str:  # the lab prints parseInt(...) of the id it was given
            try:
                return str(int(raw)) if raw is not None else "NaN"
            except ValueError:
                return "NaN"

        async def recovery(request: Request) -> JSONResponse:
            sg = game_of(request.query_params.get("game_id"))
            if sg is None:
                return reply(400, message=f"Game {js_id(request.query_params.get('game_id'))} was not found")
            return reply(200, {"recovery": sg.new_token()}, "Data available")

        async def status(request: Request) -> JSONResponse:
            sg = game_of(request.query_params.get("id"))
            if sg is None:
                return reply(400, message=f"Game with id {js_id(request.query_params.get('id'))} not found")
            data = sg.status(request.query_params.get("recovery", ""))
            if data["found"]:
                msg = f"Game {sg.id}: player found, recovery data will be returned"
            elif data["canJoin"]:
                msg = f"Player not found but game {sg.id} can still be joined"
            else:
                msg = f"Game {sg.id} is full"
            return reply(200, data, msg)

        async def data(request: Request) -> JSONResponse:
            sg = game_of(request.query_params.get("game_id"))
            # like the lab: an unknown game is HTTP 200 with data null
            return JSONResponse({"data": None if sg is None else data_payload(sg), "status": True,
                                 "message": "Data available"})

        async def login(request: Request) -> JSONResponse:
            try:
                body = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or not self._login_ok(body.get("username"), body.get("password")):
                return reply(401, message="Login failed")
            user = {"id": 1, "username": body["username"], "role": 0}
            tokens = {"token": self._jwt(user, 3600), "refresh": self._jwt({"data": 1}, 3 * 86400)}
            return reply(200, {"user": user} | tokens, "login successful")

        async def list_games(request: Request) -> JSONResponse:
            problem = self._jwt_problem(request.query_params.get("token"))
            if problem is not None:  # the lab answers 500 with the JWT library's error object
                return JSONResponse({"data": {}, "status": True, "message": problem}, status_code=500)
            games = [{"id": sg.id, "title": sg.params.title, "created_at": sg.created_at, "updated_at": None,
                      "ended_at": sg.ended_at, "type": RULESETS[sg.game.treatment], "started": True,
                      "round_number": {"id": sg.id * 100 + sg.game.round, "number": sg.game.round,
                                       "phase": sg.game.phase, "gameId": sg.id}}
                     for sg in sorted(self.games.values(), key=lambda g: -g.id)]
            return reply(200, games, "Data found")

        async def not_found(request: Request) -> JSONResponse:
            return reply(404, message=f"no route {request.method} {request.url.path}")

        async def websocket_refused(websocket: WebSocket) -> None:
            # like the lab's REST port (Express): a websocket upgrade there gets HTTP 404
            await websocket.send_denial_response(PlainTextResponse(
                f"this is the REST port; open the websocket on ws://{self.host}:{self.ws_port}", status_code=404))

        routes = [
            Route("/api/v1/games/create-for-llm", create, methods=["POST"]),
            Route("/api/v1/games/get-recovery", recovery, methods=["GET"]),
            Route("/api/v1/games/status", status, methods=["GET"]),
            Route("/api/v1/games/data", data, methods=["GET"]),
            Route("/api/v1/games/list", list_games, methods=["GET"]),
            Route("/api/v1/auth/login", login, methods=["POST"]),
            Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "DELETE"]),
            WebSocketRoute("/{path:path}", websocket_refused),
        ]
        return Starlette(routes=routes)


def _plain_http_refused(connection: Any, request: Any) -> Any:
    """Plain HTTP on the websocket port: 426 ``Upgrade Required``, as the lab's ``ws`` server answers."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return connection.respond(HTTPStatus.UPGRADE_REQUIRED, "Upgrade Required")
    return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def serve_forever(server: IbexServer) -> None:
    """Run ``server`` until cancelled."""
    async with server:
        await asyncio.Event().wait()
