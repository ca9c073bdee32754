"""``econlab calibrate finetune CONFIG``: a LoRA adapter (peft) trained on the human SFT examples.

The base model is loaded exactly as the ``local`` backend loads it (the shipped SmolLM2-135M GGUF by
default, or any local model folder), offline. A plain torch loop trains a LoRA adapter with AdamW on
the answer tokens only (:func:`econlab.calibration.sft.tokenize_example`), one example per forward
pass with gradient accumulation (no padding, so no wasted CPU time on short examples). The adapter is
saved with ``save_pretrained`` in ``out`` together with ``training.json`` (settings, examples used,
loss per step); the ``local`` backend loads it with ``LLMConfig(backend="local", lora=out)``, i.e. the
seat spec ``llm:adapter=PATH``. A finished adapter (``training.json`` present with the same settings)
is not trained again. On a GPU the same command uses CUDA when ``device`` is ``auto``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from econlab.calibration.sft import DECISIONS, read_jsonl, tokenize_example


class FinetuneConfig(BaseModel):
    """Settings of one LoRA fine-tuning run.

    Attributes:
        sft: The SFT examples (``sft.jsonl`` written by ``econlab dataset human``, or its folder).
        out: Folder of the adapter.
        model: Local model folder (``None``: the shipped SmolLM2-135M GGUF, as the local backend).
        games: Train only on these game ids (e.g. one session of a session-level split); empty: all.
        decisions: Decision kinds trained on.
        practice: Whether practice-round decisions are used.
        max_examples: Most examples used (after filtering, in file order; ``None``: all).
        max_length: Longest example in tokens; longer ones are left out (and counted).
        r: LoRA rank.
        alpha: LoRA alpha.
        dropout: LoRA dropout.
        target_modules: Modules that get LoRA weights.
        lr: AdamW learning rate.
        epochs: Passes over the examples (``max_steps`` stops earlier).
        max_steps: Most optimiser steps (``None``: no limit).
        grad_accum: Examples per optimiser step.
        seed: Seed of the example order and the LoRA initialisation.
        threads: CPU threads of torch.
        device: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
        prefix_grad: Back-propagate through the prompt too (exact full-sequence gradient; about three times
            the CPU time). Off: the gradient flows through the answer tokens only (see :func:`_example_loss`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sft: Path
    out: Path
    model: Path | None = None
    games: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ("request", "offer", "vote")
    practice: bool = True
    max_examples: int | None = Field(default=None, ge=1)
    max_length: int = Field(default=2048, ge=16, le=131072)
    r: int = Field(default=8, ge=1, le=512)
    alpha: int = Field(default=16, ge=1, le=1024)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    lr: float = Field(default=2e-4, gt=0.0, le=1.0)
    epochs: int = Field(default=1, ge=1, le=100)
    max_steps: int | None = Field(default=None, ge=1)
    grad_accum: int = Field(default=4, ge=1, le=1024)
    seed: int = Field(default=0, ge=0)
    threads: int = Field(default=1, ge=1, le=256)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    prefix_grad: bool = False

    def sft_file(self) -> Path:
        """The JSON-lines file of the examples."""
        return self.sft / "sft.jsonl" if self.sft.is_dir() else self.sft

    def select(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The examples this run trains on (filters of the settings), in file order.

        Raises:
            ValueError: An unknown decision kind, or no example left.
        """
        bad = sorted(set(self.decisions) - set(DECISIONS))
        if bad:
            raise ValueError(f"unknown decisions {bad}; valid: {', '.join(DECISIONS)}")
        out = [r for r in rows if r.get("decision") in self.decisions and (self.practice or not r.get("practice"))
               and (not self.games or r.get("game_id") in self.games)]
        if self.max_examples is not None:
            out = out[: self.max_examples]
        if not out:
            raise ValueError(f"no SFT example in {self.sft_file()} matches games={list(self.games)}, "
                             f"decisions={list(self.decisions)}, practice={self.practice}")
        return out


def load_base(model: Path | None) -> tuple[Any, Any]:
    """The tokenizer and the causal LM, loaded offline as the ``local`` backend loads them.

    Raises:
        ValueError: The model folder does not exist, or the default model's package is not installed.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from econlab.policies.llm.backends.local_backend import smollm2_gguf

    if model is None:
        gguf = smollm2_gguf()
        folder, kwargs = str(gguf.parent), {"gguf_file": gguf.name}
    else:
        if not Path(model).is_dir():
            raise ValueError(f"local model folder {model} does not exist")
        folder, kwargs = str(model), {}
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True, **kwargs)
    return tok, AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **kwargs)


