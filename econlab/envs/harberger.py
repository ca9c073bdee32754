"""``harberger-v0``: the Harberger treatment as a PettingZoo ParallelEnv.

Twelve agents (seats 1-12). The winning condition is the one with the larger sum of first
declarations (known from phase 3); one tax-share book, that of the winning condition, is open
during the ``market_ticks`` market steps. Decision steps per round: first declaration, first
speculation, market (``market_ticks``), second declaration, second speculation. Observation,
action, mask and reward conventions: :mod:`econlab.envs.ibex`.

Version history: v0: initial.
"""

from __future__ import annotations

from typing import Any, ClassVar

from econlab.envs.ibex import IbexEnv
from econlab.games.ibex.params import Treatment


class HarbergerEnv(IbexEnv):
    """``harberger-v0`` (see the module docstring)."""

    treatment: ClassVar[Treatment] = "harberger"
    metadata: ClassVar[dict[str, Any]] = {
        "name": "harberger-v0", "render_modes": [], "is_parallelizable": True,
    }


def parallel_env(**options: Any) -> HarbergerEnv:
    """Create ``harberger-v0`` (PettingZoo's module-level constructor)."""
    return HarbergerEnv(**options)
