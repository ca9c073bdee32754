"""Phase timers of ``econlab serve``: FAST (lock-step ticks), LAB (the game's own timers) or a JSON file.

* ``FAST``: the server runs the game through :class:`econlab.games.ibex.schedule.Scheduler`, exactly like
  the local runner. Phases where nobody decides end at once; a decision phase is one tick; the
  market is ``market_ticks`` ticks and each Voting chat phase ``chat_ticks`` ticks. In each tick the
  server sends every deciding seat an ``econlab-tick`` event and waits until each has sent one game
  message or ``econlab-pass`` (or ``tick_timeout_s`` passes: missing seats act not), then applies the
  messages in an order drawn from the seeded tick generator. Same seed and policies => same game as
  :func:`econlab.eval.runner.play_game`.
* ``LAB``: free-running like the lab server: messages are applied on arrival; a phase ends when its
  completion test holds or its timer (``GameParams.timers``, seconds) runs out.
* ``JSON``: as ``LAB`` with the timers read from a JSON file ``{"phase_1": 3, ...}`` (null = none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

TimerMode = Literal["FAST", "LAB", "JSON"]


@dataclass(frozen=True)
class TimerConfig:
    """How a served game's phases end (see the module docstring).

    Attributes:
        mode: ``FAST``, ``LAB`` or ``JSON``.
        market_ticks: FAST: ticks of each market phase.
        chat_ticks: FAST: ticks of each Voting chat phase.
        tick_timeout_s: FAST: how long a tick waits for absent seats.
        phase_seconds: JSON: seconds per phase (``None`` = no timer); LAB uses the game's parameters.
    """

    mode: TimerMode = "FAST"
    market_ticks: int = 20
    chat_ticks: int = 2
    tick_timeout_s: float = 60.0
    phase_seconds: tuple[float | None, ...] | None = None

    def __post_init__(self) -> None:
        """Validate."""
        if self.mode not in ("FAST", "LAB", "JSON"):
            raise ValueError(f"timers must be FAST, LAB or JSON, got {self.mode!r}")
        if self.market_ticks < 1 or self.chat_ticks < 0:
            raise ValueError("market_ticks must be >= 1 and chat_ticks >= 0")
        if not self.tick_timeout_s > 0:
            raise ValueError(f"tick_timeout_s must be > 0, got {self.tick_timeout_s}")
        if self.mode == "JSON" and self.phase_seconds is None:
            raise ValueError("JSON timers need phase_seconds (use TimerConfig.from_json)")

    @property
    def lockstep(self) -> bool:
        """Whether the game runs in lock-step ticks."""
        return self.mode == "FAST"

    def seconds(self, phase: int, game_timers: tuple[int | None, ...]) -> float | None:
        """The timer of ``phase`` in LAB/JSON mode (``None`` or <= 0: no timer)."""
        table = self.phase_seconds if self.mode == "JSON" else game_timers
        if table is None or phase >= len(table):
            return None
        t = table[phase]
        return float(t) if t is not None and t > 0 else None

    @classmethod
    def from_json(cls, path: str | Path, **kw: object) -> TimerConfig:
        """Timers from a JSON file ``{"phase_0": null, "phase_1": 3, ...}`` (see :func:`read_timer_file`)."""
        raw = read_timer_file(path)
        n = 1 + max((int(k.split("_")[1]) for k in raw), default=-1)
        secs = [None if raw.get(f"phase_{i}") is None else float(raw[f"phase_{i}"]) for i in range(n)]  # type: ignore[arg-type]
        return cls(mode="JSON", phase_seconds=tuple(secs), **kw)  # type: ignore[arg-type]


def read_timer_file(path: str | Path) -> dict[str, float | int | None]:
    """A timer file ``{"phase_N": seconds or null}``: keys ``phase_0`` .. ``phase_99``, values >= 0 or null.

    Used by ``serve --timers`` and ``create-game --timers`` (which adds the lab's own rules on top).

    Raises:
        ValueError: The file cannot be read, is not a JSON object, has a key that is not ``phase_N`` (a misspelt
            key would silently leave its phase untimed) or a value that is not a non-negative number or null.
    """
    import re

    from econlab.configfile import unknown_key_text

    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read timers from {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: timers must be a JSON object like {{\"phase_0\": null, \"phase_1\": 3}}")
    for key, value in raw.items():
        if not re.fullmatch(r"phase_(0|[1-9][0-9]?)", str(key)):
            raise ValueError(f"{path}: {key}: {unknown_key_text(str(key), [f'phase_{i}' for i in range(10)])}")
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
            raise ValueError(f"{path}: {key} must be a non-negative number or null, got {value!r}")
    return raw
