"""``econlab calibrate prompts CONFIG``: prompt variants scored against human sessions, cross-validated by session.

Every variant (a persona, a templates folder, a temperature, an adapter, or a scripted policy as a
baseline) plays the values of every human session (:func:`econlab.calibration.scoring.play_session`) and
is compared with that session's humans. Cross-validation leaves one session out at a time: the variant
with the lowest objective (mean KS distance) on the other sessions is *selected*, and it is *scored* on
the held-out session together with every baseline. With two sessions: fit on one, score on the other,
both ways. Outputs in ``out``: ``records/`` (resumable), ``scores.csv`` (variant x session x statistic),
``samples.csv`` (the compared values),
``cv.csv`` (per fold, every variant's held-out rows with its role: selected, candidate, baseline), ``search.json``.
Works with any LLM backend; the answer cache (``llm.cache_dir``, default ``out/cache``) makes reruns free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from econlab.calibration.scoring import objective, play_session, samples, session_params
from econlab.eval.seats import assign

ROLES = ("owner", "developer")
#: the Voting roster: seat 2 is the developer, the others are owners
_VOTING_ROSTER = {seat: "developer" if seat == 2 else "owner" for seat in range(1, 7)}


class Variant(BaseModel):
    """One candidate (or baseline) way of playing the LLM seats.

    Attributes:
        name: Unique name (file names and tables).
        persona: Persona of the LLM seats.
        temperature: Sampling temperature (``None``: the ``llm`` section's).
        templates_dir: A folder of prompt templates overriding the shipped ones.
        adapter: A LoRA adapter folder (``local`` backend).
        policy: A scripted policy for the ``llm`` seats instead of the model (a baseline such as ``voting-rational``).
        baseline: Scored on held-out sessions but never selected.
        sessions: Play only these sessions (record file names up to the first dot; empty: all), e.g. an
            adapter trained on one session is only played on the others.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    persona: str = "profit-maximiser"
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    templates_dir: Path | None = None
    adapter: Path | None = None
    policy: str | None = None
    baseline: bool = False
    sessions: tuple[str, ...] = ()

    def spec(self) -> str:
        """The seat spec of the variant's LLM seats."""
        if self.policy is not None:
            return self.policy
        parts = [f"persona={self.persona}"]
        if self.temperature is not None:
            parts.append(f"temperature={self.temperature:g}")
        if self.adapter is not None:
            parts.append(f"adapter={self.adapter}")
        return "llm:" + ",".join(parts)


class SearchConfig(BaseModel):
    """The prompt search (module docstring).

    Attributes:
        human: Lab record files, one session each (at least two for cross-validation).
        out: Output folder.
        variants: Candidates and baselines.
        seats: ``all``/``owner``/``developer``/seat number -> ``llm`` (the variant) or a scripted spec.
        rounds: Paid rounds simulated per session (the human sample is cut to the same rounds).
        chat_ticks: Ticks of each chat phase (0: no chat, the cheapest).
        seeds: Game seeds per variant and session.
        llm: The :class:`~econlab.policies.llm.config.LLMConfig` of the LLM seats.
        n_boot: Bootstrap replicates.
        boot_seed: Bootstrap seed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    human: tuple[Path, ...] = Field(min_length=1)
    out: Path
    variants: tuple[Variant, ...] = Field(min_length=1)
    seats: dict[str, str] = Field(default_factory=lambda: {"all": "llm"})
    rounds: int = Field(default=2, ge=1, le=5)
    chat_ticks: int = Field(default=0, ge=0, le=20)
    seeds: tuple[int, ...] = (0,)
    llm: dict[str, Any] = Field(default_factory=dict)
    n_boot: int = Field(default=1000, ge=10)
    boot_seed: int = 0

    @field_validator("variants")
    @classmethod
    def _unique(cls, variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
        names = [v.name for v in variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique, got {names}")
        return variants

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, llm: dict[str, Any]) -> dict[str, Any]:
        from pydantic import ValidationError

        from econlab.configfile import nested_error
        from econlab.policies.llm.config import LLMConfig

        try:
            LLMConfig.model_validate(llm)
        except ValidationError as exc:
            raise nested_error(exc, LLMConfig, "") from None
        return llm

    @field_validator("seats")
    @classmethod
    def _check_seats(cls, seats: dict[str, str]) -> dict[str, str]:
        assign(seats, _VOTING_ROSTER, "llm", where=" in voting")  # the seat syntax of every other config
        if "speculator" in seats:
            raise ValueError("seat key 'speculator': Voting has no speculators (seats: all, owner, developer, 1..6)")
        return seats

    def assignment(self, variant: Variant) -> dict[int, str]:
        """``{seat: spec}`` of a Voting game (seat 2 is the developer) with the variant in the ``llm`` seats."""
        specs = assign(self.seats, _VOTING_ROSTER, "llm")
        return {seat: variant.spec() if spec.strip() == "llm" else spec for seat, spec in specs.items()}

    def llm_config(self, variant: Variant) -> Any:
        """The LLM settings of a variant (templates folder, answer cache under ``out`` by default)."""
        from econlab.policies.llm.config import LLMConfig

        data = {"cache_dir": self.out / "cache"} | dict(self.llm)
        if variant.templates_dir is not None:
            data["templates_dir"] = variant.templates_dir
        return LLMConfig.model_validate(data)


def settings_changed(cfg: SearchConfig) -> list[str]:
    """The settings in which the search already in ``cfg.out`` differs from ``cfg`` (empty: none there or same)."""
    import json

    done = cfg.out / "search.json"
    if not done.is_file():
        return []
    try:
        theirs = json.loads(done.read_text(encoding="utf-8")).get("config") or {}
    except (json.JSONDecodeError, AttributeError):
        return ["search.json (unreadable)"]
    mine = json.loads(cfg.model_dump_json())
    return sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))


def load_config(path: str | Path) -> SearchConfig:
    """A :class:`SearchConfig` from YAML.

    Raises:
        ValueError: Missing file or invalid settings.
    """
    from econlab.configfile import read_mapping, unwrap, validate

    data = read_mapping(path, "a prompt-search config")
    return validate(SearchConfig, unwrap(data, "prompts", path), path, "a prompt-search config")


def score_all(cfg: SearchConfig, *, log: Any = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Play every variant on every session and compare: rows (variant, session, statistic, ...) and the samples.

    Returns:
        The score table and ``{"human": {session: samples}, "sim": {(variant, session): samples}}``.
    """
    from econlab.calibration.scoring import compare
    from econlab.eval.dataset import build_tables, tables_from_games

    rows = []
    kept = list(range(1, cfg.rounds + 1))
    store: dict[str, Any] = {"human": {}, "sim": {}}
    for path in cfg.human:
        session = Path(path).name.split(".")[0]
        human = samples(build_tables([Path(path)]), rounds=kept)
        store["human"][session] = human
        params = session_params(path, cfg.rounds)
        for v in cfg.variants:
            if v.sessions and session not in v.sessions:
                continue
            if log is not None:
                log(f"{v.name} on {session} ({v.spec()})")
            games = play_session(params, cfg.assignment(v), cfg.llm_config(v), cfg.seeds, cfg.out / "records",
                                 f"{v.name}--{session}", chat_ticks=cfg.chat_ticks)
            sim = samples(tables_from_games(games), rounds=kept)
            store["sim"][(v.name, session)] = sim
            table = compare(human, sim, n_boot=cfg.n_boot, seed=cfg.boot_seed)
            rows += [{"variant": v.name, "session": session, "baseline": v.baseline} | r
                     for r in table.to_dict("records")]
    return pd.DataFrame(rows), store


def sample_table(store: dict[str, Any]) -> pd.DataFrame:
    """The samples behind the scores as one long table (source ``human`` or the variant; session; statistic)."""
    parts = []
    for source, per in [(("human", s), x) for s, x in store["human"].items()] + list(store["sim"].items()):
        for stat, df in per.items():
            parts.append(df.assign(source=source[0], session=source[1], statistic=stat))
    cols = ["source", "session", "statistic", "game_id", "value"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def cross_validate(scores: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Leave-one-session-out selection: per fold, the held-out rows of every variant with its role.

    Roles: ``selected`` (lowest mean objective on the fit sessions), ``candidate`` (not selected), ``baseline``.

    With a single session the selection and the score use the same session (reported as ``in-sample``).
    """
    sessions = sorted(scores["session"].unique())
    per = scores.groupby(["variant", "session"]).apply(objective, include_groups=False).rename("objective")
    folds, rows = [], []
    for held in sessions:
        fit = [s for s in sessions if s != held] or [held]
        cands = scores.loc[~scores["baseline"].astype(bool), "variant"].unique()
        # a candidate not played on every fit session cannot be selected in this fold
        fit_loss = {v: float(per.loc[[(v, s) for s in fit]].mean()) for v in cands
                    if all((v, s) in per.index for s in fit)}
        best = min(fit_loss, key=lambda v: (pd.isna(fit_loss[v]), fit_loss[v])) if fit_loss else None
        folds.append({"held_out": held, "fit": fit, "selected": best, "fit_objective": fit_loss,
                      "in_sample": fit == [held]})
        # every variant's held-out rows, so the selected one can be read against the others (and the un-tuned)
        for r in scores[scores["session"] == held].to_dict("records"):
            role = "selected" if r["variant"] == best else "baseline" if r["baseline"] else "candidate"
            rows.append({"held_out": held, "role": role} | r)
    return pd.DataFrame(rows), folds


def run_search(cfg: SearchConfig, *, log: Any = None) -> dict[str, Any]:
    """Score, cross-validate and write ``scores.csv``, ``cv.csv`` and ``search.json`` in ``cfg.out``."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    scores, store = score_all(cfg, log=log)
    cv, folds = cross_validate(scores)
    scores.to_csv(cfg.out / "scores.csv", index=False)
    sample_table(store).to_csv(cfg.out / "samples.csv", index=False)
    cv.to_csv(cfg.out / "cv.csv", index=False)
    per = scores.groupby(["variant", "session"]).apply(objective, include_groups=False)
    summary = {"folds": folds, "objective": {f"{v}|{s}": float(x) for (v, s), x in per.items()},
               "config": json.loads(cfg.model_dump_json())}
    (cfg.out / "search.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary
