"""Running a tournament: every game of a :class:`TournamentConfig`, in a process pool or on a Ray cluster.

Layout of a run folder::

    RUN/tournament.json                   the configuration (a rerun must use the same one)
    RUN/records/<game_id>.record.json     the lab-format record of each finished game
    RUN/records/<game_id>.decisions.json  the runner's decisions of that game
    RUN/tables/*.parquet                  tidy tables built from all records (econlab.eval.dataset)

LLM seats take their settings from the scenario's ``llm:`` section (a ``budget_usd`` there applies to each
game); their backends are checked once before any game (:mod:`econlab.policies.llm.preflight`). A game
that cannot finish properly (the budget with ``on_budget: stop``, a replay that missed the cache) gets
``RUN/records/<game_id>.incomplete.json`` (``complete: false``, ``stopped``) instead of a record, so it
is neither in the tables nor counted as finished, and a rerun plays it again.

Resuming: a game counts as finished when its record file exists. The decisions file is written first and
the record last, each through a temporary file and an atomic rename, so a crash or a kill loses at most the
games in flight and never leaves a half-written or duplicated game; a rerun plays only the missing ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from econlab.eval.recording import dumps, write_atomic
from econlab.eval.tournament_config import GameTask, TournamentConfig

if TYPE_CHECKING:
    from econlab.eval.scenario import Scenario
    from econlab.policies.llm.config import LLMConfig

RECORDS = "records"
TABLES = "tables"
MANIFEST = "tournament.json"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TournamentSummary:
    """What a run did."""

    out_dir: Path
    total: int
    skipped: int
    played: int
    wall_s: float
    #: ids of games that stopped without a record (``.incomplete.json``), with the reason
    incomplete: tuple[tuple[str, str], ...] = ()


def record_path(records_dir: Path, gid: str) -> Path:
    """Where the record of game ``gid`` goes."""
    return records_dir / f"{gid}.record.json"


def play_task(task: GameTask, records_dir: str) -> str:
    """Play one tournament game and write its decisions, then its record (each atomically).

    Returns:
        The game id. A game whose record already exists is not played again.
    """
    from econlab.eval.runner import play_game
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.base import StopRun
    from econlab.policies.llm.factory import PolicyFactory

    folder = Path(records_dir)
    final = record_path(folder, task.game_id)
    if final.exists():
        return task.game_id
    sc = task.scenario
    spec = GameSpec(params=sc.game_params(), seed=task.game_seed, values=sc.values, market_ticks=sc.market_ticks,
                    chat_ticks=sc.chat_ticks, compat=sc.compat)
    # scripted names, ``rl:PATH`` checkpoints (torch loads only for those) and LLM seats (checked before the run)
    factory = PolicyFactory(_llm_config(sc), preflight=False)
    policies = {seat: factory.make(name) for seat, name in sc.assignment().items()}
    incomplete = folder / f"{task.game_id}.incomplete.json"
    try:
        result = play_game(spec, policies)
    except StopRun as stop:
        write_atomic(incomplete, dumps({"complete": False, "stopped": stop.reason, "message": str(stop),
                                        "game_id": task.game_id} | stop.partial) + "\n")
        return task.game_id
    if factory.replay_misses:
        write_atomic(incomplete, dumps({"complete": False, "stopped": "replay-miss", "game_id": task.game_id,
                                        "message": f"no cached answer for {factory.replay_misses[0]}",
                                        "record": result.record}) + "\n")
        return task.game_id
    record = result.record
    record["econlab"] = dict(record["econlab"], game_id=task.game_id, scenario=sc.name, tournament_seed=task.seed,
                             repetition=task.repetition, game_seed=task.game_seed)
    write_atomic(folder / f"{task.game_id}.decisions.json", dumps([d.to_json() for d in result.decisions]) + "\n")
    write_atomic(final, dumps(record) + "\n")
    if incomplete.exists():
        incomplete.unlink()
    return task.game_id


def _llm_config(scenario: Scenario) -> LLMConfig:
    """The settings of the scenario's LLM seats (its ``llm:`` section)."""
    from econlab.policies.llm.config import LLMConfig

    return LLMConfig.model_validate(scenario.llm or {})


def check_policies(tasks: Sequence[GameTask]) -> None:
    """Build every scenario's policies once, so that a bad name stops the run before any game starts."""
    from econlab.errors import UserError
    from econlab.policies.llm.factory import PolicyFactory
    from econlab.policies.llm.preflight import Preflight

    preflight = Preflight()  # one check per endpoint for the whole run
    seen: set[tuple[str, str]] = set()
    for t in tasks:
        if (t.treatment, t.scenario.name) in seen:
            continue
        seen.add((t.treatment, t.scenario.name))
        try:
            factory = PolicyFactory(_llm_config(t.scenario), preflight=False)
            factory.preflight = preflight
            for name in sorted(set(t.scenario.assignment().values())):
                factory.make(name)
        except UserError as exc:
            raise UserError(f"scenario {t.scenario.name!r} ({t.treatment}): {exc}", exc.exit_code) from None
        except ValueError as exc:
            raise ValueError(f"scenario {t.scenario.name!r} ({t.treatment}): {exc}") from exc


