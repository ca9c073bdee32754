"""Classical designers: Optuna's TPE sampler and uniform random search.

Both are pure functions of the history: the Optuna study is rebuilt in memory from the scored candidates
(``create_trial`` / ``add_trial``) with a sampler seeded by ``(seed, index)``, so a resumed search proposes exactly
what an uninterrupted one would have, and the search's own history file is the one persistent store.
Designs the engine rejects enter the study as failed trials (TPE ignores them; the next ask is reseeded).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from econlab.design.space import DesignSpace, Param
from econlab.design.store import Candidate

#: a design, the designer's reasoning, the rejected attempts before it (``{"design"|"raw", "reasons"}``)
Proposal = tuple[dict[str, Any], str, list[dict[str, Any]]]
#: every reason a design is rejected (empty: valid)
Check = Callable[[Any], list[str]]


def _distribution(p: Param) -> Any:
    import optuna

    if p.type == "categorical":
        return optuna.distributions.CategoricalDistribution(list(p.choices or []))
    assert p.low is not None and p.high is not None  # checked by Param
    if p.type == "int":
        return optuna.distributions.IntDistribution(int(p.low), int(p.high), log=p.log, step=int(p.step or 1))
    return optuna.distributions.FloatDistribution(p.low, p.high, log=p.log, step=p.step)


def _suggest(trial: Any, p: Param) -> Any:
    if p.type == "categorical":
        return trial.suggest_categorical(p.name, list(p.choices or []))
    assert p.low is not None and p.high is not None
    if p.type == "int":
        return trial.suggest_int(p.name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
    return trial.suggest_float(p.name, p.low, p.high, step=p.step, log=p.log)


def full_design(space: DesignSpace, design: dict[str, Any]) -> dict[str, Any]:
    """The design with every parameter of the space (lab defaults for the ones it leaves out)."""
    return space.defaults() | dict(design)


class OptunaDesigner:
    """Optuna TPE over the design space (module docstring)."""

    name = "optuna"

    def __init__(self, space: DesignSpace, seed: int = 0, startup: int = 8, max_attempts: int = 3,
                 check: Check | None = None) -> None:
        self.space = space
        self.check: Check = check or space.check
        self.seed = seed
        self.startup = startup
        self.max_attempts = max_attempts

    def _study(self, history: list[Candidate], seed: int) -> Any:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=self.startup, multivariate=True)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        dists = {p.name: _distribution(p) for p in self.space.params}
        for c in history:
            params = full_design(self.space, c.design)
            if any(p.check_value(params[p.name]) for p in self.space.params):
                continue  # a lab default outside the searched range: not a point of the search space
            score = c.score
            ok = c.scored and math.isfinite(score)
            state = optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL
            study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, state=state,
                                                      value=score if ok else None))
            for r in c.rejected:
                design = r.get("design")
                if isinstance(design, dict) and set(design) == set(dists) and \
                        not any(p.check_value(design[p.name]) for p in self.space.params):
                    study.add_trial(optuna.trial.create_trial(params=design, distributions=dists,
                                                              state=optuna.trial.TrialState.FAIL))
        return study

    def propose(self, history: list[Candidate], index: int) -> Proposal:
        """The next design, its (short) reasoning and the rejected attempts before it."""
        rejected: list[dict[str, Any]] = []
        seen = [full_design(self.space, c.design) for c in history]
        for attempt in range(self.max_attempts * 4):
            seed = int(np.random.SeedSequence([self.seed, index, attempt]).generate_state(1)[0])
            study = self._study(history, seed)
            trial = study.ask()
            design = {p.name: _suggest(trial, p) for p in self.space.params}
            reasons = self.check(design)
            if not reasons and design in seen:
                reasons = ["this design was already evaluated"]
            if not reasons:
                return design, f"TPE proposal (sampler seed {seed})", rejected
            rejected.append({"design": design, "reasons": reasons})
            history = history + [Candidate(-1, design, self.name, rejected=[], result=None)]
        raise RuntimeError(f"optuna proposed no valid new design in {len(rejected)} attempts; last reasons: "
                           f"{rejected[-1]['reasons']}")


class RandomDesigner:
    """Uniformly random designs (a baseline for the other designers), seeded by ``(seed, index)``."""

    name = "random"

    def __init__(self, space: DesignSpace, seed: int = 0, max_attempts: int = 3, check: Check | None = None) -> None:
        self.space = space
        self.check: Check = check or space.check
        self.seed = seed
        self.max_attempts = max_attempts

    def _draw(self, rng: np.random.Generator, p: Param) -> Any:
        if p.type == "categorical":
            return (p.choices or [])[int(rng.integers(len(p.choices or [])))]
        assert p.low is not None and p.high is not None
        if p.step or p.type == "int":
            step = p.step or 1
            k = int(rng.integers(0, int(math.floor((p.high - p.low) / step + 1e-9)) + 1))
            v = p.low + k * step
            return int(v) if p.type == "int" else float(v)
        if p.log:
            return float(math.exp(rng.uniform(math.log(p.low), math.log(p.high))))
        return float(rng.uniform(p.low, p.high))

    def propose(self, history: list[Candidate], index: int) -> Proposal:
        """A random valid design."""
        rejected: list[dict[str, Any]] = []
        for attempt in range(self.max_attempts * 4):
            rng = np.random.default_rng([self.seed, index, attempt])
            design = {p.name: self._draw(rng, p) for p in self.space.params}
            reasons = self.check(design)
            if not reasons:
                return design, "uniform random draw", rejected
            rejected.append({"design": design, "reasons": reasons})
        raise RuntimeError(f"no valid random design in {len(rejected)} draws; last reasons: {rejected[-1]['reasons']}")
