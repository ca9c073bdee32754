"""From a model's raw text to decoded JSON: tolerant of fences, prose around the object, trailing commas.

:func:`extract_json` finds the first balanced ``{...}`` object in the text (strings and escapes
respected), removes trailing commas before ``}`` / ``]`` and decodes it. It never guesses values:
anything it cannot decode is an :class:`~econlab.policies.llm.schemas.AnswerError` that is sent back
to the model in the repair prompt.
"""

from __future__ import annotations

import json
import re
from typing import Any

from econlab.policies.llm.schemas import AnswerError

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def extract_json(text: str) -> Any:
    """The JSON object in ``text`` (see the module docstring).

    Raises:
        AnswerError: No object, an unbalanced one, or one that does not decode.
    """
    if not isinstance(text, str) or not text.strip():
        raise AnswerError("the answer is empty; reply with one JSON object")
    start = text.find("{")
    if start < 0:
        raise AnswerError("no JSON object found in the answer; reply with one JSON object and nothing else")
    end = _matching_brace(text, start)
    if end is None:
        raise AnswerError("the JSON object is not closed (unbalanced braces)")
    chunk = _strip_trailing_commas(text[start:end + 1])
    try:
        return json.loads(chunk)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"the JSON object does not decode: {exc.msg} at character {exc.pos}") from None


def _matching_brace(text: str, start: int) -> int | None:
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _strip_trailing_commas(chunk: str) -> str:
    # Only outside strings: split on string literals and fix the code parts.
    parts = re.split(r'("(?:[^"\\]|\\.)*")', chunk)
    return "".join(p if i % 2 else _TRAILING_COMMA.sub(r"\1", p) for i, p in enumerate(parts))
