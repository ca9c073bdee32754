"""Scripted policies by name: ``make_policy("strategic:shade=0.1,snipe_q=0.3")``.

A spec is a registered name, optionally followed by ``:`` and comma-separated ``key=value``
parameters of that policy's dataclass. Values are parsed by the field's type (``float``, ``int``,
``bool`` as true/false, ``float | None`` also as ``none``/``auto``); the policy validates them.
:func:`spec_of` writes the spec back (the name plus the parameters that differ from the defaults),
so ``make_policy(spec_of(p)) == p``.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any

from econlab.policies.base import Policy
from econlab.policies.random_policy import RandomPolicy
from econlab.policies.strategic import Strategic
from econlab.policies.truthful import Truthful
from econlab.policies.voting_rules import VotingRational

#: name -> (class, one-line description)
REGISTRY: dict[str, tuple[type, str]] = {
    "truthful": (Truthful, "declare true values, never snipe, never trade; Voting: request the loss, "
                           "offer the pivotal request if profitable, vote own payoff"),
    "strategic": (Strategic, "shade declarations against snipe risk and tax, developer pushes the Project, "
                             "snipe low declarations, ZI-C trading around the signal; Voting as voting-rational"),
    "random": (RandomPolicy, "uniformly random legal actions (declarations, snipes, orders, cancels, "
                             "requests, offers, votes, chat)"),
    "voting-rational": (VotingRational, "Voting only: request loss x 1.26, offer the pivotal request / 1.26 "
                                        "within the gain, vote own payoff"),
}


def available() -> dict[str, str]:
    """The registered policy names with a one-line description each."""
    return {name: desc for name, (_, desc) in REGISTRY.items()}


def make_policy(spec: str) -> Policy:
    """Build a scripted policy from its spec (``name`` or ``name:key=value,...``).

    Raises:
        ValueError: Unknown name (the message lists the valid ones), unknown or malformed
            parameter, or a value the policy rejects.
    """
    if not isinstance(spec, str):
        raise ValueError(f"a policy spec must be a string, got {spec!r}")
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in REGISTRY:
        raise ValueError(f"unknown policy {name!r}; valid names: {', '.join(sorted(REGISTRY))}")
    cls = REGISTRY[name][0]
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq:
            raise ValueError(f"policy {name!r}: parameter {item!r} must be key=value")
        if key not in fields:
            valid = ", ".join(sorted(fields)) or "none"
            raise ValueError(f"policy {name!r} has no parameter {key!r}; valid parameters: {valid}")
        if key in kwargs:
            raise ValueError(f"policy {name!r}: parameter {key!r} given twice")
        kwargs[key] = _parse(name, key, raw.strip(), hints[key])
    policy: Policy = cls(**kwargs)
    return policy


def spec_of(policy: Any) -> str:
    """The spec of a registered policy instance: its name plus its non-default parameters."""
    for name, (cls, _) in REGISTRY.items():
        if type(policy) is cls:
            parts = []
            for f in dataclasses.fields(cls):
                value = getattr(policy, f.name)
                if f.init and value != f.default:
                    parts.append(f"{f.name}={_format(value)}")
            return name + (":" + ",".join(parts) if parts else "")
    raise ValueError(f"{type(policy).__name__} is not a registered policy")


def _format(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _parse(name: str, key: str, raw: str, hint: Any) -> Any:
    args = typing.get_args(hint)
    optional = (typing.get_origin(hint) in (typing.Union, types.UnionType)) and type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if optional else hint
    if optional and raw.lower() in ("none", "auto", "null"):
        return None
    try:
        if base is bool:
            if raw.lower() in ("true", "1", "yes"):
                return True
            if raw.lower() in ("false", "0", "no"):
                return False
            raise ValueError(raw)
        if base is int:
            return int(raw)
        if base is float:
            x = float(raw)
            if not math.isfinite(x):
                raise ValueError(raw)
            return x
    except ValueError:
        raise ValueError(f"policy {name!r}: parameter {key}={raw!r} is not a valid {getattr(base, '__name__', base)}"
                         ) from None
    return raw
