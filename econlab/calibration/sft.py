"""Chat-format SFT examples from human decisions, built with the LLM seats' own prompt templates.

Each example is ``{"messages": [system, user, assistant], ...meta}``: system and user are exactly what
:func:`econlab.policies.llm.prompts.render` gives an LLM seat for that view, decision and persona; the
assistant message is the human's answer as a JSON object of the answer schema. :func:`tokenize_example`
turns one into model inputs whose labels cover only the answer tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from econlab.calibration.human import HumanExample, answer_text

DECISIONS = ("request", "offer", "vote", "chat", "declare1", "declare2", "snipe1", "snipe2", "market")


def sft_example(ex: HumanExample, persona: str | None = "profit-maximiser", templates_dir: Path | None = None,
                personas_dir: Path | None = None) -> dict[str, Any]:
    """One chat-format SFT example (the seat's prompt and the human's answer).

    Raises:
        ValueError: Unknown persona, or a template that does not render.
    """
    from econlab.policies.llm.prompts import load_personas, render

    chosen = None
    if persona is not None:
        personas = load_personas(personas_dir)
        if persona not in personas:
            raise ValueError(f"unknown persona {persona!r}; known: {', '.join(sorted(personas))}")
        chosen = personas[persona]
    messages = render(ex.view, ex.decision, chosen, templates_dir)
    return {"messages": messages + [{"role": "assistant", "content": answer_text(ex.answer)}],
            "game_id": ex.game_id, "session": ex.session, "round": ex.round, "practice": ex.practice,
            "phase": ex.phase, "seat": ex.seat, "role": ex.role, "decision": ex.decision,
            "persona": persona}


def sft_examples(examples: Iterable[HumanExample], *, persona: str | None = "profit-maximiser",
                 decisions: Sequence[str] = DECISIONS, templates_dir: Path | None = None,
                 personas_dir: Path | None = None) -> list[dict[str, Any]]:
    """SFT examples of the human decisions of the given kinds (in log order).

    Raises:
        ValueError: An unknown decision kind.
    """
    bad = sorted(set(decisions) - set(DECISIONS))
    if bad:
        raise ValueError(f"unknown decisions {bad}; valid: {', '.join(DECISIONS)}")
    return [sft_example(e, persona, templates_dir, personas_dir) for e in examples if e.decision in decisions]


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write rows as JSON lines (through a temporary file and a rename); returns the number of rows."""
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    os.replace(tmp, path)
    return n


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read JSON lines.

    Raises:
        ValueError: The file is missing or holds a line that is not JSON.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist; build it with `econlab dataset human FILES --out DIR`")
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: not JSON: {exc}") from None
    return out


def tokenize_example(tokenizer: Any, example: dict[str, Any], max_length: int) -> dict[str, list[int]] | None:
    """Token ids and labels of one example; labels are -100 except on the answer (``None``: longer than max_length).

    The prompt is the chat template with the generation prompt followed by the answer's fixed JSON prefix
    (``{"type": "request", ``), exactly the text the local backend hands the model when it plays, so the
    model learns to continue that same token sequence; the answer ends with the end-of-turn token.
    """
    from econlab.policies.llm.backends.local_backend import answer_prefix
    from econlab.policies.llm.schemas import answer_schema

    messages = example["messages"]
    answer = messages[-1]["content"]
    prefix = answer_prefix(answer_schema(example["decision"])) if example.get("decision") else ""
    if not answer.startswith(prefix):
        prefix = ""
    prompt = tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=False) + prefix
    answer = answer[len(prefix):]
    end = tokenizer.eos_token or ""
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    a_ids = tokenizer(answer + end, add_special_tokens=False)["input_ids"]
    if len(p_ids) + len(a_ids) > max_length:
        return None
    return {"input_ids": p_ids + a_ids, "labels": [-100] * len(p_ids) + a_ids}
