"""``econlab train``: RLlib PPO (new API stack) on the learning seats of a :class:`FixedSeatEnv`.

Each learning seat maps to a trainable module (one ``shared`` module, or one per seat), an
:class:`ActionMaskingTorchRLModule` (RLlib's PPO module that adds ``log(mask)`` to the logits), so
masked menu entries are never sampled. The observations are already a flat ``Box`` beside the mask,
which is the form that module expects, so no flattening connector is needed.

Run folder (``OUT/<run_name>/``)::

    config.json               the TrainConfig (a rerun with another config refuses the folder)
    meta.json                 what a checkpoint policy needs: seat -> module, market ticks, menu size
    metrics.csv               one row per iteration (wall time, returns, losses); tb/ with TensorBoard
    checkpoints/iter_NNNNN/   Algorithm checkpoints every ``checkpoint_every`` iterations and at the end

Resuming: a rerun restores the newest checkpoint and continues from its iteration.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from econlab.training.config import TrainConfig

CHECKPOINTS = "checkpoints"
METRICS = "metrics.csv"
META = "meta.json"
ENV_NAME = "econlab-fixed-seat"
MODULE_CLASS = "ray.rllib.examples.rl_modules.classes.action_masking_rlm.ActionMaskingTorchRLModule"


def make_env(cfg: TrainConfig, worker_index: int = 0) -> Any:
    """The training env of ``cfg`` (episode seeds from ``cfg.seed`` and the env runner's index)."""
    from econlab.training.fixed_seat_env import FixedSeatEnv

    return FixedSeatEnv(cfg.scenario(), cfg.learning_seats(), session_from_seed=cfg.session_from_seed,
                        seed=cfg.seed * 1000 + worker_index, reward_scale=cfg.reward_scale,
                        max_opponent_error_rate=cfg.max_opponent_error_rate)


def algo_config(cfg: TrainConfig) -> Any:
    """The RLlib ``PPOConfig`` of a run."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
    from ray.rllib.examples.rl_modules.classes.action_masking_rlm import ActionMaskingTorchRLModule
    from ray.tune.registry import register_env

    from econlab.training.fixed_seat_env import agent_id

    data = cfg.model_dump(by_alias=True)
    register_env(ENV_NAME, lambda ctx: ParallelPettingZooEnv(
        make_env(TrainConfig.model_validate(dict(ctx)), getattr(ctx, "worker_index", 0))))
    seats = cfg.learning_seats()
    mapping = {agent_id(s): cfg.module_of(s) for s in seats}
    modules = sorted(set(mapping.values()))
    model = {"fcnet_hiddens": list(cfg.hidden), "fcnet_activation": "tanh", "head_fcnet_hiddens": [],
             "vf_share_layers": False}
    return (
        PPOConfig()
        .environment(ENV_NAME, env_config=data)
        .framework("torch")
        .env_runners(num_env_runners=cfg.num_env_runners, num_envs_per_env_runner=1,
                     rollout_fragment_length="auto", num_cpus_per_env_runner=1)
        .learners(num_learners=0)
        .training(train_batch_size_per_learner=cfg.train_batch_size, minibatch_size=cfg.minibatch_size,
                  num_epochs=cfg.num_epochs, lr=cfg.lr, gamma=cfg.gamma, lambda_=cfg.lambda_,
                  entropy_coeff=cfg.entropy_coeff, clip_param=cfg.clip_param, vf_clip_param=cfg.vf_clip_param)
        .multi_agent(policies=set(modules),
                     policy_mapping_fn=lambda aid, *args, **kwargs: mapping[aid],
                     policies_to_train=modules)
        .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs={
            m: RLModuleSpec(module_class=ActionMaskingTorchRLModule, model_config=model) for m in modules}))
        .debugging(seed=cfg.seed)
        .reporting(metrics_num_episodes_for_smoothing=20)
    )


#: settings a resumed run may change (its budget); any other difference makes it another run
_RESUMABLE = ("iterations", "time_budget_s", "checkpoint_every")


def check_folder(run_dir: Path, cfg: TrainConfig) -> None:
    """Check, writing nothing, that ``run_dir`` is missing, empty, or a run of ``cfg`` (which then resumes).

    Raises:
        ValueError: It is a file, or it holds another run (the message names the settings that differ).
    """
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"{run_dir} is a file, not a run folder — give another --out folder")
    path = run_dir / "config.json"
    if path.exists():
        mine = json.loads(cfg.model_dump_json(by_alias=True))
        try:
            theirs = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise ValueError(f"{path} is not a training config (not JSON) — give another --out folder") from None
        differ = sorted(k for k in set(theirs) | set(mine) if k not in _RESUMABLE and theirs.get(k) != mine.get(k))
        if differ:
            raise ValueError(f"{run_dir} holds another training run (its config.json differs in "
                             f"{', '.join(differ)}) — use another --out folder, or the config it was trained with")
    elif run_dir.is_dir() and any(run_dir.iterdir()):
        raise ValueError(f"{run_dir} holds files but no training run (config.json) — use another --out folder")


def _check_folder(run_dir: Path, cfg: TrainConfig) -> None:
    mine = json.loads(cfg.model_dump_json(by_alias=True))
    path = run_dir / "config.json"
    check_folder(run_dir, cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mine, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest ``checkpoints/iter_*`` folder of a run, or ``None``."""
    folder = Path(run_dir) / CHECKPOINTS
    done = sorted(p for p in folder.glob("iter_*") if (p / "DONE").exists()) if folder.exists() else []
    return done[-1] if done else None


def _row(it: int, wall: float, result: dict[str, Any], modules: list[str]) -> dict[str, Any]:
    runners = result.get("env_runners", {})
    learners = result.get("learners", {})
    row: dict[str, Any] = {"iteration": it, "wall_s": round(wall, 2),
                           "env_steps": runners.get("num_env_steps_sampled_lifetime"),
                           "episodes": runners.get("num_episodes_lifetime"),
                           "episode_return_mean": runners.get("episode_return_mean")}
    per_module = runners.get("module_episode_returns_mean", {})
    for m in modules:
        row[f"{m}_return_mean"] = per_module.get(m)
        stats = learners.get(m, {})
        for k in ("policy_loss", "vf_loss", "entropy", "mean_kl_loss"):
            row[f"{m}_{k}"] = stats.get(k)
    return row


def _append_csv(path: Path, row: dict[str, Any]) -> None:
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)


