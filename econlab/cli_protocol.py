"""``econlab serve`` and ``econlab connect`` (registered in :mod:`econlab.cli`; heavy imports inside)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from econlab.errors import UserError

console = Console()


def _fail(exc: Exception) -> UserError:
    """A failure as the user error to raise: printed by the CLI's one error path (code 2, or the error's own)."""
    return exc if isinstance(exc, UserError) else UserError(str(exc), getattr(exc, "exit_code", 2))


def _timer_option() -> typer.models.OptionInfo:
    return typer.Option(help="phase timers of the new game: a JSON file {\"phase_0\": null, \"phase_1\": 3, ...}")


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
    assign_name: Annotated[bool, typer.Option("--assign-name", help="send the legacy assign-name event after a "
                                              "join (the lab's older published clients wait for it)")] = False,
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
                            out_dir=out, seed=seed, assign_name=assign_name)
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
                          f"compat {compat}  records {out}{'  assign-name on' if assign_name else ''}", highlight=False)
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


def create_game(
    rest: Annotated[str, typer.Option(help="REST base URL of the server, e.g. http://127.0.0.1:3080")],
    treatment: Annotated[str | None, typer.Option(help="harberger, futarchy or voting")] = None,
    scenario: Annotated[Path | None, typer.Option(help="a scenario YAML: its game settings")] = None,
    rounds: Annotated[int | None, typer.Option(help="paid rounds (1-5)")] = None,
    timers: Annotated[Path | None, _timer_option()] = None,
    practice: Annotated[bool | None, typer.Option("--practice/--no-practice", help="a practice round first")] = None,
    session: Annotated[int | None, typer.Option(help="lab value/signal session (1-11)")] = None,
    seed: Annotated[int | None, typer.Option(help="econlab serve only: the game's seed")] = None,
) -> None:
    """Create and start a game on a server (account from ECONLAB_SERVER_USER/_PASSWORD); prints its id."""
    import asyncio

    from econlab.protocol.create import create_game as create
    from econlab.protocol.create import game_parameters

    try:
        params = game_parameters(treatment, scenario, rounds, timers, practice, session)
        gid = asyncio.run(create(rest, params, seed=seed))
    except (ValueError, OSError, UserError) as exc:
        raise _fail(exc) from exc
    print(gid)


def connect(
    rest: Annotated[str, typer.Option(help="REST base URL, e.g. http://127.0.0.1:3080")],
    ws: Annotated[str, typer.Option(help="websocket URL, e.g. ws://127.0.0.1:3088")],
    game_id: Annotated[int | None, typer.Option(help="the game to join (or --create)")] = None,
    seats: Annotated[str | None, typer.Option(help="seats to take, FIRST-LAST (default: every seat of the game; "
                                                   "the server assigns them in join order)")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="SEATS=NAME, repeatable; SEATS is all, a "
                                                     "role, a seat number or a range like 1-5")] = None,
    default: Annotated[str, typer.Option(help="policy of seats not named by --policy")] = "strategic",
    seed: Annotated[int | None, typer.Option(help="policy seed (default: the game's, if the server tells)")] = None,
    act_interval: Annotated[float, typer.Option(help="free-running servers: seconds between market moves")] = 1.0,
    join_timeout: Annotated[float, typer.Option(help="seconds one seat's join may take, resends included")] = 60.0,
    out: Annotated[Path | None, typer.Option(help="run folder: record, decisions and the seats' tokens (a rerun "
                                                  "with the same --out rejoins them and carries on)")] = None,
    create: Annotated[bool, typer.Option("--create", help="create the game first (as create-game)")] = False,
    treatment: Annotated[str | None, typer.Option(help="--create: harberger, futarchy or voting")] = None,
    scenario: Annotated[Path | None, typer.Option(help="--create: a scenario YAML")] = None,
    rounds: Annotated[int | None, typer.Option(help="--create: paid rounds (1-5)")] = None,
    timers: Annotated[Path | None, _timer_option()] = None,
    practice: Annotated[bool | None, typer.Option("--practice/--no-practice", help="--create: practice round")] = None,
) -> None:
    """Play seats of a game on a live IBEX server (econlab serve or the lab's) with econlab policies."""
    import asyncio

    from econlab.eval.recording import RecordWriter, dumps, write_atomic
    from econlab.eval.seats import parse_entries, parse_range, resolve
    from econlab.games.ibex.params import ROLE_NAMES
    from econlab.policies.llm.factory import PolicyFactory
    from econlab.protocol.client import RemoteSession
    from econlab.protocol.create import create_game as create_remote
    from econlab.protocol.create import game_parameters
    from econlab.protocol.run_state import RunState

    try:
        if not ws.startswith(("ws://", "wss://")):
            raise UserError(f"--ws must be a ws:// or wss:// URL like ws://127.0.0.1:3088, got {ws!r}")
        if not rest.startswith(("http://", "https://")):
            raise UserError(f"--rest must be an http:// or https:// URL like http://127.0.0.1:3080, got {rest!r}")
        seat_range = parse_range(seats) if seats is not None else None
        by_key = parse_entries(policy or ())
        # scripted names, ``rl:PATH`` checkpoints and ``llm`` seats (settings from the environment's defaults)
        factory = PolicyFactory()
        for name in {*by_key.values(), default}:
            factory.make(name)  # fail before joining (LLM seats: preflight of key, endpoint and model)
        if out is not None:
            from econlab.runfolder import check_out_dir

            check_out_dir(out)
        if create and game_id is not None:
            raise UserError("give either --game-id or --create, not both")
        if not create and game_id is None:
            raise UserError("say which game: --game-id N, or --create to make one")
        if not create and any(v is not None for v in (treatment, scenario, rounds, timers, practice)):
            raise UserError("--treatment, --scenario, --rounds, --timers and --practice go with --create")
        if create:
            # --seed is the policies' seed here; the new game gets the server's own (create-game --seed sets it)
            gid = asyncio.run(create_remote(rest, game_parameters(treatment, scenario, rounds, timers, practice)))
            console.print(f"created game {gid}", highlight=False)
        else:
            assert game_id is not None
            gid = game_id
        if out is not None and (out / f"game-{gid}.record.json").exists():
            raise UserError(f"{out / f'game-{gid}.record.json'} exists: game {gid} was played to the end with this "
                            "--out already; use another --out")
        store = RunState(out, gid, rest) if out is not None else None
    except (ValueError, OSError, UserError) as exc:
        raise _fail(exc) from exc

    def policy_for(seat: int, role: int):  # noqa: ANN202 - Policy
        return factory.make(resolve(by_key, seat, ROLE_NAMES[role], default))

    # The server hands out seats in join order: joining LAST-FIRST+1 seats lands on FIRST..LAST only
    # when the seats before FIRST are taken already; the seats actually obtained are checked below.
    session = RemoteSession(rest, ws, gid, seed=seed, policy_for=policy_for,
                            n_seats=seat_range[1] - seat_range[0] + 1 if seat_range else None,
                            act_interval_s=act_interval, join_timeout_s=join_timeout, seats=seat_range, store=store)
    if store is not None and store.resumed:
        console.print(f"resuming: {len(store.clients)} seat(s) of game {gid} from {store.path}", highlight=False)
    try:
        result = asyncio.run(session.play())
    except (UserError, OSError) as exc:
        partial = session.partial_result()
        if store is not None:
            store.close()
            if partial is not None:  # kept, marked incomplete; the run state stays for a rerun
                rec = partial.client_record() | {"incomplete": True, "error": str(exc)}
                path = out / f"game-{gid}.incomplete.json"  # type: ignore[operator]
                write_atomic(path, dumps(rec) + "\n")
                console.print(f"partial record (incomplete): {path}", highlight=False)
        raise _fail(exc) from exc
    got = sorted(result.mirrors)
    if seat_range is not None and got != list(range(seat_range[0], seat_range[1] + 1)):
        console.print(f"[yellow]warning:[/yellow] asked for seats {seat_range[0]}-{seat_range[1]}, the server gave "
                      f"seats {got} (it assigns seats in join order)")
    for rnd, profits in sorted(result.profits.items()):
        console.print(f"round {rnd}: " + ", ".join(f"seat {s} {p:,.1f}" if isinstance(p, int | float) else
                                                   f"seat {s} {p}" for s, p in sorted(profits.items())))
    if result.rewards:
        paid = [rw for rw in result.rewards if rw.get("number") in result.mirrors]
        console.print(f"paid round {result.reward_round}: " + ", ".join(
            f"seat {rw['number']} {rw.get('reward')} ({rw.get('profit')} points)" for rw in paid), highlight=False)
        bad = result.payment_mismatches()
        console.print("paid profits equal the server's rewards" if not bad else
                      "[yellow]warning:[/yellow] paid profits differ from the seats' own: " + "; ".join(bad))
    report = result.connection_report()
    for key, text in (("reconnects", "reconnection(s)"), ("resends", "unacknowledged request(s) sent again"),
                      ("http_retries", "REST call(s) tried again after a transient failure"),
                      ("resync_fallbacks", "reconnection(s) resynchronised from the events only (status failed)")):
        if report[key]:
            console.print(f"{report[key]} {text}", highlight=False)
    for seat, errs in report["errors"].items():  # a fallback is data: said here and kept in the record
        console.print(f"[yellow]seat {seat}:[/yellow] {len(errs)} client error(s), first: {errs[0]}", highlight=False)
    if out is not None:
        assert store is not None
        writer = RecordWriter(out, f"game-{gid}")
        record = result.record if result.record is not None else result.client_record()
        # beside the record (kept as the server wrote it): how this client fared, every seat's client errors
        path = writer.finish(record, {"decisions.json": [d.to_json() for d in result.decisions],
                                      "connection.json": report})
        store.finished()
        incomplete = out / f"game-{gid}.incomplete.json"
        if incomplete.exists():
            incomplete.unlink()  # superseded by the finished record
        console.print(f"record: {path}")
