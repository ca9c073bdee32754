"""``econlab serve`` and ``econlab connect`` (registered in :mod:`econlab.cli`; heavy imports inside)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from econlab.errors import UserError

console = Console()


def _parse_seats(spec: str) -> tuple[int, int]:
    """``"1-12"`` -> ``(1, 12)``; ``"5"`` -> ``(5, 5)``."""
    try:
        lo, _, hi = spec.partition("-")
        first, last = int(lo), int(hi or lo)
    except ValueError as exc:
        raise ValueError(f"--seats takes a range like 1-12, got {spec!r}") from exc
    if first < 1 or last < first:
        raise ValueError(f"--seats must be a range FIRST-LAST with 1 <= FIRST <= LAST, got {spec!r}")
    return first, last


def serve(
    host: Annotated[str, typer.Option(help="interface to bind (loopback unless told otherwise)")] = "127.0.0.1",
    rest_port: Annotated[int, typer.Option(help="REST port")] = 3080,
    ws_port: Annotated[int, typer.Option(help="websocket port")] = 3088,
    timers: Annotated[str, typer.Option(help="FAST (lock-step ticks), LAB (game timers) or a JSON file")] = "FAST",
    market_ticks: Annotated[int, typer.Option(help="FAST: ticks of each market phase")] = 20,
    chat_ticks: Annotated[int, typer.Option(help="FAST: ticks of each Voting chat phase")] = 2,
    tick_timeout: Annotated[float, typer.Option(help="FAST: seconds a tick waits for absent seats")] = 60.0,
    compat: Annotated[str, typer.Option(help="strict (specific errors) or server (like the lab server)")] = "strict",
    seed: Annotated[int, typer.Option(help="seed of games whose creation names none")] = 0,
    out: Annotated[Path, typer.Option(help="folder of the game records")] = Path("runs/serve"),
) -> None:
    """Run the engine as an IBEX-compatible game server (account from ECONLAB_SERVER_USER/_PASSWORD)."""
    import asyncio

    from econlab.protocol.server import PASSWORD_ENV, USER_ENV, IbexServer
    from econlab.protocol.timers import TimerConfig

    try:
        kw = {"market_ticks": market_ticks, "chat_ticks": chat_ticks, "tick_timeout_s": tick_timeout}
        mode = timers.upper()
        config = TimerConfig(mode=mode, **kw) if mode in ("FAST", "LAB") else TimerConfig.from_json(timers, **kw)
        server = IbexServer(host=host, rest_port=rest_port, ws_port=ws_port, timers=config, compat=compat,  # type: ignore[arg-type]
                            out_dir=out, seed=seed)
    except ValueError as exc:
        raise UserError(str(exc)) from exc

    import logging

    # one line per game created/started/ended and per seat joined/left (the server's own logger only)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    server_log = logging.getLogger("econlab.protocol.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    server_log.propagate = False

    async def run() -> None:
        async with server:
            console.print(f"REST {server.rest_url}/api/v1  websocket {server.ws_url}  timers {config.mode}  "
                          f"compat {compat}  records {out}", highlight=False)
            if server._credentials is None:  # noqa: SLF001 - only whether an account exists
                console.print(f"[yellow]no account:[/yellow] set {USER_ENV} and {PASSWORD_ENV} to allow "
                              "create-for-llm")
            await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        console.print("stopped")
    except OSError as exc:
        raise UserError(f"cannot listen: {exc} — is another server on these ports? choose --rest-port / --ws-port",
                        exit_code=1) from exc


def connect(
    rest: Annotated[str, typer.Option(help="REST base URL, e.g. http://127.0.0.1:3080")],
    ws: Annotated[str, typer.Option(help="websocket URL, e.g. ws://127.0.0.1:3088")],
    game_id: Annotated[int, typer.Option(help="the game to join")],
    seats: Annotated[str, typer.Option(help="seats to take, FIRST-LAST (the server assigns them in join "
                                            "order)")] = "1-12",
    policy: Annotated[list[str] | None, typer.Option("--policy", help="ROLE_OR_SEAT=NAME, repeatable")] = None,
    default: Annotated[str, typer.Option(help="policy of seats not named by --policy")] = "strategic",
    seed: Annotated[int | None, typer.Option(help="policy seed (default: the game's, if the server tells)")] = None,
    act_interval: Annotated[float, typer.Option(help="free-running servers: seconds between market moves")] = 1.0,
    out: Annotated[Path | None, typer.Option(help="folder for the record and decisions")] = None,
) -> None:
    """Play seats of a game on a live IBEX server (econlab serve or the lab's) with econlab policies."""
    import asyncio

    from econlab.errors import UserError
    from econlab.eval.recording import RecordWriter
    from econlab.game.params import ROLE_NAMES
    from econlab.policies.llm.factory import PolicyFactory
    from econlab.protocol.client import ConnectError, RemoteSession

    try:
        first, last = _parse_seats(seats)
        by_key: dict[str, str] = {}
        for item in policy or ():
            key, eq, name = item.partition("=")
            key = key.strip()
            if not eq or not (key.isdigit() or key in ROLE_NAMES.values()):
                raise ValueError(f"--policy takes ROLE_OR_SEAT=NAME with ROLE one of "
                                 f"{', '.join(ROLE_NAMES.values())}, got {item!r}")
            by_key[key] = name.strip()
        # scripted names, ``rl:PATH`` checkpoints and ``llm`` seats (settings from the environment's defaults)
        factory = PolicyFactory()
        for name in {*by_key.values(), default}:
            factory.make(name)  # fail before joining (LLM seats: preflight of key, endpoint and model)
        if out is not None:
            from econlab.runfolder import check_out_dir

            check_out_dir(out)
    except ValueError as exc:
        raise UserError(str(exc)) from exc

    def policy_for(seat: int, role: int):  # noqa: ANN202 - Policy
        return factory.make(by_key.get(str(seat), by_key.get(ROLE_NAMES[role], default)))

    # The server hands out seats in join order: joining LAST-FIRST+1 seats lands on FIRST..LAST only
    # when the seats before FIRST are taken already; the seats actually obtained are checked below.
    session = RemoteSession(rest, ws, game_id, seed=seed, policy_for=policy_for, n_seats=last - first + 1,
                            act_interval_s=act_interval)
    try:
        result = asyncio.run(session.play())
    except (ConnectError, OSError) as exc:
        raise UserError(str(exc), exit_code=1) from exc
    got = sorted(result.mirrors)
    if got != list(range(first, last + 1)):
        console.print(f"[yellow]warning:[/yellow] asked for seats {first}-{last}, the server gave seats {got} "
                      "(it assigns seats in join order)")
    for rnd, profits in sorted(result.profits.items()):
        console.print(f"round {rnd}: " + ", ".join(f"seat {s} {p:,.1f}" if isinstance(p, int | float) else
                                                   f"seat {s} {p}" for s, p in sorted(profits.items())))
    if result.reconnects:
        console.print(f"{result.reconnects} reconnection(s)")
    if out is not None:
        writer = RecordWriter(out, f"game-{game_id}")
        record = result.record if result.record is not None else result.client_record()
        path = writer.finish(record, {"decisions.json": [d.to_json() for d in result.decisions]})
        console.print(f"record: {path}")
