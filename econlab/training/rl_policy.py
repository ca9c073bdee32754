"""A trained RLlib module as an econlab :class:`~econlab.policies.base.Policy` (seat spec ``rl:PATH``).

``PATH`` is a run folder of ``econlab train`` (its newest checkpoint), a checkpoint folder
(``.../checkpoints/iter_NNNNN``) or a module folder (``.../learner_group/learner/rl_module/<module>``).
Options after a comma: ``module=NAME`` (default: the run's only module, or ``shared``),
``market_ticks=N`` (the tick scale of the observation; default: the run's), ``sample=true`` (sample
from the masked distribution with the decision's seeded generator instead of taking the most likely
entry). Example: ``--policy speculator=rl:runs/training/harberger__learn-7__vs-strategic__seed0``.

The module is loaded with ``RLModule.from_checkpoint`` (torch and RLlib's classes, no Ray runtime),
once per process and path. The policy needs only the seat's view, so it plays wherever a policy
does: ``econlab play``, tournaments, the env wrapper's fixed seats and the live-server client.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from econlab.games.ibex.actions import Action
from econlab.games.ibex.view import SeatView
from econlab.policies.base import PolicyState
from econlab.training import features as ft
from econlab.training import menu

PREFIX = "rl:"


def is_rl_spec(spec: str) -> bool:
    """Whether a seat spec names a checkpoint policy."""
    return spec.strip().startswith(PREFIX)


def _module_dir(path: Path, module: str | None) -> tuple[Path, dict[str, Any]]:
    """The module folder and the run's meta data (``{}`` when not found) for a run / checkpoint / module path."""
    meta: dict[str, Any] = {}
    for up in (path, *path.parents[:7]):
        if (up / "meta.json").exists():
            meta = json.loads((up / "meta.json").read_text(encoding="utf-8"))
            break
    if (path / "checkpoints").is_dir():
        from econlab.training.train import latest_checkpoint

        ckpt = latest_checkpoint(path)
        if ckpt is None:
            raise ValueError(f"rl: {path} has no finished checkpoint")
        path = ckpt
    if (path / "learner_group").is_dir():
        modules = path / "learner_group" / "learner" / "rl_module"
        names = sorted(p.name for p in modules.iterdir() if p.is_dir()) if modules.is_dir() else []
        name = module or (names[0] if len(names) == 1 else "shared")
        if name not in names:
            raise ValueError(f"rl: checkpoint {path} has no module {name!r}; modules: {names}")
        path = modules / name
    if not (path / "module_state.pkl").exists() and not (path / "class_and_ctor_args.pkl").exists():
        raise ValueError(f"rl: {path} is not a run, checkpoint or module folder of econlab train")
    return path, meta


@functools.lru_cache(maxsize=16)
def load_module(module_dir: str) -> Any:
    """The RLModule stored in ``module_dir`` (cached per process), in eval mode, on the CPU."""
    import torch
    from ray.rllib.core.rl_module.rl_module import RLModule

    module = RLModule.from_checkpoint(module_dir)
    module.eval()
    torch.set_grad_enabled(False)
    return module


@dataclass(frozen=True)
class RLPolicy:
    """Plays a trained module's menu choices (see the module docstring).

    Attributes:
        spec: The seat spec it was built from (its ``name``).
        module_dir: The module folder.
        market_ticks: Ticks of the market phase the module was trained with (observation's tick scale).
        sample: Sample the masked distribution instead of taking the most likely entry.
    """

    spec: str
    module_dir: str
    market_ticks: int = 20
    sample: bool = False

    @property
    def name(self) -> str:
        """The seat spec."""
        return self.spec

    def initial_state(self, seat: int, seed: int) -> PolicyState:
        """A fresh state (the memory counts the decisions in the current phase, for the tick feature)."""
        return PolicyState(seat=seat, seed=seed, memory={"phase": None, "ticks": 0})

    def act(self, view: SeatView, state: PolicyState) -> tuple[Action | None, PolicyState]:
        """The module's choice for the seat's current decision (``None`` when only ``noop`` is legal)."""
        key = [view.round, view.phase]
        ticks = state.memory.get("ticks", 0) if state.memory.get("phase") == key else 0
        nxt = state.next(phase=key, ticks=ticks + 1)
        mask = menu.action_mask(view)
        if mask.sum() <= 1:
            return None, nxt
        tick = ticks / self.market_ticks if vt_market(view) else 0.0
        rng = state.rng()
        index = self.choose(ft.features(view, tick), mask, rng)
        return menu.to_action(view, index, rng), nxt

    def choose(self, features: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> int:
        """The menu index for one observation."""
        import torch

        module = load_module(self.module_dir)
        batch = {"obs": {"action_mask": torch.from_numpy(mask[None, :]),
                         "observations": torch.from_numpy(features[None, :])}}
        logits = module.forward_inference(batch)["action_dist_inputs"][0].numpy().astype(np.float64)
        logits = np.where(mask > 0, logits, -np.inf)
        if not self.sample:
            return int(np.argmax(logits))
        p = np.exp(logits - logits.max())
        return int(rng.choice(len(p), p=p / p.sum()))


def vt_market(view: SeatView) -> bool:
    """Whether the view is in a multi-tick market phase (the only phase with a non-zero tick feature)."""
    from econlab.policies import viewtools as vt

    return vt.decision(view) == "market"


def make_rl_policy(spec: str) -> RLPolicy:
    """Build an :class:`RLPolicy` from ``rl:PATH[,module=NAME][,market_ticks=N][,sample=true]``.

    Raises:
        ValueError: Not an ``rl:`` spec, a missing path, or a bad option.
    """
    if not is_rl_spec(spec):
        raise ValueError(f"{spec!r} is not an rl: spec")
    body = spec.strip()[len(PREFIX):]
    path_text, *items = [x.strip() for x in body.split(",")]
    opts: dict[str, str] = {}
    for item in items:
        k, eq, v = (x.strip() for x in item.partition("="))
        if not eq or k not in ("module", "market_ticks", "sample"):
            raise ValueError(f"rl spec {spec!r}: {item!r} must be module=NAME, market_ticks=N or sample=true|false")
        opts[k] = v
    path = Path(path_text).expanduser()
    if not path_text or not path.exists():
        raise ValueError(f"rl spec {spec!r}: no such path {path_text!r}")
    module_dir, meta = _module_dir(path, opts.get("module"))
    try:
        ticks = int(opts.get("market_ticks", meta.get("market_ticks", 20)))
    except ValueError:
        raise ValueError(f"rl spec {spec!r}: market_ticks must be an integer") from None
    if ticks < 1:
        raise ValueError(f"rl spec {spec!r}: market_ticks must be >= 1")
    sample = opts.get("sample", "false").lower()
    if sample not in ("true", "false"):
        raise ValueError(f"rl spec {spec!r}: sample must be true or false")
    return RLPolicy(spec=spec.strip(), module_dir=str(module_dir.resolve()), market_ticks=ticks,
                    sample=sample == "true")
