"""What kind of econlab or lab file a path holds, so a command given the wrong kind says what to use instead.

Kinds: ``trace`` (lab-server trace, ``.jsonl`` of ``{dir, msg, ...}`` lines), ``lab-record`` (``{parameters,
log}``: the lab server's or a human session's record), ``econlab-record`` (a lab record written by econlab, with its
``econlab`` section), ``gamedata`` (the server's ``/games/data`` answer), ``decisions`` (``*.decisions.json``),
``sft`` (``sft.jsonl`` examples), ``yaml`` (a config), ``tournament-run``, ``training-run``, ``folder``,
``missing`` and ``other``. Only the start of a file is read.
"""

from __future__ import annotations

import json
from pathlib import Path

from econlab.errors import UserError

#: what each kind is, and the commands that read it
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "trace": ("a lab-server trace (one message per line)", "`econlab replay FILE`"),
    "lab-record": ("a lab record (a game's parameters and log)",
                   "`econlab dataset human FILE` or `econlab compare RUN --human FILE`"),
    "econlab-record": ("a game record written by econlab", "`econlab dataset human FILE` (as a lab record)"),
    "gamedata": ("the lab server's game data (/games/data)", "-"),
    "decisions": ("econlab's decisions of a game (they sit beside the game's record)", "-"),
    "sft": ("SFT examples (chat format)", "`econlab calibrate finetune CONFIG` (the config's sft:)"),
    "yaml": ("a YAML config", "the command of its kind (play --scenario, tournament, train, design or calibrate)"),
    "tournament-run": ("a tournament run folder", "`econlab report RUN` or `econlab compare RUN --human FILE`"),
    "training-run": ("a training run folder", "`--policy SEAT=rl:RUN` (play, tournaments)"),
    "folder": ("a folder", "-"),
    "other": ("not a file econlab knows", "-"),
}


def file_kind(path: Path) -> str:
    """The kind of ``path`` (see the module docstring)."""
    if not path.exists():
        return "missing"
    if path.is_dir():
        if (path / "tournament.json").exists() or (path / "records").is_dir():
            return "tournament-run"
        if (path / "checkpoints").is_dir() or (path / "meta.json").exists():
            return "training-run"
        return "folder"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "yaml"
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return "other"
    text = head.lstrip()
    if not text:
        return "other"
    first_line = text.split("\n", 1)[0]
    try:
        first = json.loads(first_line)
    except json.JSONDecodeError:
        first = None
    if isinstance(first, dict) and "\n" in text.strip():
        if "dir" in first and ("msg" in first or "seat" in first):
            return "trace"
        if "messages" in first:
            return "sft"
    if isinstance(first, dict) and {"dir", "msg"} <= set(first):
        return "trace"
    if text.startswith("{"):
        keys = _top_keys(path) if len(head) >= (1 << 16) else set(_loads(text))
        if {"parameters", "log"} <= keys:
            return "econlab-record" if "econlab" in keys else "lab-record"
        if {"data", "status", "message"} <= keys:
            return "gamedata"
    if text.startswith("[") and '"valid"' in head[:4000] and '"seat"' in head[:4000]:
        return "decisions"
    return "other"


def expect_kind(path: Path, allowed: tuple[str, ...], what: str) -> str:
    """Check that ``path`` is one of the ``allowed`` kinds.

    Args:
        path: The file or folder given.
        allowed: Acceptable kinds.
        what: How the command names what it wanted ("a lab-server trace (.jsonl)").

    Raises:
        UserError: ``"X is a lab record, not a lab-server trace — use `econlab dataset human X` ..."``.
    """
    kind = file_kind(path)
    if kind in allowed or (kind == "other" and "other" in allowed):
        return kind
    if kind == "missing":
        raise UserError(f"{path} does not exist — give {what}")
    description, use = DESCRIPTIONS.get(kind, DESCRIPTIONS["other"])
    if kind.endswith("-run"):
        use = use.replace("RUN", str(path))
    todo = f"use {use.replace('FILE', str(path))} for it" if use != "-" else f"give {what}"
    raise UserError(f"{path} is {description}, not {what} — {todo}")


def _loads(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _top_keys(path: Path) -> set[str]:
    """The top-level keys of a large JSON object file (it is parsed in full: records are a few MB)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return set()
    return set(data) if isinstance(data, dict) else set()