def _example_loss(model: Any, example: dict[str, list[int]], device: str, prefix_grad: bool) -> Any:
    """Mean cross-entropy on the answer tokens of one example.

    Without ``prefix_grad`` the prompt (all but its last token) runs once without gradient and only the
    answer is back-propagated through, attending to the prompt's cached keys and values: the forward pass
    is the one the adapter sees when it plays, and a CPU step costs about one prompt forward instead of
    three (the prompts are ~1000 tokens, the answers ~20).
    """
    import torch

    ids = torch.tensor([example["input_ids"]], device=device)
    labels = torch.tensor([example["labels"]], device=device)
    if prefix_grad:
        return model(input_ids=ids, labels=labels).loss
    cut = next(i for i, x in enumerate(example["labels"]) if x != -100) - 1
    with torch.no_grad():
        # logits_to_keep=1: the prompt's logits are not needed (the LM head over 1000 positions is ~20% of the pass)
        cache = model(input_ids=ids[:, :cut], use_cache=True, logits_to_keep=1).cache
    return model(input_ids=ids[:, cut:], labels=labels[:, cut:], cache=cache, use_cache=False).loss


def _settings(cfg: FinetuneConfig) -> dict[str, Any]:
    return json.loads(cfg.model_dump_json(exclude={"threads", "device"}))


def finetune(cfg: FinetuneConfig, *, log: Any = None) -> dict[str, Any]:
    """Train and save the adapter (module docstring); returns the training summary (also ``out/training.json``).

    Args:
        cfg: The settings.
        log: Called with one line of text per optimiser step (``None``: silent).

    Raises:
        ValueError: Bad settings, no usable example, or every example longer than ``max_length``.
    """
    done = cfg.out / "training.json"
    if done.exists():
        summary = json.loads(done.read_text(encoding="utf-8"))
        if summary.get("settings") == _settings(cfg):
            return summary | {"resumed": True}
    import torch
    from peft import LoraConfig, get_peft_model

    rows = cfg.select(read_jsonl(cfg.sft_file()))
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = "cuda" if cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available()) else "cpu"
    t0 = time.perf_counter()
    tok, base = load_base(cfg.model)
    encoded = [tokenize_example(tok, r, cfg.max_length) for r in rows]
    data = [e for e in encoded if e is not None]
    if not data:
        raise ValueError(f"all {len(rows)} examples are longer than max_length={cfg.max_length} tokens")
    lora = LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
    model = get_peft_model(base, lora).to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    total = cfg.epochs * -(-len(data) // cfg.grad_accum)
    steps = min(total, cfg.max_steps) if cfg.max_steps else total
    losses: list[float] = []
    order: list[int] = []
    for _ in range(cfg.epochs):
        order += torch.randperm(len(data), generator=gen).tolist()
    for step in range(steps):
        batch = order[step * cfg.grad_accum:(step + 1) * cfg.grad_accum]
        opt.zero_grad()
        step_loss = 0.0
        for i in batch:
            loss = _example_loss(model, data[i], device, cfg.prefix_grad) / len(batch)
            loss.backward()
            step_loss += float(loss.detach())
        opt.step()
        losses.append(round(step_loss, 5))
        if log is not None:
            log(f"step {step + 1}/{steps} loss {step_loss:.4f} ({time.perf_counter() - t0:.0f} s)")
    cfg.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(cfg.out))
    summary = {"settings": _settings(cfg), "examples": len(rows), "used": len(data),
               "too_long": len(rows) - len(data), "steps": steps, "losses": losses, "device": device,
               "seconds": round(time.perf_counter() - t0, 1),
               "trainable_parameters": int(sum(p.numel() for p in params))}
    tmp = cfg.out / ".training.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    tmp.replace(done)
    return summary


def settings_changed(cfg: FinetuneConfig) -> list[str]:
    """The settings in which the adapter already in ``cfg.out`` was trained differently (empty: none there or same)."""
    done = cfg.out / "training.json"
    if not done.is_file():
        return []
    try:
        theirs = json.loads(done.read_text(encoding="utf-8")).get("settings") or {}
    except (json.JSONDecodeError, AttributeError):
        return ["training.json (unreadable)"]
    mine = _settings(cfg)
    return sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))


def load_config(path: str | Path) -> FinetuneConfig:
    """A :class:`FinetuneConfig` from YAML (relative paths are taken from the current folder).

    Raises:
        ValueError: Missing file or invalid settings.
    """
    from econlab.configfile import read_mapping, unwrap, validate

    data = read_mapping(path, "a finetune config")
    return validate(FinetuneConfig, unwrap(data, "finetune", path), path, "a finetune config")
