"""``futarchy-v0``: the Futarchy treatment as a PettingZoo ParallelEnv.

Twelve agents (seats 1-12). Speculators snipe under both conditions in phase 3; two conditional
tax-share books (one per condition, each with its own wallet copy) are open during the
``market_ticks`` market steps, and the condition whose book ends with the higher median of its last
seven trade prices wins (observed from phase 7). Order actions pick their book with ``condition``.
Observation, action, mask and reward conventions: :mod:`econlab.envs.ibex`.

Version history: v0: initial.
"""

from __future__ import annotations

from typing import Any, ClassVar

from econlab.envs.ibex import IbexEnv
from econlab.games.ibex.params import Treatment


class FutarchyEnv(IbexEnv):
    """``futarchy-v0`` (see the module docstring)."""

    treatment: ClassVar[Treatment] = "futarchy"
    metadata: ClassVar[dict[str, Any]] = {
        "name": "futarchy-v0", "render_modes": [], "is_parallelizable": True,
    }


def parallel_env(**options: Any) -> FutarchyEnv:
    """Create ``futarchy-v0`` (PettingZoo's module-level constructor)."""
    return FutarchyEnv(**options)