def _done_iterations(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return int(rows[-1]["iteration"]) if rows else 0


def train(cfg: TrainConfig, out: str | Path = "runs/training", *, ray_address: str | None = None,
          on_iteration: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """Train (or resume) the run of ``cfg`` in ``out/<run_name>``; returns the run folder.

    Args:
        cfg: The run.
        out: Parent folder of the run folder.
        ray_address: Connect to this Ray cluster; default: a local Ray with 2 CPUs and no dashboard.
        on_iteration: Called with each iteration's metrics row.
    """
    import ray

    run_dir = Path(out) / cfg.run_name
    _check_folder(run_dir, cfg)
    seats = cfg.learning_seats()
    modules = sorted({cfg.module_of(s) for s in seats})
    meta = {"run_name": cfg.run_name, "treatment": cfg.treatment,
            "seats": {str(s): cfg.module_of(s) for s in seats}, "modules": modules,
            "market_ticks": cfg.scenario().market_ticks, "module_class": MODULE_CLASS}
    (run_dir / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    started_ray = not ray.is_initialized()
    if started_ray:
        if ray_address:
            ray.init(address=ray_address)
        else:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    writer = _tensorboard(run_dir)
    try:
        algo = algo_config(cfg).build_algo()
        ckpt = latest_checkpoint(run_dir)
        first = _done_iterations(run_dir / METRICS)
        if ckpt is not None:
            algo.restore_from_path(str(ckpt))
            first = int(ckpt.name.split("_")[1])
        start = time.perf_counter()
        saved = first
        it = first
        for it in range(first + 1, cfg.iterations + 1):
            result = algo.train()
            row = _row(it, time.perf_counter() - start, result, modules)
            _append_csv(run_dir / METRICS, row)
            if writer is not None:
                for k, v in row.items():
                    if isinstance(v, int | float) and k != "iteration":
                        writer.add_scalar(k, v, it)
            if on_iteration:
                on_iteration(row)
            over = cfg.time_budget_s is not None and time.perf_counter() - start > cfg.time_budget_s
            if it % cfg.checkpoint_every == 0 or it == cfg.iterations or over:
                _save(algo, run_dir, it)
                saved = it
            if over:
                break
        if saved != it:
            _save(algo, run_dir, it)
        algo.stop()
    finally:
        if writer is not None:
            writer.close()
        if started_ray:
            ray.shutdown()
    return run_dir


def _save(algo: Any, run_dir: Path, it: int) -> None:
    path = run_dir / CHECKPOINTS / f"iter_{it:05d}"
    algo.save_to_path(str(path.resolve()))
    (path / "DONE").write_text("", encoding="utf-8")  # a checkpoint counts only once fully written


def _tensorboard(run_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(run_dir / "tb"))
