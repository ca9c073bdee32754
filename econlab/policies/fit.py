"""Checks that a seat's policy spec exists and can play the seat's treatment, before a game starts.

A spec is a registered scripted name (``strategic:shade=0.1``), ``llm[:key=value,...]`` or ``rl:PATH``. Some
policies play only some treatments: ``voting-rational`` knows only the Voting decisions (in a Harberger or
Futarchy seat it would sit idle and look like a real player), and ``rl:`` checkpoints are trained on the
Harberger and Futarchy observation only.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

#: treatments each policy can play (a name missing here plays every treatment)
TREATMENTS_OF: dict[str, tuple[str, ...]] = {
    "voting-rational": ("voting",),
    "rl": ("harberger", "futarchy"),
}


def policy_name(spec: str) -> str:
    """The policy name of a spec: ``strategic`` of ``strategic:shade=0.1``, ``rl`` of ``rl:PATH``."""
    return spec.strip().partition(":")[0].strip()


def check_spec(spec: object, where: str) -> None:
    """Check that ``spec`` names a policy with valid parameters (``rl:`` paths are checked when loaded).

    Args:
        spec: The seat spec.
        where: Where it was given (``seats.owner``, ``--policy 3=...``), for the message.

    Raises:
        ValueError: ``"WHERE: unknown policy 'x' — allowed: ..."`` and the like.
    """
    from econlab.policies.llm.factory import is_llm_spec, parse_llm_spec
    from econlab.policies.registry import REGISTRY, make_policy

    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"{where}: {spec!r} is not a policy — {allowed_text()}")
    name = policy_name(spec)
    try:
        if name == "rl":
            if not spec.strip()[3:].split(",")[0].strip():
                raise ValueError("rl: needs a path, e.g. rl:runs/training/RUN")
            return
        if is_llm_spec(spec):
            parse_llm_spec(spec)
            return
        if name not in REGISTRY:
            close = difflib.get_close_matches(name, [*REGISTRY, "llm"], n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown policy {name!r} — {allowed_text()}{hint}")
        make_policy(spec)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def allowed_text() -> str:
    """The allowed policy names, for messages."""
    from econlab.policies.registry import REGISTRY

    return "allowed: " + ", ".join([*sorted(REGISTRY), "llm[:persona=NAME,...]", "rl:PATH"])


def check_fit(treatment: str, assignment: Mapping[int, str], roles: Mapping[int, str], where: str = "") -> None:
    """Check that every seat's policy plays ``treatment``.

    Args:
        treatment: The game's treatment.
        assignment: ``{seat: spec}``.
        roles: ``{seat: role name}``.
        where: A prefix for the message (a scenario's name).

    Raises:
        ValueError: ``"seat 3 (owner): voting-rational plays only voting, not harberger — choose ..."``.
    """
    prefix = f"{where}: " if where else ""
    for seat, spec in sorted(assignment.items()):
        name = policy_name(spec)
        allowed = TREATMENTS_OF.get(name)
        if allowed is not None and treatment not in allowed:
            raise ValueError(f"{prefix}seat {seat} ({roles.get(seat, '?')}): {spec} plays only "
                             f"{' and '.join(allowed)}, not {treatment} — give this seat another policy "
                             "(e.g. strategic)")


def check_role_keys(treatment: str, keys: list[str], roles: Mapping[int, str], where: str = "") -> None:
    """Reject role keys (``speculator: ...``) for roles that have no seat in this game.

    Raises:
        ValueError: ``"seats.speculator: voting has no speculator seats — seats: 1 owner, 2 developer, ..."``.
    """
    present = set(roles.values())
    prefix = f"{where}: " if where else ""
    for key in keys:
        if key in ("owner", "developer", "speculator") and key not in present:
            listing = ", ".join(f"{s} {r}" for s, r in sorted(roles.items()))
            raise ValueError(f"{prefix}{key}: this {treatment} game has no {key} seats — its seats are "
                             f"{listing}; remove the entry")
