"""Creating a game on an IBEX server (the lab's or ``econlab serve``): ``POST /api/v1/games/create-for-llm``.

The parameters are the lab's nested ``gameParameters``: a treatment's lab defaults, a scenario's
overrides, ``rounds``, and phase timers from a JSON file ``{"phase_0": null, "phase_1": 3, ...}``
(seconds; ``null`` = no timer; phases the file does not name keep their default). The account comes
from ``ECONLAB_SERVER_USER`` / ``ECONLAB_SERVER_PASSWORD`` and is sent only in the request body,
never printed or logged. Both servers create *and start* the game (phase 0, waiting for players).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from econlab.protocol.outcome import ConnectError
from econlab.protocol.rest import RestClient, RestError
from econlab.protocol.server import PASSWORD_ENV, USER_ENV
from econlab.protocol.timers import read_timer_file


def credentials() -> tuple[str, str]:
    """The account from the environment (raises a one-line :class:`ConnectError` if unset)."""
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if not user or not password:
        raise ConnectError(f"creating a game needs the server's account: set {USER_ENV} and {PASSWORD_ENV}")
    return user, password


def read_timers(path: str | Path, n_phases: int) -> dict[str, int | None]:
    """Phase timers of a new game from a timer file (:func:`~econlab.protocol.timers.read_timer_file`).

    On top of the file's own rules: only this treatment's phases, and whole seconds, as the lab parses them.
    """
    out: dict[str, int | None] = {}
    for key, value in read_timer_file(path).items():
        if int(key.split("_")[1]) >= n_phases:
            raise ValueError(f"{path}: unknown timer {key!r}; this treatment has phase_0 .. phase_{n_phases - 1}")
        if value is not None and value != int(value):
            raise ValueError(f"{path}: {key} must be whole seconds >= 0 or null, got {value!r}")
        out[key] = None if value is None else int(value)
    return out


def game_parameters(treatment: str | None = None, scenario: str | Path | None = None, rounds: int | None = None,
                    timers: str | Path | None = None, practice: bool | None = None,
                    session: int | None = None) -> dict[str, Any]:
    """The lab's ``gameParameters`` for a new game (see the module docstring)."""
    from econlab.eval.scenario import Scenario, load_scenario
    from econlab.games.ibex import GAME_CLASSES

    sc = load_scenario(scenario) if scenario is not None else Scenario()
    changes: dict[str, Any] = {}
    for key, val in (("treatment", treatment), ("rounds", rounds), ("practice_round", practice),
                     ("session", session)):
        if val is not None:
            changes[key] = val
    if changes:
        sc = Scenario.model_validate(sc.model_dump() | changes)
    params = sc.game_params().to_lab()
    if timers is not None:
        params["timers"] = dict(params.get("timers") or {}) | read_timers(timers, GAME_CLASSES[sc.treatment].n_phases)
    params["title"] = f"econlab-{sc.treatment}"
    return params


async def create_game(rest_url: str, parameters: dict[str, Any], *, seed: int | None = None,
                      account: tuple[str, str] | None = None) -> int:
    """Create and start a game; returns its id.

    Args:
        rest_url: The server's REST base URL.
        parameters: The lab's ``gameParameters`` (:func:`game_parameters`).
        seed: ``econlab serve`` only: the game's seed (the lab's server has none and refuses nothing here).
        account: ``(user, password)``; default from the environment.
    """
    user, password = account or credentials()
    body: dict[str, Any] = {"username": user, "password": password, "gameParameters": parameters}
    if seed is not None:
        body["seed"] = seed
    async with RestClient(rest_url) as rc:
        try:
            data = await rc.call("POST", "/api/v1/games/create-for-llm", body)
        except RestError as exc:
            if exc.code == 401:
                raise ConnectError(f"login failed on {rc.base_url}: the server refused the account in {USER_ENV} "
                                   f"/ {PASSWORD_ENV} ({exc.server_message or 'HTTP 401'}) — set them to the "
                                   "server's account") from exc
            raise ConnectError(f"the server refused to create the game: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise ConnectError(f"{rest_url}: create-for-llm answered without a game id ({json.dumps(data)[:200]})")
    return int(data["id"])
