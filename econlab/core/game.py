"""What a game is, for everything that is not the game: the :class:`GameDef` contract and the registry.

Learned from OpenSpiel's ``Game``/``State`` split: a :class:`GameDef` is the immutable description of
a game (its name, parameters, seats, phase kinds and adapters); :meth:`GameDef.new` makes a fresh
state, and the game's rules move that state one action at a time. The generic layers (the driver, the
envs, the runner, tournaments, the server transport) only ever talk to a game through this contract,
so a new mechanism is added by writing one :class:`GameDef` and registering it, without editing them.

A game registers itself with :func:`register_game`; built-in and third-party games are also found by
their ``econlab.games`` entry point (``name = "package.module:OBJECT"``), loaded on first use by
:func:`get_game`, so that importing :mod:`econlab.core` imports no game.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

import numpy as np


class PhaseKind(enum.Enum):
    """How the driver passes a phase."""

    #: nobody decides; the game's :meth:`GameDef.pass_phase` ends it (barriers, timers, reveals)
    AUTOMATIC = "automatic"
    #: one tick in which every decider submits at once; the phase then ends by its timeout
    DECISION = "decision"
    #: a run of ticks (its length is a driver option, e.g. ``market_ticks``); each seat acts once a tick
    MULTI_TICK = "multi_tick"


@dataclass(frozen=True)
class Phase:
    """The kind of the current phase and, for multi-tick phases, the option naming its tick count."""

    kind: PhaseKind
    ticks_option: str | None = None

    def __post_init__(self) -> None:
        """Multi-tick phases name their option; the others do not."""
        if (self.kind is PhaseKind.MULTI_TICK) != (self.ticks_option is not None):
            raise ValueError(f"a {self.kind.value} phase {'needs' if self.ticks_option is None else 'takes no'} "
                             f"ticks_option (got {self.ticks_option!r})")


AUTOMATIC = Phase(PhaseKind.AUTOMATIC)
DECISION = Phase(PhaseKind.DECISION)


class Rejected(Exception):  # noqa: N818 - an outcome of the rules, reported per seat
    """Base of the exception a game's rules raise for an action they reject (nothing changed).

    Games subclass it (or register their own class as :attr:`GameDef.rejection`); the driver records
    the action as invalid with ``field`` and ``reason`` and goes on.
    """

    field: str = "action"
    reason: str = ""


@runtime_checkable
class State(Protocol):
    """The mutable state of one game, as the driver sees it."""

    @property
    def over(self) -> bool:
        """Whether the game has ended."""
        ...

    @property
    def round(self) -> int:
        """The round in progress."""
        ...

    @property
    def phase(self) -> int:
        """The phase in progress (an index into the game's phases)."""
        ...

    @property
    def seats(self) -> list[int]:
        """All seat numbers, in order."""
        ...


@runtime_checkable
class GameDef(Protocol):
    """The contract between one game and the generic layers (module docstring).

    Required: everything the driver needs to play the game. Adapters (``encoder``, ``prompts``,
    ``codec``, ...) are optional attributes that the consumers needing them look up with
    :func:`adapter`, each failing with a clear message when a game lacks one.
    """

    #: the registry name (``--game`` on the command line)
    name: str
    #: the exception class its rules raise for a rejected action (``field`` and ``reason`` attributes)
    rejection: type[BaseException]
    #: options of multi-tick phases with their defaults (``{"market_ticks": 20}``)
    tick_options: Mapping[str, int]

    def new(self, params: Any, rng: np.random.Generator, **options: Any) -> Any:
        """A fresh, unstarted state for ``params`` (the game's validated parameters model)."""
        ...

    def start(self, state: Any) -> list[Any]:
        """Open the first round; returns the events."""
        ...

    def phase_of(self, state: Any) -> Phase:
        """The kind of the state's current phase."""
        ...

    def deciders(self, state: Any) -> list[int]:
        """The seats that may act now."""
        ...

    def pass_phase(self, state: Any) -> list[Any]:
        """End the current phase where nobody decides (or its last tick was played); returns the events."""
        ...

    def apply(self, state: Any, seat: int, action: Any) -> list[Any]:
        """Apply one action of ``seat``; raises :attr:`rejection` when the rules reject it."""
        ...

    def view(self, state: Any, seat: int) -> Any:
        """What ``seat`` may know now (the one definition of the game's visibility)."""
        ...

    def finished_rounds(self, state: Any) -> int:
        """How many rounds have ended with their payoffs known."""
        ...

    def round_payoffs(self, state: Any, index: int) -> tuple[int, Mapping[int, float], Mapping[int, Any]]:
        """``(round, {seat: reward}, {seat: payoff as computed})`` of the ``index``-th finished round."""
        ...

    def action_json(self, state: Any, action: Any) -> dict[str, Any]:
        """An action as plain data (decision records)."""
        ...

    def record(self, state: Any, meta: Mapping[str, Any]) -> dict[str, Any]:
        """The finished (or partial) game as the game's record format, with ``meta`` stored in it."""
        ...

    def log_since(self, state: Any, start: int) -> list[dict[str, Any]]:
        """The record's log entries from index ``start`` on (incremental writing)."""
        ...

    def log_length(self, state: Any) -> int:
        """Entries in the record's log so far."""
        ...


@runtime_checkable
class GameSpec(Protocol):
    """One game apart from its policies: what the runner and the envs need to start it."""

    #: the registry name of the game
    game: str
    #: the game's seed (its own draws, the tick order and the policies' seeds)
    seed: int

    def ticks(self) -> dict[str, int]:
        """Tick counts of the game's multi-tick phases."""
        ...

    def new_state(self) -> Any:
        """A new, unstarted state."""
        ...

    def meta(self) -> dict[str, Any]:
        """The spec as plain data (stored in records)."""
        ...

    def seat_meta(self, state: Any) -> dict[str, Any]:
        """Per-seat metadata stored in records (roles, ...)."""
        ...


#: the methods every game must have
REQUIRED = ("new", "start", "phase_of", "deciders", "pass_phase", "apply", "view", "finished_rounds",
            "round_payoffs", "action_json", "record", "log_since", "log_length")
_REGISTRY: dict[str, GameDef] = {}
_ENTRY_POINT_GROUP = "econlab.games"


def register_game(game: GameDef, *, replace: bool = False) -> GameDef:
    """Make ``game`` available by its name; returns it (usable as a decorator-free one-liner).

    Raises:
        ValueError: Another game has that name (``replace=True`` swaps it, e.g. in tests).
    """
    name = getattr(game, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"a game needs a non-empty str name, got {name!r}")
    missing = [m for m in REQUIRED if not callable(getattr(game, m, None))]
    if missing:
        raise ValueError(f"game {name!r} lacks {', '.join(missing)} (see econlab.core.GameDef)")
    if name in _REGISTRY and _REGISTRY[name] is not game and not replace:
        raise ValueError(f"a game named {name!r} is already registered")
    _REGISTRY[name] = game
    return game


def unregister_game(name: str) -> None:
    """Remove a registered game (tests)."""
    _REGISTRY.pop(name, None)


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=_ENTRY_POINT_GROUP)}


def get_game(name: str) -> GameDef:
    """The registered game ``name``, loading its entry point on first use.

    Raises:
        ValueError: No such game (the message lists the known ones).
    """
    if name not in _REGISTRY:
        ep = _entry_points().get(name)
        if ep is not None:
            loaded = ep.load()
            register_game(loaded() if isinstance(loaded, type) else loaded)
    if name not in _REGISTRY:
        raise ValueError(f"unknown game {name!r}; known games: {', '.join(game_names()) or 'none'}")
    return _REGISTRY[name]


def game_names() -> list[str]:
    """Names of the registered games and of those installed as entry points."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


def adapter(game: GameDef, name: str, purpose: str) -> Any:
    """The adapter ``name`` of ``game`` (``encoder``, ``codec``, ...), or a clear ``ValueError``."""
    found = getattr(game, name, None)
    if found is None:
        raise ValueError(f"game {game.name!r} supplies no {name} adapter, which {purpose} needs")
    return found
