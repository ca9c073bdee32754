"""Policies: what occupies a seat (the protocol in :mod:`econlab.policies.base`) and scripted baselines.

Build one by name with :func:`make_policy` (``"truthful"``, ``"strategic:shade=0.1"``, ``"random"``,
``"voting-rational"``); :func:`available` lists the names.
"""

from __future__ import annotations

from econlab.policies.base import Policy, PolicyState
from econlab.policies.random_policy import RandomPolicy
from econlab.policies.registry import available, make_policy, spec_of
from econlab.policies.strategic import Strategic
from econlab.policies.truthful import Truthful
from econlab.policies.voting_rules import VotingRational

__all__ = [
    "Policy", "PolicyState", "RandomPolicy", "Strategic", "Truthful", "VotingRational", "available", "make_policy",
    "spec_of",
]
