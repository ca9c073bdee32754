"""The policy protocol: what occupies a seat (defined in :mod:`econlab.core.policy`).

This module re-exports the core protocol and adds :class:`ScriptedPolicy`, the mixin of the
registered scripted policies.
"""

from __future__ import annotations

from econlab.core.policy import AsyncPolicy, Policy, PolicyState, StopRun, is_async

__all__ = ["AsyncPolicy", "Policy", "PolicyState", "ScriptedPolicy", "StopRun", "is_async"]


class ScriptedPolicy:
    """Mixin of the scripted policies: registry name and a fresh seeded state per seat."""

    @property
    def name(self) -> str:
        """The registry spec of this policy (name and non-default parameters)."""
        from econlab.policies.registry import spec_of

        return spec_of(self)

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """A fresh state for ``seat``."""
        return PolicyState(seat=seat, seed=seed)