def check_run_folder(out_dir: Path, config: TournamentConfig) -> None:
    """Check, writing nothing, that ``out_dir`` is empty, missing, or a run of this same tournament (resumed).

    Raises:
        ValueError: The folder holds another tournament's run.
    """
    manifest = out_dir / MANIFEST
    if manifest.exists():
        theirs = json.loads(manifest.read_text(encoding="utf-8"))
        if theirs != json.loads(config.model_dump_json()):
            changed = sorted(k for k in set(theirs) | set(json.loads(config.model_dump_json()))
                             if theirs.get(k) != json.loads(config.model_dump_json()).get(k))
            raise ValueError(f"{out_dir} holds a different tournament (its {MANIFEST} differs in "
                             f"{', '.join(changed)}) — use another --out folder, or the config it was run with")


def _check_manifest(out_dir: Path, config: TournamentConfig) -> None:
    manifest = out_dir / MANIFEST
    mine = json.loads(config.model_dump_json())
    check_run_folder(out_dir, config)
    if manifest.exists():
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(manifest, json.dumps(mine, indent=2, sort_keys=True) + "\n")


def run_tournament(config: TournamentConfig, out_dir: str | Path, *, workers: int = 1, ray_address: str | None = None,
                   on_progress: Progress | None = None, build_tables: bool = True) -> TournamentSummary:
    """Play every game of ``config`` not yet in ``out_dir``, then (re)build the tables.

    Args:
        config: The tournament.
        out_dir: The run folder.
        workers: Worker processes of the local pool (1 = play in this process).
        ray_address: Run on the Ray cluster at this address (``auto``, ``ray://host:10001``) instead; the run
            folder must then be on a file system the cluster's nodes share.
        on_progress: Called with ``(finished, total)`` after each game (finished includes skipped ones).
        build_tables: Write the Parquet tables at the end.

    Returns:
        The counts and the wall time.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out = Path(out_dir)
    tasks = config.tasks()
    check_policies(tasks)  # before anything is written
    _check_manifest(out, config)
    records = out / RECORDS
    records.mkdir(parents=True, exist_ok=True)
    pending = [t for t in tasks if not record_path(records, t.game_id).exists()]
    done = len(tasks) - len(pending)
    start = time.perf_counter()
    if on_progress:
        on_progress(done, len(tasks))

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, len(tasks))

    if ray_address is not None:
        _run_ray(pending, records, ray_address, tick)
    elif workers == 1:
        for task in pending:
            play_task(task, str(records))
            tick()
    else:
        _run_pool(pending, records, workers, tick)
    if build_tables:
        from econlab.eval.dataset import build_tables as build
        from econlab.eval.dataset import write_tables

        write_tables(build(records, games=[t.game_id for t in tasks], workers=1 if ray_address else workers),
                     out / TABLES)
    stopped = []
    for t in pending:
        marker = records / f"{t.game_id}.incomplete.json"
        if marker.exists() and not record_path(records, t.game_id).exists():
            stopped.append((t.game_id, str(json.loads(marker.read_text(encoding="utf-8")).get("stopped"))))
    return TournamentSummary(out, len(tasks), len(tasks) - len(pending), len(pending), time.perf_counter() - start,
                             tuple(stopped))


def _run_pool(pending: Sequence[GameTask], records: Path, workers: int, tick: Callable[[], None]) -> None:
    # spawn, not fork: the caller may run threads (the progress display) that a fork would copy mid-flight
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        queue = list(pending)
        running = set()
        # keep a bounded number in flight so that a kill loses at most about 2 games per worker
        while queue or running:
            while queue and len(running) < 2 * workers:
                running.add(pool.submit(play_task, queue.pop(0), str(records)))
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                fut.result()
                tick()


def _run_ray(pending: Sequence[GameTask], records: Path, address: str, tick: Callable[[], None]) -> None:
    try:
        import ray  # noqa: PLC0415 - optional, heavy; only the --ray path needs it
    except ImportError as exc:
        raise RuntimeError("--ray needs the 'ray' package, which is not installed; install the rl extra "
                           "(pip install -c constraints.txt -e '.[rl]') or run without --ray") from exc
    ray.init(address=address, ignore_reinit_error=True)
    remote = ray.remote(play_task)
    refs = [remote.remote(t, str(records)) for t in pending]
    while refs:
        ready, refs = ray.wait(refs, num_returns=1)
        for ref in ready:
            ray.get(ref)
            tick()
