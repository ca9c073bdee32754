"""``voting-v0``: the Voting treatment as a PettingZoo ParallelEnv.

Six agents: the developer (seat 2) and five owners. Decision steps per round: chat
(``chat_ticks``), requests (owners), offer (developer), chat (``chat_ticks``), vote (owners). Chat
sends one of ``econlab.envs.spaces.CANNED_MESSAGES`` to the seats chosen in ``chat_to``; messages
reach the recipients' ``inbox`` observation. The project passes by the lab's tally rule; owners
then receive ``v[1] + offer`` and the developer ``v[1] - 5 * offer``. Observation, action, mask and
reward conventions: :mod:`econlab.envs.ibex`.

Version history: v0: initial.
"""

from __future__ import annotations

from typing import Any, ClassVar

from econlab.envs.ibex import IbexEnv
from econlab.games.ibex.params import Treatment


class VotingEnv(IbexEnv):
    """``voting-v0`` (see the module docstring)."""

    treatment: ClassVar[Treatment] = "voting"
    metadata: ClassVar[dict[str, Any]] = {
        "name": "voting-v0", "render_modes": [], "is_parallelizable": True,
    }


def parallel_env(**options: Any) -> VotingEnv:
    """Create ``voting-v0`` (PettingZoo's module-level constructor)."""
    return VotingEnv(**options)
